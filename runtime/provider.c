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

static void probe_point_clear(struct probe_point *p)
{
	free(p->name);
	free(p->target);
	free(p->func);
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
static const char *after_prefix(const char *text)
{
	const char *c = strchr(text, ':');
	return c ? c + 1 : NULL;
}

static int add_simple(struct probe_point **pts, int *n, enum probe_kind kind, const char *name)
{
	struct probe_point *p = probe_points_add(pts, n);
	if (!p)
		return -ENOMEM;
	p->kind = kind;
	if (!(p->name = strdup(name)))
		return -ENOMEM;
	return 0;
}

/* ---- BEGIN / END ------------------------------------------------------------------ */

static int expand_special(const struct provider *pv, const char *text, struct probe_point **pts,
			  int *n, char *err, size_t errlen)
{
	if (strchr(text, ':'))
		return provider_fail(err, errlen, "%s probes take no arguments: write just %s", pv->name,
			    pv->name);
	if (add_simple(pts, n, pv->kind, pv->name))
		return provider_fail(err, errlen, "out of memory");
	return 0;
}

/* ---- tracepoint --------------------------------------------------------------------- */

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

static int expand_tracepoint(const struct provider *pv, const char *text,
			     struct probe_point **pts, int *n, char *err, size_t errlen)
{
	const char *rest = after_prefix(text);
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
		ret = provider_fail(err, errlen, "tracepoint not found: %s:%s", cat, ev);
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

/* ---- interval / profile --------------------------------------------------------------- */

/* "UNIT:N" → unit text and positive count. */
/* Current bpftrace's one-segment forms: `interval:1s`, `interval:100ms`, `profile:99`
 * (a bare number is hz, for profile only), units ns, us, ms, s, hz. */
static int parse_short_form(const char *rest, bool bare_is_hz, char *unit, size_t unitlen,
			    uint64_t *count)
{
	if (!rest || *rest < '0' || *rest > '9')
		return -1;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(rest, &end, 10);
	if (errno || v == 0)
		return -1;
	const char *u = *end ? end : bare_is_hz ? "hz" : NULL;
	if (!u || strlen(u) >= unitlen)
		return -1;
	if (!strcmp(u, "ns")) { /* the finest unit the other forms have is us */
		if (v % 1000)
			return -1;
		v /= 1000;
		u = "us";
	}
	if (strcmp(u, "s") && strcmp(u, "ms") && strcmp(u, "us") && strcmp(u, "hz"))
		return -1;
	snprintf(unit, unitlen, "%s", u);
	*count = v;
	return 0;
}

static int parse_unit_count(const char *rest, char *unit, size_t unitlen, uint64_t *count,
			    bool bare_is_hz)
{
	const char *colon = rest ? strchr(rest, ':') : NULL;
	if (!colon)
		return parse_short_form(rest, bare_is_hz, unit, unitlen, count);
	if (colon == rest || (size_t)(colon - rest) >= unitlen)
		return -1;
	memcpy(unit, rest, (size_t)(colon - rest));
	unit[colon - rest] = '\0';
	const char *num = colon + 1;
	if (*num < '0' || *num > '9')
		return -1;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(num, &end, 10);
	if (*end || errno || v == 0)
		return -1;
	*count = v;
	return 0;
}

static int expand_timed(const struct provider *pv, const char *text, struct probe_point **pts,
			int *n, char *err, size_t errlen)
{
	char unit[8];
	uint64_t count;
	int is_profile = pv->kind == PROBE_PROFILE;
	if (parse_unit_count(after_prefix(text), unit, sizeof(unit), &count, is_profile))
		return provider_fail(err, errlen,
			    "%s probes are written %s:UNIT:N or %s:NUNIT with UNIT one of s, ms, us, "
			    "hz and N a positive integer (e.g. %s or %s), not '%s'",
			    pv->name, pv->name, pv->name, is_profile ? "profile:hz:99" : "interval:s:1",
			    is_profile ? "profile:99" : "interval:1s", text);
	uint64_t period = 0, freq = 0;
	if (strcmp(unit, "s") == 0)
		period = count * 1000000000ull;
	else if (strcmp(unit, "ms") == 0)
		period = count * 1000000ull;
	else if (strcmp(unit, "us") == 0)
		period = count * 1000ull;
	else if (strcmp(unit, "hz") == 0)
		freq = count;
	else
		return provider_fail(err, errlen, "%s is not an accepted unit of time", unit);
	if (freq && !is_profile) {
		period = 1000000000ull / freq;
		if (!period)
			return provider_fail(err, errlen, "interval frequency too high in '%s'", text);
	}
	struct probe_point *p = probe_points_add(pts, n);
	if (!p)
		return provider_fail(err, errlen, "out of memory");
	p->kind = pv->kind;
	p->period_ns = is_profile && freq ? 0 : period;
	p->freq_hz = is_profile ? freq : 0;
	if (asprintf(&p->name, "%s:%s:%" PRIu64, pv->name, unit, count) < 0) {
		p->name = NULL;
		probe_point_clear(&(*pts)[--*n]);
		return provider_fail(err, errlen, "out of memory");
	}
	return 0;
}

/* kprobe/kretprobe rows: runtime/probe_kprobe.c; uprobe/uretprobe rows: runtime/probe_uprobe.c */

/* ---- the table -------------------------------------------------------------------------- */

/* attach_reverse as bpftrace 0.17 orders attachment: kprobe, uprobe, uretprobe and kfunc
 * points fire newest first, tracepoints, kretprobes, profile and interval in order. */
static const struct provider providers[] = {
	{ "BEGIN", { "begin" }, PROBE_BEGIN, BPF_PROG_TYPE_RAW_TRACEPOINT, expand_special, false },
	{ "END", { "end" }, PROBE_END, BPF_PROG_TYPE_RAW_TRACEPOINT, expand_special, false },
	{ "tracepoint", { "t" }, PROBE_TRACEPOINT, BPF_PROG_TYPE_TRACEPOINT, expand_tracepoint, false },
	{ "kprobe", { "k" }, PROBE_KPROBE, BPF_PROG_TYPE_KPROBE, kprobe_expand, true },
	{ "kretprobe", { "kr" }, PROBE_KRETPROBE, BPF_PROG_TYPE_KPROBE, kprobe_expand, false },
	{ "uprobe", { "u" }, PROBE_UPROBE, BPF_PROG_TYPE_KPROBE, uprobe_expand, true },
	{ "uretprobe", { "ur" }, PROBE_URETPROBE, BPF_PROG_TYPE_KPROBE, uprobe_expand, true },
	{ "profile", { "p" }, PROBE_PROFILE, BPF_PROG_TYPE_PERF_EVENT, expand_timed, false },
	{ "interval", { "i" }, PROBE_INTERVAL, BPF_PROG_TYPE_PERF_EVENT, expand_timed, false },
	/* kprobes that always run as fentry/fexit programs (probe_fentry.c); after the
	 * kprobe rows, so provider_for_kind() still names kprobes "kprobe" */
	{ "kfunc", { "fentry", "f" }, PROBE_KPROBE, BPF_PROG_TYPE_TRACING, kprobe_expand, true },
	{ "kretfunc", { "fexit", "fr" }, PROBE_KRETPROBE, BPF_PROG_TYPE_TRACING, kprobe_expand, false },
};
#define NPROVIDERS (sizeof(providers) / sizeof(providers[0]))

static int name_is(const char *name, const char *s, size_t len)
{
	return name && strlen(name) == len && memcmp(name, s, len) == 0;
}

const struct provider *provider_find(const char *prefix, size_t len)
{
	for (size_t i = 0; i < NPROVIDERS; i++) {
		const struct provider *p = &providers[i];
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
	for (size_t i = 0; i < NPROVIDERS; i++)
		if (providers[i].kind == kind)
			return &providers[i];
	return NULL;
}

int provider_expand(const char *text, int probe_idx, struct probe_point **pts, int *n,
		    char *err, size_t errlen)
{
	size_t len = strcspn(text, ":");
	const struct provider *pv = provider_find(text, len);
	if (!pv)
		return provider_fail(err, errlen, "Invalid probe type: %.*s", (int)len, text);
	int first = *n;
	int rc = pv->expand(pv, text, pts, n, err, errlen);
	if (rc)
		return rc == -ENOENT ? -ENOENT : -1; /* -ENOENT: the target does not exist */
	for (int i = first; i < *n; i++) {
		(*pts)[i].probe = probe_idx;
		(*pts)[i].index = i;
	}
	return 0;
}
