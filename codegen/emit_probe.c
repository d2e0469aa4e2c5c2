/*
 * codegen/emit_probe.c — one BPF function per probe point, and everything that depends on
 * the probe kind: program type and the context (tracepoint `args`, pt_regs, and the u64
 * argument array of kprobes run as fentry/fexit programs).
 *
 * Owns: reading the context as the point's provider row says (its capabilities): the
 * argument readers the probe context builtins use (stdlib/builtin_probe.c) and
 * tracepoint field access by name for *this* point; the function frame (entry block for
 * allocas, prologue for the scratch lookup and once-per-run helper values, body), and the
 * predicate.
 * Must not: decide program semantics beyond the context (statements live in emit_stmt.c),
 * or know any builtin (their rows' hooks do).
 */
#include <linux/bpf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegen_internal.h"
#include "../sema/kfunc.h"

/* x86-64 struct pt_regs offsets of the first six arguments (CG_REGS_AX_OFF: the return
 * value). */
const uint32_t cg_regs_arg_off[CG_REGS_NARGS] = { 112, 104, 96, 88, 72, 64 };

uint32_t cg_caps(const struct cg *c)
{
	return c->fn.pv ? c->fn.pv->caps : 0;
}

/* The BTF argument count of a kprobe point run as fentry/fexit, or -1 for a kprobe that
 * is a kprobe (pt_regs) and every other point. */
int cg_fentry_nargs(const struct cg *c, int pt)
{
	const struct probe_point *p = &c->sr->points[pt];
	const struct provider *pv = provider_of_kind(p);
	if (!c->opts->fentry_nargs || !pv || !(pv->caps & PV_KERNEL_FN))
		return -1;
	return c->opts->fentry_nargs[pt];
}

uint32_t cg_point_prog_type(const struct cg *c, int pt)
{
	const struct provider *pv = provider_of_kind(&c->sr->points[pt]);
	return cg_fentry_nargs(c, pt) >= 0 ? BPF_PROG_TYPE_TRACING : pv ? pv->prog_type : 0;
}

/* An error at n itself (not its statement), once per point, like cg_error. */
static void point_error(struct cg *c, struct node *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void point_error(struct cg *c, struct node *n, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c->fn.failed)
		return;
	c->fn.failed = true;
	diag_error(c->d, n->loc, "%s: %s", c->fn.pt->name, msg);
}

/* Argument i of a kprobe: from pt_regs, or word i of a fentry/fexit program's context
 * (an array of u64 arguments; fexit's return value follows the last one). */
LLVMValueRef cg_kprobe_arg(struct cg *c, struct node *n, int i, const char *what)
{
	int nargs = cg_fentry_nargs(c, c->fn.pt->index);
	if (nargs >= 0) {
		if (i >= nargs) {
			char range[32] = "";
			if (nargs == 1)
				snprintf(range, sizeof(range), " (arg0)");
			else if (nargs > 1)
				snprintf(range, sizeof(range), " (arg0..arg%d)", nargs - 1);
			point_error(c, n, "%s is out of range: %s takes %d argument%s%s in the "
				    "kernel's BTF, and kprobes run as fentry programs here can read "
				    "only those", what, c->fn.pt->func, nargs, nargs == 1 ? "" : "s",
				    range);
			return bpfb_i64(c, 0);
		}
		return cg_ctx_load(c, c->i64, 8u * (uint32_t)i, 8);
	}
	if (i < 0 || i >= CG_REGS_NARGS) {
		point_error(c, n, "%s is out of range (arg0..arg5 are in registers)", what);
		return bpfb_i64(c, 0);
	}
	return cg_ctx_load(c, c->i64, cg_regs_arg_off[i], 8);
}


/* Argument i of a raw tracepoint: word i of its context, the u64 array of the
 * tracepoint's arguments (BPF_PROG_TYPE_RAW_TRACEPOINT allows at most 12). */
LLVMValueRef cg_raw_arg(struct cg *c, struct node *n, int i, const char *what)
{
	if (i < 0 || i >= 12) {
		point_error(c, n, "%s is out of range: a raw tracepoint has at most 12 arguments "
			    "(arg0..arg11)", what);
		return bpfb_i64(c, 0);
	}
	return cg_ctx_load(c, c->i64, 8u * (uint32_t)i, 8);
}


int cg_emit_point(struct cg *c, int idx)
{
	struct cg_fn *f = &c->fn;
	const struct probe_point *pt = &c->sr->points[idx];
	memset(f, 0, sizeof(*f));
	f->pt = pt;
	if (pt->probe < 0 || pt->probe >= c->nprobes) {
		cg_error(c, "internal error: probe point refers to a missing probe");
		return 0;
	}
	f->probe = c->probes[pt->probe];
	f->pv = provider_of_kind(pt);
	if (!f->pv) {
		cg_error(c, "this probe type is not supported by the code generator");
		return 0;
	}
	f->vars = calloc(c->sr->nvars ? c->sr->nvars : 1, sizeof(*f->vars));
	if (!f->vars) {
		diag_error_noloc(c->d, "out of memory");
		return -1;
	}

	char name[32], sec[32];
	snprintf(name, sizeof(name), "p%d", idx);
	snprintf(sec, sizeof(sec), "prog_%d", idx);
	LLVMTypeRef fty = LLVMFunctionType(c->i64, &c->ptr, 1, 0);
	f->func = LLVMAddFunction(c->mod, name, fty);
	LLVMSetSection(f->func, sec);
	/* no unwind tables: .eh_frame would bring relocations into the object */
	unsigned nounwind = LLVMGetEnumAttributeKindForName("nounwind", 8);
	LLVMAddAttributeAtIndex(f->func, LLVMAttributeFunctionIndex,
				LLVMCreateEnumAttribute(c->ctx, nounwind, 0));
	f->ctx = LLVMGetParam(f->func, 0);
	f->entry = bpfb_block(c, "entry");
	f->prologue = bpfb_block(c, "prologue");
	LLVMBasicBlockRef prologue_head = f->prologue; /* f->prologue moves past lookups */
	f->body = bpfb_block(c, "body");
	LLVMPositionBuilderAtEnd(c->b, f->body);

	if ((cg_caps(c) & PV_CLOCK) && c->opts->control_fd > 0) {
		/* a timer does nothing once exit() ran (it set control.stopped, emit_events.c)
		 * or the session stopped: bpftrace 0.17's interval gives no tick after exit() */
		LLVMValueRef flag = bpfb_load(c, c->i8, bpfb_map_value_ptr(c, c->opts->control_fd),
					      1);
		LLVMBasicBlockRef go = bpfb_block(c, "clock_on"), stop = bpfb_block(c, "clock_off");
		LLVMBuildCondBr(c->b, LLVMBuildICmp(c->b, LLVMIntEQ, flag, LLVMConstInt(c->i8, 0, 0),
						    ""), go, stop);
		LLVMPositionBuilderAtEnd(c->b, stop);
		LLVMBuildRet(c->b, bpfb_i64(c, 0));
		LLVMPositionBuilderAtEnd(c->b, go);
	}
	if (c->opts->filter_pid > 0 && !(cg_caps(c) & (PV_RUN_ONCE | PV_ITER))) {
		/* -p PID: as current bpftrace, every probe fires only in that process (an
		 * iterator runs in the tracer's task: it is given the process instead) */
		LLVMValueRef tgid = LLVMBuildLShr(c->b, cg_pid_tgid(c), bpfb_i64(c, 32), "tgid");
		LLVMValueRef mine = LLVMBuildICmp(c->b, LLVMIntEQ, tgid,
						  bpfb_i64(c, (uint64_t)c->opts->filter_pid), "");
		LLVMBasicBlockRef yes = bpfb_block(c, "pid_ok");
		LLVMBasicBlockRef no = bpfb_block(c, "pid_other");
		LLVMBuildCondBr(c->b, mine, yes, no);
		LLVMPositionBuilderAtEnd(c->b, no);
		LLVMBuildRet(c->b, bpfb_i64(c, 0));
		LLVMPositionBuilderAtEnd(c->b, yes);
	}
	if (f->probe->a) {
		struct node *pr = f->probe->a;
		f->rc_pred[0] = pr;
		if (pr->kind == AST_BINOP && pr->op >= OP_LT && pr->op <= OP_NE) {
			f->rc_pred[0] = pr->a;
			f->rc_pred[1] = pr->b;
		}
		LLVMValueRef cond = cg_cond(c, pr);
		f->rc_pred[0] = f->rc_pred[1] = NULL;
		LLVMBasicBlockRef yes = bpfb_block(c, "pred_true");
		LLVMBasicBlockRef no = bpfb_block(c, "pred_false");
		LLVMBuildCondBr(c->b, cond, yes, no);
		LLVMPositionBuilderAtEnd(c->b, no);
		LLVMBuildRet(c->b, bpfb_i64(c, 0));
		LLVMPositionBuilderAtEnd(c->b, yes);
	}
	/* while counters first: on the stack even when a for-loop body reads them too */
	cg_while_vars(c, f->probe->b);
	cg_loop_vars(c, f->probe->b);
	cg_block(c, f->probe->b);
	if (!bpfb_terminated(c))
		LLVMBuildRet(c->b, bpfb_i64(c, 0));

	LLVMPositionBuilderAtEnd(c->b, f->entry);
	LLVMBuildBr(c->b, prologue_head);
	LLVMPositionBuilderAtEnd(c->b, f->prologue);
	LLVMBuildBr(c->b, f->body);
	free(f->vars);
	f->vars = NULL;
	f->pt = NULL;
	return 0;
}

/* Helper result computed once at the end of the prologue, which dominates every use. */
static LLVMValueRef once(struct cg *c, LLVMValueRef *slot, int helper, const char *name)
{
	if (!*slot) {
		LLVMBasicBlockRef cur = LLVMGetInsertBlock(c->b);
		LLVMPositionBuilderAtEnd(c->b, c->fn.prologue);
		*slot = bpfb_helper(c, helper, c->i64, NULL, 0, name);
		LLVMPositionBuilderAtEnd(c->b, cur);
	}
	return *slot;
}

LLVMValueRef cg_pid_tgid(struct cg *c)
{
	return once(c, &c->fn.pid_tgid, BPF_FUNC_get_current_pid_tgid, "pid_tgid");
}

LLVMValueRef cg_uid_gid(struct cg *c)
{
	return once(c, &c->fn.uid_gid, BPF_FUNC_get_current_uid_gid, "uid_gid");
}

/* A load of the program context at a constant offset. The context pointer goes through
 * llvm.preserve.static.offset, so the BPF back end's bpf-preserve-static-offset pass
 * (first in our pipelines) keeps each such load an opaque "load at base + constant":
 * otherwise LLVM merges `c ? args.a : args.b` into one load from a select of the two
 * addresses, and the verifier refuses a context access through a modified pointer
 * ("dereference of modified ctx ptr"), as clang's preserve_static_offset does for C. */
LLVMValueRef cg_ctx_load(struct cg *c, LLVMTypeRef t, uint32_t off, unsigned size)
{
	static const char name[] = "llvm.preserve.static.offset";
	unsigned id = LLVMLookupIntrinsicID(name, sizeof(name) - 1);
	LLVMValueRef base = c->fn.ctx;
	if (id) {
		LLVMValueRef fn = LLVMGetIntrinsicDeclaration(c->mod, id, NULL, 0);
		LLVMTypeRef fty = LLVMIntrinsicGetType(c->ctx, id, NULL, 0);
		base = LLVMBuildCall2(c->b, fty, fn, &base, 1, "");
	}
	LLVMValueRef v = bpfb_load(c, t, bpfb_gep(c, base, off), size);
	/* bpf-preserve-static-offset leaves loads at offset 0 alone (a plain load of the
	 * context), and LLVM may merge such a load with a stack load of another branch into
	 * one load of a phi of both pointers, which the verifier refuses ("same insn cannot be
	 * used with different pointers": `c ? arg0 : curtask->x`). A volatile load is never
	 * merged with a plain one. */
	if (!off)
		LLVMSetVolatile(v, true);
	return v;
}

LLVMValueRef cg_ctx_field(struct cg *c, struct node *n, LLVMValueRef dst,
			  const struct type *dt)
{
	const struct probe_point *pt = c->fn.pt;
	/* args.NAME: a parameter from BTF (kprobes, raw tracepoints) or DWARF (uprobes: in
	 * the pt_regs argument registers, like a kprobe's) */
	if (cg_caps(c) & (PV_KERNEL_FN | PV_CTX_U64 | PV_ARGS_DWARF)) {
		const struct ctype *ct;
		char err[512];
		int i = point_param(c->sr->ctypes, pt, n->str, &ct, err, sizeof(err));
		if (i < 0) {
			point_error(c, n, "%s", err);
			return bpfb_i64(c, 0);
		}
		char what[300];
		snprintf(what, sizeof(what), "args.%s (argument %d)", n->str, i);
		LLVMValueRef v = cg_norm(c, (cg_caps(c) & PV_CTX_U64) ? cg_raw_arg(c, n, i, what)
								   : cg_kprobe_arg(c, n, i, what),
					 &n->type);
		if (dst)
			bpfb_store(c, v, dst, 8);
		return v;
	}
	const struct tp_field *tf = pt->tp ? tp_format_field(pt->tp, n->str) : NULL;
	if (tf && n->type.kind == TY_RECORD) /* an integer array: its address in the record */
		return LLVMBuildAdd(c->b, LLVMBuildPtrToInt(c->b, c->fn.ctx, c->i64, ""),
				    bpfb_i64(c, tf->offset), "tp_array");
	bool is_str = n->type.kind == TY_STR;
	uint32_t size = is_str ? (dt && dt->kind == TY_STR ? dt->size : n->type.size) : 8;
	if (!tf || !(cg_caps(c) & PV_ARGS_TP)) {
		cg_error(c, "tracepoint has no field '%s'", n->str ? n->str : "?");
		if (!is_str)
			return bpfb_i64(c, 0);
		return dst ? dst : bpfb_buf(c, size, "bad");
	}
	LLVMValueRef ctx = c->fn.ctx;
	LLVMValueRef p = bpfb_gep(c, ctx, tf->offset);
	if (is_str) {
		LLVMValueRef buf = dst ? dst : bpfb_buf(c, size, "field");
		if (tf->data_loc || (n->flags & NODE_F_DATA_LOC)) {
			LLVMValueRef loc = cg_ctx_load(c, c->i32, tf->offset, 4);
			LLVMValueRef off = LLVMBuildAnd(c->b, bpfb_zext64(c, loc),
							 bpfb_i64(c, 0xffff), "");
			LLVMValueRef src = LLVMBuildGEP2(c->b, c->i8, ctx, &off, 1, "dl");
			bpfb_memset0(c, buf, size);
			LLVMValueRef a[3] = { buf, bpfb_i64(c, size), src };
			LLVMValueRef got = bpfb_helper(c, BPF_FUNC_probe_read_kernel_str, c->i64,
						       a, 3, "");
			cg_helper_check(c, got, BPF_FUNC_probe_read_kernel_str, n, -1);
			cg_count_str_trunc(c, got, buf, src, size, BPF_FUNC_probe_read_kernel, NULL);
			return buf;
		}
		if (tf->array_len == 0 && tf->size == 0) { /* `char buf[]`: up to its NUL */
			bpfb_memset0(c, buf, size);
			LLVMValueRef a[3] = { buf, bpfb_i64(c, size), p };
			LLVMValueRef got = bpfb_helper(c, BPF_FUNC_probe_read_kernel_str, c->i64,
						       a, 3, "");
			cg_helper_check(c, got, BPF_FUNC_probe_read_kernel_str, n, -1);
			return buf;
		}
		uint32_t len = tf->array_len > 0 ? (uint32_t)tf->array_len : tf->size;
		if (len > size)
			len = size;
		LLVMValueRef a[3] = { buf, bpfb_i64(c, len), p };
		bpfb_helper(c, BPF_FUNC_probe_read_kernel, c->i64, a, 3, "");
		bpfb_memset0_at(c, buf, len, size);
		return buf;
	}
	uint32_t fs = tf->size;
	if (fs != 1 && fs != 2 && fs != 4 && fs != 8) {
		cg_error(c, "tracepoint field '%s' has unsupported size %u", n->str, fs);
		return bpfb_i64(c, 0);
	}
	LLVMTypeRef it = fs == 8 ? c->i64 : fs == 4 ? c->i32 : fs == 2 ? c->i16 : c->i8;
	LLVMValueRef v = cg_ctx_load(c, it, tf->offset, fs);
	if (fs != 8)
		v = tf->is_signed ? LLVMBuildSExt(c->b, v, c->i64, "")
				  : LLVMBuildZExt(c->b, v, c->i64, "");
	v = cg_norm(c, v, &n->type);
	if (dst)
		bpfb_store(c, v, dst, 8);
	return v;
}
