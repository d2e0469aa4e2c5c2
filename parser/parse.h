/*
 * parser/parse.h — the parser facade: text in, AST out.
 *
 * Owns: the only entry point into the front end. Hides flex and bison completely, so a
 * hand-written parser could replace them without touching any caller.
 * Must not: type-check, expand attach points or print (errors go to struct diag).
 */
#ifndef BPFSCRIPT_PARSE_H
#define BPFSCRIPT_PARSE_H

#include "../common/diag.h"
#include "../common/ast.h"
#include "../lexer/includes.h"

struct parse_opts {
	struct pp_opts pp;   /* the preprocessor's: -I DIR and --include FILE (bpftrace's) */
	bool trace;          /* -d parse: bison's trace of the parse on stderr */
};

/* parse_program with options (NULL: none). */
struct node *parse_program_opts(const struct source *src, const struct parse_opts *opts,
				struct diag *d);
/* Parses src. Returns the PROGRAM node, or NULL when errors were added to d (the parser
 * recovers and reports several syntax errors where it can). Never crashes or hangs on any
 * input, including NUL bytes and invalid UTF-8. A first line starting with "#!" is skipped. */
struct node *parse_program(const struct source *src, struct diag *d);

/* parse_program_opts, then `import "path";` (parser/imports.c): each imported script is
 * appended to src as a segment of its own (messages name its file and lines) and the
 * whole text parsed again until nothing new is imported; imported headers are read as
 * --include files. The tree has no IMPORT nodes left and the imported files' nodes come
 * before the importer's. */
struct node *parse_program_imports(struct source *src, const struct parse_opts *opts,
				   struct diag *d);

/* For unit tests: tokenize src and call fn(token_name, span, text) for each token.
 * Returns the number of tokens or -1 on a lexical error (reported in d). */
int lex_dump(const struct source *src, struct diag *d,
	     void (*fn)(const char *tok, struct span loc, const char *text, void *ctx), void *ctx);

#endif
