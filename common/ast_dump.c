/*
 * common/ast_dump.c — the stable text form of the AST (--dump=ast and golden tests).
 *
 * Owns: one line per node, two spaces of indent per depth, "kind detail" with strings
 * in C escapes, " :: type" after sema. Two pseudo-lines make optional children readable:
 * "pred" above a probe's predicate and "else" above an if's else part.
 * Must not: change format casually (golden files depend on it), modify the tree, or name
 * types itself: a type's text comes from the caller's callback (sema's type_name, passed
 * by main.c for -d ast / --dump=ast after sema), so the dumper needs nothing above it.
 */
#include "ast.h"

#include <inttypes.h>

static void indent(FILE *out, int depth)
{
	for (int i = 0; i < depth; i++)
		fputs("  ", out);
}

static void put_escaped(FILE *out, const char *s, uint32_t len)
{
	fputc('"', out);
	for (uint32_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '\n': fputs("\\n", out); break;
		case '\t': fputs("\\t", out); break;
		case '\r': fputs("\\r", out); break;
		case '\\': fputs("\\\\", out); break;
		case '"': fputs("\\\"", out); break;
		default:
			if (c < 0x20 || c >= 0x7f)
				fprintf(out, "\\x%02x", c);
			else
				fputc(c, out);
		}
	}
	fputc('"', out);
}

static void put_detail(FILE *out, const struct node *n)
{
	switch (n->kind) {
	case AST_ATTACH:
	case AST_CDEF:
	case AST_STR:
		fputc(' ', out);
		put_escaped(out, n->str ? n->str : "", n->slen);
		break;
	case AST_ASSIGN:
		fprintf(out, " %s=", ast_op_str(n->op));
		break;
	case AST_INT:
		fprintf(out, " %" PRIu64, (uint64_t)n->ival);
		break;
	case AST_POSPARAM:
		if (n->ival)
			fprintf(out, " $%" PRId64, n->ival);
		else
			fputs(" $#", out);
		break;
	case AST_IDENT:
	case AST_VAR:
	case AST_MAP:
	case AST_CALL:
	case AST_NAMED:  /* a record field: its name */
	case AST_MACRO:  /* a macro definition: its name */
		fprintf(out, " %s", n->str ? n->str : "");
		break;
	case AST_BOOL:
		fputs(n->ival ? " true" : " false", out);
		break;
	case AST_TERNARY:
		if (!n->b)
			fputs(" ?:", out);
		break;
	case AST_BINOP:
		fprintf(out, " %s", ast_op_str(n->op));
		break;
	case AST_UNOP:
		if (n->op == OP_PREINC || n->op == OP_PREDEC)
			fprintf(out, " pre%s", ast_op_str(n->op));
		else if (n->op == OP_POSTINC || n->op == OP_POSTDEC)
			fprintf(out, " post%s", ast_op_str(n->op));
		else
			fprintf(out, " %s", ast_op_str(n->op));
		break;
	case AST_FIELD:
		fprintf(out, " %s%s", n->ival ? "->" : ".", n->str ? n->str : "");
		break;
	case AST_CAST:
		fprintf(out, " %s", n->str ? n->str : "");
		if (n->ival > 0)
			fputc(' ', out);
		for (int64_t i = 0; i < n->ival && i < 64; i++)
			fputc('*', out);
		break;
	default:
		break;
	}
}

static void dump(FILE *out, const struct node *n, int depth, ast_type_name_fn tname)
{
	indent(out, depth);
	fputs(ast_kind_name(n->kind), out);
	put_detail(out, n);
	if (tname && n->type.kind != TY_NONE) {
		char buf[256];
		fprintf(out, " :: %s", tname(&n->type, buf, sizeof(buf)));
	}
	fputc('\n', out);

	if (n->kind == AST_PROBE) {
		for (const struct node *l = n->list; l; l = l->next)
			dump(out, l, depth + 1, tname);
		if (n->a) {
			indent(out, depth + 1);
			fputs("pred\n", out);
			dump(out, n->a, depth + 2, tname);
		}
		if (n->b)
			dump(out, n->b, depth + 1, tname);
		return;
	}
	if (n->a)
		dump(out, n->a, depth + 1, tname);
	if (n->b)
		dump(out, n->b, depth + 1, tname);
	if (n->c && n->kind == AST_IF) {
		indent(out, depth + 1);
		fputs("else\n", out);
		dump(out, n->c, depth + 2, tname);
	} else if (n->c) {
		dump(out, n->c, depth + 1, tname);
	}
	for (const struct node *l = n->list; l; l = l->next)
		dump(out, l, depth + 1, tname);
}

void ast_dump(FILE *out, const struct node *n, ast_type_name_fn tname)
{
	if (n)
		dump(out, n, 0, tname);
}
