/*
 * common/types.c — the plain constructors, predicates, equality and the pool of language
 * types (see common/types.h).
 * Must not: compute sizes or layouts that depend on C types or the ABI (sema/types.c does),
 * or know about AST nodes.
 */
#include "types.h"

#include <stdlib.h>
#include <string.h>

struct type type_none(void) { return (struct type){ .kind = TY_NONE }; }
struct type type_void(void) { return (struct type){ .kind = TY_VOID }; }
struct type type_int(uint32_t size, bool is_signed)
{
	return (struct type){ .kind = TY_INT, .size = size, .is_signed = is_signed };
}
struct type type_u64(void) { return type_int(8, false); }
struct type type_s64(void) { return type_int(8, true); }
struct type type_str(uint32_t size) { return (struct type){ .kind = TY_STR, .size = size }; }
struct type type_agg(enum type_kind kind, bool is_signed)
{
	return (struct type){ .kind = kind, .is_signed = is_signed, .size = 8 };
}

struct type type_bool(void)
{
	struct type t = type_int(1, false);
	t.sub = SUB_BOOL;
	return t;
}

struct type type_cmp_bool(void)
{
	/* 64 bits wide and unsigned, as 0.17's comparisons were: `(a < b) > -1` still
	 * compares unsigned and `(a < b) + x` is uint64 arithmetic */
	struct type t = type_int(8, false);
	t.sub = SUB_BOOL;
	t.fmt_id = BOOL_NUMERIC;
	return t;
}

bool type_pool_keep(struct type_pool *pool, void *p)
{
	if (pool->n == pool->cap) {
		int cap = pool->cap ? pool->cap * 2 : 16;
		void **b = realloc(pool->blocks, sizeof(*b) * cap);
		if (!b)
			return false;
		pool->blocks = b;
		pool->cap = cap;
	}
	pool->blocks[pool->n++] = p;
	return true;
}

int type_field_index(const struct type *t, const char *name)
{
	if (t->kind != TY_TUPLE || !t->names)
		return -1;
	for (int i = 0; i < t->nelems; i++)
		if (strcmp(t->names[i], name) == 0)
			return i;
	return -1;
}

void type_pool_free(struct type_pool *pool)
{
	for (int i = 0; i < pool->n; i++)
		free(pool->blocks[i]);
	free(pool->blocks);
	memset(pool, 0, sizeof(*pool));
}

bool type_equal(const struct type *a, const struct type *b)
{
	if (a->kind != b->kind || a->sub != b->sub || a->fmt_id != b->fmt_id)
		return false;
	switch (a->kind) {
	case TY_INT:
		if (a->sub == SUB_VALPTR && !type_equal(a->elems, b->elems))
			return false;
		return a->size == b->size && a->is_signed == b->is_signed;
	case TY_STR:
		return a->size == b->size;
	case TY_TUPLE:
		if (a->nelems != b->nelems || !a->names != !b->names)
			return false;
		for (int i = 0; i < a->nelems; i++)
			if (!type_equal(&a->elems[i], &b->elems[i]) ||
			    (a->names && strcmp(a->names[i], b->names[i]) != 0))
				return false;
		return true;
	case TY_HIST: /* hist(v, k): lh_step holds k */
		return a->lh_step == b->lh_step;
	case TY_LHIST:
	case TY_TSERIES:
		return a->lh_min == b->lh_min && a->lh_max == b->lh_max && a->lh_step == b->lh_step;
	case TY_RECORD:
		return a->ct == b->ct;
	default:
		return true;
	}
}

bool type_is_agg(const struct type *t) { return t->kind >= TY_COUNT && t->kind <= TY_TSERIES; }
bool type_is_int(const struct type *t) { return t->kind == TY_INT; }
