/*
 * sema/attach.c — numbering PROBE nodes and expanding their attach points.
 *
 * Owns: giving every PROBE its index (node->sym), turning each ATTACH into concrete probe
 * points through runtime/provider.h (wildcards, aliases, tracepoint formats), and
 * remembering which probe kinds each probe runs under (builtins like retval depend on it).
 * Must not: attach anything, or parse attach-point syntax itself (the provider rows do).
 */
#include <stdlib.h>

#include "sema_int.h"

const char *sema_probe_kind_name(enum probe_kind k)
{
	switch (k) {
	case PROBE_BEGIN: return "BEGIN";
	case PROBE_END: return "END";
	case PROBE_TRACEPOINT: return "tracepoint";
	case PROBE_KPROBE: return "kprobe";
	case PROBE_KRETPROBE: return "kretprobe";
	case PROBE_UPROBE: return "uprobe";
	case PROBE_URETPROBE: return "uretprobe";
	case PROBE_PROFILE: return "profile";
	case PROBE_INTERVAL: return "interval";
	}
	return "unknown";
}

int sema_attach(struct sema *s, struct node *prog)
{
	struct sema_result *r = s->r;
	int n = 0;
	for (struct node *p = prog->list; p; p = p->next)
		if (p->kind == AST_PROBE)
			n++;
	s->probes = calloc(n ? n : 1, sizeof(*s->probes));
	if (!s->probes)
		return -1;
	r->nprobes = n;

	int idx = 0;
	for (struct node *p = prog->list; p; p = p->next) {
		if (p->kind != AST_PROBE)
			continue;
		struct sema_probe *sp = &s->probes[idx];
		sp->node = p;
		p->sym = idx;
		for (struct node *a = p->list; a; a = a->next) {
			if (a->kind != AST_ATTACH || !a->str)
				continue;
			char err[512] = "";
			int before = r->npoints;
			if (provider_expand(a->str, idx, &r->points, &r->npoints, err,
					    sizeof(err)) < 0) {
				diag_error(s->d, a->loc, "%s",
					   err[0] ? err : "invalid attach point");
				sp->attach_failed = true;
				continue;
			}
			for (int i = before; i < r->npoints; i++) {
				sp->kinds |= 1u << r->points[i].kind;
				r->points[i].loc = a->loc;
			}
		}
		idx++;
	}
	uint32_t max = s->opts && s->opts->max_probes ? s->opts->max_probes
						       : SEMA_MAX_PROBES_DEFAULT;
	if ((uint32_t)r->npoints > max)
		diag_error(s->d, r->points[max].loc,
			   "this program would attach %d probes, more than the limit of %u "
			   "(BPFTRACE_MAX_PROBES raises it)",
			   r->npoints, max);
	return 0;
}
