/*
 * sema/check_strsearch.c — typing of current bpftrace's string search functions:
 * `strstr(haystack, needle)` (index of the first occurrence, -1 when none) and
 * `strlen(s)` (of a string, a char array or a char pointer, which is read as str(p)).
 *
 * Owns: the sema_family_strsearch hooks, their argument rules and result types.
 * Must not: emit code (codegen/emit_strsearch.c).
 */
#include <stdlib.h>
#include <string.h>

#include "ctypes.h"
#include "sema_int.h"

static bool string_arg(struct sema *s, struct node *call, struct node *a)
{
	sema_expr(s, a);
	if (a->type.kind == TY_NONE)
		return false;
	if (a->type.kind == TY_STR && a->type.sub == SUB_NONE)
		return true;
	char tb[128];
	diag_error(s->d, a->loc, "%s() only supports string arguments (%s provided)", call->str,
		   a->type.kind == TY_STR ? type_name(&a->type, tb, sizeof(tb))
					  : sema_kind_word(&a->type));
	return false;
}

/* strlen(p) of a `char *` (or int8 *) value: the string it points to, as str(p) reads it */
static void wrap_in_str(struct sema *s, struct node *n)
{
	struct node *a = n->list;
	struct node *call = ast_str(AST_CALL, a->loc, "str", 3);
	if (!call) {
		s->oom = true;
		return;
	}
	call->list = a;
	call->next = a->next;
	a->next = NULL;
	n->list = call;
	sema_expr(s, call);
}

static void check_strlen(struct sema *s, struct node *n)
{
	struct node *a = n->list;
	sema_expr(s, a);
	const struct type *t = &a->type;
	if (t->kind == TY_INT && t->ct && t->ct->kind == CT_INT && t->ct->size == 1) {
		wrap_in_str(s, n);
		a = n->list;
		t = &a->type;
	}
	if (t->kind == TY_NONE)
		return;
	if (t->kind != TY_STR || t->sub != SUB_NONE) {
		char tb[128];
		diag_error(s->d, a->loc, "strlen() takes a string, a char array or a char pointer "
					 "(%s provided)",
			   t->kind == TY_STR ? type_name(t, tb, sizeof(tb)) : sema_kind_word(t));
		return;
	}
	n->type = type_u64();
}

static bool strsearch_call(struct sema *s, struct node *n, enum builtin b)
{
	switch (b) {
	case BI_STRSTR: {
		bool ok = string_arg(s, n, n->list);
		ok = string_arg(s, n, n->list->next) && ok;
		if (ok)
			n->type = type_s64();
		return true;
	}
	case BI_STRLEN:
		check_strlen(s, n);
		return true;
	default:
		return false;
	}
}

const struct sema_family sema_family_strsearch = { NULL, strsearch_call };
