/*
 * lexer/includes.h — `#include` lines and `--include FILE` (lexer/includes.c).
 *
 * Owns: the check that a named header exists, and handing its integer constants (read by
 * lexer/headers.c) to the caller. Must not: define macros itself (lexer.l does).
 */
#ifndef BPFSCRIPT_INCLUDES_H
#define BPFSCRIPT_INCLUDES_H

#include <stdbool.h>
#include <stddef.h>

#include "../common/diag.h"
#include "../parser/parse.h"
#include "headers.h"

/* Is header name (nlen bytes, "x.h" when quoted) to be found? script: the script's path
 * (NULL for -e), for quoted headers next to it. */
bool pp_header_found(const struct parse_opts *o, const char *script, const char *name,
		     size_t nlen, bool quoted);
/* An #include line's argument ("<x.h>" or "\"x.h\""): an error at loc unless found;
 * fn(ctx, NAME, value) for each integer constant of the header, decl_fn(ctx, TEXT) (if
 * not NULL) for each struct/union/typedef definition of a user header. */
void pp_include_line(const struct parse_opts *o, const struct source *src, struct diag *d,
		     struct span loc, const char *arg, size_t alen, hdr_const_fn fn,
		     hdr_decl_fn decl_fn, void *ctx);
/* --include FILE: the same for a header named on the command line (no location). */
void pp_include_file(const struct parse_opts *o, struct diag *d, const char *file,
		     hdr_const_fn fn, hdr_decl_fn decl_fn, void *ctx);

#endif
