/*
 * lexer/hdr_expr.c — integer constant expressions of C headers: #define bodies and #if
 * conditions (see hdr_int.h).
 *
 * Owns: C's integer rules as far as constants need them: literal types (int, unsigned,
 * long by value and suffix), the usual arithmetic conversions, casts to integer types
 * ((int), (unsigned long), (__u32), (uint8_t) ...), every unary, binary and ?: operator,
 * and expanding the macros an expression names (object-like, and function-like ones by
 * textual argument substitution). `defined`, __has_include and unknown identifiers (0)
 * only in #if.
 * Must not: read files (headers.c) or accept anything that is not an integer: strings,
 * floating literals, sizeof, pointers and `#`/`##` make the expression fail.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "hdr_int.h"

#define EVAL_MAX_DEPTH 64
#define EVAL_MAX_TEXT (64 * 1024)

struct ex {
	struct hstate *st;
	const char *s, *end;
	bool in_if;
	bool bad;
	int noeval; /* inside a branch C would not evaluate: x / 0 there is no error */
};

static struct hval norm(struct hval h)
{
	if (h.bits < 64)
		h.v = h.u ? (int64_t)(uint32_t)h.v : (int64_t)(int32_t)h.v;
	return h;
}

static struct hval mk(int64_t v, int bits, bool u)
{
	return norm((struct hval){ v, bits, u });
}

static struct hval fail(struct ex *e)
{
	e->bad = true;
	return mk(0, 32, false);
}

static void skip_ws(struct ex *e)
{
	while (e->s < e->end && isspace((unsigned char)*e->s))
		e->s++;
}

static bool is_id0(char c) { return isalpha((unsigned char)c) || c == '_'; }
static bool is_id(char c) { return isalnum((unsigned char)c) || c == '_'; }

/* The next token is punctuator p (not the start of a longer one it prefixes). */
static bool peek_op(struct ex *e, const char *p)
{
	skip_ws(e);
	size_t n = strlen(p);
	if ((size_t)(e->end - e->s) < n || memcmp(e->s, p, n) != 0)
		return false;
	char next = e->s + n < e->end ? e->s[n] : 0;
	if (n == 1 && (p[0] == '<' || p[0] == '>') && (next == p[0] || next == '='))
		return false;
	if (n == 1 && (p[0] == '&' || p[0] == '|') && next == p[0])
		return false;
	if (n == 1 && (p[0] == '!' || p[0] == '=') && next == '=')
		return false;
	return true;
}

static bool take_op(struct ex *e, const char *p)
{
	if (!peek_op(e, p))
		return false;
	e->s += strlen(p);
	return true;
}

static size_t ident_len(struct ex *e)
{
	skip_ws(e);
	if (e->s >= e->end || !is_id0(*e->s))
		return 0;
	size_t n = 1;
	while (e->s + n < e->end && is_id(e->s[n]))
		n++;
	return n;
}

static struct hval cond(struct ex *e);
static struct hval unary(struct ex *e);

static struct hval number(struct ex *e)
{
	const char *p = e->s;
	size_t n = 0;
	while (p + n < e->end && (is_id(p[n]) || p[n] == '.'))
		n++;
	e->s += n;
	char buf[64];
	if (n >= sizeof(buf))
		return fail(e);
	memcpy(buf, p, n);
	buf[n] = 0;
	bool hex = n > 1 && buf[0] == '0' && (buf[1] == 'x' || buf[1] == 'X');
	bool bin = n > 1 && buf[0] == '0' && (buf[1] == 'b' || buf[1] == 'B');
	char *q;
	uint64_t v = strtoull(bin ? buf + 2 : buf, &q, bin ? 2 : 0);
	bool uns = false, lng = false;
	for (; *q; q++) {
		if (*q == 'u' || *q == 'U')
			uns = true;
		else if (*q == 'l' || *q == 'L')
			lng = true;
		else
			return fail(e); /* a float, or not a number */
	}
	bool octal_or_hex = hex || bin || (buf[0] == '0' && n > 1);
	if (!lng && !uns && v <= INT32_MAX)
		return mk((int64_t)v, 32, false);
	if (!lng && (uns || octal_or_hex) && v <= UINT32_MAX)
		return mk((int64_t)v, 32, true);
	if (!uns && v <= INT64_MAX)
		return mk((int64_t)v, 64, false);
	return mk((int64_t)v, 64, true);
}

static struct hval char_lit(struct ex *e)
{
	const char *p = e->s + 1;
	int64_t v;
	if (p >= e->end)
		return fail(e);
	if (*p == '\\') {
		p++;
		if (p >= e->end)
			return fail(e);
		char c = *p++;
		switch (c) {
		case 'n': v = '\n'; break;
		case 't': v = '\t'; break;
		case 'r': v = '\r'; break;
		case 'a': v = '\a'; break;
		case 'b': v = '\b'; break;
		case 'f': v = '\f'; break;
		case 'v': v = '\v'; break;
		case 'x':
			v = 0;
			while (p < e->end && isxdigit((unsigned char)*p))
				v = v * 16 + (isdigit((unsigned char)*p) ? *p - '0' : (tolower(*p) - 'a' + 10)), p++;
			break;
		default:
			if (c >= '0' && c <= '7') {
				v = c - '0';
				for (int i = 0; i < 2 && p < e->end && *p >= '0' && *p <= '7'; i++)
					v = v * 8 + (*p++ - '0');
			} else {
				v = (unsigned char)c;
			}
		}
	} else {
		v = (unsigned char)*p++;
	}
	if (p >= e->end || *p != '\'')
		return fail(e);
	e->s = p + 1;
	return mk((int64_t)(int8_t)v, 32, false);
}

/* Type words of a cast: (unsigned long), (__u32), (uint8_t), (const int) ... */
static bool type_word(const char *w, size_t n, int *bits, bool *u, bool *seen_size)
{
#define W(s) (n == sizeof(s) - 1 && memcmp(w, s, n) == 0)
	if (W("const") || W("volatile") || W("__force") || W("signed") || W("__signed__") ||
	    W("int"))
		return true;
	if (W("unsigned") || W("__unsigned__")) {
		*u = true;
		return true;
	}
	if (W("char")) { *bits = 8; *seen_size = true; return true; }
	if (W("short")) { *bits = 16; *seen_size = true; return true; }
	if (W("long")) { *bits = 64; *seen_size = true; return true; }
	if (W("size_t") || W("__kernel_size_t") || W("uintptr_t") || W("__u_long")) {
		*bits = 64; *u = true; *seen_size = true; return true;
	}
	if (W("ssize_t") || W("__kernel_ssize_t") || W("intptr_t") || W("ptrdiff_t")) {
		*bits = 64; *seen_size = true; return true;
	}
#undef W
	/* u8 s16 __u32 __s64 uint8_t int32_t __uint16_t __be32 __le16 */
	const char *p = w;
	while (p < w + n && *p == '_')
		p++;
	bool uns = false;
	if (p + 2 <= w + n && (memcmp(p, "be", 2) == 0 || memcmp(p, "le", 2) == 0)) {
		uns = true;
		p += 2;
	} else if (p < w + n && (*p == 'u' || *p == 's')) {
		uns = *p == 'u';
		p++;
		if (p + 3 <= w + n && memcmp(p, "int", 3) == 0)
			p += 3;
	} else if (p + 3 <= w + n && memcmp(p, "int", 3) == 0) {
		p += 3;
	} else {
		return false;
	}
	int b = 0;
	while (p < w + n && isdigit((unsigned char)*p))
		b = b * 10 + (*p++ - '0');
	if (p + 2 <= w + n && memcmp(p, "_t", 2) == 0)
		p += 2;
	if (p != w + n || (b != 8 && b != 16 && b != 32 && b != 64))
		return false;
	*bits = b;
	*u = uns;
	*seen_size = true;
	return true;
}

/* At '(': a cast if only type words come before ')'. Consumes it and returns true. */
static bool cast_type(struct ex *e, int *bits, bool *u)
{
	const char *save = e->s;
	e->s++; /* '(' */
	int words = 0;
	bool seen = false;
	*bits = 32;
	*u = false;
	for (;;) {
		size_t n = ident_len(e);
		if (!n)
			break;
		if (!type_word(e->s, n, bits, u, &seen))
			break;
		e->s += n;
		words++;
	}
	if (words && take_op(e, ")"))
		return true;
	e->s = save;
	return false;
}

/* The text of a balanced (...) group after the identifier: args split at top-level commas. */
static int call_args(struct ex *e, const char **a, size_t *alen, int max)
{
	if (!take_op(e, "("))
		return -1;
	int depth = 0, n = 0;
	const char *start = e->s;
	for (; e->s < e->end; e->s++) {
		char c = *e->s;
		if (c == '(') {
			depth++;
		} else if ((c == ')' && depth == 0) || (c == ',' && depth == 0)) {
			if (n == max)
				return -1;
			a[n] = start;
			alen[n++] = (size_t)(e->s - start);
			start = e->s + 1;
			if (c == ')') {
				e->s++;
				return n;
			}
		} else if (c == ')') {
			depth--;
		}
	}
	return -1;
}

/* Function-like macro: the body with each parameter replaced by its argument's text. */
static struct hval expand_call(struct ex *e, struct hdef *d)
{
	const char *a[32];
	size_t alen[32];
	int n = call_args(e, a, alen, 32);
	if (n < 0 || (n != d->nparams && !(d->nparams == 0 && n == 1 && alen[0] == 0)))
		return fail(e);
	size_t cap = strlen(d->body) + 1, len = 0;
	for (int i = 0; i < n; i++)
		cap += alen[i] * 8 + 2;
	if (cap > EVAL_MAX_TEXT)
		return fail(e);
	char *out = malloc(cap);
	if (!out)
		return fail(e);
	bool pasted = false; /* the last thing read was ## */
	for (const char *p = d->body; *p;) {
		if (p[0] == '#' && p[1] == '#') { /* pasting: the operands' text joins */
			pasted = true;
			while (len && isspace((unsigned char)out[len - 1]))
				len--;
			for (p += 2; isspace((unsigned char)*p); p++)
				;
			continue;
		}
		if (*p == '#') { /* stringizing: not an integer expression */
			free(out);
			return fail(e);
		}
		if (!is_id0(*p)) {
			pasted = pasted && isspace((unsigned char)*p);
			out[len++] = *p++;
			continue;
		}
		size_t wl = 1;
		while (is_id(p[wl]))
			wl++;
		int pi = -1;
		for (int i = 0; i < d->nparams; i++)
			if (strlen(d->params[i]) == wl && memcmp(d->params[i], p, wl) == 0)
				pi = i;
		const char *after = p + wl;
		while (isspace((unsigned char)*after))
			after++;
		bool paste = pasted || (after[0] == '#' && after[1] == '#');
		pasted = false;
		if (pi >= 0 && pi < n && len + alen[pi] + 2 < cap) {
			if (!paste) /* an operand of ## is pasted as written, others grouped */
				out[len++] = '(';
			memcpy(out + len, a[pi], alen[pi]);
			len += alen[pi];
			if (!paste)
				out[len++] = ')';
		} else if (len + wl < cap) {
			memcpy(out + len, p, wl);
			len += wl;
		}
		p += wl;
	}
	out[len] = 0;
	struct hval v;
	d->busy = true;
	bool ok = hdr_eval(e->st, out, len, e->in_if, &v);
	d->busy = false;
	free(out);
	return ok ? v : fail(e);
}

/* __has_include(<x.h>) / __has_include("x.h") */
static struct hval has_include(struct ex *e)
{
	if (!take_op(e, "("))
		return fail(e);
	skip_ws(e);
	char close = e->s < e->end && *e->s == '<' ? '>' : e->s < e->end && *e->s == '"' ? '"' : 0;
	const char *end = close ? memchr(e->s + 1, close, (size_t)(e->end - e->s - 1)) : NULL;
	if (!end)
		return fail(e);
	char path[4096];
	bool found = hdr_find(e->st->o, NULL, e->s + 1, (size_t)(end - e->s - 1), close == '"',
			      path, sizeof(path));
	e->s = end + 1;
	if (!take_op(e, ")"))
		return fail(e);
	return mk(found, 32, false);
}

static struct hval identifier(struct ex *e)
{
	size_t n = ident_len(e);
	const char *w = e->s;
	e->s += n;
#define W(s) (n == sizeof(s) - 1 && memcmp(w, s, n) == 0)
	if (e->in_if && W("defined")) {
		bool paren = take_op(e, "(");
		size_t l = ident_len(e);
		if (!l)
			return fail(e);
		struct hdef *d = hdr_lookup(e->st, e->s, l);
		e->s += l;
		if (paren && !take_op(e, ")"))
			return fail(e);
		return mk(d != NULL, 32, false);
	}
	if (e->in_if && (W("__has_include") || W("__has_include_next")))
		return has_include(e);
	if (e->in_if && n > 6 && memcmp(w, "__has_", 6) == 0) { /* attribute, builtin, ... */
		const char *a[1];
		size_t al[1];
		if (call_args(e, a, al, 1) < 0)
			return fail(e);
		return mk(0, 32, false);
	}
#undef W
	struct hdef *d = hdr_lookup(e->st, w, n);
	if (d && !d->busy) {
		if (d->func) {
			if (!peek_op(e, "("))
				return e->in_if ? mk(0, 32, false) : fail(e);
			return expand_call(e, d);
		}
		struct hval v;
		d->busy = true;
		bool ok = hdr_eval(e->st, d->body, strlen(d->body), e->in_if, &v);
		d->busy = false;
		if (ok)
			return v;
	}
	const struct henum *en = hdr_enum(e->st, w, n); /* `#define DT_REG DT_REG` too */
	if (en)
		return mk(en->v, en->v == (int32_t)en->v ? 32 : 64, false);
	return e->in_if ? mk(0, 32, false) : fail(e);
}

static struct hval primary(struct ex *e)
{
	skip_ws(e);
	if (e->s >= e->end)
		return fail(e);
	char c = *e->s;
	if (isdigit((unsigned char)c))
		return number(e);
	if (c == '\'')
		return char_lit(e);
	if (is_id0(c))
		return identifier(e);
	if (c == '(') {
		int bits;
		bool u;
		if (cast_type(e, &bits, &u)) {
			struct hval v = unary(e);
			v = mk(v.v, bits == 64 ? 64 : 32, bits == 64 || bits == 32 ? u : false);
			if (bits < 32) /* truncated to the small type, then promoted to int */
				v.v = u ? (int64_t)(bits == 8 ? (uint8_t)v.v : (uint16_t)v.v)
					: (int64_t)(bits == 8 ? (int8_t)v.v : (int16_t)v.v);
			return v;
		}
		e->s++;
		struct hval v = cond(e);
		if (!take_op(e, ")"))
			return fail(e);
		return v;
	}
	return fail(e);
}

static struct hval unary(struct ex *e)
{
	if (e->bad)
		return fail(e);
	if (take_op(e, "-")) {
		struct hval v = unary(e);
		return mk((int64_t)(0 - (uint64_t)v.v), v.bits, v.u);
	}
	if (take_op(e, "+"))
		return unary(e);
	if (take_op(e, "~")) {
		struct hval v = unary(e);
		return mk(~v.v, v.bits, v.u);
	}
	if (take_op(e, "!")) {
		struct hval v = unary(e);
		return mk(v.v == 0, 32, false);
	}
	return primary(e);
}

/* The usual arithmetic conversions: the wider type; unsigned if the wider one is. */
static void conv(struct hval *a, struct hval *b)
{
	int bits = a->bits > b->bits ? a->bits : b->bits;
	bool u = (a->bits == bits && a->u) || (b->bits == bits && b->u);
	*a = mk(a->v, bits, u);
	*b = mk(b->v, bits, u);
}

enum { L_MUL, L_ADD, L_SHIFT, L_REL, L_EQ, L_BAND, L_BXOR, L_BOR, L_LAND, L_LOR };

static struct hval binop(struct ex *e, int level);

static struct hval apply(struct ex *e, const char *op, struct hval a, struct hval b)
{
	if (op[0] == '<' && op[1] == '<') {
		if (b.v < 0 || b.v >= a.bits)
			return fail(e);
		return mk((int64_t)((uint64_t)a.v << b.v), a.bits, a.u);
	}
	if (op[0] == '>' && op[1] == '>') {
		if (b.v < 0 || b.v >= a.bits)
			return fail(e);
		return mk(a.u ? (int64_t)((uint64_t)a.v >> b.v) : a.v >> b.v, a.bits, a.u);
	}
	if (!strcmp(op, "&&"))
		return mk(a.v && b.v, 32, false);
	if (!strcmp(op, "||"))
		return mk(a.v || b.v, 32, false);
	conv(&a, &b);
	uint64_t ua = (uint64_t)a.v, ub = (uint64_t)b.v;
	int bits = a.bits;
	bool u = a.u;
	switch (op[0]) {
	case '*': return mk((int64_t)(ua * ub), bits, u);
	case '+': return mk((int64_t)(ua + ub), bits, u);
	case '-': return mk((int64_t)(ua - ub), bits, u);
	case '/':
	case '%':
		if (b.v == 0 || (!u && b.v == -1 && a.v == INT64_MIN))
			return e->noeval ? mk(0, bits, u) : fail(e);
		if (op[0] == '/')
			return mk(u ? (int64_t)(ua / ub) : a.v / b.v, bits, u);
		return mk(u ? (int64_t)(ua % ub) : a.v % b.v, bits, u);
	case '&': return mk(a.v & b.v, bits, u);
	case '^': return mk(a.v ^ b.v, bits, u);
	case '|': return mk(a.v | b.v, bits, u);
	case '=': return mk(a.v == b.v, 32, false);
	case '!': return mk(a.v != b.v, 32, false);
	case '<':
		if (op[1] == '=')
			return mk(u ? ua <= ub : a.v <= b.v, 32, false);
		return mk(u ? ua < ub : a.v < b.v, 32, false);
	case '>':
		if (op[1] == '=')
			return mk(u ? ua >= ub : a.v >= b.v, 32, false);
		return mk(u ? ua > ub : a.v > b.v, 32, false);
	}
	return fail(e);
}

static const char *const level_ops[][5] = {
	[L_MUL] = { "*", "/", "%", NULL },
	[L_ADD] = { "+", "-", NULL },
	[L_SHIFT] = { "<<", ">>", NULL },
	[L_REL] = { "<=", ">=", "<", ">", NULL },
	[L_EQ] = { "==", "!=", NULL },
	[L_BAND] = { "&", NULL },
	[L_BXOR] = { "^", NULL },
	[L_BOR] = { "|", NULL },
	[L_LAND] = { "&&", NULL },
	[L_LOR] = { "||", NULL },
};

static struct hval binop(struct ex *e, int level)
{
	struct hval a = level == L_MUL ? unary(e) : binop(e, level - 1);
	for (;;) {
		if (e->bad)
			return a;
		const char *op = NULL;
		for (int i = 0; level_ops[level][i]; i++)
			if (take_op(e, level_ops[level][i])) {
				op = level_ops[level][i];
				break;
			}
		if (!op)
			return a;
		/* && and || do not evaluate their right side when the left decides */
		bool skip = (level == L_LAND && !a.v) || (level == L_LOR && a.v);
		e->noeval += skip;
		struct hval b = level == L_MUL ? unary(e) : binop(e, level - 1);
		e->noeval -= skip;
		a = apply(e, op, a, b);
	}
}

static struct hval cond(struct ex *e)
{
	struct hval c = binop(e, L_LOR);
	if (!take_op(e, "?"))
		return c;
	e->noeval += !c.v;
	struct hval a = cond(e);
	e->noeval -= !c.v;
	if (!take_op(e, ":"))
		return fail(e);
	e->noeval += !!c.v;
	struct hval b = cond(e);
	e->noeval -= !!c.v;
	conv(&a, &b);
	return c.v ? a : b;
}

bool hdr_eval(struct hstate *st, const char *s, size_t len, bool in_if, struct hval *out)
{
	if (st->eval_depth >= EVAL_MAX_DEPTH)
		return false;
	if (!st->eval_depth)
		st->eval_steps = HDR_EVAL_STEPS;
	if (--st->eval_steps < 0 || ++st->eval_total > HDR_EVAL_TOTAL)
		return false;
	st->eval_depth++;
	struct ex e = { .st = st, .s = s, .end = s + len, .in_if = in_if };
	skip_ws(&e);
	bool empty = e.s == e.end;
	struct hval v = cond(&e);
	skip_ws(&e);
	st->eval_depth--;
	if (empty || e.bad || e.s != e.end)
		return false;
	*out = v;
	return true;
}
