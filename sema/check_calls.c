/*
 * sema/check_calls.c — checking builtin function calls and building the format table.
 *
 * Owns: arity checks from the builtin rows, printf/time/print argument rules (and their
 * fmt_info entries with argument layouts), str(), delete/clear/zero, exit(), and the
 * aggregation functions, which are only valid as the value of a map assignment.
 * Must not: render formats (stdlib/format.c) or decide event layouts (sema/abi.h).
 */
#include <stdlib.h>
#include <string.h>

#include "abi.h"
#include "sema_int.h"

#define TN(t, buf) type_name((t), (buf), sizeof(buf))

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
static bool check_arity(struct sema *s, struct node *n, const struct builtin_row *row)
{
	int nargs = ast_list_len(n->list);
	char w[32];
	if (row->min_args == row->max_args && nargs != row->min_args) {
		diag_error(s->d, n->loc, "%s() requires %s (%d provided)", row->name,
			   count_word(row->min_args, w, sizeof(w)), nargs);
		return false;
	}
	if (nargs < row->min_args) {
		diag_error(s->d, n->loc, "%s() requires at least %s (%d provided)", row->name,
			   count_word(row->min_args, w, sizeof(w)), nargs);
		return false;
	}
	if (row->max_args >= 0 && nargs > row->max_args) {
		diag_error(s->d, n->loc, "%s() takes at most %s (%d provided)", row->name,
			   count_word(row->max_args, w, sizeof(w)), nargs);
		return false;
	}
	return true;
}

static void check_args(struct sema *s, struct node *list)
{
	for (struct node *a = list; a; a = a->next)
		sema_expr(s, a);
}

void sema_legacy_call(struct sema *s, struct node *n)
{
	enum builtin_legacy b = builtin_lookup(n->str, 1);
	n->sym = b;
	n->type = type_none();
	n->fmt = -1;
	if (b == BI_NONE) {
		diag_error(s->d, n->loc, "Unknown function: '%s'", n->str);
		check_args(s, n->list);
		return;
	}
	if (!check_arity(s, n, &builtin_rows[b])) {
		check_args(s, n->list);
		return;
	}
	switch (b) {
	default:
		if (sema_sys_call(s, n, b))
			return;
		diag_error(s->d, n->loc, "Unknown function: '%s'", n->str);
		return;
	}
}
