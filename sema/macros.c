/*
 * sema/macros.c — current bpftrace's hygienic macros: `macro name($a, @b, c) { ... }`
 * definitions at top level, expanded at every call site before anything is typed.
 *
 * Owns: the expansion rules. A `$a` parameter takes a scratch variable (the body's `$a`
 * is the caller's variable), `@b` a map (the body's `@b` is the caller's map), `c` any
 * expression (a copy of it replaces every `c` in the body, evaluated where it appears);
 * other variables of the body are the expansion's own (renamed so they never meet the
 * caller's); a map the body names without a parameter is an error; a body whose last
 * statement has no ';' has that expression's value; a macro without parameters may be
 * used as a bare name (`one`); a macro that calls itself, directly or not, is an error.
 * The call becomes a BLOCKEXPR node (statements, value).
 * Must not: type anything (that happens after expansion, on the expanded tree), or keep
 * pointers into the definitions (every expansion is a deep copy).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sema_int.h"

#define MACRO_MAX_DEPTH 64
#define MACRO_MAX_EXPANSIONS 10000

struct mexp {
	struct sema *s;
	struct node **defs;
	int ndefs;
	const struct node *stack[MACRO_MAX_DEPTH]; /* macros being expanded, outermost first */
	int depth;
	int count;       /* expansions so far (each gets its own variable names) */
	bool stop;       /* a limit was hit: leave the rest alone */
	bool bad_subst;  /* the expansion being made used an expression as a type */
};

static const struct node *find_macro(const struct mexp *m, const char *name, int nargs)
{
	for (int i = 0; i < m->ndefs; i++)
		if (strcmp(m->defs[i]->str, name) == 0 &&
		    (nargs < 0 || ast_list_len(m->defs[i]->list) == nargs))
			return m->defs[i];
	return NULL;
}

static void set_str(struct node *n, const char *s)
{
	free(n->str);
	n->str = strdup(s);
	n->slen = 0;
	if (!n->str)
		abort(); /* as ast_new: nothing useful can follow */
}

struct rename_ctx {
	struct mexp *m;
	const struct node *def;
	struct node *args;
	int id;
};

static const struct node *param_for(const struct node *def, struct node *args, enum ast_kind k,
				    const char *name, struct node **arg)
{
	struct node *a = args;
	for (const struct node *p = def->list; p; p = p->next, a = a ? a->next : NULL)
		if (p->kind == k && strcmp(p->str, name) == 0) {
			*arg = a;
			return p;
		}
	return NULL;
}

/* Variables and maps of a copied body: parameters become the caller's names, other
 * variables get names of this expansion, unpassed maps are refused. */
static int rename_pre(struct node *n, void *arg)
{
	struct rename_ctx *rc = arg;
	struct node *a = NULL;
	if (n->kind == AST_VAR && n->str) {
		if (param_for(rc->def, rc->args, AST_VAR, n->str, &a)) {
			set_str(n, a->str);
		} else {
			char name[300];
			snprintf(name, sizeof(name), "%.200s@%.64s.%d", n->str, rc->def->str, rc->id);
			set_str(n, name);
		}
	} else if (n->kind == AST_MAP && n->str) {
		if (param_for(rc->def, rc->args, AST_MAP, n->str, &a))
			set_str(n, a->str);
		else
			diag_error(rc->m->s->d, n->loc,
				   "Unhygienic access to map %s in macro '%s': maps must be passed "
				   "to a macro as arguments", n->str, rc->def->str);
	}
	return 0;
}

/* A type argument: typeof(uint8), a type written where a call takes one (struct x *), or a
 * bare name the caller gave (a typedef). */
static bool is_type_arg(const struct node *a)
{
	return a->kind == AST_CAST && !a->a;
}

/* `(t)x`, `(t *)x`, `let $v: t`, `sizeof(t *)` with t a parameter: a CAST whose type name
 * is the parameter takes the argument's type (pointer stars added). false when the
 * argument is not a type (reported). */
static bool subst_cast(struct mexp *m, struct node *n, const struct node *def,
		       struct node *args)
{
	struct node *a = NULL;
	if (!n->str || strchr(n->str, ' ') || !param_for(def, args, AST_IDENT, n->str, &a) || !a)
		return true;
	if (a->kind == AST_IDENT && a->str) { /* m(foo_t): the name itself */
		set_str(n, a->str);
		return true;
	}
	if (!is_type_arg(a)) {
		diag_error(m->s->d, n->loc, "Macro '%s' uses parameter %s as a type, but its "
					    "argument is an expression (pass a type as "
					    "typeof(TYPE))", def->str, n->str);
		return false;
	}
	set_str(n, a->str);
	n->ival += a->ival;
	n->flags |= a->flags & NODE_F_TYPEOF;
	ast_free(n->c);
	n->c = ast_clone(a->c);
	return true;
}

/* Every identifier `c` naming an expression parameter becomes a copy of its argument. */
static void subst_idents(struct mexp *m, struct node **slot, const struct node *def,
			 struct node *args)
{
	struct node *n = *slot;
	if (!n)
		return;
	struct node *a = NULL;
	if (n->kind == AST_CAST && !subst_cast(m, n, def, args))
		m->bad_subst = true;
	if (n->kind == AST_IDENT && n->str && param_for(def, args, AST_IDENT, n->str, &a)) {
		struct node *copy = ast_clone(a);
		copy->next = n->next;
		n->next = NULL;
		ast_free(n);
		*slot = copy;
		return;
	}
	subst_idents(m, &n->a, def, args);
	subst_idents(m, &n->b, def, args);
	subst_idents(m, &n->c, def, args);
	for (struct node **l = &n->list; *l; l = &(*l)->next)
		subst_idents(m, l, def, args);
}

static void expand(struct mexp *m, struct node **slot);

/* The arguments fit the parameters' kinds ($x: a variable, @x: a whole map). */
static bool args_fit(struct mexp *m, const struct node *def, struct node *call)
{
	bool ok = true;
	struct node *a = call->kind == AST_CALL ? call->list : NULL;
	for (const struct node *p = def->list; p && a; p = p->next, a = a->next) {
		if (p->kind != AST_IDENT && is_type_arg(a)) {
			diag_error(m->s->d, a->loc, "Macro '%s' expects a %s for parameter %s, not "
						    "a type", def->str,
				   p->kind == AST_VAR ? "scratch variable" : "map", p->str);
			ok = false;
		} else if (p->kind == AST_VAR && a->kind != AST_VAR) {
			diag_error(m->s->d, a->loc, "Macro '%s' expects a scratch variable for "
						    "parameter %s, not an expression", def->str, p->str);
			ok = false;
		} else if (p->kind == AST_MAP && (a->kind != AST_MAP || a->list)) {
			diag_error(m->s->d, a->loc, "Macro '%s' expects a map for parameter %s%s",
				   def->str, p->str,
				   a->kind == AST_MAP ? " (a whole map, without keys)" : "");
			ok = false;
		}
	}
	return ok;
}

/* A call that cannot be expanded (its error is reported): an empty block expression that
 * sema types as "already reported", so nothing cascades from it. */
static void failed_call(struct node **slot)
{
	struct node *call = *slot, *e = ast_new(AST_BLOCKEXPR, call->loc);
	e->ival = -1;
	e->next = call->next;
	call->next = NULL;
	ast_free(call);
	*slot = e;
}

/* Replace the call at *slot with the macro's expansion. */
static void expand_call(struct mexp *m, struct node **slot, const struct node *def)
{
	struct node *call = *slot;
	for (int i = 0; i < m->depth; i++)
		if (m->stack[i] == def) {
			char chain[512];
			size_t used = 0;
			chain[0] = '\0';
			for (int j = i; j < m->depth && used < sizeof(chain); j++)
				used += (size_t)snprintf(chain + used, sizeof(chain) - used, "%s -> ",
							 m->stack[j]->str);
			diag_error(m->s->d, call->loc, "Recursive macro call detected: %s%s", chain,
				   def->str);
			failed_call(slot);
			return;
		}
	if (m->depth == MACRO_MAX_DEPTH || m->count >= MACRO_MAX_EXPANSIONS) {
		diag_error(m->s->d, call->loc, "Macro expansion too deep or too large (limits: %d "
					       "nested, %d in all)", MACRO_MAX_DEPTH,
			   MACRO_MAX_EXPANSIONS);
		m->stop = true;
		return;
	}
	if (!args_fit(m, def, call)) {
		failed_call(slot);
		return;
	}
	struct node *args = call->kind == AST_CALL ? call->list : NULL;
	struct node *body = ast_clone(def->b);
	struct rename_ctx rc = { m, def, args, ++m->count };
	ast_walk(body, rename_pre, NULL, &rc);
	m->bad_subst = false;
	for (struct node **l = &body->list; *l; l = &(*l)->next)
		subst_idents(m, l, def, args);
	if (m->bad_subst) { /* reported: the call is not expanded */
		ast_free(body);
		failed_call(slot);
		return;
	}

	struct node *e = ast_new(AST_BLOCKEXPR, call->loc);
	struct node *last = NULL, **prev = &body->list;
	for (struct node *st = body->list; st && st->next; st = st->next)
		prev = &st->next;
	if ((body->flags & NODE_F_LASTVAL) && *prev && (*prev)->kind == AST_EXPR_STMT) {
		last = *prev;
		*prev = NULL;
		e->a = last->a;
		last->a = NULL;
		ast_free(last);
	}
	e->list = body->list;
	body->list = NULL;
	ast_free(body);

	e->next = call->next;
	call->next = NULL;
	ast_free(call);
	*slot = e;

	m->stack[m->depth++] = def;
	for (struct node **l = &e->list; *l; l = &(*l)->next)
		expand(m, l);
	expand(m, &e->a);
	m->depth--;
}

static void expand(struct mexp *m, struct node **slot)
{
	struct node *n = *slot;
	if (!n || m->stop)
		return;
	/* arguments first, in the caller's scope */
	expand(m, &n->a);
	expand(m, &n->b);
	expand(m, &n->c);
	for (struct node **l = &n->list; *l; l = &(*l)->next)
		expand(m, l);
	if (n->kind == AST_CALL && n->str) {
		const struct node *def = find_macro(m, n->str, ast_list_len(n->list));
		if (!def && find_macro(m, n->str, -1)) {
			const struct node *any = find_macro(m, n->str, -1);
			diag_error(m->s->d, n->loc, "Macro '%s' takes %d argument%s, %d given",
				   n->str, ast_list_len(any->list),
				   ast_list_len(any->list) == 1 ? "" : "s", ast_list_len(n->list));
			failed_call(slot);
			return;
		}
		if (def)
			expand_call(m, slot, def);
	} else if (n->kind == AST_IDENT && n->str) {
		const struct node *def = find_macro(m, n->str, 0);
		if (def)
			expand_call(m, slot, def);
	}
}

void sema_macros(struct sema *s, struct node *prog)
{
	struct mexp m = { .s = s };
	int cap = 0;
	for (struct node *p = prog->list; p; p = p->next) {
		if (p->kind != AST_MACRO)
			continue;
		for (int i = 0; i < m.ndefs; i++)
			if (strcmp(m.defs[i]->str, p->str) == 0 &&
			    ast_list_len(m.defs[i]->list) == ast_list_len(p->list))
				diag_error(s->d, p->loc, "Redefinition of macro '%s'", p->str);
		for (const struct node *a = p->list; a; a = a->next)
			for (const struct node *b = a->next; b; b = b->next)
				if (strcmp(a->str, b->str) == 0)
					diag_error(s->d, b->loc, "Duplicate parameter %s in macro '%s'",
						   b->str, p->str);
		if (m.ndefs == cap) {
			cap = cap ? cap * 2 : 8;
			struct node **d = realloc(m.defs, sizeof(*d) * (size_t)cap);
			if (!d) {
				s->oom = true;
				free(m.defs);
				return;
			}
			m.defs = d;
		}
		m.defs[m.ndefs++] = p;
	}
	if (!m.ndefs)
		return;
	for (struct node *p = prog->list; p && !m.stop; p = p->next)
		if (p->kind == AST_PROBE) {
			expand(&m, &p->a);
			expand(&m, &p->b);
		}
	free(m.defs);
}
