/*
 * stdlib/record_fmt.c — text and JSON of struct/union/array values (see record_fmt.h).
 *
 * Owns: bpftrace 0.17's record format, checked against its output on this machine:
 * members as `.name = value` joined by ", " inside "{ " and " }", members of anonymous
 * struct/union members listed inline, arrays as "[a,b]" with no spaces, char arrays as
 * text up to their NUL (unsigned char arrays are numbers), pointers as signed decimals,
 * integers per their size and sign. Bitfields are extracted and sign-extended as C does
 * (bpftrace 0.17 prints the whole storage unit there, a bug not copied).
 * Must not: touch the kernel, read memory outside [bytes, bytes + len), or complete types.
 */
#include "record_fmt.h"

#include <math.h>
#include <string.h>

#include "../sema/ctypes.h"
#include "strings.h"

#define RECORD_MAX_DEPTH 32 /* nesting of a C type; guards against a malformed type graph */

struct rec_out {
	FILE *out;
	const uint8_t *bytes;
	size_t len;
	bool json;
	bool compact; /* text without spaces: {.a=1,.in={.x=3}} */
};

/* Bits [bit_off, bit_off + width) as an unsigned number; bytes past len read as 0. */
static uint64_t bits_at(const struct rec_out *r, uint64_t bit_off, uint32_t width)
{
	uint64_t byte = bit_off / 8;
	uint32_t shift = (uint32_t)(bit_off % 8);
	unsigned __int128 v = 0;
	uint32_t nbytes = (shift + width + 7) / 8;
	for (uint32_t i = 0; i < nbytes && i < 16; i++)
		if (byte + i < r->len)
			v |= (unsigned __int128)r->bytes[byte + i] << (8 * i);
	v >>= shift;
	if (width < 64)
		v &= ((unsigned __int128)1 << width) - 1;
	return (uint64_t)v;
}

static void print_int(const struct rec_out *r, uint64_t bit_off, uint32_t width, bool is_signed)
{
	uint64_t v = bits_at(r, bit_off, width);
	if (is_signed && width < 64 && width && (v >> (width - 1)) & 1)
		v |= ~0ull << width;
	if (is_signed)
		fprintf(r->out, "%lld", (long long)v);
	else
		fprintf(r->out, "%llu", (unsigned long long)v);
}

/* char[N] (signed bytes, as emit_ctype.c reads them as text) */
static bool is_text(const struct ctype *ct)
{
	return ct->kind == CT_ARRAY && !ct->numeric && ct->ref && ct->ref->kind == CT_INT &&
	       ct->ref->size == 1 && ct->ref->is_signed;
}

static void print_text(const struct rec_out *r, uint64_t off, uint32_t n)
{
	size_t avail = off < r->len ? r->len - off : 0;
	size_t max = n < avail ? n : avail;
	const char *s = max ? (const char *)r->bytes + off : "";
	size_t sl = max ? strnlen(s, max) : 0;
	if (r->json) {
		fputc('"', r->out);
		str_json_escape(r->out, s, sl);
		fputc('"', r->out);
	} else {
		fwrite(s, 1, sl, r->out);
	}
}

static void print_value(const struct rec_out *r, const struct ctype *ct, uint64_t bit_off,
			uint32_t bitfield, int depth);

/* The members of rec at bit_off, each preceded by ", " except the very first (*first). */
static void print_members(const struct rec_out *r, const struct ctype *rec, uint64_t bit_off,
			  bool *first, int depth)
{
	for (int i = 0; i < rec->nmembers; i++) {
		const struct cmember *m = &rec->members[i];
		uint64_t at = bit_off + m->bit_off;
		if (!m->name[0] && (m->type->kind == CT_STRUCT || m->type->kind == CT_UNION)) {
			/* C names an anonymous member's members directly; so does bpftrace */
			if (depth < RECORD_MAX_DEPTH)
				print_members(r, m->type, at, first, depth + 1);
			continue;
		}
		if (!*first)
			fputs(r->compact ? "," : ", ", r->out);
		*first = false;
		if (r->json)
			fprintf(r->out, "\"%s\": ", m->name);
		else
			fprintf(r->out, r->compact ? ".%s=" : ".%s = ", m->name);
		print_value(r, m->type, at, m->bitfield, depth + 1);
	}
}

static void print_value(const struct rec_out *r, const struct ctype *ct, uint64_t bit_off,
			uint32_t bitfield, int depth)
{
	if (depth > RECORD_MAX_DEPTH) {
		if (r->json) /* a member needs a value to stay JSON */
			fputs("null", r->out);
		return;
	}
	switch (ct->kind) {
	case CT_INT:
		print_int(r, bit_off, bitfield ? bitfield : (ct->size > 8 ? 64 : ct->size * 8),
			  ct->is_signed);
		return;
	case CT_PTR: /* bpftrace prints addresses inside records as int64 */
		print_int(r, bit_off, 64, true);
		return;
	case CT_FLOAT: {
		uint64_t v = bits_at(r, bit_off, ct->size == 4 ? 32 : 64);
		double d;
		if (ct->size == 4) {
			uint32_t w = (uint32_t)v;
			float f;
			memcpy(&f, &w, 4);
			d = (double)f;
		} else {
			memcpy(&d, &v, 8);
		}
		/* JSON has no nan/inf numbers: those are strings there */
		fprintf(r->out, r->json && !isfinite(d) ? "\"%g\"" : "%g", d);
		return;
	}
	case CT_ARRAY:
		if (is_text(ct)) {
			print_text(r, bit_off / 8, ct->nelems);
			return;
		}
		fputc('[', r->out);
		for (uint32_t i = 0; i < ct->nelems; i++) {
			if (i)
				fputc(',', r->out);
			print_value(r, ct->ref, bit_off + (uint64_t)i * ct->ref->size * 8, 0,
				    depth + 1);
		}
		fputc(']', r->out);
		return;
	case CT_STRUCT:
	case CT_UNION: {
		bool first = true;
		fputs(r->compact ? "{" : "{ ", r->out);
		print_members(r, ct, bit_off, &first, depth);
		fputs(first || r->compact ? "}" : " }", r->out);
		return;
	}
	default: /* void, functions: never stored by value */
		if (r->json)
			fputs("null", r->out);
		return;
	}
}

void fmt_record(FILE *out, const struct ctype *ct, const uint8_t *bytes, size_t len, bool json)
{
	struct rec_out r = { .out = out, .bytes = bytes, .len = bytes ? len : 0, .json = json };
	if (ct)
		print_value(&r, ct, 0, 0, 0);
}

void fmt_record_compact(FILE *out, const struct ctype *ct, const uint8_t *bytes, size_t len)
{
	struct rec_out r = { .out = out, .bytes = bytes, .len = bytes ? len : 0, .compact = true };
	if (ct)
		print_value(&r, ct, 0, 0, 0);
}
