/*
 * runtime/probe_watchpoint.c — the watchpoint and asyncwatchpoint probe kinds
 * (`watchpoint:ADDR:LEN:MODE`, `w:`, `aw:`): a hardware breakpoint on an address of the
 * traced process, through the breakpoint PMU; the probe runs on each access.
 *
 * Owns: parsing bpftrace 0.17's address form (ADDR decimal or 0x hex, LEN 1, 2, 4 or 8,
 * MODE r, w, rw or x — x needs LEN 8 as the kernel wants sizeof(long)), the canonical
 * name bpftrace prints ("watchpoint:4227200:8:w", the address in decimal), and attaching
 * one breakpoint that follows the -p process or the -c child over every CPU.
 * Must not: load programs. The FUNC+ARG form (a watchpoint set when FUNC is called, on
 * the address in its argument) is refused with a sentence; see README.
 */
#include "runtime_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/bpf.h>
#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_mode(const char *m, uint32_t *type)
{
	uint32_t t = 0;
	for (const char *c = m; *c; c++) {
		uint32_t bit = *c == 'r' ? HW_BREAKPOINT_R : *c == 'w' ? HW_BREAKPOINT_W
				: *c == 'x' ? HW_BREAKPOINT_X : 0;
		if (!bit || (t & bit))
			return -1;
		t |= bit;
	}
	if (!t || ((t & HW_BREAKPOINT_X) && t != HW_BREAKPOINT_X))
		return -1; /* an instruction breakpoint cannot also watch data */
	*type = t;
	return 0;
}

static int expand_watchpoint(const struct provider *pv, const char *text, struct probe_point **pts,
			     int *n, char *err, size_t errlen)
{
	const char *rest = provider_after_prefix(text);
	char addr_s[128], mode[8];
	unsigned len;
	int used = 0;
	if (!rest || sscanf(rest, "%127[^:]:%u:%7[rwx]%n", addr_s, &len, mode, &used) != 3 ||
	    rest[used])
		return provider_fail(err, errlen,
				     "%s probes are written %s:ADDRESS:LENGTH:MODE (e.g. "
				     "%s:0x10000000:8:w, MODE r, w, rw or x), not '%s'",
				     pv->name, pv->name, pv->name, text);
	if (strchr(addr_s, '+'))
		return provider_fail(err, errlen,
				     "%s:FUNCTION+ARG (a watchpoint armed when FUNCTION is called) "
				     "is not supported by bpfscript: give the address to watch, "
				     "e.g. from the symbol table (nm BINARY) or a printf of the "
				     "pointer in a uprobe ('%s')",
				     pv->name, text);
	char *end;
	errno = 0;
	uint64_t addr = strtoull(addr_s, &end, 0);
	if (*end || errno || !addr)
		return provider_fail(err, errlen, "invalid address '%s' in '%s'", addr_s, text);
	uint32_t type;
	if (len != 1 && len != 2 && len != 4 && len != 8)
		return provider_fail(err, errlen,
				     "a watchpoint watches 1, 2, 4 or 8 bytes, not %u ('%s')", len,
				     text);
	if (parse_mode(mode, &type))
		return provider_fail(err, errlen,
				     "invalid watchpoint mode '%s' in '%s': r, w, rw or x", mode, text);
	if (type == HW_BREAKPOINT_X && len != 8)
		return provider_fail(err, errlen,
				     "an execution watchpoint (x) must have length 8, the size of "
				     "a long ('%s')", text);
	struct probe_point *p = probe_points_add(pts, n);
	if (!p)
		return provider_fail(err, errlen, "out of memory");
	p->kind = pv->kind;
	p->config = type;
	p->offset = addr;
	p->period = len;
	if (asprintf(&p->name, "%s:%" PRIu64 ":%u:%s", pv->name, addr, len, mode) < 0) {
		p->name = NULL;
		probe_point_clear(&(*pts)[--*n]);
		return provider_fail(err, errlen, "out of memory");
	}
	return 0;
}

static int attach_watchpoint(const struct probe_point *p, int prog_fd, struct rt_links *l,
			     char *why, size_t whylen)
{
	int pid = l->pid > 0 ? l->pid : l->child_pid;
	if (pid <= 0) {
		snprintf(why, whylen, "a watchpoint watches one process: give -p PID or -c CMD");
		return -EINVAL;
	}
	struct perf_event_attr attr = {
		.type = PERF_TYPE_BREAKPOINT,
		.size = sizeof(attr),
		.bp_type = (uint32_t)p->config,
		.bp_addr = p->offset,
		.bp_len = p->period,
		.sample_period = 1,
		.wakeup_events = 1,
		.disabled = 1,
	};
	int pfd = rt_perf_open(&attr, pid, -1);
	if (pfd == -ENOSPC)
		snprintf(why, whylen, "no free hardware breakpoint register (x86 has 4, shared "
				      "with debuggers)");
	else if (pfd == -ENOENT || pfd == -EOPNOTSUPP)
		snprintf(why, whylen, "this machine has no breakpoint PMU for watchpoints");
	else if (pfd == -EINVAL && p->config == HW_BREAKPOINT_R)
		snprintf(why, whylen, "this CPU cannot watch reads alone (x86 debug registers "
				      "watch writes, or reads and writes): use mode w or rw");
	else if (pfd == -EINVAL)
		snprintf(why, whylen, "the kernel refused the breakpoint (address not aligned "
				      "to its length, or not in user space?)");
	return pfd < 0 ? pfd : rt_link_perf(prog_fd, pfd, rt_probe_cookie(l, p), l);
}

const struct provider provider_watchpoint = {
	.name = "watchpoint", .aliases = { "w" }, .kind = PROBE_WATCHPOINT,
	.prog_type = BPF_PROG_TYPE_PERF_EVENT, .expand = expand_watchpoint,
	.attach = attach_watchpoint,
};
/* bpftrace's asyncwatchpoint differs from watchpoint only in the FUNC+ARG form (it does
 * not stop the process while the watchpoint is armed); the address form is the same. */
const struct provider provider_asyncwatchpoint = {
	.name = "asyncwatchpoint", .aliases = { "aw" }, .kind = PROBE_ASYNCWATCHPOINT,
	.prog_type = BPF_PROG_TYPE_PERF_EVENT, .expand = expand_watchpoint,
	.attach = attach_watchpoint,
};
