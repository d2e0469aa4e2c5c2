/*
 * lexer/macros.h — the script's object-like #define macros, as token lists.
 *
 * Owns: the macro table of one parse (name → the tokens of its body, lexed once when the
 * #define line is read), #undef, and the expansion stack the scanner wrapper replays
 * (lexer/lexer.l, bpfs_yylex): a macro being expanded is not expanded again inside
 * itself, as in C, and the total number of replayed tokens is capped.
 * Must not: lex text or report errors itself (lexer.l does both), or know about the parser
 * beyond token numbers; a STRING token's value is an AST node (common/ast.h).
 */
#ifndef BPFSCRIPT_MACROS_H
#define BPFSCRIPT_MACROS_H

#include <stdbool.h>
#include <stdint.h>

#include "../common/diag.h"

struct node;

/* One token of a macro body: its number, where its text is (names are sliced from the
 * source by span), and the value of INT/PARAM (ival) or STRING (str, copied per use). */
struct pp_tok {
	int tok;
	struct span loc;
	int64_t ival;
	struct node *str;
};

struct pp_macro {
	char *name;
	struct pp_tok *toks;
	int ntoks;
	bool active;       /* on the expansion stack right now */
};

/* Expansion depth and total replayed tokens a program may use (hostile inputs such as
 * "#define A B B B B" chains would otherwise multiply tokens exponentially). */
#define PP_MAX_DEPTH 64
#define PP_MAX_EXPANDED 200000

struct pp_macros {
	struct pp_macro *m;
	int n, cap;
	struct {
		int mi;  /* index in m */
		int pos; /* next token to replay */
		struct span use; /* the identifier this expansion replaced */
	} stack[PP_MAX_DEPTH];
	int depth;
	long expanded;
};

/* The macro named name[0..len), or -1. Undefined (#undef) entries are never found. */
int pp_find(const struct pp_macros *pm, const char *name, size_t len);
/* Define (or redefine) name with toks (ownership of toks and their str nodes moves in).
 * Returns 0 or -ENOMEM; redefining a macro while it is being expanded is not possible
 * because #define lines are only read outside expansions. */
int pp_define(struct pp_macros **pm, const char *name, size_t len, struct pp_tok *toks,
	      int ntoks);
void pp_undef(struct pp_macros *pm, const char *name, size_t len);
void pp_tokens_free(struct pp_tok *toks, int ntoks);
void pp_macros_free(struct pp_macros *pm);

#endif
