/*
 * codegen/emit_checks.c — what happens when a BPF helper fails at run time.
 *
 * Owns: the failure branch after a helper call. Always: a failed probe read or map update
 * adds one to its probe's counter in the per-CPU `lost` map (abi.h ABI_LOST_PROBE), and a
 * dropped map update also to the map's own counter (the "Map full" warning). With -k
 * (opts->helper_check 1) every helper but the reads and lookups, with -kk (2) those too,
 * also sends an ABI_EV_HELPER_ERROR event naming the call site, which the runtime prints
 * as bpftrace's "WARNING: Failed to HELPER: error (-N)" with the source location. The
 * success path pays one compare and a not-taken branch; nothing else.
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
