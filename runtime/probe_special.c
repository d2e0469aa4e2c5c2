/*
 * runtime/probe_special.c — the BEGIN and END probe kinds (begin/end in current bpftrace).
 *
 * Owns: their rows: expansion of the bare name into one point, and the fact that they are
 * run once by the tracer (session.c, BPF_PROG_TEST_RUN) instead of being attached.
 * Must not: run anything itself.
 */
#include "provider.h"

#include <errno.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>

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

static int expand_special(const struct provider *pv, const struct probe_env *env, const char *text,
			  struct probe_point **pts, int *n, char *err, size_t errlen)
{
	if (strchr(text, ':'))
		return provider_fail(err, errlen, "%s probes take no arguments: write just %s", pv->name,
			    pv->name);
	if (add_simple(pts, n, pv->kind, pv->name))
		return provider_fail(err, errlen, "out of memory");
	return 0;
}


const struct provider provider_begin = {
	.name = "BEGIN", .aliases = { "begin" }, .kind = PROBE_BEGIN,
	.prog_type = BPF_PROG_TYPE_RAW_TRACEPOINT, .caps = PV_RUN_ONCE, .expand = expand_special,
};
const struct provider provider_end = {
	.name = "END", .aliases = { "end" }, .kind = PROBE_END,
	.prog_type = BPF_PROG_TYPE_RAW_TRACEPOINT, .caps = PV_RUN_ONCE, .expand = expand_special,
};
