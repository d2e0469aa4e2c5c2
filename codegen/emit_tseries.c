/*
 * codegen/emit_tseries.c — code for tseries() updates (typed in sema/check_tseries.c),
 * called from the aggregation update of codegen/emit_maps.c.
 *
 * Owns: which interval an update falls in (the time, nsecs(sw_tai) as bpftrace reads it,
 * divided by the interval; its slot is that number modulo the intervals kept) and how the
 * per-CPU struct abi_tseries_slot changes: a slot still holding an older interval starts
 * over; the value is the last one (meta: its time), the sum, the running sum with a
 * count (avg), or the min/max (meta: set).
 * Must not: build keys or look maps up (emit_maps.c) or merge CPUs (runtime/maps_read.c).
 */
#include <linux/bpf.h>

#include "codegen_internal.h"

#define TS_VAL 0
#define TS_META 8
#define TS_EPOCH 16

LLVMValueRef cg_tseries_slot(struct cg *c, const struct type *t)
{
	LLVMValueRef boot = bpfb_helper(c, BPF_FUNC_ktime_get_boot_ns, c->i64, NULL, 0, "boot");
	c->fn.ts_now = LLVMBuildAdd(c->b, boot, bpfb_i64(c, cg_tai_offset()), "ts_now");
	c->fn.ts_epoch = LLVMBuildUDiv(c->b, c->fn.ts_now, bpfb_i64(c, (uint64_t)t->lh_min),
				       "ts_epoch");
	return LLVMBuildURem(c->b, c->fn.ts_epoch, bpfb_i64(c, (uint64_t)t->lh_max), "ts_slot");
}

void cg_tseries_apply(struct cg *c, const struct type *t, LLVMValueRef p, LLVMValueRef v)
{
	LLVMValueRef vp = bpfb_gep(c, p, TS_VAL), mp = bpfb_gep(c, p, TS_META);
	LLVMValueRef ep = bpfb_gep(c, p, TS_EPOCH), zero = bpfb_i64(c, 0);
	LLVMValueRef epoch = c->fn.ts_epoch;
	if (t->lh_step != TS_AGG_LAST) {
		/* an older interval in this slot: it starts over */
		LLVMValueRef stale = LLVMBuildICmp(c->b, LLVMIntNE, bpfb_load(c, c->i64, ep, 8),
						   epoch, "");
		bpfb_store(c, LLVMBuildSelect(c->b, stale, zero, bpfb_load(c, c->i64, vp, 8), ""),
			   vp, 8);
		bpfb_store(c, LLVMBuildSelect(c->b, stale, zero, bpfb_load(c, c->i64, mp, 8), ""),
			   mp, 8);
	}
	switch (t->lh_step) {
	case TS_AGG_AVG:
		bpfb_store(c, LLVMBuildAdd(c->b, bpfb_load(c, c->i64, mp, 8), bpfb_i64(c, 1), ""),
			   mp, 8);
		__attribute__((fallthrough)); /* and the running sum */
	case TS_AGG_SUM:
		bpfb_store(c, LLVMBuildAdd(c->b, bpfb_load(c, c->i64, vp, 8), v, ""), vp, 8);
		break;
	case TS_AGG_MIN:
	case TS_AGG_MAX: {
		LLVMValueRef old = bpfb_load(c, c->i64, vp, 8);
		LLVMIntPredicate pr = t->lh_step == TS_AGG_MIN
					      ? (t->is_signed ? LLVMIntSLT : LLVMIntULT)
					      : (t->is_signed ? LLVMIntSGT : LLVMIntUGT);
		LLVMValueRef unset = LLVMBuildICmp(c->b, LLVMIntEQ, bpfb_load(c, c->i64, mp, 8),
						   zero, "");
		LLVMValueRef take = LLVMBuildOr(c->b, unset, LLVMBuildICmp(c->b, pr, v, old, ""), "");
		bpfb_store(c, LLVMBuildSelect(c->b, take, v, old, ""), vp, 8);
		bpfb_store(c, bpfb_i64(c, 1), mp, 8);
		break;
	}
	default: /* the last value, with its time for merging CPUs */
		bpfb_store(c, v, vp, 8);
		bpfb_store(c, c->fn.ts_now, mp, 8);
		break;
	}
	bpfb_store(c, epoch, ep, 8);
}

void cg_tseries_init(struct cg *c, const struct type *t, LLVMValueRef buf, LLVMValueRef v)
{
	bpfb_store(c, bpfb_i64(c, 0), bpfb_gep(c, buf, TS_VAL), 8);
	bpfb_store(c, bpfb_i64(c, 0), bpfb_gep(c, buf, TS_META), 8);
	bpfb_store(c, c->fn.ts_epoch, bpfb_gep(c, buf, TS_EPOCH), 8);
	cg_tseries_apply(c, t, buf, v);
}
