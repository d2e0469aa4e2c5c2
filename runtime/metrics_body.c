/*
 * runtime/metrics_body.c — the body of one /metrics scrape (--metrics HOST:PORT).
 *
 * Owns: reading every user map into a snapshot (rt_map_read; safe on the server thread:
 * it keeps no shared state) in name order, printing each as a metric family
 * (runtime/print_metrics.c), then the runtime's own counters: lost events and the
 * per-probe failed probe reads and map updates, and OpenMetrics' "# EOF".
 * Must not: do any networking (metrics_server.c) or touch the event loop's state.
 */
#include "runtime_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct probe_counts {
	int n, cap;
	char **names;
	uint64_t *reads, *upd;
};

static void add_probe(void *ctx, const char *probe, uint64_t reads, uint64_t upd)
{
	struct probe_counts *pc = ctx;
	if (pc->n == pc->cap) {
		int cap = pc->cap ? pc->cap * 2 : 8;
		char **nn = realloc(pc->names, sizeof(*nn) * (size_t)cap);
		if (nn)
			pc->names = nn;
		uint64_t *nr = realloc(pc->reads, sizeof(*nr) * (size_t)cap);
		if (nr)
			pc->reads = nr;
		uint64_t *nu = realloc(pc->upd, sizeof(*nu) * (size_t)cap);
		if (nu)
			pc->upd = nu;
		if (!nn || !nr || !nu)
			return;
		pc->cap = cap;
	}
	char *name = strdup(probe);
	if (!name)
		return;
	pc->names[pc->n] = name;
	pc->reads[pc->n] = reads;
	pc->upd[pc->n] = upd;
	pc->n++;
}

static int cmp_names(const void *a, const void *b, void *ctx)
{
	const struct sema_result *sr = ctx;
	return strcmp(sr->maps[*(const int *)a].name, sr->maps[*(const int *)b].name);
}

int rt_metrics_render(FILE *out, const struct rt_metrics_source *ms, bool om)
{
	const struct sema_result *sr = ms->sr;
	int err = 0;
	int *order = malloc(sizeof(int) * (size_t)(sr->nmaps ? sr->nmaps : 1));
	if (!order)
		return -ENOMEM;
	for (int i = 0; i < sr->nmaps; i++)
		order[i] = i;
	qsort_r(order, (size_t)sr->nmaps, sizeof(int), cmp_names, (void *)sr);
	for (int i = 0; i < sr->nmaps && !err; i++) {
		struct map_snapshot snap;
		err = rt_map_read(ms->maps, sr, order[i], &snap);
		if (err)
			break;
		print_map_metrics(out, &snap, ms->pctx, om);
		snapshot_free(&snap);
	}
	free(order);
	if (err)
		return err;
	uint64_t lost = rt_lost_count(ms->maps);
	print_metrics_counter(out, "bpfscript_lost_events",
			      "Events the ring buffer could not take (printf, print() and others)",
			      NULL, NULL, &lost, 1, om);
	struct probe_counts pc = { 0 };
	rt_each_probe_failures(ms->maps, sr, ms->prog, ms->src, add_probe, &pc);
	print_metrics_counter(out, "bpfscript_probe_read_failures",
			      "Probe reads that failed and read as 0, per probe", "probe",
			      (const char *const *)pc.names, pc.reads, pc.n, om);
	print_metrics_counter(out, "bpfscript_map_update_failures",
			      "Map updates that failed and were dropped, per probe", "probe",
			      (const char *const *)pc.names, pc.upd, pc.n, om);
	for (int i = 0; i < pc.n; i++)
		free(pc.names[i]);
	free(pc.names);
	free(pc.reads);
	free(pc.upd);
	if (om)
		fputs("# EOF\n", out);
	return 0;
}
