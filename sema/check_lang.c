/*
 * sema/check_lang.c — typing of current bpftrace's expression forms: true/false (bool),
 * `a ?: b`, records `(a=1, b="x")` and their `.a` fields, block expressions `{ s; v }`,
 * and range loops `for ($i : a..b) { }`.
 *
 * Owns: the rules of those forms (a record's names are distinct, its fields hold what a
 * tuple element may hold; ?: takes an integer or bool; a range's ends are integers and
 * its variable exists only in the body, as bpftrace scopes it).
 * Must not: emit code (codegen/emit_lang.c) or expand macros (sema/macros.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lexer/headers.h"
#include "ctypes.h"
#include "sema_int.h"

#define TN(t, buf) type_name((t), (buf), sizeof(buf))

static bool is_none(const struct node *n) { return n->type.kind == TY_NONE; }

void sema_bool_lit(struct sema *s, struct node *n)
{
	(void)s;
	n->type = type_bool();
}

/* a ?: c — a when a is true (non-zero), else c; a is evaluated once. */
void sema_elvis(struct sema *s, struct node *n)
{
	sema_expr(s, n->a);
	sema_expr(s, n->c);
	n->type = type_none();
	if (is_none(n->a) || is_none(n->c))
		return;
	if (n->a->type.kind != TY_INT) {
		diag_error(s->d, n->a->loc, "Invalid condition in ?: operator: %s (an integer or "
					    "bool is needed)", sema_kind_word(&n->a->type));
		return;
	}
	if (n->c->type.kind != TY_INT || (n->a->type.sub != n->c->type.sub &&
					   !sema_compatible(&n->a->type, &n->c->type))) {
		char a[128], c[128];
		diag_error(s->d, n->loc, "?: operator must return the same type: have '%s' and '%s'",
			   TN(&n->a->type, a), TN(&n->c->type, c));
		return;
	}
	bool sg = n->a->type.is_signed || n->c->type.is_signed;
	n->type = type_int(8, sg);
	if (n->a->type.sub == SUB_BOOL && n->c->type.sub == SUB_BOOL)
		n->type = n->a->type.fmt_id == BOOL_NUMERIC && n->c->type.fmt_id == BOOL_NUMERIC
				  ? type_cmp_bool() : type_bool();
	if (n->a->type.ct && n->c->type.ct == n->a->type.ct)
		n->type = n->a->type; /* $p ?: $q keeps the pointer type */
}

/* (a=1, b="x"): a TUPLE of NAMED nodes */
bool sema_record_lit(struct sema *s, struct node *n)
{
	if (!n->list || n->list->kind != AST_NAMED)
		return false;
	int cnt = ast_list_len(n->list), i = 0;
	struct type el[cnt];
	const char *names[cnt];
	bool bad = false;
	for (struct node *e = n->list; e; e = e->next, i++) {
		sema_expr(s, e->a);
		e->type = e->a->type;
		names[i] = e->str;
		for (int j = 0; j < i; j++)
			if (strcmp(names[j], e->str) == 0) {
				diag_error(s->d, e->loc, "Duplicate field name '%s' in record",
					   e->str);
				bad = true;
			}
		if (is_none(e->a)) {
			bad = true;
		} else if (e->type.kind == TY_RECORD) {
			if (!sema_record_value(s, e->a, "hold in a record"))
				bad = true;
		} else if (e->type.kind != TY_INT && e->type.kind != TY_STR &&
			   e->type.kind != TY_TUPLE && e->type.kind != TY_PROBE) {
			char tb[256];
			diag_error(s->d, e->a->loc, "Value of type '%s' cannot be a record field",
				   TN(&e->type, tb));
			bad = true;
		}
		el[i] = e->type;
	}
	n->type = bad ? type_none() : type_record(&s->r->pool, el, names, cnt);
	return true;
}

/* $r.name on a record value; false when the base is not a record. */
bool sema_record_field(struct sema *s, struct node *n)
{
	const struct type *bt = &n->a->type;
	if (bt->kind != TY_TUPLE || !bt->names)
		return false;
	int i = type_field_index(bt, n->str);
	if (i < 0) {
		char tb[512];
		diag_error(s->d, n->loc, "Record does not contain a field named '%s' (its type is "
					 "%s)", n->str, TN(bt, tb));
		return true;
	}
	n->type = bt->elems[i];
	n->off = type_elem_offset(bt, i);
	return true;
}

/* { stmts; value }: the statements, then the value (none: a void block) */
void sema_block_expr(struct sema *s, struct node *n)
{
	if (n->ival < 0) { /* a macro call that could not be expanded (reported) */
		n->type = type_none();
		return;
	}
	for (struct node *st = n->list; st; st = st->next)
		sema_block(s, st);
	n->type = type_void();
	if (n->a) {
		sema_expr(s, n->a);
		n->type = n->a->type;
	}
}

/* for ($i : a..b) { } — $i takes a, a+1, ..., b-1; both ends are evaluated once. */
void sema_range_for(struct sema *s, struct node *n)
{
	struct node *v = n->a, *r = n->b;
	int outer = sema_var_id(s, v->str, false);
	if (outer >= 0 && outer < s->var_set_cap && s->var_set[outer])
		diag_error(s->d, v->loc, "Loop declaration shadows existing variable: %s", v->str);
	sema_expr(s, r->a);
	sema_expr(s, r->b);
	for (struct node *e = r->a; e; e = e == r->a ? r->b : NULL)
		if (!is_none(e) && (e->type.kind != TY_INT || e->type.ct)) {
			char tb[256];
			diag_error(s->d, e->loc, "Loop range requires an integer for the %s value, "
						 "not %s", e == r->a ? "start" : "end",
				   TN(&e->type, tb));
		}
	r->type = type_s64();
	if (n->sym < 0) { /* a hidden variable per loop, as for ($kv : @m) (check_loops.c) */
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
	s->r->vars[n->sym].type = type_s64();
	v->sym = n->sym;
	v->type = type_s64();
	sema_for_body(s, n, v);
}

static const char *int_type_name(uint32_t size, bool is_signed)
{
	static const char *const u[] = { "uint8", "uint16", "uint32", "uint64" };
	static const char *const sg[] = { "int8", "int16", "int32", "int64" };
	int i = size == 1 ? 0 : size == 2 ? 1 : size == 4 ? 2 : 3;
	return is_signed ? sg[i] : u[i];
}

/* A cast whose type is typeof(x): gets x's type's name (integers and pointers to structs,
 * unions or integers have one), so the cast is checked like any other. */
bool sema_typeof(struct sema *s, struct node *n)
{
	struct node *x = n->c;
	bool ok = false;
	char name[200] = "";
	int64_t depth = 0;
	if (x)
		sema_ident_as_type(s, x); /* typeof(foo_t) */
	if (x && x->kind == AST_CAST && !x->a) { /* typeof(uint32 *) */
		ok = !(x->flags & NODE_F_TYPEOF) || sema_typeof(s, x);
		if (ok) {
			snprintf(name, sizeof(name), "%s", x->str);
			depth = x->ival;
		}
	} else if (x) {
		sema_expr(s, x);
		const struct type *t = sema_declared_type(s, x);
		if (t->kind == TY_INT && !t->ct && t->sub == SUB_BOOL) {
			snprintf(name, sizeof(name), "bool");
			ok = true;
		} else if (t->kind == TY_INT && !t->ct) {
			snprintf(name, sizeof(name), "%s", int_type_name(t->size, t->is_signed));
			ok = true;
		} else if (t->kind == TY_INT && t->ct) {
			ctype_name(t->ct, name, sizeof(name));
			depth = 1;
			size_t len = strlen(name);
			while (len >= 1 && name[len - 1] == '*') { /* "struct x *" */
				depth++;
				name[--len] = '\0';
				while (len && name[len - 1] == ' ')
					name[--len] = '\0';
			}
			ok = !strncmp(name, "struct ", 7) || !strncmp(name, "union ", 6) ||
			     strstr(name, "int") == name || strstr(name, "uint") == name;
		}
		if (!ok && t->kind != TY_NONE) {
			char tb[256];
			diag_error(s->d, x->loc, "typeof() of a value of type '%s' cannot be used as a "
						 "type here (integers and pointers can)", TN(t, tb));
		}
	}
	if (!ok) /* left as it is: every pass reports it again (only the last is kept) */
		return false;
	n->c = NULL;
	n->flags &= ~NODE_F_TYPEOF;
	ast_free(x);
	return sema_set_type_name(s, n, name, depth);
}

/* &$x and &@m[k] (current bpftrace): the address of a variable's slot or of a map value,
 * typed as a pointer to what it holds (integers: int64/uint64, as slots hold them;
 * strings: a char array), so *p, p[i] and casts work on it. */
bool sema_addrof_slot(struct sema *s, struct node *n)
{
	struct node *x = n->a;
	if (x->kind != AST_VAR && x->kind != AST_MAP)
		return false;
	n->type = type_none();
	const struct type *t = &x->type;
	if (t->kind == TY_NONE)
		return true;
	struct ctypes *reg = sema_ctypes(s);
	const struct ctype *to = NULL;
	if (t->kind == TY_INT && !t->ct && t->sub == SUB_NONE)
		to = ctypes_int(reg, 8, t->is_signed);
	else if (t->kind == TY_INT && t->ct) /* &$p of a pointer variable */
		to = ctypes_ptr(reg, t->ct);
	else if (t->kind == TY_STR && t->sub == SUB_NONE)
		to = ctypes_array(reg, ctypes_int(reg, 1, true), t->size);
	if (x->kind == AST_MAP && !type_is_int(&s->r->maps[x->sym >= 0 ? x->sym : 0].val) &&
	    t->kind == TY_INT) {
		diag_error(s->d, n->loc, "The & operator cannot take the address of an aggregation");
		return true;
	}
	if (!to && (t->kind == TY_TUPLE || t->kind == TY_INT || t->kind == TY_STR ||
		    t->kind == TY_PROBE)) {
		/* a tuple, record, bool, username ... : a pointer to the language's own type,
		 * read back whole by *p (and $p.field) */
		n->type = type_valptr(&s->r->pool, t);
		return true;
	}
	if (!to) {
		char tb[256];
		diag_error(s->d, n->loc, "The & operator cannot take the address of %s of type '%s' "
					 "(integers, pointers, strings, tuples and records can)",
			   x->kind == AST_VAR ? "a variable" : "a map value", TN(t, tb));
		return true;
	}
	n->type = type_int(8, true);
	n->type.ct = to;
	return true;
}

/* syscall_name(n) == "read" (and !=): a syscall_name() value is the number, printed as its
 * name, so a name written in the program becomes its number here and the comparison is
 * one of integers. false when n is not such a comparison. */
bool sema_syscall_name_cmp(struct sema *s, struct node *n)
{
	if (n->op != OP_EQ && n->op != OP_NE)
		return false;
	struct node *num = n->a, *name = n->b;
	if (name->type.kind == TY_INT && name->type.sub == SUB_SYSCALL_NAME) {
		num = n->b;
		name = n->a;
	}
	if (num->type.kind != TY_INT || num->type.sub != SUB_SYSCALL_NAME ||
	    name->type.kind != TY_STR)
		return false;
	n->type = type_none();
	if (name->kind != AST_STR || strlen(name->str) != name->slen) {
		diag_error(s->d, name->loc, "syscall_name() can be compared with a syscall name "
					    "written as a string literal (\"read\"), or with another "
					    "syscall_name()");
		return true;
	}
	int64_t nr = hdr_syscall_number(name->str);
	if (nr == -2) {
		diag_error(s->d, name->loc, "syscall names are unknown here: the header "
					    "asm/unistd_64.h (Debian's linux-libc-dev) was not found");
		return true;
	}
	if (nr < 0) {
		diag_error(s->d, name->loc, "'%s' is not the name of a syscall of this machine "
					    "(asm/unistd_64.h)", name->str);
		return true;
	}
	/* the literal becomes the number (the same node, so its span and link stay) */
	free(name->str);
	name->str = NULL;
	name->slen = 0;
	name->kind = AST_INT;
	name->ival = nr;
	name->flags = 0;
	name->type = type_s64();
	n->type = type_cmp_bool();
	return true;
}
