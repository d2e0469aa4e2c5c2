/*
 * sema/arraycast.c — typing of casts between integers and integer arrays, as current
 * bpftrace has them: (int8[8])12345, (uint8[])x (the count from the operand's size),
 * (uint64)$a of an int array, (uint32)pton("127.0.0.1").
 *
 * Owns: the rules and bpftrace-worded messages of those casts. An array cast's result is
 * a RECORD over an interned CT_ARRAY of an integer ctype (the operand's bytes as they lie
 * in memory, no byte swapping), so indexing, variables, maps, print() and comparisons
 * treat it like a C array field. The parser puts the element count in the CAST's b (an
 * INT, 0 for `[]`).
 * Must not: emit code (codegen/emit_expr.c's array casts do), or type other casts
 * (typecheck.c's integer casts, check_ctype.c's struct and pointer casts).
 */
#include <stdio.h>
#include <string.h>

#include "ctypes.h"
#include "sema_int.h"

#define TN(t, buf) type_name((t), (buf), sizeof(buf))

static const struct {
	const char *name;
	uint32_t size;
	bool is_signed;
} elem_names[] = {
	{ "uint8", 1, false }, { "uint16", 2, false }, { "uint32", 4, false },
	{ "uint64", 8, false }, { "int8", 1, true },   { "int16", 2, true },
	{ "int32", 4, true },   { "int64", 8, true },
};

/* x.f / x->f of a C struct whose member f is an unsigned byte array (`__u8 saddr[4]`),
 * or such a tracepoint field: typed as a string of those bytes, read whole
 * (codegen/emit_ctype.c, emit_probe.c) */
static bool byte_field(struct sema *s, const struct node *x)
{
	const struct ctype *rec = x->a ? x->a->type.ct : NULL;
	if (x->kind == AST_FIELD && x->type.kind == TY_STR && (x->flags & NODE_F_BYTEARR))
		return true; /* a tracepoint's __u8 field */
	if (x->kind != AST_FIELD || x->type.kind != TY_STR || !rec || !x->str ||
	    (rec->kind != CT_STRUCT && rec->kind != CT_UNION))
		return false;
	uint32_t bit_off;
	const struct cmember *m = ctype_member(sema_ctypes(s), rec, x->str, &bit_off);
	const struct ctype *ct = m ? m->type : NULL;
	return ct && ct->kind == CT_ARRAY && ct->ref && ct->ref->kind == CT_INT &&
	       !ct->ref->is_signed && ct->ref->size == 1 && ct->nelems == x->type.size;
}

/* An integer array: a cast result, a C array field, pton()'s bytes (size in *size);
 * false for anything else. */
static bool int_array(struct sema *s, const struct node *x, uint32_t *size)
{
	const struct type *t = &x->type;
	if (t->kind == TY_STR && (t->sub == SUB_ADDR || byte_field(s, x))) {
		*size = t->size;
		return true;
	}
	if (t->kind != TY_RECORD || !t->ct || t->ct->kind != CT_ARRAY || !t->ct->ref ||
	    t->ct->ref->kind != CT_INT)
		return false;
	*size = t->ct->size;
	return true;
}

/* bpftrace's name of a type in cast messages: a byte array is its uint8[N] */
static const char *src_name(struct sema *s, const struct node *x, char *buf, size_t len)
{
	uint32_t size;
	if (x->type.kind == TY_STR && int_array(s, x, &size))
		snprintf(buf, len, "uint8[%u]", size);
	else
		type_name(&x->type, buf, len);
	return buf;
}

bool sema_cast_from_array(struct sema *s, struct node *n, uint32_t size, bool is_signed)
{
	const struct type *at = &n->a->type;
	uint32_t asize;
	bool is_arr = int_array(s, n->a, &asize);
	if (!is_arr && !(at->kind == TY_RECORD && at->ct && at->ct->kind == CT_ARRAY))
		return false;
	char ta[256];
	if (!is_arr || asize != size) {
		diag_error(s->d, n->loc, "Cannot cast from \"%s\" to \"%s\"",
			   src_name(s, n->a, ta, sizeof(ta)), n->str);
		n->type = type_none();
		return true;
	}
	n->type = type_int(size, is_signed);
	return true;
}

void sema_array_cast(struct sema *s, struct node *n)
{
	n->type = type_none();
	bool named = (n->flags & NODE_F_TYPEOF) ? sema_typeof(s, n) : sema_canon_type(s, n);
	sema_expr(s, n->a);
	if (!named || n->a->type.kind == TY_NONE)
		return;
	/* [0] is [] as in bpftrace; a count too large for any integer is refused below */
	uint32_t count = n->b->ival > 0 ? (n->b->ival <= 4096 ? (uint32_t)n->b->ival : 4097) : 0;
	char to[256], ta[256];
	int pos = snprintf(to, sizeof(to), "%s", n->str);
	for (int64_t i = 0; i < n->ival && i < 8 && pos < 200; i++)
		pos += snprintf(to + pos, sizeof(to) - (size_t)pos, "%s", i ? "*" : " *");
	if (count)
		snprintf(to + pos, sizeof(to) - (size_t)pos, "[%lld]", (long long)n->b->ival);
	else
		snprintf(to + pos, sizeof(to) - (size_t)pos, "[]");
	const struct type *at = &n->a->type;
	int el = -1;
	for (size_t i = 0; n->ival == 0 && i < sizeof(elem_names) / sizeof(elem_names[0]); i++)
		if (strcmp(n->str, elem_names[i].name) == 0)
			el = (int)i;
	if (el < 0 || at->kind != TY_INT || at->ct) {
		diag_error(s->d, n->loc, "Cannot cast from \"%s\" to \"%s\"",
			   src_name(s, n->a, ta, sizeof(ta)), to);
		return;
	}
	uint32_t esize = elem_names[el].size;
	if (!count) {
		if (at->size % esize) {
			diag_error(s->d, n->loc, "Cannot determine array size: the element size "
						 "is incompatible with the cast integer size");
			return;
		}
		count = at->size / esize;
		snprintf(to + pos, sizeof(to) - (size_t)pos, "[%u]", count);
	}
	/* as in bpftrace: the array's bytes are the integer's; a smaller integer is widened
	 * to an array of at most 8 bytes */
	uint64_t asize = (uint64_t)esize * count;
	if (asize != at->size && !(asize <= 8 && asize > at->size)) {
		diag_error(s->d, n->loc, "Cannot cast from \"%s\" to \"%s\"", TN(at, ta), to);
		return;
	}
	struct ctypes *reg = sema_ctypes(s);
	const struct ctype *ct =
		ctypes_num_array(reg, ctypes_int(reg, esize, elem_names[el].is_signed), count);
	/* a RECORD even for int8 elements, which a C field's type would make a string */
	struct type t = type_none();
	t.kind = TY_RECORD;
	t.size = 8;
	t.ct = ct;
	n->type = t;
}
