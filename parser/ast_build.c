/*
 * parser/ast_build.c — the builders the grammar actions call (declared in
 * parser/parse_internal.h): nodes made from (text, len) slices of the source, `let`,
 * assignments, casts, calls and map keys.
 *
 * Owns: how grammar shapes become nodes (common/ast.h describes each kind's shape).
 * Must not: allocate nodes other than through common/ast.c's constructors, print, or
 * validate semantics.
 */
#include <string.h>

#include "parse_internal.h"
#include "../lexer/lex_literal.h"

struct node *ast_node3(enum ast_kind kind, struct span loc, struct node *a, struct node *b,
		       struct node *c, struct node *list)
{
	struct node *n = ast_new(kind, loc);
	n->a = a;
	n->b = b;
	n->c = c;
	n->list = list;
	return n;
}

struct node *ast_with_list(enum ast_kind kind, struct span loc, struct node *list)
{
	return ast_node3(kind, loc, NULL, NULL, NULL, list);
}

struct node *ast_assign(struct span loc, enum ast_op op, struct node *lhs, struct node *rhs)
{
	struct node *n = ast_node3(AST_ASSIGN, loc, lhs, rhs, NULL, NULL);
	n->op = op;
	return n;
}

struct node *ast_cdef(struct parse_state *ps, struct span loc)
{
	const char *t = ps->scan.src->text + loc.start;
	uint32_t len = loc.end - loc.start;
	if (len < 7 || strncmp(t, "import", 6) != 0)
		return ast_str(AST_CDEF, loc, t, len);
	/* the lexer's rule: blanks and comments, the string, then ';' */
	const char *q = t + 6, *end = t + len;
	while (q < end && *q != '"') {
		if (q + 1 < end && q[0] == '/' && q[1] == '*') {
			const char *c = q + 2;
			while (c + 1 < end && !(c[0] == '*' && c[1] == '/'))
				c++;
			q = c + 2;
		} else if (q + 1 < end && q[0] == '/' && q[1] == '/') {
			while (q < end && *q != '\n')
				q++;
		} else {
			q++;
		}
	}
	if (q >= end)
		q = NULL;
	const char *e = NULL;
	for (const char *p = q ? q + 1 : t + len; p < t + len && !e; p++) {
		if (*p == '\\')
			p++; /* an escaped character, maybe a quote */
		else if (*p == '"')
			e = p;
	}
	if (!q || !e)
		return ast_str(AST_CDEF, loc, t, len);
	struct span sl = { loc.start + (uint32_t)(q - t), loc.start + (uint32_t)(e + 1 - t) };
	struct node *n = lex_string(ps->scan.d, sl, q, (size_t)(e + 1 - q));
	if (!n)
		n = ast_str(AST_STR, sl, "", 0);
	n->kind = AST_IMPORT;
	n->loc = loc;
	return n;
}

struct node *ast_discard(struct span loc, struct node *value)
{
	struct node *n = ast_node3(AST_EXPR_STMT, loc, value, NULL, NULL, NULL);
	n->flags |= NODE_F_DISCARD;
	return n;
}

struct node *ast_let(struct span loc, struct node *var, struct node *type, struct node *value)
{
	if (!type && !value) { /* declared here; typed where it is first assigned */
		struct node *d = ast_node3(AST_EXPR_STMT, loc, var, NULL, NULL, NULL);
		d->flags |= NODE_F_DECL;
		return d;
	}
	if (type) {
		type->a = value ? value : ast_int(type->loc, 0);
		value = type;
	}
	return ast_assign(loc, OP_NONE, var, value);
}

struct node *ast_field(struct span loc, struct node *base, const char *name, uint32_t len,
		       int arrow)
{
	struct node *n = ast_str(AST_FIELD, loc, name, len);
	n->a = base;
	n->ival = arrow;
	return n;
}

struct node *ast_posparam(struct span loc, int64_t v)
{
	struct node *n = ast_new(AST_POSPARAM, loc);
	n->ival = v;
	return n;
}

struct node *ast_call(struct span loc, const char *name, uint32_t len, struct node *args)
{
	struct node *n = ast_str(AST_CALL, loc, name, len);
	n->list = args;
	return n;
}

struct node *ast_map_keys(struct span loc, const char *name, uint32_t len, struct node *keys)
{
	struct node *n = ast_str(AST_MAP, loc, name, len);
	n->list = keys;
	return n;
}

struct node *ast_cast_type(struct span loc, const char *kw, const char *name, uint32_t len)
{
	if (!kw)
		return ast_str(AST_CAST, loc, name, len);
	/* "struct" + ' ' + name, written into the zeroed text ast_str allocates */
	size_t kl = strlen(kw);
	struct node *n = ast_str(AST_CAST, loc, NULL, (uint32_t)(kl + 1 + len));
	memcpy(n->str, kw, kl);
	n->str[kl] = ' ';
	memcpy(n->str + kl + 1, name, len);
	return n;
}

struct node *ast_cast_set(struct node *cast, struct span loc, struct node *operand)
{
	cast->loc = loc;
	cast->a = operand;
	return cast;
}
