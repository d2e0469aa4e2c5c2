/*
 * runtime/probe_hardware.c — the hardware probe kind (`hardware:EVENT[:COUNT]`, `h:`):
 * the CPU's performance counters (cycles, instructions, cache misses, ...).
 *
 * Owns: bpftrace's table of hardware events (names, aliases, default sample periods),
 * expansion, `-l hardware:*`, and attaching one counter per online CPU (or one following
 * the -p process). A machine without a CPU PMU (a VM without a virtual PMU, as here)
 * refuses the event: the error says so in one sentence.
 * Must not: know about software events (probe_software.c) or load programs.
 */
#include "runtime_internal.h"

#include <errno.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* bpftrace's names, aliases and default periods (its HW_PROBE_LIST) */
static const struct perf_event_row hardware_events[] = {
	{ "backend-stalls", NULL, PERF_COUNT_HW_STALLED_CYCLES_BACKEND, 1000000 },
	{ "branch-instructions", "branches", PERF_COUNT_HW_BRANCH_INSTRUCTIONS, 100000 },
	{ "branch-misses", NULL, PERF_COUNT_HW_BRANCH_MISSES, 100000 },
	{ "bus-cycles", NULL, PERF_COUNT_HW_BUS_CYCLES, 100000 },
	{ "cache-misses", NULL, PERF_COUNT_HW_CACHE_MISSES, 1000000 },
	{ "cache-references", NULL, PERF_COUNT_HW_CACHE_REFERENCES, 1000000 },
	{ "cpu-cycles", "cycles", PERF_COUNT_HW_CPU_CYCLES, 1000000 },
	{ "frontend-stalls", NULL, PERF_COUNT_HW_STALLED_CYCLES_FRONTEND, 1000000 },
	{ "instructions", NULL, PERF_COUNT_HW_INSTRUCTIONS, 1000000 },
	{ "ref-cycles", NULL, PERF_COUNT_HW_REF_CPU_CYCLES, 1000000 },
};
#define NHARDWARE (sizeof(hardware_events) / sizeof(hardware_events[0]))

static int expand_hardware(const struct provider *pv, const struct probe_env *env, const char *text,
			   struct probe_point **pts, int *n, char *err, size_t errlen)
{
	return rt_perf_event_expand(pv, hardware_events, NHARDWARE, text, pts, n, err, errlen);
}

static int list_hardware(const struct provider *pv, const struct probe_env *env, const char *rest,
			 const char *full_glob, bool verbose, struct probe_list *out)
{
	return rt_perf_event_list(pv, hardware_events, NHARDWARE, rest, full_glob, out);
}

/* The kernel has a CPU PMU when the "cpu" (x86: also "cpu_core"/"cpu_atom") event source
 * exists; without one, perf_event_open of a hardware event fails with ENOENT. */
static bool have_cpu_pmu(void)
{
	return access("/sys/bus/event_source/devices/cpu", F_OK) == 0 ||
	       access("/sys/bus/event_source/devices/cpu_core", F_OK) == 0 ||
	       access("/sys/bus/event_source/devices/armv8_pmuv3_0", F_OK) == 0;
}

static int attach_hardware(const struct probe_point *p, int prog_fd, struct rt_links *l,
			   char *why, size_t whylen)
{
	int err = rt_perf_event_attach(PERF_TYPE_HARDWARE, p, prog_fd, l);
	if (err == -ENOENT || err == -EOPNOTSUPP || err == -ENODEV) {
		if (!have_cpu_pmu())
			snprintf(why, whylen, "this machine has no CPU performance counters (no "
					      "CPU PMU in /sys/bus/event_source/devices; a virtual "
					      "machine often has none), so hardware events cannot "
					      "be counted here");
		else
			snprintf(why, whylen, "this CPU's performance counters do not support "
					      "the event %s", p->func);
	}
	return err;
}

const struct provider provider_hardware = {
	.name = "hardware", .aliases = { "h" }, .kind = PROBE_HARDWARE,
	.prog_type = BPF_PROG_TYPE_PERF_EVENT, .expand = expand_hardware, .list = list_hardware,
	.attach = attach_hardware, .list_all = true,
	/* several perf events on one CPU overflow newest first */
	.attach_reverse = true,
};
