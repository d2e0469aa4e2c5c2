/*
 * codegen/emit_value.c — strings and tuples as bytes: storing values into slots (map keys,
 * map values, event payloads, variables), conversions between string sizes and tuple
 * layouts, string literals, and string comparison; a builtin's store hook (str(), comm)
 * writes its value in place.
 *
 * Owns: the rule that a store fills every byte of its slot (NUL padding, zeroed gaps), so
 * map keys are deterministic and events never carry stale stack bytes; writing and reading
 * tuple elements at their C-struct offsets (abi_tuple_layout), each exactly its own width,
 * a string, record or tuple at an offset that is not a multiple of 8 going through an
 * aligned temporary (the verifier refuses misaligned stack accesses).
 * Must not: do integer arithmetic (emit_expr.c) or map operations (emit_maps.c).
 */
#include <linux/bpf.h>
#include <string.h>

#include "codegen_internal.h"

static uint32_t slot_size(const struct type *t)
{
	return abi_align(type_storage_size(t));
}

/* Alignment known at byte `off` of an 8-aligned buffer. */
static uint32_t off_align(uint32_t off)
{
	return off & 7 ? off & (~off + 1) : 8;
}

/* An integer element is stored in type_elem_size bytes, at an offset aligned to them. */
static bool is_scalar_elem(const struct type *t)
{
	return t->kind != TY_STR && t->kind != TY_TUPLE && t->kind != TY_RECORD;
}

/* The low `w` bytes of the i64 v at dst (aligned to w when w is 1, 2, 4 or 8). */
static void store_int(struct cg *c, LLVMValueRef v, LLVMValueRef dst, uint32_t w)
{
	if (w >= 8) {
		bpfb_store(c, v, dst, 8);
		return;
	}
	if (w == 1 || w == 2 || w == 4) {
		LLVMTypeRef it = LLVMIntTypeInContext(c->ctx, w * 8);
		bpfb_store(c, LLVMBuildTrunc(c->b, v, it, ""), dst, w);
		return;
	}
	for (uint32_t i = 0; i < w; i++) /* an odd width: byte by byte */
		bpfb_store(c, LLVMBuildTrunc(c->b, LLVMBuildLShr(c->b, v, bpfb_i64(c, 8 * i), ""),
					     c->i8, ""), bpfb_gep(c, dst, i), 1);
}

LLVMValueRef cg_elem_int(struct cg *c, LLVMValueRef p, const struct type *t)
{
	uint32_t w = type_elem_size(t);
	if (w >= 8 || !is_scalar_elem(t))
		return bpfb_load(c, c->i64, p, 8);
	LLVMValueRef v;
	if (w == 1 || w == 2 || w == 4) {
		v = bpfb_load(c, LLVMIntTypeInContext(c->ctx, w * 8), p, w);
	} else {
		v = bpfb_i64(c, 0);
		for (uint32_t i = 0; i < w; i++) {
			LLVMValueRef b = bpfb_zext64(c, bpfb_load(c, c->i8, bpfb_gep(c, p, i), 1));
			v = LLVMBuildOr(c->b, v, LLVMBuildShl(c->b, b, bpfb_i64(c, 8 * i), ""), "");
		}
		v = LLVMBuildTrunc(c->b, v, LLVMIntTypeInContext(c->ctx, w * 8), "");
	}
	return t->is_signed ? LLVMBuildSExt(c->b, v, c->i64, "") : LLVMBuildZExt(c->b, v, c->i64, "");
}

LLVMValueRef cg_tuple_elem(struct cg *c, LLVMValueRef base, const struct type *t, uint32_t off)
{
	LLVMValueRef p = bpfb_gep(c, base, off);
	if (is_scalar_elem(t))
		return cg_elem_int(c, p, t);
	if (!(off & 7))
		return p;
	/* a string, record or tuple at an odd offset: an aligned copy, so whatever reads it
	 * next may use word loads */
	uint32_t size = type_elem_size(t);
	LLVMValueRef tmp = bpfb_buf(c, size, "elem");
	bpfb_memcpy_aligned(c, tmp, p, size, off_align(off));
	bpfb_memset0_at(c, tmp, size, abi_align(size));
	return tmp;
}

/* Literal bytes (zero-padded to `size`) stored with word stores where alignment allows. */
static void store_const_bytes(struct cg *c, LLVMValueRef dst, const char *s, uint32_t len,
			      uint32_t size, uint32_t total, bool text)
{
	if (len > size)
		len = size;
	for (uint32_t off = 0; off < total;) {
		uint32_t w = 8;
		while (w > total - off || (off & (w - 1)))
			w >>= 1;
		uint64_t word = 0;
		for (uint32_t i = 0; i < w; i++)
			if (off + i < len)
				word |= (uint64_t)(uint8_t)s[off + i] << (8 * i);
		/* keep the string NUL-terminated when the literal is cut short */
		if (text && len == size && size && off <= size - 1 && size - 1 < off + w)
			word &= ~((uint64_t)0xff << (8 * (size - 1 - off)));
		LLVMTypeRef it = LLVMIntTypeInContext(c->ctx, w * 8);
		bpfb_store(c, LLVMConstInt(it, word, 0), bpfb_gep(c, dst, off), w);
		off += w;
	}
}

static void copy_n(struct cg *c, LLVMValueRef dst, const struct type *dt, LLVMValueRef src,
		   const struct type *st, uint32_t fill);

/* Element j of the tuple at dst (8-aligned) from `n` (an expression) or from the element of
 * type st at src (a buffer): exactly its type_elem_size bytes, the padding around it is
 * the caller's. A string, record or tuple at an odd offset is built in an aligned
 * temporary first. */
static void elem_store(struct cg *c, LLVMValueRef dst, uint32_t off, const struct type *dt,
		       struct node *n, LLVMValueRef src, uint32_t soff, const struct type *st)
{
	uint32_t size = type_elem_size(dt);
	LLVMValueRef d = bpfb_gep(c, dst, off);
	if (is_scalar_elem(dt)) {
		LLVMValueRef v;
		if (n)
			v = cg_expr(c, n);
		else
			v = cg_elem_int(c, bpfb_gep(c, src, soff), st);
		if (LLVMTypeOf(v) != c->i64) /* a buffer where an integer was expected */
			v = bpfb_load(c, c->i64, v, 8);
		store_int(c, v, d, size);
		return;
	}
	LLVMValueRef to = off & 7 ? bpfb_buf(c, size, "elem") : d;
	if (n)
		cg_store_n(c, n, to, dt, size);
	else
		copy_n(c, to, dt, cg_tuple_elem(c, src, st, soff), st, size);
	if (off & 7)
		bpfb_memcpy_aligned(c, d, to, size, off_align(off));
}

/* Zero the bytes of a tuple of type t at dst that no element covers, up to fill. */
static void tuple_gaps(struct cg *c, LLVMValueRef dst, const struct type *t,
		       const uint32_t *offs, uint32_t fill)
{
	uint32_t at = 0;
	for (int i = 0; i < t->nelems; i++) {
		if (offs[i] > at)
			bpfb_memset0_at(c, dst, at, offs[i]);
		at = offs[i] + type_elem_size(&t->elems[i]);
	}
	if (fill > at)
		bpfb_memset0_at(c, dst, at, fill);
}

void cg_store_tuple(struct cg *c, struct node *list, LLVMValueRef dst, const struct type *dt,
		    uint32_t fill)
{
	uint32_t offs[dt->nelems ? dt->nelems : 1];
	abi_tuple_layout(dt->elems, dt->nelems, offs);
	int i = 0;
	for (struct node *e = list; e && i < dt->nelems; e = e->next, i++) {
		/* a record's fields go where the slot's type has their names; they are still
		 * evaluated in the order written */
		int j = dt->names && e->kind == AST_NAMED ? type_field_index(dt, e->str) : i;
		if (j < 0)
			j = i;
		struct node *outer = c->fn.expr;
		c->fn.expr = e;
		elem_store(c, dst, offs[j], &dt->elems[j], e->kind == AST_NAMED ? e->a : e, NULL,
			   0, NULL);
		c->fn.expr = outer;
	}
	tuple_gaps(c, dst, dt, offs, fill);
}

static void copy_n(struct cg *c, LLVMValueRef dst, const struct type *dt, LLVMValueRef src,
		   const struct type *st, uint32_t fill)
{
	switch (dt->kind) {
	case TY_STR: {
		uint32_t ss = st->kind == TY_STR ? st->size : 0;
		uint32_t n = ss < dt->size ? ss : dt->size;
		bpfb_memcpy(c, dst, src, n);
		bpfb_memset0_at(c, dst, n, fill);
		if (ss > dt->size && dt->size)
			bpfb_store(c, LLVMConstInt(c->i8, 0, 0), bpfb_gep(c, dst, dt->size - 1), 1);
		return;
	}
	case TY_TUPLE: {
		if (type_equal(dt, st) || st->kind != TY_TUPLE || st->nelems != dt->nelems) {
			uint32_t n = dt->size < fill ? dt->size : fill;
			bpfb_memcpy(c, dst, src, n);
			bpfb_memset0_at(c, dst, n, fill);
			return;
		}
		uint32_t doffs[dt->nelems], soffs[st->nelems];
		abi_tuple_layout(dt->elems, dt->nelems, doffs);
		abi_tuple_layout(st->elems, st->nelems, soffs);
		for (int i = 0; i < dt->nelems; i++) {
			/* records: fields by name (the same record written in another order) */
			int j = dt->names && st->names ? type_field_index(st, dt->names[i]) : i;
			if (j < 0)
				j = i;
			elem_store(c, dst, doffs[i], &dt->elems[i], NULL, src, soffs[j],
				   &st->elems[j]);
		}
		tuple_gaps(c, dst, dt, doffs, fill);
		return;
	}
	case TY_RECORD:
		cg_record_store_n(c, src, st, dst, dt, fill);
		return;
	default:
		store_int(c, bpfb_load(c, c->i64, src, 8), dst, fill);
		return;
	}
}

void cg_copy(struct cg *c, LLVMValueRef dst, const struct type *dt, LLVMValueRef src,
	     const struct type *st)
{
	copy_n(c, dst, dt, src, st, slot_size(dt));
}

static void store_val_n(struct cg *c, LLVMValueRef v, const struct type *st, LLVMValueRef dst,
			const struct type *dt, uint32_t fill)
{
	if (dt->kind == TY_STR || dt->kind == TY_TUPLE) {
		copy_n(c, dst, dt, v, st, fill);
		return;
	}
	if (dt->kind == TY_RECORD) { /* struct by value: emit_record.c */
		cg_record_store_n(c, v, st, dst, dt, fill);
		return;
	}
	if (LLVMTypeOf(v) != c->i64) /* a buffer where an integer slot was expected */
		v = bpfb_load(c, c->i64, v, 8);
	store_int(c, v, dst, fill);
}

void cg_store_val(struct cg *c, LLVMValueRef v, const struct type *st, LLVMValueRef dst,
		  const struct type *dt)
{
	store_val_n(c, v, st, dst, dt, slot_size(dt));
}

/* Store n's value into dst, filling exactly `fill` bytes: a whole slot (slot_size) or a
 * tuple element (type_elem_size; an integer element then keeps only its own width). */
void cg_store_n(struct cg *c, struct node *n, LLVMValueRef dst, const struct type *dt,
		uint32_t fill)
{
	if (n->kind == AST_NAMED) { /* a record literal's field */
		cg_store_n(c, n->a, dst, dt, fill);
		return;
	}
	if (dt->kind == TY_STR) {
		if (n->kind == AST_STR) {
			store_const_bytes(c, dst, n->str, n->slen, dt->size, fill,
					  !(n->flags & NODE_F_RAWBYTES));
			return;
		}
		const struct builtin *b = cg_row(c, n);
		if (b && b->store && b->store(c, n, dst, dt, fill)) /* comm, str(): in place */
			return;
		if (n->kind == AST_FIELD && n->a->type.kind == TY_CTX && n->type.kind == TY_STR &&
		    fill >= slot_size(dt)) {
			cg_ctx_field(c, n, dst, dt);
			bpfb_memset0_at(c, dst, dt->size, fill);
			return;
		}
	}
	if (dt->kind == TY_TUPLE && n->kind == AST_TUPLE) {
		cg_store_tuple(c, n->list, dst, dt, fill);
		return;
	}
	if (n->kind == AST_CAST && (dt->kind == TY_STR || dt->kind == TY_TUPLE)) {
		cg_store_n(c, n->a, dst, dt, fill);
		return;
	}
	if (n->kind == AST_STR || n->kind == AST_TUPLE) {
		/* literal into a slot of another kind: materialise it in its own type first */
		LLVMValueRef tmp = cg_buf_expr(c, n);
		store_val_n(c, tmp, &n->type, dst, dt, fill);
		return;
	}
	store_val_n(c, cg_expr(c, n), &n->type, dst, dt, fill);
}

LLVMValueRef cg_buf_expr(struct cg *c, struct node *n)
{
	const struct type *t = &n->type;
	if (n->kind == AST_CAST && t->kind != TY_STR && t->kind != TY_TUPLE)
		t = &n->a->type;
	LLVMValueRef buf = bpfb_buf(c, slot_size(t), n->kind == AST_STR ? "lit" : "tmp");
	if (n->kind == AST_CAST)
		cg_store(c, n->a, buf, t);
	else if (n->kind == AST_STR || n->kind == AST_TUPLE ||
		 (n->kind == AST_CALL && cg_row(c, n) && cg_row(c, n)->store))
		cg_store(c, n, buf, t);
	else
		cg_store_val(c, cg_expr(c, n), &n->type, buf, t);
	return buf;
}

/* One step of a comparison chain: continue in a fresh block when `ok`, else go to fail. */
static void chain(struct cg *c, LLVMValueRef ok, LLVMBasicBlockRef fail)
{
	LLVMBasicBlockRef next = bpfb_block(c, "scmp");
	LLVMBuildCondBr(c->b, ok, next, fail);
	LLVMPositionBuilderAtEnd(c->b, next);
}

static LLVMValueRef byte_at(struct cg *c, LLVMValueRef p, uint32_t i)
{
	return bpfb_load(c, c->i8, bpfb_gep(c, p, i), 1);
}

/* Equal when the bytes match up to and including the first NUL (or the buffer end). */
LLVMValueRef cg_str_cmp(struct cg *c, struct node *l, struct node *r, bool ne)
{
	LLVMBasicBlockRef fail = bpfb_block(c, "str_ne"), eq = bpfb_block(c, "str_eq");
	LLVMBasicBlockRef end = bpfb_block(c, "str_end");
	struct node *lit = l->kind == AST_STR ? l : r->kind == AST_STR ? r : NULL;
	if (lit) {
		struct node *o = lit == l ? r : l;
		LLVMValueRef p = cg_expr(c, o);
		uint32_t size = o->type.size, n = lit->slen, m = n < size ? n : size;
		for (uint32_t i = 0; i < m;) {
			if (!(i & 7) && i + 8 <= m) {
				uint64_t w = 0;
				for (int k = 0; k < 8; k++)
					w |= (uint64_t)(uint8_t)lit->str[i + k] << (8 * k);
				LLVMValueRef v = bpfb_load(c, c->i64, bpfb_gep(c, p, i), 8);
				chain(c, LLVMBuildICmp(c->b, LLVMIntEQ, v, bpfb_i64(c, w), ""), fail);
				i += 8;
				continue;
			}
			LLVMValueRef v = byte_at(c, p, i);
			LLVMValueRef k = LLVMConstInt(c->i8, (uint8_t)lit->str[i], 0);
			chain(c, LLVMBuildICmp(c->b, LLVMIntEQ, v, k, ""), fail);
			i++;
		}
		if (n < size)
			chain(c, LLVMBuildICmp(c->b, LLVMIntEQ, byte_at(c, p, n),
					       LLVMConstInt(c->i8, 0, 0), ""), fail);
		LLVMBuildBr(c->b, eq);
	} else {
		LLVMValueRef pa = cg_expr(c, l), pb = cg_expr(c, r);
		uint32_t sa = l->type.size, sb = r->type.size, m = sa < sb ? sa : sb;
		LLVMValueRef zero = LLVMConstInt(c->i8, 0, 0);
		for (uint32_t i = 0; i < m; i++) {
			LLVMValueRef a = byte_at(c, pa, i), b = byte_at(c, pb, i);
			chain(c, LLVMBuildICmp(c->b, LLVMIntEQ, a, b, ""), fail);
			LLVMBasicBlockRef next = bpfb_block(c, "scmp");
			LLVMBuildCondBr(c->b, LLVMBuildICmp(c->b, LLVMIntEQ, a, zero, ""), eq, next);
			LLVMPositionBuilderAtEnd(c->b, next);
		}
		if (sa != sb) {
			LLVMValueRef rest = byte_at(c, sa > sb ? pa : pb, m);
			chain(c, LLVMBuildICmp(c->b, LLVMIntEQ, rest, zero, ""), fail);
		}
		LLVMBuildBr(c->b, eq);
	}
	LLVMPositionBuilderAtEnd(c->b, fail);
	LLVMBuildBr(c->b, end);
	LLVMPositionBuilderAtEnd(c->b, eq);
	LLVMBuildBr(c->b, end);
	LLVMPositionBuilderAtEnd(c->b, end);
	LLVMValueRef phi = LLVMBuildPhi(c->b, c->i64, "streq");
	LLVMValueRef vals[2] = { bpfb_i64(c, ne ? 1 : 0), bpfb_i64(c, ne ? 0 : 1) };
	LLVMBasicBlockRef blks[2] = { fail, eq };
	LLVMAddIncoming(phi, vals, blks, 2);
	return phi;
}

/* Like cg_expr: the value being stored is the innermost expression for -k's locations. */
void cg_store(struct cg *c, struct node *n, LLVMValueRef dst, const struct type *dt)
{
	struct node *outer = c->fn.expr;
	c->fn.expr = n;
	cg_store_n(c, n, dst, dt, slot_size(dt));
	c->fn.expr = outer;
}
