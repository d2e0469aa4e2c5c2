/*
 * stdlib/builtin_tseries.c — the time series family: current bpftrace's aggregation
 * `@m[k] = tseries(value, interval, num_intervals[, "avg"|"max"|"min"|"sum"])`.
 *
 * Owns: its argument rules (an integer value; the interval a positive integer literal or
 * duration, e.g. 100ms; the number of intervals a literal 1..TSERIES_MAX_INTERVALS;
 * the aggregation a string literal) and its type: TY_TSERIES with lh_min = interval in
 * ns, lh_max = intervals, lh_step = enum tseries_agg, is_signed = the value's sign; and
 * its update: which interval an update falls in (the time, nsecs(sw_tai) as bpftrace
 * reads it, divided by the interval; its slot is that number modulo the intervals kept)
 * and how the per-CPU struct abi_tseries_slot changes: a slot still holding an older
 * interval starts over; the value is the last one (meta: its time), the sum, the running
 * sum with a count (avg), or the min/max (meta: set).
 * Must not: build keys or look maps up (codegen/emit_maps.c), merge CPUs
 * (runtime/maps_read.c) or print (runtime/print_tseries.c).
 */
#include <linux/bpf.h>
#include <string.h>

#include "builtin_family.h"

/* ---- sema ----------------------------------------------------------------------------- */

static bool literal(struct sema *s, struct node *a, const char *what, int64_t lo, int64_t hi)
{
	if (a->kind != AST_INT) {
		sema_expr(s, a);
		diag_error(s->d, a->loc, "tseries(): the %s must be an integer literal or a "
					 "duration (e.g. 100ms)", what);
		return false;
	}
	a->type = type_s64();
	if (a->ival < lo || a->ival > hi) {
		diag_error(s->d, a->loc, "tseries(): the %s must be from %lld to %lld, not %lld",
			   what, (long long)lo, (long long)hi, (long long)a->ival);
		return false;
	}
	return true;
}

static void check_tseries(struct sema *s, struct node *n)
{
	static const struct { const char *name; enum tseries_agg agg; } aggs[] = {
		{ "avg", TS_AGG_AVG }, { "max", TS_AGG_MAX }, { "min", TS_AGG_MIN },
		{ "sum", TS_AGG_SUM },
	};
	struct node *v = n->list, *iv = v->next, *cnt = iv->next, *agg = cnt->next;
	sema_expr(s, v);
	bool ok = v->type.kind == TY_INT;
	if (v->type.kind != TY_INT && v->type.kind != TY_NONE)
		diag_error(s->d, v->loc, "tseries() only supports integer values (%s provided)",
			   sema_kind_word(&v->type));
	ok = literal(s, iv, "interval", 1, INT64_MAX) && ok;
	ok = literal(s, cnt, "number of intervals", 1, TSERIES_MAX_INTERVALS) && ok;
	int64_t which = TS_AGG_LAST;
	if (agg) {
		bool known = false;
		for (size_t i = 0; agg->kind == AST_STR && i < sizeof(aggs) / sizeof(aggs[0]); i++)
			if (strcmp(agg->str, aggs[i].name) == 0) {
				which = aggs[i].agg;
				known = true;
			}
		if (!known) {
			diag_error(s->d, agg->loc, "tseries(): the aggregation must be \"avg\", "
						   "\"max\", \"min\" or \"sum\"");
			ok = false;
		} else {
			agg->type = type_str(agg->slen + 1);
		}
	}
	if (!ok)
		return;
	n->type = type_agg(TY_TSERIES, v->type.is_signed);
	n->type.lh_min = iv->ival;
	n->type.lh_max = cnt->ival;
	n->type.lh_step = which;
}

/* ---- codegen -------------------------------------------------------------------------- */

#define TS_VAL 0
#define TS_META 8
#define TS_EPOCH 16

static bool tseries_slot(struct cg *c, const struct map_info *mi, struct node *call,
			 LLVMValueRef v, const struct abi_map_layout *l, LLVMValueRef *slot)
{
	const struct type *t = &mi->val;
	LLVMValueRef boot = bpfb_helper(c, BPF_FUNC_ktime_get_boot_ns, c->i64, NULL, 0, "boot");
	c->fn.ts_now = LLVMBuildAdd(c->b, boot, bpfb_i64(c, builtin_tai_offset()), "ts_now");
	c->fn.ts_epoch = LLVMBuildUDiv(c->b, c->fn.ts_now, bpfb_i64(c, (uint64_t)t->lh_min),
				       "ts_epoch");
	*slot = LLVMBuildURem(c->b, c->fn.ts_epoch, bpfb_i64(c, (uint64_t)t->lh_max), "ts_slot");
	return true;
}

static void tseries_apply(struct cg *c, const struct type *t, LLVMValueRef p, LLVMValueRef v)
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

static void tseries_init(struct cg *c, const struct type *t, LLVMValueRef buf, LLVMValueRef v)
{
	bpfb_store(c, bpfb_i64(c, 0), bpfb_gep(c, buf, TS_VAL), 8);
	bpfb_store(c, bpfb_i64(c, 0), bpfb_gep(c, buf, TS_META), 8);
	bpfb_store(c, c->fn.ts_epoch, bpfb_gep(c, buf, TS_EPOCH), 8);
	tseries_apply(c, t, buf, v);
}

static const struct builtin_agg tseries_agg = { tseries_slot, tseries_apply, tseries_init };

static const struct builtin rows[] = {
	BUILTIN_AGG("tseries", 3, 4, check_tseries, &tseries_agg),
};

const struct builtin_family builtin_family_tseries = { "time series", rows,
							BUILTIN_NROWS(rows), NULL, 0 };
