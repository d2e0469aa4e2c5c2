/*
 * codegen/codegen.c — codegen entry point: one LLVM module, one function per probe point,
 * then object.c turns it into instruction arrays.
 *
 * Owns: codegen_run()'s sequencing (and its retries with more of the stack kept for LLVM)
 * and cg_result_free().
 * Must not: emit IR itself (emit_*.c) or touch the kernel.
 */
#include <stdlib.h>
#include <string.h>

#include "codegen_internal.h"

/* Builtins whose code depends on the point itself (its format, its registers, its
 * function); `probe` does not count: shared code reads it from the attach cookie. A `for`
 * counts too: its body runs as a callback, whose ctx cannot ask for that cookie. */
static int point_specific(struct node *n, void *ctx)
{
	if (cg_is_callback_loop(ctx, n))
		return 1;
	if (n->kind != AST_IDENT && n->kind != AST_CALL)
		return n->kind == AST_FIELD; /* tracepoint fields: per-format offsets */
	return n->kind == AST_IDENT && (cg_row_flags(ctx, n) & BF_POINT);
}

/* In a kprobe_multi group every point reads its registers the same way and `func` from
 * bpf_get_func_ip; only BTF-typed `args` (per function) and a `for` body (which cannot
 * read the cookie `probe` needs) keep a point's code its own. */
static int multi_specific(struct node *n, void *ctx)
{
	return n->kind == AST_FOR || (n->kind == AST_IDENT && (cg_row_flags(ctx, n) & BF_PER_FUNC));
}

/* A wildcard over hundreds of tracepoints would otherwise compile hundreds of identical
 * functions (most of start-up time): tracepoint points of one probe whose action and
 * predicate use nothing point-specific share the first one's code; so do the points of a
 * kprobe_multi group (one program, one link). */
static void find_shared(struct cg *c)
{
	const struct sema_result *sr = c->sr;
	for (int pt = 0; pt < sr->npoints; pt++) {
		const struct probe_point *p = &sr->points[pt];
		c->share_of[pt] = -1;
		if (p->multi_group && p->multi_group - 1 != pt && p->probe >= 0 &&
		    p->probe < c->nprobes) {
			struct node *probe = c->probes[p->probe];
			if (!ast_walk(probe->a, multi_specific, NULL, c) &&
			    !ast_walk(probe->b, multi_specific, NULL, c)) {
				c->share_of[pt] = p->multi_group - 1;
				c->shared[p->multi_group - 1] = true;
			}
			continue;
		}
		const struct provider *pv = provider_of_kind(p);
		if (!pv || !(pv->caps & PV_ARGS_TP) || p->probe < 0 || p->probe >= c->nprobes)
			continue;
		for (int q = 0; q < pt; q++) {
			if (sr->points[q].probe != p->probe || sr->points[q].kind != p->kind ||
			    c->share_of[q] >= 0)
				continue;
			struct node *probe = c->probes[p->probe];
			if (!ast_walk(probe->a, point_specific, NULL, c) &&
			    !ast_walk(probe->b, point_specific, NULL, c)) {
				c->share_of[pt] = q;
				c->shared[q] = true;
			}
			break;
		}
	}
}

void cg_result_free(struct cg_result *r)
{
	if (!r)
		return;
	for (int i = 0; i < r->nprogs; i++) {
		free(r->progs[i].insns);
		free(r->progs[i].funcs);
	}
	free(r->progs);
	free(r->sites);
	r->progs = NULL;
	r->nprogs = 0;
	r->sites = NULL;
	r->nsites = 0;
}

/* qsort_r comparator of point indexes by name (ctx: the sema_result), ties by index */
static int by_name(const void *a, const void *b, void *ctx)
{
	const struct sema_result *sr = ctx;
	int x = *(const int *)a, y = *(const int *)b;
	const char *nx = sr->points[x].name, *ny = sr->points[y].name;
	int c = strcmp(nx ? nx : "", ny ? ny : "");
	return c ? c : (x > y) - (x < y);
}

/* `probe` of each point: the first point printed with the same name, so that two attach
 * points naming one function (kprobe:f*,kprobe:fo*) count in one map key. */
static int find_probe_ids(struct cg *c)
{
	const struct sema_result *sr = c->sr;
	int *order = malloc(sizeof(int) * (size_t)(sr->npoints ? sr->npoints : 1));
	if (!order)
		return -1;
	for (int i = 0; i < sr->npoints; i++)
		order[i] = i;
	qsort_r(order, (size_t)sr->npoints, sizeof(*order), by_name, (void *)sr);
	for (int k = 0; k < sr->npoints; k++) {
		int same = k > 0 && sr->points[order[k]].name && sr->points[order[k - 1]].name &&
			   strcmp(sr->points[order[k]].name, sr->points[order[k - 1]].name) == 0;
		c->probe_id[order[k]] = same ? c->probe_id[order[k - 1]] : order[k];
	}
	free(order);
	return 0;
}

/* One generation of the whole program with RESERVE bytes of stack kept from temporaries
 * (CG_STACK_RESERVE); RETRY: a larger reserve is left to try, so LLVM's "BPF stack limit
 * is exceeded" returns CG_RETRY_STACK instead of an error. */
static int codegen_attempt(struct node *prog, const struct sema_result *sr,
			   const struct cg_opts *opts, struct diag *d, struct cg_result *out,
			   uint32_t reserve, bool retry)
{
	struct cg c = { .prog = prog, .sr = sr, .opts = opts, .d = d, .stack_reserve = reserve,
			.stack_retry = retry };
	int err = -1;
	memset(out, 0, sizeof(*out));

	c.nprobes = ast_list_len(prog ? prog->list : NULL);
	c.probes = calloc(c.nprobes ? c.nprobes : 1, sizeof(*c.probes));
	out->progs = calloc(sr->npoints ? sr->npoints : 1, sizeof(*out->progs));
	c.share_of = calloc(sr->npoints ? sr->npoints : 1, sizeof(int));
	c.shared = calloc(sr->npoints ? sr->npoints : 1, sizeof(bool));
	c.probe_id = calloc(sr->npoints ? sr->npoints : 1, sizeof(int));
	if (!c.probes || !out->progs || !c.share_of || !c.shared || !c.probe_id ||
	    find_probe_ids(&c)) {
		diag_error_noloc(d, "out of memory");
		goto out;
	}
	int i = 0;
	for (struct node *p = prog ? prog->list : NULL; p; p = p->next)
		if (p->kind == AST_PROBE) /* struct definitions (CDEF) share the list */
			c.probes[i++] = p;
	out->nprogs = sr->npoints;

	if (bpfb_init(&c))
		goto out;
	cg_fatal_begin(&c);
	out->cpu_v4 = opts->bpf_cpu && strcmp(opts->bpf_cpu, "v4") == 0;
	out->stack_lean = reserve >= CG_STACK_BUDGET;
	find_shared(&c);
	int before = diag_count(d);
	for (int pt = 0; pt < sr->npoints; pt++) {
		cg_fatal_point(pt);
		if (c.share_of[pt] < 0 && cg_emit_point(&c, pt))
			goto out;
		out->progs[pt].point = pt;
		out->progs[pt].shared = c.share_of[pt] >= 0;
		out->progs[pt].same_as = c.share_of[pt];
		out->progs[pt].probe_id = c.probe_id[pt];
		out->progs[pt].prog_type = cg_point_prog_type(&c, pt);
		snprintf(out->progs[pt].name, sizeof(out->progs[pt].name), "p%d", pt);
	}
	if (diag_count(d) > before)
		goto out;
	err = cg_object(&c, out);
	if (!err && opts->dis_out) { /* -d dis */
		fputs("\nDisassembled bytecode\n----------------------------\n", opts->dis_out);
		for (int pt = 0; pt < out->nprogs; pt++) {
			const struct cg_prog *cp = &out->progs[pt];
			if (cp->shared)
				continue;
			fprintf(opts->dis_out, "\n%s (%s, %zu instructions):\n",
				sr->points[pt].name, cp->name, cp->insn_cnt);
			cg_disasm(opts->dis_out, cp->insns, cp->insn_cnt);
		}
		fputc('\n', opts->dis_out);
	}
	out->sites = c.sites;
	out->nsites = c.nsites;
	c.sites = NULL;
out:
	free(c.sites);
	cg_fatal_end();
	bpfb_fini(&c);
	free(c.probes);
	free(c.share_of);
	free(c.shared);
	free(c.probe_id);
	if (err)
		cg_result_free(out);
	return err;
}

/* Big probes: bpfscript's own stack accounting fits, but LLVM's register spills (or, at
 * load, a loop callback's frame on top of its caller's: opts->stack_lean) pass the 512
 * bytes. Each retry keeps more of the stack from temporaries, which go to the per-CPU
 * scratch map instead, leaving the room to LLVM. */
int codegen_run(struct node *prog, const struct sema_result *sr, const struct cg_opts *opts,
		struct diag *d, struct cg_result *out)
{
	static const uint32_t reserves[] = { CG_STACK_RESERVE, CG_STACK_RESERVE_RETRY };
	const int n = (int)(sizeof(reserves) / sizeof(reserves[0]));
	int err = -1;
	for (int r = opts->stack_lean ? n - 1 : 0; r < n; r++) {
		err = codegen_attempt(prog, sr, opts, d, out, reserves[r], r < n - 1);
		if (err != CG_RETRY_STACK)
			break;
	}
	return err;
}
