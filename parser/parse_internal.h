/*
 * parser/parse_internal.h — what the bison grammar, its AST builders and parse.c share.
 *
 * Owns: the parse-param state (struct parse_state: the scanner's state, which the parser
 * embeds, plus what only the parser keeps), how a rule's span is made from its symbols'
 * (YYLLOC_DEFAULT), the AST depth and syntax-error caps, the builders the grammar actions
 * call, and the token names of syntax errors.
 * Must not: be included outside parser/ (callers use parser/parse.h only; the lexer knows
 * only lexer/scan.h and the generated token header, never this file).
 */
#ifndef BPFSCRIPT_PARSE_INTERNAL_H
#define BPFSCRIPT_PARSE_INTERNAL_H

#include <stdint.h>

#include "../common/diag.h"
#include "../common/ast.h"
#include "../lexer/scan.h"

/* A rule's span runs from its first symbol to its last; an empty rule sits at the end of
 * whatever preceded it so that joins with it never widen a span backwards. */
#define BPFS_YYLLOC_DEFAULT(cur, rhs, n)                                                  \
	do {                                                                              \
		if (n) {                                                                  \
			(cur).start = YYRHSLOC(rhs, 1).start;                             \
			(cur).end = YYRHSLOC(rhs, n).end;                                 \
		} else {                                                                  \
			(cur).start = (cur).end = YYRHSLOC(rhs, 0).end;                   \
		}                                                                         \
	} while (0)
#define YYLLOC_DEFAULT BPFS_YYLLOC_DEFAULT

/* The deepest AST parse_program hands on (the scanner caps bracket nesting at
 * LEX_MAX_NESTING). Later stages walk the tree recursively; these caps keep them off the
 * end of the C stack whatever the input. */
#define PARSE_MAX_AST_DEPTH 1000
/* Syntax errors reported before the parser stops reading. */
#define PARSE_MAX_SYNTAX_ERRORS 20

/* What bpfs_yyparse carries (its parse-param): the scanner's state, handed to flex as its
 * yyextra (lexer/scan.h; the parser reads scan.src and scan.d, and sets scan.fatal and
 * clears scan.recovering as documented there), and the parser's own. */
struct parse_state {
	struct scan_state scan;
	struct node *program;  /* set by the start rule */
	int nerr_syntax;       /* syntax errors reported so far */
};

static inline struct nlist nlist_cons(struct node *n, struct nlist l)
{
	struct nlist r = { n, l.tail ? l.tail : n };
	n->next = l.head;
	return r;
}

/* Builders the grammar actions call (parser/ast_build.c). Names come as (text, len) slices of
 * the source; each copies what it keeps. */
struct node *ast_node3(enum ast_kind kind, struct span loc, struct node *a, struct node *b,
		       struct node *c, struct node *list);
struct node *ast_with_list(enum ast_kind kind, struct span loc, struct node *list);
struct node *ast_assign(struct span loc, enum ast_op op, struct node *lhs, struct node *rhs);
/* let $x [: type] [= value]: an assignment of the value (cast to the type; 0 of the type
 * when there is no value), or a statement that does nothing for a bare `let $x`. */
struct node *ast_let(struct span loc, struct node *var, struct node *type, struct node *value);
/* A CDEF token: a C definition, or `import "path";` (an IMPORT node, str = the path). */
struct node *ast_cdef(struct parse_state *ps, struct span loc);
/* `_ = value`: an EXPR_STMT of value flagged NODE_F_DISCARD. */
struct node *ast_discard(struct span loc, struct node *value);
struct node *ast_field(struct span loc, struct node *base, const char *name, uint32_t len,
		       int arrow);
struct node *ast_posparam(struct span loc, int64_t n);
struct node *ast_call(struct span loc, const char *name, uint32_t len, struct node *args);
struct node *ast_map_keys(struct span loc, const char *name, uint32_t len, struct node *keys);
/* CAST without its operand: str = "uint32" or "struct task_struct", ival = 0. */
struct node *ast_cast_type(struct span loc, const char *kw, const char *name, uint32_t len);
struct node *ast_cast_set(struct node *cast, struct span loc, struct node *operand);

/* Readable bison name of a token number ("integer", "}", "end of file"). Defined in
 * parser.y, where bison's tables live. */
const char *parse_token_name(int tok);

#endif
