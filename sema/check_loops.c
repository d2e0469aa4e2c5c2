/*
 * sema/check_loops.c — map iteration: `for ($kv : @map) { ... }` and `len(@map)`.
 *
 * Owns: the rules bpftrace applies to for loops over maps (the iterated expression is a
 * whole keyed map whose values are not hist/lhist/stats; $kv does not shadow a variable;
 * the body cannot use builtins that need the probe's context, since the body runs in a
 * bpf_for_each_map_elem callback that only gets the map element), the loop variable's
 * type ((key, value), key a tuple for multi-key maps), its scope, and len()'s checks.
 * Must not: emit code (codegen/emit_loops.c) or decide how variables reach the callback.
 *
 * Scoping, as bpftrace: $kv exists only in the body (each loop gets its own hidden
 * variable, so two loops may iterate maps of different types with the same name);
 * variables first assigned in the body are undefined after the loop; variables assigned
 * before the loop are shared with the body (reads and writes, codegen passes pointers).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sema_int.h"

static bool is_keyed_iterable(struct sema *s, struct node *m, const char *what)
{
	const struct map_info *mi = &s->r->maps[m->sym];
	char tb[128];
	if (mi->val.kind == TY_NONE) {
		if (!s->map_bad[m->sym])
			diag_error(s->d, m->loc, "Undefined map: %s", m->str);
		return false;
	}
	if (s->key_known[m->sym] && mi->key.kind == TY_NONE) {
		if (strcmp(what, "for") == 0)
			diag_error(s->d, m->loc,
				   "Maps used as for-loop expressions must have keys to iterate over");
		else
			diag_error(s->d, m->loc,
				   "call to len() expects a map with explicit keys (non-scalar map)");
		return false;
	}
	/* hist/lhist store one BPF element per (key, slot), stats is not one number */
	if (mi->val.kind == TY_HIST || mi->val.kind == TY_LHIST || mi->val.kind == TY_STATS ||
	    mi->val.kind == TY_TSERIES) {
		if (strcmp(what, "for") == 0)
			diag_error(s->d, m->loc, "Loop expression does not support type: %s",
				   type_name(&mi->val, tb, sizeof(tb)));
		else
			diag_error(s->d, m->loc, "len() does not support maps of type %s",
				   type_name(&mi->val, tb, sizeof(tb)));
		return false;
	}
	return true;
}

/* The value $kv.1 holds: aggregations read as the integer print() shows (summed over
 * CPUs by codegen), other values as stored. */
static struct type elem_value(const struct type *val)
{
	switch (val->kind) {
	case TY_COUNT:
		return type_u64();
	case TY_SUM:
	case TY_MIN:
	case TY_MAX:
	case TY_AVG:
		return type_int(8, val->is_signed);
	default:
		return *val;
	}
}

struct ctx_check {
	struct sema *s;
};

/* Builtins that read the probe's context (registers, tracepoint record, stack ids) have
 * nothing to read in the callback. */
static int no_ctx(struct node *n, void *arg)
{
	struct ctx_check *cc = arg;
	const char *what = NULL;
	if ((n->kind == AST_IDENT || (n->kind == AST_CALL && n->str)) &&
	    (sema_row_flags(cc->s, n) & BF_NO_FOR))
		what = n->str;
	if (what)
		diag_error(cc->s->d, n->loc, "'%s' builtin is not allowed in a for-loop", what);
	return 0;
}

void sema_for(struct sema *s, struct node *n)
{
	struct node *v = n->a, *m = n->b;
	int outer = sema_var_id(s, v->str, false);
	if (outer >= 0 && outer < s->var_set_cap && s->var_set[outer])
		diag_error(s->d, v->loc, "Loop declaration shadows existing variable: %s", v->str);
	if (m->kind != AST_MAP) {
		sema_expr(s, m);
		diag_error(s->d, m->loc, "Loop expression must be a map");
		return;
	}
	if (m->list) {
		for (struct node *k = m->list; k; k = k->next)
			sema_expr(s, k);
		diag_error(s->d, m->loc,
			   "Loop expression must be a whole map (for ($kv : %s) { ... }), not one "
			   "element",
			   m->str);
		return;
	}
	m->sym = sema_map_id(s, m);
	if (m->sym < 0)
		return;
	m->type = s->r->maps[m->sym].val;
	bool ok = is_keyed_iterable(s, m, "for");

	/* The hidden variable is created once (ids must be stable across passes) under a
	 * name no script can spell, and found by name only through for_vars. */
	if (n->sym < 0) {
		char name[96];
		snprintf(name, sizeof(name), "%s@for%u", v->str, n->loc.start);
		n->sym = sema_var_id(s, name, true);
		if (n->sym < 0)
			return;
	}
	if (s->nfor_vars >= (int)(sizeof(s->for_vars) / sizeof(s->for_vars[0]))) {
		diag_error(s->d, n->loc, "for loops are nested too deeply");
		return;
	}
	struct var_info *vi = &s->r->vars[n->sym];
	if (ok) {
		const struct map_info *mi = &s->r->maps[m->sym];
		struct type el[2] = { mi->key, elem_value(&mi->val) };
		vi->type = type_tuple(&s->r->pool, el, 2);
	} else {
		vi->type = type_none();
	}
	v->sym = n->sym;
	v->type = vi->type;

	sema_for_body(s, n, v);
	struct ctx_check cc = { s };
	ast_walk(n->c, no_ctx, NULL, &cc);
}

void sema_for_body(struct sema *s, struct node *n, struct node *v)
{
	/* Remember which variables exist before the body: the ones it creates go out of
	 * scope with it. */
	int nvars = s->r->nvars;
	bool *before = calloc((size_t)nvars + 1, sizeof(bool));
	if (!before) {
		s->oom = true;
		return;
	}
	for (int i = 0; i < nvars && i < s->var_set_cap; i++)
		before[i] = s->var_set[i];
	s->for_vars[s->nfor_vars].name = v->str;
	s->for_vars[s->nfor_vars].id = n->sym;
	s->nfor_vars++;
	s->var_set[n->sym] = true;
	s->loop_depth++;
	sema_block(s, n->c);
	s->loop_depth--;
	s->nfor_vars--;
	for (int i = 0; i < s->r->nvars && i < s->var_set_cap; i++)
		if (i >= nvars || !before[i])
			s->var_set[i] = false;
	free(before);
}

void sema_len(struct sema *s, struct node *n)
{
	struct node *m = n->list;
	n->type = type_none();
	if (m->kind != AST_MAP) {
		sema_expr(s, m);
		diag_error(s->d, n->loc, "len() expects a map to be provided");
		return;
	}
	if (m->list) {
		for (struct node *k = m->list; k; k = k->next)
			sema_expr(s, k);
		diag_error(s->d, n->loc, "The map passed to len() should not be indexed by a key");
		return;
	}
	m->sym = sema_map_id(s, m);
	if (m->sym < 0 || !is_keyed_iterable(s, m, "len"))
		return;
	m->type = s->r->maps[m->sym].val;
	n->type = type_s64();
}
