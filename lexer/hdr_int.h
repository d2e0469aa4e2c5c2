/*
 * lexer/hdr_int.h — state shared by the header reader (headers.c) and its integer
 * expression evaluator (hdr_expr.c); private to those two files.
 *
 * Owns: the table of macros seen while reading headers (name → body text, function-like
 * parameters) and the C integer value model (width and signedness).
 * Must not: be included outside lexer/headers.c and lexer/hdr_expr.c.
 */
#ifndef BPFSCRIPT_HDR_INT_H
#define BPFSCRIPT_HDR_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "headers.h"

struct hdef {
	char *name;
	char *body;      /* the replacement text, comments removed */
	char **params;   /* function-like: parameter names (nparams may be 0: "F()") */
	int nparams;
	bool func;
	bool builtin;    /* predefined by the compiler: never reported as a constant */
	bool busy;       /* being evaluated (a self reference is not expanded again) */
	bool dead;       /* #undef'd */
};

struct hstate {
	const struct hdr_dirs *o;
	struct hdef *defs;
	int ndefs, cap;
	int *hash;       /* open addressing over defs, -1 = empty; hcap is a power of two */
	int hcap;
	char **once;     /* files with #pragma once, or fully read with an include guard */
	int nonce;
	int depth;       /* include nesting */
	int files;       /* files read so far (capped) */
	int eval_depth;
	long eval_steps;  /* macro expansions left for the current top-level evaluation */
	long eval_total;  /* and for the whole read */
	struct henum { char *name; int64_t v; } *enums; /* enumerators of the headers */
	int nenums, ecap;
	hdr_decl_fn decl_fn; /* user headers' struct/union/typedef definitions, or NULL */
	void *decl_ctx;
};

/* A C integer: the value sign- or zero-extended to 64 bits, its width (32 or 64 after
 * promotion) and signedness. */
struct hval {
	int64_t v;
	int bits;
	bool u;
};

struct hdef *hdr_lookup(struct hstate *st, const char *name, size_t len);
/* An enumerator of the headers read so far (the latest of that name), or NULL. */
const struct henum *hdr_enum(const struct hstate *st, const char *name, size_t len);

/* Evaluate the expression text s[0..len) (a #define body, or an #if condition when
 * in_if: `defined`, __has_include and unknown identifiers, which count 0, are allowed).
 * false when it is not an integer constant expression. */
#define HDR_EVAL_STEPS 5000 /* per top-level evaluation: `#define A B+B` chains */
#define HDR_EVAL_TOTAL 1000000 /* per header read */
bool hdr_eval(struct hstate *st, const char *s, size_t len, bool in_if, struct hval *out);

#endif
