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

static LLVMValueRef byte_at(struct cg *c, LLVMValueRef p, LLVMValueRef idx)
{
	return LLVMBuildLoad2(c->b, c->i8, LLVMBuildGEP2(c->b, c->i8, p, &idx, 1, ""), "");
}

static void goto_new(struct cg *c, LLVMValueRef cond, LLVMBasicBlockRef other, bool when)
{
	LLVMBasicBlockRef next = bpfb_block(c, "s_next");
	if (when)
		LLVMBuildCondBr(c->b, cond, other, next);
	else
		LLVMBuildCondBr(c->b, cond, next, other);
	LLVMPositionBuilderAtEnd(c->b, next);
}

/* The value of an i64 slot read at the end (LLVM's mem2reg turns it into phis). Slot
 * `which` (0..2) is one per function, shared by every strncmp/strcontains: each call
 * evaluates its operands first and loads its result before anything else runs, so no two
 * calls are ever live at once (a fresh slot per call used up the 512-byte stack after
 * about ten calls in one probe). */
static LLVMValueRef result_slot(struct cg *c, int which, uint64_t init)
{
	if (!c->fn.str_tmp[which])
		c->fn.str_tmp[which] = bpfb_buf(c, 8, "res"); /* scratch once the stack is full */
	LLVMValueRef r = c->fn.str_tmp[which];
	bpfb_store(c, bpfb_i64(c, init), r, 8);
	return r;
}

/* strncmp(a, b, n): 0 when the first n characters match (stopping after a shared NUL),
 * else 1, as bpftrace. Unrolled: n is a literal and at most a string's size. */
static LLVMValueRef strncmp_call(struct cg *c, struct node *n)
{
	struct node *a = n->list, *b = a->next, *len = b->next;
	uint64_t want = len->kind == AST_INT ? (uint64_t)len->ival : 0;
	LLVMValueRef pa = cg_expr(c, a), pb = cg_expr(c, b);
	uint32_t sa = a->type.size, sb = b->type.size, m = sa < sb ? sa : sb;
	LLVMValueRef res = result_slot(c, 0, 0);
	LLVMBasicBlockRef ne = bpfb_block(c, "sn_ne"), end = bpfb_block(c, "sn_end");
	LLVMValueRef zero8 = LLVMConstInt(c->i8, 0, 0);
	uint64_t lim = want < m ? want : m;
	for (uint32_t i = 0; i < lim; i++) {
		LLVMValueRef ca = byte_at(c, pa, bpfb_i64(c, i)), cb = byte_at(c, pb, bpfb_i64(c, i));
		goto_new(c, LLVMBuildICmp(c->b, LLVMIntNE, ca, cb, ""), ne, true);
		goto_new(c, LLVMBuildICmp(c->b, LLVMIntEQ, ca, zero8, ""), end, true);
	}
	if (want > m && sa != sb) {
		/* the shorter buffer ended: equal only if the longer string ends there too */
		LLVMValueRef rest = byte_at(c, sa > sb ? pa : pb, bpfb_i64(c, m));
		goto_new(c, LLVMBuildICmp(c->b, LLVMIntNE, rest, zero8, ""), ne, true);
	}
	LLVMBuildBr(c->b, end);
	LLVMPositionBuilderAtEnd(c->b, ne);
	bpfb_store(c, bpfb_i64(c, 1), res, 8);
	LLVMBuildBr(c->b, end);
	LLVMPositionBuilderAtEnd(c->b, end);
	return bpfb_load(c, c->i64, res, 8);
}

/* strcontains(h, needle): 1 when needle occurs in h (an empty needle always does).
 * Two bounded loops over indexes kept in stack slots; every access is guarded by a
 * comparison with the buffer size. */
static LLVMValueRef strcontains_call(struct cg *c, struct node *n)
{
	struct node *h = n->list, *nd = h->next;
	LLVMValueRef ph = cg_expr(c, h), pn = cg_expr(c, nd);
	uint32_t hs = h->type.size, ns = nd->type.size;
	LLVMValueRef res = result_slot(c, 0, 0);
	LLVMValueRef iv = result_slot(c, 1, 0), jv = result_slot(c, 2, 0);
	LLVMValueRef zero8 = LLVMConstInt(c->i8, 0, 0);
	LLVMBasicBlockRef outer = bpfb_block(c, "sc_outer"), inner = bpfb_block(c, "sc_inner");
	LLVMBasicBlockRef next_i = bpfb_block(c, "sc_next_i"), found = bpfb_block(c, "sc_found");
	LLVMBasicBlockRef end = bpfb_block(c, "sc_end");

	LLVMBuildBr(c->b, outer);
	/* outer: for (i = 0; i < hs; i++) */
	LLVMPositionBuilderAtEnd(c->b, outer);
	LLVMValueRef i = bpfb_load(c, c->i64, iv, 8);
	goto_new(c, LLVMBuildICmp(c->b, LLVMIntULT, i, bpfb_i64(c, hs), ""), end, false);
	bpfb_store(c, bpfb_i64(c, 0), jv, 8);
	LLVMBuildBr(c->b, inner);
	/* inner: for (j = 0; j < ns; j++) */
	LLVMPositionBuilderAtEnd(c->b, inner);
	LLVMValueRef j = bpfb_load(c, c->i64, jv, 8);
	LLVMValueRef i2 = bpfb_load(c, c->i64, iv, 8);
	goto_new(c, LLVMBuildICmp(c->b, LLVMIntULT, j, bpfb_i64(c, ns), ""), found, false);
	LLVMValueRef nc = byte_at(c, pn, j);
	goto_new(c, LLVMBuildICmp(c->b, LLVMIntEQ, nc, zero8, ""), found, true);
	LLVMValueRef k = LLVMBuildAdd(c->b, i2, j, "");
	goto_new(c, LLVMBuildICmp(c->b, LLVMIntULT, k, bpfb_i64(c, hs), ""), next_i, false);
	LLVMValueRef hc = byte_at(c, ph, k);
	goto_new(c, LLVMBuildICmp(c->b, LLVMIntEQ, hc, nc, ""), next_i, false);
	bpfb_store(c, LLVMBuildAdd(c->b, j, bpfb_i64(c, 1), ""), jv, 8);
	LLVMBuildBr(c->b, inner);
	/* next_i: stop at the end of the haystack string */
	LLVMPositionBuilderAtEnd(c->b, next_i);
	LLVMValueRef i3 = bpfb_load(c, c->i64, iv, 8);
	LLVMValueRef hi = byte_at(c, ph, i3);
	goto_new(c, LLVMBuildICmp(c->b, LLVMIntEQ, hi, zero8, ""), end, true);
	bpfb_store(c, LLVMBuildAdd(c->b, i3, bpfb_i64(c, 1), ""), iv, 8);
	LLVMBuildBr(c->b, outer);
	LLVMPositionBuilderAtEnd(c->b, found);
	bpfb_store(c, bpfb_i64(c, 1), res, 8);
	LLVMBuildBr(c->b, end);
	LLVMPositionBuilderAtEnd(c->b, end);
	return bpfb_load(c, c->i64, res, 8);
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

/* buf(p, len): byte 0 = bytes read, then the bytes; the rest of the slot zeroed. */
static LLVMValueRef buf_call(struct cg *c, struct node *n)
{
	struct node *p = n->list, *len = p->next;
	uint32_t max = n->type.size - 1, slot = abi_align(n->type.size);
	LLVMValueRef dst = bpfb_buf(c, slot, "bufv");
	bpfb_memset0(c, dst, slot);
	LLVMValueRef cnt = bpfb_i64(c, max);
	if (len && len->kind != AST_INT) {
		LLVMValueRef want = cg_expr(c, len);
		LLVMValueRef ok = LLVMBuildICmp(c->b, LLVMIntULT, want, cnt, "");
		cnt = LLVMBuildSelect(c->b, ok, want, cnt, "");
	}
	if (p->type.kind == TY_STR) { /* past the string's buffer, the bytes stay zero */
		bpfb_memcpy(c, bpfb_gep(c, dst, 1), cg_expr(c, p),
			    max < p->type.size ? max : p->type.size);
	} else if (p->type.kind == TY_RECORD && max) { /* an array's bytes where it lives */
		int fn = cg_read_fn(c, p->type.user, false);
		LLVMValueRef a[3] = { bpfb_gep(c, dst, 1), cnt, cg_record_addr(c, p) };
		cg_helper_check(c, bpfb_helper(c, fn, c->i64, a, 3, ""), fn, n, -1);
	} else if (max) {
		bool user = (p->flags | n->flags) & NODE_F_USER_PTR;
		LLVMValueRef a[3] = { bpfb_gep(c, dst, 1), cnt, as_i64(c, cg_expr(c, p)) };
		int fn = cg_read_fn(c, user, false);
		cg_helper_check(c, bpfb_helper(c, fn, c->i64, a, 3, ""), fn, n, -1);
	}
	bpfb_store(c, LLVMBuildTrunc(c->b, cnt, c->i8, ""), dst, 1);
	return dst;
}

/* ntop([af,] addr): u64 family, then the address bytes (an integer is stored as its
 * in-memory little-endian bytes, which is network order for a kernel __be32). */
static LLVMValueRef ntop_call(struct cg *c, struct node *n)
{
	struct node *af = n->list->next ? n->list : NULL, *addr = af ? af->next : n->list;
	LLVMValueRef dst = bpfb_buf(c, ABI_INET_SIZE, "inet");
	bpfb_memset0(c, dst, ABI_INET_SIZE);
	uint32_t bytes = addr->type.kind == TY_STR      ? addr->type.size
			 : addr->type.kind == TY_RECORD ? addr->type.ct->nelems
							 : 4;
	uint64_t def_af = bytes == 16 ? 10 : 2;
	bpfb_store(c, af ? cg_expr(c, af) : bpfb_i64(c, def_af), dst, 8);
	if (addr->type.kind == TY_RECORD) { /* a u8[4]/u8[16] array where it lives */
		int fn = cg_read_fn(c, addr->type.user, false);
		LLVMValueRef a[3] = { bpfb_gep(c, dst, 8), bpfb_i64(c, bytes), cg_record_addr(c, addr) };
		cg_helper_check(c, bpfb_helper(c, fn, c->i64, a, 3, ""), fn, n, -1);
	} else if (addr->type.kind == TY_STR)
		bpfb_memcpy(c, bpfb_gep(c, dst, 8), cg_expr(c, addr), addr->type.size);
	else
		bpfb_store(c, LLVMBuildTrunc(c->b, cg_expr(c, addr), c->i32, ""),
			   bpfb_gep(c, dst, 8), 4);
	return dst;
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
	case BI_STRNCMP:
		return strncmp_call(c, n);
	case BI_STRCONTAINS:
		return strcontains_call(c, n);
	case BI_BUF:
		return buf_call(c, n);
	case BI_NTOP:
		return ntop_call(c, n);
	case BI_JOIN:
		join_call(c, n);
		return zero;
	case BI_STRFTIME:
		return cg_expr(c, n->list->next);
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
