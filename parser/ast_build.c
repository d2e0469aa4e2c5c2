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

struct node *ast_discard(struct parse_state *ps, struct span loc, struct span name,
			 struct node *value)
{
	if (name.end - name.start != 1 || ps->scan.src->text[name.start] != '_')
		diag_error(ps->scan.d, name, "Can only assign to a map, a variable or _ (discard)");
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
