/*
 * runtime/probe_test.c — the test:NAME and bench:NAME probe kinds (current bpftrace).
 *
 * Owns: their rows: a point per attach point, named by what follows the colon, run by the
 * tracer with BPF_PROG_TEST_RUN (runtime/testmode.c: --test, --bench) as XDP programs,
 * the kind whose test runs take a repeat count and report the time (as bpftrace's do),
 * never attached; without --test/--bench they are loaded but never run.
 * Must not: run anything itself.
 */
#include "provider.h"

#include <errno.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>

static int expand_named(const struct provider *pv, const struct probe_env *env,
			const char *text, struct probe_point **pts, int *n, char *err,
			size_t errlen)
{
	const char *name = provider_after_prefix(text);
	if (!name || !*name || strchr(name, ':'))
		return provider_fail(err, errlen, "%s probes take a name: write %s:NAME", pv->name,
				     pv->name);
	struct probe_point *p = probe_points_add(pts, n);
	if (!p)
		return provider_fail(err, errlen, "out of memory");
	p->kind = pv->kind;
	size_t len = strlen(pv->name) + 1 + strlen(name) + 1;
	p->name = malloc(len);
	p->func = strdup(name);
	if (!p->name || !p->func)
		return provider_fail(err, errlen, "out of memory");
	snprintf(p->name, len, "%s:%s", pv->name, name);
	return 0;
}

const struct provider provider_test = {
	.name = "test", .kind = PROBE_TEST, .prog_type = BPF_PROG_TYPE_XDP,
	.caps = PV_RUN_ONCE, .expand = expand_named,
};
const struct provider provider_bench = {
	.name = "bench", .kind = PROBE_BENCH, .prog_type = BPF_PROG_TYPE_XDP,
	.caps = PV_RUN_ONCE, .expand = expand_named,
};
