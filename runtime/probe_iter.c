/*
 * runtime/probe_iter.c — the iter probe kind (`iter:NAME`, `it:`, `iter:NAME:PIN`): BPF
 * iterator programs (BPF_PROG_TYPE_TRACING, attach type BPF_TRACE_ITER) that the kernel
 * runs once per object (task, task_file, task_vma, tcp, ksym, ...) when the tracer reads
 * the iterator, and once more at the end with the object pointers NULL.
 *
 * Owns: which iterators this kernel has (a `struct bpf_iter__NAME` context and a
 * `bpf_iter_NAME` function in its BTF), `-l iter:*` and `-lv` (the context's fields from
 * that function's parameters, as current bpftrace lists them), the attach_btf_id and type
 * the program is loaded with, the link (with -p, the task iterators visit only that
 * process), and the run: read the iterator to its end into the output, or pin the link
 * at PIN (a path, or a name under /sys/fs/bpf) for `cat` to run later.
 * Must not: type `ctx` or compile printf (sema and codegen do, by the PV_ITER capability),
 * or decide that an iter probe is its script's only probe (sema/attach.c does).
 */
#include "runtime_internal.h"
#include "../common/kinfo.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fnmatch.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CTX_PREFIX "bpf_iter__"  /* struct bpf_iter__task: the program's context */
#define FUNC_PREFIX "bpf_iter_"  /* bpf_iter_task(meta, task): what the program attaches to */
#define TRUSTED_SUFFIX "__safe_trusted" /* a verifier-internal twin of a context struct */

/* The BTF FUNC id of bpf_iter_NAME when the kernel has iterator NAME (its context struct
 * too), else 0. */
static int iter_func_id(const struct btf *btf, const char *name)
{
	char s[256];
	if (snprintf(s, sizeof(s), CTX_PREFIX "%s", name) >= (int)sizeof(s) ||
	    btf__find_by_name_kind(btf, s, BTF_KIND_STRUCT) <= 0)
		return 0;
	snprintf(s, sizeof(s), FUNC_PREFIX "%s", name);
	int id = btf__find_by_name_kind(btf, s, BTF_KIND_FUNC);
	return id > 0 ? id : 0;
}

/* fn(name, btf, func id) for every iterator of the running kernel's BTF (the run's kinfo:
 * its ids are what the kernel checks at load); stops at fn's first non-zero return.
 * -ENOENT without BTF. */
static int each_iter(struct kinfo *ki,
		     int (*fn)(const char *name, const struct btf *btf, int id, void *ctx),
		     void *ctx)
{
	int err;
	struct btf *btf = kinfo_kernel_btf(ki, &err);
	if (!btf)
		return -ENOENT;
	size_t plen = strlen(CTX_PREFIX), slen = strlen(TRUSTED_SUFFIX);
	uint32_t n = btf__type_cnt(btf);
	for (uint32_t id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		if (!btf_is_struct(t))
			continue;
		const char *s = btf__name_by_offset(btf, t->name_off);
		size_t len = s ? strlen(s) : 0;
		if (len <= plen || strncmp(s, CTX_PREFIX, plen) != 0 ||
		    (len > slen && strcmp(s + len - slen, TRUSTED_SUFFIX) == 0))
			continue;
		int fid = iter_func_id(btf, s + plen);
		int r = fid ? fn(s + plen, btf, fid, ctx) : 0;
		if (r)
			return r;
	}
	return 0;
}

/* The task iterators (Linux 6.1) take a process to visit alone; the others take none. */
static bool takes_pid(const char *name)
{
	return strcmp(name, "task") == 0 || strcmp(name, "task_file") == 0 ||
	       strcmp(name, "task_vma") == 0;
}

/* ---- expansion ---------------------------------------------------------------------- */

static int expand_iter(const struct provider *pv, const struct probe_env *env, const char *text,
		       struct probe_point **pts, int *n, char *err, size_t errlen)
{
	const char *rest = provider_after_prefix(text);
	const char *colon = rest ? strchr(rest, ':') : NULL;
	size_t nlen = colon ? (size_t)(colon - rest) : rest ? strlen(rest) : 0;
	const char *pin = colon ? colon + 1 : NULL;
	char name[128];
	if (!rest || !nlen || nlen >= sizeof(name) || (pin && (!*pin || strchr(pin, ':'))))
		return provider_fail(err, errlen,
				     "iter probes are written iter:NAME or iter:NAME:PIN (e.g. "
				     "iter:task, iter:task_file:/sys/fs/bpf/files), not '%s'",
				     text);
	memcpy(name, rest, nlen);
	name[nlen] = '\0';
	if (strpbrk(name, "*?[") || (pin && strpbrk(pin, "*?[")))
		return provider_fail(err, errlen,
				     "iter probe type does not support wildcards: name one iterator "
				     "(bpfscript -l 'iter:*' lists them), not '%s'",
				     text);
	int btf_err;
	struct btf *btf = kinfo_kernel_btf(env->kinfo, &btf_err);
	if (!btf)
		return provider_fail(err, errlen,
				     "iter %s: the kernel's BTF (/sys/kernel/btf/vmlinux), which "
				     "describes its iterators, cannot be read",
				     name);
	int id = iter_func_id(btf, name);
	if (!id)
		return provider_fail(err, errlen,
				     "iter %s not available for your kernel version: its BTF has no "
				     "struct " CTX_PREFIX "%s (bpfscript -l 'iter:*' lists the "
				     "iterators it has)",
				     name, name);
	if (env->target_pid > 0 && !takes_pid(name))
		return provider_fail(err, errlen,
				     "-p restricts only the task iterators (task, task_file, "
				     "task_vma) to one process, not iter:%s",
				     name);
	struct probe_point *p = probe_points_add(pts, n);
	if (!p)
		return provider_fail(err, errlen, "out of memory");
	p->kind = pv->kind;
	p->config = (uint64_t)id;
	p->func = strdup(name);
	p->target = pin ? strdup(pin) : NULL;
	int r = pin ? asprintf(&p->name, "%s:%s:%s", pv->name, name, pin)
		    : asprintf(&p->name, "%s:%s", pv->name, name);
	if (r < 0)
		p->name = NULL;
	if (!p->func || !p->name || (pin && !p->target)) {
		probe_point_clear(&(*pts)[--*n]);
		return provider_fail(err, errlen, "out of memory");
	}
	return 0;
}

/* ---- -l --------------------------------------------------------------------------------- */

struct list_ctx {
	const struct provider *pv;
	const char *glob, *full_glob;
	bool verbose;
	struct probe_list *out;
};

static int list_one(const char *name, const struct btf *btf, int id, void *ctx)
{
	struct list_ctx *c = ctx;
	if (fnmatch(c->glob, name, 0) != 0)
		return 0;
	char *s;
	if (asprintf(&s, "%s:%s", c->pv->name, name) < 0) {
		probe_list_add(c->out, NULL);
		return -ENOMEM;
	}
	if (c->full_glob && fnmatch(c->full_glob, s, 0) != 0) {
		free(s);
		return 0;
	}
	const struct btf_type *fn = btf__type_by_id(btf, (uint32_t)id);
	const struct btf_type *proto = fn ? btf__type_by_id(btf, fn->type) : NULL;
	if (c->verbose && proto && btf_is_func_proto(proto)) {
		/* the context's fields: the function's parameters after `meta` */
		char *fields = rt_btf_describe_proto(btf, proto, 1, true, false);
		char *both = NULL;
		if (fields && asprintf(&both, "%s%s", s, fields) >= 0) {
			free(s);
			s = both;
		}
		free(fields);
	}
	probe_list_add(c->out, s);
	return 0;
}

static int list_iters(const struct provider *pv, const struct probe_env *env, const char *rest,
		      const char *full_glob, bool verbose, struct probe_list *out)
{
	struct list_ctx c = { pv, rest && *rest ? rest : "*", full_glob, verbose && !full_glob,
			      out };
	each_iter(env->kinfo, list_one, &c);
	return 0;
}

/* ---- load and attach ---------------------------------------------------------------- */

static uint32_t iter_attach_type(const struct rt_probe_state *ps, const struct probe_point *p)
{
	(void)p;
	return BPF_TRACE_ITER;
}

static uint32_t iter_btf_id(const struct probe_point *p)
{
	return (uint32_t)p->config;
}

static int attach_iter(const struct probe_point *p, int prog_fd, struct rt_links *l, char *why,
		       size_t whylen)
{
	union bpf_iter_link_info li;
	memset(&li, 0, sizeof(li));
	LIBBPF_OPTS(bpf_link_create_opts, o);
	if (l->pid > 0 && takes_pid(p->func)) { /* -p: as current bpftrace, visit only that
						   * process's tasks (expansion refused the rest) */
		li.task.pid = (uint32_t)l->pid;
		o.iter_info = &li;
		o.iter_info_len = sizeof(li);
	}
	int fd = bpf_link_create(prog_fd, 0, BPF_TRACE_ITER, &o);
	if (fd < 0) {
		int e = errno;
		if (l->pid > 0 && e == EINVAL)
			snprintf(why, whylen, "this kernel cannot restrict an iterator to one "
					      "process (-p needs Linux 6.1)");
		else if (e == EBADF || e == EINVAL)
			snprintf(why, whylen, "the kernel refused to create iterator %s (%s): it "
					      "iterates over a map or cgroup, which iter:%s cannot name",
				 p->func, strerror(e), p->func);
		return -e;
	}
	int err = rt_push_link(l, fd);
	if (err)
		return err;
	l->has_run_link = true;
	l->run_link = fd;
	return 0;
}

/* ---- the run ------------------------------------------------------------------------ */

/* PIN as bpftrace takes it: a path, or a name under /sys/fs/bpf. */
static int pin_link(const struct probe_point *p, int link, FILE *out, char *why, size_t whylen)
{
	char path[4096];
	if (snprintf(path, sizeof(path), "%s%s", p->target[0] == '/' ? "" : "/sys/fs/bpf/",
		     p->target) >= (int)sizeof(path)) {
		snprintf(why, whylen, "the pin path '%s' is too long", p->target);
		return -ENAMETOOLONG;
	}
	if (bpf_obj_pin(link, path)) {
		int e = errno;
		snprintf(why, whylen, "cannot pin the iterator at %s: %s%s", path, strerror(e),
			 e == ENOENT || e == EPERM ? " (is a BPF file system mounted there?)" : "");
		return -e;
	}
	fprintf(out, "Program pinned to %s\n", path);
	return 0;
}

static int run_iter(const struct probe_point *p, const struct rt_links *l, FILE *out, char *why,
		    size_t whylen)
{
	if (!l->has_run_link) {
		snprintf(why, whylen, "the iterator was not attached");
		return -ENOENT;
	}
	fflush(out);
	if (p->target)
		return pin_link(p, l->run_link, out, why, whylen);
	int fd = bpf_iter_create(l->run_link);
	if (fd < 0) {
		int e = errno;
		snprintf(why, whylen, "cannot open the iterator: %s", strerror(e));
		return -e;
	}
	/* each read runs the program over as many objects as fill a page */
	char buf[8192];
	ssize_t len;
	while ((len = read(fd, buf, sizeof(buf))) > 0 || (len < 0 && errno == EINTR))
		if (len > 0)
			fwrite(buf, 1, (size_t)len, out);
	int e = len < 0 ? errno : 0;
	close(fd);
	fflush(out);
	if (e == E2BIG)
		snprintf(why, whylen, "reading the iterator failed: one object's output is larger "
				      "than the kernel's seq_file buffer");
	else if (e)
		snprintf(why, whylen, "reading the iterator failed: %s", strerror(e));
	return -e;
}

/* ---- --info -------------------------------------------------------------------------- */

bool rt_iter_loadable(struct kinfo *ki, const char *name)
{
	int err;
	struct btf *btf = ki ? kinfo_kernel_btf(ki, &err) : NULL;
	int id = btf ? iter_func_id(btf, name) : 0;
	if (!id)
		return false;
	struct bpf_insn insns[2] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = BPF_TRACE_ITER,
		    .attach_btf_id = (uint32_t)id);
	int fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "iter_check", "GPL", insns, 2, &o);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

const struct provider provider_iter = {
	.name = "iter", .aliases = { "it" }, .kind = PROBE_ITER,
	.prog_type = BPF_PROG_TYPE_TRACING, .caps = PV_ITER,
	.expand = expand_iter, .list = list_iters, .attach = attach_iter,
	.load_attach_type = iter_attach_type, .load_attach_btf_id = iter_btf_id,
	.run = run_iter, .list_all = true,
};
