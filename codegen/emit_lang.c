/*
 * codegen/emit_lang.c — code for current bpftrace's expression forms: `a ?: b`, record
 * fields, block expressions `{ s; v }`, and range loops `for ($i : a..b) { }`.
 *
 * Owns: evaluating ?:'s left side once, a range loop's shape (both ends evaluated once into
 * stack slots the verifier can track, a hidden counter copied into $i at the top of each
 * iteration, `continue` going to the increment).
 * Must not: decide types (sema/check_lang.c) or lay out records (emit_value.c stores them
 * like tuples, by field name).
 */
#include <linux/bpf.h>

#include "codegen_internal.h"

LLVMValueRef cg_elvis(struct cg *c, struct node *n)
{
	LLVMValueRef a = cg_norm(c, cg_expr(c, n->a), &n->type);
	LLVMBasicBlockRef from = LLVMGetInsertBlock(c->b);
	LLVMBasicBlockRef other = bpfb_block(c, "elvis_f"), end = bpfb_block(c, "elvis_end");
	LLVMBuildCondBr(c->b, bpfb_to_bool(c, a), end, other);
	LLVMPositionBuilderAtEnd(c->b, other);
	LLVMValueRef b = cg_norm(c, cg_expr(c, n->c), &n->type);
	LLVMBasicBlockRef bblk = LLVMGetInsertBlock(c->b);
	LLVMBuildBr(c->b, end);
	LLVMPositionBuilderAtEnd(c->b, end);
	LLVMValueRef phi = LLVMBuildPhi(c->b, c->i64, "elvis");
	LLVMValueRef vals[2] = { a, b };
	LLVMBasicBlockRef blks[2] = { from, bblk };
	LLVMAddIncoming(phi, vals, blks, 2);
	return phi;
}

/* $r.name: sema put the field's offset in n->off */
LLVMValueRef cg_record_field(struct cg *c, struct node *n)
{
	return cg_tuple_elem(c, cg_expr(c, n->a), &n->type, n->off);
}

LLVMValueRef cg_block_expr(struct cg *c, struct node *n)
{
	for (struct node *s = n->list; s; s = s->next)
		cg_stmt(c, s);
	if (!n->a)
		return bpfb_i64(c, 0);
	return cg_expr(c, n->a);
}

void cg_range_for(struct cg *c, struct node *n)
{
	struct cg_fn *f = &c->fn;
	struct node *r = n->b;
	/* counter and end on the stack (not the scratch map): the verifier must see the
	 * bound to accept the loop */
	LLVMValueRef ctr = bpfb_stack(c, 8, "range_i"), endv = bpfb_stack(c, 8, "range_end");
	bpfb_store(c, cg_expr(c, r->a), ctr, 8);
	bpfb_store(c, cg_expr(c, r->b), endv, 8);
	LLVMBasicBlockRef cond = bpfb_block(c, "range_cond"), body = bpfb_block(c, "range_body");
	LLVMBasicBlockRef step = bpfb_block(c, "range_step"), end = bpfb_block(c, "range_end");
	LLVMBuildBr(c->b, cond);
	LLVMPositionBuilderAtEnd(c->b, cond);
	LLVMValueRef i = bpfb_load(c, c->i64, ctr, 8);
	LLVMValueRef more = LLVMBuildICmp(c->b, LLVMIntSLT, i, bpfb_load(c, c->i64, endv, 8), "");
	LLVMBuildCondBr(c->b, more, body, end);
	LLVMPositionBuilderAtEnd(c->b, body);
	bpfb_store(c, i, cg_var_slot(c, n->a), 8);
	if (f->nloops >= CG_MAX_LOOPS) {
		cg_error(c, "loops are nested more than %d deep", CG_MAX_LOOPS);
	} else {
		f->loops[f->nloops++] = (struct cg_loop){ end, step };
		cg_block(c, n->c);
		f->nloops--;
	}
	LLVMBuildBr(c->b, step);
	LLVMPositionBuilderAtEnd(c->b, step);
	LLVMValueRef cur = bpfb_load(c, c->i64, ctr, 8);
	bpfb_store(c, LLVMBuildAdd(c->b, cur, bpfb_i64(c, 1), ""), ctr, 8);
	LLVMBuildBr(c->b, cond);
	LLVMPositionBuilderAtEnd(c->b, end);
}

/* &$x: the variable's slot; &@m[k]: the map value's address (0 when k is not there) */
LLVMValueRef cg_addrof_slot(struct cg *c, struct node *n)
{
	struct node *x = n->a;
	LLVMValueRef p = x->kind == AST_VAR ? cg_var_slot(c, x) : cg_map_lookup(c, x);
	return LLVMBuildPtrToInt(c->b, p, c->i64, "addr");
}

/* *p of p = &$t (a tuple, record, bool...): the value's bytes copied back with a probe
 * read, which a NULL from &@m[k] of a missing key survives (the copy is then zeros), and
 * read as the value: its buffer, or the 8-byte integer at its start. */
LLVMValueRef cg_valptr_deref(struct cg *c, struct node *n)
{
	const struct type *t = &n->type;
	uint32_t size = type_storage_size(t);
	LLVMValueRef addr = cg_expr(c, n->a);
	LLVMValueRef buf = bpfb_buf(c, size, "deref");
	LLVMValueRef args[3] = { buf, bpfb_i64(c, size), addr };
	LLVMValueRef rc = bpfb_helper(c, BPF_FUNC_probe_read_kernel, c->i64, args, 3, "");
	LLVMBasicBlockRef bad = bpfb_block(c, "deref_bad"), done = bpfb_block(c, "deref_done");
	LLVMBuildCondBr(c->b, LLVMBuildICmp(c->b, LLVMIntNE, rc, bpfb_i64(c, 0), ""), bad, done);
	LLVMPositionBuilderAtEnd(c->b, bad);
	bpfb_memset0(c, buf, abi_align(size)); /* the helper leaves it unspecified */
	LLVMBuildBr(c->b, done);
	LLVMPositionBuilderAtEnd(c->b, done);
	if (t->kind == TY_STR || t->kind == TY_TUPLE)
		return buf;
	return bpfb_load(c, c->i64, buf, 8);
}
