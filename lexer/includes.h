/*
 * lexer/includes.h — `#include` lines and `--include FILE` (lexer/includes.c).
 *
 * Owns: the preprocessor's options (struct pp_opts: -I directories, --include files), the
 * check that a named header exists, and handing its integer constants (read by
 * lexer/headers.c) to the caller. Must not: define macros itself (lexer.l does), or know
 * the parser's options (struct parse_opts embeds a pp_opts; nothing here includes parser/).
 */
#ifndef BPFSCRIPT_INCLUDES_H
#define BPFSCRIPT_INCLUDES_H

#include <stdbool.h>
#include <stddef.h>

#include "../common/diag.h"
#include "headers.h"

/* The preprocessor's options (bpftrace's -I DIR and --include FILE), owned by the caller
 * (struct parse_opts embeds one; the scanner sees only this). NULL where taken: none. */
struct pp_opts {
	struct hdr_dirs dirs;        /* -I directories, searched before the system ones */
	const char *const *includes; /* each as if the script began with #include <FILE> */
	int nincludes;
};

/* Is header name (nlen bytes, "x.h" when quoted) to be found? script: the script's path
 * (NULL for -e), for quoted headers next to it. */
bool pp_header_found(const struct pp_opts *o, const char *script, const char *name,
		     size_t nlen, bool quoted);
/* An #include line's argument ("<x.h>" or "\"x.h\""): an error at loc unless found;
 * fn(ctx, NAME, value) for each integer constant of the header, decl_fn(ctx, TEXT) (if
 * not NULL) for each struct/union/typedef definition of a user header. */
void pp_include_line(const struct pp_opts *o, const struct source *src, struct diag *d,
		     struct span loc, const char *arg, size_t alen, hdr_const_fn fn,
		     hdr_decl_fn decl_fn, void *ctx);
/* --include FILE: the same for a header named on the command line (no location). */
void pp_include_file(const struct pp_opts *o, struct diag *d, const char *file,
		     hdr_const_fn fn, hdr_decl_fn decl_fn, void *ctx);

#endif
