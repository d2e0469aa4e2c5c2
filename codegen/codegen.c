/*
 * codegen/codegen.c — codegen entry point: one LLVM module, one function per probe point,
 * then object.c turns it into instruction arrays.
 *
 * Owns: codegen_run()'s sequencing and cg_result_free().
 * Must not: emit IR itself (emit_*.c) or touch the kernel.
 */
#include <stdlib.h>
#include <string.h>

#include "codegen_internal.h"

void cg_result_free(struct cg_result *r)
{
	if (!r)
		return;
	for (int i = 0; i < r->nprogs; i++)
		free(r->progs[i].insns);
	free(r->progs);
	r->progs = NULL;
	r->nprogs = 0;
}

int codegen_run(struct node *prog, const struct sema_result *sr, const struct cg_opts *opts,
		struct diag *d, struct cg_result *out)
{
	struct cg c = { .prog = prog, .sr = sr, .opts = opts, .d = d };
	int err = -1;
	memset(out, 0, sizeof(*out));

	c.nprobes = ast_list_len(prog ? prog->list : NULL);
	c.probes = calloc(c.nprobes ? c.nprobes : 1, sizeof(*c.probes));
	out->progs = calloc(sr->npoints ? sr->npoints : 1, sizeof(*out->progs));
	if (!c.probes || !out->progs) {
		diag_error_noloc(d, "out of memory");
		goto out;
	}
	int i = 0;
	for (struct node *p = prog ? prog->list : NULL; p; p = p->next)
		c.probes[i++] = p;
	out->nprogs = sr->npoints;

	if (bpfb_init(&c))
		goto out;
	int before = diag_count(d);
	for (int pt = 0; pt < sr->npoints; pt++) {
		if (cg_emit_point(&c, pt))
			goto out;
		const struct cg_kind *k = cg_kind_find(sr->points[pt].kind);
		out->progs[pt].point = pt;
		out->progs[pt].prog_type = k ? k->prog_type : 0;
		snprintf(out->progs[pt].name, sizeof(out->progs[pt].name), "p%d", pt);
	}
	if (diag_count(d) > before)
		goto out;
	err = cg_object(&c, out);
out:
	bpfb_fini(&c);
	free(c.probes);
	if (err)
		cg_result_free(out);
	return err;
}
