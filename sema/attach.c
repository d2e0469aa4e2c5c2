/*
 * sema/attach.c — numbering PROBE nodes and expanding their attach points.
 *
 * Owns: giving every PROBE its index (node->sym), turning each ATTACH into concrete probe
 * points through the probe kinds sema is given (sema/probe.h: wildcards, aliases,
 * tracepoint formats), and remembering what the points of each probe can read (their
 * providers' capabilities: builtins like retval depend on them).
 * Must not: attach anything, or parse attach-point syntax itself (the provider rows do).
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sema_int.h"

const char *sema_probe_word(const struct provider *pv)
{
	return !pv ? "unknown" : (pv->caps & PV_RUN_ONCE) ? "special" : pv->name;
}

/* `i:ms:$1`, `BEG$1`: positional parameters inside an attach point are replaced by their
 * text before it is expanded, as bpftrace does (a missing one is empty). -1: no memory. */
static int attach_positional(struct sema *s, struct node *a)
{
	size_t cap = strlen(a->str) + 1, len = 0;
	for (int i = 0; i < s->opts->npos; i++)
		cap += strlen(s->opts->pos[i]);
	char *out = malloc(cap);
	if (!out)
		return -1;
	for (const char *p = a->str; *p;) {
		if (p[0] == '$' && isdigit((unsigned char)p[1])) {
			char *end;
			long n = strtol(p + 1, &end, 10);
			const char *v = n >= 1 && n <= s->opts->npos ? s->opts->pos[n - 1] : "";
			size_t vl = strlen(v);
			if (len + vl + 1 > cap) { /* the same parameter used several times */
				cap = len + vl + strlen(end) + 1 + cap;
				char *bigger = realloc(out, cap);
				if (!bigger) {
					free(out);
					return -1;
				}
				out = bigger;
			}
			memcpy(out + len, v, vl);
			len += vl;
			p = end;
			continue;
		}
		if (len + 2 > cap) {
			cap *= 2;
			char *bigger = realloc(out, cap);
			if (!bigger) {
				free(out);
				return -1;
			}
			out = bigger;
		}
		out[len++] = *p++;
	}
	out[len] = 0;
	free(a->str);
	a->str = out;
	return 0;
}

static bool is_iter(const struct probe_point *p)
{
	const struct provider *pv = provider_of(p);
	return pv && (pv->caps & PV_ITER);
}

/* An iter probe runs once, when the tracer reads its iterator, and then the run ends, so
 * (as in bpftrace) it is the script's only probe besides BEGIN and END, with one attach
 * point; each error is reported at the attach point that breaks the rule. */
static void iter_rules(struct sema *s, struct node *prog)
{
	const struct sema_result *r = s->r;
	int first = -1;
	for (int i = 0; i < r->npoints && first < 0; i++)
		if (is_iter(&r->points[i]))
			first = i;
	if (first < 0)
		return;
	const struct probe_point *it = &r->points[first];
	for (struct node *p = prog->list; p; p = p->next) {
		if (p->kind != AST_PROBE || p->sym != it->probe)
			continue;
		int natt = 0;
		for (struct node *a = p->list; a; a = a->next)
			if (a->kind == AST_ATTACH && ++natt == 2)
				diag_error(s->d, a->loc, "Only single iter attach point is allowed.");
	}
	for (int i = 0; i < r->npoints; i++) {
		const struct probe_point *q = &r->points[i];
		const struct provider *pv = provider_of(q);
		if (i == first || q->probe == it->probe || (pv && (pv->caps & PV_RUN_ONCE)))
			continue;
		if (is_iter(q))
			diag_error(s->d, q->loc, "only one iter probe may run: %s ends the run once "
						 "its iterator has been read", it->name);
		else
			diag_error(s->d, q->loc, "%s cannot be used with an iter probe (only BEGIN and "
						 "END can): %s ends the run once its iterator has been "
						 "read", q->name, it->name);
	}
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

	/* what the providers may consult while expanding: this run's kernel facts and -p */
	struct probe_env env = { .probes = s->opts ? s->opts->probes : NULL, .kinfo = r->kinfo,
				 .target_pid = s->opts ? s->opts->target_pid : 0,
				 .child_cmd = s->opts ? s->opts->child_cmd : NULL };
	int idx = 0;
	struct { struct span loc; char *msg; } skipped[8];
	int nskipped = 0;
	for (struct node *p = prog->list; p; p = p->next) {
		if (p->kind != AST_PROBE)
			continue;
		struct sema_probe *sp = &s->probes[idx];
		sp->node = p;
		p->sym = idx;
		for (struct node *a = p->list; a; a = a->next) {
			if (a->kind != AST_ATTACH || !a->str)
				continue;
			if (strchr(a->str, '$') && attach_positional(s, a) < 0)
				return -1;
			char err[512] = "";
			int before = r->npoints;
			int rc = provider_expand(&env, a->str, idx, &r->points, &r->npoints, err,
						 sizeof(err));
			int missing = s->opts ? s->opts->missing_probes : SEMA_MISSING_ERROR;
			if ((rc == -ENOENT || rc == -ESRCH) && missing != SEMA_MISSING_ERROR) {
				/* config missing_probes = warn|ignore: this attach point is left out */
				if (missing == SEMA_MISSING_WARN)
					diag_warning(s->d, a->loc, "%s; this probe is skipped",
						     err[0] ? err : "probe target not found");
				if (!sp->has_points)
					sp->attach_failed = true; /* its body is not checked */
				continue;
			}
			if (rc == -ENOENT && nskipped < 8) {
				/* a kernel function that does not exist: bpftrace 0.17 skips such a
				 * probe with a warning when others remain (decided below) */
				skipped[nskipped].loc = a->loc;
				skipped[nskipped++].msg = strdup(err);
				sp->attach_failed = true;
				continue;
			}
			if (rc < 0) {
				diag_error(s->d, a->loc, "%s",
					   err[0] ? err : "invalid attach point");
				sp->attach_failed = true;
				continue;
			}
			for (int i = before; i < r->npoints; i++) {
				/* the kind's row: a kfunc point reads what a kprobe point reads */
				const struct provider *pv = provider_of_kind(&r->points[i]);
				uint32_t caps = pv ? pv->caps : 0;
				sp->caps_all = sp->has_points ? sp->caps_all & caps : caps;
				sp->caps_any |= caps;
				sp->has_points = true;
				r->points[i].loc = a->loc;
			}
		}
		idx++;
	}
	for (int i = 0; i < nskipped; i++) {
		const char *m = skipped[i].msg ? skipped[i].msg : "kernel function not found";
		if (r->npoints > 0)
			diag_warning(s->d, skipped[i].loc, "%s; this probe is skipped", m);
		else
			diag_error(s->d, skipped[i].loc, "%s", m);
		free(skipped[i].msg);
	}
	iter_rules(s, prog);
	uint32_t max = s->opts && s->opts->max_probes ? s->opts->max_probes
						       : SEMA_MAX_PROBES_DEFAULT;
	if ((uint32_t)r->npoints > max)
		diag_error(s->d, r->points[max].loc,
			   "this program would attach %d probes, more than the limit of %u "
			   "(BPFTRACE_MAX_PROBES raises it)",
			   r->npoints, max);
	return 0;
}
