/*
 * lexer/scan.h — the scanner's interface: its state, its location type and its entry points.
 *
 * Owns: struct scan_state (what the flex scanner carries as yyextra: position, bracket and
 * probe-body depth, error-recovery skipping, the preprocessor's conditionals, macros and
 * user headers' definitions), the location type (YYLTYPE is our byte-offset struct span),
 * the bracket nesting cap, the node list the scanner builds (struct nlist, also the
 * grammar's list type), and the functions lexer.l defines for the parser: bpfs_yylex,
 * lex_begin_recovery, lex_header_const, lex_header_decl.
 * Must not: include anything of parser/ or above. The token numbers and the token value
 * type come from the one generated header the lexer includes, build/gen/tokens.h (bison
 * writes it from parser/parser.y, whose `%code requires` includes only this file;
 * tests/layering/run_layering.sh checks both), so this file names that type only as an
 * incomplete union.
 */
#ifndef BPFSCRIPT_SCAN_H
#define BPFSCRIPT_SCAN_H

#include <stdint.h>

#include "../common/diag.h"
#include "../common/ast.h"

struct pp_opts;   /* lexer/includes.h */
struct pp_macros; /* lexer/macros.h */

/* Bison with api.prefix {bpfs_yy} names its types BPFS_YY*; flex's bison-bridge code and
 * its header use the unprefixed names. Both spellings mean the same types. A token's
 * location is the span of its bytes in the source. */
#define BPFS_YYLTYPE struct span
#define BPFS_YYLTYPE_IS_DECLARED 1
#define YYLTYPE BPFS_YYLTYPE
#define YYSTYPE BPFS_YYSTYPE

#ifndef YY_TYPEDEF_YY_SCANNER_T
#define YY_TYPEDEF_YY_SCANNER_T
typedef void *yyscan_t;
#endif

/* Deepest bracket nesting ( [ { the scanner accepts. Later stages walk the tree
 * recursively; this cap (with the parser's PARSE_MAX_AST_DEPTH) keeps them off the end of
 * the C stack whatever the input. */
#define LEX_MAX_NESTING 200

/* A list under construction: head plus tail so appends stay O(1) on long inputs. The
 * scanner collects header definitions in one; the grammar builds every list with it
 * (its own nlist_cons is in parser/parse_internal.h). */
struct nlist {
	struct node *head, *tail;
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

/* One scan of a source text. Its owner (parser/parse.c) zeroes it, sets src, d and pp,
 * hands it to bpfs_yylex_init_extra, and afterwards frees macros and takes hdr_defs.
 * Besides that, the parser touches only the two fields marked so. */
struct scan_state {
	const struct source *src;
	struct diag *d;
	uint32_t pos;          /* byte offset of the next unread character */
	uint32_t last_end;     /* end of the last token returned (EOF sits here) */
	int brace_depth;       /* '{' depth inside the current probe body */
	int nest;              /* open ( [ { of any kind */
	/* gave up (unterminated token, nesting cap, macro expansion limit), or the parser
	 * told it to (too many syntax errors): only end of file from here on. The parser
	 * reads it (no more syntax errors once set) and sets it. */
	int fatal;
	/* the parser is discarding tokens after a syntax error: set by lex_begin_recovery,
	 * cleared by the parser once it has resynchronised, and by a probe body's '{' */
	int recovering;
	int skip;              /* depth inside a { } group being skipped */
	/* #ifdef/#ifndef BPFTRACE_HAVE_BTF ... #else ... #endif at top level */
	int pp_depth;          /* open conditionals */
	int pp_skip_nest;      /* conditionals opened inside the region being skipped */
	int pp_to_endif;       /* skipping an #else branch: a later #else does not resume */
	struct span pp_open;   /* the outermost open conditional, for "missing #endif" */
	/* the script's #define macros (lexer/macros.h); freed by the owner */
	struct pp_macros *macros;
	const struct pp_opts *pp; /* -I, --include (the parse options' pp); NULL: none */
	/* user headers' struct/union/typedef definitions (CDEF, NODE_F_HDRDEF), taken by the
	 * owner (parse.c puts them before the script's own); hdr_loc is the #include being
	 * read */
	struct nlist hdr_defs;
	struct span hdr_loc;
};

/* The token stream the parser reads (lexer.l): the flex scanner's tokens with the
 * script's #define macros replayed. lval is the grammar's token value union (BPFS_YYSTYPE,
 * build/gen/tokens.h). Returns a token number (TOK_*, TOK_END at the end). */
union BPFS_YYSTYPE;
int bpfs_yylex(union BPFS_YYSTYPE *lval, struct span *lloc, yyscan_t scanner);

/* Called by the parser's error handler. While the parser discards tokens to resync at
 * ';' or '}', a nested '{' would be dropped but its '}' taken as the end of the
 * enclosing block; so the scanner swallows whole { } groups until recovery ends.
 * errloc is the offending token; if it is itself a nested '{', its group is skipped. */
void lex_begin_recovery(yyscan_t scanner, struct span errloc);

/* An #include'd header's integer constant becomes a macro of the script (ctx: the struct
 * scan_state); the hdr_const_fn of lexer/includes.h, also given for --include FILE. */
void lex_header_const(void *ctx, const char *name, int64_t value);
/* ... and a user header's definition becomes a CDEF of the program (ctx: scan_state) */
void lex_header_decl(void *ctx, const char *text);

#endif
