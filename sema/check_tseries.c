/*
 * sema/check_tseries.c — typing of current bpftrace's time-series aggregation,
 * `@m[k] = tseries(value, interval, num_intervals[, "avg"|"max"|"min"|"sum"])`.
 *
 * Owns: its argument rules (an integer value; the interval a positive integer literal or
 * duration, e.g. 100ms; the number of intervals a literal 1..TSERIES_MAX_INTERVALS;
 * the aggregation a string literal) and its type: TY_TSERIES with lh_min = interval in
 * ns, lh_max = intervals, lh_step = enum tseries_agg, is_signed = the value's sign.
 * Must not: emit code (codegen/emit_tseries.c) or print (runtime/print_tseries.c).
 */
#include <string.h>

#include "sema_int.h"

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

void sema_tseries_call(struct sema *s, struct node *n)
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
