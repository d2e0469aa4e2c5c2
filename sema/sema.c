/*
 * sema/sema.c — the semantic-analysis entry point and the lifetime of its result.
 *
 * Owns: ordering the stages (attach expansion, positional substitution, type checking),
 * re-running the type check until map and variable types are stable, and freeing results.
 * Must not: print (everything goes to struct diag) or touch the kernel except through
 * provider expansion.
 *
 * Why several passes: a map may be read in a probe that comes before the one assigning it
 * (`END { print(@x) } BEGIN { @x = 1 }`), and a string slot grows to the largest string
 * stored in it. Like bpftrace, we type the whole program again with the tables of the
 * previous pass until nothing changes; only the last pass's diagnostics are kept.
 */
#include <stdlib.h>
#include <string.h>

#include "abi.h"
#include "ctypes.h"
#include "sema_int.h"

#define SEMA_MAX_PASSES 5

struct snapshot {
	struct type *key, *val, *var;
	bool *key_known;
	int nmaps, nvars;
};

static bool snap_take(const struct sema *s, struct snapshot *sn)
{
	const struct sema_result *r = s->r;
	memset(sn, 0, sizeof(*sn));
	sn->nmaps = r->nmaps;
	sn->nvars = r->nvars;
	sn->key = calloc(r->nmaps + 1, sizeof(*sn->key));
	sn->val = calloc(r->nmaps + 1, sizeof(*sn->val));
	sn->key_known = calloc(r->nmaps + 1, sizeof(*sn->key_known));
	sn->var = calloc(r->nvars + 1, sizeof(*sn->var));
	if (!sn->key || !sn->val || !sn->key_known || !sn->var)
		return false;
	for (int i = 0; i < r->nmaps; i++) {
		sn->key[i] = r->maps[i].key;
		sn->val[i] = r->maps[i].val;
		sn->key_known[i] = s->key_known[i];
	}
	for (int i = 0; i < r->nvars; i++)
		sn->var[i] = r->vars[i].type;
	return true;
}

static bool snap_changed(const struct sema *s, const struct snapshot *sn)
{
	const struct sema_result *r = s->r;
	if (r->nmaps != sn->nmaps || r->nvars != sn->nvars)
		return true;
	for (int i = 0; i < r->nmaps; i++)
		if (!type_equal(&sn->key[i], &r->maps[i].key) ||
		    !type_equal(&sn->val[i], &r->maps[i].val) || sn->key_known[i] != s->key_known[i])
			return true;
	for (int i = 0; i < r->nvars; i++)
		if (!type_equal(&sn->var[i], &r->vars[i].type))
			return true;
	return false;
}

static void snap_free(struct snapshot *sn)
{
	free(sn->key);
	free(sn->val);
	free(sn->var);
	free(sn->key_known);
}

static void fmts_free(struct sema_result *r)
{
	for (int i = 0; i < r->nfmts; i++) {
		free(r->fmts[i].fmt);
		free(r->fmts[i].args);
		free(r->fmts[i].offs);
	}
	free(r->fmts);
	r->fmts = NULL;
	r->nfmts = 0;
}

static void diag_move(struct diag *to, struct diag *from)
{
	for (int i = 0; i < from->n; i++) {
		const struct diag_msg *m = &from->msgs[i];
		if (!m->has_loc && m->level == DIAG_WARNING)
			diag_warning_noloc(to, "%s", m->text);
		else if (!m->has_loc)
			diag_error_noloc(to, "%s", m->text);
		else if (m->level == DIAG_WARNING)
			diag_warning(to, m->loc, "%s", m->text);
		else
			diag_error(to, m->loc, "%s", m->text);
	}
}

int sema_run(struct node *prog, const struct sema_opts *opts, struct diag *d,
	     struct sema_result *out)
{
	memset(out, 0, sizeof(*out));
	struct sema_opts o = *opts;
	out->kinfo = o.kinfo;
	if (!out->kinfo) {
		out->kinfo = kinfo_new(NULL);
		out->kinfo_owned = true;
		if (!out->kinfo) {
			diag_error_noloc(d, "out of memory");
			return -1;
		}
	}
	if (!o.strlen)
		o.strlen = ABI_STRLEN_DEFAULT;
	struct sema s = { .opts = &o, .r = out, .d = d };
	int before = diag_count(d);
	out->builtins = o.builtins;
	if (!o.builtins) {
		diag_error_noloc(d, "internal error: sema_run without builtins "
				    "(sema_opts.builtins)");
		return -1;
	}
	if (prog)
		sema_macros(&s, prog); /* before anything looks into the probes */
	if (prog && o.on_stage)
		o.on_stage(o.stage_ctx, "macro-expansion", prog);
	if (!prog || sema_attach(&s, prog) < 0) {
		if (prog)
			diag_error_noloc(d, "out of memory");
		free(s.probes);
		return -1;
	}
	sema_positional(&s, prog);
	sema_getopt(&s, prog);
	sema_enum_defs(&s, prog);   /* before structs: enumerators are constants from here on */
	sema_struct_defs(&s, prog); /* once: their errors must not be dropped with a pass */

	for (int pass = 1; pass <= SEMA_MAX_PASSES && !s.oom; pass++) {
		struct snapshot sn;
		struct diag tmp;
		if (!snap_take(&s, &sn)) {
			snap_free(&sn);
			s.oom = true;
			break;
		}
		fmts_free(out);
		if (s.var_set)
			memset(s.var_set, 0, sizeof(bool) * (size_t)s.var_set_cap);
		diag_init(&tmp, d->src);
		s.d = &tmp;
		sema_check_program(&s, prog);
		s.d = d;
		bool changed = snap_changed(&s, &sn);
		snap_free(&sn);
		if (!changed || pass == SEMA_MAX_PASSES)
			diag_move(d, &tmp);
		diag_free(&tmp);
		if (!changed)
			break;
	}
	if (!s.oom)
		sema_map_decls(&s, prog); /* once every map's type is final */
	if (!s.oom && diag_count(d) == before)
		sema_comptime_prune(&s, prog); /* codegen sees the chosen branches only */
	if (s.oom)
		diag_error_noloc(d, "out of memory");
	/* A map whose every store had an untyped value stays untyped; its reads and stores
	 * stay silent so as not to repeat an error already reported for that value. When
	 * none was (the value's only source is the map itself: `@x = c ? @x : 3`), say so
	 * here, or the checks skipped on its reads reach codegen as internal errors. */
	if (diag_count(d) == before && !s.oom)
		for (int i = 0; i < out->nmaps; i++)
			if (s.map_bad[i] && out->maps[i].val.kind == TY_NONE)
				diag_error(d, out->maps[i].first, "Undefined map: %s",
					   out->maps[i].name);
	free(s.probes);
	free(s.var_set);
	free(s.key_known);
	free(s.map_bad);
	return diag_count(d) > before ? -1 : 0;
}

void sema_result_free(struct sema_result *r)
{
	if (!r)
		return;
	probe_points_free(r->points, r->npoints);
	for (int i = 0; i < r->nmaps; i++)
		free(r->maps[i].name);
	free(r->maps);
	for (int i = 0; i < r->nvars; i++)
		free(r->vars[i].name);
	free(r->vars);
	fmts_free(r);
	free(r->stacks);
	for (int i = 0; i < r->nopts; i++) {
		free(r->opts[i].name);
		free(r->opts[i].def);
		free(r->opts[i].desc);
	}
	free(r->opts);
	type_pool_free(&r->pool);
	ctypes_free(r->ctypes);
	if (r->kinfo_owned)
		kinfo_free(r->kinfo);
	memset(r, 0, sizeof(*r));
}
