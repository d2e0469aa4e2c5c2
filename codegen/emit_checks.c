/*
 * codegen/emit_checks.c — what happens when a BPF helper fails at run time.
 *
 * Owns: the failure branch after a helper call. Always: a failed probe read or map update
 * adds one to its probe's counter in the per-CPU `lost` map (abi.h ABI_LOST_PROBE), and a
 * dropped map update also to the map's own counter (the "Map full" warning). With -k
 * (opts->helper_check 1) every helper but the reads and lookups, with -kk (2) those too,
 * also sends an ABI_EV_HELPER_ERROR event naming the call site, which the runtime prints
 * as bpftrace's "WARNING: Failed to HELPER: error (-N)" with the source location. The
 * success path pays one compare and a not-taken branch; nothing else. Also counting the
 * strings a bpf_probe_read_*_str cut short (cg_count_str_trunc, lost[ABI_LOST_STRTRUNC]).
 * Must not: render messages (runtime/events.c does) or decide which helper to call.
 */
#include <linux/bpf.h>
#include <stdlib.h>

#include "codegen_internal.h"

/* bpftrace checks reads and lookups only with -kk: a failed read yields 0 and a missing
 * key is a normal outcome, so at -k they would drown the real failures. */
static bool read_like(int helper)
{
	switch (helper) {
	case BPF_FUNC_probe_read:
	case BPF_FUNC_probe_read_str:
	case BPF_FUNC_probe_read_kernel:
	case BPF_FUNC_probe_read_kernel_str:
	case BPF_FUNC_probe_read_user:
	case BPF_FUNC_probe_read_user_str:
	case BPF_FUNC_map_lookup_elem:
		return true;
	default:
		return false;
	}
}

static bool is_read(int helper)
{
	return read_like(helper) && helper != BPF_FUNC_map_lookup_elem;
}

/* lost[slot] += 1 on this CPU (one lookup; the array slot always exists). */
static void count_slot(struct cg *c, uint32_t slot)
{
	if (c->opts->lost_fd <= 0)
		return;
	LLVMBasicBlockRef inc = bpfb_block(c, "fail_inc"), done = bpfb_block(c, "fail_counted");
	/* one slot per function, stored right before each lookup: a fresh slot per map
	 * write ran 19 keyed writes in one probe out of the 512-byte stack */
	if (!c->fn.drop_key)
		c->fn.drop_key = bpfb_buf(c, 8, "dropkey"); /* scratch once the stack is full */
	LLVMValueRef key = c->fn.drop_key;
	bpfb_store(c, bpfb_i32(c, slot), key, 4);
	LLVMValueRef p = bpfb_map_lookup(c, c->opts->lost_fd, key);
	LLVMBuildCondBr(c->b, LLVMBuildIsNull(c->b, p, ""), done, inc);
	LLVMPositionBuilderAtEnd(c->b, inc);
	bpfb_store(c, LLVMBuildAdd(c->b, bpfb_load(c, c->i64, p, 8), bpfb_i64(c, 1), ""), p, 8);
	LLVMBuildBr(c->b, done);
	LLVMPositionBuilderAtEnd(c->b, done);
}

/* A new call site in the result's table; its index travels in the event. */
static int add_site(struct cg *c, int helper, struct node *at)
{
	struct cg_helper_site *s = realloc(c->sites, sizeof(*s) * (size_t)(c->nsites + 1));
	if (!s) {
		diag_error_noloc(c->d, "out of memory");
		return -1;
	}
	c->sites = s;
	struct node *loc = at ? at : c->fn.expr ? c->fn.expr : c->fn.stmt;
	s[c->nsites].helper = helper;
	s[c->nsites].loc = loc ? loc->loc : (struct span){ 0, 0 };
	return c->nsites++;
}

static void send_error(struct cg *c, LLVMValueRef r, int helper, struct node *at)
{
	int site = add_site(c, helper, at);
	if (site < 0)
		return;
	if (!c->fn.herr)
		c->fn.herr = bpfb_stack(c, 24, "helper_error");
	LLVMValueRef buf = c->fn.herr;
	bpfb_store(c, bpfb_i64(c, ABI_EV_HELPER_ERROR), buf, 8);
	bpfb_store(c, bpfb_i64(c, (uint64_t)site), bpfb_gep(c, buf, 8), 8);
	LLVMValueRef code = r ? r : bpfb_i64(c, 0);
	if (LLVMGetTypeKind(LLVMTypeOf(code)) == LLVMPointerTypeKind)
		code = bpfb_i64(c, 0); /* a lookup that found nothing: bpftrace prints 0 */
	else /* helpers return an int in a 64-bit register */
		code = LLVMBuildSExt(c->b, LLVMBuildTrunc(c->b, code, c->i32, ""), c->i64, "");
	bpfb_store(c, code, bpfb_gep(c, buf, 16), 8);
	cg_event_output(c, buf, 24);
}

void cg_helper_failed(struct cg *c, LLVMValueRef r, int helper, struct node *at, int map_id)
{
	const struct probe_point *pt = c->fn.pt;
	if (map_id >= 0)
		count_slot(c, ABI_LOST_MAP(map_id));
	if (pt && pt->probe >= 0 && (is_read(helper) || helper == BPF_FUNC_map_update_elem))
		count_slot(c, ABI_LOST_PROBE(c->sr->nmaps, pt->probe,
					     is_read(helper) ? ABI_FAIL_READ : ABI_FAIL_MAP_UPDATE));
	int level = c->opts->helper_check;
	if (level >= 2 || (level == 1 && !read_like(helper)))
		send_error(c, r, helper, at);
}

void cg_helper_check(struct cg *c, LLVMValueRef r, int helper, struct node *at, int map_id)
{
	int level = c->opts->helper_check;
	bool counted = is_read(helper) || helper == BPF_FUNC_map_update_elem || map_id >= 0;
	bool reported = level >= 2 || (level == 1 && !read_like(helper));
	if (!counted && !reported)
		return;
	LLVMValueRef failed;
	if (LLVMGetTypeKind(LLVMTypeOf(r)) == LLVMPointerTypeKind)
		failed = LLVMBuildIsNull(c->b, r, "");
	else if (helper == BPF_FUNC_map_update_elem || helper == BPF_FUNC_map_delete_elem)
		failed = LLVMBuildICmp(c->b, LLVMIntNE, r, bpfb_i64(c, 0), "");
	else /* an int in a 64-bit register: negative is an error */
		failed = LLVMBuildICmp(c->b, LLVMIntSLT, LLVMBuildTrunc(c->b, r, c->i32, ""),
				       bpfb_i32(c, 0), "");
	LLVMBasicBlockRef fail = bpfb_block(c, "helper_failed"), ok = bpfb_block(c, "helper_ok");
	LLVMBuildCondBr(c->b, failed, fail, ok);
	LLVMPositionBuilderAtEnd(c->b, fail);
	cg_helper_failed(c, r, helper, at, map_id);
	LLVMBuildBr(c->b, ok);
	LLVMPositionBuilderAtEnd(c->b, ok);
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
		bpfb_branch_new(c, user_cap, done, true);
	LLVMValueRef last = bpfb_gep(c, dst, size - 1);
	LLVMValueRef a[3] = { last, bpfb_i64(c, 1),
			      LLVMBuildAdd(c->b, as_i64(c, src), bpfb_i64(c, size - 1), "") };
	LLVMValueRef r = bpfb_helper(c, read_fn, c->i64, a, 3, "");
	LLVMValueRef byte = bpfb_load(c, c->i8, last, 1);
	bpfb_store(c, LLVMConstInt(c->i8, 0, 0), last, 1);
	bpfb_branch_new(c, LLVMBuildICmp(c->b, LLVMIntEQ, r, bpfb_i64(c, 0), ""), done, false);
	bpfb_branch_new(c, LLVMBuildICmp(c->b, LLVMIntEQ, byte, LLVMConstInt(c->i8, 0, 0), ""), done,
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
