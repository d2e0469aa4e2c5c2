/*
 * sema/struct_types.c — the script's own C definitions: `struct foo { int a; char b[16]; };`
 * and `union`, laid out with the C (x86-64 SysV) rules and registered by tag so casts
 * like `(struct foo *)arg0` find them before BTF.
 *
 * Owns: a small tokenizer and parser for the subset of C that such definitions use (base
 * integer types and their common typedef names, struct/union references, nested anonymous
 * struct/union members, pointers, arrays, bitfields), member offsets, alignment, padding,
 * and errors pointing into the definition's text. Also the checks on a struct copied by
 * value into a map or print() (sema_record_value): every nested type complete, size limit.
 * Must not: look at probes, or parse anything but what the lexer handed over as one CDEF.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "abi.h"
#include "btf.h"
#include "ctypes.h"
#include "sema_int.h"

struct cparse {
	struct sema *s;
	struct ctypes *reg;
	bool quiet;           /* a header's definition: one that cannot be read is dropped */
	const char *text;     /* the whole program source (a header's definition: its text) */
	uint32_t pos, end;    /* current byte offset and end of this definition */
	uint32_t tok_start, tok_end;
	char tok[128];        /* current token text ("" at end) */
	struct span tag;      /* the top-level definition's name, for "redefinition" */
	bool failed;
};

static void next(struct cparse *p)
{
	const char *t = p->text;
	for (;;) {
		while (p->pos < p->end && isspace((unsigned char)t[p->pos]))
			p->pos++;
		if (p->pos + 1 < p->end && t[p->pos] == '/' && t[p->pos + 1] == '/') {
			while (p->pos < p->end && t[p->pos] != '\n')
				p->pos++;
			continue;
		}
		if (p->pos + 1 < p->end && t[p->pos] == '/' && t[p->pos + 1] == '*') {
			p->pos += 2;
			while (p->pos + 1 < p->end && !(t[p->pos] == '*' && t[p->pos + 1] == '/'))
				p->pos++;
			p->pos = p->pos + 2 < p->end ? p->pos + 2 : p->end;
			continue;
		}
		break;
	}
	p->tok_start = p->pos;
	if (p->pos >= p->end) {
		p->tok[0] = '\0';
		p->tok_end = p->pos;
		return;
	}
	uint32_t e = p->pos;
	if (isalnum((unsigned char)t[e]) || t[e] == '_') {
		while (e < p->end && (isalnum((unsigned char)t[e]) || t[e] == '_'))
			e++;
	} else {
		e++;
	}
	uint32_t len = e - p->pos < sizeof(p->tok) - 1 ? e - p->pos : sizeof(p->tok) - 1;
	memcpy(p->tok, t + p->pos, len);
	p->tok[len] = '\0';
	p->tok_end = e;
	p->pos = e;
}

static bool is(struct cparse *p, const char *w) { return strcmp(p->tok, w) == 0; }

static void fail(struct cparse *p, const char *fmt, const char *arg)
{
	if (p->failed)
		return;
	p->failed = true;
	if (p->quiet)
		return;
	struct span at = { p->tok_start, p->tok_end > p->tok_start ? p->tok_end : p->tok_start + 1 };
	diag_error(p->s->d, at, fmt, arg);
}

static bool expect(struct cparse *p, const char *w)
{
	if (!is(p, w)) {
		fail(p, "expected '%s' in struct definition", w);
		return false;
	}
	next(p);
	return true;
}

static bool is_ident(const char *t)
{
	return (isalpha((unsigned char)t[0]) || t[0] == '_');
}

/* typedef names scripts use without including anything */
static const struct {
	const char *name;
	uint8_t size;
	bool is_signed;
} named_ints[] = {
	{ "int8", 1, 1 },      { "int16", 2, 1 },     { "int32", 4, 1 },   { "int64", 8, 1 },
	{ "uint8", 1, 0 },     { "uint16", 2, 0 },    { "uint32", 4, 0 },  { "uint64", 8, 0 },
	{ "int8_t", 1, 1 },    { "int16_t", 2, 1 },   { "int32_t", 4, 1 }, { "int64_t", 8, 1 },
	{ "uint8_t", 1, 0 },   { "uint16_t", 2, 0 },  { "uint32_t", 4, 0 }, { "uint64_t", 8, 0 },
	{ "u8", 1, 0 },        { "u16", 2, 0 },       { "u32", 4, 0 },     { "u64", 8, 0 },
	{ "s8", 1, 1 },        { "s16", 2, 1 },       { "s32", 4, 1 },     { "s64", 8, 1 },
	{ "__u8", 1, 0 },      { "__u16", 2, 0 },     { "__u32", 4, 0 },   { "__u64", 8, 0 },
	{ "__s8", 1, 1 },      { "__s16", 2, 1 },     { "__s32", 4, 1 },   { "__s64", 8, 1 },
	{ "size_t", 8, 0 },    { "ssize_t", 8, 1 },   { "pid_t", 4, 1 },   { "uid_t", 4, 0 },
	{ "gid_t", 4, 0 },     { "bool", 1, 0 },      { "_Bool", 1, 0 },
};

static const struct ctype *parse_record(struct cparse *p, bool is_union, const char *tag);

const struct ctype *sema_named_int(struct ctypes *reg, const char *name)
{
	for (size_t i = 0; i < sizeof(named_ints) / sizeof(named_ints[0]); i++)
		if (strcmp(name, named_ints[i].name) == 0)
			return ctypes_int(reg, named_ints[i].size, named_ints[i].is_signed);
	return NULL;
}

/* The base type of a member: "unsigned long", "struct sock", "u32", an inline union... */
static const struct ctype *base_type(struct cparse *p)
{
	while (is(p, "const") || is(p, "volatile"))
		next(p);
	if (is(p, "struct") || is(p, "union")) {
		bool un = is(p, "union");
		next(p);
		char tag[128] = "";
		if (is_ident(p->tok)) {
			snprintf(tag, sizeof(tag), "%s", p->tok);
			next(p);
		}
		if (is(p, "{"))
			return parse_record(p, un, tag[0] ? tag : NULL);
		if (!tag[0]) {
			fail(p, "expected a struct name or '{', found '%s'", p->tok);
			return NULL;
		}
		const struct ctype *ct = ctypes_script(p->reg, un, tag);
		if (ct)
			return ct;
		char err[320];
		ct = btf_record(p->reg, un, tag, err, sizeof(err));
		if (ct)
			return ct;
		/* Unknown here is fine behind a pointer (C's incomplete types); the caller
		 * rejects it when embedded. */
		struct ctype *inc = ctypes_add(p->reg, un ? CT_UNION : CT_STRUCT, tag);
		inc->state = CT_MISSING;
		return inc;
	}
	if (is(p, "enum")) { /* enum [tag] [{ ... }]: an int, as C lays it out */
		next(p);
		if (is_ident(p->tok))
			next(p);
		if (is(p, "{")) {
			while (p->tok[0] && !is(p, "}"))
				next(p);
			expect(p, "}");
		}
		return p->failed ? NULL : ctypes_int(p->reg, 4, true);
	}
	if (is(p, "void")) { /* only behind a pointer: `void *b` (an embedded void is refused) */
		next(p);
		static const struct ctype void_ct = { .kind = CT_VOID, .state = CT_COMPLETE,
						      .name = "void", .align = 1 };
		return &void_ct;
	}
	const struct ctype *named = sema_named_int(p->reg, p->tok);
	if (!named)
		named = ctypes_typedef(p->reg, p->tok); /* typedef ... name; earlier */
	if (named) {
		next(p);
		return named;
	}
	/* C's integer keywords in any order: unsigned long long int, short, char ... */
	int sign = 0, longs = 0, shorts = 0, chars = 0, ints = 0;
	uint32_t first = p->tok_start;
	while (is(p, "signed") || is(p, "unsigned") || is(p, "long") || is(p, "short") ||
	       is(p, "char") || is(p, "int")) {
		if (is(p, "signed")) sign = 1;
		else if (is(p, "unsigned")) sign = -1;
		else if (is(p, "long")) longs++;
		else if (is(p, "short")) shorts++;
		else if (is(p, "char")) chars++;
		else ints++;
		next(p);
	}
	if (sign || longs || shorts || chars || ints) {
		uint32_t size = chars ? 1 : shorts ? 2 : longs ? 8 : 4;
		return ctypes_int(p->reg, size, sign >= 0);
	}
	(void)first;
	if (is_ident(p->tok)) {
		/* a kernel typedef (sector_t, atomic_t...) from BTF */
		char err[320];
		const struct ctype *ct = NULL;
		if (btf_available(p->reg, err, sizeof(err)))
			ct = btf_typedef(p->reg, p->tok);
		if (ct) {
			next(p);
			return ct;
		}
		fail(p, "unknown type '%s' in struct definition", p->tok);
		return NULL;
	}
	fail(p, "expected a type in struct definition, found '%s'", p->tok[0] ? p->tok : "end");
	return NULL;
}

struct layout {
	uint64_t bits;       /* next free bit */
	uint32_t align, size;
	bool is_union;
};

static void place(struct layout *lo, struct cmember *m, uint32_t width)
{
	const struct ctype *t = m->type;
	uint32_t align = t->align ? t->align : 1;
	if (align > lo->align)
		lo->align = align;
	if (lo->is_union) {
		m->bit_off = 0;
		uint32_t sz = width ? (width + 7) / 8 : t->size;
		if (sz > lo->size)
			lo->size = sz;
		return;
	}
	if (width) {
		/* SysV: a bitfield may not straddle a storage unit of its own type */
		uint64_t unit = (uint64_t)t->size * 8;
		if (unit && (lo->bits % unit) + width > unit)
			lo->bits = (lo->bits + unit - 1) / unit * unit;
		m->bit_off = (uint32_t)lo->bits;
		m->bitfield = (uint8_t)width;
		lo->bits += width;
		return;
	}
	uint64_t a = (uint64_t)align * 8;
	lo->bits = (lo->bits + a - 1) / a * a;
	m->bit_off = (uint32_t)lo->bits;
	lo->bits += (uint64_t)t->size * 8;
}

static bool add_member(struct ctype *rec, struct layout *lo, const char *name,
		       const struct ctype *t, uint32_t width)
{
	struct cmember *mm = realloc(rec->members, sizeof(*mm) * (size_t)(rec->nmembers + 1));
	if (!mm)
		return false;
	rec->members = mm;
	struct cmember *m = &mm[rec->nmembers];
	memset(m, 0, sizeof(*m));
	m->name = strdup(name);
	if (!m->name)
		return false;
	m->type = t;
	rec->nmembers++;
	place(lo, m, width);
	return true;
}

static uint64_t number(struct cparse *p)
{
	char *e = NULL;
	unsigned long long v = strtoull(p->tok, &e, 0);
	if (!isdigit((unsigned char)p->tok[0]) || (e && *e) || v > 1u << 24) {
		fail(p, "expected a number, found '%s'", p->tok);
		return 0;
	}
	next(p);
	return v;
}

/* A declarator's `[N][M]...` (up to 8 dimensions) after its name: t as an array of them,
 * the last dimension innermost as in C. */
static const struct ctype *array_dims(struct cparse *p, const struct ctype *t)
{
	uint32_t dims[8], nd = 0;
	while (is(p, "[") && !p->failed) {
		next(p);
		uint64_t n = number(p);
		if (nd < 8)
			dims[nd++] = (uint32_t)n;
		expect(p, "]");
	}
	for (uint32_t d = nd; d > 0; d--)
		t = ctypes_array(p->reg, t, dims[d - 1]);
	return t;
}

/* '{' members '}' — the opening brace is the current token */
static const struct ctype *parse_record(struct cparse *p, bool is_union, const char *tag)
{
	struct ctype *rec = ctypes_add(p->reg, is_union ? CT_UNION : CT_STRUCT, tag);
	struct layout lo = { .align = 1, .is_union = is_union };
	/* Visible from its own members (struct rec *next) and from later definitions. */
	if (tag && ctypes_define(p->reg, rec)) {
		if (p->tag.end && strlen(tag) == p->tag.end - p->tag.start &&
		    memcmp(p->text + p->tag.start, tag, strlen(tag)) == 0) {
			p->tok_start = p->tag.start;
			p->tok_end = p->tag.end;
		}
		fail(p, is_union ? "redefinition of 'union %s'" : "redefinition of 'struct %s'", tag);
		return rec;
	}
	rec->state = CT_SHALLOW; /* until its closing brace: embedding itself is an error */
	next(p);
	while (!p->failed && !is(p, "}")) {
		if (!p->tok[0]) {
			fail(p, "missing '}' at the end of struct definition%s", "");
			break;
		}
		uint32_t type_at = p->tok_start;
		const struct ctype *base = base_type(p);
		if (!base)
			break;
		if (is(p, ";") && (base->kind == CT_STRUCT || base->kind == CT_UNION) &&
		    !base->name) { /* anonymous struct/union member */
			if (!add_member(rec, &lo, "", base, 0))
				goto oom;
			next(p);
			continue;
		}
		for (;;) {
			const struct ctype *t = base;
			while (is(p, "*")) {
				t = ctypes_ptr(p->reg, t);
				next(p);
			}
			if (!is_ident(p->tok)) {
				fail(p, "expected a member name, found '%s'", p->tok[0] ? p->tok : "end");
				break;
			}
			char name[128];
			snprintf(name, sizeof(name), "%s", p->tok);
			next(p);
			t = array_dims(p, t);
			uint32_t width = 0;
			if (is(p, ":")) {
				next(p);
				width = (uint32_t)number(p);
				if (!p->failed && (t->kind != CT_INT || width > t->size * 8 || !width))
					fail(p, "invalid bitfield width for member '%s'", name);
			}
			const struct ctype *inner = t;
			while (inner->kind == CT_ARRAY)
				inner = inner->ref;
			if (!p->failed && inner->kind == CT_VOID) {
				p->tok_start = type_at;
				fail(p, "member '%s' has type void; only a pointer to void can be a member",
				     name);
			}
			if (!p->failed && inner->state == CT_MISSING) {
				p->tok_start = type_at;
				char nb[160];
				fail(p, "Unknown struct/union: '%s'", ctype_name(inner, nb, sizeof(nb)));
			}
			if (!p->failed && t == inner && inner->from_script &&
			    inner->state == CT_SHALLOW) {
				p->tok_start = type_at;
				char nb[160];
				fail(p, "'%s' can not contain itself; use a pointer",
				     ctype_name(inner, nb, sizeof(nb)));
			}
			if (!p->failed && (inner->kind == CT_STRUCT || inner->kind == CT_UNION) &&
			    inner->state == CT_SHALLOW) {
				char err[320];
				if (ctype_complete(p->reg, inner, err, sizeof(err)))
					fail(p, "%s", err);
				else if (t != inner) /* array of a now-complete struct */
					t = ctypes_array(p->reg, t->ref, t->nelems);
			}
			if (p->failed)
				break;
			if (!add_member(rec, &lo, name, t, width))
				goto oom;
			if (!is(p, ","))
				break;
			next(p);
		}
		if (p->failed)
			break;
		if (is(p, "}")) /* clang accepts the last member without its ';' (with a warning) */
			break;
		if (!expect(p, ";"))
			break;
	}
	if (!p->failed)
		next(p); /* '}' */
	uint32_t bytes = is_union ? lo.size : (uint32_t)((lo.bits + 7) / 8);
	rec->align = lo.align;
	rec->size = (bytes + lo.align - 1) / lo.align * lo.align;
	rec->state = p->failed ? CT_MISSING : CT_COMPLETE;
	return rec;
oom:
	fail(p, "out of memory%s", "");
	return rec;
}

/* typedef BASE DECL[, DECL...]; with DECL = *...name[N]... — the current token is the one
 * after `typedef`. An anonymous struct or union takes the first name as its tag, so
 * `(name *)p` finds it like a tagged one. */
static void parse_typedef(struct cparse *p)
{
	uint32_t base_at = p->tok_start;
	const struct ctype *base = base_type(p);
	if (!base)
		return;
	bool first = true;
	for (;;) {
		const struct ctype *t = base;
		while (is(p, "*")) {
			t = ctypes_ptr(p->reg, t);
			next(p);
		}
		if (!is_ident(p->tok)) {
			fail(p, "expected a type name in typedef, found '%s'",
			     p->tok[0] ? p->tok : "end");
			return;
		}
		char name[128];
		snprintf(name, sizeof(name), "%s", p->tok);
		struct span at = { p->tok_start, p->tok_end };
		next(p);
		t = array_dims(p, t);
		if (p->failed)
			return;
		if (first && t == base && !base->name &&
		    (base->kind == CT_STRUCT || base->kind == CT_UNION)) {
			struct ctype *anon = (struct ctype *)base; /* registry-owned, made here */
			anon->name = strdup(name);
			if (!anon->name || ctypes_define(p->reg, anon)) {
				p->tok_start = base_at;
				fail(p, "redefinition of '%s'", name);
				return;
			}
		}
		first = false;
		if (ctypes_define_typedef(p->reg, name, t)) {
			p->tok_start = at.start;
			p->tok_end = at.end;
			fail(p, "redefinition of typedef '%s'", name);
			return;
		}
		if (!is(p, ","))
			break;
		next(p);
	}
	expect(p, ";");
	if (!p->failed && p->tok[0])
		fail(p, "unexpected '%s' after typedef", p->tok);
}

static void one_def(struct sema *s, struct node *def)
{
	struct cparse p = { .s = s, .reg = sema_ctypes(s), .text = s->d->src->text,
			    .pos = def->loc.start, .end = def->loc.end };
	if (def->flags & NODE_F_HDRDEF) { /* from a header: its own text, read quietly */
		p.quiet = true;
		p.text = def->str;
		p.pos = 0;
		p.end = (uint32_t)strlen(def->str);
	}
	next(&p);
	if (is(&p, "typedef")) {
		next(&p);
		parse_typedef(&p);
		return;
	}
	bool un = is(&p, "union");
	if (!un && !is(&p, "struct")) {
		fail(&p, "only struct and union definitions are supported, not '%s'", p.tok);
		return;
	}
	next(&p);
	char tag[128];
	snprintf(tag, sizeof(tag), "%s", p.tok);
	if (!is_ident(tag)) {
		fail(&p, "expected a struct name, found '%s'", p.tok);
		return;
	}
	p.tag = (struct span){ p.tok_start, p.tok_end };
	next(&p);
	if (!is(&p, "{")) {
		fail(&p, "expected '{' after 'struct %s'", tag);
		return;
	}
	const struct ctype *rec = parse_record(&p, un, tag);
	if (p.failed && p.quiet && rec && rec->from_script && rec->state == CT_MISSING)
		ctypes_undefine(p.reg, rec); /* not half a header struct in BTF's place */
	if (p.failed)
		return;
	if (is(&p, ";"))
		next(&p);
	if (p.tok[0]) {
		fail(&p, "unexpected '%s' after struct definition", p.tok);
		return;
	}
}

void sema_struct_defs(struct sema *s, struct node *prog)
{
	for (struct node *n = prog ? prog->list : NULL; n; n = n->next)
		if (n->kind == AST_CDEF && !sema_is_enum_def(n)) /* enums: sema/enums.c */
			one_def(s, n);
}

/* ---- struct values ------------------------------------------------------------------
 * `@last = *p` and `print(*p)` copy the record's bytes into a BPF buffer (map value slot
 * or event payload), which lives in the per-CPU scratch map beyond 64 bytes; the printer
 * then walks the C type, so every nested struct must be complete now. */

/* Half the scratch buffer: a copy plus the map read or event framing next to it fit. */
#define RECORD_VALUE_MAX (ABI_SCRATCH_SIZE / 2)

static bool complete_nested(struct sema *s, const struct ctype *ct, struct span at, int depth)
{
	char err[400];
	while (ct->kind == CT_ARRAY)
		ct = ct->ref;
	if (ct->kind != CT_STRUCT && ct->kind != CT_UNION)
		return true;
	if (depth > 32) {
		diag_error(s->d, at, "struct nesting is too deep to copy by value");
		return false;
	}
	if (ctype_complete(sema_ctypes(s), ct, err, sizeof(err))) {
		diag_error(s->d, at, "%s", err);
		return false;
	}
	for (int i = 0; i < ct->nmembers; i++)
		if (!complete_nested(s, ct->members[i].type, at, depth + 1))
			return false;
	return true;
}

bool sema_record_value(struct sema *s, struct node *v, const char *what)
{
	const struct ctype *ct = v->type.ct;
	char nb[160];
	if (v->type.kind != TY_RECORD || !ct)
		return true;
	if (!complete_nested(s, ct, v->loc, 0))
		return false;
	if (ct->size > RECORD_VALUE_MAX) {
		diag_error(s->d, v->loc,
			   "'%s' is %u bytes, too big to %s: a struct copied by value can be at "
			   "most %u bytes (the BPF stack holds 512, the per-CPU scratch buffer %u); "
			   "use the members you need instead",
			   ctype_name(ct, nb, sizeof(nb)), ct->size, what, RECORD_VALUE_MAX,
			   ABI_SCRATCH_SIZE);
		return false;
	}
	return true;
}
