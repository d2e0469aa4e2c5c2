/*
 * runtime/probe_rawtracepoint.c — the rawtracepoint probe kind
 * (`rawtracepoint:[MODULE:]EVENT`, `rt:`): BPF_PROG_TYPE_RAW_TRACEPOINT programs on the
 * kernel's tracepoints, which get the tracepoint's own arguments, untranslated.
 *
 * Owns: the events, read from the kernel's BTF (each raw tracepoint has a
 * `btf_trace_EVENT` typedef, a pointer to `void (*)(void *, ARGS...)`; modules' from
 * /sys/kernel/btf/MODULE), wildcards over module and event, `-l` ("rawtracepoint:
 * vmlinux:sched_switch", with -v the arguments), and attaching with
 * BPF_RAW_TRACEPOINT_OPEN (a link the kernel drops if we die).
 * Must not: type `args` (sema/kfunc_args.c reads the same typedef) or load programs.
 */
#include "runtime_internal.h"
#include "../common/kinfo.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BTF_TRACE_PREFIX "btf_trace_"

/* The FUNC_PROTO behind typedef btf_trace_EVENT (typedef → pointer → proto), or NULL. */
static const struct btf_type *event_proto(const struct btf *btf, const struct btf_type *t)
{
	if (!btf_is_typedef(t))
		return NULL;
	const struct btf_type *p = btf__type_by_id(btf, t->type);
	if (!p || !btf_is_ptr(p))
		return NULL;
	const struct btf_type *f = btf__type_by_id(btf, p->type);
	return f && btf_is_func_proto(f) ? f : NULL;
}

/* The event's arguments with their names: the typedef's proto has none, the FUNCs
 * __probestub_EVENT (Linux 6.5+) and __traceiter_EVENT (5.10+) have them; each also takes
 * `void *__data` first. */
static const struct btf_type *named_proto(const struct btf *btf, const char *event,
					  const struct btf_type *unnamed)
{
	static const char *const prefixes[] = { "__probestub_", "__traceiter_" };
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		char name[256];
		snprintf(name, sizeof(name), "%s%s", prefixes[i], event);
		int id = btf__find_by_name_kind(btf, name, BTF_KIND_FUNC);
		const struct btf_type *f = id > 0 ? btf__type_by_id(btf, (uint32_t)id) : NULL;
		const struct btf_type *p = f ? btf__type_by_id(btf, f->type) : NULL;
		if (p && btf_is_func_proto(p))
			return p;
	}
	return unnamed;
}

/* fn(module, event, proto's btf and proto) for every raw tracepoint of every module whose
 * name matches mod_glob ("vmlinux" is the kernel itself); stops at fn's first non-zero. */
typedef int (*each_fn)(const char *module, const char *event, const struct btf *btf,
		       const struct btf_type *proto, void *ctx);

static int each_in(const char *module, const struct btf *btf, uint32_t first, each_fn fn,
		   void *ctx)
{
	uint32_t n = btf__type_cnt(btf);
	size_t plen = strlen(BTF_TRACE_PREFIX);
	for (uint32_t id = first; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		const char *name = btf__name_by_offset(btf, t->name_off);
		if (!name || strncmp(name, BTF_TRACE_PREFIX, plen) != 0)
			continue;
		const struct btf_type *proto = event_proto(btf, t);
		if (!proto)
			continue;
		int r = fn(module, name + plen, btf, proto, ctx);
		if (r)
			return r;
	}
	return 0;
}

static int each_event(struct kinfo *ki, const char *mod_glob, each_fn fn, void *ctx)
{
	/* the kernel's own events from the BTF that describes its types ($BPFTRACE_BTF
	 * too); a module's BTF is split on the running kernel's, whatever describes types */
	int err;
	struct btf *types = kinfo_btf(ki, &err, NULL);
	if (!types)
		return -ENOENT;
	int r = 0;
	if (fnmatch(mod_glob, "vmlinux", 0) == 0)
		r = each_in("vmlinux", types, 1, fn, ctx);
	if (r || strcmp(mod_glob, "vmlinux") == 0)
		return r;
	struct btf *vmlinux = kinfo_kernel_btf(ki, &err);
	DIR *d = vmlinux ? opendir("/sys/kernel/btf") : NULL;
	if (!d)
		return 0;
	struct dirent *e;
	while (!r && (e = readdir(d))) {
		if (e->d_name[0] == '.' || strcmp(e->d_name, "vmlinux") == 0 ||
		    fnmatch(mod_glob, e->d_name, 0) != 0)
			continue;
		char path[512];
		snprintf(path, sizeof(path), "/sys/kernel/btf/%s", e->d_name);
		struct btf *mb = btf__parse_split(path, vmlinux);
		if (!mb || libbpf_get_error(mb))
			continue;
		r = each_in(e->d_name, mb, btf__type_cnt(vmlinux), fn, ctx);
		btf__free(mb);
	}
	closedir(d);
	return r;
}

/* "EVENT" or "MODULE:EVENT" after the kind. */
static int split_spec(const char *rest, char *mod, size_t modlen, const char **event)
{
	const char *colon = strchr(rest, ':');
	if (!colon) {
		snprintf(mod, modlen, "*");
		*event = rest;
		return 0;
	}
	if ((size_t)(colon - rest) >= modlen || colon == rest || strchr(colon + 1, ':'))
		return -1;
	memcpy(mod, rest, (size_t)(colon - rest));
	mod[colon - rest] = '\0';
	*event = colon + 1;
	return 0;
}

struct expand_ctx {
	const struct provider *pv;
	const char *event_glob;
	bool explicit_module, wild;
	struct probe_point **pts;
	int *n;
	int first; /* this attach point's own points start here */
	int err;
};

static int add_match(const char *module, const char *event, const struct btf *btf,
		     const struct btf_type *proto, void *ctx)
{
	struct expand_ctx *c = ctx;
	if (fnmatch(c->event_glob, event, 0) != 0)
		return 0;
	for (int i = c->first; i < *c->n; i++) /* the same event in two modules: once */
		if ((*c->pts)[i].kind == PROBE_RAWTRACEPOINT && (*c->pts)[i].func &&
		    strcmp((*c->pts)[i].func, event) == 0)
			return 0;
	struct probe_point *p = probe_points_add(c->pts, c->n);
	if (!p)
		return c->err = -ENOMEM;
	p->kind = PROBE_RAWTRACEPOINT;
	p->func = strdup(event);
	p->target = strdup(module);
	int r = c->explicit_module || c->wild
			? asprintf(&p->name, "%s:%s:%s", c->pv->name, module, event)
			: asprintf(&p->name, "%s:%s", c->pv->name, event);
	if (r < 0)
		p->name = NULL;
	if (!p->func || !p->target || !p->name)
		return c->err = -ENOMEM;
	return c->wild ? 0 : 1; /* one match is the event */
}

static int expand_rawtracepoint(const struct provider *pv, const struct probe_env *env,
				const char *text, struct probe_point **pts, int *n, char *err,
				size_t errlen)
{
	const char *rest = provider_after_prefix(text);
	char mod[256];
	const char *event;
	if (!rest || !*rest || split_spec(rest, mod, sizeof(mod), &event) || !*event)
		return provider_fail(err, errlen,
				     "rawtracepoint probes are written rawtracepoint:EVENT or "
				     "rawtracepoint:MODULE:EVENT (e.g. rawtracepoint:sched_switch), "
				     "not '%s'",
				     text);
	int first = *n;
	struct expand_ctx c = { pv, event, strchr(rest, ':') != NULL,
				strpbrk(rest, "*?[") != NULL, pts, n, *n, 0 };
	int r = each_event(env->kinfo, mod, add_match, &c);
	if (c.err || (r < 0 && r != -ENOENT)) {
		while (*n > first)
			probe_point_clear(&(*pts)[--*n]);
		return provider_fail(err, errlen, "out of memory");
	}
	if (r == -ENOENT)
		return provider_fail(err, errlen,
				     "cannot read the kernel's BTF (/sys/kernel/btf/vmlinux), which "
				     "lists the raw tracepoints");
	if (*n == first)
		return provider_missing(err, errlen, "raw tracepoint not found: %s", rest);
	return 0;
}

/* ---- -l ---------------------------------------------------------------------------------- */

struct list_ctx {
	const struct provider *pv;
	const char *event_glob, *full_glob;
	bool verbose;
	struct probe_list *out;
};

static int list_one(const char *module, const char *event, const struct btf *btf,
		    const struct btf_type *proto, void *ctx)
{
	struct list_ctx *c = ctx;
	if (fnmatch(c->event_glob, event, 0) != 0)
		return 0;
	char *s;
	if (asprintf(&s, "%s:%s:%s", c->pv->name, module, event) < 0) {
		probe_list_add(c->out, NULL);
		return -ENOMEM;
	}
	if (c->full_glob && fnmatch(c->full_glob, s, 0) != 0) {
		free(s);
		return 0;
	}
	if (c->verbose) { /* the arguments, without the leading `void *__data` */
		char *args = rt_btf_describe_proto(btf, named_proto(btf, event, proto), 1, true,
						   false);
		char *both = NULL;
		if (args && asprintf(&both, "%s%s", s, args) >= 0) {
			free(s);
			s = both;
		}
		free(args);
	}
	probe_list_add(c->out, s);
	return 0;
}

static int list_rawtracepoints(const struct provider *pv, const struct probe_env *env,
			       const char *rest, const char *full_glob, bool verbose,
			       struct probe_list *out)
{
	char mod[256] = "*";
	const char *event = "*";
	if (rest && *rest && split_spec(rest, mod, sizeof(mod), &event))
		return 0;
	struct list_ctx c = { pv, *event ? event : "*", full_glob, verbose && !full_glob, out };
	each_event(env->kinfo, mod, list_one, &c);
	return 0;
}

/* ---- attach ------------------------------------------------------------------------------ */

static int attach_rawtracepoint(const struct probe_point *p, int prog_fd, struct rt_links *l,
				char *why, size_t whylen)
{
	int fd = bpf_raw_tracepoint_open(p->func, prog_fd);
	if (fd < 0 && errno == ENOENT)
		snprintf(why, whylen, "the kernel has no raw tracepoint %s", p->func);
	return rt_push_link(l, fd < 0 ? -errno : fd);
}

const struct provider provider_rawtracepoint = {
	.name = "rawtracepoint", .aliases = { "rt" }, .kind = PROBE_RAWTRACEPOINT,
	.prog_type = BPF_PROG_TYPE_RAW_TRACEPOINT, .caps = PV_ARGN | PV_ARGS_BTF | PV_CTX_U64,
	.expand = expand_rawtracepoint, .list = list_rawtracepoints,
	.attach = attach_rawtracepoint,
};
