/*
 * runtime/probe_self.c — the self probe kind (`self:signal:SIGUSR1`, current bpftrace):
 * a probe the tracer runs itself when it receives the signal, before it prints the maps
 * as SIGUSR1 always does.
 *
 * Owns: its row and expansion (SIGUSR1 is the one signal bpftrace offers: the others
 * end the run) and `-l self:*`.
 * Must not: run anything (session.c runs the points on SIGUSR1 with BPF_PROG_TEST_RUN).
 */
#include "provider.h"

#include <errno.h>
#include <fnmatch.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int expand_self(const struct provider *pv, const struct probe_env *env, const char *text,
		       struct probe_point **pts, int *n, char *err, size_t errlen)
{
	const char *rest = provider_after_prefix(text);
	if (!rest || strcmp(rest, "signal:SIGUSR1") != 0)
		return provider_fail(err, errlen,
				     "self probes are written self:signal:SIGUSR1 (the one signal "
				     "that does not end the run), not '%s'",
				     text);
	struct probe_point *p = probe_points_add(pts, n);
	if (!p)
		return provider_fail(err, errlen, "out of memory");
	p->kind = PROBE_SELF;
	p->target = strdup("signal");
	p->func = strdup("SIGUSR1");
	p->name = strdup("self:signal:SIGUSR1");
	if (!p->target || !p->func || !p->name) {
		probe_point_clear(&(*pts)[--*n]);
		return provider_fail(err, errlen, "out of memory");
	}
	return 0;
}

static int list_self(const struct provider *pv, const struct probe_env *env, const char *rest,
		     const char *full_glob, bool verbose, struct probe_list *out)
{
	const char *name = "self:signal:SIGUSR1";
	if ((rest && fnmatch(rest, name + 5, 0) != 0 && fnmatch(rest, "signal", 0) != 0) ||
	    (full_glob && fnmatch(full_glob, name, 0) != 0))
		return 0;
	probe_list_add(out, strdup(name));
	return 0;
}

const struct provider provider_self = {
	.name = "self", .kind = PROBE_SELF, .prog_type = BPF_PROG_TYPE_RAW_TRACEPOINT,
	.caps = PV_RUN_ONCE, .expand = expand_self, .list = list_self,
};
