/*
 * codegen/emit_stmt.c — statements and control flow: assignments, if/else, while loops,
 * unroll, return, break and continue.
 *
 * Owns: the block structure of a probe body. Every terminator (return/break/continue/exit)
 * leaves the builder in a fresh unreachable block, so later statements always have a
 * valid insertion point and LLVM drops the dead code.
 * Must not: compute expression values itself (emit_expr.c) or touch maps directly.
 */
#include <llvm-c/DebugInfo.h>

#include "codegen_internal.h"

void cg_block(struct cg *c, struct node *block)
{
	if (!block)
		return;
	if (block->kind != AST_BLOCK) {
		cg_stmt(c, block);
		return;
	}
	for (struct node *s = block->list; s; s = s->next)
		cg_stmt(c, s);
}

static void assign_var(struct cg *c, struct node *as)
{
	struct node *v = as->a;
	LLVMValueRef slot = cg_var_slot(c, v);
	const struct type *t = v->sym >= 0 && v->sym < c->sr->nvars ? &c->sr->vars[v->sym].type
								      : &v->type;
	if (as->op != OP_NONE) {
		if (t->kind != TY_INT) {
			cg_error(c, "compound assignment needs an integer variable, %s is not",
				 v->str ? v->str : "?");
			return;
		}
		LLVMValueRef old = bpfb_load(c, c->i64, slot, 8), rhs = cg_expr(c, as->b);
		if (as->op == OP_ADD || as->op == OP_SUB) /* $p += n moves by n elements */
			rhs = cg_ptr_scale(c, t, rhs);
		bpfb_store(c, cg_arith(c, as->op, old, rhs, t, t->is_signed), slot, 8);
		return;
	}
	if (t->kind == TY_INT)
		bpfb_store(c, cg_norm(c, cg_expr(c, as->b), t), slot, 8);
	else if (t->kind == TY_RECORD) /* the variable keeps the record's address */
		bpfb_store(c, cg_record_addr(c, as->b), slot, 8);
	else
		cg_store(c, as->b, slot, t);
}

static void if_stmt(struct cg *c, struct node *s)
{
	LLVMValueRef cond = cg_cond(c, s->a);
	LLVMBasicBlockRef then = bpfb_block(c, "then"), end = bpfb_block(c, "endif");
	LLVMBasicBlockRef els = s->c ? bpfb_block(c, "else") : end;
	LLVMBuildCondBr(c->b, cond, then, els);
	LLVMPositionBuilderAtEnd(c->b, then);
	cg_block(c, s->b);
	LLVMBuildBr(c->b, end);
	if (s->c) {
		LLVMPositionBuilderAtEnd(c->b, els);
		cg_block(c, s->c);
		LLVMBuildBr(c->b, end);
	}
	LLVMPositionBuilderAtEnd(c->b, end);
}

static bool push_loop(struct cg *c, LLVMBasicBlockRef brk, LLVMBasicBlockRef cont)
{
	struct cg_fn *f = &c->fn;
	if (f->nloops >= CG_MAX_LOOPS) {
		cg_error(c, "loops are nested more than %d deep", CG_MAX_LOOPS);
		return false;
	}
	f->loops[f->nloops++] = (struct cg_loop){ brk, cont };
	return true;
}

/* A while loop stays a loop, as bpftrace keeps it: every back edge (the body's end and
 * each continue) carries llvm.loop metadata with llvm.loop.unroll.disable. Unrolled or
 * peeled, `while ($i < 6) { $i++; if ($i == tid) { continue; } ... }` became a loop whose
 * counter jumps to tid + 1 on one path; the verifier then saw a fresh range per iteration
 * and gave up ("infinite loop detected", "The sequence of 8193 jumps is too complex").
 * LLVM takes a loop's ID from its latches' terminators, which must all agree, and each
 * loop needs its own distinct, self-referential ID node. */
static void no_unroll(struct cg *c, LLVMBasicBlockRef cond, LLVMValueRef entry)
{
	LLVMMetadataRef dis = LLVMMDStringInContext2(c->ctx, "llvm.loop.unroll.disable", 24);
	LLVMMetadataRef dnode = LLVMMDNodeInContext2(c->ctx, &dis, 1);
	LLVMMetadataRef tmp = LLVMTemporaryMDNode(c->ctx, NULL, 0);
	LLVMMetadataRef ops[2] = { tmp, dnode };
	LLVMMetadataRef id = LLVMMDNodeInContext2(c->ctx, ops, 2);
	LLVMMetadataReplaceAllUsesWith(tmp, id); /* the self-reference makes it distinct */
	LLVMValueRef idv = LLVMMetadataAsValue(c->ctx, id);
	unsigned kind = LLVMGetMDKindIDInContext(c->ctx, "llvm.loop", 9);
	for (LLVMUseRef u = LLVMGetFirstUse(LLVMBasicBlockAsValue(cond)); u; u = LLVMGetNextUse(u)) {
		LLVMValueRef br = LLVMGetUser(u);
		if (br != entry && LLVMIsATerminatorInst(br))
			LLVMSetMetadata(br, kind, idv);
	}
}

static void while_stmt(struct cg *c, struct node *s)
{
	LLVMBasicBlockRef cond = bpfb_block(c, "while_cond"), body = bpfb_block(c, "while_body");
	LLVMBasicBlockRef end = bpfb_block(c, "while_end");
	LLVMValueRef entry = LLVMBuildBr(c->b, cond);
	LLVMPositionBuilderAtEnd(c->b, cond);
	LLVMBuildCondBr(c->b, cg_cond(c, s->a), body, end);
	LLVMPositionBuilderAtEnd(c->b, body);
	if (push_loop(c, end, cond)) {
		cg_block(c, s->b);
		c->fn.nloops--;
	}
	LLVMBuildBr(c->b, cond);
	LLVMPositionBuilderAtEnd(c->b, end);
	no_unroll(c, cond, entry);
}

static void unroll_stmt(struct cg *c, struct node *s)
{
	int64_t n = s->a && s->a->kind == AST_INT ? s->a->ival : -1;
	if (n < 0 || n > 100) {
		cg_error(c, "unroll count must be an integer between 0 and 100");
		return;
	}
	LLVMBasicBlockRef end = bpfb_block(c, "unroll_end");
	for (int64_t i = 0; i < n; i++) {
		LLVMBasicBlockRef next = i + 1 < n ? bpfb_block(c, "unroll_next") : end;
		if (push_loop(c, end, next)) {
			cg_block(c, s->b);
			c->fn.nloops--;
		}
		LLVMBuildBr(c->b, next);
		LLVMPositionBuilderAtEnd(c->b, next);
	}
	if (!n) {
		LLVMBuildBr(c->b, end);
		LLVMPositionBuilderAtEnd(c->b, end);
	}
}

void cg_stmt(struct cg *c, struct node *s)
{
	struct cg_fn *f = &c->fn;
	/* Limits hit while emitting (stack, scratch) are reported at the statement that
	 * needed the space; nested statements overwrite it, so it is the innermost. */
	f->stmt = s;
	switch (s->kind) {
	case AST_EXPR_STMT:
		if (!(s->flags & NODE_F_DECL)) /* `let $x;` emits nothing */
			cg_expr(c, s->a);
		return;
	case AST_ASSIGN:
		if (s->a->kind == AST_MAP)
			cg_map_assign(c, s);
		else if (s->a->kind == AST_VAR)
			assign_var(c, s);
		else
			cg_error(c, "cannot assign to %s", ast_kind_name(s->a->kind));
		return;
	case AST_IF:
		if_stmt(c, s);
		return;
	case AST_WHILE:
		while_stmt(c, s);
		return;
	case AST_UNROLL:
		unroll_stmt(c, s);
		return;
	case AST_FOR:
		if (s->b && s->b->kind == AST_RANGE && cg_is_callback_loop(c, s))
			cg_range_loop(c, s); /* bpf_loop (emit_loops.c) */
		else if (s->b && s->b->kind == AST_RANGE)
			cg_range_for(c, s); /* inline: the body reads the probe's context */
		else
			cg_for(c, s);
		return;
	case AST_BLOCK:
		cg_block(c, s);
		return;
	case AST_RETURN:
		if (s->a)
			bpfb_ret(c, cg_expr(c, s->a));
		else
			bpfb_ret0(c);
		return;
	case AST_BREAK:
	case AST_CONTINUE:
		if (!f->nloops) {
			cg_error(c, "%s outside a loop", s->kind == AST_BREAK ? "break" : "continue");
			return;
		}
		bpfb_br_dead(c, s->kind == AST_BREAK ? f->loops[f->nloops - 1].brk
						     : f->loops[f->nloops - 1].cont);
		return;
	default:
		/* a bare expression used as a statement */
		cg_expr(c, s);
		return;
	}
}
