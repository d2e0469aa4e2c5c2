/*
 * stdlib/builtin_maps.c — the maps and aggregations family: count(), sum(), avg(),
 * min(), max(), stats(), hist(), lhist() (only as the value of a map assignment),
 * delete(), clear(), zero(), len() and has_key().
 *
 * Owns: their argument rules (bpftrace's wording for a missing or keyed map, lhist's
 * literal range, hist's bits), the aggregation types, and their code: where an
 * aggregation's value goes in its map element (the log2 and linear histogram slots of
 * sema/abi.h) and how a per-CPU element changes (in place, no atomics: each CPU owns its
 * element); the clear/zero events.
 * Must not: build keys, look maps up or insert elements (codegen/emit_maps.c), iterate
 * maps (len(): codegen/emit_loops.c), or read and print them (runtime/).
 */
#include <linux/bpf.h>

#include "builtin_family.h"

/* ---- sema: map functions -------------------------------------------------------------- */

static bool map_arg(struct sema *s, struct node *n)
{
	if (n->list->kind == AST_MAP)
		return true;
	sema_expr(s, n->list);
	diag_error(s->d, n->loc, "%s() expects a map to be provided", n->str);
	return false;
}

static void check_delete(struct sema *s, struct node *n)
{
	struct node *m = n->list, *key = m->next;
	n->type = type_void(); /* u64 once checked */
	if (!map_arg(s, n))
		return;
	if (key && m->list) {
		sema_exprs(s, key);
		diag_error(s->d, key->loc, "delete(@map, key) takes the map without a key: "
					   "delete(@m, k) or delete(@m[k])");
		return;
	}
	if (key) {
		/* delete(@m, k) (current bpftrace) is delete(@m[k]); a tuple literal is a
		 * multi-key map's key: delete(@m, (a, b)) is delete(@m[a, b]) */
		m->next = NULL;
		if (key->kind == AST_TUPLE) {
			m->list = key->list;
			key->list = NULL;
			ast_free(key);
		} else {
			m->list = key;
		}
	}
	sema_map_key(s, m);
	sema_map_defined(s, m);
	n->type = type_u64(); /* true when the element was there (current bpftrace) */
}

/* clear(@m), zero(@m): the whole map */
static void check_whole_map_fn(struct sema *s, struct node *n)
{
	struct node *m = n->list;
	n->type = type_void();
	if (!map_arg(s, n))
		return;
	if (m->list) {
		sema_exprs(s, m->list);
		diag_error(s->d, n->loc, "The map passed to %s() should not be indexed by a key",
			   n->str);
		return;
	}
	m->sym = sema_map_id(s, m);
	sema_map_defined(s, m);
}

static bool is_stack(const struct type *t)
{
	return (t->kind == TY_INT && (t->sub == SUB_KSTACK || t->sub == SUB_USTACK)) ||
	       (t->kind == TY_STR && t->sub == SUB_DWSTACK); /* dw_ustack: its frame count */
}

/* len(@m): its keys (sema/check_loops.c, with map iteration); len(kstack), len(ustack):
 * the frames of the stack the expression would take here (current bpftrace) */
static void check_len(struct sema *s, struct node *n)
{
	struct node *a = n->list;
	if (a->kind == AST_MAP) {
		sema_len(s, n);
		return;
	}
	sema_expr(s, a);
	n->type = type_none();
	if (a->type.kind == TY_NONE)
		return;
	if (!is_stack(&a->type)) {
		diag_error(s->d, n->loc, "len() expects a map or stack to be provided");
		return;
	}
	n->type = type_s64();
}

/* has_key(@m, k): the key is checked as @m[k] (or @m[a, b] for a tuple) by attaching it
 * to the map node for the duration of the check; codegen does the same, so the tree
 * keeps its shape for later passes. */
static void check_has_key(struct sema *s, struct node *n)
{
	struct node *m = n->list, *k = m->next;
	if (m->kind != AST_MAP) {
		sema_expr(s, m);
		diag_error(s->d, n->loc, "%s() expects a map to be provided", n->str);
		sema_expr(s, k);
		return;
	}
	if (m->list) {
		sema_exprs(s, m->list);
		diag_error(s->d, n->loc, "The map passed to %s() should not be indexed by a key",
			   n->str);
		sema_expr(s, k);
		return;
	}
	m->list = k->kind == AST_TUPLE ? k->list : k;
	m->next = NULL;
	sema_map_key(s, m);
	m->list = NULL;
	m->next = k;
	if (m->sym < 0)
		return;
	const struct map_info *mi = &s->r->maps[m->sym];
	if (mi->val.kind == TY_NONE) {
		if (!s->map_bad[m->sym])
			diag_error(s->d, m->loc, "Undefined map: %s", m->str);
		return;
	}
	if (mi->key.kind == TY_NONE) {
		diag_error(s->d, n->loc, "has_key() needs a map with keys; %s has none", m->str);
		return;
	}
	if (mi->val.kind == TY_TSERIES) { /* a histogram's key: any of its buckets */
		diag_error(s->d, n->loc, "has_key() cannot be used on time-series map %s", m->str);
		return;
	}
	m->type = mi->val;
	n->type = type_u64();
}

/* ---- sema: aggregations --------------------------------------------------------------- */

static void check_count(struct sema *s, struct node *n)
{
	n->type = type_agg(TY_COUNT, false);
}

/* The integer every other aggregation takes; false after an error (or an untyped one). */
static bool agg_value(struct sema *s, struct node *n)
{
	struct node *v = n->list;
	sema_expr(s, v);
	if (v->type.kind == TY_NONE)
		return false;
	if (v->type.kind != TY_INT) {
		diag_error(s->d, n->loc, "%s() only supports integer arguments (%s provided)",
			   n->str, sema_kind_word(&v->type));
		return false;
	}
	return true;
}

static void check_value_agg(struct sema *s, struct node *n, enum type_kind k)
{
	if (agg_value(s, n))
		n->type = type_agg(k, n->list->type.is_signed);
}

static void check_sum(struct sema *s, struct node *n) { check_value_agg(s, n, TY_SUM); }
static void check_avg(struct sema *s, struct node *n) { check_value_agg(s, n, TY_AVG); }
static void check_min(struct sema *s, struct node *n) { check_value_agg(s, n, TY_MIN); }
static void check_max(struct sema *s, struct node *n) { check_value_agg(s, n, TY_MAX); }
static void check_stats(struct sema *s, struct node *n) { check_value_agg(s, n, TY_STATS); }

/* hist(v, k): k splits each power of 2 into 2^k linear buckets (current bpftrace); it
 * sizes the map, so it must be a literal, and bpftrace allows 0..5. */
static void check_hist(struct sema *s, struct node *n)
{
	if (!agg_value(s, n))
		return;
	struct node *a = n->list->next;
	int64_t bits = 0;
	if (a) {
		if (!sema_int_literal(a, &bits)) {
			sema_literal_expected(s, n, a, "integer");
			return;
		}
		sema_expr(s, a);
		if (bits < 0 || bits > ABI_HIST_MAX_BITS) {
			diag_error(s->d, a->loc, "hist: bits %lld must be 0..%d", (long long)bits,
				   ABI_HIST_MAX_BITS);
			return;
		}
	}
	n->type = type_agg(TY_HIST, false);
	n->type.lh_step = bits; /* k of hist(v, k) */
}

static void check_lhist(struct sema *s, struct node *n)
{
	struct node *v = n->list;
	int64_t p[3];
	bool lits = true;
	sema_expr(s, v);
	if (v->type.kind != TY_NONE && v->type.kind != TY_INT) {
		diag_error(s->d, n->loc, "lhist() only supports integer arguments (%s provided)",
			   sema_kind_word(&v->type));
		lits = false;
	}
	int i = 0;
	for (struct node *a = v->next; a; a = a->next, i++) {
		if (!sema_int_literal(a, &p[i])) {
			sema_literal_expected(s, n, a, "integer");
			lits = false;
			continue;
		}
		sema_expr(s, a);
	}
	if (!lits)
		return;
	int64_t min = p[0], max = p[1], step = p[2];
	bool ok = true;
	if (step < 1) {
		diag_error(s->d, n->loc, "lhist() step must be >= 1 (%lld provided)",
			   (long long)step);
		ok = false;
	}
	if (min < 0) {
		diag_error(s->d, n->loc, "lhist() min must be non-negative (provided min %lld)",
			   (long long)min);
		ok = false;
	}
	if (min >= max) {
		diag_error(s->d, n->loc,
			   "lhist() min must be less than max (provided min %lld and max %lld)",
			   (long long)min, (long long)max);
		ok = false;
	}
	if (ok && step > max - min) {
		diag_error(s->d, n->loc,
			   "lhist() step is too large for the given range (provided step %lld for "
			   "range %lld)",
			   (long long)step, (long long)(max - min));
		ok = false;
	}
	if (ok && (max - min) / step > 1000) {
		diag_error(s->d, n->loc,
			   "lhist() too many buckets, must be <= 1000 (would need %lld)",
			   (long long)((max - min) / step));
		ok = false;
	}
	if (!ok)
		return;
	n->type = type_agg(TY_LHIST, false);
	n->type.lh_min = min;
	n->type.lh_max = max;
	n->type.lh_step = step;
}

/* ---- codegen: map functions ----------------------------------------------------------- */

static LLVMValueRef delete_emit(struct cg *c, struct node *n)
{
	if (n->list && n->list->kind == AST_MAP)
		return cg_map_delete(c, n->list);
	cg_error(c, "delete() needs a map element");
	return bpfb_i64(c, 0);
}

/* clear(@m) / zero(@m): an event asking the runtime to do it (u64 map id) */
static LLVMValueRef map_event(struct cg *c, struct node *n, uint64_t id)
{
	int map = cg_map_arg(c, n);
	if (map >= 0) {
		LLVMValueRef w = bpfb_i64(c, (uint64_t)map);
		cg_event_words(c, id, &w, 1);
	}
	return bpfb_i64(c, 0);
}

static LLVMValueRef clear_emit(struct cg *c, struct node *n)
{
	return map_event(c, n, ABI_EV_CLEAR_MAP);
}

static LLVMValueRef zero_emit(struct cg *c, struct node *n)
{
	return map_event(c, n, ABI_EV_ZERO_MAP);
}

/* len(kstack), len(ustack): bpf_get_stack copies up to the stack's limit of frames (8
 * bytes each) into the scratch buffer and says how many bytes it wrote (the stack itself,
 * a stack-map id, is not taken); 0 when it fails */
static LLVMValueRef stack_len_emit(struct cg *c, struct node *n)
{
	const struct type *t = &n->list->type;
	if (t->sub == SUB_DWSTACK) /* unwound here: the count is in the value (sema/abi.h) */
		return bpfb_load(c, c->i64, bpfb_gep(c, cg_expr(c, n->list), 8), 8);
	uint32_t frames = (uint32_t)t->fmt_id & 0xffff, size = (frames ? frames : 1) * 8;
	LLVMValueRef buf = bpfb_buf(c, size, "stack_len");
	LLVMValueRef a[4] = { c->fn.ctx, buf, bpfb_i64(c, size),
			      bpfb_i64(c, t->sub == SUB_USTACK ? BPF_F_USER_STACK : 0) };
	LLVMValueRef r = bpfb_helper(c, BPF_FUNC_get_stack, c->i64, a, 4, "stack_bytes");
	cg_helper_check(c, r, BPF_FUNC_get_stack, n, -1);
	LLVMValueRef neg = LLVMBuildICmp(c->b, LLVMIntSLT, r, bpfb_i64(c, 0), "");
	LLVMValueRef bytes = LLVMBuildSelect(c->b, neg, bpfb_i64(c, 0), r, "");
	return LLVMBuildLShr(c->b, bytes, bpfb_i64(c, 3), "frames");
}

static LLVMValueRef len_emit(struct cg *c, struct node *n)
{
	if (n->list->kind != AST_MAP)
		return stack_len_emit(c, n);
	return cg_map_len(c, n);
}

static LLVMValueRef has_key_emit(struct cg *c, struct node *n)
{
	/* key attached to the map node only while it is built (as sema checked it) */
	struct node *m = n->list, *k = m->next;
	m->list = k->kind == AST_TUPLE ? k->list : k;
	m->next = NULL;
	LLVMValueRef p = cg_map_lookup(c, m);
	m->list = NULL;
	m->next = k;
	return bpfb_zext64(c, LLVMBuildIsNotNull(c->b, p, ""));
}

/* ---- codegen: aggregations ------------------------------------------------------------ */

/* Index of v's highest set bit (0 for 0 and 1), without a loop: a branch-free binary
 * search, six compare-and-shift steps. */
static LLVMValueRef top_bit(struct cg *c, LLVMValueRef v)
{
	LLVMValueRef x = v, r = bpfb_i64(c, 0), zero = bpfb_i64(c, 0);
	static const unsigned shifts[] = { 32, 16, 8, 4, 2, 1 };
	for (int i = 0; i < 6; i++) {
		unsigned sh = shifts[i];
		LLVMValueRef big = LLVMBuildICmp(c->b, LLVMIntUGT, x,
						 bpfb_i64(c, (1ull << sh) - 1), "");
		LLVMValueRef s = LLVMBuildSelect(c->b, big, bpfb_i64(c, sh), zero, "");
		x = LLVMBuildLShr(c->b, x, s, "");
		r = LLVMBuildOr(c->b, r, s, "");
	}
	return r;
}

/* Slot of v in a log2 histogram (abi.h). */
static LLVMValueRef log2_slot(struct cg *c, LLVMValueRef v, bool is_signed)
{
	LLVMValueRef r = top_bit(c, v), zero = bpfb_i64(c, 0);
	LLVMValueRef slot = LLVMBuildAdd(c->b, r, bpfb_i64(c, 2), "");
	slot = LLVMBuildSelect(c->b, LLVMBuildICmp(c->b, LLVMIntEQ, v, zero, ""),
			       bpfb_i64(c, 1), slot, "");
	if (is_signed)
		slot = LLVMBuildSelect(c->b, LLVMBuildICmp(c->b, LLVMIntSLT, v, zero, ""), zero,
				       slot, "hslot");
	return slot;
}

/* Slot of v in hist(v, k), k = 1..5 (abi.h): below 2^k one slot per value, above it the
 * top bit's power of 2 split into 2^k sub-buckets by the k bits under the top bit. */
static LLVMValueRef log2k_slot(struct cg *c, LLVMValueRef v, bool is_signed, unsigned k)
{
	LLVMValueRef top = top_bit(c, v), zero = bpfb_i64(c, 0);
	uint64_t mask = (1ull << k) - 1;
	LLVMValueRef small = LLVMBuildICmp(c->b, LLVMIntULE, v, bpfb_i64(c, mask), "");
	/* for small values top < k: clamp the shift so no lane is undefined */
	LLVMValueRef sh = LLVMBuildSelect(c->b, small, zero,
					  LLVMBuildSub(c->b, top, bpfb_i64(c, k), ""), "");
	LLVMValueRef sub = LLVMBuildAnd(c->b, LLVMBuildLShr(c->b, v, sh, ""),
					bpfb_i64(c, mask), "");
	LLVMValueRef slot = LLVMBuildShl(c->b, LLVMBuildAdd(c->b, sh, bpfb_i64(c, 1), ""),
					 bpfb_i64(c, k), "");
	slot = LLVMBuildAdd(c->b, LLVMBuildAdd(c->b, slot, sub, ""), bpfb_i64(c, 1), "");
	slot = LLVMBuildSelect(c->b, small, LLVMBuildAdd(c->b, v, bpfb_i64(c, 1), ""), slot, "");
	if (is_signed)
		slot = LLVMBuildSelect(c->b, LLVMBuildICmp(c->b, LLVMIntSLT, v, zero, ""), zero,
				       slot, "hkslot");
	return slot;
}

static LLVMValueRef lin_slot(struct cg *c, LLVMValueRef v, const struct type *t,
			     uint32_t nslots)
{
	bool s = t->is_signed;
	LLVMValueRef mn = bpfb_i64(c, (uint64_t)t->lh_min), mx = bpfb_i64(c, (uint64_t)t->lh_max);
	LLVMValueRef idx = LLVMBuildUDiv(c->b, LLVMBuildSub(c->b, v, mn, ""),
					 bpfb_i64(c, (uint64_t)t->lh_step), "");
	LLVMValueRef slot = LLVMBuildAdd(c->b, idx, bpfb_i64(c, 1), "");
	LLVMValueRef hi = LLVMBuildICmp(c->b, s ? LLVMIntSGE : LLVMIntUGE, v, mx, "");
	slot = LLVMBuildSelect(c->b, hi, bpfb_i64(c, nslots - 1), slot, "");
	LLVMValueRef lo = LLVMBuildICmp(c->b, s ? LLVMIntSLT : LLVMIntULT, v, mn, "");
	return LLVMBuildSelect(c->b, lo, bpfb_i64(c, 0), slot, "lslot");
}

/* one element per key */
static bool one_slot(struct cg *c, const struct map_info *mi, struct node *call,
		     LLVMValueRef v, const struct abi_map_layout *l, LLVMValueRef *slot)
{
	*slot = NULL;
	return true;
}

static bool hist_slot(struct cg *c, const struct map_info *mi, struct node *call,
		      LLVMValueRef v, const struct abi_map_layout *l, LLVMValueRef *slot)
{
	const struct type *t = &mi->val;
	bool sg = call->list->type.is_signed;
	*slot = t->lh_step > 0 && t->lh_step <= ABI_HIST_MAX_BITS
			? log2k_slot(c, v, sg, (unsigned)t->lh_step)
			: log2_slot(c, v, sg);
	return true;
}

static bool lhist_slot(struct cg *c, const struct map_info *mi, struct node *call,
		       LLVMValueRef v, const struct abi_map_layout *l, LLVMValueRef *slot)
{
	const struct type *t = &mi->val;
	if (t->lh_step <= 0 || t->lh_max <= t->lh_min) {
		cg_error(c, "lhist() of %s has an invalid range", mi->name);
		return false;
	}
	struct type lt = *t;
	lt.is_signed = call->list->type.is_signed;
	*slot = lin_slot(c, v, &lt, l->nslots);
	return true;
}

/* p += x at byte offset off */
static void add_at(struct cg *c, LLVMValueRef p, uint32_t off, LLVMValueRef x)
{
	LLVMValueRef q = off ? bpfb_gep(c, p, off) : p;
	bpfb_store(c, LLVMBuildAdd(c->b, bpfb_load(c, c->i64, q, 8), x, ""), q, 8);
}

/* count: one more */
static void count_apply(struct cg *c, const struct type *t, LLVMValueRef p, LLVMValueRef v)
{
	add_at(c, p, 0, bpfb_i64(c, 1));
}

static void count_init(struct cg *c, const struct type *t, LLVMValueRef buf, LLVMValueRef v)
{
	bpfb_store(c, bpfb_i64(c, 1), buf, 8);
}

static void sum_apply(struct cg *c, const struct type *t, LLVMValueRef p, LLVMValueRef v)
{
	add_at(c, p, 0, v);
}

static void sum_init(struct cg *c, const struct type *t, LLVMValueRef buf, LLVMValueRef v)
{
	bpfb_store(c, v, buf, 8);
}

/* min/max: struct abi_minmax, the value taken when better or not yet set */
static void minmax_apply(struct cg *c, const struct type *t, LLVMValueRef p, LLVMValueRef v)
{
	LLVMValueRef old = bpfb_load(c, c->i64, p, 8);
	LLVMValueRef set = bpfb_load(c, c->i64, bpfb_gep(c, p, 8), 8);
	LLVMIntPredicate pr = t->kind == TY_MIN ? (t->is_signed ? LLVMIntSLT : LLVMIntULT)
						: (t->is_signed ? LLVMIntSGT : LLVMIntUGT);
	LLVMValueRef better = LLVMBuildOr(c->b,
					  LLVMBuildICmp(c->b, LLVMIntEQ, set, bpfb_i64(c, 0), ""),
					  LLVMBuildICmp(c->b, pr, v, old, ""), "");
	bpfb_store(c, LLVMBuildSelect(c->b, better, v, old, ""), p, 8);
	bpfb_store(c, bpfb_i64(c, 1), bpfb_gep(c, p, 8), 8);
}

/* avg/stats: struct abi_avg, the total and the count; min/max start the same way (value,
 * set) */
static void avg_apply(struct cg *c, const struct type *t, LLVMValueRef p, LLVMValueRef v)
{
	add_at(c, p, 0, v);
	add_at(c, p, 8, bpfb_i64(c, 1));
}

static void value_one_init(struct cg *c, const struct type *t, LLVMValueRef buf,
			   LLVMValueRef v)
{
	bpfb_store(c, v, buf, 8);
	bpfb_store(c, bpfb_i64(c, 1), bpfb_gep(c, buf, 8), 8);
}

/* hist/lhist: struct abi_hist_slot, one more in this slot and v added to its sum */
static void hist_apply(struct cg *c, const struct type *t, LLVMValueRef p, LLVMValueRef v)
{
	add_at(c, p, 0, bpfb_i64(c, 1));
	add_at(c, p, 8, v);
}

static void hist_init(struct cg *c, const struct type *t, LLVMValueRef buf, LLVMValueRef v)
{
	bpfb_store(c, bpfb_i64(c, 1), buf, 8);
	bpfb_store(c, v, bpfb_gep(c, buf, 8), 8);
}

static const struct builtin_agg count_agg = { one_slot, count_apply, count_init };
static const struct builtin_agg sum_agg = { one_slot, sum_apply, sum_init };
static const struct builtin_agg minmax_agg = { one_slot, minmax_apply, value_one_init };
static const struct builtin_agg avg_agg = { one_slot, avg_apply, value_one_init };
static const struct builtin_agg hist_agg = { hist_slot, hist_apply, hist_init };
static const struct builtin_agg lhist_agg = { lhist_slot, hist_apply, hist_init };

static const struct builtin rows[] = {
	BUILTIN_AGG("count", 0, 0, check_count, &count_agg),
	BUILTIN_AGG("sum", 1, 1, check_sum, &sum_agg),
	BUILTIN_AGG("avg", 1, 1, check_avg, &avg_agg),
	BUILTIN_AGG("min", 1, 1, check_min, &minmax_agg),
	BUILTIN_AGG("max", 1, 1, check_max, &minmax_agg),
	BUILTIN_AGG("stats", 1, 1, check_stats, &avg_agg),
	BUILTIN_AGG("hist", 1, 2, check_hist, &hist_agg),
	BUILTIN_AGG("lhist", 4, 4, check_lhist, &lhist_agg),
	BUILTIN_FUNC("delete", 1, 2, BF_EFFECT, check_delete, delete_emit),
	BUILTIN_FUNC("clear", 1, 1, 0, check_whole_map_fn, clear_emit),
	BUILTIN_FUNC("zero", 1, 1, 0, check_whole_map_fn, zero_emit),
	BUILTIN_FUNC("len", 1, 1, BF_CTX, check_len, len_emit),
	BUILTIN_FUNC("has_key", 2, 2, 0, check_has_key, has_key_emit),
};

const struct builtin_family builtin_family_maps = { "maps and aggregations", rows,
						     BUILTIN_NROWS(rows), NULL, 0 };
