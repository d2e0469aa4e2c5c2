/*
 * runtime/print_json.c — `-f json`: maps, values and messages as bpftrace 0.17's JSON
 * lines, from the same snapshots the text printer uses.
 *
 * Owns: the shapes {"type": "map"|"hist"|"stats"|"value"|..., "data": ...} one per line,
 * key strings ("k1,k2"), bucket objects {"min", "max", "count"}, value encodings (numbers,
 * quoted escaped strings, tuples as [a,b]) and the 0.17 quirks copied byte for byte
 * (avg maps are type "stats"; empty maps print nothing), except where 0.17 wrote invalid
 * JSON (COMPAT.md "-f json"): every line written here parses as one JSON document.
 * Must not: read BPF maps or include libbpf; sorting is snapshot_order's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../sema/abi.h"
#include "../stdlib/record_fmt.h"
#include "../stdlib/strings.h"
#include "snapshot.h"

void print_json_message(FILE *out, const char *type, const char *data, size_t n)
{
	fprintf(out, "{\"type\": \"%s\", \"data\": \"", type);
	str_json_escape_bytes(out, data, n);
	fputs("\"}\n", out);
}

void print_json_lost(FILE *out, uint64_t lost)
{
	fprintf(out, "{\"type\": \"lost_events\", \"data\": {\"events\": %llu}}\n",
		(unsigned long long)lost);
}

static void json_text(FILE *out, const struct type *t, const uint8_t *bytes,
		      const struct print_ctx *ctx)
{
	size_t n = 0;
	char *txt = print_value_text(t, bytes, ctx, &n);
	str_json_escape_bytes(out, txt ? txt : "", txt ? n : 0);
	free(txt);
}

void print_json_value(FILE *out, const struct type *t, const uint8_t *bytes,
		      const struct print_ctx *ctx)
{
	switch (t->kind) {
	case TY_TUPLE: {
		uint32_t offs[t->nelems ? t->nelems : 1];
		abi_tuple_layout(t->elems, t->nelems, offs);
		fputc(t->names ? '{' : '[', out); /* a record is an object */
		for (int i = 0; i < t->nelems; i++) {
			if (i)
				fputs(t->names ? ", " : ",", out);
			if (t->names) {
				fputc('"', out);
				str_json_escape_bytes(out, t->names[i], strlen(t->names[i]));
				fputs("\": ", out);
			}
			fmt_elem(out, &t->elems[i], bytes + offs[i], ctx, print_json_value);
		}
		fputc(t->names ? '}' : ']', out);
		return;
	}
	case TY_RECORD: /* { "a": 1, "b": [1,2] } (stdlib/record_fmt.c) */
		fmt_record(out, t->ct, bytes, type_storage_size(t), true);
		return;
	case TY_INT:
	case TY_COUNT:
	case TY_SUM:
	case TY_MIN:
	case TY_MAX:
	case TY_AVG:
		if (t->sub == SUB_NONE || t->sub == SUB_BOOL) { /* a plain number, true/false */
			json_text(out, t, bytes, ctx);
			return;
		}
		break;
	default:
		break;
	}
	/* Everything else is text and a JSON string: strings, buf, ntop, probe, enum names,
	 * ksym/usym/func, stacks (as 0.17) and strftime (0.17 writes it unquoted). */
	fputc('"', out);
	json_text(out, t, bytes, ctx);
	fputc('"', out);
}

/* "k1,k2": the key's elements as text, joined by ',' (0.17's argument_value_list_str). */
static void json_key(FILE *out, const struct map_snapshot *s, const struct snap_entry *e,
		     const struct print_ctx *ctx, const struct snapshot_walk *w)
{
	fputc('"', out);
	snapshot_key_each(out, s, e, w, ",", json_text, ctx);
	fputs("\": ", out);
}

static void json_buckets(FILE *out, const struct map_snapshot *s, const struct snap_entry *e,
			 uint64_t div)
{
	bool lin = s->val.kind == TY_LHIST;
	int first = -1, last = -1;
	for (uint32_t i = 0; i < s->nslots; i++) {
		if (e->slots[i]) {
			if (first < 0)
				first = (int)i;
			last = (int)i;
		}
	}
	fputc('[', out);
	for (int i = first; first >= 0 && i <= last; i++) {
		if (i > first)
			fputs(", ", out);
		fputc('{', out);
		if (!lin && hist_bits_of(s->nslots) > 0) {
			/* hist(v, k): current bpftrace's JsonOutput::hist_to_str */
			uint32_t k = (uint32_t)hist_bits_of(s->nslots), n = 1u << k;
			if (i == 0) {
				fputs("\"max\": -1, ", out);
			} else if (i <= (int)(2u << k)) {
				fprintf(out, "\"min\": %d, \"max\": %d, ", i - 1, i - 1);
			} else {
				uint32_t lp = (((uint32_t)i - 1) >> k) - 1, lb = ((uint32_t)i - 1) & (n - 1);
				uint32_t hp = ((uint32_t)i >> k) - 1, hb = (uint32_t)i & (n - 1);
				fprintf(out, "\"min\": %llu, \"max\": %llu, ",
					(unsigned long long)((1ULL << lp) * (n + lb)),
					(unsigned long long)((1ULL << hp) * (n + hb) - 1));
			}
		} else if (!lin) {
			if (i == 0)
				fputs("\"max\": -1, ", out);
			else if (i == 1)
				fputs("\"min\": 0, \"max\": 0, ", out);
			else
				fprintf(out, "\"min\": %lld, \"max\": %lld, ",
					(long long)(1ULL << (i - 2)),
					(long long)((1ULL << (i - 1)) - 1));
		} else {
			int64_t mn = s->val.lh_min, step = s->val.lh_step;
			if (i == 0)
				fprintf(out, "\"max\": %lld, ", (long long)(mn - 1));
			else if ((uint32_t)i == s->nslots - 1)
				fprintf(out, "\"min\": %lld, ", (long long)s->val.lh_max);
			else
				fprintf(out, "\"min\": %lld, \"max\": %lld, ",
					(long long)(mn + (i - 1) * step),
					(long long)(mn + i * step - 1));
		}
		fprintf(out, "\"count\": %llu}", (unsigned long long)(e->slots[i] / (lin ? 1 : div)));
	}
	fputc(']', out);
}

static void json_scalar(FILE *out, const struct map_snapshot *s, const struct snap_entry *e,
			const struct print_ctx *ctx, uint64_t div)
{
	const struct type *t = &s->val;
	switch (t->kind) {
	case TY_COUNT:
	case TY_SUM:
	case TY_MIN:
	case TY_MAX:
		if (t->is_signed && t->kind != TY_COUNT)
			fprintf(out, "%lld", (long long)(e->value / (int64_t)div));
		else
			fprintf(out, "%llu", (unsigned long long)((uint64_t)e->value / div));
		return;
	case TY_INT:
		if (t->sub != SUB_NONE) {
			uint8_t b[8];
			memcpy(b, &e->value, 8);
			print_json_value(out, t, b, ctx);
		} else if (t->is_signed) {
			fprintf(out, "%lld", (long long)(e->value / (int64_t)div));
		} else {
			fprintf(out, "%llu", (unsigned long long)((uint64_t)e->value / div));
		}
		return;
	case TY_AVG: {
		int64_t avg = e->count ? e->total / (int64_t)e->count : 0;
		fprintf(out, "%lld", (long long)(avg / (int64_t)div));
		return;
	}
	case TY_STATS: {
		int64_t avg = e->count ? e->total / (int64_t)e->count : 0;
		fprintf(out, "{\"count\": %lld, \"average\": %lld, \"total\": %lld}",
			(long long)e->count, (long long)avg, (long long)e->total);
		return;
	}
	case TY_PROBE: {
		uint8_t b[8];
		memcpy(b, &e->value, 8);
		print_json_value(out, t, e->bytes ? e->bytes : b, ctx);
		return;
	}
	default:
		if (e->bytes)
			print_json_value(out, t, e->bytes, ctx);
		else
			fputs("null", out);
		return;
	}
}

void print_map_json(FILE *out, const struct map_snapshot *s, const struct print_ctx *ctx,
		    int64_t top, int64_t div)
{
	enum type_kind k = s->val.kind;
	uint64_t d = div > 1 ? (uint64_t)div : 1;
	struct snapshot_walk w;
	const char *type = k == TY_HIST || k == TY_LHIST ? "hist"
			   : k == TY_AVG || k == TY_STATS ? "stats"
			   : k == TY_TSERIES		  ? "tseries"
							  : "map";
	if (s->n <= 0)
		return;
	if (k == TY_STATS)
		top = 0, d = 1;
	if (snapshot_walk_begin(s, top, &w))
		return;
	bool keyed = s->key.kind != TY_NONE;
	flockfile(out);
	fprintf(out, "{\"type\": \"%s\", \"data\": {\"", type);
	str_json_escape(out, s->name ? s->name : "@", strlen(s->name ? s->name : "@"));
	fputs("\": ", out);
	if (keyed)
		fputc('{', out);
	for (int i = w.start; i < s->n; i++) {
		const struct snap_entry *e = snapshot_walk_entry(s, &w, i);
		if (i > w.start)
			fputs(", ", out);
		if (keyed && e->key)
			json_key(out, s, e, ctx, &w);
		if (k == TY_HIST || k == TY_LHIST)
			json_buckets(out, s, e, d);
		else if (k == TY_TSERIES) /* print_tseries.c */
			print_tseries_json_value(out, s, e);
		else
			json_scalar(out, s, e, ctx, d);
		if (!keyed)
			break; /* one value */
	}
	if (keyed)
		fputc('}', out);
	fputs("}}\n", out);
	funlockfile(out);
	snapshot_walk_end(&w);
}
