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

#include "../sema/abi.h"
#include "snapshot.h"

static void print_key(FILE *out, const struct map_snapshot *s, const struct snap_entry *e,
		      const struct print_ctx *ctx, const struct snapshot_walk *w)
{
	fputs(s->name ? s->name : "@", out);
	if (s->key.kind == TY_NONE || !e->key)
		return;
	fputc('[', out);
	/* a multi-value key @x[a, b] prints its elements without inner parentheses */
	snapshot_key_each(out, s, e, w, ", ", fmt_value, ctx);
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
	struct snapshot_walk w;

	if (k == TY_TSERIES) { /* current bpftrace's graphs (print_tseries.c) */
		print_tseries(out, s, ctx, top);
		return;
	}
	if (k == TY_STATS) /* 0.17 warns at compile time and ignores both */
		top = 0, d = 1;
	if (snapshot_walk_begin(s, top, &w))
		return;

	flockfile(out);
	for (int i = w.start; i < s->n; i++) {
		const struct snap_entry *e = snapshot_walk_entry(s, &w, i);
		if (i > w.start)
			fputc('\n', out);
		print_key(out, s, e, ctx, &w);
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
	snapshot_walk_end(&w);
}

char *print_value_text(const struct type *t, const uint8_t *bytes, const struct print_ctx *ctx,
		       size_t *n)
{
	char *buf = NULL;
	*n = 0;
	FILE *m = open_memstream(&buf, n);
	if (!m)
		return NULL;
	fmt_value(m, t, bytes, ctx);
	fclose(m);
	return buf;
}
