/*
 * runtime/probe_kprobe_multi.c — kprobe/kretprobe wildcards attached through kprobe_multi
 * links (Linux 5.18+, fprobe): one program and one BPF link for a whole wildcard, instead
 * of one perf event per function, so attaching and detaching hundreds of functions is
 * fast.
 *
 * Owns: deciding per run which points go this way (the matches of one wildcard probe, two
 * or more, no offsets, kprobes through the PMU, on a kernel that accepts a kprobe_multi
 * link; BPFSCRIPT_KPROBE_MULTI=0 turns it off), marking them (probe_point.multi_group =
 * the group's first member + 1), the program's expected attach type at load, and the
 * link: every point sharing the group leader's program in one link, each function by its
 * bare name (module functions too: the kernel's lookup takes no MODULE: prefix, so a
 * module's function whose name is not unique stays out of the group, as does a second
 * point on one function) with its `probe` value (rt_probe_cookie) as cookie; a point with
 * code of its own (BTF `args` differ per function) gets a one-symbol link. Also whether
 * the kernel has kprobe_multi at all, for --info.
 * Must not: emit code (codegen shares the group's code and reads `func` with
 * bpf_get_func_ip) or decide kprobe PMU/legacy/fentry (probe_kprobe.c).
 */
#include "runtime_internal.h"
#include "../common/kinfo.h"

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

static bool in_module(const struct probe_point *p)
{
	return p->target && strcmp(p->target, "vmlinux") != 0;
}

/* Could p join a kprobe_multi group led by probe `probe` of kind `kind`? */
static bool candidate(const struct probe_point *p, int probe, enum probe_kind kind)
{
	return is_kprobe(p) && p->wildcard && !p->offset && p->probe == probe && p->kind == kind;
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
	const char *syms[1] = { p->func };
	LIBBPF_OPTS(bpf_link_create_opts, lo, .kprobe_multi.syms = syms, .kprobe_multi.cnt = 1,
		    .kprobe_multi.flags = p->kind == PROBE_KRETPROBE ? BPF_F_KPROBE_MULTI_RETURN : 0);
	int lfd = bpf_link_create(fd, 0, BPF_TRACE_KPROBE_MULTI, &lo);
	if (lfd >= 0)
		close(lfd);
	close(fd);
	return lfd >= 0;
}

bool rt_kprobe_multi_available(void)
{
	struct probe_point p = { .kind = PROBE_KPROBE, .func = (char *)"vfs_read" };
	return kernel_has_multi(&p);
}

static int by_func(const void *a, const void *b, void *sr)
{
	const struct probe_point *pts = ((const struct sema_result *)sr)->points;
	return strcmp(pts[*(const int *)a].func, pts[*(const int *)b].func);
}

struct count_ctx {
	const struct sema_result *sr;
	const int *idx;  /* the members, sorted by name */
	int n;
	int *seen;       /* per member: how often the list names its function */
};

static int count_one(const struct kinfo_func *f, void *ctx)
{
	struct count_ctx *c = ctx;
	int lo = 0, hi = c->n - 1; /* binary search of the sorted members */
	while (lo <= hi) {
		int mid = (lo + hi) / 2;
		int r = strcmp(f->name, c->sr->points[c->idx[mid]].func);
		if (r == 0) {
			const struct probe_point *pts = c->sr->points;
			for (int k = mid; k >= 0 && !strcmp(f->name, pts[c->idx[k]].func); k--)
				c->seen[k]++;
			for (int k = mid + 1; k < c->n && !strcmp(f->name, pts[c->idx[k]].func); k++)
				c->seen[k]++;
			return 0;
		}
		if (r < 0)
			hi = mid - 1;
		else
			lo = mid + 1;
	}
	return 0;
}

/* A link names its functions bare (the kernel resolves a name to the first traceable
 * function so called: vmlinux's, then the modules' in load order, as a perf kprobe on a
 * bare name does). So a module's function joins only if no other traceable function has
 * its name (else it attaches alone, as MODULE:FUNC), and of two points on one name (two
 * attach points of the probe matching it) only the first joins. Clears keep[k] for the
 * members idx[k] that must stay out; idx is sorted by name on return. */
static void drop_ambiguous(struct kinfo *ki, const struct sema_result *sr, int *idx, bool *keep,
			   int n)
{
	qsort_r(idx, (size_t)n, sizeof(*idx), by_func, (void *)sr);
	bool any_module = false;
	for (int k = 0; k < n; k++) {
		keep[k] = k == 0 || by_func(&idx[k - 1], &idx[k], (void *)sr) != 0;
		any_module |= in_module(&sr->points[idx[k]]);
	}
	if (!any_module)
		return;
	/* the traceable functions (the run's kinfo; only tracefs' list counts: kallsyms'
	 * text symbols are not what the kernel's kprobe_multi lookup goes by) */
	struct count_ctx c = { sr, idx, n, calloc((size_t)n, sizeof(int)) };
	bool from_kallsyms = true;
	bool listed = c.seen && kinfo_traceable_each(ki, count_one, &c, &from_kallsyms) == 0 &&
		      !from_kallsyms;
	/* unreadable list: no module function can be shown unambiguous */
	for (int k = 0; k < n; k++)
		if (in_module(&sr->points[idx[k]]) && (!listed || c.seen[k] != 1))
			keep[k] = false;
	free(c.seen);
}

void rt_kprobe_multi_plan(struct rt_probe_state *ps, struct sema_result *sr, int verbose)
{
	const char *env = getenv("BPFSCRIPT_KPROBE_MULTI");
	if (env && strcmp(env, "0") == 0)
		return;
	int tested = 0; /* 0 not yet, 1 yes, -1 no */
	int *idx = malloc(sizeof(int) * (size_t)(sr->npoints ? sr->npoints : 1));
	bool *keep = malloc(sizeof(bool) * (size_t)(sr->npoints ? sr->npoints : 1));
	bool *done = calloc((size_t)(sr->npoints ? sr->npoints : 1), sizeof(bool));
	if (!idx || !keep || !done)
		goto out; /* out of memory: every point attaches on its own */
	for (int i = 0; i < sr->npoints; i++) {
		struct probe_point *p = &sr->points[i];
		if (done[i] || !is_kprobe(p) || !p->wildcard || p->offset || p->multi_group)
			continue;
		int n = 0;
		for (int j = i; j < sr->npoints; j++)
			if (!done[j] && candidate(&sr->points[j], p->probe, p->kind)) {
				idx[n++] = j;
				done[j] = true;
			}
		drop_ambiguous(ps->kinfo, sr, idx, keep, n);
		int kept = 0, leader = -1;
		for (int k = 0; k < n; k++)
			if (keep[k]) {
				kept++;
				if (leader < 0 || idx[k] < leader)
					leader = idx[k];
			}
		if (kept < 2)
			continue;
		if (!tested) {
			tested = kernel_has_multi(&sr->points[leader]) ? 1 : -1;
			if (verbose)
				fprintf(stderr, "kprobe wildcards attach %s\n",
					tested > 0 ? "through kprobe_multi links"
						   : "one perf event per function (this kernel "
						     "refuses kprobe_multi links)");
		}
		if (tested < 0)
			break;
		for (int k = 0; k < n; k++)
			if (keep[k])
				sr->points[idx[k]].multi_group = leader + 1;
	}
out:
	free(idx);
	free(keep);
	free(done);
}

uint32_t rt_kprobe_multi_attach_type(const struct rt_probe_state *ps,
				     const struct probe_point *p)
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
	int n = 0, err = 0;
	if (!syms || !cookies) {
		err = -ENOMEM;
		goto out;
	}
	syms[n] = p->func;
	cookies[n++] = rt_probe_cookie(l, p);
	for (int q = 0; l->same_as && q < l->npoints && n < cap; q++) {
		if (l->same_as[q] != me)
			continue;
		syms[n] = l->points[q].func;
		cookies[n++] = rt_probe_cookie(l, &l->points[q]);
	}
	LIBBPF_OPTS(bpf_link_create_opts, o, .kprobe_multi.syms = syms,
		    .kprobe_multi.cnt = (uint32_t)n, .kprobe_multi.cookies = cookies,
		    .kprobe_multi.flags = p->kind == PROBE_KRETPROBE ? BPF_F_KPROBE_MULTI_RETURN : 0);
	int lfd = bpf_link_create(prog_fd, 0, BPF_TRACE_KPROBE_MULTI, &o);
	err = rt_push_link(l, lfd < 0 ? -errno : lfd);
out:
	free(syms);
	free(cookies);
	return err;
}
