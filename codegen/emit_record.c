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
