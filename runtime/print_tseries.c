/*
 * runtime/print_tseries.c — tseries() maps as current bpftrace prints them: per key a
 * time series graph (a header with the min and max, one row per interval from the key's
 * first one to the newest of the map, a '*' placed between min and max, '.' on the zero
 * line, '-' for an interval without a value), and the JSON form.
 *
 * Owns: the layout of those graphs (53 columns, times in local time with the fraction the
 * interval needs), the series range (the map's newest interval and the N before it) and
 * the order of keys (least recently updated first).
 * Must not: read BPF maps (maps_read.c reduced each slot to [interval, value]).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../sema/abi.h"
#include "snapshot.h"

#define GRAPH_WIDTH 53
#define LABEL_PAD 21

struct ts_row {
	uint64_t epoch;
	bool has;
	int64_t v;
};

struct ts_order {
	int idx;
	uint64_t latest;
	const struct map_snapshot *s;
};

static uint64_t latest_epoch(const struct map_snapshot *s, const struct snap_entry *e)
{
	uint64_t m = 0;
	for (uint32_t i = 0; e->slots && i < s->nslots; i++)
		if (e->slots[2 * i] > m)
			m = e->slots[2 * i];
	return m;
}

static int cmp_latest(const void *pa, const void *pb)
{
	const struct ts_order *a = pa, *b = pb;
	if (a->latest != b->latest)
		return a->latest < b->latest ? -1 : 1;
	const struct snap_entry *ea = &a->s->entries[a->idx], *eb = &b->s->entries[b->idx];
	uint32_t ks = a->s->key.kind == TY_NONE ? 0 : type_storage_size(&a->s->key);
	int r = ea->key && eb->key ? memcmp(ea->key, eb->key, ks) : 0;
	return r ? r : a->idx - b->idx;
}

/* The rows of one key: from its first interval within [first, last] to last. */
static int build_rows(const struct map_snapshot *s, const struct snap_entry *e, uint64_t first,
		      uint64_t last, struct ts_row *rows)
{
	uint64_t key_first = last + 1;
	for (uint32_t i = 0; i < s->nslots; i++) {
		uint64_t ep = e->slots[2 * i];
		if (ep && ep >= first && ep <= last && ep < key_first)
			key_first = ep;
	}
	int n = 0;
	for (uint64_t ep = key_first; ep <= last && ep >= key_first; ep++) {
		rows[n] = (struct ts_row){ .epoch = ep };
		for (uint32_t i = 0; i < s->nslots; i++)
			if (e->slots[2 * i] == ep) {
				rows[n].has = true;
				rows[n].v = (int64_t)e->slots[2 * i + 1];
			}
		n++;
	}
	return n;
}

static bool less(bool sgn, int64_t a, int64_t b)
{
	return sgn ? a < b : (uint64_t)a < (uint64_t)b;
}

/* a - b as bpftrace's distance() computes it for the value's signedness */
static double dist(bool sgn, int64_t a, int64_t b)
{
	if (sgn)
		return (double)a - (double)b;
	return (uint64_t)a >= (uint64_t)b ? (double)((uint64_t)a - (uint64_t)b)
					  : -(double)((uint64_t)b - (uint64_t)a);
}

static int num(char *buf, size_t len, bool sgn, int64_t v)
{
	return sgn ? snprintf(buf, len, "%" PRId64, v) : snprintf(buf, len, "%" PRIu64, (uint64_t)v);
}

/* min left-aligned in LABEL_PAD columns, max right-aligned in the rest, after indent */
static void labels(FILE *out, int indent, bool sgn, int64_t mn, int64_t mx)
{
	char a[32], b[32];
	num(a, sizeof(a), sgn, mn);
	num(b, sizeof(b), sgn, mx);
	fprintf(out, "%*s%-*s%*s\n", indent, "", LABEL_PAD, a, GRAPH_WIDTH - LABEL_PAD, b);
}

/* unit digits of the fraction: the interval between rows picks s, ms, us or ns */
static int unit_digits(uint64_t step)
{
	return step >= 1000000000ull ? 0 : step >= 1000000ull ? 3 : step >= 1000ull ? 6 : 9;
}

static void timestamp(FILE *out, uint64_t ns, int digits)
{
	time_t t = (time_t)(ns / 1000000000ull);
	uint64_t frac = ns % 1000000000ull;
	struct tm tm;
	char buf[32];
	localtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%H:%M:%S", &tm);
	fputs(buf, out);
	if (digits == 3)
		fprintf(out, ".%03" PRIu64, (uint64_t)(frac / 1000000));
	else if (digits == 6)
		fprintf(out, ".%06" PRIu64, (uint64_t)(frac / 1000));
	else if (digits == 9)
		fprintf(out, ".%09" PRIu64, (uint64_t)frac);
}

static void graph(FILE *out, const struct ts_row *rows, int n, uint64_t interval, bool sgn)
{
	int64_t mn = rows[0].v, mx = rows[0].v;
	for (int i = 0; i < n; i++) {
		if (!rows[i].has)
			continue;
		if (less(sgn, rows[i].v, mn))
			mn = rows[i].v;
		if (less(sgn, mx, rows[i].v))
			mx = rows[i].v;
	}
	if (mn == mx) { /* room on both sides, unless at the type's edge */
		if (sgn ? mn > INT64_MIN : (uint64_t)mn > 0)
			mn--;
		if (sgn ? mx < INT64_MAX : (uint64_t)mx < UINT64_MAX)
			mx++;
	}
	uint64_t step = (rows[n - 1].epoch - rows[0].epoch) * interval / (uint64_t)(n > 1 ? n - 1 : 1);
	int digits = unit_digits(step);
	const char *unit = digits == 3 ? ".ms" : digits == 6 ? ".\xce\xbcs" : digits == 9 ? ".ns" : "";
	int tsize = 8 + (digits ? 1 + digits : 0);
	labels(out, tsize + 1, sgn, mn, mx);
	char head[32];
	snprintf(head, sizeof(head), "hh:mm:ss%s", unit);
	fputs(head, out);
	/* the header's width counts the unit's bytes, as a stream's setw does */
	for (int i = (int)strlen(head); i < tsize + 1; i++)
		fputc(' ', out);
	fputc('|', out);
	for (int i = 0; i < GRAPH_WIDTH - 2; i++)
		fputc('_', out);
	fputs("|\n", out);
	int zero = 0;
	if (dist(sgn, mn, 0) < 0 && dist(sgn, 0, mx) < 0)
		zero = (int)((float)GRAPH_WIDTH * (float)dist(sgn, mn, 0) / (float)dist(sgn, mn, mx));
	for (int r = 0; r < n; r++) {
		char line[GRAPH_WIDTH + 1];
		memset(line, ' ', GRAPH_WIDTH);
		line[GRAPH_WIDTH] = 0;
		line[0] = line[GRAPH_WIDTH - 1] = '|';
		if (zero > 0)
			line[zero] = '.';
		timestamp(out, rows[r].epoch * interval, digits);
		fputc(' ', out);
		if (!rows[r].has) {
			fprintf(out, "%s -\n", line);
			continue;
		}
		int at = GRAPH_WIDTH / 2;
		if (mn != mx)
			at = (int)((float)(GRAPH_WIDTH - 1) * (float)dist(sgn, rows[r].v, mn) /
				   (float)dist(sgn, mx, mn));
		line[at < 0 ? 0 : at > GRAPH_WIDTH - 1 ? GRAPH_WIDTH - 1 : at] = '*';
		char v[32];
		num(v, sizeof(v), sgn, rows[r].v);
		fprintf(out, "%s %s\n", line, v);
	}
	fprintf(out, "%*s v", tsize, "");
	for (int i = 0; i < GRAPH_WIDTH - 2; i++)
		fputc('_', out);
	fputs("v\n", out);
	labels(out, tsize + 1, sgn, mn, mx);
}

/* The keys in print order (least recently updated first, the last `top` when top > 0) and
 * the map's interval range; NULL when there is nothing to print. */
static struct ts_order *order_keys(const struct map_snapshot *s, int64_t top, int *start,
				   uint64_t *first, uint64_t *last)
{
	if (s->n <= 0 || !s->nslots)
		return NULL;
	struct ts_order *o = malloc(sizeof(*o) * (size_t)s->n);
	if (!o)
		return NULL;
	*last = 0;
	for (int i = 0; i < s->n; i++) {
		o[i] = (struct ts_order){ i, latest_epoch(s, &s->entries[i]), s };
		if (o[i].latest > *last)
			*last = o[i].latest;
	}
	qsort(o, (size_t)s->n, sizeof(*o), cmp_latest);
	*first = *last >= s->nslots ? *last - s->nslots + 1 : 1;
	*start = top > 0 && top < s->n ? s->n - (int)top : 0;
	if (!*last) { /* nothing recorded yet */
		free(o);
		return NULL;
	}
	return o;
}

void print_tseries(FILE *out, const struct map_snapshot *s, const struct print_ctx *ctx,
		   int64_t top)
{
	int start;
	uint64_t first, last;
	struct ts_order *o = order_keys(s, top, &start, &first, &last);
	struct ts_row *rows = o ? malloc(sizeof(*rows) * s->nslots) : NULL;
	struct snapshot_walk w;
	if (!rows || snapshot_walk_begin(s, 0, &w)) {
		free(o);
		free(rows);
		return;
	}
	flockfile(out);
	for (int i = start; i < s->n; i++) {
		const struct snap_entry *e = &s->entries[o[i].idx];
		int n = build_rows(s, e, first, last, rows);
		if (!n)
			continue;
		fputs(s->name ? s->name : "@", out);
		if (s->key.kind != TY_NONE && e->key) {
			fputc('[', out);
			snapshot_key_each(out, s, e, &w, ", ", fmt_value, ctx);
			fputc(']', out);
		}
		fputs(":\n", out);
		graph(out, rows, n, (uint64_t)s->val.lh_min, s->val.is_signed);
		fputc('\n', out);
	}
	funlockfile(out);
	snapshot_walk_end(&w);
	free(rows);
	free(o);
}

/* JSON: [{"interval_start": "2026-12-06T13:00:00.000000000", "value": N}, ...] per key,
 * intervals without a value left out, as bpftrace writes them. */
void print_tseries_json_value(FILE *out, const struct map_snapshot *s,
			      const struct snap_entry *e)
{
	uint64_t first, last;
	int start;
	struct ts_order *o = order_keys(s, 0, &start, &first, &last);
	struct ts_row *rows = o ? malloc(sizeof(*rows) * s->nslots) : NULL;
	int n = rows ? build_rows(s, e, first, last, rows) : 0;
	bool any = false;
	fputc('[', out);
	for (int i = 0; i < n; i++) {
		if (!rows[i].has)
			continue;
		uint64_t ns = rows[i].epoch * (uint64_t)s->val.lh_min;
		time_t t = (time_t)(ns / 1000000000ull);
		struct tm tm;
		char buf[32], v[32];
		localtime_r(&t, &tm);
		strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
		num(v, sizeof(v), s->val.is_signed, rows[i].v);
		fprintf(out, "%s{\"interval_start\": \"%s.%09" PRIu64 "\", \"value\": %s}",
			any ? ", " : "", buf, (uint64_t)(ns % 1000000000u), v);
		any = true;
	}
	fputc(']', out);
	free(rows);
	free(o);
}
