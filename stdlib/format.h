/*
 * stdlib/format.h — bpftrace's printf conversions: checking at compile time, rendering at
 * run time.
 *
 * Owns: parsing a printf format (flags, width, precision, length modifiers, conversions
 * %d %i %u %x %X %o %c %s %p %% and l/ll/h/hh/z forms as bpftrace accepts them), checking
 * it against the argument types, and rendering an event payload to a FILE*. Also the
 * escape rules shared with the lexer are NOT here (the lexer unescapes string literals).
 * Must not: pass user text to libc's printf as a format (each conversion is rebuilt from
 * parsed pieces), touch the kernel, or know about maps.
 */
#ifndef BPFSCRIPT_FORMAT_H
#define BPFSCRIPT_FORMAT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../sema/types.h"

/* Names for values that print symbolically (TY_PROBE → the probe's full name). */
struct print_ctx {
	const char *const *probe_names; /* indexed by probe point index */
	int nprobes;
	/* for the print hooks (stdlib/symfmt.h): func names, symbol/stack callbacks, indent */
	const char *const *func_names;   /* SUB_FUNC: the function of each probe point */
	const struct print_syms *syms;   /* NULL: addresses print in hex, stacks empty */
	int stack_indent;                /* spaces before stack frames: 0 means 8 (4 in keys) */
	bool in_key;                     /* printing a map key: structs compact, {.a=1,.b=2} */
	const char *const *strftime_fmts; /* by sema fmt index (NULL where not strftime) */
	int nfmts;
};

/* 0 if fmt is valid for these argument types. Otherwise -1, a one-sentence message in err
 * (e.g. "printf: Too many arguments for format string (1 supplied, 0 expected)" or
 * "printf: %d specifier expects an integer, got string[64]") and *bad_arg set to the
 * offending argument index, or -1 when the format string itself is at fault. */
int fmt_check(const char *fmt, const struct type *args, int nargs, char *err, size_t errlen,
	      int *bad_arg);

/* Render one printf event. payload holds the arguments at offs[i] (abi.h layout). */
void fmt_render(FILE *out, const char *fmt, const struct type *args, const uint32_t *offs,
		int nargs, const uint8_t *payload, size_t len, const struct print_ctx *ctx);

/* Print one value the way bpftrace prints it in map output and print(): integers in
 * decimal (signed or not), strings up to their NUL, tuples as "(a, b)", probes by name. */
void fmt_value(FILE *out, const struct type *t, const uint8_t *bytes,
	       const struct print_ctx *ctx);
/* One element of a tuple at bytes through print (fmt_value, or the JSON printer): an
 * integer element is first widened from its own width to the 8 bytes print reads. */
void fmt_elem(FILE *out, const struct type *t, const uint8_t *bytes,
	      const struct print_ctx *ctx,
	      void (*print)(FILE *, const struct type *, const uint8_t *,
			    const struct print_ctx *));

#endif
