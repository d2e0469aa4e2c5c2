/*
 * tests/unit/test_provider.c — probe-kind rows, aliases and attach-point expansion.
 *
 * Owns: checks of runtime/provider.c: every bpftrace name and alias, canonical names (what
 * `probe` prints), interval/profile periods, tracepoint wildcard counts against tracefs,
 * and the one-sentence error for each malformed attach point.
 * Must not: attach anything.
 */
#include <errno.h>
#include <linux/bpf.h>
#include <string.h>

#include "check.h"
#include "common/kinfo.h"
#include "runtime/provider.h"

static struct probe_env env; /* the host's kernel facts (kinfo made in main) */
static struct probe_point *pts;
static int npts;
static char err[256];

static int expand(const char *text, int probe)
{
	err[0] = '\0';
	return provider_expand(&env, text, probe, &pts, &npts, err, sizeof(err));
}

static void reset(void)
{
	probe_points_free(pts, npts);
	pts = NULL;
	npts = 0;
}

static void check_error_rc(const char *name, const char *text, const char *want, int rc)
{
	TEST_BEGIN(name);
	CHECK_EQ_INT(expand(text, 0), rc);
	CHECK_EQ_INT(npts, 0);
	CHECK_EQ_STR(err, want);
	TEST_END();
	reset();
}

static void check_error(const char *name, const char *text, const char *want)
{
	check_error_rc(name, text, want, -1);
}

int main(void)
{
	env.kinfo = kinfo_new(NULL);
	env.probes = &rt_probes;
	TEST_BEGIN("provider: names and aliases");
	static const struct {
		const char *name;
		enum probe_kind kind;
	} rows[] = {
		{ "BEGIN", PROBE_BEGIN },	  { "begin", PROBE_BEGIN },
		{ "END", PROBE_END },		  { "end", PROBE_END },
		{ "tracepoint", PROBE_TRACEPOINT }, { "t", PROBE_TRACEPOINT },
		{ "interval", PROBE_INTERVAL },   { "i", PROBE_INTERVAL },
		{ "profile", PROBE_PROFILE },	  { "p", PROBE_PROFILE },
		{ "kprobe", PROBE_KPROBE },	  { "k", PROBE_KPROBE },
		{ "kretprobe", PROBE_KRETPROBE }, { "kr", PROBE_KRETPROBE },
		{ "uprobe", PROBE_UPROBE },	  { "u", PROBE_UPROBE },
		{ "uretprobe", PROBE_URETPROBE }, { "ur", PROBE_URETPROBE },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct provider *p = provider_find(rows[i].name, strlen(rows[i].name));
		CHECK(p && p->kind == rows[i].kind);
		CHECK(provider_for_kind(rows[i].kind) == p);
	}
	CHECK(provider_find("tr", 2) == NULL);
	CHECK(provider_find("tracepoint:x", 10) == provider_find("t", 1));
	CHECK_EQ_INT(provider_for_kind(PROBE_TRACEPOINT)->prog_type, BPF_PROG_TYPE_TRACEPOINT);
	CHECK_EQ_INT(provider_for_kind(PROBE_PROFILE)->prog_type, BPF_PROG_TYPE_PERF_EVENT);
	CHECK_EQ_INT(provider_for_kind(PROBE_BEGIN)->prog_type, BPF_PROG_TYPE_RAW_TRACEPOINT);
	TEST_END();

	TEST_BEGIN("provider: BEGIN/END canonical names");
	CHECK_EQ_INT(expand("BEGIN", 0), 0);
	CHECK_EQ_INT(expand("end", 1), 0);
	CHECK_EQ_INT(npts, 2);
	CHECK_EQ_STR(pts[0].name, "BEGIN");
	CHECK_EQ_STR(pts[1].name, "END");
	CHECK(pts[1].kind == PROBE_END && pts[1].probe == 1 && pts[1].index == 1);
	TEST_END();
	reset();

	TEST_BEGIN("provider: interval and profile");
	CHECK_EQ_INT(expand("i:ms:100", 0), 0);
	CHECK_EQ_INT(expand("interval:s:2", 0), 0);
	CHECK_EQ_INT(expand("interval:hz:10", 0), 0);
	CHECK_EQ_INT(expand("p:hz:99", 1), 0);
	CHECK_EQ_INT(expand("profile:us:500", 1), 0);
	CHECK_EQ_INT(npts, 5);
	CHECK_EQ_STR(pts[0].name, "interval:ms:100");
	CHECK_EQ_INT(pts[0].period_ns, 100000000);
	CHECK_EQ_STR(pts[1].name, "interval:s:2");
	CHECK_EQ_INT(pts[1].period_ns, 2000000000);
	CHECK_EQ_STR(pts[2].name, "interval:hz:10");
	CHECK_EQ_INT(pts[2].period_ns, 100000000);
	CHECK_EQ_STR(pts[3].name, "profile:hz:99");
	CHECK(pts[3].kind == PROBE_PROFILE && pts[3].freq_hz == 99 && pts[3].period_ns == 0);
	CHECK_EQ_STR(pts[4].name, "profile:us:500");
	CHECK(pts[4].freq_hz == 0 && pts[4].period_ns == 500000);
	for (int i = 0; i < npts; i++)
		CHECK_EQ_INT(pts[i].index, i);
	TEST_END();
	reset();

	TEST_BEGIN("provider: tracepoint with its format");
	CHECK_EQ_INT(expand("t:syscalls:sys_enter_openat", 3), 0);
	CHECK_EQ_INT(npts, 1);
	CHECK_EQ_STR(pts[0].name, "tracepoint:syscalls:sys_enter_openat");
	CHECK_EQ_STR(pts[0].target, "syscalls");
	CHECK_EQ_STR(pts[0].func, "sys_enter_openat");
	CHECK(pts[0].tp && pts[0].tp->id > 0 && tp_format_field(pts[0].tp, "filename"));
	CHECK_EQ_INT(pts[0].probe, 3);
	TEST_END();
	reset();

	TEST_BEGIN("provider: tracepoint wildcards expand in sorted order");
	int want = tracefs_match("syscalls", "sys_enter_get*", NULL, NULL);
	CHECK(want > 5);
	CHECK_EQ_INT(expand("tracepoint:syscalls:sys_enter_get*", 0), 0);
	CHECK_EQ_INT(npts, want);
	for (int i = 1; i < npts; i++)
		CHECK(strcmp(pts[i - 1].name, pts[i].name) < 0);
	for (int i = 0; i < npts; i++)
		CHECK(pts[i].tp && pts[i].index == i);
	int before = npts;
	CHECK_EQ_INT(expand("t:sched:sched_process_e*", 1), 0);
	CHECK_EQ_INT(npts - before, tracefs_match("sched", "sched_process_e*", NULL, NULL));
	CHECK_EQ_STR(pts[before].name, "tracepoint:sched:sched_process_exec");
	CHECK_EQ_INT(pts[before].index, before);
	TEST_END();
	reset();

	check_error_rc("provider: tracepoint not found", "t:syscalls:nope",
		    "tracepoint not found: syscalls:nope",
		       -ESRCH /* a target that does not exist: missing_probes may skip it */);
	check_error_rc("provider: wildcard matching nothing", "tracepoint:nope*:x*",
		    "tracepoint not found: nope*:x*",
		       -ESRCH /* a target that does not exist: missing_probes may skip it */);
	check_error("provider: tracepoint missing event", "tracepoint:syscalls",
		    "tracepoint probes are written tracepoint:CATEGORY:EVENT, e.g. "
		    "tracepoint:syscalls:sys_enter_read, not 'tracepoint:syscalls'");
	check_error("provider: tracepoint extra part", "t:a:b:c",
		    "tracepoint probes are written tracepoint:CATEGORY:EVENT, e.g. "
		    "tracepoint:syscalls:sys_enter_read, not 't:a:b:c'");
	check_error("provider: interval unit", "i:x:1", "x is not an accepted unit of time");
	check_error("provider: interval zero", "interval:s:0",
		    "interval probes are written interval:UNIT:N or interval:NUNIT with UNIT one "
		    "of s, ms, us, hz and N a positive integer (e.g. interval:s:1 or "
		    "interval:1s), not 'interval:s:0'");
	check_error("provider: profile without count", "profile:hz",
		    "profile probes are written profile:UNIT:N or profile:NUNIT with UNIT one of "
		    "s, ms, us, hz and N a positive integer (e.g. profile:hz:99 or profile:99), "
		    "not 'profile:hz'");
	check_error("provider: BEGIN with argument", "BEGIN:x",
		    "BEGIN probes take no arguments: write just BEGIN");
	check_error("provider: unknown type", "foo:bar", "Invalid probe type: foo");
	check_error_rc("provider: uprobe missing symbol", "uprobe:/bin/sh:main",
		    "cannot probe uprobe:/bin/sh:main: function 'main' not found in /bin/sh",
		       -ESRCH /* a target that does not exist: missing_probes may skip it */);
	check_error("provider: uretprobe without function", "ur:/bin/sh",
		    "uretprobe probes are written uretprobe:BINARY:FUNCTION (or +OFFSET, an "
		    "address, or cpp:PATTERN for C++ names), e.g. uretprobe:/bin/bash:readline, "
		    "not 'ur:/bin/sh'");

	/* uprobes: ELF symbols of the workload (run from the repository root), a library
	 * found like the dynamic linker would, and wildcards over function names */
	TEST_BEGIN("provider: uprobe, uretprobe alias, library, wildcard");
	CHECK_EQ_INT(expand("uprobe:build/workloads/uprobe_target:add", 0), 0);
	CHECK_EQ_INT(expand("ur:libc:getpid", 1), 0);
	CHECK_EQ_INT(expand("u:build/workloads/uprobe_target:m*", 2), 0);
	CHECK_EQ_INT(npts, 5);
	if (npts == 5) {
		CHECK_EQ_STR(pts[0].name, "uprobe:build/workloads/uprobe_target:add");
		CHECK_EQ_STR(pts[0].func, "add");
		CHECK(pts[0].kind == PROBE_UPROBE && pts[0].offset > 0 && pts[0].target &&
		      pts[0].target[0] == '/');
		CHECK_EQ_STR(pts[1].name, "uretprobe:/lib/x86_64-linux-gnu/libc.so.6:getpid");
		CHECK(pts[1].kind == PROBE_URETPROBE && pts[1].probe == 1);
		CHECK_EQ_STR(pts[2].func, "main");
		CHECK_EQ_STR(pts[3].func, "mid");
		CHECK_EQ_STR(pts[4].name, "uprobe:build/workloads/uprobe_target:mul");
	}
	TEST_END();
	reset();

	/* kprobe expansion reads the kernel's function list (available_filter_functions, or
	 * /proc/kallsyms where that is unreadable); it works on kernels without kprobes too,
	 * which refuse only when attaching (runtime/probe_kprobe.c rt_kprobe_preflight). */
	TEST_BEGIN("provider: kprobe, kretprobe and offsets");
	CHECK_EQ_INT(expand("k:vfs_read", 0), 0);
	CHECK_EQ_INT(expand("kretprobe:vfs_read", 1), 0);
	CHECK_EQ_INT(expand("kprobe:vfs_read+0x10", 2), 0);
	CHECK_EQ_INT(npts, 3);
	CHECK_EQ_STR(pts[0].name, "kprobe:vfs_read");
	CHECK_EQ_STR(pts[0].func, "vfs_read");
	CHECK(pts[0].kind == PROBE_KPROBE && pts[0].offset == 0);
	CHECK_EQ_STR(pts[1].name, "kretprobe:vfs_read");
	CHECK(pts[1].kind == PROBE_KRETPROBE && pts[1].probe == 1);
	CHECK_EQ_STR(pts[2].name, "kprobe:vfs_read+16");
	CHECK(pts[2].offset == 16);
	CHECK(kinfo_kfunc_addr(env.kinfo, "vfs_read") != 0);
	CHECK(kinfo_kfunc_addr(env.kinfo, "no_such_function_xyz") == 0);
	TEST_END();
	reset();

	TEST_BEGIN("provider: kprobe wildcards expand sorted and without duplicates");
	CHECK_EQ_INT(expand("kprobe:vfs_rea*", 0), 0);
	CHECK(npts >= 2); /* vfs_read, vfs_readv, ... */
	for (int i = 1; i < npts; i++)
		CHECK(strcmp(pts[i - 1].name, pts[i].name) < 0);
	for (int i = 0; i < npts; i++)
		CHECK(strncmp(pts[i].func, "vfs_rea", 7) == 0);
	TEST_END();
	reset();

	/* -ENOENT: sema may skip it with a warning when other probes remain */
	check_error_rc("provider: kprobe function missing", "k:no_such_function_xyz",
		       "kernel function not found: no_such_function_xyz (no such symbol in "
		       "/proc/kallsyms: misspelt, inlined, or in a module that is not loaded)",
		       -ENOENT);
	check_error("provider: kprobe wildcard without match", "kprobe:no_such_fn_*",
		    "no traceable kernel function matches no_such_fn_* (in 'kprobe:no_such_fn_*')");
	check_error("provider: kretprobe offset", "kr:vfs_read+4",
		    "kretprobe probes take no offset: a return probe fires when the function "
		    "returns ('kr:vfs_read+4')");
	check_error("provider: kprobe bad offset", "kprobe:vfs_read+x",
		    "invalid offset in 'kprobe:vfs_read+x': write FUNCTION+N, N a decimal or 0x "
		    "hex number");
	check_error("provider: kprobe wildcard offset", "kprobe:vfs_*+4",
		    "a wildcard cannot be combined with an offset ('kprobe:vfs_*+4')");
	check_error("provider: kprobe without function", "kprobe:",
		    "kprobe probe type requires 1 argument: kprobe:FUNCTION or "
		    "kprobe:FUNCTION+OFFSET, e.g. kprobe:vfs_read, not 'kprobe:'");

	kinfo_free(env.kinfo);
	return check_summary();
}
