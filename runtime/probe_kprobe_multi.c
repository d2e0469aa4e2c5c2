/*
 * runtime/probe_kprobe_multi.c — kprobe/kretprobe wildcards attached through kprobe_multi
 * links (Linux 5.18+, fprobe): one program and one BPF link for a whole wildcard, instead
 * of one perf event per function, so attaching and detaching hundreds of functions is
 * fast.
 *
 * Owns: deciding per run which points go this way (the matches of one wildcard probe, two
 * or more, no offsets, kprobes through the PMU, on a kernel that accepts a kprobe_multi
 * link; BPFSCRIPT_KPROBE_MULTI=0 turns it off), marking them (probe_point.multi_group =
 * the group's first point + 1), the program's expected attach type at load, and the
 * link: every point sharing the group leader's program in one link, each symbol with its
 * point's index as cookie (what `probe` reads); a point with code of its own (BTF `args`
 * differ per function) gets a one-symbol link.
 * Must not: emit code (codegen shares the group's code and reads `func` with
 * bpf_get_func_ip) or decide kprobe PMU/legacy/fentry (probe_kprobe.c).
 */
#include "runtime_internal.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool is_kprobe(const struct probe_point *p)
{
	return (p->kind == PROBE_KPROBE || p->kind == PROBE_KRETPROBE) && !p->fentry;
}

static const char *symbol(const struct probe_point *p, char *buf, size_t len)
{
	if (!p->target || strcmp(p->target, "vmlinux") == 0)
		return p->func;
	snprintf(buf, len, "%s:%s", p->target, p->func);
	return buf;
}

/* Does this kernel accept a kprobe_multi link? A do-nothing program on one symbol. */
static bool kernel_has_multi(const struct probe_point *p)
{
	static const struct bpf_insn ret0[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = BPF_TRACE_KPROBE_MULTI);
	int fd = bpf_prog_load(BPF_PROG_TYPE_KPROBE, "multi_probe", "GPL", ret0, 2, &o);
	if (fd < 0)
		return false;
	char buf[400];
	const char *syms[1] = { symbol(p, buf, sizeof(buf)) };
	LIBBPF_OPTS(bpf_link_create_opts, lo, .kprobe_multi.syms = syms, .kprobe_multi.cnt = 1,
		    .kprobe_multi.flags = p->kind == PROBE_KRETPROBE ? BPF_F_KPROBE_MULTI_RETURN : 0);
	int lfd = bpf_link_create(fd, 0, BPF_TRACE_KPROBE_MULTI, &lo);
	if (lfd >= 0)
		close(lfd);
	close(fd);
	return lfd >= 0;
}

void rt_kprobe_multi_plan(struct sema_result *sr, int verbose)
{
	const char *env = getenv("BPFSCRIPT_KPROBE_MULTI");
	if (env && strcmp(env, "0") == 0)
		return;
	int tested = 0; /* 0 not yet, 1 yes, -1 no */
	for (int i = 0; i < sr->npoints; i++) {
		struct probe_point *p = &sr->points[i];
		if (!is_kprobe(p) || !p->wildcard || p->offset || p->multi_group)
			continue;
		int n = 0;
		for (int j = i; j < sr->npoints; j++) {
			const struct probe_point *q = &sr->points[j];
			n += is_kprobe(q) && q->wildcard && !q->offset && q->probe == p->probe &&
			     q->kind == p->kind;
		}
		if (n < 2)
			continue;
		if (!tested) {
			tested = kernel_has_multi(p) ? 1 : -1;
			if (verbose)
				fprintf(stderr, "kprobe wildcards attach %s\n",
					tested > 0 ? "through kprobe_multi links"
						   : "one perf event per function (this kernel "
						     "refuses kprobe_multi links)");
		}
		if (tested < 0)
			return;
		for (int j = i; j < sr->npoints; j++) {
			struct probe_point *q = &sr->points[j];
			if (is_kprobe(q) && q->wildcard && !q->offset && q->probe == p->probe &&
			    q->kind == p->kind)
				q->multi_group = i + 1;
		}
	}
}

uint32_t rt_kprobe_multi_attach_type(const struct probe_point *p)
{
	return p->multi_group ? BPF_TRACE_KPROBE_MULTI : 0;
}

int rt_kprobe_multi_attach(const struct probe_point *p, int prog_fd, struct rt_links *l)
{
	int me = p->index;
	if (l->same_as && l->same_as[me] >= 0)
		return 0; /* its code is the leader's: attached in the leader's link */
	int cap = 1;
	for (int q = 0; l->same_as && q < l->npoints; q++)
		cap += l->same_as[q] == me;
	const char **syms = calloc((size_t)cap, sizeof(*syms));
	__u64 *cookies = calloc((size_t)cap, sizeof(*cookies));
	char (*bufs)[400] = calloc((size_t)cap, sizeof(*bufs));
	int n = 0, err = 0;
	if (!syms || !cookies || !bufs) {
		err = -ENOMEM;
		goto out;
	}
	syms[n] = symbol(p, bufs[n], sizeof(bufs[n]));
	cookies[n++] = (__u64)me;
	for (int q = 0; l->same_as && q < l->npoints && n < cap; q++) {
		if (l->same_as[q] != me)
			continue;
		syms[n] = symbol(&l->points[q], bufs[n], sizeof(bufs[n]));
		cookies[n++] = (__u64)q;
	}
	LIBBPF_OPTS(bpf_link_create_opts, o, .kprobe_multi.syms = syms,
		    .kprobe_multi.cnt = (uint32_t)n, .kprobe_multi.cookies = cookies,
		    .kprobe_multi.flags = p->kind == PROBE_KRETPROBE ? BPF_F_KPROBE_MULTI_RETURN : 0);
	int lfd = bpf_link_create(prog_fd, 0, BPF_TRACE_KPROBE_MULTI, &o);
	err = rt_push_link(l, lfd < 0 ? -errno : lfd);
out:
	free(syms);
	free(cookies);
	free(bufs);
	return err;
}
