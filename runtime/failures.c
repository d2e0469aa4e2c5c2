/*
 * runtime/failures.c — BPF helpers that failed while tracing, told to the user.
 *
 * Owns: the -k/-kk helper_error event (codegen/emit_checks.c sends the call site's index
 * and the helper's return value), printed as bpftrace 0.17 prints it: in text
 * "FILE:L:C: WARNING: Failed to map_delete_elem: No such file or directory (-2)" with the
 * source line and a caret, in JSON {"type": "helper_error", "helper": ..., "retcode": ...,
 * "line": ..., "col": ...}; and the report at exit of what every probe lost without -k:
 * one line per probe whose probe reads or map updates failed.
 * Must not: read maps other than through rt_lost_slot, or decide what counts as a failure
 * (codegen does).
 */
#include "runtime_internal.h"

#include <errno.h>
#include <linux/bpf.h>
#include <string.h>

static const char *helper_name(int id)
{
	switch (id) {
	case BPF_FUNC_probe_read: return "probe_read";
	case BPF_FUNC_probe_read_str: return "probe_read_str";
	case BPF_FUNC_probe_read_kernel: return "probe_read_kernel";
	case BPF_FUNC_probe_read_kernel_str: return "probe_read_kernel_str";
	case BPF_FUNC_probe_read_user: return "probe_read_user";
	case BPF_FUNC_probe_read_user_str: return "probe_read_user_str";
	case BPF_FUNC_map_lookup_elem: return "map_lookup_elem";
	case BPF_FUNC_map_update_elem: return "map_update_elem";
	case BPF_FUNC_map_delete_elem: return "map_delete_elem";
	case BPF_FUNC_get_stackid: return "get_stackid";
	case BPF_FUNC_get_current_comm: return "get_current_comm";
	case BPF_FUNC_send_signal: return "send_signal";
	default: return "helper";
	}
}

int rt_helper_error_event(struct rt_events *ev, const uint8_t *p, size_t len)
{
	uint64_t site;
	int64_t ret;
	if (len < 16)
		return -EINVAL;
	memcpy(&site, p, 8);
	memcpy(&ret, p + 8, 8);
	if (site >= (uint64_t)ev->nsites)
		return -EINVAL;
	const struct cg_helper_site *s = &ev->sites[site];
	const char *name = helper_name(s->helper);
	bool located = ev->src && s->loc.end > s->loc.start;
	ev->fmt->helper_error(ev->out, ev->src, located ? &s->loc : NULL, name, ret);
	return 0;
}

/* "tracepoint:syscalls:sys_enter_*" — the probe's attach points as written. */
static void probe_text(const struct source *src, const struct node *probe, char *buf,
		       size_t size)
{
	const struct node *first = probe->list, *last = probe->list;
	for (const struct node *a = probe->list; a; a = a->next)
		last = a;
	if (!src || !first || last->loc.end <= first->loc.start || last->loc.end > src->len) {
		snprintf(buf, size, "probe %d", probe->sym);
		return;
	}
	size_t n = last->loc.end - first->loc.start;
	if (n >= size)
		n = size - 1;
	memcpy(buf, src->text + first->loc.start, n);
	buf[n] = 0;
	for (char *c = buf; *c; c++)
		if (*c == '\n' || *c == '\t')
			*c = ' ';
}

void rt_each_probe_failures(const struct rt_maps *maps, const struct sema_result *sr,
			    const struct node *prog, const struct source *src,
			    void (*fn)(void *ctx, const char *probe, uint64_t reads, uint64_t upd),
			    void *ctx)
{
	int i = 0;
	for (const struct node *p = prog ? prog->list : NULL; p; p = p->next) {
		if (p->kind != AST_PROBE)
			continue;
		uint64_t reads = rt_lost_slot(maps, ABI_LOST_PROBE(sr->nmaps, i, ABI_FAIL_READ));
		uint64_t upd = rt_lost_slot(maps, ABI_LOST_PROBE(sr->nmaps, i, ABI_FAIL_MAP_UPDATE));
		i++;
		char name[256];
		probe_text(src, p, name, sizeof(name));
		fn(ctx, name, reads, upd);
	}
}

struct report {
	int helper_check;
	FILE *out;
};

static void report_one(void *ctx, const char *name, uint64_t reads, uint64_t upd)
{
	const struct report *rep = ctx;
	if (!reads && !upd)
		return;
	char r[96] = "", u[96] = "";
	if (reads)
		snprintf(r, sizeof(r), "%llu probe read%s failed and read as 0",
			 (unsigned long long)reads, reads == 1 ? "" : "s");
	if (upd)
		snprintf(u, sizeof(u), "%llu map update%s failed and %s dropped",
			 (unsigned long long)upd, upd == 1 ? "" : "s", upd == 1 ? "was" : "were");
	const char *hint = reads && rep->helper_check < 2 ? " (-kk shows where)"
			   : !reads && rep->helper_check < 1 ? " (-k shows where)" : "";
	fprintf(rep->out, "WARNING: %s: %s%s%s%s\n", name, r, reads && upd ? ", " : "", u, hint);
}

void rt_report_failures(const struct rt_maps *maps, const struct sema_result *sr,
			const struct node *prog, const struct source *src, int helper_check,
			FILE *out)
{
	struct report rep = { helper_check, out };
	rt_each_probe_failures(maps, sr, prog, src, report_one, &rep);
}
