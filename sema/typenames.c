/*
 * sema/typenames.c — types written as a bare name: `bool`, C's integer type names
 * (uint64_t, u32, pid_t, size_t), the script's and its user headers' typedefs, the
 * kernel's typedefs (BTF), in casts `(name)x`, `(name *)p`, `let $x: name`, sizeof(name),
 * offsetof(name, m) and typeof(name); and `(name) * x` / `(name) - x` / `(name) & x`,
 * which parse as arithmetic on `(name)`, becoming casts when name is a type.
 *
 * Owns: the lookup order (bool and the language's int names; the script's and headers'
 * typedefs; C's integer names; BTF typedefs) and the canonical spelling a named type is
 * rewritten to (`uint32`, `struct foo`, plus pointer depth), which every cast, sizeof and
 * offsetof path already understands.
 * Must not: parse C definitions (struct_types.c) or type the cast itself (typecheck.c,
 * check_ctype.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "btf.h"
#include "ctypes.h"
#include "sema_int.h"

static bool is_bare_name(const char *s)
{
	if (!s || !*s || strchr(s, ' '))
		return false;
	return true;
}

static bool language_type(const char *s)
{
	static const char *const names[] = { "uint8", "uint16", "uint32", "uint64", "int8",
					     "int16", "int32", "int64", "bool", "typeof" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i]) == 0)
			return true;
	return false;
}

/* The C type `name` stands for, or NULL when it names no type. */
static const struct ctype *named_ctype(struct sema *s, const char *name)
{
	struct ctypes *reg = sema_ctypes(s);
	const struct ctype *ct = ctypes_typedef(reg, name);
	if (!ct)
		ct = sema_named_int(reg, name);
	if (!ct) {
		char err[8];
		if (btf_available(reg, err, sizeof(err)))
			ct = btf_typedef(reg, name);
	}
	return ct;
}

bool sema_is_type_name(struct sema *s, const char *name)
{
	return is_bare_name(name) && (language_type(name) || named_ctype(s, name));
}

bool sema_canon_type(struct sema *s, struct node *n)
{
	if (!is_bare_name(n->str) || language_type(n->str))
		return true;
	const struct ctype *ct = named_ctype(s, n->str);
	if (!ct) {
		diag_error(s->d, n->loc, "Unknown type: '%s'", n->str);
		return false;
	}
	int64_t depth = 0;
	while (ct->kind == CT_PTR && ct->ref) {
		depth++;
		ct = ct->ref;
	}
	char canon[200];
	if (ct->kind == CT_INT && ct->size == 1 && !strcmp(n->str, "_Bool"))
		snprintf(canon, sizeof(canon), "bool");
	else if (ct->kind == CT_INT && (ct->size == 1 || ct->size == 2 || ct->size == 4 ||
					ct->size == 8))
		snprintf(canon, sizeof(canon), "%sint%u", ct->is_signed ? "" : "u", ct->size * 8);
	else if ((ct->kind == CT_STRUCT || ct->kind == CT_UNION) && ct->name)
		snprintf(canon, sizeof(canon), "%s %s", ct->kind == CT_UNION ? "union" : "struct",
			 ct->name);
	else {
		char nb[160];
		diag_error(s->d, n->loc, "type '%s' (%s) cannot be used here: integers, structs, "
					 "unions and pointers to them can", n->str,
			   ctype_name(ct, nb, sizeof(nb)));
		return false;
	}
	return sema_set_type_name(s, n, canon, depth);
}

bool sema_set_type_name(struct sema *s, struct node *n, const char *name, int64_t depth)
{
	free(n->str);
	n->str = strdup(name);
	n->slen = 0;
	n->ival += depth;
	if (!n->str) {
		s->oom = true;
		return false;
	}
	return true;
}

/* An IDENT that names a type (and not a builtin, a constant of the script or BTF, or a
 * value the program can read): `(name)` of `(name) * x` is a cast then. */
static bool ident_is_type(struct sema *s, const struct node *n)
{
	if (n->kind != AST_IDENT || !n->str || builtin_find(s->r->builtins, n->str, false) >= 0)
		return false;
	return sema_is_type_name(s, n->str);
}

bool sema_ident_as_type(struct sema *s, struct node *n)
{
	/* a builtin (sizeof(comm)) is a value, and asking BTF about it would load BTF */
	if (n->kind != AST_IDENT || !n->str || builtin_find(s->r->builtins, n->str, false) >= 0 ||
	    !sema_is_type_name(s, n->str))
		return false;
	n->kind = AST_CAST; /* str stays the name; no operand */
	n->ival = 0;
	n->sym = -1;
	return true;
}

bool sema_paren_cast(struct sema *s, struct node *n)
{
	struct node *a = n->a;
	enum ast_op to;
	switch (n->op) {
	case OP_MUL: to = OP_DEREF; break;
	case OP_SUB: to = OP_NEG; break;
	case OP_BAND: to = OP_ADDROF; break;
	default: return false;
	}
	bool type_node = a->kind == AST_CAST && !a->a; /* a macro's type parameter */
	if (!type_node && !((a->flags & NODE_F_PAREN) && ident_is_type(s, a)))
		return false;
	/* (name) * x → CAST(name, *x): the node keeps its place and span */
	struct node *operand = ast_unop(n->b->loc, to, n->b);
	struct node *cast = type_node ? a : ast_str(AST_CAST, a->loc, a->str, (uint32_t)strlen(a->str));
	if (!type_node)
		ast_free(a);
	n->kind = AST_CAST;
	n->op = OP_NONE;
	free(n->str);
	n->str = cast->str;
	n->ival = cast->ival;
	n->flags = cast->flags;
	n->c = cast->c;
	cast->str = NULL;
	cast->c = NULL;
	ast_free(cast);
	n->a = operand;
	n->b = NULL;
	return true;
}
