/*
 * stdlib/builtin_dwstack.c — dw_ustack: the user stack unwound in the BPF program from
 * .eh_frame's call frame information, for programs built without frame pointers.
 *
 * Owns: dw_ustack's typing (ustack's arguments, unstable_dw_ustack's warning or error, a
 * TY_STR value of ABI_DW_HDR + 8 bytes per frame: pid, frame count, the addresses), its
 * code (from the uprobe's registers, a bpf_loop callback per frame: a binary search of the
 * process's rows in the dw_rows map, CFA = rsp/rbp + offset, the return address at CFA -
 * 8 and %rbp where the row says it was saved, read with bpf_probe_read_user; it stops at
 * a pc without a row, an undefined return address, a failed read or address 0) and its
 * text (ustack's, through builtin_print_frames).
 * Must not: read ELF files or /proc (runtime/dw_ehframe.c and runtime/dw_unwind.c build
 * the rows and create the maps, whose fds arrive in cg_opts).
 */
#include <linux/bpf.h>
#include <string.h>

#include "builtin_family.h"

#define DW_FRAMES_DEFAULT 127u /* as ustack */
#define DW_CHUNK 512u /* bytes per memset/memcpy: LLVM's BPF back end expands them inline */

/* ---- sema ----------------------------------------------------------------------------- */

static const char dw_feature[] = "dw_ustack (DWARF stack unwinding)";
static const char dw_warning[] = "Script is using an unstable feature: dw_ustack (DWARF stack "
				 "unwinding). To prevent this warning you must explicitly enable "
				 "it in the config e.g. unstable_dw_ustack=enable";

/* Once per program, as bpftrace: sema checks the program in passes, each with a diag of
 * its own, so the pass's messages say whether this one is there yet. */
static bool warned(const struct diag *d)
{
	for (int i = 0; i < d->n; i++)
		if (d->msgs[i].level == DIAG_WARNING && !strcmp(d->msgs[i].text, dw_warning))
			return true;
	return false;
}

static void dw_type(struct sema *s, struct node *n, uint32_t frames, uint32_t mode)
{
	if (!sema_probe_all(s, PV_USER | PV_REGS)) {
		diag_error(s->d, n->loc,
			   "dw_ustack can only be used in uprobe, uretprobe and usdt probes (it "
			   "unwinds from the traced process's registers)");
		return;
	}
	if (s->opts->unstable_dw_ustack == 2) {
		diag_error(s->d, n->loc,
			   "%s feature is not enabled by default. To enable this unstable feature, "
			   "set the config flag to enable. unstable_dw_ustack=enable",
			   dw_feature);
		return;
	}
	if (s->opts->unstable_dw_ustack == 0 && !warned(s->d))
		diag_warning_noloc(s->d, "%s", dw_warning);
	n->type = type_str(ABI_DW_HDR + 8u * frames);
	n->type.sub = SUB_DWSTACK;
	n->type.fmt_id = (int32_t)(frames | mode);
	if (frames > s->r->dw_frames)
		s->r->dw_frames = frames;
	s->r->uses_usym = true;
}

static void check_dw_var(struct sema *s, struct node *n)
{
	uint32_t mode = s->opts->stack_mode == SUB_STACK_BUILD_ID ? 0 : s->opts->stack_mode;
	dw_type(s, n, DW_FRAMES_DEFAULT, mode);
}

static void check_dw_call(struct sema *s, struct node *n)
{
	uint32_t frames, mode;
	if (builtin_stack_args(s, n, "dw_ustack", true, &frames, &mode))
		dw_type(s, n, frames, mode);
}

/* ---- codegen -------------------------------------------------------------------------- */

/* x86-64 struct pt_regs */
#define REGS_BP_OFF 32u
#define REGS_IP_OFF 128u
#define REGS_SP_OFF 152u

/* The callback's context, on the probe's stack: the registers of the frame being
 * unwound, the process's rows [first, end), the frames recorded. */
#define DC_IP 0u
#define DC_SP 8u
#define DC_BP 16u
#define DC_FIRST 24u
#define DC_END 32u
#define DC_N 40u
#define DC_SIZE 48u

struct dw_arg {
	uint32_t frames;
};

static LLVMValueRef ld(struct cg *c, LLVMValueRef p, uint32_t off)
{
	return bpfb_load(c, c->i64, bpfb_gep(c, p, off), 8);
}

static void st(struct cg *c, LLVMValueRef v, LLVMValueRef p, uint32_t off)
{
	bpfb_store(c, v, bpfb_gep(c, p, off), 8);
}

/* Leave the callback (1: stop the loop) when cond is true; continue in a new block. */
static void stop_if(struct cg *c, LLVMValueRef cond)
{
	LLVMBasicBlockRef stop = bpfb_block(c, "dw_stop"), go = bpfb_block(c, "dw_go");
	LLVMBuildCondBr(c->b, cond, stop, go);
	LLVMPositionBuilderAtEnd(c->b, stop);
	bpfb_cb_ret(c, 1);
	LLVMPositionBuilderAtEnd(c->b, go);
}

/* The unwinding ends (ip stays 0, so the later slots are written 0) when cond is true. */
static void end_if(struct cg *c, LLVMValueRef cond)
{
	LLVMBasicBlockRef end = bpfb_block(c, "dw_end"), go = bpfb_block(c, "dw_go");
	LLVMBuildCondBr(c->b, cond, end, go);
	LLVMPositionBuilderAtEnd(c->b, end);
	bpfb_cb_ret(c, 0);
	LLVMPositionBuilderAtEnd(c->b, go);
}

/* The row at index idx (an i64) of dw_rows, or NULL; key: a 4-byte stack slot. */
static LLVMValueRef row_at(struct cg *c, LLVMValueRef key, LLVMValueRef idx)
{
	LLVMBuildStore(c->b, LLVMBuildTrunc(c->b, idx, c->i32, ""), key);
	return bpfb_map_lookup(c, c->opts->dw_rows_fd, key);
}

/* A user word at addr into the 8-byte slot tmp; i1 "the read failed". */
static LLVMValueRef read_user(struct cg *c, LLVMValueRef tmp, LLVMValueRef addr)
{
	LLVMValueRef a[3] = { tmp, bpfb_i64(c, 8), LLVMBuildIntToPtr(c->b, addr, c->ptr, "") };
	LLVMValueRef r = bpfb_helper(c, BPF_FUNC_probe_read_user, c->i64, a, 3, "dw_read");
	return LLVMBuildICmp(c->b, LLVMIntNE, r, bpfb_i64(c, 0), "");
}

/* The binary search's context: rows[lo].pc <= key, the answer is in [lo, hi). */
#define SC_LO 0u
#define SC_HI 8u
#define SC_KEY 16u
#define SC_SIZE 24u

static void dw_search(struct cg *c, LLVMValueRef idx, LLVMValueRef sctx, void *argp)
{
	LLVMValueRef lo = ld(c, sctx, SC_LO), hi = ld(c, sctx, SC_HI), key = ld(c, sctx, SC_KEY);
	stop_if(c, LLVMBuildICmp(c->b, LLVMIntUGE, LLVMBuildAdd(c->b, lo, bpfb_i64(c, 1), ""), hi,
				 ""));
	LLVMValueRef mid = LLVMBuildLShr(c->b, LLVMBuildAdd(c->b, lo, hi, ""), bpfb_i64(c, 1),
					 "dw_mid");
	LLVMValueRef rm = row_at(c, bpfb_stack(c, 8, "dw_idx"), mid);
	stop_if(c, LLVMBuildIsNull(c->b, rm, ""));
	LLVMValueRef le = LLVMBuildICmp(c->b, LLVMIntULE, bpfb_load(c, c->i64, rm, 8), key, "");
	st(c, LLVMBuildSelect(c->b, le, mid, lo, ""), sctx, SC_LO);
	st(c, LLVMBuildSelect(c->b, le, hi, mid, ""), sctx, SC_HI);
	bpfb_cb_ret(c, 0);
}

/* One frame: record ip, then find its row and step to the caller's registers. Every slot
 * up to the limit is written (a frame, or 0 once the unwinding ended: ip 0), so equal
 * stacks are equal bytes without clearing the buffer first. */
static void dw_step(struct cg *c, LLVMValueRef idx, LLVMValueRef cctx, void *argp)
{
	const struct dw_arg *arg = argp;
	stop_if(c, LLVMBuildICmp(c->b, LLVMIntUGE, idx, bpfb_i64(c, arg->frames), ""));
	LLVMValueRef frames = bpfb_map_lookup(c, c->opts->dw_frames_fd, cg_zero_key(c));
	stop_if(c, LLVMBuildIsNull(c->b, frames, ""));
	LLVMValueRef ip = ld(c, cctx, DC_IP);
	LLVMValueRef slot = LLVMBuildGEP2(c->b, c->i8, frames,
					  (LLVMValueRef[]){ LLVMBuildShl(c->b, idx, bpfb_i64(c, 3), "") },
					  1, "dw_slot");
	bpfb_store(c, ip, slot, 8);
	/* ended: the rest stays 0 (ip is 0 from here on) */
	LLVMBasicBlockRef ended = bpfb_block(c, "dw_ended"), live = bpfb_block(c, "dw_live");
	LLVMBuildCondBr(c->b, LLVMBuildICmp(c->b, LLVMIntEQ, ip, bpfb_i64(c, 0), ""), ended, live);
	LLVMPositionBuilderAtEnd(c->b, ended);
	bpfb_cb_ret(c, 0);
	LLVMPositionBuilderAtEnd(c->b, live);
	st(c, LLVMBuildAdd(c->b, idx, bpfb_i64(c, 1), ""), cctx, DC_N);
	st(c, bpfb_i64(c, 0), cctx, DC_IP); /* until a caller is found */

	/* a return address is the instruction after the call: look up the call itself */
	LLVMValueRef key = LLVMBuildSub(c->b, ip,
					LLVMBuildZExt(c->b, LLVMBuildICmp(c->b, LLVMIntNE, idx,
									  bpfb_i64(c, 0), ""),
						      c->i64, ""), "dw_key");
	LLVMValueRef ks = bpfb_stack(c, 8, "dw_idx");
	LLVMValueRef tmp = bpfb_stack(c, 8, "dw_tmp");
	LLVMValueRef first = ld(c, cctx, DC_FIRST);
	/* a process without rows: [0, 0) */
	end_if(c, LLVMBuildICmp(c->b, LLVMIntUGE, first, ld(c, cctx, DC_END), ""));
	LLVMValueRef r0 = row_at(c, ks, first);
	end_if(c, LLVMBuildIsNull(c->b, r0, ""));
	end_if(c, LLVMBuildICmp(c->b, LLVMIntUGT, bpfb_load(c, c->i64, r0, 8), key, ""));
	/* the last row whose pc <= key, by a binary search in a callback of its own (so the
	 * verifier checks one step, not every path through all of them) */
	LLVMValueRef sctx = bpfb_stack(c, SC_SIZE, "dw_search");
	st(c, first, sctx, SC_LO);
	st(c, ld(c, cctx, DC_END), sctx, SC_HI);
	st(c, key, sctx, SC_KEY);
	cg_count_loop(c, ABI_DW_SEARCH_STEPS, sctx, "dw_search", dw_search, NULL);
	LLVMValueRef lo_s = bpfb_gep(c, sctx, SC_LO);
	LLVMValueRef row = row_at(c, ks, bpfb_load(c, c->i64, lo_s, 8));
	end_if(c, LLVMBuildIsNull(c->b, row, ""));
	LLVMValueRef off = LLVMBuildSExt(c->b, bpfb_load(c, c->i32, bpfb_gep(c, row, 8), 4), c->i64,
					 "dw_off");
	LLVMValueRef rule = LLVMBuildZExt(c->b, bpfb_load(c, c->i8, bpfb_gep(c, row, 12), 1),
					  c->i64, "dw_rule");
	LLVMValueRef bprule = LLVMBuildZExt(c->b, bpfb_load(c, c->i8, bpfb_gep(c, row, 13), 1),
					    c->i64, "dw_bprule");
	LLVMValueRef bpoff = LLVMBuildSExt(c->b, bpfb_load(c, c->i16, bpfb_gep(c, row, 14), 2),
					   c->i64, "dw_bpoff");
	end_if(c, LLVMBuildICmp(c->b, LLVMIntEQ, rule, bpfb_i64(c, ABI_DW_STOP), ""));
	LLVMValueRef sp = ld(c, cctx, DC_SP), bp = ld(c, cctx, DC_BP);
	/* PLT: rsp + 8, + 8 once the lazy-binding push happened ((ip & 15) >= threshold) */
	LLVMValueRef plt_extra = LLVMBuildSelect(
		c->b,
		LLVMBuildICmp(c->b, LLVMIntUGE, LLVMBuildAnd(c->b, ip, bpfb_i64(c, 15), ""), off, ""),
		bpfb_i64(c, 16), bpfb_i64(c, 8), "");
	LLVMValueRef base = LLVMBuildSelect(
		c->b, LLVMBuildICmp(c->b, LLVMIntEQ, rule, bpfb_i64(c, ABI_DW_RBP), ""), bp, sp, "");
	LLVMValueRef add = LLVMBuildSelect(
		c->b, LLVMBuildICmp(c->b, LLVMIntEQ, rule, bpfb_i64(c, ABI_DW_PLT), ""), plt_extra,
		off, "");
	LLVMValueRef cfa = LLVMBuildAdd(c->b, base, add, "dw_cfa");
	/* the caller's stack is above this frame's: anything else is a loop */
	end_if(c, LLVMBuildICmp(c->b, LLVMIntULE, cfa, sp, ""));
	end_if(c, read_user(c, tmp, LLVMBuildSub(c->b, cfa, bpfb_i64(c, 8), "")));
	LLVMValueRef ra = bpfb_load(c, c->i64, tmp, 8);
	end_if(c, LLVMBuildICmp(c->b, LLVMIntEQ, ra, bpfb_i64(c, 0), ""));
	/* %rbp: saved at CFA + off, unchanged, or lost (0) */
	bpfb_store(c, bpfb_i64(c, 0), tmp, 8);
	LLVMBasicBlockRef rd = bpfb_block(c, "dw_bp_read"), after = bpfb_block(c, "dw_bp_done");
	LLVMBuildCondBr(c->b, LLVMBuildICmp(c->b, LLVMIntEQ, bprule, bpfb_i64(c, ABI_DW_RBP_AT), ""),
			rd, after);
	LLVMPositionBuilderAtEnd(c->b, rd);
	LLVMValueRef failed = read_user(c, tmp, LLVMBuildAdd(c->b, cfa, bpoff, ""));
	LLVMBasicBlockRef zero = bpfb_block(c, "dw_bp_zero");
	LLVMBuildCondBr(c->b, failed, zero, after);
	LLVMPositionBuilderAtEnd(c->b, zero);
	bpfb_store(c, bpfb_i64(c, 0), tmp, 8);
	LLVMBuildBr(c->b, after);
	LLVMPositionBuilderAtEnd(c->b, after);
	LLVMValueRef saved = bpfb_load(c, c->i64, tmp, 8);
	LLVMValueRef nbp = LLVMBuildSelect(
		c->b, LLVMBuildICmp(c->b, LLVMIntEQ, bprule, bpfb_i64(c, ABI_DW_RBP_SAME), ""), bp,
		saved, "dw_bp");
	st(c, ra, cctx, DC_IP);
	st(c, cfa, cctx, DC_SP);
	st(c, nbp, cctx, DC_BP);
	bpfb_cb_ret(c, 0);
}

static LLVMValueRef dw_emit(struct cg *c, struct node *n)
{
	uint32_t frames = (uint32_t)n->type.fmt_id & 0xffff;
	uint32_t size = ABI_DW_HDR + 8u * frames;
	LLVMValueRef out = bpfb_buf(c, size, "dw_ustack");
	if (c->opts->dw_rows_fd < 0 || c->opts->dw_pids_fd < 0 || c->opts->dw_frames_fd < 0) {
		cg_error(c, "internal error: no unwind tables for dw_ustack");
		return out;
	}
	LLVMValueRef pid = LLVMBuildLShr(c->b, cg_pid_tgid(c), bpfb_i64(c, 32), "pid");
	bpfb_store(c, pid, out, 8);
	bpfb_store(c, bpfb_i64(c, 0), bpfb_gep(c, out, 8), 8);
	if (!c->fn.dw_ctx)
		c->fn.dw_ctx = bpfb_stack(c, DC_SIZE, "dw_ctx");
	LLVMValueRef cctx = c->fn.dw_ctx;
	/* the process's rows: [first, end); a process without any has an empty range, so
	 * its stack is the probe's own frame */
	LLVMValueRef first_s = bpfb_stack(c, 8, "dw_first"), end_s = bpfb_stack(c, 8, "dw_end");
	bpfb_store(c, bpfb_i64(c, 0), first_s, 8);
	bpfb_store(c, bpfb_i64(c, 0), end_s, 8);
	bpfb_store(c, pid, cctx, 8); /* the key, before the context holds the registers */
	LLVMValueRef pr = bpfb_map_lookup(c, c->opts->dw_pids_fd, cctx);
	LLVMBasicBlockRef have = bpfb_block(c, "dw_have"), run = bpfb_block(c, "dw_run");
	LLVMBuildCondBr(c->b, LLVMBuildIsNull(c->b, pr, ""), run, have);
	LLVMPositionBuilderAtEnd(c->b, have);
	LLVMValueRef first = LLVMBuildZExt(c->b, bpfb_load(c, c->i32, pr, 4), c->i64, "");
	LLVMValueRef count = LLVMBuildZExt(c->b, bpfb_load(c, c->i32, bpfb_gep(c, pr, 4), 4),
					   c->i64, "");
	bpfb_store(c, first, first_s, 8);
	bpfb_store(c, LLVMBuildAdd(c->b, first, count, ""), end_s, 8);
	LLVMBuildBr(c->b, run);
	LLVMPositionBuilderAtEnd(c->b, run);
	st(c, cg_ctx_load(c, c->i64, REGS_IP_OFF, 8), cctx, DC_IP);
	st(c, cg_ctx_load(c, c->i64, REGS_SP_OFF, 8), cctx, DC_SP);
	st(c, cg_ctx_load(c, c->i64, REGS_BP_OFF, 8), cctx, DC_BP);
	st(c, bpfb_load(c, c->i64, first_s, 8), cctx, DC_FIRST);
	st(c, bpfb_load(c, c->i64, end_s, 8), cctx, DC_END);
	st(c, bpfb_i64(c, 0), cctx, DC_N);
	/* every slot of the frames buffer is written (a frame or 0): no clearing needed */
	struct dw_arg arg = { frames };
	cg_count_loop(c, frames, cctx, "dw_ustack", dw_step, &arg);
	LLVMValueRef fr = bpfb_map_lookup(c, c->opts->dw_frames_fd, cg_zero_key(c));
	LLVMBasicBlockRef copy = bpfb_block(c, "dw_copy"), none = bpfb_block(c, "dw_none");
	/* a one-entry per-CPU array always has key 0: the check is the verifier's, and the
	 * probe ends there (its value would be undefined) */
	LLVMBuildCondBr(c->b, LLVMBuildIsNull(c->b, fr, ""), none, copy);
	LLVMPositionBuilderAtEnd(c->b, none);
	LLVMBuildRet(c->b, bpfb_i64(c, 0)); /* the probe function's (dw_ustack is not in callbacks) */
	LLVMPositionBuilderAtEnd(c->b, copy);
	bpfb_store(c, ld(c, cctx, DC_N), bpfb_gep(c, out, 8), 8);
	for (uint32_t at = 0; at < 8u * frames; at += DW_CHUNK) {
		uint32_t len = 8u * frames - at < DW_CHUNK ? 8u * frames - at : DW_CHUNK;
		bpfb_memcpy(c, bpfb_gep(c, out, ABI_DW_HDR + at), bpfb_gep(c, fr, at), len);
	}
	return out;
}

/* ---- printing ------------------------------------------------------------------------- */

static void dw_print(FILE *out, const struct type *t, const uint8_t *bytes,
		     const struct print_ctx *ctx, int indent)
{
	uint64_t pid = 0, n = 0;
	uint32_t frames = (uint32_t)t->fmt_id & 0xffff;
	memcpy(&pid, bytes, 8);
	memcpy(&n, bytes + 8, 8);
	if (n > frames)
		n = frames;
	uint64_t ips[1024];
	for (uint64_t i = 0; i < n && i < 1024; i++)
		memcpy(&ips[i], bytes + ABI_DW_HDR + 8 * i, 8);
	builtin_print_frames(out, t, true, (uint32_t)pid, ips, (int)n, ctx, indent);
}

#define DW_FLAGS (BF_CTX | BF_NO_FOR)

static const struct builtin rows[] = {
	BUILTIN_VAR("dw_ustack", DW_FLAGS, check_dw_var, dw_emit),
	BUILTIN_FUNC("dw_ustack", 0, 2, DW_FLAGS, check_dw_call, dw_emit),
};

static const struct builtin_fmt fmts[] = {
	{ SUB_DWSTACK, TY_STR, dw_print },
};

const struct builtin_family builtin_family_dwstack = { "dw_ustack", rows, BUILTIN_NROWS(rows),
							fmts, BUILTIN_NROWS(fmts) };
