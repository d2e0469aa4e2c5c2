/*
 * codegen/emit_record.c — structs, unions and non-char arrays copied by value: into map
 * values (`@last = *(struct foo *)arg0`), print() payloads and tuple slots.
 *
 * Owns: the copy from the record's address (kernel or user memory per the type's .user,
 * with bpf_probe_read_kernel / bpf_probe_read_user, which zero the destination when the
 * read faults) or from a BPF buffer (a map value read, a $kv element), and zeroing the
 * slot's padding so map values and events never carry stale bytes.
 * Must not: decide types or sizes (sema/struct_types.c checked the record fits), or touch
 * variables: a RECORD variable holds the address only (emit_stmt.c).
 */
#include <linux/bpf.h>

#include "../sema/ctypes.h"
#include "codegen_internal.h"

/* Copies through registers this small; bigger ones take one helper call. */
#define RECORD_INLINE_COPY 128u

LLVMValueRef cg_record_addr(struct cg *c, struct node *n)
{
	LLVMValueRef v = cg_expr(c, n);
	return LLVMTypeOf(v) == c->i64 ? v : LLVMBuildPtrToInt(c->b, v, c->i64, "");
}

void cg_record_store(struct cg *c, LLVMValueRef v, const struct type *st, LLVMValueRef dst,
		     const struct type *dt)
{
	cg_record_store_n(c, v, st, dst, dt, abi_align(type_storage_size(dt)));
}

void cg_record_store_n(struct cg *c, LLVMValueRef v, const struct type *st, LLVMValueRef dst,
		       const struct type *dt, uint32_t slot)
{
	uint32_t size = dt->ct ? dt->ct->size : 0;
	if (st->kind != TY_RECORD || st->ct != dt->ct || size > slot) {
		cg_error(c, "internal error: record value of another type");
		bpfb_memset0(c, dst, slot);
		return;
	}
	if (LLVMTypeOf(v) != c->i64 && size <= RECORD_INLINE_COPY) {
		/* already in a BPF buffer: plain loads and stores the verifier can follow */
		bpfb_memcpy(c, dst, v, size);
	} else if (size) {
		if (LLVMTypeOf(v) != c->i64)
			v = LLVMBuildPtrToInt(c->b, v, c->i64, "");
		LLVMValueRef a[3] = { dst, bpfb_i64(c, size), v };
		int fn = cg_read_fn(c, st->user, false);
		cg_helper_check(c, bpfb_helper(c, fn, c->i64, a, 3, ""), fn, NULL, -1);
	}
	bpfb_memset0_at(c, dst, size, slot);
}

/* Casts between integers and integer arrays (sema/arraycast.c): the array's bytes are the
 * integer's as they lie in memory (little-endian here), no byte swapping. */
LLVMValueRef cg_array_cast(struct cg *c, struct node *n)
{
	const struct type *at = &n->a->type;
	if (n->type.kind == TY_RECORD) { /* (int8[8])x: the integer in an 8-byte buffer */
		LLVMValueRef buf = bpfb_buf(c, 8, "acast");
		bpfb_store(c, cg_norm(c, cg_expr(c, n->a), at), buf, 8);
		return buf; /* a record in a BPF buffer */
	}
	if (at->kind == TY_STR) { /* (uint32)pton("127.0.0.1"), (uint32)s->u8_field: bytes */
		LLVMValueRef buf = cg_buf_expr(c, n->a);
		LLVMTypeRef it = LLVMIntTypeInContext(c->ctx, n->type.size * 8);
		LLVMValueRef v = bpfb_load(c, it, buf, 1);
		return n->type.is_signed ? LLVMBuildSExt(c->b, v, c->i64, "")
					 : LLVMBuildZExt(c->b, v, c->i64, "");
	}
	/* (uint64)$a: the array's bytes (from its memory or BPF buffer), then the integer */
	LLVMValueRef tmp = bpfb_buf(c, 8, "acast");
	cg_record_store_n(c, cg_expr(c, n->a), at, tmp, at, 8);
	return cg_norm(c, bpfb_load(c, c->i64, tmp, 8), &n->type);
}
