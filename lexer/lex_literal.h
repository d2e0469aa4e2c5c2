/*
 * lexer/lex_literal.h — decoding of integer and string literals for the scanner.
 *
 * Owns: the literal syntax (0x.., 0.., decimal with '_' separators and an 'eN' exponent;
 * C-like string escapes) and the exact error messages for malformed literals.
 * Must not: know about scanner states or tokens; callers pass the matched text.
 */
#ifndef BPFSCRIPT_LEX_LITERAL_H
#define BPFSCRIPT_LEX_LITERAL_H

#include <stddef.h>
#include <stdint.h>

#include "../common/diag.h"
#include "../common/ast.h"

#define LEX_INT_INVALID 1
#define LEX_INT_OVERFLOW 2

/* text[0..len) is [0-9][A-Za-z0-9_]*. 0, LEX_INT_INVALID or LEX_INT_OVERFLOW. */
int lex_integer(const char *text, size_t len, uint64_t *out);
/* Plain decimal digits only; -1 on overflow or a non-digit. */
int lex_decimal(const char *text, size_t len, uint64_t *out);
/* text[0..len) is a complete "..." literal whose span is loc. Returns an AST_STR node
 * with the unescaped bytes, or NULL after reporting a bad escape to d. */
struct node *lex_string(struct diag *d, struct span loc, const char *text, size_t len);

#endif
