/*
 * sema/types.c — tuples, sizes, alignment and naming of language types (see types.h),
 * and the tuple layout of abi.h (a tuple's size is part of its type). The plain
 * constructors and equality are common/types.c's.
 * Must not: know about AST nodes or maps, or call abi.c (the map layouts there use the
 * sizes defined here, not the other way round).
 */
#include "types.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi.h"
#include "ctypes.h"

struct type type_tuple(struct type_pool *pool, const struct type *elems, int n)
{
	struct type t = { .kind = TY_TUPLE, .nelems = (uint16_t)n };
	struct type *copy = malloc(sizeof(*copy) * (n ? n : 1));
	if (!copy)
		return type_none();
	memcpy(copy, elems, sizeof(*copy) * n);
	if (!type_pool_keep(pool, copy)) {
		free(copy);
		return type_none();
	}
	t.elems = copy;
	t.size = abi_tuple_layout(copy, n, NULL);
	return t;
}

struct type type_record(struct type_pool *pool, const struct type *elems,
			const char *const *names, int n)
{
	struct type t = type_tuple(pool, elems, n);
	if (t.kind != TY_TUPLE)
		return t;
	const char **nm = calloc(n ? n : 1, sizeof(*nm));
	if (!nm || !type_pool_keep(pool, nm)) {
		free(nm);
		return type_none();
	}
	for (int i = 0; i < n; i++) {
		char *d = strdup(names[i] ? names[i] : "");
		if (!d || !type_pool_keep(pool, d)) {
			free(d);
			return type_none();
		}
		nm[i] = d;
	}
	t.names = nm;
	return t;
}

struct type type_valptr(struct type_pool *pool, const struct type *to)
{
	struct type t = type_int(8, false);
	struct type pt = type_tuple(pool, to, 1); /* the pool copy of *to */
	if (pt.kind == TY_NONE)
		return pt;
	t.sub = SUB_VALPTR;
	t.elems = pt.elems;
	t.nelems = 1;
	return t;
}

uint32_t type_elem_offset(const struct type *t, int i)
{
	if (t->kind != TY_TUPLE || i < 0 || i >= t->nelems)
		return 0;
	uint32_t offs[t->nelems];
	abi_tuple_layout(t->elems, t->nelems, offs);
	return offs[i];
}

uint32_t abi_tuple_layout(const struct type *elems, int n, uint32_t *offs)
{
	uint32_t off = 0, align = 1;
	for (int i = 0; i < n; i++) {
		uint32_t a = type_elem_align(&elems[i]);
		if (a > align)
			align = a;
		off = (off + a - 1) / a * a;
		if (offs)
			offs[i] = off;
		off += type_elem_size(&elems[i]);
	}
	return (off + align - 1) / align * align;
}

uint32_t type_storage_size(const struct type *t)
{
	switch (t->kind) {
	case TY_INT:
	case TY_PROBE:
		return 8;
	case TY_STR:
	case TY_TUPLE:
		return t->size;
	case TY_RECORD: /* a struct copied by value: its bytes (a variable keeps the address) */
		return t->ct && t->ct->size ? abi_align(t->ct->size) : 8;
	default:
		return 8;
	}
}

uint32_t type_elem_size(const struct type *t)
{
	switch (t->kind) {
	case TY_INT:
		return t->ct || !t->size || t->size > 8 ? 8 : t->size;
	case TY_STR:
	case TY_TUPLE:
		return t->size;
	case TY_RECORD:
		return t->ct ? t->ct->size : 8;
	default: /* probes, and a for-loop's aggregation values: 8 bytes */
		return 8;
	}
}

/* 0.17's rule for a value of `size` bytes that is not a string, tuple, struct or array */
static uint32_t scalar_align(uint32_t size)
{
	return size == 0 ? 1 : size <= 2 ? size : size <= 4 ? 4 : 8;
}

static uint32_t ctype_elem_align(const struct ctype *ct)
{
	switch (ct->kind) {
	case CT_ARRAY: /* an array is aligned as its element (a tiny one as its size) */
		if (ct->size && ct->size <= 2)
			return ct->size;
		return ct->ref ? ctype_elem_align(ct->ref) : 1;
	case CT_STRUCT:
	case CT_UNION: /* 0.17 keeps alignment 1 for every struct (its Struct::align) */
		return 1;
	case CT_PTR:
		return 8;
	default:
		return scalar_align(ct->size);
	}
}

uint32_t type_elem_align(const struct type *t)
{
	switch (t->kind) {
	case TY_INT:
		return scalar_align(type_elem_size(t));
	case TY_STR: /* buf(), ntop(), usym are byte arrays to 0.17, aligned 4 */
		if (t->sub == SUB_NONE || t->sub == SUB_ADDR)
			return 1;
		return scalar_align(t->size);
	case TY_TUPLE: {
		uint32_t a = 1;
		for (int i = 0; i < t->nelems; i++) {
			uint32_t e = type_elem_align(&t->elems[i]);
			if (e > a)
				a = e;
		}
		return a;
	}
	case TY_RECORD:
		return t->ct ? ctype_elem_align(t->ct) : 1;
	default:
		return 8;
	}
}

uint32_t type_var_size(const struct type *t)
{
	return t->kind == TY_RECORD ? 8 : type_storage_size(t);
}

static const char *kind_names[TY__COUNT] = {
#define X(k, s) [TY_##k] = s,
	TYPE_KINDS(X)
#undef X
};

/* bpftrace's names for the symbol and stack types (func in a uprobe is a usym there) */
static const char *type_sub_sym_name(uint8_t sub)
{
	switch (sub) {
	case SUB_KSTACK: return "kstack";
	case SUB_USTACK: return "ustack";
	case SUB_KSYM: return "ksym";
	default: return "usym";
	}
}

char *type_name(const struct type *t, char *buf, size_t len)
{
	if (!len)
		return buf;
	if (t->ct && (t->kind == TY_INT || t->kind == TY_RECORD)) {
		/* C types: "struct task_struct *", "struct sock", "int32[4]" */
		char c[200];
		ctype_name(t->ct, c, sizeof(c));
		if (t->kind == TY_RECORD)
			snprintf(buf, len, "%s", c);
		else
			snprintf(buf, len, "%s%s*", c, c[0] && c[strlen(c) - 1] == '*' ? "" : " ");
		return buf;
	}
	switch (t->kind) {
	case TY_INT:
		if (t->sub == SUB_TSTAMP)
			snprintf(buf, len, "timestamp");
		else if (t->sub >= SUB_KSTACK && t->sub <= SUB_FUNC)
			snprintf(buf, len, "%s", type_sub_sym_name(t->sub));
		else if (t->sub == SUB_USERNAME)
			snprintf(buf, len, "username");
		else if (t->sub == SUB_CGROUP_PATH)
			snprintf(buf, len, "cgroup_path");
		else if (t->sub == SUB_STRERROR)
			snprintf(buf, len, "strerror");
		else if (t->sub == SUB_MACADDR)
			snprintf(buf, len, "macaddr");
		else if (t->sub == SUB_SIGNAL_NAME)
			snprintf(buf, len, "signal_name");
		else if (t->sub == SUB_BOOL)
			snprintf(buf, len, "bool");
		else if (t->sub == SUB_VALPTR && t->elems) {
			char to[200];
			snprintf(buf, len, "%s *", type_name(t->elems, to, sizeof(to)));
		}
		else if (t->sub == SUB_ENUM) /* sema/enums.c */
			snprintf(buf, len, "enum (%sint%u)", t->is_signed ? "" : "u", t->size * 8);
		else
			snprintf(buf, len, "%sint%u", t->is_signed ? "" : "u", t->size * 8);
		break;
	case TY_STR:
		if (t->sub == SUB_USYM)
			snprintf(buf, len, "usym");
		else if (t->sub == SUB_DWSTACK)
			snprintf(buf, len, "ustack");
		else if (t->sub == SUB_BUF)
			snprintf(buf, len, "buffer[%u]", t->size ? t->size - 1 : 0);
		else if (t->sub == SUB_INET)
			snprintf(buf, len, "inet");
		else
			snprintf(buf, len, "string[%u]", t->size);
		break;
	case TY_TUPLE: {
		size_t used = 0;
		buf[0] = '\0';
		used += (size_t)snprintf(buf, len, "(");
		for (int i = 0; i < t->nelems && used < len; i++) {
			char sub[128];
			type_name(&t->elems[i], sub, sizeof(sub));
			if (t->names) /* a record: (a=int64, b=string[2]) */
				used += (size_t)snprintf(buf + used, len - used, "%s%s=%s",
							 i ? ", " : "", t->names[i], sub);
			else
				used += (size_t)snprintf(buf + used, len - used, "%s%s",
							 i ? ", " : "", sub);
		}
		if (used < len)
			snprintf(buf + used, len - used, ")");
		break;
	}
	case TY_HIST: /* hist(v, k) maps differ by k */
		if (t->lh_step > 0)
			snprintf(buf, len, "hist(bits %lld)", (long long)t->lh_step);
		else
			snprintf(buf, len, "hist");
		break;
	default:
		snprintf(buf, len, "%s", kind_names[t->kind]);
		break;
	}
	return buf;
}
