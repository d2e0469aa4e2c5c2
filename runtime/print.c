/*
 * runtime/print.c — print_map(): one map snapshot as bpftrace 0.17's text output.
 *
 * Owns: the "@name[key]: value" lines, the framing newlines per value kind, top/div of
 * print(@m, top, div), and the value formats of count/sum/min/max/avg/stats/int/str/tuple
 * maps. Sorting lives in snapshot.c (snapshot_order), hist/lhist bodies in print_hist.c.
 * Must not: include libbpf or read BPF maps; it sees only neutral snapshots and a FILE*.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../codegen/abi.h"
#include "snapshot.h"

static void print_key(FILE *out, const struct map_snapshot *s, const struct snap_entry *e,
		      const struct print_ctx *ctx, const uint32_t *koffs)
{
	fputs(s->name ? s->name : "@", out);
	if (s->key.kind == TY_NONE || !e->key)
		return;
	/* bpftrace indents stack frames in keys by 4, elsewhere by 8 */
	struct print_ctx kctx = { 0 };
	if (ctx) {
		kctx = *ctx;
		kctx.stack_indent = 4;
		ctx = &kctx;
	}
	fputc('[', out);
	if (s->key.kind == TY_TUPLE) {
		/* a multi-value key @x[a, b] prints its elements without inner parentheses */
		for (int i = 0; i < s->key.nelems; i++) {
			if (i)
				fputs(", ", out);
			fmt_value(out, &s->key.elems[i], e->key + koffs[i], ctx);
		}
	} else {
		fmt_value(out, &s->key, e->key, ctx);
	}
	fputc(']', out);
}

static void print_scalar(FILE *out, const struct map_snapshot *s, const struct snap_entry *e,
			 const struct print_ctx *ctx, uint64_t div)
{
	const struct type *t = &s->val;
	bool is_signed = t->is_signed && t->kind != TY_COUNT;

	if (t->kind == TY_INT && t->sub != SUB_NONE) { /* strftime() timestamps */
		uint8_t b[8];
		memcpy(b, &e->value, 8);
		fmt_value(out, t, b, ctx);
		return;
	}
	switch (t->kind) {
	case TY_COUNT:
	case TY_SUM:
	case TY_INT:
	case TY_MIN:
	case TY_MAX:
		if (is_signed)
			fprintf(out, "%lld", (long long)(e->value / (int64_t)div));
		else
			fprintf(out, "%llu", (unsigned long long)((uint64_t)e->value / div));
		break;
	case TY_AVG: {
		int64_t avg = e->count ? e->total / (int64_t)e->count : 0;
		fprintf(out, "%lld", (long long)(avg / (int64_t)div));
		break;
	}
	case TY_STATS: {
		int64_t avg = e->count ? e->total / (int64_t)e->count : 0;
		fprintf(out, "count %lld, average %lld, total %lld", (long long)e->count,
			(long long)avg, (long long)e->total);
		break;
	}
	case TY_PROBE:
		if (e->bytes) {
			fmt_value(out, t, e->bytes, ctx);
		} else {
			uint8_t b[8];
			memcpy(b, &e->value, 8);
			fmt_value(out, t, b, ctx);
		}
		break;
	case TY_STR:
	case TY_TUPLE:
	case TY_RECORD:
		if (e->bytes)
			fmt_value(out, t, e->bytes, ctx);
		break;
	default:
		break;
	}
}

void print_map(FILE *out, const struct map_snapshot *s, const struct print_ctx *ctx,
	       int64_t top, int64_t div)
{
	enum type_kind k = s->val.kind;
	bool is_stats = k == TY_AVG || k == TY_STATS;
	uint64_t d = div > 1 ? (uint64_t)div : 1;
	uint32_t *koffs = NULL;
	int *order = NULL;
	int start = 0;

	if (k == TY_STATS) /* 0.17 warns at compile time and ignores both */
		top = 0, d = 1;
	if (s->n > 0) {
		order = malloc(sizeof(*order) * (size_t)s->n);
		if (!order || snapshot_order(s, order)) {
			/* out of memory: still print every entry, in snapshot order */
			free(order);
			order = NULL;
		}
	}
	if (s->key.kind == TY_TUPLE) {
		koffs = calloc(s->key.nelems ? s->key.nelems : 1, sizeof(*koffs));
		if (!koffs) {
			free(order);
			return;
		}
		abi_tuple_layout(s->key.elems, s->key.nelems, koffs);
	}
	if (top > 0 && s->n > top)
		start = s->n - (int)top;

	flockfile(out);
	for (int i = start; i < s->n; i++) {
		const struct snap_entry *e = &s->entries[order ? order[i] : i];
		if (i > start)
			fputc('\n', out);
		print_key(out, s, e, ctx, koffs);
		fputs(": ", out);
		if (k == TY_HIST) {
			fputc('\n', out);
			print_hist_rows(out, e->slots, s->nslots, d);
		} else if (k == TY_LHIST) {
			fputc('\n', out);
			print_lhist_rows(out, e->slots, s->nslots, s->val.lh_min, s->val.lh_max,
					 s->val.lh_step);
		} else {
			print_scalar(out, s, e, ctx, d);
		}
	}
	fputc('\n', out);
	if (is_stats)
		fputc('\n', out);
	funlockfile(out);
	free(koffs);
	free(order);
}
