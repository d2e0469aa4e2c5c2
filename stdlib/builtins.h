/*
 * stdlib/builtins.h — every builtin variable and function: the families of rows with hooks
 * (sema/builtin.h) that sema_run is given, and the print hooks of the values they return.
 *
 * Owns: builtin_set (the families, stdlib/builtins.c), struct builtin_fmt and finding the
 * print hook of a type.
 * Must not: type-check, emit code or print (the family files' hooks do:
 * stdlib/builtin_*.c, written against stdlib/builtin_family.h).
 */
#ifndef BPFSCRIPT_BUILTINS_H
#define BPFSCRIPT_BUILTINS_H

#include <stdint.h>
#include <stdio.h>

#include "../sema/builtin.h"
#include "../sema/types.h"

struct print_ctx;

/* Every family of builtins (stdlib/builtins.c): what sema_opts.builtins is given. */
extern const struct builtin_set builtin_set;

/* How a value that a builtin returns prints, by its type's sub (enum type_sub): in map
 * output, print(), and printf's %s (and %r for buffers). */
struct builtin_fmt {
	uint8_t sub;  /* enum type_sub */
	uint8_t kind; /* enum type_kind of the values it prints: TY_INT or TY_STR */
	/* Write the text of the value at bytes (its abi layout). indent: spaces before each
	 * line of a multi-line value (a stack's frames). */
	void (*print)(FILE *out, const struct type *t, const uint8_t *bytes,
		      const struct print_ctx *ctx, int indent);
};
/* The print hook of t, or NULL when t prints by its kind. */
const struct builtin_fmt *builtin_fmt_of(const struct type *t);

#endif
