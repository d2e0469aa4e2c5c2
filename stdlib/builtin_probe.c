/*
 * stdlib/builtin_probe.c — the probe context family: what a probe reads of the event
 * that fired it: probe, ctx, args, retval, arg0..argN, sarg0..sargN, func, reg("name"),
 * and uptr()/kptr() (which address space a pointer is in).
 *
 * Owns: which probes each may appear in (by the capabilities of their provider rows,
 * runtime/provider.h: PV_ARGS_*, PV_RETVAL, PV_ARGN, PV_REGS, PV_FUNC_*) and bpftrace's
 * wording when one may not; their types; and their code: the context pointer, the
 * probe's index (the attach cookie when a wildcard's points share code), the function's
 * address or name, argument N and the return value from pt_regs, a fentry/fexit
 * program's u64 array, a raw tracepoint's arguments or a usdt operand, stack arguments
 * above the return address, a register by name (x86-64 struct pt_regs); and the text of
 * `func` in uprobes.
 * Must not: lay out a probe kind's context beyond these reads (codegen/emit_probe.c:
 * fentry argument counts, the kprobe and raw tracepoint readers, tracepoint fields).
 */
#include <inttypes.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/kinfo.h"
#include "builtin_family.h"
#include "symfmt.h"

/* ---- sema ----------------------------------------------------------------------------- */

static void check_probe(struct sema *s, struct node *n)
{
	n->type = (struct type){ .kind = TY_PROBE, .size = 8 };
}

/* In an iter probe ctx is the iterator's context, struct bpf_iter__NAME * (ctx->task,
 * ctx->meta->seq_num), as bpftrace types it; codegen reads its fields in place
 * (codegen/emit_ctype.c). */
static bool iter_ctx(struct sema *s, struct node *n)
{
	if (!sema_probe_all(s, PV_ITER))
		return false;
	for (int i = 0; i < s->r->npoints; i++) {
		const struct probe_point *pt = &s->r->points[i];
		char tag[160];
		if (pt->probe != s->probe || !pt->func)
			continue;
		snprintf(tag, sizeof(tag), "bpf_iter__%s", pt->func);
		n->type = sema_ptr_to_record(s, tag, false);
		return true;
	}
	return false;
}

/* the probe's context (pt_regs, the tracepoint record, perf data) as an address, as
 * bpftrace 0.17 types it: cast it to read it */
static void check_ctx(struct sema *s, struct node *n)
{
	if (iter_ctx(s, n))
		return;
	n->type = type_u64();
}

/* kprobes: the function's BTF parameters (sema/kfunc_args.c) */
static void check_args(struct sema *s, struct node *n)
{
	const struct provider *bad =
		sema_lacks(s, PV_ARGS_TP | PV_ARGS_BTF | PV_ARGS_DWARF |
				      (sema_kretfunc_only(s) ? PV_KERNEL_FN : 0));
	if (bad && (bad->caps & PV_KERNEL_FN)) {
		diag_error(s->d, n->loc,
			   "The args builtin cannot be used in kretprobe probes: the arguments "
			   "are gone when the function returns (save them in a kprobe, e.g. "
			   "in a map keyed by tid, or use kretfunc)");
		return;
	}
	if (bad && (bad->caps & PV_RETVAL) && (bad->caps & PV_USER)) {
		diag_error(s->d, n->loc,
			   "The args builtin cannot be used in uretprobe probes: the arguments "
			   "are gone when the function returns (save them in a uprobe, e.g. in "
			   "a map keyed by tid)");
		return;
	}
	if (bad) {
		diag_error(s->d, n->loc,
			   "The args builtin can only be used with tracepoint probes (%s used "
			   "here)",
			   sema_probe_word(bad));
		return;
	}
	n->type = (struct type){ .kind = TY_CTX };
}

static void check_retval(struct sema *s, struct node *n)
{
	if (s->probes[s->probe].caps_any & PV_USER)
		n->flags |= NODE_F_USER_PTR;
	const struct provider *bad = sema_lacks(s, PV_RETVAL);
	if (bad) {
		diag_error(s->d, n->loc,
			   "The retval builtin can only be used with 'kretprobe' and "
			   "'uretprobe' probes%s",
			   (bad->caps & PV_ARGS_TP) ? " (try to use args->ret instead)" : "");
		return;
	}
	n->type = type_u64();
	sema_kretfunc_retval(s, n); /* kretfunc: typed from BTF */
}

static void check_argn(struct sema *s, struct node *n)
{
	/* a uprobe's pointer arguments point into the traced process */
	if (s->probes[s->probe].caps_any & PV_USER)
		n->flags |= NODE_F_USER_PTR;
	if (sema_lacks(s, PV_ARGN)) {
		diag_error(s->d, n->loc,
			   "The %s builtin can only be used with 'kprobes' and 'uprobes' probes",
			   n->str);
		return;
	}
	/* usdt arguments are signed 64-bit values in bpftrace (sign-extended or
	 * zero-extended from the operand's size first) */
	n->type = sema_probe_all(s, PV_USDT) ? type_int(8, true) : type_u64();
}

static void check_func(struct sema *s, struct node *n)
{
	const struct provider *bad = sema_lacks(s, PV_FUNC_KSYM | PV_FUNC_NAME);
	if (bad) {
		diag_error(s->d, n->loc, "The func builtin can not be used with '%s' probes",
			   bad->kind == PROBE_BEGIN || bad->kind == PROBE_END ? bad->name
									      : sema_probe_word(bad));
		return;
	}
	n->type = type_u64();
	/* kprobes: the function's address, printed as a kernel symbol; uprobes: the probe
	 * point's index, printed as the function name it was expanded to (codegen) */
	n->type.sub = sema_lacks(s, PV_FUNC_KSYM) ? SUB_FUNC : SUB_KSYM;
}

/* x86-64 struct pt_regs: the names bpftrace's reg() takes and their byte offsets. */
static const struct {
	const char *name;
	uint32_t off;
} regs[] = {
	{ "r15", 0 },   { "r14", 8 },    { "r13", 16 },  { "r12", 24 },    { "bp", 32 },
	{ "bx", 40 },   { "r11", 48 },   { "r10", 56 },  { "r9", 64 },     { "r8", 72 },
	{ "ax", 80 },   { "cx", 88 },    { "dx", 96 },   { "si", 104 },    { "di", 112 },
	{ "orig_ax", 120 }, { "ip", 128 }, { "cs", 136 }, { "flags", 144 }, { "sp", 152 },
	{ "ss", 160 },
};

static int reg_offset(const char *name)
{
	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
		if (strcmp(regs[i].name, name) == 0)
			return (int)regs[i].off;
	return -1;
}

static bool regs_probe(struct sema *s, struct node *n, const char *what)
{
	if (sema_lacks(s, PV_REGS)) {
		diag_error(s->d, n->loc, "The %s builtin can only be used with 'kprobes' and "
				       "'uprobes' probes (they have the registers)", what);
		return false;
	}
	return true;
}

static void check_sargn(struct sema *s, struct node *n)
{
	/* stack arguments of a uprobe live in the traced process */
	if (!regs_probe(s, n, n->str))
		return;
	if (s->probes[s->probe].caps_any & PV_USER)
		n->flags |= NODE_F_USER_PTR;
	n->type = type_u64();
}

static void check_reg(struct sema *s, struct node *n)
{
	struct node *a = n->list;
	if (a->kind != AST_STR) {
		diag_error(s->d, a->loc, "reg() takes a register name as a string literal "
					 "(\"ip\", \"sp\", \"di\", ...)");
		return;
	}
	a->type = type_str(a->slen + 1);
	int off = reg_offset(a->str);
	if (off < 0) {
		diag_error(s->d, a->loc, "'%s' is not a register name (x86-64: ip, sp, bp, ax, bx, "
					 "cx, dx, si, di, r8..r15, flags, orig_ax, cs, ss)", a->str);
		return;
	}
	if (!regs_probe(s, n, "reg"))
		return;
	n->ival = off; /* codegen loads pt_regs at this offset */
	n->type = type_u64();
}

static void int_arg(struct sema *s, struct node *call, struct node *a, const char *fn)
{
	sema_expr(s, a);
	if (a->type.kind != TY_INT && a->type.kind != TY_NONE)
		diag_error(s->d, a->loc, "%s() expects an integer argument, got %s", fn,
			   sema_kind_word(&a->type));
	(void)call;
}

/* uptr(p) / kptr(p): the pointer is in user (uptr) or kernel (kptr) memory, whatever the
 * probe would assume: its reads use that helper */
static void check_pointer_space(struct sema *s, struct node *n, bool user)
{
	int_arg(s, n, n->list, n->str);
	n->type = n->list->type;
	n->type.user = user;
	n->flags = (n->flags & ~NODE_F_USER_PTR) | (user ? NODE_F_USER_PTR : 0);
}

static void check_uptr(struct sema *s, struct node *n)
{
	check_pointer_space(s, n, true);
}

static void check_kptr(struct sema *s, struct node *n)
{
	check_pointer_space(s, n, false);
}

/* ---- codegen -------------------------------------------------------------------------- */

#define REGS_SP_OFF 152u /* x86-64 struct pt_regs: sp */

static LLVMValueRef probe_emit(struct cg *c, struct node *n)
{
	if (c->shared && c->shared[c->fn.pt->index] && !c->fn.cb_stop) {
		/* code shared by a wildcard's points is loaded once and linked to each point
		 * with its probe_id as BPF cookie (runtime/attach.c) */
		LLVMValueRef a[1] = { c->fn.ctx };
		return bpfb_helper(c, BPF_FUNC_get_attach_cookie, c->i64, a, 1, "probe");
	}
	return bpfb_i64(c, (uint64_t)c->probe_id[c->fn.pt->index]); /* its own program */
}

static LLVMValueRef ctx_emit(struct cg *c, struct node *n)
{
	return LLVMBuildPtrToInt(c->b, c->fn.ctx, c->i64, "ctx");
}

static LLVMValueRef args_emit(struct cg *c, struct node *n)
{
	if (!(cg_caps(c) & (PV_ARGS_TP | PV_ARGS_BTF | PV_KERNEL_FN | PV_ARGS_DWARF)))
		return NULL;
	return c->fn.ctx;
}

static LLVMValueRef retval_emit(struct cg *c, struct node *n)
{
	if (!(cg_caps(c) & PV_RETVAL))
		return NULL;
	int nargs = cg_fentry_nargs(c, c->fn.pt->index);
	if (nargs >= 0) /* fexit: the return value follows the arguments */
		return cg_norm(c, cg_ctx_load(c, c->i64, 8u * (uint32_t)nargs, 8), &n->type);
	return cg_norm(c, cg_ctx_load(c, c->i64, CG_REGS_AX_OFF, 8), &n->type);
}

static LLVMValueRef func_emit(struct cg *c, struct node *n)
{
	uint32_t caps = cg_caps(c);
	if (n->type.sub == SUB_FUNC) /* uprobes: the point's index names its function */
		return bpfb_i64(c, (uint64_t)c->fn.pt->index);
	/* Each kprobe point has its own program, so the function is a constant: the symbol's
	 * address, which is what bpf_get_func_ip would return at entry, but also right for
	 * kretprobes and FUNC+OFFSET, where the helper gives 0. */
	if ((caps & PV_FUNC_KSYM) && c->fn.pt->multi_group) {
		/* one program for a kprobe_multi group: the helper knows the function */
		LLVMValueRef a[1] = { c->fn.ctx };
		return bpfb_helper(c, BPF_FUNC_get_func_ip, c->i64, a, 1, "func");
	}
	if (caps & PV_FUNC_KSYM) {
		uint64_t addr = c->opts->kinfo ? kinfo_kfunc_addr(c->opts->kinfo, c->fn.pt->func)
					       : 0;
		if (!addr)
			cg_error(c, "cannot find the address of %s in /proc/kallsyms for func",
				 c->fn.pt->func);
		return bpfb_i64(c, addr);
	}
	return NULL;
}

static LLVMValueRef argn_emit(struct cg *c, struct node *n)
{
	uint32_t caps = cg_caps(c);
	int i = n->str ? atoi(n->str + 3) : -1;
	if (!(caps & PV_ARGN))
		return NULL;
	if (caps & PV_KERNEL_FN)
		return cg_norm(c, cg_kprobe_arg(c, n, i, n->str), &n->type);
	if (caps & PV_CTX_U64)
		return cg_norm(c, cg_raw_arg(c, n, i, n->str), &n->type);
	if (caps & PV_USDT)
		return cg_norm(c, cg_usdt_arg(c, n, i), &n->type);
	if (i < 0 || i >= CG_REGS_NARGS) {
		cg_error(c, "%s is out of range (arg0..arg5 are in registers)", n->str);
		return bpfb_i64(c, 0);
	}
	return cg_norm(c, cg_ctx_load(c, c->i64, cg_regs_arg_off[i], 8), &n->type);
}

static bool has_pt_regs(struct cg *c)
{
	const struct probe_point *pt = c->fn.pt;
	if (!pt || !(cg_caps(c) & PV_REGS))
		return false;
	/* kprobes run as fentry programs (no kprobes here) have no pt_regs */
	return !(c->opts->fentry_nargs && (cg_caps(c) & PV_KERNEL_FN) &&
		 c->opts->fentry_nargs[pt->index] >= 0);
}

/* sargN: the Nth 8-byte argument the caller left on the stack, just above the return
 * address (x86-64 SysV). */
static LLVMValueRef sargn_emit(struct cg *c, struct node *n)
{
	if (!has_pt_regs(c)) {
		cg_error(c, "%s needs the probe's registers, which this probe does not have",
			 n->str);
		return bpfb_i64(c, 0);
	}
	long i = atol(n->str + 4);
	LLVMValueRef sp = cg_ctx_load(c, c->i64, REGS_SP_OFF, 8);
	LLVMValueRef addr = LLVMBuildAdd(c->b, sp, bpfb_i64(c, 8 * ((uint64_t)i + 1)), "sarg");
	if (!c->fn.read_tmp)
		c->fn.read_tmp = bpfb_stack(c, 8, "cread");
	bpfb_store(c, bpfb_i64(c, 0), c->fn.read_tmp, 8);
	int fn = (n->flags & NODE_F_USER_PTR) ? BPF_FUNC_probe_read_user : BPF_FUNC_probe_read_kernel;
	LLVMValueRef a[3] = { c->fn.read_tmp, bpfb_i64(c, 8), addr };
	cg_helper_check(c, bpfb_helper(c, fn, c->i64, a, 3, ""), fn, n, -1);
	return bpfb_load(c, c->i64, c->fn.read_tmp, 8);
}

static LLVMValueRef reg_emit(struct cg *c, struct node *n)
{
	if (!has_pt_regs(c)) {
		cg_error(c, "reg() needs the probe's registers, which this probe does not have");
		return bpfb_i64(c, 0);
	}
	return cg_ctx_load(c, c->i64, (uint32_t)n->ival, 8);
}

/* uptr(p), kptr(p): the pointer itself (its type says where it points) */
static LLVMValueRef value_emit(struct cg *c, struct node *n)
{
	return cg_expr(c, n->list);
}

/* ---- printing ------------------------------------------------------------------------- */

/* func in uprobes: the point's index, printed as the function it was expanded to */
static void func_print(FILE *out, const struct type *t, const uint8_t *bytes,
		       const struct print_ctx *ctx, int indent)
{
	uint64_t v = 0;
	memcpy(&v, bytes, 8);
	if (ctx && ctx->func_names && v < (uint64_t)ctx->nprobes && ctx->func_names[v])
		fputs(ctx->func_names[v], out);
	else
		fprintf(out, "%" PRIu64, v);
}

#define CTX_READ (BF_CTX | BF_NO_FOR)

static const struct builtin rows[] = {
	BUILTIN_VAR("probe", 0, check_probe, probe_emit),
	BUILTIN_VAR("ctx", CTX_READ | BF_CTX_PTR, check_ctx, ctx_emit),
	BUILTIN_VAR("args", BF_POINT | BF_PER_FUNC | CTX_READ, check_args, args_emit),
	BUILTIN_VAR("retval", BF_POINT | CTX_READ, check_retval, retval_emit),
	BUILTIN_VAR("arg", BF_NUMBERED | BF_POINT | CTX_READ, check_argn, argn_emit),
	BUILTIN_VAR("sarg", BF_NUMBERED | BF_CTX, check_sargn, sargn_emit),
	BUILTIN_VAR("func", BF_POINT | BF_CTX, check_func, func_emit),
	BUILTIN_FUNC("reg", 1, 1, BF_CTX, check_reg, reg_emit),
	BUILTIN_FUNC("uptr", 1, 1, 0, check_uptr, value_emit),
	BUILTIN_FUNC("kptr", 1, 1, 0, check_kptr, value_emit),
};

static const struct builtin_fmt fmts[] = {
	{ SUB_FUNC, TY_INT, func_print },
};

const struct builtin_family builtin_family_probe = { "probe context", rows,
						      BUILTIN_NROWS(rows), fmts,
						      BUILTIN_NROWS(fmts) };
