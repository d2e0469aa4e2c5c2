/*
 * runtime/probe_uprobe_multi.c — uprobes and uretprobes attached as BPF uprobe_multi links
 * (Linux 6.6+), and the choice between that and the uprobe PMU (probe_uprobe.c).
 *
 * Why: a uprobe_multi link hangs the program directly off the uprobe consumer, so a hit
 * skips the trace_uprobe/perf layer (its filter lock, the prog-array walk). Measured with
 * the hand-written floor program on this machine's 6.18 kernel, on a function whose entry
 * the kernel emulates (push %rbp): ~5170 ns per hit against ~5330 ns through a perf event.
 * The link is a plain BPF link: closing it (or our death) removes the probe.
 *
 * Owns: the feature probe, the per-run decision (BPFSCRIPT_UPROBE_ATTACH=perf|multi
 * overrides; -p PID uses the perf path, whose process filter every kernel gets right), the
 * expected_attach_type a program needs for it, and BPF_LINK_CREATE with our own copy of
 * the attr layout (Debian 12's UAPI headers and libbpf 1.1 predate it).
 * Must not: load the script's programs (loader.c asks rt_uprobe_attach_type), or print
 * anything but the -v line saying which path was taken.
 */
#include "runtime_internal.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define ATTACH_UPROBE_MULTI 48u  /* enum bpf_attach_type BPF_TRACE_UPROBE_MULTI */
#define UPROBE_MULTI_RETURN 1u   /* BPF_F_UPROBE_MULTI_RETURN */
#define CMD_LINK_CREATE 28       /* enum bpf_cmd BPF_LINK_CREATE */

/* The BPF_LINK_CREATE part of union bpf_attr with its uprobe_multi member (Linux 6.6). The
 * kernel zero-fills whatever lies past the size we pass. */
struct link_create_uprobe_multi {
	uint32_t prog_fd;
	uint32_t target_fd;
	uint32_t attach_type;
	uint32_t flags;
	uint64_t path;             /* const char *: the binary */
	uint64_t offsets;          /* const unsigned long *: file offsets */
	uint64_t ref_ctr_offsets;  /* const unsigned long *, may be 0 */
	uint64_t cookies;          /* const __u64 *, may be 0 */
	uint32_t cnt;
	uint32_t multi_flags;      /* UPROBE_MULTI_RETURN for uretprobes */
	uint32_t pid;              /* 0: every process */
	uint32_t pad;
};

static int link_create(int prog_fd, const char *path, const unsigned long *offs, uint32_t cnt,
		       bool ret)
{
	struct link_create_uprobe_multi a;
	memset(&a, 0, sizeof(a));
	a.prog_fd = (uint32_t)prog_fd;
	a.attach_type = ATTACH_UPROBE_MULTI;
	a.path = (uint64_t)(uintptr_t)path;
	a.offsets = (uint64_t)(uintptr_t)offs;
	a.cnt = cnt;
	a.multi_flags = ret ? UPROBE_MULTI_RETURN : 0;
	int fd = (int)syscall(__NR_bpf, CMD_LINK_CREATE, &a, sizeof(a));
	return fd < 0 ? -errno : fd;
}

/* Does the kernel know uprobe_multi links? A program loaded for them, linked to the
 * directory "/": a kernel that knows them opens the path and refuses it as not a regular
 * file (EBADF); one that does not refuses the attach type (EINVAL). */
static bool kernel_has_uprobe_multi(void)
{
	const struct bpf_insn ret0[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, o,
		    .expected_attach_type = (enum bpf_attach_type)ATTACH_UPROBE_MULTI);
	int prog = bpf_prog_load(BPF_PROG_TYPE_KPROBE, "um_probe", "GPL", ret0, 2, &o);
	if (prog < 0)
		return false;
	unsigned long off = 0;
	int fd = link_create(prog, "/", &off, 1, false);
	close(prog);
	if (fd >= 0) {
		close(fd);
		return false; /* accepted a directory: not the kernel we know */
	}
	return fd == -EBADF;
}

static bool has_uprobes(const struct sema_result *sr)
{
	for (int i = 0; i < sr->npoints; i++)
		if (sr->points[i].kind == PROBE_UPROBE || sr->points[i].kind == PROBE_URETPROBE)
			return true;
	return false;
}

void rt_uprobe_plan(struct rt_probe_state *ps, const struct sema_result *sr, int pid,
		    int verbose)
{
	bool use_multi = false;
	ps->uprobe_multi = false;
	if (!has_uprobes(sr))
		return;
	const char *force = getenv("BPFSCRIPT_UPROBE_ATTACH");
	const char *why;
	if (force && !strcmp(force, "perf")) {
		why = "BPFSCRIPT_UPROBE_ATTACH=perf";
	} else if (pid > 0) {
		why = "-p filters by process through perf events";
	} else if (force && !strcmp(force, "multi")) {
		use_multi = true;
		why = "BPFSCRIPT_UPROBE_ATTACH=multi";
	} else {
		use_multi = kernel_has_uprobe_multi();
		why = use_multi ? "the kernel has them" : "the kernel has none (before Linux 6.6)";
	}
	ps->uprobe_multi = use_multi;
	if (verbose)
		fprintf(stderr, "uprobes attach %s: %s\n",
			use_multi ? "as uprobe_multi links" : "through the uprobe PMU", why);
}

uint32_t rt_uprobe_attach_type(const struct rt_probe_state *ps, const struct probe_point *p)
{
	return ps && ps->uprobe_multi && (p->kind == PROBE_UPROBE || p->kind == PROBE_URETPROBE)
		       ? ATTACH_UPROBE_MULTI
		       : 0;
}

int rt_uprobe_multi_attach(const struct probe_point *p, int prog_fd)
{
	unsigned long off = (unsigned long)p->offset;
	return link_create(prog_fd, p->target, &off, 1, p->kind == PROBE_URETPROBE);
}
