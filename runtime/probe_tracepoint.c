/*
 * runtime/probe_tracepoint.c — the tracepoint probe kind (`tracepoint:CAT:EVENT`, `t:`).
 *
 * Owns: expanding a tracepoint attach point against tracefs (wildcards in category and
 * event, each point with its parsed format, which types `args`), listing them for `-l`
 * (with -v their fields as the format files declare them), and attaching: one perf event
 * of type tracepoint on any CPU with its BPF link.
 * Must not: parse format files itself (tracefs.c does).
 */
#include "runtime_internal.h"

#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tracefs.h"

struct tp_expand_ctx {
	struct probe_point **pts;
	int *n;
	int err;
};

static int tp_add(const char *category, const char *event, void *ctx)
{
	struct tp_expand_ctx *c = ctx;
	struct probe_point *p = probe_points_add(c->pts, c->n);
	if (!p)
		return -ENOMEM;
	p->kind = PROBE_TRACEPOINT;
	p->target = strdup(category);
	p->func = strdup(event);
	p->tp = calloc(1, sizeof(*p->tp));
	if (asprintf(&p->name, "tracepoint:%s:%s", category, event) < 0)
		p->name = NULL;
	if (!p->target || !p->func || !p->tp || !p->name)
		return -ENOMEM;
	int e = tracefs_format_load(category, event, p->tp);
	if (e) {
		free(p->tp);
		p->tp = NULL;
		c->err = e;
		return e;
	}
	return 0;
}

static int expand_tracepoint(const struct provider *pv, const struct probe_env *env,
			     const char *text, struct probe_point **pts, int *n, char *err,
			     size_t errlen)
{
	const char *rest = provider_after_prefix(text);
	const char *colon = rest ? strchr(rest, ':') : NULL;
	if (!rest || !colon || colon == rest || !colon[1] || strchr(colon + 1, ':'))
		return provider_fail(err, errlen,
			    "tracepoint probes are written tracepoint:CATEGORY:EVENT, e.g. "
			    "tracepoint:syscalls:sys_enter_read, not '%s'",
			    text);
	if (!tracefs_root() && access("/sys/kernel/tracing/events", F_OK) != 0 &&
	    errno == EACCES)
		return provider_fail(err, errlen,
			    "cannot read tracepoint formats: permission denied on "
			    "/sys/kernel/tracing (run as root)");
	if (!tracefs_root())
		return provider_fail(err, errlen,
			    "cannot list tracepoints: tracefs is not mounted at /sys/kernel/tracing "
			    "or /sys/kernel/debug/tracing");
	char *cat = strndup(rest, (size_t)(colon - rest));
	if (!cat)
		return provider_fail(err, errlen, "out of memory");
	const char *ev = colon + 1;
	int first = *n;
	struct tp_expand_ctx ctx = { pts, n, 0 };
	int r = tracefs_match(cat, ev, tp_add, &ctx);
	int ret = 0;
	if (r == 0) {
		ret = provider_missing(err, errlen, "tracepoint not found: %s:%s", cat, ev);
	} else if (r < 0) {
		if (ctx.err)
			ret = provider_fail(err, errlen, "cannot read the format of tracepoint %s: %s",
				   (*n > first && (*pts)[*n - 1].name) ? (*pts)[*n - 1].name + 11
								       : rest,
				   strerror(-ctx.err));
		else
			ret = provider_fail(err, errlen, "cannot list tracepoints %s:%s: %s", cat, ev,
				   strerror(-r));
	}
	if (ret) {
		while (*n > first)
			probe_point_clear(&(*pts)[--*n]);
	}
	free(cat);
	return ret;
}

/* ---- -l ---------------------------------------------------------------------------------- */

struct tp_ctx {
	struct probe_list *out;
	const char *full_glob; /* match "tracepoint:cat:event" against this, or NULL */
	bool verbose;
};

static int tp_line(const char *cat, const char *ev, void *ctx)
{
	struct tp_ctx *c = ctx;
	char *name, path[PATH_MAX];
	/* ftrace's own events (ftrace:function...) have a format but no "enable": they are
	 * not tracepoints one can attach to, and available_events leaves them out too */
	snprintf(path, sizeof(path), "%s/events/%s/%s/enable", tracefs_root(), cat, ev);
	if (access(path, F_OK) != 0)
		return 0;
	if (asprintf(&name, "tracepoint:%s:%s", cat, ev) < 0)
		return -ENOMEM;
	if (c->full_glob && fnmatch(c->full_glob, name, 0) != 0) {
		free(name);
		return 0;
	}
	if (c->verbose) {
		struct tp_format f;
		if (tracefs_format_load(cat, ev, &f) == 0) {
			for (int i = 0; i < f.nfields; i++) {
				const struct tp_field *fl = &f.fields[i];
				char *ext, arr[24] = "";
				if (fl->array_len >= 0)
					snprintf(arr, sizeof(arr), "[%d]", fl->array_len);
				if (asprintf(&ext, "%s\n    %s %s%s", name, fl->type, fl->name, arr) < 0)
					break;
				free(name);
				name = ext;
			}
			tracefs_format_free(&f);
		}
	}
	probe_list_add(c->out, name);
	return 0;
}

/* "CAT:EVENT" (either a glob), "EVENT" alone (any category), or NULL with full_glob. */
static int list_tracepoints(const struct provider *pv, const struct probe_env *env,
			    const char *rest, const char *full_glob, bool verbose,
			    struct probe_list *out)
{
	if (!tracefs_root())
		return 0;
	const char *c2 = rest ? strchr(rest, ':') : NULL;
	char *cat = c2 ? strndup(rest, (size_t)(c2 - rest)) : strdup("*");
	if (!cat)
		return 1;
	struct tp_ctx c = { out, full_glob, verbose };
	tracefs_match(cat, c2 ? c2 + 1 : rest ? rest : "*", tp_line, &c);
	free(cat);
	return 0;
}

/* ---- attach ------------------------------------------------------------------------------ */

static int attach_tracepoint(const struct probe_point *p, int prog_fd, struct rt_links *l,
			     char *why, size_t whylen)
{
	if (!p->tp)
		return -ENOENT;
	struct perf_event_attr attr = {
		.type = PERF_TYPE_TRACEPOINT,
		.size = sizeof(attr),
		.config = (uint64_t)p->tp->id,
		.sample_period = 1,
		.wakeup_events = 1,
		.disabled = 1,
	};
	/* pid -1 with one CPU: the program runs wherever the tracepoint fires. */
	int pfd = rt_perf_open(&attr, -1, 0);
	if (pfd < 0)
		return pfd;
	int err = rt_link_perf(prog_fd, pfd, rt_probe_cookie(l, p), l);
	if (err == -EINVAL && p->tp->category && strcmp(p->tp->category, "ftrace") == 0)
		/* ftrace:function, ftrace:print, ...: ftrace's own record formats, listed in
		 * tracefs; a perf event opens on them, but the kernel takes no BPF program */
		snprintf(why, whylen, "ftrace:* are the formats of ftrace's own records, which "
			 "take no BPF program");
	return err;
}

const struct provider provider_tracepoint = {
	.name = "tracepoint", .aliases = { "t" }, .kind = PROBE_TRACEPOINT,
	.prog_type = BPF_PROG_TYPE_TRACEPOINT, .caps = PV_ARGS_TP, .expand = expand_tracepoint,
	.list = list_tracepoints, .attach = attach_tracepoint, .list_all = true,
};
