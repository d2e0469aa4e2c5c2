/*
 * sema/enums.c — C enums: a script's own `enum name { A, B = 5 };` definitions, kernel
 * enums from BTF named in casts, `(enum name)v` casts, and enumerators used as integers.
 *
 * Owns: parsing the text of an enum definition (the lexer hands it over as one CDEF, like
 * a struct), its constant expressions (integers, earlier enumerators, + - * / % << >> & |
 * ^ ~ and parentheses), the value table each enum-typed value prints with (a FMT_ENUM
 * entry of sema's fmts: "value name" lines; printf %s and map output print the name, as
 * current bpftrace does, %d the number), and the messages for misuse.
 * Must not: emit code (an enum cast is an integer cast for codegen), or read BTF except
 * through btf_handle().
 */
#include <bpf/btf.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "btf.h"
#include "ctypes.h"
#include "sema_int.h"

bool sema_is_enum_def(const struct node *n)
{
	return n->kind == AST_CDEF && n->str && strncmp(n->str, "enum", 4) == 0 &&
	       !isalnum((unsigned char)n->str[4]) && n->str[4] != '_';
}

/* ---- a tiny constant-expression parser over the definition's text ------------------- */

struct eparse {
	struct sema *s;
	const char *t;      /* the CDEF text */
	size_t i, len;
	uint32_t base;      /* source offset of t[0] */
	bool err;
};

static void skip_ws(struct eparse *p)
{
	for (;;) {
		while (p->i < p->len && isspace((unsigned char)p->t[p->i]))
			p->i++;
		if (p->i + 1 < p->len && p->t[p->i] == '/' && p->t[p->i + 1] == '/') {
			while (p->i < p->len && p->t[p->i] != '\n')
				p->i++;
		} else if (p->i + 1 < p->len && p->t[p->i] == '/' && p->t[p->i + 1] == '*') {
			const char *e = strstr(p->t + p->i + 2, "*/");
			p->i = e ? (size_t)(e - p->t) + 2 : p->len;
		} else {
			return;
		}
	}
}

static void fail(struct eparse *p, size_t at, size_t n, const char *msg, const char *name)
{
	if (p->err)
		return;
	p->err = true;
	struct span sp = { p->base + (uint32_t)at, p->base + (uint32_t)(at + (n ? n : 1)) };
	if (name)
		diag_error(p->s->d, sp, msg, name);
	else
		diag_error(p->s->d, sp, "%s", msg);
}

static size_t ident_len(const struct eparse *p)
{
	size_t n = 0;
	if (p->i < p->len && (isalpha((unsigned char)p->t[p->i]) || p->t[p->i] == '_'))
		while (p->i + n < p->len &&
		       (isalnum((unsigned char)p->t[p->i + n]) || p->t[p->i + n] == '_'))
			n++;
	return n;
}

static bool accept(struct eparse *p, const char *op)
{
	skip_ws(p);
	size_t n = strlen(op);
	if (p->i + n > p->len || memcmp(p->t + p->i, op, n) != 0)
		return false;
	/* "<" must not eat the first half of "<<" and so on */
	if (n == 1 && p->i + 1 < p->len && (op[0] == '<' || op[0] == '>') && p->t[p->i + 1] == op[0])
		return false;
	p->i += n;
	return true;
}

static int64_t expr_or(struct eparse *p, const struct cenum *cur);

static int64_t primary(struct eparse *p, const struct cenum *cur)
{
	skip_ws(p);
	size_t at = p->i;
	if (accept(p, "(")) {
		int64_t v = expr_or(p, cur);
		if (!accept(p, ")"))
			fail(p, p->i, 1, "expected ')' in enumerator value", NULL);
		return v;
	}
	if (accept(p, "-"))
		return -primary(p, cur);
	if (accept(p, "+"))
		return primary(p, cur);
	if (accept(p, "~"))
		return ~primary(p, cur);
	if (p->i < p->len && isdigit((unsigned char)p->t[p->i])) {
		char *end;
		errno = 0;
		uint64_t v = strtoull(p->t + p->i, &end, 0);
		size_t n = (size_t)(end - (p->t + p->i));
		while (p->i + n < p->len && strchr("uUlL", p->t[p->i + n]))
			n++;
		if (errno || (p->i + n < p->len && (isalnum((unsigned char)p->t[p->i + n]) ||
						     p->t[p->i + n] == '_')))
			fail(p, at, n, "invalid integer in enumerator value", NULL);
		p->i += n;
		return (int64_t)v;
	}
	size_t n = ident_len(p);
	if (n) {
		char name[128];
		snprintf(name, sizeof(name), "%.*s", (int)(n < 127 ? n : 127), p->t + p->i);
		p->i += n;
		for (int k = 0; cur && k < cur->n; k++) /* earlier enumerators of this enum */
			if (strcmp(cur->names[k], name) == 0)
				return cur->vals[k];
		int64_t v;
		if (ctypes_script_enumerator(sema_ctypes(p->s), name, &v))
			return v;
		fail(p, at, n, "use of undeclared identifier '%s' in an enumerator value", name);
		return 0;
	}
	fail(p, at, 1, "expected an integer constant expression", NULL);
	return 0;
}

static int64_t expr_mul(struct eparse *p, const struct cenum *cur)
{
	int64_t v = primary(p, cur);
	for (;;) {
		size_t at = p->i;
		if (accept(p, "*")) {
			v *= primary(p, cur);
		} else if (accept(p, "/") || accept(p, "%")) {
			bool div = p->t[p->i - 1] == '/';
			int64_t r = primary(p, cur);
			if (r == 0) {
				fail(p, at, 1, "division by zero in an enumerator value", NULL);
				return 0;
			}
			v = div ? v / r : v % r;
		} else {
			return v;
		}
	}
}

static int64_t expr_add(struct eparse *p, const struct cenum *cur)
{
	int64_t v = expr_mul(p, cur);
	for (;;) {
		if (accept(p, "+"))
			v = (int64_t)((uint64_t)v + (uint64_t)expr_mul(p, cur));
		else if (accept(p, "-"))
			v = (int64_t)((uint64_t)v - (uint64_t)expr_mul(p, cur));
		else
			return v;
	}
}

static int64_t expr_shift(struct eparse *p, const struct cenum *cur)
{
	int64_t v = expr_add(p, cur);
	for (;;) {
		bool left = accept(p, "<<");
		if (!left && !accept(p, ">>"))
			return v;
		int64_t r = expr_add(p, cur);
		if (r < 0 || r > 63) {
			fail(p, p->i, 1, "shift count out of range in an enumerator value", NULL);
			return 0;
		}
		v = left ? (int64_t)((uint64_t)v << r) : v >> r;
	}
}

static int64_t expr_or(struct eparse *p, const struct cenum *cur)
{
	int64_t v = expr_shift(p, cur);
	for (;;) {
		skip_ws(p);
		if (p->i + 1 < p->len && (p->t[p->i + 1] == '&' || p->t[p->i + 1] == '|'))
			return v; /* && || are not integer constant operators here */
		if (accept(p, "&"))
			v &= expr_shift(p, cur);
		else if (accept(p, "|"))
			v |= expr_shift(p, cur);
		else if (accept(p, "^"))
			v ^= expr_shift(p, cur);
		else
			return v;
	}
}

/* ---- definitions ---------------------------------------------------------------------- */

static bool enumerator_taken(struct sema *s, const char *name)
{
	int64_t v;
	return ctypes_script_enumerator(sema_ctypes(s), name, &v);
}

static void one_enum(struct sema *s, struct node *n)
{
	struct eparse p = { .s = s, .t = n->str, .len = strlen(n->str), .base = n->loc.start };
	struct ctypes *reg = sema_ctypes(s);
	p.i = 4;
	skip_ws(&p);
	char tag[128] = "";
	size_t tn = ident_len(&p), tag_at = p.i;
	if (tn) {
		snprintf(tag, sizeof(tag), "%.*s", (int)(tn < 127 ? tn : 127), p.t + p.i);
		p.i += tn;
		if (ctypes_find_enum(reg, tag)) {
			fail(&p, tag_at, tn, "redefinition of 'enum %s'", tag);
			return;
		}
	}
	if (!accept(&p, "{")) {
		fail(&p, p.i, 1, "expected '{' in enum definition", NULL);
		return;
	}
	/* collected first, registered only when the whole definition is valid */
	struct cenum tmp = { .size = 4 };
	struct cenum *e = &tmp;
	int64_t next = 0;
	while (!p.err) {
		skip_ws(&p);
		if (accept(&p, "}"))
			break;
		size_t at = p.i, nl = ident_len(&p);
		if (!nl) {
			fail(&p, at, 1, "expected an enumerator name in enum definition", NULL);
			break;
		}
		char name[128];
		snprintf(name, sizeof(name), "%.*s", (int)(nl < 127 ? nl : 127), p.t + at);
		p.i += nl;
		bool dup = enumerator_taken(s, name);
		for (int k = 0; k < e->n; k++)
			dup |= strcmp(e->names[k], name) == 0;
		if (dup) {
			fail(&p, at, nl, "redefinition of enumerator '%s'", name);
			break;
		}
		if (accept(&p, "="))
			next = expr_or(&p, e);
		if (p.err)
			break;
		e->names = realloc(e->names, sizeof(*e->names) * (size_t)(e->n + 1));
		e->vals = realloc(e->vals, sizeof(*e->vals) * (size_t)(e->n + 1));
		char *nm = strdup(name);
		if (!e->names || !e->vals || !nm) {
			free(nm);
			s->oom = true;
			break;
		}
		e->names[e->n] = nm;
		e->vals[e->n++] = next;
		next = (int64_t)((uint64_t)next + 1);
		if (accept(&p, ","))
			continue;
		if (accept(&p, "}"))
			break;
		fail(&p, p.i, 1, "expected ',' or '}' after an enumerator", NULL);
	}
	if (!p.err && !s->oom && e->n == 0)
		fail(&p, 0, 4, "an enum needs at least one enumerator", NULL);
	if (!p.err && !s->oom) {
		struct cenum *r = ctypes_add_enum(reg, tn ? tag : NULL, true);
		bool neg = false, wide = false;
		for (int k = 0; k < e->n; k++) {
			neg |= e->vals[k] < 0;
			wide |= e->vals[k] < INT32_MIN || e->vals[k] > (int64_t)UINT32_MAX;
		}
		r->is_signed = neg;
		r->size = wide ? 8 : 4; /* GNU C widens an enum whose values need it */
		for (int k = 0; k < e->n; k++)
			cenum_add(r, e->names[k], e->vals[k]);
	}
	for (int k = 0; k < e->n; k++)
		free(e->names[k]);
	free(e->names);
	free(e->vals);
}

void sema_enum_defs(struct sema *s, struct node *prog)
{
	for (struct node *n = prog ? prog->list : NULL; n; n = n->next)
		if (sema_is_enum_def(n))
			one_enum(s, n);
}

/* ---- enum types --------------------------------------------------------------------- */

/* `enum tag` of the script, or imported from the kernel's BTF; NULL if neither has it. */
static struct cenum *find_enum(struct sema *s, const char *tag)
{
	struct ctypes *reg = sema_ctypes(s);
	struct cenum *e = ctypes_find_enum(reg, tag);
	char err[256];
	if (e || !btf_available(reg, err, sizeof(err)))
		return e;
	const struct btf *btf = btf_handle(reg, err, sizeof(err));
	if (!btf)
		return NULL;
	int id = btf__find_by_name_kind(btf, tag, BTF_KIND_ENUM);
	if (id <= 0)
		id = btf__find_by_name_kind(btf, tag, BTF_KIND_ENUM64);
	if (id <= 0)
		return NULL;
	const struct btf_type *t = btf__type_by_id(btf, (uint32_t)id);
	e = ctypes_add_enum(reg, tag, false);
	e->size = t->size;
	e->is_signed = btf_kflag(t);
	for (int k = 0; k < btf_vlen(t); k++) {
		if (btf_is_enum(t)) {
			const struct btf_enum *v = &btf_enum(t)[k];
			cenum_add(e, btf__name_by_offset(btf, v->name_off),
				  e->is_signed ? (int64_t)v->val : (int64_t)(uint32_t)v->val);
		} else {
			const struct btf_enum64 *v = &btf_enum64(t)[k];
			cenum_add(e, btf__name_by_offset(btf, v->name_off),
				  (int64_t)btf_enum64_value(v));
		}
	}
	return e;
}

/* A value as the enum's integer type holds it (what a cast to it leaves). */
static int64_t enum_norm(const struct cenum *e, int64_t v)
{
	if (e->size >= 8)
		return v;
	uint32_t bits = e->size * 8;
	uint64_t m = (1ull << bits) - 1, u = (uint64_t)v & m;
	if (e->is_signed && (u >> (bits - 1)))
		u |= ~m;
	return (int64_t)u;
}

/* The FMT_ENUM entry with this enum's names ("value name" per line), registered once per
 * sema pass (the fmts are rebuilt every pass, in the same order). */
static int enum_fmt(struct sema *s, struct cenum *e)
{
	size_t cap = 64, used = 0;
	for (int k = 0; k < e->n; k++)
		cap += strlen(e->names[k]) + 24;
	char *txt = malloc(cap);
	if (!txt) {
		s->oom = true;
		return -1;
	}
	txt[0] = '\0';
	for (int k = 0; k < e->n; k++)
		used += (size_t)snprintf(txt + used, cap - used, "%" PRId64 " %s\n",
					 enum_norm(e, e->vals[k]), e->names[k]);
	const struct sema_result *r = s->r;
	int id = e->fmt_id;
	if (id < 0 || id >= r->nfmts || r->fmts[id].kind != FMT_ENUM ||
	    strcmp(r->fmts[id].fmt, txt) != 0)
		id = e->fmt_id = sema_fmt_add(s, FMT_ENUM, txt, NULL, 0, (struct span){ 0, 0 });
	free(txt);
	return id;
}

bool sema_enum_size(struct sema *s, const char *tag, uint32_t *size, bool *is_signed)
{
	struct cenum *e = find_enum(s, tag);
	if (!e)
		return false;
	*size = e->size;
	*is_signed = e->is_signed;
	return true;
}

bool sema_enum_cast(struct sema *s, struct node *n)
{
	if (strncmp(n->str, "enum ", 5) != 0 || n->ival != 0 || !n->a)
		return false;
	const char *tag = n->str + 5;
	sema_expr(s, n->a);
	n->type = type_none();
	struct cenum *e = find_enum(s, tag);
	if (!e) {
		diag_error(s->d, n->loc, "Unknown enum: %s", tag);
		return true;
	}
	const struct type *ta = &n->a->type;
	if (ta->kind == TY_NONE)
		return true;
	if (ta->kind != TY_INT) {
		char tb[256];
		diag_error(s->d, n->loc, "Cannot cast from \"%s\" to \"enum %s\"",
			   type_name(ta, tb, sizeof(tb)), tag);
		return true;
	}
	struct node *lit = n->a;
	bool neg = false;
	if (lit->kind == AST_UNOP && lit->op == OP_NEG && lit->a->kind == AST_INT) {
		neg = true;
		lit = lit->a;
	}
	if (lit->kind == AST_INT) {
		int64_t v = enum_norm(e, neg ? -lit->ival : lit->ival);
		bool found = false;
		for (int k = 0; k < e->n && !found; k++)
			found = enum_norm(e, e->vals[k]) == v;
		if (!found) {
			diag_error(s->d, n->a->loc, "Enum: %s doesn't contain a variant value of %" PRId64,
				   tag, neg ? -lit->ival : lit->ival);
			return true;
		}
	}
	n->type = type_int(e->size, e->is_signed);
	n->type.sub = SUB_ENUM;
	n->type.fmt_id = enum_fmt(s, e);
	if (n->type.fmt_id < 0)
		n->type = type_none();
	return true;
}
