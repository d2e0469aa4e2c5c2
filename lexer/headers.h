/*
 * lexer/headers.h — reading C headers for their integer constants (lexer/headers.c).
 *
 * Owns: a small C preprocessor of bpfscript's own: following #include through the search
 * path, #ifdef/#ifndef/#if/#elif/#else/#endif, #define/#undef, and evaluating each
 * object-like #define as an integer constant expression; handing on the text of a user
 * header's struct/union/typedef definitions. Must not: parse C declarations,
 * touch the script's own tokens (lexer.l turns the constants into macros) or report
 * errors at script positions (callers do).
 */
#ifndef BPFSCRIPT_HEADERS_H
#define BPFSCRIPT_HEADERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>


/* Extra directories searched before the system ones (-I); NULL: none. Part of the
 * preprocessor's options (struct pp_opts, lexer/includes.h). */
struct hdr_dirs {
	const char *const *include_dirs;
	int ninclude_dirs;
};

/* Called once per object-like #define whose body is an integer constant expression, with
 * its value as C would compute it (the literal's and casts' widths and signedness), in
 * the order of the final definitions. */
typedef void (*hdr_const_fn)(void *ctx, const char *name, int64_t value);

/* Called once per top-level `struct NAME { ... };`, `union NAME { ... };` or
 * `typedef ...;` of a user header (one not under /usr/include, /usr/local/include or
 * gcc's directory), with its text: comments removed, integer macros replaced by their
 * values (`char name[NAME_LEN]` → `char name[16]`). */
typedef void (*hdr_decl_fn)(void *ctx, const char *text);

/* The path of header name[0..nlen) ("x.h" when quoted: dir first, the directory of the
 * including file or script; NULL for none), searched in -I directories,
 * /usr/local/include, the multiarch and plain /usr/include. false when not found. */
bool hdr_find(const struct hdr_dirs *o, const char *dir, const char *name, size_t nlen,
	      bool quoted, char *path, size_t plen);

/* Read header `path` and everything it includes; fn gets every integer constant. Headers
 * a header includes that cannot be found are skipped (as conditional code often names
 * them). 0, or -errno when path itself cannot be read. */
int hdr_read_consts(const struct hdr_dirs *o, const char *path, hdr_const_fn fn, void *ctx);
/* The same, and decl_fn (may be NULL) for the struct, union and typedef definitions. */
int hdr_read(const struct hdr_dirs *o, const char *path, hdr_const_fn fn, hdr_decl_fn decl_fn,
	     void *ctx);

/* The name of syscall nr of this machine (x86-64: asm/unistd_64.h's __NR_ constants, read
 * once), or NULL. */
const char *hdr_syscall_name(int64_t nr);
/* The number of the syscall called `name`; -1 when none is, -2 when the table could not
 * be read. */
int64_t hdr_syscall_number(const char *name);

#endif
