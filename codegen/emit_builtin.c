/*
 * codegen/emit_builtin.c — the value of a builtin variable or call: one lookup of its row
 * (sema/builtin.h, the rows sema was given) and its emit hook.
 *
 * Owns: what happens when a row has no value to give (an aggregation outside a map
 * assignment, a variable this probe cannot read): one error naming the probe, and a
 * harmless value so emitting can go on.
 * Must not: know any builtin by name: the code of each is its family's
 * (stdlib/builtin_*.c).
 */
#include "codegen_internal.h"

const struct builtin *cg_row(const struct cg *c, const struct node *n)
{
	if ((n->kind != AST_IDENT && n->kind != AST_CALL) || n->sym < 0)
		return NULL;
	return builtin_at(c->sr->builtins, n->sym);
}

uint32_t cg_row_flags(const struct cg *c, const struct node *n)
{
	const struct builtin *b = cg_row(c, n);
	return b ? b->flags : 0;
}

LLVMValueRef cg_builtin(struct cg *c, struct node *n)
{
	const struct builtin *b = cg_row(c, n);
	LLVMValueRef v = b && b->emit ? b->emit(c, n) : NULL;
	if (v)
		return v;
	cg_error(c, "builtin '%s' is not available in this probe", n->str ? n->str : "?");
	return n->type.kind == TY_STR || n->type.kind == TY_TUPLE
		       ? bpfb_buf(c, type_storage_size(&n->type), "bad")
		       : bpfb_i64(c, 0);
}

LLVMValueRef cg_call(struct cg *c, struct node *n)
{
	const struct builtin *b = cg_row(c, n);
	LLVMValueRef v = b && b->emit ? b->emit(c, n) : NULL;
	if (v)
		return v;
	cg_error(c, "%s() can only be used as the value assigned to a map", n->str ? n->str : "?");
	return bpfb_i64(c, 0);
}
