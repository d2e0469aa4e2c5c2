/*
 * runtime/output.c — the rows of the output-format table (runtime/output.h).
 *
 * Owns: which printer each format uses for maps, values and messages, and the format's
 * framing at exit. Adding a format is one row here plus its printer.
 * Must not: render anything itself beyond a fixed framing string, or read BPF maps.
 */
#include "output.h"

#include <errno.h>
#include <string.h>

#include "../stdlib/strings.h"

static void text_value(FILE *out, const struct type *t, const uint8_t *bytes,
		       const struct print_ctx *ctx)
{
	fmt_value(out, t, bytes, ctx);
	fputc('\n', out);
}

static void json_value(FILE *out, const struct type *t, const uint8_t *bytes,
		       const struct print_ctx *ctx)
{
	fputs("{\"type\": \"value\", \"data\": ", out);
	print_json_value(out, t, bytes, ctx);
	fputs("}\n", out);
}

static void json_attached(FILE *out, int nprobes)
{
	fprintf(out, "{\"type\": \"attached_probes\", \"data\": {\"probes\": %d}}\n", nprobes);
}

/* bpftrace counts every probe point: BEGIN, END and each wildcard match. */
static void text_attached(FILE *out, int nprobes)
{
	fprintf(stderr, "Attaching %d probe%s...\n", nprobes, nprobes == 1 ? "" : "s");
}

static void text_lost(FILE *out, uint64_t lost)
{
	fprintf(stderr, "Lost %llu events\n", (unsigned long long)lost);
}

/* bpftrace's "stdin:1:9-62: ERROR: text" (no source line: the location is the call). */
static void text_script_message(FILE *out, const struct output_where *w, bool error,
				const char *text, size_t n)
{
	fflush(out); /* what the program printed before comes first */
	if (w->end_line != w->line)
		fprintf(stderr, "%s:%d-%d: %s: ", w->file, w->line, w->end_line,
			error ? "ERROR" : "WARNING");
	else
		fprintf(stderr, "%s:%d:%d-%d: %s: ", w->file, w->line, w->col, w->end_col,
			error ? "ERROR" : "WARNING");
	fwrite(text, 1, n, stderr);
	fputc('\n', stderr);
}

/* {"type": "errorf", "msg": ..., "filename": ..., "line": L, "col": C} */
static void json_script_message(FILE *out, const struct output_where *w, bool error,
				const char *text, size_t n)
{
	fprintf(out, "{\"type\": \"%s\", \"msg\": \"", error ? "errorf" : "warnf");
	str_json_escape_bytes(out, text, n);
	fputs("\", \"filename\": \"", out);
	str_json_escape_bytes(out, w->file, strlen(w->file));
	fprintf(out, "\", \"line\": %d, \"col\": %d}\n", w->line, w->col);
}

static void text_helper_error(FILE *out, const struct source *src, const struct span *loc,
			      const char *helper, int64_t ret)
{
	char msg[160];
	if (ret < 0)
		snprintf(msg, sizeof(msg), "Failed to %s: %s (%lld)", helper, strerror((int)-ret),
			 (long long)ret);
	else
		snprintf(msg, sizeof(msg), "Failed to %s: %lld", helper, (long long)ret);
	diag_render(src, DIAG_WARNING, loc, msg, out);
}

static void json_helper_error(FILE *out, const struct source *src, const struct span *loc,
			      const char *helper, int64_t ret)
{
	int line = 0, col = 0;
	if (src && loc)
		src_locate(src, loc->start, &line, &col);
	fprintf(out, "{\"type\": \"helper_error\", \"helper\": \"%s\", \"retcode\": %lld, "
		     "\"line\": %d, \"col\": %d}\n", helper, (long long)ret, line, col);
}

/* What every format but json does with messages that are not map output. */
#define TEXT_MESSAGES                                                                      \
	.lost = text_lost, .attached = text_attached,                                      \
	.script_message = text_script_message, .helper_error = text_helper_error,          \
	.test_result = text_test_result, .test_summary = text_test_summary,                \
	.bench_result = text_bench_result

const struct output_ops output_text = {
	.name = "text",
	.print_map = print_map,
	.print_value = text_value,
	TEXT_MESSAGES,
	.exit_preamble = "\n\n",
};

/* {"type": "test_result", "data": {"NAME": {"duration": NS, "passed": B, "output": T}}},
 * bpftrace's */
static void json_test_result(FILE *out, const char *name, int index, int n, uint64_t ns,
			     bool passed, const char *text, size_t len)
{
	fputs("{\"type\": \"test_result\", \"data\": {\"", out);
	str_json_escape(out, name, strlen(name));
	fprintf(out, "\": {\"duration\": %llu, \"passed\": %s, \"output\": \"",
		(unsigned long long)ns, passed ? "true" : "false");
	str_json_escape_bytes(out, text ? text : "", text ? len : 0);
	fputs("\"}}}\n", out);
}

/* {"type": "benchmark_result", "data": {"NAME": {"average": NS, "iters": N}}} */
static void json_bench_result(FILE *out, const char *name, int index, int width, uint64_t ns,
			      uint64_t iters)
{
	fputs("{\"type\": \"benchmark_result\", \"data\": {\"", out);
	str_json_escape(out, name, strlen(name));
	fprintf(out, "\": {\"average\": %llu, \"iters\": %llu}}}\n", (unsigned long long)ns,
		(unsigned long long)iters);
}

static const struct output_ops output_json = {
	.name = "json",
	.print_map = print_map_json,
	.print_value = json_value,
	.message = print_json_message,
	.lost = print_json_lost,
	.attached = json_attached,
	.script_message = json_script_message,
	.helper_error = json_helper_error,
	.test_result = json_test_result,
	.bench_result = json_bench_result,
	.exit_preamble = "\n\n",
	.whole_lines = true,
};

/* Prometheus/OpenMetrics exposition (node_exporter's textfile collector reads it): maps as
 * metric families, "# EOF" after the maps at exit; printf text is written as is. */
static const struct output_ops output_openmetrics = {
	.name = "openmetrics",
	.print_map = print_map_openmetrics,
	.print_value = text_value,
	TEXT_MESSAGES,
	.exit_trailer = "# EOF\n",
};

/* Prometheus text 0.0.4, what node_exporter's textfile collector parses. */
static const struct output_ops output_prometheus = {
	.name = "prometheus",
	.print_map = print_map_prometheus,
	.print_value = text_value,
	TEXT_MESSAGES,
};

/* Folded stacks for flame graphs: maps keyed by stacks as "a;b;c N" lines. */
static const struct output_ops output_folded = {
	.name = "folded",
	.print_map = print_map_folded,
	.print_value = text_value,
	TEXT_MESSAGES,
};

static const struct output_ops *const rows[] = {
	&output_text,
	&output_json,
	&output_openmetrics,
	&output_prometheus,
	&output_folded,
};

const struct output_ops *output_find(const char *name)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if (strcmp(rows[i]->name, name) == 0)
			return rows[i];
	return NULL;
}

const char *output_names(void)
{
	return "'text', 'json', 'openmetrics', 'prometheus', 'folded'";
}
