/*
 * runtime/probe_timer.c — the profile and interval probe kinds: timers on the cpu-clock.
 *
 * Owns: parsing `profile:hz:99`, `profile:99`, `interval:s:1`, `interval:1s` (units s,
 * ms, us, hz; ns folded into us) into points with a period or frequency, and attaching
 * them: profile on every online CPU, interval on one CPU (it fires once per period in
 * total).
 * Must not: load programs.
 */
#include "runtime_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static int expand_timed(const struct provider *pv, const struct probe_env *env, const char *text,
			struct probe_point **pts, int *n, char *err, size_t errlen)
{
	char unit[8];
	uint64_t count;
	int is_profile = pv->kind == PROBE_PROFILE;
	if (parse_unit_count(provider_after_prefix(text), unit, sizeof(unit), &count, is_profile))
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

static int attach_timed(const struct probe_point *p, int prog_fd, struct rt_links *l,
			char *why, size_t whylen)
{
	int *cpus = NULL;
	int ncpus = rt_online_cpus(&cpus);
	if (ncpus < 0)
		return ncpus;
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_SW_CPU_CLOCK,
		.disabled = 1,
	};
	if (p->freq_hz) {
		attr.freq = 1;
		attr.sample_freq = p->freq_hz;
	} else {
		attr.sample_period = p->period_ns;
	}
	/* interval fires once per period in total, so it lives on one CPU only. */
	int n = p->kind == PROBE_INTERVAL ? 1 : ncpus;
	int err = 0;
	for (int i = 0; i < n && !err; i++) {
		int pfd = rt_perf_open(&attr, -1, cpus[i]);
		err = pfd < 0 ? pfd : rt_link_perf_held(prog_fd, pfd, 0, l); /* after BEGIN */
	}
	free(cpus);
	return err;
}

const struct provider provider_profile = {
	.name = "profile", .aliases = { "p" }, .kind = PROBE_PROFILE,
	.prog_type = BPF_PROG_TYPE_PERF_EVENT, .expand = expand_timed, .attach = attach_timed,
	.caps = PV_CLOCK,
};
const struct provider provider_interval = {
	.name = "interval", .aliases = { "i" }, .kind = PROBE_INTERVAL,
	.prog_type = BPF_PROG_TYPE_PERF_EVENT, .expand = expand_timed, .attach = attach_timed,
	.caps = PV_CLOCK,
};
