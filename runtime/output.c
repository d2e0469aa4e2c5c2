/*
 * runtime/output.c — the rows of the output-format table (runtime/output.h).
 *
 * Owns: which printer each format uses for maps, values and messages, and the format's
 * framing at exit. Adding a format is one row here plus its printer.
 * Must not: render anything itself beyond a fixed framing string, or read BPF maps.
 */
#include "output.h"

#include <string.h>

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

const struct output_ops output_text = {
	.name = "text",
	.print_map = print_map,
	.print_value = text_value,
	.exit_preamble = "\n\n",
};

static const struct output_ops output_json = {
	.name = "json",
	.print_map = print_map_json,
	.print_value = json_value,
	.message = print_json_message,
	.lost = print_json_lost,
	.attached = json_attached,
	.exit_preamble = "\n\n",
	.json = true,
};

/* Prometheus/OpenMetrics exposition (node_exporter's textfile collector reads it): maps as
 * metric families, "# EOF" after the maps at exit; printf text is written as is. */
static const struct output_ops output_openmetrics = {
	.name = "openmetrics",
	.print_map = print_map_openmetrics,
	.print_value = text_value,
	.exit_trailer = "# EOF\n",
};

/* Prometheus text 0.0.4, what node_exporter's textfile collector parses. */
static const struct output_ops output_prometheus = {
	.name = "prometheus",
	.print_map = print_map_prometheus,
	.print_value = text_value,
};

/* Folded stacks for flame graphs: maps keyed by stacks as "a;b;c N" lines. */
static const struct output_ops output_folded = {
	.name = "folded",
	.print_map = print_map_folded,
	.print_value = text_value,
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
