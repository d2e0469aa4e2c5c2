/*
 * stdlib/builtin_unsafe.c — the functions that change what the traced code sees, both
 * --unsafe: write_user(dst, src, len) (bpf_probe_write_user: len bytes of the program's
 * own memory, a string or `&$var`, into the current task's memory at dst; true on
 * success) and override(rc) (bpf_override_return: a kprobe'd function is not run and
 * returns rc; the kernel must be built with CONFIG_BPF_KPROBE_OVERRIDE and the function
 * marked ALLOW_ERROR_INJECTION).
 *
 * Owns: their argument rules (the source must be program memory of at least len bytes,
 * len a constant, override only in kprobes) and their code.
 * Must not: decide whether the kernel has the helpers: a kernel without them refuses the
 * program at load, and the loader (runtime/loader.c) says which helper and why.
 */
#include <linux/bpf.h>
#include <string.h>

#include "../sema/ctypes.h"
#include "builtin_family.h"

/* ---- sema ----------------------------------------------------------------------------- */

/* The source's bytes in the program's memory: a string value, `&$var` (its slot) or the
 * address of a value of the language's own type. 0 when src is none of those. */
static uint32_t src_size(const struct node *src)
{
	const struct type *t = &src->type;
	if (t->kind == TY_STR)
		return t->size;
	if (t->kind == TY_INT && t->sub == SUB_VALPTR && t->nelems == 1)
		return type_storage_size(&t->elems[0]);
	if (t->kind == TY_INT && src->kind == AST_UNOP && src->op == OP_ADDROF &&
	    src->a->kind == AST_VAR && t->ct) /* &$v: its type's ct is what it points to */
		return t->ct->size;
	return 0;
}

static void check_write_user(struct sema *s, struct node *n)
{
	struct node *dst = n->list, *src = dst->next, *len = src->next;
	bool ok = builtin_unsafe_ok(s, n);
	char tb[256];
	sema_expr(s, dst);
	sema_expr(s, src);
	sema_expr(s, len);
	if (dst->type.kind == TY_NONE || src->type.kind == TY_NONE || len->type.kind == TY_NONE)
		return;
	if (dst->type.kind != TY_INT) {
		diag_error(s->d, dst->loc, "write_user() expects a user-space address as its "
					   "destination (%s provided)",
			   type_name(&dst->type, tb, sizeof(tb)));
		return;
	}
	uint32_t have = src_size(src);
	if (!have) {
		diag_error(s->d, src->loc, "write_user() copies from the program's own memory: the "
					   "source must be a string or the address of a variable "
					   "(&$var), not '%s'",
			   type_name(&src->type, tb, sizeof(tb)));
		return;
	}
	int64_t want;
	if (len->kind != AST_INT || !sema_int_literal(len, &want)) {
		diag_error(s->d, len->loc, "write_user() expects the length as an integer literal");
		return;
	}
	if (want < 1 || (uint64_t)want > have) {
		diag_error(s->d, len->loc, "write_user() length %lld is outside the source's %u "
					   "bytes",
			   (long long)want, have);
		return;
	}
	if (ok)
		n->type = type_bool();
}

/* override(rc): bpftrace 0.17's rules and words; a kprobe only (not kretprobe, not fentry) */
static void check_override(struct sema *s, struct node *n)
{
	struct node *rc = n->list;
	bool ok = builtin_unsafe_ok(s, n);
	for (int i = 0; i < s->r->npoints; i++) {
		const struct probe_point *pt = &s->r->points[i];
		const struct provider *pv = provider_of(pt);
		if (pt->probe == s->probe && pv && strcmp(pv->name, "kprobe") != 0) {
			diag_error(s->d, n->loc, "override can only be used with kprobes.");
			ok = false;
			break;
		}
	}
	sema_expr(s, rc);
	if (rc->type.kind == TY_NONE)
		return;
	if (rc->type.kind != TY_INT) {
		diag_error(s->d, rc->loc, "override() only supports integer arguments (%s provided)",
			   sema_kind_word(&rc->type));
		return;
	}
	if (ok)
		n->type = type_void();
}

/* ---- codegen -------------------------------------------------------------------------- */

/* The source's address: a string's buffer, or the slot `&$var` evaluates to */
static LLVMValueRef src_ptr(struct cg *c, struct node *src)
{
	LLVMValueRef v = cg_expr(c, src);
	if (LLVMGetTypeKind(LLVMTypeOf(v)) == LLVMPointerTypeKind)
		return v;
	return LLVMBuildIntToPtr(c->b, v, c->ptr, "src");
}

/* long bpf_probe_write_user(void *dst, const void *src, u32 len): 0 on success */
static LLVMValueRef write_user_emit(struct cg *c, struct node *n)
{
	struct node *dst = n->list, *src = dst->next, *len = src->next;
	LLVMValueRef d = LLVMBuildIntToPtr(c->b, cg_expr(c, dst), c->ptr, "dst");
	LLVMValueRef a[3] = { d, src_ptr(c, src), bpfb_i64(c, (uint64_t)len->ival) };
	LLVMValueRef r = bpfb_helper(c, BPF_FUNC_probe_write_user, c->i64, a, 3, "wu");
	cg_helper_check(c, r, BPF_FUNC_probe_write_user, n, -1);
	LLVMValueRef done = LLVMBuildICmp(c->b, LLVMIntEQ, r, bpfb_i64(c, 0), "written");
	return LLVMBuildZExt(c->b, done, c->i64, "");
}

/* long bpf_override_return(struct pt_regs *regs, u64 rc): always 0 */
static LLVMValueRef override_emit(struct cg *c, struct node *n)
{
	LLVMValueRef rc = cg_expr(c, n->list);
	LLVMValueRef a[2] = { c->fn.ctx, rc };
	bpfb_helper(c, BPF_FUNC_override_return, c->i64, a, 2, "");
	return bpfb_i64(c, 0);
}

static const struct builtin rows[] = {
	BUILTIN_FUNC("write_user", 3, 3, BF_NO_FOR, check_write_user, write_user_emit),
	BUILTIN_FUNC("override", 1, 1, BF_CTX | BF_NO_FOR, check_override, override_emit),
};

const struct builtin_family builtin_family_unsafe = { "unsafe writes", rows,
						       BUILTIN_NROWS(rows), NULL, 0 };
