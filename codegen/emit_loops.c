/*
 * codegen/emit_loops.c — map iteration: `for ($kv : @map) { ... }` and `len(@map)`, both
 * through the bpf_for_each_map_elem helper and a callback subprogram; range loops
 * `for ($i : a..b)` through bpf_loop and the same kind of callback (ctx word 1: a).
 *
 * Owns: the callback functions (static, in the probe function's own section, so object.c
 * can resolve their address inside the program), the context passed to them (word 0: the
 * "return from the probe" flag; then one pointer per variable of the enclosing function
 * the body uses, so reads and writes reach the caller's slots), $kv's (key, value)
 * construction, per-CPU aggregation values summed over all CPUs, and break/continue as
 * the callback's result (1 = stop, 0 = next element).
 * Must not: decide what a loop may contain (sema/check_loops.c rejects builtins that need
 * the probe's context) or load anything; BTF func_info is the runtime's job.
 */
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>

#include "codegen_internal.h"

struct for_vars {
	const struct cg *c;
	int nvars;
	bool *exclude;  /* loop variables of this loop and of loops nested in it */
	int *ids;       /* shared variables, in first-use order */
	int n;
	bool *seen;
};

static int collect_loopvars(struct node *n, void *arg)
{
	struct for_vars *fv = arg;
	if (n->kind == AST_FOR && n->sym >= 0 && n->sym < fv->nvars)
		fv->exclude[n->sym] = true;
	return 0;
}

static int collect_vars(struct node *n, void *arg)
{
	struct for_vars *fv = arg;
	if (n->kind != AST_VAR || n->sym < 0 || n->sym >= fv->nvars || fv->exclude[n->sym] ||
	    fv->seen[n->sym])
		return 0;
	fv->seen[n->sym] = true;
	fv->ids[fv->n++] = n->sym;
	return 0;
}

/* A variable a while condition inside a for-loop body reads, and that the probe uses
 * nowhere outside for-loop bodies: the body's own (set before its while loop in every run
 * of the body), so it is not shared through the scratch map but goes on the callback's
 * stack (cg_while_vars in callback_body) like a while counter anywhere else; in map
 * memory the verifier could not bound the loop ("infinite loop detected"). */
static void mark_outside(const struct cg *c, struct node *n, bool *outside, int nvars)
{
	if (!n)
		return;
	if (n->kind == AST_VAR && n->sym >= 0 && n->sym < nvars)
		outside[n->sym] = true;
	mark_outside(c, n->a, outside, nvars);
	mark_outside(c, n->b, outside, nvars);
	if (!cg_is_callback_loop(c, n))
		mark_outside(c, n->c, outside, nvars);
	for (struct node *l = n->list; l; l = l->next)
		mark_outside(c, l, outside, nvars);
}

struct body_counters {
	struct for_vars *fv;
	struct cg *c;
	bool *outside;
};

static int body_counter_var(struct node *n, void *arg)
{
	struct body_counters *bc = arg;
	if (n->kind == AST_VAR && n->sym >= 0 && n->sym < bc->fv->nvars && !bc->outside[n->sym] &&
	    bc->c->sr->vars[n->sym].type.kind == TY_INT)
		bc->fv->exclude[n->sym] = true;
	return 0;
}

static int body_whiles(struct node *n, void *arg)
{
	if (n->kind == AST_WHILE)
		ast_walk(n->a, body_counter_var, NULL, arg);
	return 0;
}

/* Excludes from fv the for-body-local while counters of the current probe under n. */
static void exclude_body_counters(struct cg *c, struct node *n, struct for_vars *fv)
{
	bool *outside = calloc((size_t)fv->nvars, sizeof(bool));
	if (!outside)
		return;
	mark_outside(c, c->fn.probe->b, outside, fv->nvars);
	struct body_counters bc = { fv, c, outside };
	ast_walk(n, body_whiles, NULL, &bc);
	free(outside);
}

static bool for_vars_alloc(struct cg *c, struct for_vars *fv)
{
	int nvars = c->sr->nvars;
	*fv = (struct for_vars){ .c = c, .nvars = nvars };
	fv->exclude = calloc((size_t)nvars, sizeof(bool));
	fv->seen = calloc((size_t)nvars, sizeof(bool));
	fv->ids = calloc((size_t)nvars, sizeof(int));
	return fv->exclude && fv->seen && fv->ids;
}

static void for_vars_free(struct for_vars *fv)
{
	free(fv->exclude);
	free(fv->seen);
	free(fv->ids);
}

/* The variables the body of callback loop n (for over a map or a range, its own variable
 * n->sym) shares with the function around it: fv->ids[0..fv->n). False after reporting
 * when out of memory; fv is to be freed either way. */
static bool for_vars_of(struct cg *c, struct node *n, struct for_vars *fv)
{
	if (!for_vars_alloc(c, fv)) {
		cg_error(c, "out of memory");
		return false;
	}
	fv->exclude[n->sym] = true;
	ast_walk(n->c, collect_loopvars, NULL, fv);
	exclude_body_counters(c, n->c, fv);
	ast_walk(n->c, collect_vars, NULL, fv);
	return true;
}

static int is_for(struct node *n, void *arg)
{
	return cg_is_callback_loop(arg, n);
}

static int has_exit(struct node *n, void *arg)
{
	return n->kind == AST_RETURN || (n->kind == AST_CALL && (cg_row_flags(arg, n) & BF_ENDS));
}

/* A new static callback `i64 name(map, key, value, ctx)` in the current function's
 * section: the kernel requires callbacks to be subprograms of the same program. */
static LLVMValueRef new_callback(struct cg *c, const char *what)
{
	char name[48];
	snprintf(name, sizeof(name), "%s_%s%d", LLVMGetValueName(c->fn.func), what,
		 c->ncallbacks++);
	LLVMTypeRef params[4] = { c->ptr, c->ptr, c->ptr, c->ptr };
	LLVMValueRef cb = LLVMAddFunction(c->mod, name, LLVMFunctionType(c->i64, params, 4, 0));
	LLVMSetLinkage(cb, LLVMInternalLinkage);
	LLVMSetSection(cb, LLVMGetSection(c->fn.func));
	unsigned nounwind = LLVMGetEnumAttributeKindForName("nounwind", 8);
	unsigned noinline = LLVMGetEnumAttributeKindForName("noinline", 8);
	LLVMAddAttributeAtIndex(cb, LLVMAttributeFunctionIndex,
				LLVMCreateEnumAttribute(c->ctx, nounwind, 0));
	LLVMAddAttributeAtIndex(cb, LLVMAttributeFunctionIndex,
				LLVMCreateEnumAttribute(c->ctx, noinline, 0));
	return cb;
}

static LLVMValueRef for_each(struct cg *c, int fd, LLVMValueRef cb, LLVMValueRef ctx)
{
	LLVMValueRef a[4] = { bpfb_map_ptr(c, fd), cb, ctx, bpfb_i64(c, 0) };
	return bpfb_helper(c, BPF_FUNC_for_each_map_elem, c->i64, a, 4, "for_each");
}

/* An aggregation's value as print() shows it: per-CPU values merged over every possible
 * CPU (bpf_map_lookup_percpu_elem), since the callback only gets this CPU's copy. */
static LLVMValueRef percpu_value(struct cg *c, const struct map_info *mi, int fd,
				 LLVMValueRef key)
{
	int ncpus = libbpf_num_possible_cpus();
	if (ncpus <= 0)
		ncpus = 1;
	enum type_kind k = mi->val.kind;
	bool sg = mi->val.is_signed;
	LLVMValueRef cpu = bpfb_stack(c, 8, "cpu"), acc = bpfb_stack(c, 8, "acc");
	LLVMValueRef cnt = bpfb_stack(c, 8, "cnt"), have = bpfb_stack(c, 8, "have");
	bpfb_store(c, bpfb_i64(c, 0), cpu, 8);
	bpfb_store(c, bpfb_i64(c, 0), acc, 8);
	bpfb_store(c, bpfb_i64(c, 0), cnt, 8);
	bpfb_store(c, bpfb_i64(c, 0), have, 8);
	LLVMBasicBlockRef cond = bpfb_block(c, "cpu_cond"), body = bpfb_block(c, "cpu_body");
	LLVMBasicBlockRef hit = bpfb_block(c, "cpu_hit"), next = bpfb_block(c, "cpu_next");
	LLVMBasicBlockRef end = bpfb_block(c, "cpu_end");
	LLVMBuildBr(c->b, cond);
	LLVMPositionBuilderAtEnd(c->b, cond);
	LLVMValueRef i = bpfb_load(c, c->i64, cpu, 8);
	LLVMBuildCondBr(c->b, LLVMBuildICmp(c->b, LLVMIntULT, i, bpfb_i64(c, (uint64_t)ncpus), ""),
			body, end);
	LLVMPositionBuilderAtEnd(c->b, body);
	LLVMValueRef a[3] = { bpfb_map_ptr(c, fd), key, i };
	LLVMValueRef p = bpfb_helper(c, BPF_FUNC_map_lookup_percpu_elem, c->ptr, a, 3, "pcpu");
	LLVMBuildCondBr(c->b, LLVMBuildIsNull(c->b, p, ""), next, hit);
	LLVMPositionBuilderAtEnd(c->b, hit);
	LLVMValueRef v = bpfb_load(c, c->i64, p, 8);
	LLVMValueRef old = bpfb_load(c, c->i64, acc, 8);
	if (k == TY_MIN || k == TY_MAX) {
		/* struct abi_minmax: only CPUs that saw a value take part */
		LLVMValueRef set = bpfb_to_bool(c, bpfb_load(c, c->i64, bpfb_gep(c, p, 8), 8));
		LLVMValueRef first = LLVMBuildICmp(c->b, LLVMIntEQ, bpfb_load(c, c->i64, have, 8),
						   bpfb_i64(c, 0), "");
		LLVMIntPredicate pr = k == TY_MIN ? (sg ? LLVMIntSLT : LLVMIntULT)
						  : (sg ? LLVMIntSGT : LLVMIntUGT);
		LLVMValueRef better = LLVMBuildOr(c->b, first, LLVMBuildICmp(c->b, pr, v, old, ""),
						  "");
		LLVMValueRef take = LLVMBuildAnd(c->b, set, better, "");
		bpfb_store(c, LLVMBuildSelect(c->b, take, v, old, ""), acc, 8);
		LLVMValueRef h = bpfb_load(c, c->i64, have, 8);
		bpfb_store(c, LLVMBuildSelect(c->b, set, bpfb_i64(c, 1), h, ""), have, 8);
	} else {
		bpfb_store(c, LLVMBuildAdd(c->b, old, v, ""), acc, 8);
		if (k == TY_AVG) { /* struct abi_avg: total, count */
			LLVMValueRef n = bpfb_load(c, c->i64, bpfb_gep(c, p, 8), 8);
			bpfb_store(c, LLVMBuildAdd(c->b, bpfb_load(c, c->i64, cnt, 8), n, ""), cnt,
				   8);
		}
	}
	LLVMBuildBr(c->b, next);
	LLVMPositionBuilderAtEnd(c->b, next);
	bpfb_store(c, LLVMBuildAdd(c->b, bpfb_load(c, c->i64, cpu, 8), bpfb_i64(c, 1), ""), cpu,
		   8);
	LLVMBuildBr(c->b, cond);
	LLVMPositionBuilderAtEnd(c->b, end);
	LLVMValueRef r = bpfb_load(c, c->i64, acc, 8);
	if (k == TY_AVG) {
		struct type t = type_int(8, sg);
		r = cg_arith(c, OP_DIV, r, bpfb_load(c, c->i64, cnt, 8), &t, sg);
	}
	return r;
}

/* The callback's frame: a fresh cg_fn that continues the caller's stack and scratch
 * accounting (the verifier counts caller and callback frames together, and scratch
 * buffers the caller still uses must not be reused). */
static void open_callback(struct cg *c, const struct cg_fn *caller, LLVMValueRef cb,
			  struct node *stmt)
{
	struct cg_fn *f = &c->fn;
	memset(f, 0, sizeof(*f));
	f->func = cb;
	f->pt = caller->pt;
	f->probe = caller->probe;
	f->pv = caller->pv;
	f->stmt = stmt;
	f->failed = caller->failed;
	/* no program context in a callback: sema rejects the builtins that would read it */
	f->ctx = LLVMConstNull(c->ptr);
	f->stack_used = caller->stack_used - caller->cb_depth; /* the caller's own frame */
	f->scratch_used = caller->scratch_used;
	f->while_reserve = caller->while_reserve;
	f->entry = bpfb_block(c, "entry");
	f->prologue = bpfb_block(c, "prologue");
	f->body = bpfb_block(c, "body");
}

static void close_callback(struct cg *c, LLVMBasicBlockRef prologue_head, struct cg_fn *caller)
{
	struct cg_fn *f = &c->fn;
	LLVMPositionBuilderAtEnd(c->b, f->entry);
	LLVMBuildBr(c->b, prologue_head);
	LLVMPositionBuilderAtEnd(c->b, f->prologue);
	LLVMBuildBr(c->b, f->body);
	/* Callbacks run one at a time, so the caller reserves the deepest one's frame on top
	 * of its own; scratch stays reserved: the caller's later buffers come after it. */
	uint32_t own = caller->stack_used - caller->cb_depth;
	uint32_t depth = f->stack_used - own;
	if (depth > caller->cb_depth) {
		caller->stack_used = own + depth;
		caller->cb_depth = depth;
	}
	caller->scratch_used = f->scratch_used;
	caller->failed = f->failed;
	free(f->vars);
	c->fn = *caller;
}

static void callback_body(struct cg *c, struct node *n, const struct map_info *mi, int fd,
			  const struct for_vars *fv)
{
	struct cg_fn *f = &c->fn;
	LLVMValueRef key = LLVMGetParam(f->func, 1), val = LLVMGetParam(f->func, 2);
	LLVMValueRef cctx = LLVMGetParam(f->func, 3);
	/* shared variables: their slots are the caller's, loaded once at entry */
	LLVMPositionBuilderAtEnd(c->b, f->prologue);
	f->cb_stop = cctx;
	for (int i = 0; i < fv->n; i++)
		f->vars[fv->ids[i]] = bpfb_load(c, c->ptr, bpfb_gep(c, cctx, 8u * (uint32_t)(i + 1)),
						8);
	LLVMPositionBuilderAtEnd(c->b, f->body);

	/* $kv = (key, value), laid out as the tuple type sema gave it */
	const struct type *kvt = &c->sr->vars[n->sym].type;
	if (kvt->kind != TY_TUPLE || kvt->nelems != 2) {
		cg_error(c, "internal error: for-loop variable %s is not typed", n->a->str);
		return;
	}
	uint32_t offs[2];
	abi_tuple_layout(kvt->elems, 2, offs);
	LLVMValueRef slot = cg_var_slot(c, n->a);
	/* the key at offset 0; the value after it, aligned as a tuple element (which may be
	 * less than 8: a string after a 5-byte string key) */
	bpfb_memcpy(c, slot, key, type_elem_size(&kvt->elems[0]));
	uint32_t va = offs[1] & 7 ? offs[1] & (~offs[1] + 1) : 8;
	if (type_is_agg(&mi->val))
		bpfb_store(c, percpu_value(c, mi, fd, key), bpfb_gep(c, slot, offs[1]), 8);
	else
		bpfb_memcpy_aligned(c, bpfb_gep(c, slot, offs[1]), val,
				    type_elem_size(&kvt->elems[1]), va);

	LLVMBasicBlockRef brk = bpfb_block(c, "for_break"), cont = bpfb_block(c, "for_next");
	f->loops[f->nloops++] = (struct cg_loop){ brk, cont };
	cg_while_vars(c, n->c);
	cg_block(c, n->c);
	f->nloops--;
	LLVMBuildBr(c->b, cont);
	LLVMPositionBuilderAtEnd(c->b, brk);
	bpfb_cb_ret(c, 1);
	LLVMPositionBuilderAtEnd(c->b, cont);
	bpfb_cb_ret(c, 0);
}

/* After a callback loop whose body may `return` or exit(): its context word 0 says so, and
 * then the probe returns too. */
static void return_if_stopped(struct cg *c, LLVMValueRef ctx)
{
	LLVMValueRef stop = bpfb_to_bool(c, bpfb_load(c, c->i64, ctx, 8));
	LLVMBasicBlockRef yes = bpfb_block(c, "loop_ret"), no = bpfb_block(c, "loop_end");
	LLVMBuildCondBr(c->b, stop, yes, no);
	LLVMPositionBuilderAtEnd(c->b, yes);
	bpfb_ret0(c);
	LLVMBuildBr(c->b, no);
	LLVMPositionBuilderAtEnd(c->b, no);
}

void cg_for(struct cg *c, struct node *n)
{
	struct node *m = n->b;
	if (m->kind != AST_MAP || m->sym < 0 || m->sym >= c->sr->nmaps || n->sym < 0 ||
	    n->sym >= c->sr->nvars) {
		cg_error(c, "internal error: unresolved for loop");
		return;
	}
	const struct map_info *mi = &c->sr->maps[m->sym];
	int fd = cg_map_fd(c, m->sym);
	int nvars = c->sr->nvars;
	struct for_vars fv;
	if (!for_vars_of(c, n, &fv))
		goto out;

	/* caller: ctx = { stop flag, &var... }, then the helper call */
	LLVMValueRef ctx = bpfb_stack(c, 8u * (uint32_t)(fv.n + 1), "for_ctx");
	bpfb_store(c, bpfb_i64(c, 0), ctx, 8);
	for (int i = 0; i < fv.n; i++) {
		struct node var = { .kind = AST_VAR, .sym = fv.ids[i], .str = c->sr->vars[fv.ids[i]].name };
		bpfb_store(c, cg_var_slot(c, &var), bpfb_gep(c, ctx, 8u * (uint32_t)(i + 1)), 8);
	}
	LLVMValueRef cb = new_callback(c, "for");
	for_each(c, fd, cb, ctx);
	LLVMBasicBlockRef after = LLVMGetInsertBlock(c->b);

	struct cg_fn caller = c->fn;
	open_callback(c, &caller, cb, n);
	c->fn.vars = calloc((size_t)nvars ? (size_t)nvars : 1, sizeof(*c->fn.vars));
	if (!c->fn.vars) {
		c->fn = caller;
		cg_error(c, "out of memory");
		goto out;
	}
	LLVMBasicBlockRef prologue_head = c->fn.prologue;
	callback_body(c, n, mi, fd, &fv);
	close_callback(c, prologue_head, &caller);
	LLVMPositionBuilderAtEnd(c->b, after);

	/* return or exit() in the body: the probe returns too */
	if (ast_walk(n->c, has_exit, NULL, c))
		return_if_stopped(c, ctx);
out:
	for_vars_free(&fv);
}

static int loop_bodies(struct node *n, void *arg)
{
	struct for_vars *fv = arg;
	if (cg_is_callback_loop(fv->c, n))
		ast_walk(n->c, collect_vars, NULL, arg);
	return 0;
}

/* The verifier checks a callback as if it ran any number of times and only stops when
 * its states repeat; a counter from the caller's stack that the body increments and
 * compares (`$i++; if ($i > 3) { break; }`) is tracked exactly and never repeats, so the
 * program would be refused as too large. Variables in map memory read back as unknown
 * values, so every variable a loop body touches lives in the scratch map. */
void cg_loop_vars(struct cg *c, struct node *body)
{
	struct cg_fn *f = &c->fn;
	int nvars = c->sr->nvars;
	if (!nvars || !ast_walk(body, is_for, NULL, c))
		return;
	struct for_vars fv;
	bool *loopv = calloc((size_t)nvars, sizeof(bool));
	if (for_vars_alloc(c, &fv) && loopv) {
		ast_walk(body, collect_loopvars, NULL, &fv);
		memcpy(loopv, fv.exclude, (size_t)nvars * sizeof(bool));
		exclude_body_counters(c, body, &fv);
		ast_walk(body, loop_bodies, NULL, &fv);
		/* The callbacks' own while counters get their stack before any temporary: the
		 * callback's frame starts where this one's ends, and this one also places the
		 * loops' contexts on its stack, so it keeps their room besides the stack reserve. */
		uint32_t counters = 0;
		for (int id = 0; id < nvars; id++)
			if (fv.exclude[id] && !loopv[id])
				counters += 8;
		if (counters)
			f->while_reserve += counters + c->stack_reserve;
	}
	free(loopv);
	for (int i = 0; i < fv.n; i++) {
		int id = fv.ids[i];
		if (f->vars[id])
			continue;
		uint32_t size = type_var_size(&c->sr->vars[id].type);
		LLVMValueRef p = bpfb_scratch(c, size);
		if (!p)
			break; /* full: cg_var_slot places the rest, as for any variable */
		LLVMBasicBlockRef cur = LLVMGetInsertBlock(c->b);
		LLVMPositionBuilderAtEnd(c->b, f->prologue);
		bpfb_memset0(c, p, abi_align(size));
		LLVMPositionBuilderAtEnd(c->b, cur);
		f->vars[id] = p;
	}
	for_vars_free(&fv);
}

/* len(@map): the helper returns how many elements it visited; the callback only says
 * "next". */
LLVMValueRef cg_map_len(struct cg *c, struct node *call)
{
	struct node *m = call->list;
	if (!m || m->kind != AST_MAP || m->sym < 0 || m->sym >= c->sr->nmaps) {
		cg_error(c, "internal error: len() of an unresolved map");
		return bpfb_i64(c, 0);
	}
	LLVMValueRef cb = new_callback(c, "len");
	LLVMBasicBlockRef cur = LLVMGetInsertBlock(c->b);
	LLVMPositionBuilderAtEnd(c->b, LLVMAppendBasicBlockInContext(c->ctx, cb, "entry"));
	LLVMBuildRet(c->b, bpfb_i64(c, 0));
	LLVMPositionBuilderAtEnd(c->b, cur);
	return for_each(c, cg_map_fd(c, m->sym), cb, LLVMConstNull(c->ptr));
}

/* ---- range loops through bpf_loop --------------------------------------------------- */

/* Does the node read the probe's context (registers, tracepoint record, stacks)? A
 * callback has none, so a range loop whose body does stays inline (emit_lang.c). */
static int needs_ctx(struct node *n, void *arg)
{
	return (cg_row_flags(arg, n) & BF_CTX) != 0;
}

bool cg_is_callback_loop(const struct cg *c, const struct node *n)
{
	if (n->kind != AST_FOR)
		return false;
	if (ast_is_map_for(n))
		return true;
	return !ast_walk(n->c, needs_ctx, NULL, (void *)c);
}

/* bpf_loop's callback: (index, ctx); ctx = { stop flag, start, end, &shared var... } */
static void range_body(struct cg *c, struct node *n, const struct for_vars *fv)
{
	struct cg_fn *f = &c->fn;
	LLVMValueRef idx = LLVMGetParam(f->func, 0), cctx = LLVMGetParam(f->func, 1);
	LLVMPositionBuilderAtEnd(c->b, f->prologue);
	f->cb_stop = cctx;
	for (int i = 0; i < fv->n; i++)
		f->vars[fv->ids[i]] = bpfb_load(c, c->ptr, bpfb_gep(c, cctx, 8u * (uint32_t)(i + 3)),
						8);
	LLVMPositionBuilderAtEnd(c->b, f->body);
	LLVMValueRef start = bpfb_load(c, c->i64, bpfb_gep(c, cctx, 8), 8);
	LLVMValueRef end = bpfb_load(c, c->i64, bpfb_gep(c, cctx, 16), 8);
	LLVMValueRef i = LLVMBuildAdd(c->b, start, LLVMBuildPtrToInt(c->b, idx, c->i64, ""), "");
	LLVMBasicBlockRef brk = bpfb_block(c, "range_break"), cont = bpfb_block(c, "range_next");
	LLVMBasicBlockRef in = bpfb_block(c, "range_in");
	/* an empty range still makes one call (see cg_range_loop), which stops here */
	LLVMBuildCondBr(c->b, LLVMBuildICmp(c->b, LLVMIntSLT, i, end, ""), in, brk);
	LLVMPositionBuilderAtEnd(c->b, in);
	bpfb_store(c, i, cg_var_slot(c, n->a), 8);
	f->loops[f->nloops++] = (struct cg_loop){ brk, cont };
	cg_while_vars(c, n->c);
	cg_block(c, n->c);
	f->nloops--;
	LLVMBuildBr(c->b, cont);
	LLVMPositionBuilderAtEnd(c->b, brk);
	bpfb_cb_ret(c, 1);
	LLVMPositionBuilderAtEnd(c->b, cont);
	bpfb_cb_ret(c, 0);
}

/* The most iterations bpf_loop runs (BPF_MAX_LOOPS); asking for more runs none. */
#define RANGE_MAX_LOOPS (1u << 23)

void cg_count_loop(struct cg *c, uint32_t n, LLVMValueRef ctx, const char *what,
		   void (*body)(struct cg *c, LLVMValueRef idx, LLVMValueRef cctx, void *arg),
		   void *arg)
{
	LLVMValueRef cb = new_callback(c, what);
	LLVMValueRef a[4] = { bpfb_i64(c, n), cb, ctx, bpfb_i64(c, 0) };
	bpfb_helper(c, BPF_FUNC_loop, c->i64, a, 4, "loop");
	LLVMBasicBlockRef after = LLVMGetInsertBlock(c->b);
	struct cg_fn caller = c->fn;
	open_callback(c, &caller, cb, caller.stmt);
	c->fn.vars = calloc(1, sizeof(*c->fn.vars)); /* none: close_callback frees it */
	if (!c->fn.vars) {
		c->fn = caller;
		cg_error(c, "out of memory");
		return;
	}
	LLVMBasicBlockRef prologue_head = c->fn.prologue;
	LLVMPositionBuilderAtEnd(c->b, c->fn.body);
	body(c, LLVMBuildPtrToInt(c->b, LLVMGetParam(cb, 0), c->i64, ""), LLVMGetParam(cb, 1),
	     arg);
	close_callback(c, prologue_head, &caller);
	LLVMPositionBuilderAtEnd(c->b, after);
}

void cg_range_loop(struct cg *c, struct node *n)
{
	struct node *r = n->b;
	int nvars = c->sr->nvars;
	if (n->sym < 0 || n->sym >= nvars) {
		cg_error(c, "internal error: unresolved range loop");
		return;
	}
	struct for_vars fv;
	if (!for_vars_of(c, n, &fv))
		goto out;

	LLVMValueRef start = cg_expr(c, r->a), end = cg_expr(c, r->b);
	LLVMValueRef ctx = bpfb_stack(c, 8u * (uint32_t)(fv.n + 3), "range_ctx");
	bpfb_store(c, bpfb_i64(c, 0), ctx, 8);
	bpfb_store(c, start, bpfb_gep(c, ctx, 8), 8);
	bpfb_store(c, end, bpfb_gep(c, ctx, 16), 8);
	for (int i = 0; i < fv.n; i++) {
		struct node var = { .kind = AST_VAR, .sym = fv.ids[i], .str = c->sr->vars[fv.ids[i]].name };
		bpfb_store(c, cg_var_slot(c, &var), bpfb_gep(c, ctx, 8u * (uint32_t)(i + 3)), 8);
	}
	/* end - start iterations when positive; beyond bpf_loop's limit none run (E2BIG).
	 * An empty range asks for one iteration that stops at once: with a count the
	 * verifier knows to be 0 it skips the callback and then fails on it ("No program to
	 * jit"). */
	LLVMValueRef more = LLVMBuildICmp(c->b, LLVMIntSGT, end, start, "");
	LLVMValueRef nr = LLVMBuildSelect(c->b, more, LLVMBuildSub(c->b, end, start, ""),
					  bpfb_i64(c, 1), "");
	LLVMValueRef big = LLVMBuildICmp(c->b, LLVMIntUGT, nr, bpfb_i64(c, RANGE_MAX_LOOPS), "");
	nr = LLVMBuildSelect(c->b, big, bpfb_i64(c, RANGE_MAX_LOOPS + 1u), nr, "");
	LLVMValueRef cb = new_callback(c, "range");
	LLVMValueRef a[4] = { nr, cb, ctx, bpfb_i64(c, 0) };
	bpfb_helper(c, BPF_FUNC_loop, c->i64, a, 4, "loop");
	LLVMBasicBlockRef after = LLVMGetInsertBlock(c->b);

	struct cg_fn caller = c->fn;
	open_callback(c, &caller, cb, n);
	c->fn.vars = calloc((size_t)nvars ? (size_t)nvars : 1, sizeof(*c->fn.vars));
	if (!c->fn.vars) {
		c->fn = caller;
		cg_error(c, "out of memory");
		goto out;
	}
	LLVMBasicBlockRef prologue_head = c->fn.prologue;
	range_body(c, n, &fv);
	close_callback(c, prologue_head, &caller);
	LLVMPositionBuilderAtEnd(c->b, after);

	/* return or exit() in the body: the probe returns too */
	if (ast_walk(n->c, has_exit, NULL, c))
		return_if_stopped(c, ctx);
out:
	for_vars_free(&fv);
}
