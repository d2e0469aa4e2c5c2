/*
 * stdlib/symfmt.c — values that print specially: the builtin families' print hooks, and
 * the language's enum and bool values (see symfmt.h).
 * Must not: touch the kernel, /proc or files; everything comes through print_syms.
 */
#include "symfmt.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../sema/abi.h"
#include "builtins.h"

bool symfmt_handles(const struct type *t)
{
	if (builtin_fmt_of(t))
		return true;
	return t->kind == TY_INT && (t->sub == SUB_ENUM || t->sub == SUB_BOOL);
}

/* An enum value by name, from its "value name" table (sema/enums.c, carried in
 * strftime_fmts by fmt id); a value that names no enumerator prints as a number, as
 * current bpftrace does. */
static void print_enum(FILE *out, const struct type *t, uint64_t v, const struct print_ctx *ctx)
{
	int64_t x = (int64_t)v;
	if (t->size < 8) { /* the stored 8 bytes are the value widened by its own sign */
		uint32_t bits = t->size * 8;
		uint64_t m = (1ull << bits) - 1;
		x = (int64_t)(t->is_signed && ((v & m) >> (bits - 1)) ? (v | ~m) : (v & m));
	}
	const char *tab = ctx && ctx->strftime_fmts && t->fmt_id >= 0 && t->fmt_id < ctx->nfmts
				  ? ctx->strftime_fmts[t->fmt_id]
				  : NULL;
	while (tab && *tab) {
		char *end;
		long long tv = strtoll(tab, &end, 10);
		const char *name = end + 1, *nl = strchr(name, '\n');
		size_t len = nl ? (size_t)(nl - name) : strlen(name);
		if (tv == x) {
			fwrite(name, 1, len, out);
			return;
		}
		tab = nl ? nl + 1 : NULL;
	}
	if (t->is_signed)
		fprintf(out, "%" PRId64, x);
	else
		fprintf(out, "%" PRIu64, (uint64_t)x);
}

void symfmt_print(FILE *out, const struct type *t, const uint8_t *bytes,
		  const struct print_ctx *ctx, int indent)
{
	const struct builtin_fmt *hook = builtin_fmt_of(t);
	if (hook) {
		hook->print(out, t, bytes, ctx, indent);
		return;
	}
	uint64_t v = 0;
	memcpy(&v, bytes, 8);
	switch (t->sub) {
	case SUB_ENUM:
		print_enum(out, t, v, ctx);
		return;
	case SUB_BOOL: /* a comparison's prints as 0.17 printed it: the uint64 it was there,
			* whatever arithmetic did to it since (`$b = a || b; $b <<= 1` is 2) */
		if (t->fmt_id == BOOL_NUMERIC)
			fprintf(out, "%" PRIu64, v);
		else
			fputs(v & 0xff ? "true" : "false", out);
		return;
	default:
		return;
	}
}
