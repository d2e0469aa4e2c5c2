/*
 * sema/check_builtins.c — checking a use of a builtin: one lookup of its row (builtin.h),
 * the arity the row gives, then the row's check hook; and the helpers those hooks share.
 *
 * Owns: "Unknown identifier"/"Unknown function", bpftrace's arity wording, refusing an
 * aggregation that is not a map assignment's value, the format table (sema_fmt_add: the
 * argument layout of each printf-like event: abi_args_layout's 8-byte slots) and the argument
 * vocabulary of the hooks (literals, whole maps, lists of expressions).
 * Must not: know any builtin by name: what a builtin accepts and returns is its family's
 * (stdlib/builtin_*.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi.h"
#include "sema_int.h"

static const struct builtin *row(struct sema *s, int id)
{
	return builtin_at(s->r->builtins, id);
}

int sema_fmt_add(struct sema *s, enum fmt_kind kind, const char *fmt, const struct type *args,
		 int nargs, struct span loc)
{
	struct sema_result *r = s->r;
	struct fmt_info *v = realloc(r->fmts, sizeof(*v) * (size_t)(r->nfmts + 1));
	if (!v) {
		s->oom = true;
		return -1;
	}
	r->fmts = v;
	struct fmt_info *fi = &v[r->nfmts];
	memset(fi, 0, sizeof(*fi));
	fi->kind = kind;
	fi->loc = loc;
	fi->nargs = nargs;
	fi->fmt = strdup(fmt);
	fi->args = calloc(nargs ? (size_t)nargs : 1, sizeof(*fi->args));
	fi->offs = calloc(nargs ? (size_t)nargs : 1, sizeof(*fi->offs));
	if (!fi->fmt || !fi->args || !fi->offs) {
		free(fi->fmt);
		free(fi->args);
		free(fi->offs);
		s->oom = true;
		return -1;
	}
	for (int i = 0; i < nargs; i++)
		fi->args[i] = sema_widen(s, &args[i]);
	fi->size = abi_args_layout(fi->args, nargs, fi->offs);
	return r->nfmts++;
}

static const char *count_word(int n, char *buf, size_t len)
{
	if (n == 0)
		return "no arguments";
	if (n == 1)
		return "one argument";
	snprintf(buf, len, "%d arguments", n);
	return buf;
}

/* bpftrace's wording: "exit() requires no arguments (1 provided)". */
static bool arity_ok(struct sema *s, struct node *n, const struct builtin *b)
{
	int nargs = ast_list_len(n->list);
	char w[32];
	if (b->min_args == b->max_args && nargs != b->min_args) {
		diag_error(s->d, n->loc, "%s() requires %s (%d provided)", b->name,
			   count_word(b->min_args, w, sizeof(w)), nargs);
		return false;
	}
	if (nargs < b->min_args) {
		diag_error(s->d, n->loc, "%s() requires at least %s (%d provided)", b->name,
			   count_word(b->min_args, w, sizeof(w)), nargs);
		return false;
	}
	if (b->max_args >= 0 && nargs > b->max_args) {
		diag_error(s->d, n->loc, "%s() takes at most %s (%d provided)", b->name,
			   count_word(b->max_args, w, sizeof(w)), nargs);
		return false;
	}
	return true;
}

bool sema_is_agg_call(struct sema *s, const struct node *n)
{
	if (n->kind != AST_CALL || !n->str)
		return false;
	const struct builtin *b = row(s, builtin_find(s->r->builtins, n->str, true));
	return b && b->kind == BK_AGG;
}

/* `pid()`, `comm()`, `config()`: current bpftrace's call form of a builtin variable (one
 * without a number) that has no call row of its own is that variable; with arguments it
 * is refused in the arity wording. False: no such variable. */
static bool var_call(struct sema *s, struct node *n)
{
	int vid = builtin_find(s->r->builtins, n->str, false);
	const struct builtin *v = row(s, vid);
	if (!v || (v->flags & BF_NUMBERED))
		return false;
	int nargs = ast_list_len(n->list);
	if (nargs) {
		char w[32];
		diag_error(s->d, n->loc, "%s() requires %s (%d provided)", n->str,
			   count_word(0, w, sizeof(w)), nargs);
		sema_exprs(s, n->list);
		return true;
	}
	n->kind = AST_IDENT;
	sema_ident(s, n);
	return true;
}

void sema_call(struct sema *s, struct node *n)
{
	int id = builtin_find(s->r->builtins, n->str, true);
	const struct builtin *b = row(s, id);
	n->sym = id;
	n->type = type_none();
	n->fmt = -1;
	if ((!b || (!n->list && b->min_args > 0)) && var_call(s, n))
		return; /* comm(): the variable, where comm(pid) has a row of its own */
	if (!b) {
		diag_error(s->d, n->loc, "Unknown function: '%s'", n->str);
		sema_exprs(s, n->list);
		return;
	}
	if (b->kind == BK_AGG) {
		diag_error(s->d, n->loc, "%s() should be directly assigned to a map", n->str);
		sema_exprs(s, n->list);
		return;
	}
	if (!arity_ok(s, n, b)) {
		sema_exprs(s, n->list);
		return;
	}
	b->check(s, n);
}

void sema_agg_call(struct sema *s, struct node *n)
{
	int id = builtin_find(s->r->builtins, n->str, true);
	const struct builtin *b = row(s, id);
	n->sym = id;
	n->type = type_none();
	if (!b) /* sema_is_agg_call found it */
		return;
	if (!arity_ok(s, n, b)) {
		sema_exprs(s, n->list);
		return;
	}
	b->check(s, n);
}

void sema_ident(struct sema *s, struct node *n)
{
	int id = builtin_find(s->r->builtins, n->str, false);
	const struct builtin *b = row(s, id);
	n->sym = id;
	n->type = type_none();
	if (!b) {
		if (sema_const_ident(s, n)) /* AF_INET, TCP_SYN_SENT: now an INT */
			return;
		diag_error(s->d, n->loc, "Unknown identifier: '%s'", n->str);
		return;
	}
	b->check(s, n);
}

const struct builtin *sema_row(const struct sema *s, const struct node *n)
{
	if ((n->kind != AST_IDENT && n->kind != AST_CALL) || n->sym < 0)
		return NULL;
	return builtin_at(s->r->builtins, n->sym);
}

uint32_t sema_row_flags(const struct sema *s, const struct node *n)
{
	const struct builtin *b = sema_row(s, n);
	return b ? b->flags : 0;
}

/* ---- the hooks' vocabulary --------------------------------------------------------- */

void sema_exprs(struct sema *s, struct node *list)
{
	for (struct node *a = list; a; a = a->next)
		sema_expr(s, a);
}

void sema_literal_expected(struct sema *s, struct node *call, struct node *arg,
			     const char *what)
{
	sema_expr(s, arg);
	if (arg->type.kind == TY_NONE)
		return;
	diag_error(s->d, call->loc, "%s() expects a %s literal (%s provided)", call->str, what,
		   sema_kind_word(&arg->type));
}

bool sema_map_defined(struct sema *s, struct node *m)
{
	if (m->sym < 0)
		return false;
	const struct map_info *mi = &s->r->maps[m->sym];
	if (mi->val.kind == TY_NONE) {
		if (!s->map_bad[m->sym])
			diag_error(s->d, m->loc, "Undefined map: %s", m->str);
		return false;
	}
	m->type = mi->val;
	return true;
}

bool sema_want_str_literal(struct sema *s, struct node *call, struct node *arg)
{
	s->literal_arg = true;
	sema_expr(s, arg);
	s->literal_arg = false;
	if (arg->kind == AST_STR)
		return true;
	if (arg->type.kind != TY_NONE)
		diag_error(s->d, call->loc, "%s() expects a string literal (%s provided)",
			   call->str, sema_kind_word(&arg->type));
	return false;
}

bool sema_int_literal(const struct node *n, int64_t *v)
{
	if (n->kind == AST_INT) {
		*v = n->ival;
		return true;
	}
	if (n->kind == AST_UNOP && n->op == OP_NEG && n->a->kind == AST_INT) {
		*v = -n->a->ival;
		return true;
	}
	return false;
}
