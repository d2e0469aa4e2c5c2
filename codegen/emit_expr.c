/*
 * codegen/emit_expr.c — expressions: integer arithmetic with bpftrace's 64-bit semantics,
 * comparisons, short-circuit logic, ternaries, casts, ++/--, variables and reads through
 * pointers.
 *
 * Owns: the integer rules (compute in 64 bits after extension, normalise to the node's
 * type, division/modulo by zero yields 0 and signed division is done on magnitudes because
 * BPF v3 has no sdiv/smod).
 * Must not: lay out strings/tuples (emit_value.c), touch maps (emit_maps.c) or events.
 */
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>

#include "codegen_internal.h"

LLVMValueRef cg_norm(struct cg *c, LLVMValueRef v, const struct type *t)
{
	if (t->kind != TY_INT || t->size >= 8 || !t->size)
		return v;
	LLVMTypeRef nt = LLVMIntTypeInContext(c->ctx, t->size * 8);
	LLVMValueRef tr = LLVMBuildTrunc(c->b, v, nt, "");
	return t->is_signed ? LLVMBuildSExt(c->b, tr, c->i64, "") : LLVMBuildZExt(c->b, tr, c->i64, "");
}

static bool is_buf_type(const struct type *t)
{
	return t->kind == TY_STR || t->kind == TY_TUPLE;
}

LLVMValueRef cg_var_slot(struct cg *c, struct node *var)
{
	struct cg_fn *f = &c->fn;
	int id = var->sym;
	if (id < 0 || id >= c->sr->nvars) {
		cg_error(c, "internal error: unresolved variable %s", var->str ? var->str : "?");
		id = -1;
	}
	if (id >= 0 && f->vars[id])
		return f->vars[id];
	const struct type *t = id >= 0 ? &c->sr->vars[id].type : &var->type;
	uint32_t size = type_var_size(t);
	LLVMValueRef slot = bpfb_buf(c, size, "var");
	/* Zero at function start so a read before any assignment is defined (and the
	 * verifier never sees uninitialised stack). */
	LLVMBasicBlockRef cur = LLVMGetInsertBlock(c->b);
	LLVMPositionBuilderAtEnd(c->b, f->prologue);
	bpfb_memset0(c, slot, abi_align(size));
	LLVMPositionBuilderAtEnd(c->b, cur);
	if (id >= 0)
		f->vars[id] = slot;
	return slot;
}

/* Integer variables read by a while condition get their stack slot before any other
 * temporary can fill the stack: a slot that ends up in the scratch map (bpfb_buf's
 * fallback) is a map value, whose contents the verifier does not track, so a counter kept
 * there makes every bounded loop "infinite". Variables cg_loop_vars already placed (shared
 * with a for-loop body) keep their place. */
static int while_cond_var(struct node *n, void *arg)
{
	struct cg *c = arg;
	struct cg_fn *f = &c->fn;
	if (n->kind != AST_VAR || n->sym < 0 || n->sym >= c->sr->nvars || f->vars[n->sym])
		return 0;
	const struct type *t = &c->sr->vars[n->sym].type;
	if (t->kind != TY_INT || f->stack_used + 8 > CG_STACK_BUDGET)
		return 0;
	LLVMValueRef slot = bpfb_stack(c, 8, "var");
	if (f->while_reserve >= 8)
		f->while_reserve -= 8; /* kept for it by cg_loop_vars (the rest stays kept) */
	LLVMBasicBlockRef cur = LLVMGetInsertBlock(c->b);
	LLVMPositionBuilderAtEnd(c->b, f->prologue);
	bpfb_memset0(c, slot, 8);
	LLVMPositionBuilderAtEnd(c->b, cur);
	f->vars[n->sym] = slot;
	return 0;
}

/* Every while condition of n, not looking into for-loop bodies (their callbacks place
 * their own variables: cg_loop_body_while_vars). */
static void while_conds(struct cg *c, struct node *n)
{
	for (; n; n = NULL) {
		if (cg_is_callback_loop(c, n)) /* an inline range loop's body is this function's */
			return;
		if (n->kind == AST_WHILE)
			ast_walk(n->a, while_cond_var, NULL, c);
		while_conds(c, n->a);
		while_conds(c, n->b);
		while_conds(c, n->c);
		for (struct node *l = n->list; l; l = l->next)
			while_conds(c, l);
	}
}

void cg_while_vars(struct cg *c, struct node *body)
{
	while_conds(c, body);
}

static LLVMValueRef to_i64(struct cg *c, LLVMValueRef b1)
{
	return LLVMBuildZExt(c->b, b1, c->i64, "");
}

/* Unsigned a / b or a % b with b == 0 giving 0: the divisor LLVM sees is never 0. */
static LLVMValueRef udivrem(struct cg *c, LLVMValueRef a, LLVMValueRef b, bool rem)
{
	if (LLVMIsAConstantInt(b) && LLVMConstIntGetZExtValue(b) != 0)
		return rem ? LLVMBuildURem(c->b, a, b, "") : LLVMBuildUDiv(c->b, a, b, "");
	LLVMValueRef zero = bpfb_i64(c, 0);
	LLVMValueRef isz = LLVMBuildICmp(c->b, LLVMIntEQ, b, zero, "");
	LLVMValueRef safe = LLVMBuildSelect(c->b, isz, bpfb_i64(c, 1), b, "");
	LLVMValueRef q = rem ? LLVMBuildURem(c->b, a, safe, "") : LLVMBuildUDiv(c->b, a, safe, "");
	return LLVMBuildSelect(c->b, isz, zero, q, "");
}

static LLVMValueRef absval(struct cg *c, LLVMValueRef v, LLVMValueRef *neg)
{
	*neg = LLVMBuildICmp(c->b, LLVMIntSLT, v, bpfb_i64(c, 0), "");
	return LLVMBuildSelect(c->b, *neg, LLVMBuildNeg(c->b, v, ""), v, "");
}

/* Signed division truncates toward zero; the remainder takes the dividend's sign. */
static LLVMValueRef sdivrem(struct cg *c, LLVMValueRef a, LLVMValueRef b, bool rem)
{
	LLVMValueRef na, nb;
	LLVMValueRef ua = absval(c, a, &na), ub = absval(c, b, &nb);
	LLVMValueRef r = udivrem(c, ua, ub, rem);
	LLVMValueRef neg = rem ? na : LLVMBuildXor(c->b, na, nb, "");
	return LLVMBuildSelect(c->b, neg, LLVMBuildNeg(c->b, r, ""), r, "");
}

static bool is_cmp(enum ast_op op)
{
	return op >= OP_LT && op <= OP_NE;
}

/* struct == struct, array != array: both copied into BPF memory, compared 8 bytes at a
 * time (the copies are zero-padded to a multiple of 8, so padding compares equal). */
static LLVMValueRef record_cmp(struct cg *c, struct node *n)
{
	const struct type *ta = &n->a->type, *tb = &n->b->type;
	uint32_t size = type_storage_size(ta);
	LLVMValueRef pa = bpfb_buf(c, size, "reca"), pb = bpfb_buf(c, size, "recb");
	cg_record_store(c, cg_expr(c, n->a), ta, pa, ta);
	cg_record_store(c, cg_expr(c, n->b), tb, pb, ta);
	LLVMValueRef diff = bpfb_i64(c, 0);
	for (uint32_t off = 0; off < size; off += 8) {
		LLVMValueRef x = bpfb_load(c, c->i64, bpfb_gep(c, pa, off), 8);
		LLVMValueRef y = bpfb_load(c, c->i64, bpfb_gep(c, pb, off), 8);
		diff = LLVMBuildOr(c->b, diff, LLVMBuildXor(c->b, x, y, ""), "");
	}
	return LLVMBuildICmp(c->b, n->op == OP_EQ ? LLVMIntEQ : LLVMIntNE, diff, bpfb_i64(c, 0), "");
}

static LLVMValueRef cmp_i1(struct cg *c, struct node *n)
{
	if (n->a->type.kind == TY_STR || n->b->type.kind == TY_STR) {
		if (n->op != OP_EQ && n->op != OP_NE) {
			cg_error(c, "strings can only be compared with == and !=");
			return LLVMConstInt(c->i1, 0, 0);
		}
		return bpfb_to_bool(c, cg_str_cmp(c, n->a, n->b, n->op == OP_NE));
	}
	if (n->a->type.kind == TY_RECORD && n->b->type.kind == TY_RECORD)
		return record_cmp(c, n);
	LLVMValueRef a = cg_expr(c, n->a), b = cg_expr(c, n->b);
	/* C's usual arithmetic conversions on values already widened to 64 bits: an unsigned
	 * 64-bit operand makes the comparison unsigned (`$u64 > -1` is 0); a narrower
	 * unsigned value fits in int64, so anything else compares signed (`-5 < (uint32)7`
	 * is 1) */
	bool s = !((!n->a->type.is_signed && n->a->type.size >= 8) ||
		   (!n->b->type.is_signed && n->b->type.size >= 8));
	LLVMIntPredicate p;
	switch (n->op) {
	case OP_LT: p = s ? LLVMIntSLT : LLVMIntULT; break;
	case OP_LE: p = s ? LLVMIntSLE : LLVMIntULE; break;
	case OP_GT: p = s ? LLVMIntSGT : LLVMIntUGT; break;
	case OP_GE: p = s ? LLVMIntSGE : LLVMIntUGE; break;
	case OP_EQ: p = LLVMIntEQ; break;
	default: p = LLVMIntNE; break;
	}
	return LLVMBuildICmp(c->b, p, a, b, "");
}

/* a && b, a || b: b is evaluated only when needed. */
static LLVMValueRef logic_i1(struct cg *c, struct node *n)
{
	bool is_and = n->op == OP_LAND;
	LLVMValueRef l = cg_cond(c, n->a);
	LLVMBasicBlockRef lblk = LLVMGetInsertBlock(c->b);
	LLVMBasicBlockRef rhs = bpfb_block(c, is_and ? "and_rhs" : "or_rhs");
	LLVMBasicBlockRef end = bpfb_block(c, is_and ? "and_end" : "or_end");
	if (is_and)
		LLVMBuildCondBr(c->b, l, rhs, end);
	else
		LLVMBuildCondBr(c->b, l, end, rhs);
	LLVMPositionBuilderAtEnd(c->b, rhs);
	LLVMValueRef r = cg_cond(c, n->b);
	LLVMBasicBlockRef rblk = LLVMGetInsertBlock(c->b);
	LLVMBuildBr(c->b, end);
	LLVMPositionBuilderAtEnd(c->b, end);
	LLVMValueRef phi = LLVMBuildPhi(c->b, c->i1, "");
	LLVMValueRef vals[2] = { LLVMConstInt(c->i1, is_and ? 0 : 1, 0), r };
	LLVMBasicBlockRef blks[2] = { lblk, rblk };
	LLVMAddIncoming(phi, vals, blks, 2);
	return phi;
}

LLVMValueRef cg_cond(struct cg *c, struct node *n)
{
	if (n->kind == AST_BINOP && is_cmp(n->op))
		return cmp_i1(c, n);
	if (n->kind == AST_BINOP && (n->op == OP_LAND || n->op == OP_LOR))
		return logic_i1(c, n);
	if (n->kind == AST_UNOP && n->op == OP_LNOT)
		return LLVMBuildNot(c->b, cg_cond(c, n->a), "");
	if (is_buf_type(&n->type)) {
		cg_error(c, "a %s cannot be used as a condition",
			 n->type.kind == TY_STR ? "string" : "tuple");
		return LLVMConstInt(c->i1, 0, 0);
	}
	return bpfb_to_bool(c, cg_expr(c, n));
}

LLVMValueRef cg_arith(struct cg *c, enum ast_op op, LLVMValueRef a, LLVMValueRef b,
		      const struct type *t, bool lhs_signed)
{
	LLVMValueRef v;
	bool s = t->is_signed;
	switch (op) {
	case OP_ADD: v = LLVMBuildAdd(c->b, a, b, ""); break;
	case OP_SUB: v = LLVMBuildSub(c->b, a, b, ""); break;
	case OP_MUL: v = LLVMBuildMul(c->b, a, b, ""); break;
	case OP_DIV: v = s ? sdivrem(c, a, b, false) : udivrem(c, a, b, false); break;
	case OP_MOD: v = s ? sdivrem(c, a, b, true) : udivrem(c, a, b, true); break;
	case OP_BAND: v = LLVMBuildAnd(c->b, a, b, ""); break;
	case OP_BOR: v = LLVMBuildOr(c->b, a, b, ""); break;
	case OP_BXOR: v = LLVMBuildXor(c->b, a, b, ""); break;
	case OP_SHL:
	case OP_SHR: {
		/* shifting by >= 64 is poison in LLVM; keep the amount in range */
		LLVMValueRef amt = LLVMBuildAnd(c->b, b, bpfb_i64(c, 63), "");
		if (op == OP_SHL)
			v = LLVMBuildShl(c->b, a, amt, "");
		else if (lhs_signed)
			v = LLVMBuildAShr(c->b, a, amt, "");
		else
			v = LLVMBuildLShr(c->b, a, amt, "");
		break;
	}
	default:
		cg_error(c, "internal error: unexpected binary operator %s", ast_op_str(op));
		return bpfb_i64(c, 0);
	}
	return cg_norm(c, v, t);
}

static LLVMValueRef binop(struct cg *c, struct node *n)
{
	if (is_cmp(n->op))
		return to_i64(c, cmp_i1(c, n));
	if (n->op == OP_LAND || n->op == OP_LOR)
		return to_i64(c, logic_i1(c, n));
	if (cg_is_ptr_arith(n)) /* p + 1 moves by sizeof(*p) */
		return cg_ptr_arith(c, n);
	LLVMValueRef a = cg_expr(c, n->a), b = cg_expr(c, n->b);
	return cg_arith(c, n->op, a, b, &n->type, n->a->type.is_signed);
}

LLVMValueRef cg_zero_key(struct cg *c)
{
	struct cg_fn *f = &c->fn;
	if (f->zero_key)
		return f->zero_key;
	f->zero_key = bpfb_buf(c, 8, "zkey"); /* scratch once the stack is full */
	LLVMBasicBlockRef cur = LLVMGetInsertBlock(c->b);
	LLVMPositionBuilderAtEnd(c->b, f->prologue);
	bpfb_store(c, bpfb_i64(c, 0), f->zero_key, 8);
	LLVMPositionBuilderAtEnd(c->b, cur);
	return f->zero_key;
}

static LLVMValueRef incdec(struct cg *c, struct node *n)
{
	bool post = n->op == OP_POSTINC || n->op == OP_POSTDEC;
	int64_t delta = (n->op == OP_PREINC || n->op == OP_POSTINC) ? 1 : -1;
	struct node *t = n->a;
	if (t->kind == AST_MAP)
		return cg_map_incdec(c, t, delta, post);
	if (t->kind != AST_VAR || t->type.kind != TY_INT) {
		cg_error(c, "++/-- needs an integer variable or map");
		return bpfb_i64(c, 0);
	}
	LLVMValueRef slot = cg_var_slot(c, t);
	LLVMValueRef old = bpfb_load(c, c->i64, slot, 8);
	LLVMValueRef step = cg_ptr_scale(c, &t->type, bpfb_i64(c, (uint64_t)delta)); /* $p++ */
	LLVMValueRef nv = cg_norm(c, LLVMBuildAdd(c->b, old, step, ""), &t->type);
	bpfb_store(c, nv, slot, 8);
	return post ? old : nv;
}

static LLVMValueRef unop(struct cg *c, struct node *n)
{
	switch (n->op) {
	case OP_NEG:
		return cg_norm(c, LLVMBuildNeg(c->b, cg_expr(c, n->a), ""), &n->type);
	case OP_BNOT:
		return cg_norm(c, LLVMBuildNot(c->b, cg_expr(c, n->a), ""), &n->type);
	case OP_LNOT:
		return to_i64(c, LLVMBuildNot(c->b, cg_cond(c, n->a), ""));
	case OP_DEREF:
		if (n->a->type.kind == TY_INT && n->a->type.sub == SUB_VALPTR)
			return cg_valptr_deref(c, n);
		return cg_ctype_deref(c, n);
	case OP_ADDROF:
		return cg_ctype_addrof(c, n);
	case OP_PREINC:
	case OP_PREDEC:
	case OP_POSTINC:
	case OP_POSTDEC:
		return incdec(c, n);
	default:
		cg_error(c, "operator %s is not supported here", ast_op_str(n->op));
		return bpfb_i64(c, 0);
	}
}

static LLVMValueRef ternary(struct cg *c, struct node *n)
{
	LLVMValueRef cond = cg_cond(c, n->a);
	LLVMBasicBlockRef tb = bpfb_block(c, "tern_t"), fb = bpfb_block(c, "tern_f");
	LLVMBasicBlockRef end = bpfb_block(c, "tern_end");
	LLVMValueRef buf = NULL;
	if (is_buf_type(&n->type))
		buf = bpfb_buf(c, type_storage_size(&n->type), "tern");
	LLVMBuildCondBr(c->b, cond, tb, fb);
	LLVMValueRef vals[2];
	LLVMBasicBlockRef blks[2];
	struct node *arms[2] = { n->b, n->c };
	LLVMBasicBlockRef starts[2] = { tb, fb };
	for (int i = 0; i < 2; i++) {
		LLVMPositionBuilderAtEnd(c->b, starts[i]);
		if (buf)
			cg_store(c, arms[i], buf, &n->type);
		else if (n->type.kind == TY_VOID)
			cg_expr(c, arms[i]);
		else
			vals[i] = cg_norm(c, cg_expr(c, arms[i]), &n->type);
		blks[i] = LLVMGetInsertBlock(c->b);
		LLVMBuildBr(c->b, end);
	}
	LLVMPositionBuilderAtEnd(c->b, end);
	if (buf)
		return buf;
	if (n->type.kind == TY_VOID)
		return bpfb_i64(c, 0);
	LLVMValueRef phi = LLVMBuildPhi(c->b, c->i64, "");
	LLVMAddIncoming(phi, vals, blks, 2);
	return phi;
}

/* $t.N on a tuple value */
static LLVMValueRef tuple_field(struct cg *c, struct node *n)
{
	const struct type *tt = &n->a->type;
	char *end = NULL;
	long i = n->str ? strtol(n->str, &end, 10) : -1;
	if (!end || *end || i < 0 || i >= tt->nelems) {
		cg_error(c, "tuple has no element '%s'", n->str ? n->str : "?");
		return bpfb_i64(c, 0);
	}
	uint32_t offs[tt->nelems];
	abi_tuple_layout(tt->elems, tt->nelems, offs);
	/* a string, tuple or record element's value is its address (in the tuple, or in an
	 * aligned copy) */
	return cg_tuple_elem(c, cg_expr(c, n->a), &tt->elems[i], offs[i]);
}

static LLVMValueRef expr(struct cg *c, struct node *n)
{
	switch (n->kind) {
	case AST_INT:
		return cg_norm(c, bpfb_i64(c, (uint64_t)n->ival), &n->type);
	case AST_BOOL:
		return bpfb_i64(c, n->ival ? 1 : 0);
	case AST_NAMED: /* a record literal's field */
		return cg_expr(c, n->a);
	case AST_BLOCKEXPR:
		return cg_block_expr(c, n);
	case AST_STR:
	case AST_TUPLE:
		return cg_buf_expr(c, n);
	case AST_IDENT:
		return cg_builtin(c, n);
	case AST_VAR: {
		LLVMValueRef slot = cg_var_slot(c, n);
		if (is_buf_type(&n->type))
			return slot;
		return bpfb_load(c, c->i64, slot, 8);
	}
	case AST_MAP:
		return cg_map_read(c, n);
	case AST_CALL:
		return cg_call(c, n);
	case AST_BINOP:
		return binop(c, n);
	case AST_UNOP:
		return unop(c, n);
	case AST_TERNARY:
		return n->b ? ternary(c, n) : cg_elvis(c, n);
	case AST_CAST:
		if (n->type.kind == TY_RECORD || n->a->type.kind == TY_RECORD ||
		    (n->type.kind == TY_INT && !n->type.ct && n->a->type.kind == TY_STR))
			return cg_array_cast(c, n); /* emit_record.c */
		if (is_buf_type(&n->type) || is_buf_type(&n->a->type))
			return cg_buf_expr(c, n);
		if (n->type.kind == TY_INT && n->type.sub == SUB_BOOL && !n->type.ct &&
		    !(n->a->type.kind == TY_INT && n->a->type.sub == SUB_BOOL))
			return to_i64(c, cg_cond(c, n->a)); /* (bool)x is x != 0 */
		return cg_norm(c, cg_expr(c, n->a), &n->type);
	case AST_FIELD:
		if (n->a->type.kind == TY_CTX)
			return cg_ctx_field(c, n, NULL, NULL);
		if (n->a->type.kind == TY_TUPLE && n->a->type.names)
			return cg_record_field(c, n);
		if (n->a->type.kind == TY_TUPLE)
			return tuple_field(c, n);
		if (n->a->type.ct)
			return cg_ctype_field(c, n);
		cg_error(c, "internal error: field '%s' of an untyped value", n->str ? n->str : "?");
		return bpfb_i64(c, 0);
	case AST_INDEX:
		return cg_ctype_index(c, n);
	default:
		cg_error(c, "internal error: %s is not an expression", ast_kind_name(n->kind));
		return bpfb_i64(c, 0);
	}
}

/* Every expression: remembers itself as the innermost one being emitted, so a helper
 * failure reported by -k/-kk points at the expression that made the call. */
LLVMValueRef cg_expr(struct cg *c, struct node *n)
{
	struct node *outer = c->fn.expr;
	c->fn.expr = n;
	LLVMValueRef v = expr(c, n);
	c->fn.expr = outer;
	return v;
}
