/*
 * runtime/probe_software.c — the software probe kind (`software:EVENT[:COUNT]`, `s:`):
 * the kernel's software perf events (page faults, context switches, cpu-clock, ...).
 *
 * Owns: bpftrace's table of software events (names, aliases, default sample periods),
 * expanding an attach point against it (wildcards too), `-l software:*`, and attaching:
 * one perf event per online CPU (or one following the process given with -p), each with
 * its BPF link; the program runs once every COUNT events.
 * Must not: know about hardware events (probe_hardware.c) or load programs.
 */
#include "runtime_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* bpftrace's names, aliases and default periods (its SW_PROBE_LIST) */
static const struct perf_event_row software_events[] = {
	{ "alignment-faults", NULL, PERF_COUNT_SW_ALIGNMENT_FAULTS, 1 },
	{ "bpf-output", NULL, PERF_COUNT_SW_BPF_OUTPUT, 1 },
	{ "context-switches", "cs", PERF_COUNT_SW_CONTEXT_SWITCHES, 1000 },
	{ "cpu-clock", "cpu", PERF_COUNT_SW_CPU_CLOCK, 1000000 },
	{ "cpu-migrations", NULL, PERF_COUNT_SW_CPU_MIGRATIONS, 1 },
	{ "dummy", NULL, PERF_COUNT_SW_DUMMY, 1 },
	{ "emulation-faults", NULL, PERF_COUNT_SW_EMULATION_FAULTS, 1 },
	{ "major-faults", NULL, PERF_COUNT_SW_PAGE_FAULTS_MAJ, 1 },
	{ "minor-faults", NULL, PERF_COUNT_SW_PAGE_FAULTS_MIN, 100 },
	{ "page-faults", "faults", PERF_COUNT_SW_PAGE_FAULTS, 100 },
	{ "task-clock", NULL, PERF_COUNT_SW_TASK_CLOCK, 1 },
};
#define NSOFTWARE (sizeof(software_events) / sizeof(software_events[0]))

static int expand_software(const struct provider *pv, const struct probe_env *env, const char *text,
			   struct probe_point **pts, int *n, char *err, size_t errlen)
{
	return rt_perf_event_expand(pv, software_events, NSOFTWARE, text, pts, n, err, errlen);
}

static int list_software(const struct provider *pv, const struct probe_env *env, const char *rest,
			 const char *full_glob, bool verbose, struct probe_list *out)
{
	return rt_perf_event_list(pv, software_events, NSOFTWARE, rest, full_glob, out);
}

static int attach_software(const struct probe_point *p, int prog_fd, struct rt_links *l,
			   char *why, size_t whylen)
{
	return rt_perf_event_attach(PERF_TYPE_SOFTWARE, p, prog_fd, l);
}

const struct provider provider_software = {
	.name = "software", .aliases = { "s" }, .kind = PROBE_SOFTWARE,
	.prog_type = BPF_PROG_TYPE_PERF_EVENT, .expand = expand_software, .list = list_software,
	.attach = attach_software, .list_all = true,
	/* several perf events on one CPU overflow newest first */
	.attach_reverse = true,
};
