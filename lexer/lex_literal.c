/*
 * lexer/lex_literal.c — integer and string literal decoding (see lex_literal.h).
 *
 * Owns: value computation with overflow checks, escape decoding.
 * Must not: keep state between calls or print; errors go to struct diag.
 */
#include "lex_literal.h"

#include <stdlib.h>
#include <stdbool.h>
#include <string.h>

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 99;
}

static int is_octal(char c)
{
	return c >= '0' && c <= '7';
}

/* Accumulates digits of one base, skipping '_' separators. Returns 0, LEX_INT_INVALID if
 * something else appears (or no digit at all), LEX_INT_OVERFLOW past UINT64_MAX. */
static int accumulate(const char *s, size_t len, unsigned base, uint64_t *out)
{
	uint64_t v = 0;
	int ndigits = 0, overflow = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '_')
			continue;
		unsigned dv = (unsigned)digit_value(s[i]);
		if (dv >= base)
			return LEX_INT_INVALID;
		if (v > (UINT64_MAX - dv) / base)
			overflow = 1;
		v = v * base + dv;
		ndigits++;
	}
	if (!ndigits)
		return LEX_INT_INVALID;
	*out = v;
	return overflow ? LEX_INT_OVERFLOW : 0;
}

int lex_decimal(const char *text, size_t len, uint64_t *out)
{
	for (size_t i = 0; i < len; i++)
		if (text[i] < '0' || text[i] > '9')
			return -1;
	return accumulate(text, len, 10, out) ? -1 : 0;
}

/* C's integer suffixes (current bpftrace reads them, for headers' sake, and ignores
 * them): u/U, l/L, ll/LL in either order. How many trailing bytes are one, or 0. */
static size_t int_suffix(const char *text, size_t len)
{
	static const char *const sfx[] = { "ull", "llu", "ul", "lu", "ll", "u", "l" };
	for (size_t i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		size_t n = strlen(sfx[i]);
		if (len <= n)
			continue;
		bool match = true;
		for (size_t k = 0; k < n && match; k++) {
			char c = text[len - n + k];
			match = c == sfx[i][k] || c == sfx[i][k] - 'a' + 'A';
		}
		/* "lL" is not a suffix in C either; the two l's must have one case */
		if (match && n >= 2 && strstr(sfx[i], "ll")) {
			const char *l = text + len - n + (sfx[i][0] == 'u');
			match = l[0] == l[1];
		}
		if (match)
			return n;
	}
	return 0;
}

int lex_integer(const char *text, size_t len, uint64_t *out)
{
	*out = 0;
	bool hex = len > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
	size_t sfx = int_suffix(text, len);
	if (sfx && (hex || (text[len - sfx - 1] >= '0' && text[len - sfx - 1] <= '9')))
		len -= sfx; /* 123UL, 0x10u: the value of 123, 0x10 */
	if (len > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
		return accumulate(text + 2, len - 2, 16, out);
	if (len > 1 && text[0] == '0')
		return accumulate(text + 1, len - 1, 8, out);

	/* A duration (current bpftrace): digits and a unit, the value in nanoseconds:
	 * 500us == 500000, 2s == 2000000000 */
	static const struct { const char *unit; uint64_t ns; } units[] = {
		{ "ns", 1 }, { "us", 1000 }, { "ms", 1000000 }, { "s", 1000000000ull },
		{ "m", 60000000000ull }, { "h", 3600000000000ull }, { "d", 86400000000000ull },
	};
	size_t digits = 0;
	while (digits < len && text[digits] >= '0' && text[digits] <= '9')
		digits++;
	for (size_t u = 0; digits && digits < len && u < sizeof(units) / sizeof(units[0]); u++) {
		if (strlen(units[u].unit) != len - digits ||
		    memcmp(text + digits, units[u].unit, len - digits) != 0)
			continue;
		uint64_t v = 0;
		int err = accumulate(text, digits, 10, &v);
		if (err)
			return err;
		if (v > UINT64_MAX / units[u].ns)
			return LEX_INT_OVERFLOW;
		*out = v * units[u].ns;
		return 0;
	}

	/* Decimal, optionally with an exponent: 1e6 == 1000000 (bpftrace accepts it). */
	const char *e = memchr(text, 'e', len);
	size_t mlen = e ? (size_t)(e - text) : len;
	uint64_t m = 0, x = 0;
	int err = accumulate(text, mlen, 10, &m);
	if (err == LEX_INT_INVALID)
		return err;
	if (e) {
		int xerr = accumulate(e + 1, len - mlen - 1, 10, &x);
		if (xerr == LEX_INT_INVALID)
			return xerr;
		if (err)
			return err;
		for (; x > 0 && m != 0; x--) {
			if (m > UINT64_MAX / 10 || xerr)
				return LEX_INT_OVERFLOW;
			m *= 10;
		}
	}
	*out = m;
	return err;
}

struct node *lex_string(struct diag *d, struct span loc, const char *text, size_t len)
{
	/* Drop the quotes; escapes only ever shrink the text. */
	const char *s = text + 1;
	size_t n = len - 2;
	char *buf = malloc(n + 1);
	size_t o = 0;
	int bad = 0;
	if (!buf)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '\\') {
			buf[o++] = s[i];
			continue;
		}
		struct span esc = { loc.start + 1 + (uint32_t)i, loc.start + 3 + (uint32_t)i };
		unsigned char c = (unsigned char)s[++i];
		switch (c) {
		case 'n': buf[o++] = '\n'; break;
		case 't': buf[o++] = '\t'; break;
		case 'r': buf[o++] = '\r'; break;
		case '\\': buf[o++] = '\\'; break;
		case '"': buf[o++] = '"'; break;
		case '\'': buf[o++] = '\''; break;
		case 'x': {
			unsigned v = 0;
			int k = 0;
			while (k < 2 && i + 1 < n && digit_value(s[i + 1]) < 16) {
				v = v * 16 + (unsigned)digit_value(s[++i]);
				k++;
			}
			esc.end = loc.start + 2 + (uint32_t)i;
			if (!k) {
				diag_error(d, esc, "invalid escape: '\\x' needs hex digits");
				bad = 1;
			}
			buf[o++] = (char)v;
			break;
		}
		default:
			if (c >= '0' && c <= '7') {
				unsigned v = c - '0';
				for (int k = 1; k < 3 && i + 1 < n && is_octal(s[i + 1]); k++)
					v = v * 8 + (unsigned)(s[++i] - '0');
				esc.end = loc.start + 2 + (uint32_t)i;
				if (v > 0xff) {
					diag_error(d, esc,
						   "octal escape out of range (more than \\377)");
					bad = 1;
				}
				buf[o++] = (char)v;
			} else if (c >= 0x20 && c < 0x7f) {
				diag_error(d, esc, "invalid escape character '\\%c'", c);
				bad = 1;
			} else {
				diag_error(d, esc,
					   "invalid escape character '\\' followed by byte 0x%02x",
					   c);
				bad = 1;
			}
		}
	}
	buf[o] = '\0';
	struct node *node = bad ? NULL : ast_str(AST_STR, loc, buf, (uint32_t)o);
	free(buf);
	return node;
}
