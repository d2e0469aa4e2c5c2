/*
 * runtime/print_metrics.c — maps in the Prometheus text exposition format 0.0.4 and in
 * OpenMetrics 1.0, for `--metrics` (runtime/metrics_server.c) and `-f openmetrics`.
 *
 * Owns: family names (`bpfscript_` + map name, other characters → `_`), HELP/TYPE lines,
 * the metric type of each aggregation (count → counter `_total`; sum/min/max/avg/integers
 * → gauge; stats → summary `_count`/`_sum`; hist/lhist → histogram with cumulative
 * `_bucket{le=...}` at each bucket's inclusive integer upper bound, `+Inf`, `_count`,
 * `_sum`), keys as labels (`key`, or `key0`, `key1`, ... for tuples; stacks as folded
 * frames), label escaping (`\\`, `\"`, `\n`; bytes that are not UTF-8 become U+FFFD), and
 * labelled counters for the runtime's own losses.
 * Must not: read BPF maps, resolve symbols itself, or include libbpf.
 */
#include <stdlib.h>
#include <string.h>

#include "../sema/abi.h"
#include "snapshot.h"

void metrics_family(char *buf, size_t len, const char *map_name)
{
	const char *n = map_name && map_name[0] == '@' ? map_name + 1 : map_name ? map_name : "";
	if (!*n)
		n = "map";
	size_t o = (size_t)snprintf(buf, len, "bpfscript_");
	for (; *n && o + 1 < len; n++) {
		char c = *n;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			  c == '_';
		buf[o++] = ok ? c : '_';
	}
	if (o < len)
		buf[o] = 0;
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	uint32_t cp;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

void metrics_escape(FILE *out, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		unsigned char c = p[i];
		if (c == 0)
			break;
		if (c == '\\' || c == '"') {
			fputc('\\', out);
			fputc(c, out);
			i++;
		} else if (c == '\n') {
			fputs("\\n", out);
			i++;
		} else {
			size_t l = utf8_len(p + i, n - i);
			if (!l) {
				fputs("\xef\xbf\xbd", out); /* U+FFFD */
				i++;
			} else {
				fwrite(p + i, 1, l, out);
				i += l;
			}
		}
	}
}

/* One key element's label value: folded frames for stacks, else the text print shows. */
static void label_value(FILE *out, const struct type *t, const uint8_t *bytes,
			const struct print_ctx *ctx)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *m = open_memstream(&buf, &n);
	if (!m)
		return;
	if (type_is_stack(t))
		print_folded_stack(m, t, bytes, ctx);
	else
		fmt_value(m, t, bytes, ctx);
	fclose(m);
	metrics_escape(out, buf ? buf : "", buf ? n : 0);
	free(buf);
}

/* {key="a",le="7"}: the entry's key labels plus an optional extra label. */
static void labels(FILE *out, const struct map_snapshot *s, const struct snap_entry *e,
		   const struct snapshot_walk *w, const struct print_ctx *ctx, const char *extra,
		   const char *extra_val)
{
	bool any = false;
	if (s->key.kind != TY_NONE && e->key) {
		fputc('{', out);
		any = true;
		if (s->key.kind == TY_TUPLE) {
			for (int k = 0; k < s->key.nelems; k++) {
				fprintf(out, "%skey%d=\"", k ? "," : "", k);
				label_value(out, &s->key.elems[k], e->key + w->koffs[k], ctx);
				fputc('"', out);
			}
		} else {
			fputs("key=\"", out);
			label_value(out, &s->key, e->key, ctx);
			fputc('"', out);
		}
	}
	if (extra) {
		fputs(any ? "," : "{", out);
		any = true;
		fprintf(out, "%s=\"", extra);
		metrics_escape(out, extra_val, strlen(extra_val));
		fputc('"', out);
	}
	if (any)
		fputc('}', out);
}

static const char *agg_text(const struct type *v)
{
	switch (v->kind) {
	case TY_COUNT: return "count()";
	case TY_SUM: return "sum()";
	case TY_MIN: return "min()";
	case TY_MAX: return "max()";
	case TY_AVG: return "avg()";
	case TY_STATS: return "stats()";
	case TY_HIST: return "hist()";
	case TY_LHIST: return "lhist()";
	case TY_TSERIES: return "tseries(), the newest interval's value";
	case TY_INT: return v->sub == SUB_NONE ? "integer values" : "values (as labels)";
	default: return "values (as labels)";
	}
}

static void header(FILE *out, const char *fam, const char *sample, const char *type,
		   const struct map_snapshot *s, bool om)
{
	const char *n = om ? fam : sample;
	fprintf(out, "# HELP %s bpfscript map %s, %s\n", n, s->name && s->name[0] ? s->name : "@",
		agg_text(&s->val));
	fprintf(out, "# TYPE %s %s\n", n, type);
}

/* hist(): the inclusive upper bound of slot i (abi.h), as text; false: no bound (the
 * slot's values are unbounded above). */
static bool hist_le(const struct map_snapshot *s, uint32_t i, char *buf, size_t len)
{
	if (s->val.kind == TY_LHIST) {
		int64_t min = s->val.lh_min, step = s->val.lh_step;
		int64_t buckets = step > 0 ? (s->val.lh_max - min) / step : 0;
		if ((int64_t)i > buckets)
			return false;
		snprintf(buf, len, "%lld", (long long)(min + (int64_t)i * step - 1));
		return true;
	}
	if (i == 0) {
		snprintf(buf, len, "-1");
		return true;
	}
	int k = hist_bits_of(s->nslots);
	unsigned __int128 hi; /* exclusive upper bound */
	if (k == 0) {
		if (i == 1) {
			snprintf(buf, len, "0");
			return true;
		}
		hi = (unsigned __int128)1 << (i - 1);
	} else if (i <= (2u << k)) {
		hi = i; /* singletons: slot i holds i - 1 */
	} else {
		uint32_t n = 1u << k, sub = i & (n - 1), power = (i >> k) - 1;
		hi = ((unsigned __int128)1 << power) * (n + sub);
	}
	snprintf(buf, len, "%llu", (unsigned long long)(hi - 1));
	return true;
}

static void print_histogram(FILE *out, const char *fam, const struct map_snapshot *s,
			    const struct snap_entry *e, const struct snapshot_walk *w,
			    const struct print_ctx *ctx)
{
	uint64_t cum = 0, total = 0;
	int first = -1, last = -1;
	for (uint32_t i = 0; i < s->nslots; i++) {
		total += e->slots[i];
		if (e->slots[i]) {
			if (first < 0)
				first = (int)i;
			last = (int)i;
		}
	}
	/* Small histograms show every bucket (a stable set of series); big ones (hist(v, k),
	 * wide lhist) the non-empty range plus the empty bucket under it, which gives
	 * histogram_quantile() the range's lower bound. */
	uint32_t from = 0, to = s->nslots;
	if (s->nslots > 130) {
		from = first > 0 ? (uint32_t)first - 1 : 0;
		to = last >= 0 ? (uint32_t)last + 1 : 0;
	}
	char le[48];
	for (uint32_t i = 0; i < from; i++)
		cum += e->slots[i];
	for (uint32_t i = from; i < to; i++) {
		cum += e->slots[i];
		if (!hist_le(s, i, le, sizeof(le)))
			continue;
		fprintf(out, "%s_bucket", fam);
		labels(out, s, e, w, ctx, "le", le);
		fprintf(out, " %llu\n", (unsigned long long)cum);
	}
	fprintf(out, "%s_bucket", fam);
	labels(out, s, e, w, ctx, "le", "+Inf");
	fprintf(out, " %llu\n", (unsigned long long)total);
	fprintf(out, "%s_count", fam);
	labels(out, s, e, w, ctx, NULL, NULL);
	fprintf(out, " %llu\n", (unsigned long long)total);
	fprintf(out, "%s_sum", fam);
	labels(out, s, e, w, ctx, NULL, NULL);
	fprintf(out, " %lld\n", (long long)e->total);
}

void print_map_metrics(FILE *out, const struct map_snapshot *s, const struct print_ctx *ctx,
		       bool om)
{
	char fam[256], sample[272];
	metrics_family(fam, sizeof(fam), s->name);
	struct snapshot_walk w;
	if (snapshot_walk_begin(s, 0, &w))
		return;
	const struct type *v = &s->val;
	bool numeric = type_is_agg(v) || (v->kind == TY_INT && v->sub == SUB_NONE);
	switch (v->kind) {
	case TY_COUNT:
		snprintf(sample, sizeof(sample), "%s_total", fam);
		header(out, fam, sample, "counter", s, om);
		break;
	case TY_STATS:
		header(out, fam, fam, "summary", s, om);
		break;
	case TY_HIST:
	case TY_LHIST:
		header(out, fam, fam, "histogram", s, om);
		break;
	default:
		snprintf(sample, sizeof(sample), "%s", fam);
		header(out, fam, fam, "gauge", s, om);
	}
	for (int i = w.start; i < s->n; i++) {
		const struct snap_entry *e = snapshot_walk_entry(s, &w, i);
		switch (v->kind) {
		case TY_HIST:
		case TY_LHIST:
			if (e->slots)
				print_histogram(out, fam, s, e, &w, ctx);
			break;
		case TY_STATS:
			fprintf(out, "%s_count", fam);
			labels(out, s, e, &w, ctx, NULL, NULL);
			fprintf(out, " %llu\n", (unsigned long long)e->count);
			fprintf(out, "%s_sum", fam);
			labels(out, s, e, &w, ctx, NULL, NULL);
			fprintf(out, " %lld\n", (long long)e->total);
			break;
		default:
			fputs(sample, out);
			if (numeric) {
				labels(out, s, e, &w, ctx, NULL, NULL);
				if (v->kind == TY_COUNT || !v->is_signed)
					fprintf(out, " %llu\n", (unsigned long long)e->value);
				else
					fprintf(out, " %lld\n", (long long)e->value);
				break;
			}
			/* strings, tuples, symbols: the value is a label, the sample is 1 */
			char *buf = NULL;
			size_t n = 0;
			FILE *m = open_memstream(&buf, &n);
			if (m) {
				const uint8_t *b = e->bytes;
				uint8_t ib[8];
				if (!b) {
					memcpy(ib, &e->value, 8);
					b = ib;
				}
				fmt_value(m, v, b, ctx);
				fclose(m);
			}
			labels(out, s, e, &w, ctx, "value", buf ? buf : "");
			free(buf);
			fputs(" 1\n", out);
		}
	}
	snapshot_walk_end(&w);
}

void print_map_openmetrics(FILE *out, const struct map_snapshot *s, const struct print_ctx *ctx,
			   int64_t top, int64_t div)
{
	print_map_metrics(out, s, ctx, true);
}

void print_map_prometheus(FILE *out, const struct map_snapshot *s, const struct print_ctx *ctx,
			  int64_t top, int64_t div)
{
	print_map_metrics(out, s, ctx, false);
}

void print_metrics_counter(FILE *out, const char *fam, const char *help, const char *label,
			   const char *const *lvals, const uint64_t *vals, int n, bool om)
{
	fprintf(out, "# HELP %s%s %s\n", fam, om ? "" : "_total", help);
	fprintf(out, "# TYPE %s%s counter\n", fam, om ? "" : "_total");
	for (int i = 0; i < n; i++) {
		fprintf(out, "%s_total", fam);
		if (label && lvals) {
			fprintf(out, "{%s=\"", label);
			metrics_escape(out, lvals[i], strlen(lvals[i]));
			fputs("\"}", out);
		}
		fprintf(out, " %llu\n", (unsigned long long)vals[i]);
	}
}
