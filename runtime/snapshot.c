/*
 * runtime/snapshot.c — freeing snapshots and computing the order bpftrace 0.17 prints
 * their entries in.
 *
 * Owns: snapshot_free(), snapshot_order() and the walk the text and JSON printers share
 * (order, top, tuple key offsets, key elements), including a faithful copy of libstdc++'s
 * std::sort (introsort + final insertion sort). bpftrace sorts hist/lhist/avg/stats maps
 * with the unstable std::sort starting from std::map (key-byte) order, so the order of
 * equal totals is deterministic in bpftrace and we reproduce it exactly.
 * Must not: format any value itself (the printers pass their own), include libbpf, or read
 * BPF maps.
 */
#include "snapshot.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../sema/abi.h"

void snapshot_free(struct map_snapshot *s)
{
	if (!s)
		return;
	for (int i = 0; i < s->n; i++) {
		free(s->entries[i].key);
		free(s->entries[i].slots);
		free(s->entries[i].bytes);
	}
	free(s->entries);
	memset(s, 0, sizeof(*s));
}

/* One sortable row: the entry index plus the precomputed sort metric, so comparisons never
 * re-derive values (100k-entry maps must print fast). */
struct ord {
	int idx;
	int64_t m;
};

struct sort_ctx {
	const struct map_snapshot *s;
	uint32_t ksize;
	bool m_signed;
	uint32_t *koffs; /* tuple keys: element offsets, computed once */
};

/* ---- libstdc++ std::sort, comparing on metric only (as bpftrace's lambda does) ------ */

static inline bool ord_less(const struct sort_ctx *c, const struct ord *a, const struct ord *b)
{
	if (c->m_signed)
		return a->m < b->m;
	return (uint64_t)a->m < (uint64_t)b->m;
}

static void swap_ord(struct ord *a, struct ord *b)
{
	struct ord t = *a;
	*a = *b;
	*b = t;
}

static void push_heap(const struct sort_ctx *c, struct ord *first, long hole, long top,
		      struct ord val)
{
	long parent = (hole - 1) / 2;
	while (hole > top && ord_less(c, &first[parent], &val)) {
		first[hole] = first[parent];
		hole = parent;
		parent = (hole - 1) / 2;
	}
	first[hole] = val;
}

static void adjust_heap(const struct sort_ctx *c, struct ord *first, long hole, long len,
			struct ord val)
{
	long top = hole, child = hole;
	while (child < (len - 1) / 2) {
		child = 2 * (child + 1);
		if (ord_less(c, &first[child], &first[child - 1]))
			child--;
		first[hole] = first[child];
		hole = child;
	}
	if ((len & 1) == 0 && child == (len - 2) / 2) {
		child = 2 * (child + 1);
		first[hole] = first[child - 1];
		hole = child - 1;
	}
	push_heap(c, first, hole, top, val);
}

static void heap_sort(const struct sort_ctx *c, struct ord *first, struct ord *last)
{
	long len = last - first;
	if (len >= 2) {
		for (long parent = (len - 2) / 2;; parent--) {
			adjust_heap(c, first, parent, len, first[parent]);
			if (parent == 0)
				break;
		}
	}
	while (last - first > 1) {
		--last;
		struct ord val = *last;
		*last = *first;
		adjust_heap(c, first, 0, last - first, val);
	}
}

static void move_median_to_first(const struct sort_ctx *c, struct ord *result, struct ord *a,
				 struct ord *b, struct ord *d)
{
	if (ord_less(c, a, b)) {
		if (ord_less(c, b, d))
			swap_ord(result, b);
		else if (ord_less(c, a, d))
			swap_ord(result, d);
		else
			swap_ord(result, a);
	} else if (ord_less(c, a, d)) {
		swap_ord(result, a);
	} else if (ord_less(c, b, d)) {
		swap_ord(result, d);
	} else {
		swap_ord(result, b);
	}
}

static struct ord *unguarded_partition(const struct sort_ctx *c, struct ord *first,
				       struct ord *last, struct ord *pivot)
{
	for (;;) {
		while (ord_less(c, first, pivot))
			++first;
		--last;
		while (ord_less(c, pivot, last))
			--last;
		if (!(first < last))
			return first;
		swap_ord(first, last);
		++first;
	}
}

#define STD_SORT_THRESHOLD 16

static void introsort_loop(const struct sort_ctx *c, struct ord *first, struct ord *last,
			   long depth)
{
	while (last - first > STD_SORT_THRESHOLD) {
		if (depth == 0) {
			heap_sort(c, first, last);
			return;
		}
		--depth;
		struct ord *mid = first + (last - first) / 2;
		move_median_to_first(c, first, first + 1, mid, last - 1);
		struct ord *cut = unguarded_partition(c, first + 1, last, first);
		introsort_loop(c, cut, last, depth);
		last = cut;
	}
}

static void unguarded_linear_insert(const struct sort_ctx *c, struct ord *last)
{
	struct ord val = *last;
	struct ord *next = last - 1;
	while (ord_less(c, &val, next)) {
		*last = *next;
		last = next;
		--next;
	}
	*last = val;
}

static void insertion_sort(const struct sort_ctx *c, struct ord *first, struct ord *last)
{
	if (first == last)
		return;
	for (struct ord *i = first + 1; i != last; ++i) {
		if (ord_less(c, i, first)) {
			struct ord val = *i;
			memmove(first + 1, first, (size_t)(i - first) * sizeof(*first));
			*first = val;
		} else {
			unguarded_linear_insert(c, i);
		}
	}
}

static void std_sort(const struct sort_ctx *c, struct ord *first, struct ord *last)
{
	long n = last - first;
	if (n <= 1)
		return;
	long lg = 63 - __builtin_clzl((unsigned long)n);
	introsort_loop(c, first, last, lg * 2);
	if (n > STD_SORT_THRESHOLD) {
		insertion_sort(c, first, first + STD_SORT_THRESHOLD);
		for (struct ord *i = first + STD_SORT_THRESHOLD; i != last; ++i)
			unguarded_linear_insert(c, i);
	} else {
		insertion_sort(c, first, last);
	}
}

/* ---- key comparison ------------------------------------------------------------------- */

static int key_bytes_cmp(const struct sort_ctx *c, int a, int b)
{
	if (!c->ksize)
		return 0;
	return memcmp(c->s->entries[a].key, c->s->entries[b].key, c->ksize);
}

static int cmp_key_bytes(const void *pa, const void *pb, void *arg)
{
	const struct sort_ctx *qctx = arg;
	const struct ord *a = pa, *b = pb;
	int r = key_bytes_cmp(qctx, a->idx, b->idx);
	return r ? r : (a->idx > b->idx) - (a->idx < b->idx);
}

static int cmp_metric_then_key(const void *pa, const void *pb, void *arg)
{
	const struct sort_ctx *qctx = arg;
	const struct ord *a = pa, *b = pb;
	if (ord_less(qctx, a, b))
		return -1;
	if (ord_less(qctx, b, a))
		return 1;
	return cmp_key_bytes(pa, pb, arg);
}

/* bpftrace's sort_by_key(): integers compare as unsigned, strings with strncmp, other
 * element types (probe, nested tuple) are not compared. */
static int cmp_one_key(const struct type *t, const uint8_t *a, const uint8_t *b)
{
	if (t->kind == TY_INT) {
		uint64_t va, vb;
		memcpy(&va, a, 8);
		memcpy(&vb, b, 8);
		return (va > vb) - (va < vb);
	}
	if (t->kind == TY_STR)
		return strncmp((const char *)a, (const char *)b, t->size);
	return 0;
}

static int cmp_by_key(const void *pa, const void *pb, void *arg)
{
	const struct sort_ctx *qctx = arg;
	const struct ord *a = pa, *b = pb;
	const struct type *kt = &qctx->s->key;
	const uint8_t *ka = qctx->s->entries[a->idx].key, *kb = qctx->s->entries[b->idx].key;
	int r = 0;
	if (ka && kb) {
		if (kt->kind == TY_TUPLE) {
			for (int i = 0; i < kt->nelems && !r; i++)
				r = cmp_one_key(&kt->elems[i], ka + qctx->koffs[i],
						kb + qctx->koffs[i]);
		} else {
			r = cmp_one_key(kt, ka, kb);
		}
	}
	return r ? r : cmp_key_bytes(pa, pb, arg);
}

static int64_t entry_metric(const struct map_snapshot *s, const struct snap_entry *e)
{
	switch (s->val.kind) {
	case TY_HIST:
	case TY_LHIST: {
		uint64_t sum = 0;
		for (uint32_t i = 0; e->slots && i < s->nslots; i++)
			sum += e->slots[i];
		return (int64_t)sum;
	}
	case TY_AVG:
	case TY_STATS:
		return e->count ? e->total / (int64_t)e->count : 0;
	default:
		return e->value;
	}
}

int snapshot_order(const struct map_snapshot *s, int *order)
{
	struct sort_ctx c = { .s = s };
	struct ord *v;

	if (s->n <= 0)
		return 0;
	v = malloc(sizeof(*v) * (size_t)s->n);
	if (!v)
		return -ENOMEM;
	c.ksize = s->key.kind == TY_NONE ? 0 : type_storage_size(&s->key);
	for (int i = 0; i < s->n; i++) {
		if (!s->entries[i].key)
			c.ksize = 0;
	}
	c.m_signed = true;
	for (int i = 0; i < s->n; i++) {
		v[i].idx = i;
		v[i].m = entry_metric(s, &s->entries[i]);
	}
	switch (s->val.kind) {
	case TY_HIST:
	case TY_LHIST:
	case TY_AVG:
	case TY_STATS:
		/* std::map order first, then bpftrace's unstable std::sort on the metric. */
		qsort_r(v, (size_t)s->n, sizeof(*v), cmp_key_bytes, &c);
		std_sort(&c, v, v + s->n);
		break;
	case TY_COUNT:
	case TY_SUM:
	case TY_INT:
	case TY_MIN:
	case TY_MAX:
		c.m_signed = s->val.kind != TY_COUNT && s->val.is_signed;
		qsort_r(v, (size_t)s->n, sizeof(*v), cmp_metric_then_key, &c);
		break;
	default:
		if (s->key.kind == TY_TUPLE) {
			c.koffs = calloc(s->key.nelems ? s->key.nelems : 1, sizeof(*c.koffs));
			if (!c.koffs) {
				free(v);
							return -ENOMEM;
			}
			abi_tuple_layout(s->key.elems, s->key.nelems, c.koffs);
		}
		qsort_r(v, (size_t)s->n, sizeof(*v), cmp_by_key, &c);
		free(c.koffs);
		break;
	}
	for (int i = 0; i < s->n; i++)
		order[i] = v[i].idx;
	free(v);
	return 0;
}

int snapshot_walk_begin(const struct map_snapshot *s, int64_t top, struct snapshot_walk *w)
{
	memset(w, 0, sizeof(*w));
	if (s->key.kind == TY_TUPLE) {
		w->koffs = calloc(s->key.nelems ? s->key.nelems : 1, sizeof(*w->koffs));
		if (!w->koffs)
			return -ENOMEM;
		abi_tuple_layout(s->key.elems, s->key.nelems, w->koffs);
	}
	if (s->n > 0) {
		w->order = malloc(sizeof(*w->order) * (size_t)s->n);
		if (w->order && snapshot_order(s, w->order)) {
			free(w->order); /* out of memory: every entry still prints, unsorted */
			w->order = NULL;
		}
	}
	if (top > 0 && s->n > top)
		w->start = s->n - (int)top;
	return 0;
}

const struct snap_entry *snapshot_walk_entry(const struct map_snapshot *s,
					     const struct snapshot_walk *w, int i)
{
	return &s->entries[w->order ? w->order[i] : i];
}

void snapshot_walk_end(struct snapshot_walk *w)
{
	free(w->order);
	free(w->koffs);
	memset(w, 0, sizeof(*w));
}

void snapshot_key_each(FILE *out, const struct map_snapshot *s, const struct snap_entry *e,
		       const struct snapshot_walk *w, const char *sep,
		       void (*elem)(FILE *, const struct type *, const uint8_t *,
				    const struct print_ctx *),
		       const struct print_ctx *ctx)
{
	/* stack frames in keys are indented by 4, elsewhere by 8 (bpftrace; 0.17's JSON too) */
	struct print_ctx kctx = { 0 };
	if (ctx) {
		kctx = *ctx;
		kctx.stack_indent = 4;
		kctx.in_key = true;
		ctx = &kctx;
	}
	if (s->key.kind != TY_TUPLE || s->key.names) { /* a record key prints whole */
		elem(out, &s->key, e->key, ctx);
		return;
	}
	for (int i = 0; i < s->key.nelems; i++) {
		if (i)
			fputs(sep, out);
		elem(out, &s->key.elems[i], e->key + w->koffs[i], ctx);
	}
}
