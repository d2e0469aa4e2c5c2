/*
 * runtime/perf_events.c — what the software and hardware probe kinds share: a table of
 * named perf events, expanded, listed and attached the same way.
 *
 * Owns: `KIND:EVENT[:COUNT]` parsing against a table (names, aliases, shell wildcards;
 * COUNT, or the event's default, is the sample period), the canonical point names
 * bpftrace prints for `probe` ("software:faults:1" as written), `-l` lines
 * ("software:page-faults:"), and attaching one counter per online CPU, or one that
 * follows the process given with -p.
 * Must not: hold the tables themselves (probe_software.c, probe_hardware.c).
 */
#include "runtime_internal.h"

#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool row_matches(const struct perf_event_row *r, const char *pat)
{
	return fnmatch(pat, r->name, 0) == 0 || (r->alias && fnmatch(pat, r->alias, 0) == 0);
}

int rt_perf_event_expand(const struct provider *pv, const struct perf_event_row *rows, size_t nrows,
			 const char *text, struct probe_point **pts, int *n, char *err,
			 size_t errlen)
{
	const char *rest = provider_after_prefix(text);
	if (!rest || !*rest)
		return provider_fail(err, errlen,
				     "%s probes are written %s:EVENT or %s:EVENT:COUNT (e.g. "
				     "%s:%s:100), not '%s'",
				     pv->name, pv->name, pv->name, pv->name, rows[0].name, text);
	const char *colon = strchr(rest, ':');
	size_t elen = colon ? (size_t)(colon - rest) : strlen(rest);
	char event[64];
	if (elen == 0 || elen >= sizeof(event))
		return provider_fail(err, errlen, "%s probe '%s' names no event", pv->name, text);
	memcpy(event, rest, elen);
	event[elen] = '\0';
	uint64_t count = 0;
	if (colon) {
		const char *num = colon + 1;
		char *end;
		errno = 0;
		unsigned long long v = strtoull(num, &end, 10);
		if (*num < '0' || *num > '9' || *end || errno || v == 0)
			return provider_fail(err, errlen,
					     "the count of %s probe '%s' must be a positive integer "
					     "(the event fires the probe once every COUNT times)",
					     pv->name, text);
		count = v;
	}
	bool wild = strpbrk(event, "*?[") != NULL;
	int first = *n;
	for (size_t i = 0; i < nrows; i++) {
		const struct perf_event_row *r = &rows[i];
		if (wild ? !row_matches(r, event)
			 : strcmp(event, r->name) != 0 && (!r->alias || strcmp(event, r->alias) != 0))
			continue;
		struct probe_point *p = probe_points_add(pts, n);
		if (!p)
			return provider_fail(err, errlen, "out of memory");
		p->kind = pv->kind;
		p->config = r->config;
		p->period = count ? count : r->default_period;
		p->func = strdup(r->name);
		/* as bpftrace names it: the event as written (each match for a wildcard) */
		const char *shown = wild ? r->name : event;
		int rc = count ? asprintf(&p->name, "%s:%s:%" PRIu64, pv->name, shown, count)
			       : asprintf(&p->name, "%s:%s", pv->name, shown);
		if (rc < 0)
			p->name = NULL;
		if (!p->func || !p->name) {
			while (*n > first)
				probe_point_clear(&(*pts)[--*n]);
			return provider_fail(err, errlen, "out of memory");
		}
		if (!wild)
			break;
	}
	if (*n == first) {
		char known[1024] = "";
		size_t len = 0;
		for (size_t i = 0; i < nrows && len < sizeof(known) - 64; i++)
			len += (size_t)snprintf(known + len, sizeof(known) - len, "%s%s",
						i ? ", " : "", rows[i].name);
		return provider_fail(err, errlen, "%s event not found: %s (the events are: %s)",
				     pv->name, event, known);
	}
	return 0;
}

int rt_perf_event_list(const struct provider *pv, const struct perf_event_row *rows, size_t nrows,
		       const char *rest, const char *full_glob, struct probe_list *out)
{
	char pat[128] = "*";
	if (rest && *rest) {
		size_t len = strcspn(rest, ":");
		snprintf(pat, sizeof(pat), "%.*s", (int)len, rest);
	}
	for (size_t i = 0; i < nrows; i++) {
		if (!row_matches(&rows[i], pat))
			continue;
		char *s;
		if (asprintf(&s, "%s:%s:", pv->name, rows[i].name) < 0) {
			probe_list_add(out, NULL);
			return 0;
		}
		if (full_glob && fnmatch(full_glob, s, 0) != 0) {
			free(s);
			continue;
		}
		probe_list_add(out, s);
	}
	return 0;
}

int rt_perf_event_attach(uint32_t type, const struct probe_point *p, int prog_fd,
			 struct rt_links *l)
{
	struct perf_event_attr attr = {
		.type = type,
		.size = sizeof(attr),
		.config = p->config,
		.sample_period = p->period,
		.disabled = 1,
	};
	if (l->pid > 0) { /* -p: a counter that follows the process over every CPU */
		int pfd = rt_perf_open(&attr, l->pid, -1);
		return pfd < 0 ? pfd : rt_link_perf(prog_fd, pfd, rt_probe_cookie(l, p), l);
	}
	int *cpus = NULL;
	int ncpus = rt_online_cpus(&cpus);
	if (ncpus < 0)
		return ncpus;
	int err = 0;
	for (int i = 0; i < ncpus && !err; i++) {
		int pfd = rt_perf_open(&attr, -1, cpus[i]);
		err = pfd < 0 ? pfd : rt_link_perf(prog_fd, pfd, rt_probe_cookie(l, p), l);
	}
	free(cpus);
	return err;
}
