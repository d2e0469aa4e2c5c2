/*
 * parser/parse_internal.h — what the flex scanner, the bison grammar and parse.c share.
 *
 * Owns: the location type (YYLTYPE is our byte-offset struct span), the state object that
 * the scanner carries as yyextra and the parser as its parse-param, and the few helpers
 * each side calls on the other.
 * Must not: be included outside lexer/ and parser/ (callers use parser/parse.h only).
 */
#ifndef BPFSCRIPT_PARSE_INTERNAL_H
#define BPFSCRIPT_PARSE_INTERNAL_H

#include <stdint.h>

#include "../common/diag.h"
#include "../common/ast.h"

struct pp_opts; /* lexer/includes.h */

/* Bison with api.prefix {bpfs_yy} names its types BPFS_YY*; flex's bison-bridge code and
 * its header use the unprefixed names. Both spellings mean the same types. */
#define BPFS_YYLTYPE struct span
#define BPFS_YYLTYPE_IS_DECLARED 1
#define YYLTYPE BPFS_YYLTYPE
#define YYSTYPE BPFS_YYSTYPE

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

#ifndef YY_TYPEDEF_YY_SCANNER_T
#define YY_TYPEDEF_YY_SCANNER_T
typedef void *yyscan_t;
#endif

/* Deepest bracket nesting ( [ { the scanner accepts, and the deepest AST parse_program
 * hands on. Later stages walk the tree recursively; these caps keep them off the end of
 * the C stack whatever the input. */
#define PARSE_MAX_NESTING 200
#define PARSE_MAX_AST_DEPTH 1000
/* Syntax errors reported before the parser stops reading. */
#define PARSE_MAX_SYNTAX_ERRORS 20

/* A list under construction: head plus tail so appends stay O(1) on long inputs. */
struct nlist {
	struct node *head, *tail;
};

struct parse_state {
	const struct source *src;
	struct diag *d;
	struct node *program;  /* set by the start rule */
	uint32_t pos;          /* scanner: byte offset of the next unread character */
	uint32_t last_end;     /* scanner: end of the last token returned (EOF sits here) */
	int brace_depth;       /* scanner: '{' depth inside the current probe body */
	int nest;              /* scanner: open ( [ { of any kind */
	int fatal;             /* scanner: gave up (unterminated token, nesting cap) */
	int recovering;        /* parser is discarding tokens after a syntax error */
	int skip;              /* scanner: depth inside a { } group being skipped */
	int nerr_syntax;       /* syntax errors reported so far */
	/* scanner: #ifdef/#ifndef BPFTRACE_HAVE_BTF ... #else ... #endif at top level */
	int pp_depth;          /* open conditionals */
	int pp_skip_nest;      /* conditionals opened inside the region being skipped */
	int pp_to_endif;       /* skipping an #else branch: a later #else does not resume */
	struct span pp_open;   /* the outermost open conditional, for "missing #endif" */
	/* scanner: the script's #define macros (lexer/macros.h); freed by parse.c */
	struct pp_macros *macros;
	const struct pp_opts *pp; /* -I, --include (the parse options' pp); NULL: none */
	/* scanner: user headers' struct/union/typedef definitions (CDEF, NODE_F_HDRDEF), put
	 * before the script's own by parse.c; hdr_loc is the #include being read */
	struct nlist hdr_defs;
	struct span hdr_loc;
};

static inline struct nlist nlist_push(struct nlist l, struct node *n)
{
	if (!n)
		return l;
	if (l.tail)
		l.tail->next = n;
	else
		l.head = n;
	l.tail = n;
	return l;
}

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
struct node *ast_field(struct span loc, struct node *base, const char *name, uint32_t len,
		       int arrow);
struct node *ast_posparam(struct span loc, int64_t n);
struct node *ast_call(struct span loc, const char *name, uint32_t len, struct node *args);
struct node *ast_map_keys(struct span loc, const char *name, uint32_t len, struct node *keys);
/* CAST without its operand: str = "uint32" or "struct task_struct", ival = 0. */
struct node *ast_cast_type(struct span loc, const char *kw, const char *name, uint32_t len);
struct node *ast_cast_set(struct node *cast, struct span loc, struct node *operand);

/* Called by the parser's error handler. While the parser discards tokens to resync at
 * ';' or '}', a nested '{' would be dropped but its '}' taken as the end of the
 * enclosing block; so the scanner swallows whole { } groups until recovery ends.
 * errloc is the offending token; if it is itself a nested '{', its group is skipped. */
/* lexer.l: an #include'd header's integer constant becomes a macro of the script
 * (ctx: the struct parse_state) */
void lex_header_const(void *ctx, const char *name, int64_t value);
/* ... and a user header's definition becomes a CDEF of the program (ctx: parse_state) */
void lex_header_decl(void *ctx, const char *text);
void lex_begin_recovery(yyscan_t scanner, struct span errloc);

/* Readable bison name of a token number ("integer", "}", "end of file"). Defined in
 * parser.y, where bison's tables live. */
const char *parse_token_name(int tok);

#endif
