/*
 * runtime/provider.c — the probe-kind table and attach-point expansion.
 *
 * Owns: the one place a probe kind is described: its bpftrace names and aliases, BPF program
 * type, and how an attach point as written ("t:syscalls:sys_enter_*", "i:ms:100") becomes
 * concrete probe points with canonical names (what the `probe` builtin prints).
 * Must not: load or attach anything (runtime/attach.c does), or print: every failure is
 * one sentence returned in the caller's err buffer.
 */
#include "provider.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/bpf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The array grows geometrically (capacity 16, then doubling at each power of two), so a
 * wildcard matching every kernel function costs linear, not quadratic, time. */
struct probe_point *probe_points_add(struct probe_point **pts, int *n)
{
	if (*n == 0 || (*n >= 16 && (*n & (*n - 1)) == 0)) {
		size_t cap = *n ? (size_t)*n * 2 : 16;
		struct probe_point *v = realloc(*pts, sizeof(**pts) * cap);
		if (!v)
			return NULL;
		*pts = v;
	}
	struct probe_point *v = *pts;
	struct probe_point *p = &v[*n];
	memset(p, 0, sizeof(*p));
	p->index = *n;
	(*n)++;
	return p;
}

void probe_point_clear(struct probe_point *p)
{
	free(p->name);
	free(p->usdt_args);
	free(p->usdt_args_err);
	free(p->target);
	free(p->func);
	free(p->func_label);
	if (p->tp) {
		tracefs_format_free(p->tp);
		free(p->tp);
	}
	memset(p, 0, sizeof(*p));
}

void probe_points_free(struct probe_point *pts, int n)
{
	for (int i = 0; i < n; i++)
		probe_point_clear(&pts[i]);
	free(pts);
}

/* Writes the one-sentence reason into err and returns -1 (every expander's failure path). */
int provider_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (err && errlen)
		vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* The text after "prefix:"; NULL when the attach point has no ':' at all. */
const char *provider_after_prefix(const char *text)
{
	const char *c = strchr(text, ':');
	return c ? c + 1 : NULL;
}

/* ---- the registry ------------------------------------------------------------------------ */

/* One row per probe kind, each defined in its kind's file; adding a kind is one file and
 * one line here. `-l` lists in this order; provider_for_kind() returns the first row of
 * a kind, so the kprobe rows come before the kfunc rows that share their kinds. */
const struct provider *const providers[] = {
	&provider_begin,    &provider_end,       &provider_tracepoint, &provider_kprobe,
	&provider_kretprobe, &provider_uprobe,   &provider_uretprobe,  &provider_profile,
	&provider_interval, &provider_software,  &provider_hardware,   &provider_rawtracepoint,
	&provider_self,     &provider_usdt,      &provider_watchpoint, &provider_asyncwatchpoint,
	&provider_iter,     &provider_kfunc,     &provider_kretfunc,
};
const size_t nproviders = sizeof(providers) / sizeof(providers[0]);

static int name_is(const char *name, const char *s, size_t len)
{
	return name && strlen(name) == len && memcmp(name, s, len) == 0;
}

const struct provider *provider_find(const char *prefix, size_t len)
{
	for (size_t i = 0; i < nproviders; i++) {
		const struct provider *p = providers[i];
		if (name_is(p->name, prefix, len))
			return p;
		for (size_t a = 0; a < sizeof(p->aliases) / sizeof(p->aliases[0]); a++)
			if (name_is(p->aliases[a], prefix, len))
				return p;
	}
	return NULL;
}

const struct provider *provider_for_kind(enum probe_kind kind)
{
	for (size_t i = 0; i < nproviders; i++)
		if (providers[i]->kind == kind)
			return providers[i];
	return NULL;
}

const struct provider *provider_of(const struct probe_point *p)
{
	if (p->fentry)
		return p->kind == PROBE_KRETPROBE ? &provider_kretfunc : &provider_kfunc;
	return provider_for_kind(p->kind);
}

int provider_expand(const struct probe_env *env, const char *text, int probe_idx,
		    struct probe_point **pts, int *n, char *err, size_t errlen)
{
	size_t len = strcspn(text, ":");
	const struct provider *pv = provider_find(text, len);
	if (!pv)
		return provider_fail(err, errlen, "Invalid probe type: %.*s", (int)len, text);
	int first = *n;
	int rc = pv->expand(pv, env, text, pts, n, err, errlen);
	if (rc)
		return rc == -ENOENT ? -ENOENT : -1; /* -ENOENT: the target does not exist */
	for (int i = first; i < *n; i++) {
		(*pts)[i].probe = probe_idx;
		(*pts)[i].index = i;
	}
	return 0;
}
