/*
 * codegen/emit_value.c — strings and tuples as bytes: storing values into slots (map keys,
 * map values, event payloads, variables), conversions between string sizes and tuple
 * layouts, string literals, str(), and string comparison.
 *
 * Owns: the rule that a store fills every byte of its slot (NUL padding, zeroed gaps), so
 * map keys are deterministic and events never carry stale stack bytes.
 * Must not: do integer arithmetic (emit_expr.c) or map operations (emit_maps.c).
 */
#include <linux/bpf.h>
#include <string.h>

#include "codegen_internal.h"

static uint32_t slot_size(const struct type *t)
{
	return abi_align(type_storage_size(t));
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

void cg_copy(struct cg *c, LLVMValueRef dst, const struct type *dt, LLVMValueRef src,
	     const struct type *st)
{
	switch (dt->kind) {
	case TY_STR: {
		uint32_t ss = st->kind == TY_STR ? st->size : 0;
		uint32_t n = ss < dt->size ? ss : dt->size;
		bpfb_memcpy(c, dst, src, n);
		bpfb_memset0_at(c, dst, n, slot_size(dt));
		if (ss > dt->size && dt->size)
			bpfb_store(c, LLVMConstInt(c->i8, 0, 0), bpfb_gep(c, dst, dt->size - 1), 1);
		return;
	}
	case TY_TUPLE: {
		if (type_equal(dt, st) || st->kind != TY_TUPLE || st->nelems != dt->nelems) {
			bpfb_memcpy(c, dst, src, slot_size(dt));
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
			cg_copy(c, bpfb_gep(c, dst, doffs[i]), &dt->elems[i],
				bpfb_gep(c, src, soffs[j]), &st->elems[j]);
		}
		return;
	}
	default:
		bpfb_store(c, bpfb_load(c, c->i64, src, 8), dst, 8);
		return;
	}
}

void cg_store_val(struct cg *c, LLVMValueRef v, const struct type *st, LLVMValueRef dst,
		  const struct type *dt)
{
	if (dt->kind == TY_STR || dt->kind == TY_TUPLE) {
		cg_copy(c, dst, dt, v, st);
		return;
	}
	if (dt->kind == TY_RECORD) { /* struct by value: emit_record.c */
		cg_record_store(c, v, st, dst, dt);
		return;
	}
	if (LLVMTypeOf(v) != c->i64) /* a buffer where an integer slot was expected */
		v = bpfb_load(c, c->i64, v, 8);
	bpfb_store(c, v, dst, 8);
}

/* str(ptr[, len]) read straight into the destination slot. */
static void str_into(struct cg *c, struct node *n, LLVMValueRef dst, const struct type *dt)
{
	struct node *arg = n->list, *len = arg ? arg->next : NULL;
	uint32_t size = dt->kind == TY_STR ? dt->size : n->type.size;
	if (!arg) {
		bpfb_memset0(c, dst, slot_size(dt));
		return;
	}
	if (arg->type.kind == TY_STR) { /* str() of something already a string */
		cg_store(c, arg, dst, dt);
		return;
	}
	LLVMValueRef ptr = cg_expr(c, arg);
	if (LLVMTypeOf(ptr) != c->i64)
		ptr = LLVMBuildPtrToInt(c->b, ptr, c->i64, "");
	bpfb_memset0(c, dst, slot_size(dt));
	LLVMValueRef sz = bpfb_i64(c, size), ok = NULL;
	if (len) {
		/* like bpftrace: read at most len bytes plus the terminating NUL */
		LLVMValueRef want = LLVMBuildAdd(c->b, cg_expr(c, len), bpfb_i64(c, 1), "");
		ok = LLVMBuildICmp(c->b, LLVMIntULE, want, sz, "");
		sz = LLVMBuildSelect(c->b, ok, want, sz, "");
	}
	bool user = (arg->flags | n->flags) & NODE_F_USER_PTR;
	LLVMValueRef a[3] = { dst, sz, ptr };
	/* A pointer whose address space is not known here (e.g. a syscall's user pointer kept
	 * in a map between sys_enter and sys_exit, as opensnoop.bt does) is read with the
	 * legacy helper, which takes either space on x86, as bpftrace 0.17 does. */
	int fn = user ? BPF_FUNC_probe_read_user_str : BPF_FUNC_probe_read_str;
	LLVMValueRef got = bpfb_helper(c, fn, c->i64, a, 3, "");
	cg_helper_check(c, got, fn, n, -1);
	cg_count_str_trunc(c, got, dst, ptr, size,
			   user ? BPF_FUNC_probe_read_user : BPF_FUNC_probe_read, ok);
}

static void store_node(struct cg *c, struct node *n, LLVMValueRef dst, const struct type *dt)
{
	if (n->kind == AST_NAMED) { /* a record literal's field */
		store_node(c, n->a, dst, dt);
		return;
	}
	if (dt->kind == TY_STR) {
		if (n->kind == AST_STR) {
			store_const_bytes(c, dst, n->str, n->slen, dt->size, slot_size(dt),
					  !(n->flags & NODE_F_RAWBYTES));
			return;
		}
		if (n->kind == AST_IDENT && n->sym == BI_COMM && dt->size >= ABI_COMM_LEN) {
			LLVMValueRef a[2] = { dst, bpfb_i64(c, ABI_COMM_LEN) };
			cg_helper_check(c, bpfb_helper(c, BPF_FUNC_get_current_comm, c->i64, a, 2,
						       ""), BPF_FUNC_get_current_comm, n, -1);
			bpfb_memset0_at(c, dst, ABI_COMM_LEN, slot_size(dt));
			return;
		}
		if (n->kind == AST_CALL && n->sym == BI_STR) {
			str_into(c, n, dst, dt);
			return;
		}
		if (n->kind == AST_FIELD && n->a->type.kind == TY_CTX && n->type.kind == TY_STR) {
			cg_ctx_field(c, n, dst, dt);
			bpfb_memset0_at(c, dst, dt->size, slot_size(dt));
			return;
		}
	}
	if (dt->kind == TY_TUPLE && n->kind == AST_TUPLE) {
		uint32_t offs[dt->nelems ? dt->nelems : 1];
		abi_tuple_layout(dt->elems, dt->nelems, offs);
		int i = 0;
		for (struct node *e = n->list; e && i < dt->nelems; e = e->next, i++) {
			/* a record's fields go where the slot's type has their names; they are
			 * still evaluated in the order written */
			int j = dt->names && e->kind == AST_NAMED ? type_field_index(dt, e->str) : i;
			if (j < 0)
				j = i;
			cg_store(c, e, bpfb_gep(c, dst, offs[j]), &dt->elems[j]);
		}
		return;
	}
	if (n->kind == AST_CAST && (dt->kind == TY_STR || dt->kind == TY_TUPLE)) {
		cg_store(c, n->a, dst, dt);
		return;
	}
	if (n->kind == AST_STR || n->kind == AST_TUPLE) {
		/* literal into a slot of another kind: materialise it in its own type first */
		LLVMValueRef tmp = cg_buf_expr(c, n);
		cg_store_val(c, tmp, &n->type, dst, dt);
		return;
	}
	cg_store_val(c, cg_expr(c, n), &n->type, dst, dt);
}

LLVMValueRef cg_buf_expr(struct cg *c, struct node *n)
{
	const struct type *t = &n->type;
	if (n->kind == AST_CAST && t->kind != TY_STR && t->kind != TY_TUPLE)
		t = &n->a->type;
	LLVMValueRef buf = bpfb_buf(c, slot_size(t), n->kind == AST_STR ? "lit" : "tmp");
	if (n->kind == AST_CAST)
		cg_store(c, n->a, buf, t);
	else if (n->kind == AST_STR || n->kind == AST_TUPLE || (n->kind == AST_CALL &&
								  n->sym == BI_STR))
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
	store_node(c, n, dst, dt);
	c->fn.expr = outer;
}
