/*
 * runtime/info.c — `bpfscript --info`: what this build and this kernel really support.
 *
 * Owns: the report, in bpftrace 0.17's sections and wording ("Kernel helpers",
 * "probe_read_kernel: yes", "Loop support: yes", "kfunc: no", ...) so that tools which
 * read bpftrace's --info (its test engine does) understand it. Every "yes" is measured
 * here: a helper is "yes" when the kernel's verifier accepts a program calling it
 * (libbpf_probe_bpf_helper) AND bpfscript has a builtin that uses it; a probe type when
 * the kernel offers it AND bpfscript has the provider; loops by loading one.
 * Must not: attach anything or leave anything loaded.
 */
#include "info.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <stdbool.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <llvm-c/Core.h>

#include "../common/version.h"
#include "runtime_internal.h"
#include "session.h"
#include "tracefs.h"

static const char *yes_no(bool b)
{
	return b ? "yes" : "no";
}

static bool helper_ok(enum bpf_prog_type t, enum bpf_func_id id)
{
	return libbpf_probe_bpf_helper(t, id, NULL) == 1;
}

static bool map_ok(enum bpf_map_type t)
{
	return libbpf_probe_bpf_map_type(t, NULL) == 1;
}

/* A bounded loop the verifier must accept (Linux 5.3): r0 counts to 4 with a back-edge. */
static bool loops_ok(void)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_ALU64 | BPF_ADD | BPF_K, .dst_reg = BPF_REG_0, .imm = 1 },
		{ .code = BPF_JMP | BPF_JLT | BPF_K, .dst_reg = BPF_REG_0, .off = -2, .imm = 4 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int fd = bpf_prog_load(BPF_PROG_TYPE_TRACEPOINT, "loop_check", "GPL", insns, 4, NULL);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/* The kernel's instruction limit: 1M since Linux 5.2 (which also brought bounded loops'
 * prerequisites), else 4096. */
static unsigned insn_limit(void)
{
	return libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_TRACEPOINT, NULL) == 1 && loops_ok()
		       ? 1000000u
		       : 4096u;
}

static bool map_batch_ok(void)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_HASH, "batch_check", 4, 4, 4, NULL);
	if (fd < 0)
		return false;
	__u32 count = 4, keys[4], vals[4], out;
	int err = bpf_map_lookup_batch(fd, NULL, &out, keys, vals, &count, NULL);
	bool ok = err == 0 || errno == ENOENT; /* empty map: ENOENT means the command exists */
	close(fd);
	return ok;
}

static bool path_exists(const char *p)
{
	return access(p, F_OK) == 0;
}

int print_info(FILE *out)
{
	struct utsname u;
	if (uname(&u) != 0)
		memset(&u, 0, sizeof(u));
	unsigned maj = 0, min = 0, patch = 0;
	LLVMGetVersion(&maj, &min, &patch);
	const enum bpf_prog_type tp = BPF_PROG_TYPE_TRACEPOINT;
	char why[256];
	bool kprobes = path_exists("/sys/bus/event_source/devices/kprobe/type") ||
		       (tracefs_root() && access("/sys/kernel/tracing/kprobe_events", W_OK) == 0);
	struct kinfo *ki = session_kinfo_new();
	bool fentry = ki && rt_fentry_probe_load(ki, "vfs_read", false, why, sizeof(why)) == 0;

	fprintf(out, "System\n  OS: %s %s %s\n  Arch: %s\n\n", u.sysname, u.release, u.version,
		u.machine);
	fprintf(out, "Build\n  version: bpfscript v%s\n  LLVM: %u.%u.%u\n  unsafe uprobe: no\n"
		     /* libdw is linked in: uprobe args.NAME, -lv parameters and struct casts
		      * come from DWARF (sema/dwarf_args.c) */
		     "  bfd: no\n  libdw (DWARF support): yes\n"
		     "  bcc library path resolution: yes\n\n", BPFSCRIPT_VERSION_STRING, maj, min,
		patch);
	fprintf(out, "Kernel helpers\n");
	fprintf(out, "  probe_read: %s\n", yes_no(helper_ok(tp, BPF_FUNC_probe_read)));
	fprintf(out, "  probe_read_str: %s\n", yes_no(helper_ok(tp, BPF_FUNC_probe_read_str)));
	fprintf(out, "  probe_read_user: %s\n", yes_no(helper_ok(tp, BPF_FUNC_probe_read_user)));
	fprintf(out, "  probe_read_user_str: %s\n",
		yes_no(helper_ok(tp, BPF_FUNC_probe_read_user_str)));
	fprintf(out, "  probe_read_kernel: %s\n", yes_no(helper_ok(tp, BPF_FUNC_probe_read_kernel)));
	fprintf(out, "  probe_read_kernel_str: %s\n",
		yes_no(helper_ok(tp, BPF_FUNC_probe_read_kernel_str)));
	fprintf(out, "  get_current_cgroup_id: %s\n",
		yes_no(helper_ok(tp, BPF_FUNC_get_current_cgroup_id)));
	fprintf(out, "  send_signal: %s\n", yes_no(helper_ok(tp, BPF_FUNC_send_signal)));
	/* bpfscript has no override() and no path(): not supported, whatever the kernel has */
	fprintf(out, "  override_return: no\n");
	fprintf(out, "  get_boot_ns: %s\n", yes_no(helper_ok(tp, BPF_FUNC_ktime_get_boot_ns)));
	fprintf(out, "  dpath: no\n  skboutput: no\n\n");
	fprintf(out, "Kernel features\n  Instruction limit: %u\n  Loop support: %s\n"
		     "  btf: %s\n  map batch: %s\n"
		     "  uprobe refcount (depends on Build:bcc bpf_attach_uprobe refcount): %s\n\n",
		insn_limit(), yes_no(loops_ok()), yes_no(path_exists("/sys/kernel/btf/vmlinux")),
		yes_no(map_batch_ok()),
		/* USDT semaphores as the uprobe's reference counter (runtime/probe_usdt.c) */
		yes_no(path_exists("/sys/bus/event_source/devices/uprobe/format/ref_ctr_offset")));
	fprintf(out, "Map types\n");
	fprintf(out, "  hash: %s\n", yes_no(map_ok(BPF_MAP_TYPE_HASH)));
	fprintf(out, "  percpu hash: %s\n", yes_no(map_ok(BPF_MAP_TYPE_PERCPU_HASH)));
	fprintf(out, "  array: %s\n", yes_no(map_ok(BPF_MAP_TYPE_ARRAY)));
	fprintf(out, "  percpu array: %s\n", yes_no(map_ok(BPF_MAP_TYPE_PERCPU_ARRAY)));
	fprintf(out, "  stack_trace: %s\n", yes_no(map_ok(BPF_MAP_TYPE_STACK_TRACE)));
	fprintf(out, "  perf_event_array: %s\n", yes_no(map_ok(BPF_MAP_TYPE_PERF_EVENT_ARRAY)));
	fprintf(out, "  ringbuf: %s\n\n", yes_no(map_ok(BPF_MAP_TYPE_RINGBUF)));
	fprintf(out, "Probe types\n");
	/* kprobes also run as fentry programs where the kernel has no kprobes (README) */
	fprintf(out, "  kprobe: %s\n", yes_no(kprobes || fentry));
	fprintf(out, "  tracepoint: %s\n", yes_no(tracefs_root() != NULL));
	fprintf(out, "  perf_event: %s\n",
		yes_no(libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_PERF_EVENT, NULL) == 1));
	fprintf(out, "  kfunc: %s\n", yes_no(fentry));
	/* an iterator program the kernel loads (runtime/probe_iter.c) */
	fprintf(out, "  iter:task: %s\n  iter:task_file: %s\n",
		yes_no(rt_iter_loadable(ki, "task")), yes_no(rt_iter_loadable(ki, "task_file")));
	kinfo_free(ki);
	/* kprobe wildcards through one link (runtime/probe_kprobe_multi.c): fprobe kernels */
	fprintf(out, "  kprobe_multi: %s\n", yes_no(kprobes && rt_kprobe_multi_available()));
	fprintf(out, "  raw_tp_special: %s\n",
		yes_no(libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_RAW_TRACEPOINT, NULL) == 1));
	return 0;
}
