/*
 * codegen/emit_strings.c — code for strncmp, strcontains, buf, ntop, join, strftime,
 * signal, system, cat and has_key (len() is refused by sema: no map iteration yet).
 *
 * Owns: the byte layouts of buffers and inet values (sema/types.h SUB_*), the bounded
 * loops of strcontains (each index checked against the buffer size so the verifier can
 * prove every access), join's unrolled argv walk, the ABI_EV_ASYNC events, and counting
 * strings that str(), join() or a __data_loc field copied cut short (cg_count_str_trunc).
 * Must not: decide types or formats (sema/check_strings.c) or render (stdlib/strings.c).
 */
#include <linux/bpf.h>

#include "../sema/ctypes.h"
#include "codegen_internal.h"

static void goto_new(struct cg *c, LLVMValueRef cond, LLVMBasicBlockRef other, bool when)
{
	LLVMBasicBlockRef next = bpfb_block(c, "s_next");
	if (when)
		LLVMBuildCondBr(c->b, cond, other, next);
	else
		LLVMBuildCondBr(c->b, cond, next, other);
	LLVMPositionBuilderAtEnd(c->b, next);
}

static LLVMValueRef as_i64(struct cg *c, LLVMValueRef v);

/* Branch weights on the br just built: then_is_rare says which side is rare (so LLVM
 * keeps the rare block out of the hot path's way). */
static void rarely(struct cg *c, LLVMValueRef br, bool then_is_rare)
{
	LLVMMetadataRef md[3] = {
		LLVMMDStringInContext2(c->ctx, "branch_weights", 14),
		LLVMValueAsMetadata(LLVMConstInt(c->i32, then_is_rare ? 1 : 2000, 0)),
		LLVMValueAsMetadata(LLVMConstInt(c->i32, then_is_rare ? 2000 : 1, 0)),
	};
	unsigned kind = LLVMGetMDKindIDInContext(c->ctx, "prof", 4);
	LLVMSetMetadata(br, kind, LLVMMetadataAsValue(c->ctx, LLVMMDNodeInContext2(c->ctx, md, 3)));
}

/* Counting strings cut short (lost[ABI_LOST_STRTRUNC], printed under -v at exit).
 *
 * bpf_probe_read_*_str returns the bytes it wrote including the NUL. Anything below
 * `size` means the whole string fit. `size` means the NUL took the buffer's last byte in
 * place of source byte size-1: the string was exactly size-1 characters long (it fit) or
 * longer (it was truncated). Only that rare case goes to a cold block, which reads source
 * byte size-1 once more (into dst[size-1], then puts the NUL back): non-zero means the
 * string went on and was truncated. So the hot path costs one compare and a branch.
 * `user_cap` (i1, or NULL) is true when str(p, n) asked for fewer bytes than the buffer:
 * a string cut at the script's own n is what was asked for, not data loss.
 * read_fn is the plain read helper matching the _str helper used for the copy. */
void cg_count_str_trunc(struct cg *c, LLVMValueRef ret, LLVMValueRef dst, LLVMValueRef src,
			uint32_t size, int read_fn, LLVMValueRef user_cap)
{
	if (!size || c->opts->lost_fd <= 0)
		return;
	/* `done` is created first so it follows in block order: the BPF back end lays blocks
	 * out in that order here, and this way the hot path is one not-taken conditional jump
	 * with the check placed after the function's return (created the other way round it
	 * was a conditional jump plus an unconditional one over the check). */
	LLVMBasicBlockRef done = bpfb_block(c, "str_ok"), cold = bpfb_block(c, "strtrunc_check");
	LLVMValueRef full = LLVMBuildICmp(c->b, LLVMIntEQ, ret, bpfb_i64(c, size), "");
	rarely(c, LLVMBuildCondBr(c->b, full, cold, done), true);
	LLVMPositionBuilderAtEnd(c->b, cold);
	if (user_cap)
		goto_new(c, user_cap, done, true);
	LLVMValueRef last = bpfb_gep(c, dst, size - 1);
	LLVMValueRef a[3] = { last, bpfb_i64(c, 1),
			      LLVMBuildAdd(c->b, as_i64(c, src), bpfb_i64(c, size - 1), "") };
	LLVMValueRef r = bpfb_helper(c, read_fn, c->i64, a, 3, "");
	LLVMValueRef byte = bpfb_load(c, c->i8, last, 1);
	bpfb_store(c, LLVMConstInt(c->i8, 0, 0), last, 1);
	goto_new(c, LLVMBuildICmp(c->b, LLVMIntEQ, r, bpfb_i64(c, 0), ""), done, false);
	goto_new(c, LLVMBuildICmp(c->b, LLVMIntEQ, byte, LLVMConstInt(c->i8, 0, 0), ""), done,
		 true);
	/* The function's zero key (8 zero bytes kept for keyless maps) is borrowed as the
	 * lost-map key and restored at once: no extra stack in programs near the limit. */
	LLVMValueRef key = cg_zero_key(c);
	bpfb_store(c, bpfb_i32(c, ABI_LOST_STRTRUNC), key, 4);
	LLVMValueRef p = bpfb_map_lookup(c, c->opts->lost_fd, key);
	bpfb_store(c, bpfb_i32(c, 0), key, 4);
	LLVMBasicBlockRef inc = bpfb_block(c, "strtrunc_inc");
	LLVMBuildCondBr(c->b, LLVMBuildIsNull(c->b, p, ""), done, inc);
	LLVMPositionBuilderAtEnd(c->b, inc);
	bpfb_store(c, LLVMBuildAdd(c->b, bpfb_load(c, c->i64, p, 8), bpfb_i64(c, 1), ""), p, 8);
	LLVMBuildBr(c->b, done);
	LLVMPositionBuilderAtEnd(c->b, done);
}

static LLVMValueRef as_i64(struct cg *c, LLVMValueRef v)
{
	if (LLVMTypeOf(v) != c->i64)
		v = LLVMBuildPtrToInt(c->b, v, c->i64, "");
	return v;
}

/* join(argv[, delim]): up to ABI_JOIN_ARGS strings of the NULL-terminated user array. */
static void join_call(struct cg *c, struct node *n)
{
	const struct fmt_info *fi = cg_fmt_of(c, n);
	if (!fi)
		return;
	LLVMValueRef ev = cg_event_buf(c, ABI_EV_ASYNC, 8 + fi->size);
	LLVMValueRef pl = bpfb_gep(c, ev, 16);
	bpfb_store(c, bpfb_i64(c, (uint64_t)n->fmt), bpfb_gep(c, ev, 8), 8);
	/* Only the count and each string's first byte are cleared: the runtime reads
	 * strings [0, count) up to their NUL, all written below. (Zeroing the whole ~1 KiB
	 * would become a memset call, which the BPF back end cannot emit.) */
	bpfb_store(c, bpfb_i64(c, 0), bpfb_gep(c, pl, fi->offs[0]), 8);
	for (uint32_t i = 1; i <= ABI_JOIN_ARGS; i++)
		bpfb_store(c, LLVMConstInt(c->i8, 0, 0), bpfb_gep(c, pl, fi->offs[i]), 1);
	LLVMValueRef argv = as_i64(c, cg_expr(c, n->list));
	LLVMValueRef tmp = bpfb_buf(c, 8, "argp"); /* scratch once the stack is full */
	bool user = n->flags & NODE_F_USER_PTR;
	LLVMBasicBlockRef done = bpfb_block(c, "join_done");
	for (uint32_t i = 0; i < ABI_JOIN_ARGS; i++) {
		LLVMValueRef a[3] = { tmp, bpfb_i64(c, 8),
				      LLVMBuildAdd(c->b, argv, bpfb_i64(c, 8 * i), "") };
		LLVMValueRef r = bpfb_helper(c, user ? BPF_FUNC_probe_read_user
						     : BPF_FUNC_probe_read_kernel,
					     c->i64, a, 3, "");
		goto_new(c, LLVMBuildICmp(c->b, LLVMIntEQ, r, bpfb_i64(c, 0), ""), done, false);
		LLVMValueRef s = bpfb_load(c, c->i64, tmp, 8);
		goto_new(c, LLVMBuildICmp(c->b, LLVMIntEQ, s, bpfb_i64(c, 0), ""), done, true);
		const struct type *st = &fi->args[1 + i];
		LLVMValueRef b[3] = { bpfb_gep(c, pl, fi->offs[1 + i]), bpfb_i64(c, st->size), s };
		int fn = user ? BPF_FUNC_probe_read_user_str : BPF_FUNC_probe_read_kernel_str;
		LLVMValueRef got = bpfb_helper(c, fn, c->i64, b, 3, "");
		cg_helper_check(c, got, fn, n, -1);
		cg_count_str_trunc(c, got, b[0], s, st->size,
				   user ? BPF_FUNC_probe_read_user : BPF_FUNC_probe_read_kernel,
				   NULL);
		bpfb_store(c, bpfb_i64(c, i + 1), bpfb_gep(c, pl, fi->offs[0]), 8);
	}
	LLVMBuildBr(c->b, done);
	LLVMPositionBuilderAtEnd(c->b, done);
	cg_event_output(c, ev, 16 + fi->size);
}

/* system()/cat(): printf's argument layout behind a u64 format index. */
static void async_fmt_call(struct cg *c, struct node *n)
{
	const struct fmt_info *fi = cg_fmt_of(c, n);
	if (!fi)
		return;
	LLVMValueRef ev = cg_event_buf(c, ABI_EV_ASYNC, 8 + fi->size);
	bpfb_store(c, bpfb_i64(c, (uint64_t)n->fmt), bpfb_gep(c, ev, 8), 8);
	int i = 0;
	for (struct node *a = n->list->next; a && i < fi->nargs; a = a->next, i++)
		cg_store(c, a, bpfb_gep(c, ev, 16 + fi->offs[i]), &fi->args[i]);
	cg_event_output(c, ev, 16 + fi->size);
}

LLVMValueRef cg_call_more(struct cg *c, struct node *n)
{
	LLVMValueRef zero = bpfb_i64(c, 0);
	switch (n->sym) {
	case BI_JOIN:
		join_call(c, n);
		return zero;
	case BI_SIGNAL: {
		LLVMValueRef a[1] = { cg_expr(c, n->list) };
		cg_helper_check(c, bpfb_helper(c, BPF_FUNC_send_signal, c->i64, a, 1, ""),
				BPF_FUNC_send_signal, n, -1);
		return zero;
	}
	case BI_SYSTEM:
	case BI_CAT:
		async_fmt_call(c, n);
		return zero;
	default:
		return NULL;
	}
}
