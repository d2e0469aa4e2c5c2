/*
 * sema/typecheck.c — type inference and checking of statements and expressions.
 *
 * Owns: typing every expression node (operators, casts, ternaries, tuples, tracepoint
 * fields), map key/value consistency, scratch-variable typing, and statement rules
 * (conditions, loops, break/continue, unroll). Builtins are checked through their rows
 * (check_builtins.c).
 * Must not: stop at the first error, or report on operands already typed TY_NONE (their
 * error was reported where it arose; repeating it would only cascade).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi.h"
#include "ctypes.h"
#include "sema_int.h"

#define TN(t, buf) type_name((t), (buf), sizeof(buf))

static bool is_none(const struct node *n) { return n->type.kind == TY_NONE; }

/* Types a value slot (variable, map value, tuple element) can hold. */
static bool is_value_type(const struct type *t)
{
	return t->kind == TY_INT || t->kind == TY_STR || t->kind == TY_TUPLE ||
	       t->kind == TY_PROBE;
}

/* ---- maps -------------------------------------------------------------------------- */

void sema_map_key(struct sema *s, struct node *map)
{
	int id = sema_map_id(s, map);
	map->sym = id;
	int nkeys = 0;
	bool bad = false;
	for (struct node *k = map->list; k; k = k->next, nkeys++) {
		sema_expr(s, k);
		if (is_none(k)) {
			bad = true;
		} else if (k->type.kind == TY_TUPLE && (map->list != k || k->next)) {
			diag_error(s->d, k->loc,
				   "a tuple can be a map's whole key (@m[$t]), not one part of a "
				   "multi-key (@m[$t, x])");
			bad = true;
		} else if (k->type.kind == TY_RECORD) { /* a struct or array by value, as bpftrace */
			if (!sema_record_value(s, k, "use as a map key"))
				bad = true;
		} else if (!is_value_type(&k->type)) {
			char tb[128];
			diag_error(s->d, k->loc, "Value of type '%s' cannot be used as a map key",
				   TN(&k->type, tb));
			bad = true;
		}
	}
	if (bad || id < 0)
		return;
	struct type key = type_none();
	bool tuple_key = nkeys == 1 && map->list->type.kind == TY_TUPLE && !map->list->type.names;
	if (tuple_key) {
		/* a tuple as the whole key (current bpftrace): the same key as the multi-key of
		 * its elements, @m[$t] is @m[$t.0, $t.1] (same bytes, printed @m[a, b]) */
		const struct type *tt = &map->list->type;
		struct type el[tt->nelems ? tt->nelems : 1];
		for (int i = 0; i < tt->nelems; i++)
			el[i] = sema_widen(s, &tt->elems[i]);
		key = type_tuple(&s->r->pool, el, tt->nelems);
	} else if (nkeys == 1) {
		key = sema_widen(s, &map->list->type);
	} else if (nkeys > 1) {
		struct type el[nkeys];
		int i = 0;
		for (struct node *k = map->list; k; k = k->next)
			el[i++] = sema_widen(s, &k->type);
		key = type_tuple(&s->r->pool, el, nkeys);
	}
	struct map_info *mi = &s->r->maps[id];
	if (!s->key_known[id]) {
		mi->key = key;
		s->key_known[id] = true;
		return;
	}
	bool cur_keyless = mi->key.kind == TY_NONE, new_keyless = nkeys == 0;
	bool multi_cur = mi->key.kind == TY_TUPLE && !mi->key.names;
	bool multi_new = nkeys > 1 || tuple_key;
	if (cur_keyless == new_keyless && multi_cur == multi_new &&
	    (new_keyless || sema_compatible(&mi->key, &key))) {
		if (!new_keyless)
			mi->key = sema_merge(s, &mi->key, &key);
		return;
	}
	char want[512], got[512];
	diag_error(s->d, map->loc,
		   "Argument mismatch for %s: trying to access with arguments: %s when map "
		   "expects arguments: %s",
		   map->str, sema_types_list(&key, new_keyless, got, sizeof(got)),
		   sema_types_list(&mi->key, cur_keyless, want, sizeof(want)));
}

void sema_map_store(struct sema *s, struct node *map, const struct type *val, struct span at)
{
	if (map->sym >= 0 && val->kind == TY_NONE)
		s->map_bad[map->sym] = true;
	if (map->sym < 0 || val->kind == TY_NONE)
		return;
	struct map_info *mi = &s->r->maps[map->sym];
	struct type w = sema_widen(s, val);
	if (mi->val.kind == TY_NONE) {
		mi->val = w;
	} else if (sema_compatible(&mi->val, &w)) {
		mi->val = sema_merge(s, &mi->val, &w);
	} else {
		char a[256], b[256];
		diag_error(s->d, at,
			   "Type mismatch for %s: trying to assign value of type '%s' when map "
			   "already contains a value of type '%s'",
			   map->str, TN(val, a), TN(&mi->val, b));
	}
	map->type = mi->val;
}

static void map_read(struct sema *s, struct node *n)
{
	sema_map_key(s, n);
	n->type = type_none();
	if (n->sym < 0)
		return;
	const struct map_info *mi = &s->r->maps[n->sym];
	if (mi->val.kind == TY_NONE) {
		if (!s->map_bad[n->sym])
			diag_error(s->d, n->loc, "Undefined map: %s", n->str);
		return;
	}
	n->type = mi->val;
}

/* ---- variables --------------------------------------------------------------------- */

static void var_read(struct sema *s, struct node *n)
{
	int id = sema_var_id(s, n->str, false);
	n->sym = id;
	n->type = type_none();
	if (id < 0 || !s->var_set[id]) {
		diag_error(s->d, n->loc, "Undefined or undeclared variable: %s", n->str);
		return;
	}
	n->type = s->r->vars[id].type;
	if (n->type.kind == TY_NONE && s->r->vars[id].declared) /* `let $x;`, never a value */
		diag_error(s->d, n->loc, "Variable %s is read but never assigned a value", n->str);
}

static void var_store(struct sema *s, struct node *var, const struct type *val)
{
	int id = sema_var_id(s, var->str, true);
	var->sym = id;
	if (id < 0)
		return;
	struct var_info *vi = &s->r->vars[id];
	s->var_set[id] = true;
	if (val->kind == TY_NONE) {
		var->type = vi->type;
		return;
	}
	struct type w = sema_widen(s, val);
	if ((val->kind == TY_INT && val->ct) || val->kind == TY_RECORD)
		w = *val; /* a variable keeps its pointer type: $t->pid; a record its address */
	if (vi->first.kind == TY_NONE)
		vi->first = *val;
	if (vi->type.kind == TY_NONE) {
		vi->type = w;
	} else if (sema_compatible(&vi->type, &w)) {
		vi->type = sema_merge(s, &vi->type, &w);
	} else {
		char a[256], b[256];
		diag_error(s->d, var->loc,
			   "Type mismatch for %s: trying to assign value of type '%s' when variable "
			   "already contains a value of type '%s'",
			   var->str, TN(val, a), TN(&vi->type, b));
	}
	var->type = vi->type;
}

/* typeof($x) / sizeof($x): an integer variable is of the type first stored in it (its
 * slot is 64 bits wide whatever it holds); other expressions, and variables of other
 * types, are of their own type. x must have been typed. */
const struct type *sema_declared_type(const struct sema *s, const struct node *x)
{
	if (x->kind == AST_VAR && x->sym >= 0 && x->sym < s->r->nvars &&
	    x->type.kind == TY_INT && !x->type.ct) {
		const struct type *f = &s->r->vars[x->sym].first;
		if (f->kind == TY_INT && !f->ct)
			return f;
	}
	return &x->type;
}

/* ---- operators --------------------------------------------------------------------- */

static struct type int_result(const struct node *a, const struct node *b)
{
	bool sg = (a->type.kind == TY_INT && a->type.is_signed) ||
		  (b && b->type.kind == TY_INT && b->type.is_signed);
	return type_int(8, sg);
}

/* A bool that prints true/false (not a comparison's, which prints 1/0). */
static bool is_true_bool(const struct type *t)
{
	return t->kind == TY_INT && t->sub == SUB_BOOL && t->fmt_id != BOOL_NUMERIC;
}

static bool is_zero_literal(const struct node *n)
{
	return n->kind == AST_INT && n->ival == 0;
}

static void cast(struct sema *s, struct node *n);

static void binop(struct sema *s, struct node *n)
{
	if (sema_paren_cast(s, n)) { /* (name) * p with name a type: typenames.c */
		cast(s, n);
		return;
	}
	struct node *a = n->a, *b = n->b;
	sema_expr(s, a);
	sema_expr(s, b);
	const char *op = ast_op_str(n->op);
	char ta[256], tb[256];
	bool cmp = n->op >= OP_LT && n->op <= OP_NE;
	bool logic = n->op == OP_LAND || n->op == OP_LOR;
	/* comparisons and && || give bools (current bpftrace) that compute and print as
	 * 0.17's integers 1/0 did; arithmetic on bools gives integers, as in C (0.17's
	 * `(a > b) + (c > d)` still counts) */
	n->type = cmp || logic ? type_cmp_bool() : int_result(a, b);
	if ((n->op == OP_DIV || n->op == OP_MOD) && is_zero_literal(b))
		diag_error(s->d, b->loc, "Division by zero");
	if (is_none(a) || is_none(b))
		return;
	if (sema_ptr_arith(s, n))
		return;
	enum type_kind ka = a->type.kind, kb = b->type.kind;
	if (ka == TY_INT && kb == TY_INT) {
		/* arg0 + 32 in a uprobe is still a user-space address, for a later cast */
		if (n->op == OP_ADD || n->op == OP_SUB || n->op == OP_BAND || n->op == OP_BOR)
			n->flags |= (a->flags | b->flags) & NODE_F_USER_PTR;
		return;
	}
	if ((n->op == OP_EQ || n->op == OP_NE) && ka == kb && (ka == TY_STR || ka == TY_PROBE))
		return;
	if (sema_syscall_name_cmp(s, n)) /* syscall_name(n) == "read" */
		return;
	if (sema_record_lit_cmp(s, n)) /* typeinfo(a) == typeinfo(b): comptime.c */
		return;
	if ((n->op == OP_EQ || n->op == OP_NE) && ka == TY_RECORD && kb == TY_RECORD &&
	    a->type.ct && b->type.ct && a->type.ct->size == b->type.ct->size &&
	    sema_record_value(s, a, "compare") && sema_record_value(s, b, "compare"))
		return; /* structs and arrays compare byte by byte, as in bpftrace */
	if (ka != kb && !logic)
		diag_error(s->d, n->loc, "Type mismatch for '%s': comparing '%s' with '%s'", op,
			   TN(&a->type, ta), TN(&b->type, tb));
	else
		diag_error(s->d, n->loc,
			   "The %s operator can not be used on expressions of types %s, %s", op,
			   TN(&a->type, ta), TN(&b->type, tb));
	n->type = type_none();
}

static void incdec(struct sema *s, struct node *n)
{
	struct node *t = n->a;
	char tb[256];
	if (t->kind == AST_VAR) {
		var_read(s, t);
	} else if (t->kind == AST_MAP) {
		sema_map_key(s, t);
		if (t->sym >= 0) {
			struct map_info *mi = &s->r->maps[t->sym];
			/* @x++ on a fresh map makes it an integer map, as in bpftrace */
			if (mi->val.kind == TY_NONE)
				mi->val = type_s64();
			t->type = mi->val;
		}
	} else {
		sema_expr(s, t);
		if (!is_none(t))
			diag_error(s->d, n->loc,
				   "The %s operator must be applied to a map or variable",
				   ast_op_str(n->op));
		n->type = type_none();
		return;
	}
	if (t->type.kind == TY_INT && t->type.sub == SUB_BOOL && t->type.fmt_id == BOOL_NUMERIC) {
		/* $b = a < b; $b++ (valid 0.17: comparisons were integers): the slot now holds
		 * an integer */
		struct type i = type_u64();
		if (t->kind == AST_VAR)
			var_store(s, t, &i);
		else
			sema_map_store(s, t, &i, t->loc);
		t->type = i;
	}
	n->type = t->type;
	if ((t->kind == AST_VAR || t->kind == AST_MAP) && t->type.kind == TY_INT &&
	    t->type.ct) /* $p++, @p++: sizeof(*p) */
		sema_ptr_step(s, n, &t->type);
	if (is_none(t) || (t->type.kind == TY_INT && t->type.sub != SUB_BOOL))
		return;
	diag_error(s->d, n->loc, "The %s operator can not be used on expressions of type '%s'",
		   ast_op_str(n->op), TN(&t->type, tb));
	n->type = type_none();
}

static void unop(struct sema *s, struct node *n)
{
	char tb[256];
	if (n->op >= OP_PREINC && n->op <= OP_POSTDEC) {
		incdec(s, n);
		return;
	}
	sema_expr(s, n->a);
	n->type = type_none();
	if (n->op == OP_DEREF && n->a->type.kind == TY_INT && n->a->type.sub == SUB_VALPTR) {
		n->type = n->a->type.elems[0]; /* *&$t: the value itself (codegen/emit_lang.c) */
		return;
	}
	if (n->op == OP_DEREF) {
		sema_deref(s, n);
		return;
	}
	if (n->op == OP_ADDROF) {
		sema_addrof(s, n);
		return;
	}
	if (is_none(n->a))
		return;
	if (n->a->type.kind != TY_INT) {
		diag_error(s->d, n->loc,
			   "The %s operator can not be used on expressions of type '%s'",
			   ast_op_str(n->op), TN(&n->a->type, tb));
		return;
	}
	if (n->op == OP_LNOT) /* !true is false; !x a comparison's bool (0.17's uint64 1/0) */
		n->type = is_true_bool(&n->a->type) ? type_bool() : type_cmp_bool();
	else if (n->op == OP_NEG)
		n->type = type_s64();
	else
		n->type = type_int(8, n->a->type.is_signed);
}

static void ternary(struct sema *s, struct node *n)
{
	if (!n->b) { /* a ?: c (check_lang.c) */
		sema_elvis(s, n);
		return;
	}
	sema_expr(s, n->a);
	sema_expr(s, n->b);
	sema_expr(s, n->c);
	n->type = type_none();
	if (!is_none(n->a) && n->a->type.kind != TY_INT)
		diag_error(s->d, n->a->loc, "Invalid condition in ternary: %s",
			   sema_kind_word(&n->a->type));
	if (is_none(n->b) || is_none(n->c))
		return;
	const struct type *tb = &n->b->type, *tc = &n->c->type;
	if (tb->kind == TY_VOID && tc->kind == TY_VOID) {
		/* `c ? printf(...) : printf(...)` as a statement (a value use is refused where
		 * the value is taken) */
		n->type = type_void();
		return;
	}
	if (!sema_compatible(tb, tc) || !is_value_type(tb)) {
		diag_error(s->d, n->loc,
			   "Ternary operator must return the same type: have '%s' and '%s'",
			   sema_kind_word(tb), sema_kind_word(tc));
		return;
	}
	if (tb->kind == TY_INT && tb->sub == SUB_BOOL && tc->sub == SUB_BOOL)
		n->type = is_true_bool(tb) || is_true_bool(tc) ? type_bool() : type_cmp_bool();
	else if (tb->kind == TY_INT)
		n->type = int_result(n->b, n->c);
	else
		n->type = sema_merge(s, tb, tc);
}

static const struct {
	const char *name;
	uint32_t size;
	bool is_signed;
} int_names[] = {
	{ "uint8", 1, false }, { "uint16", 2, false }, { "uint32", 4, false },
	{ "uint64", 8, false }, { "int8", 1, true },   { "int16", 2, true },
	{ "int32", 4, true },   { "int64", 8, true },
};

static void cast(struct sema *s, struct node *n)
{
	if (n->b) { /* (int8[8])x, (uint8[])x: arraycast.c */
		sema_array_cast(s, n);
		return;
	}
	if ((n->flags & NODE_F_TYPEOF) && !sema_typeof(s, n)) { /* (typeof($x))v */
		if (n->a)
			sema_expr(s, n->a);
		n->type = type_none();
		return;
	}
	if (!sema_canon_type(s, n)) { /* (name)x: bool, a typedef, uint64_t ... */
		if (n->a)
			sema_expr(s, n->a);
		n->type = type_none();
		return;
	}
	if (n->str && strcmp(n->str, "bool") == 0 && n->ival == 0) { /* (bool)x: x != 0 */
		sema_expr(s, n->a);
		n->type = type_none();
		if (is_none(n->a))
			return;
		if (n->a->type.kind != TY_INT) {
			char tb[256];
			diag_error(s->d, n->loc, "Cannot cast from '%s' to 'bool'",
				   TN(&n->a->type, tb));
			return;
		}
		n->type = type_bool();
		return;
	}
	if (sema_cast_ctype(s, n)) /* struct and pointer casts */
		return;
	sema_expr(s, n->a);
	n->type = type_none();
	int found = -1;
	for (size_t i = 0; i < sizeof(int_names) / sizeof(int_names[0]); i++)
		if (strcmp(n->str, int_names[i].name) == 0)
			found = (int)i;
	if (found < 0) { /* sema_cast_ctype took every other name */
		diag_error(s->d, n->loc, "Unknown struct/union: '%s'", n->str);
		return;
	}
	if (!is_none(n->a) && sema_cast_from_array(s, n, int_names[found].size,
						   int_names[found].is_signed))
		return; /* (uint64)$a of an integer array: arraycast.c */
	if (!is_none(n->a) && n->a->type.kind != TY_INT) {
		char tb[256];
		diag_error(s->d, n->loc, "Cannot cast from '%s' to '%s'", TN(&n->a->type, tb),
			   n->str);
		return;
	}
	n->type = type_int(int_names[found].size, int_names[found].is_signed);
}

static void tuple(struct sema *s, struct node *n)
{
	if (sema_record_lit(s, n)) /* (a=1, b="x"): check_lang.c */
		return;
	int cnt = ast_list_len(n->list), i = 0;
	struct type el[cnt ? cnt : 1];
	bool bad = false;
	for (struct node *e = n->list; e; e = e->next) {
		sema_expr(s, e);
		if (is_none(e)) {
			bad = true;
		} else if (e->type.kind == TY_RECORD) { /* a struct or array by value */
			if (!sema_record_value(s, e, "hold in a tuple"))
				bad = true;
		} else if (!is_value_type(&e->type)) {
			char tb[256];
			diag_error(s->d, e->loc, "Value of type '%s' cannot be a tuple element",
				   TN(&e->type, tb));
			bad = true;
		}
		el[i++] = e->type;
	}
	n->type = bad ? type_none() : type_tuple(&s->r->pool, el, cnt);
}

/* ---- tracepoint fields ------------------------------------------------------------- */

static bool field_type(struct sema *s, const struct probe_point *pt, const struct tp_field *f,
		       struct node *n, struct type *out, uint32_t *flags)
{
	*flags = 0;
	if (f->data_loc) {
		*out = type_str(s->opts->strlen);
		*flags = NODE_F_DATA_LOC;
		return true;
	}
	if (f->array_len >= 0) {
		if (f->type && strstr(f->type, "char")) {
			/* `char buf[]` (ftrace:print, size 0): a flexible array at the record's
			 * end, read as a NUL-terminated string of up to strlen bytes */
			uint32_t len = f->array_len > 0 ? (uint32_t)f->array_len : f->size;
			*out = type_str(len ? len : s->opts->strlen);
			return true;
		}
		if (f->array_len == 0 && f->size == 0) {
			diag_error(s->d, n->loc,
				   "tracepoint field '%s' is a flexible array ('%s %s[]'): the "
				   "tracepoint's format gives no length, so it cannot be read",
				   n->str, f->type ? f->type : "?", n->str);
			return false;
		}
		/* an array of integers (raw_syscalls' `unsigned long args[6]`): a C array
		 * value, indexed and copied like a struct member's (args->args[0]) */
		uint32_t n_el = f->array_len > 0 ? (uint32_t)f->array_len : 0;
		uint32_t el = n_el ? f->size / n_el : 0;
		if (n_el && (el == 1 || el == 2 || el == 4 || el == 8) && el * n_el == f->size) {
			struct ctypes *reg = sema_ctypes(s);
			const struct ctype *arr =
				ctypes_array(reg, ctypes_int(reg, el, f->is_signed), n_el);
			char err[256];
			*out = ctype_value_type(arr, false, err, sizeof(err));
			if (out->kind == TY_STR && !f->is_signed)
				*flags = NODE_F_BYTEARR; /* castable to an integer */
			if (out->kind != TY_NONE)
				return true;
		}
		diag_error(s->d, n->loc,
			   "tracepoint field '%s' is an array of '%s', which bpfscript cannot read "
			   "yet",
			   n->str, f->type ? f->type : "?");
		return false;
	}
	if (f->is_pointer) {
		*out = type_u64();
		if (pt->tp && pt->tp->category && strcmp(pt->tp->category, "syscalls") == 0)
			*flags = NODE_F_USER_PTR;
		/* "const struct __kernel_timespec *": typed, so args->rqtp->tv_nsec works */
		const char *ty = f->type ? f->type : "";
		if (strncmp(ty, "const ", 6) == 0)
			ty += 6;
		char tag[128];
		int used = 0;
		if (sscanf(ty, "struct %127[A-Za-z0-9_] *%n", tag, &used) == 1 && used &&
		    ty[used] == '\0')
			*out = sema_ptr_to_record(s, tag, *flags & NODE_F_USER_PTR);
		return true;
	}
	if (f->size != 1 && f->size != 2 && f->size != 4 && f->size != 8) {
		diag_error(s->d, n->loc, "tracepoint field '%s' has unsupported size %u", n->str,
			   f->size);
		return false;
	}
	*out = type_int(f->size, f->is_signed);
	return true;
}

static void ctx_field(struct sema *s, struct node *n)
{
	const struct sema_result *r = s->r;
	bool first = true, same_off = true;
	struct type t = type_none();
	uint32_t off = 0, flags = 0;
	if (s->probes[s->probe].attach_failed)
		return;
	for (int i = 0; i < r->npoints; i++) {
		const struct probe_point *pt = &r->points[i];
		if (pt->probe != s->probe || !(provider_of_kind(pt)->caps & PV_ARGS_TP))
			continue;
		const struct tp_field *f = pt->tp ? tp_format_field(pt->tp, n->str) : NULL;
		if (!f) {
			diag_error(s->d, n->loc,
				   "Struct/union of type 'struct _tracepoint_%s_%s' does not contain "
				   "a field named '%s'",
				   pt->target ? pt->target : "?", pt->func ? pt->func : "?", n->str);
			return;
		}
		struct type ft;
		uint32_t ff;
		if (!field_type(s, pt, f, n, &ft, &ff))
			return;
		if (first) {
			t = ft;
			off = f->offset;
			flags = ff;
			first = false;
			continue;
		}
		if (f->offset != off)
			same_off = false;
		flags |= ff;
		if (ft.kind != t.kind) {
			diag_error(s->d, n->loc,
				   "field '%s' has a different type in tracepoint %s than in the other "
				   "probes of this action",
				   n->str, pt->name);
			return;
		}
		if (t.kind == TY_STR)
			t = sema_merge(s, &t, &ft);
		else if (t.kind == TY_INT && !type_equal(&t, &ft))
			t = type_int(8, t.is_signed);
	}
	n->type = t;
	n->flags |= flags;
	/* Offsets may differ between the tracepoints of one probe; codegen looks the field up
	 * again per point, so 0 here only means "not uniform". */
	n->off = same_off ? off : 0;
}

static void field(struct sema *s, struct node *n)
{
	sema_expr(s, n->a);
	n->type = type_none();
	if (is_none(n->a))
		return;
	if (n->a->type.kind == TY_INT && n->a->type.sub == SUB_VALPTR) {
		/* $p.0, $p.name on &$t: through the pointer, as `.` does on C pointers */
		n->a = ast_unop(n->a->loc, OP_DEREF, n->a);
		sema_expr(s, n->a);
	}
	const struct type *bt = &n->a->type;
	char tb[256];
	if (bt->kind == TY_CTX &&
	    (s->probes[s->probe].caps_any & (PV_ARGS_BTF | PV_KERNEL_FN | PV_ARGS_DWARF))) {
		sema_kprobe_field(s, n); /* kfunc_args.c: from the function's BTF or DWARF */
		return;
	}
	if (bt->kind == TY_CTX) {
		ctx_field(s, n);
		return;
	}
	if (sema_record_field(s, n)) /* $r.name (check_lang.c) */
		return;
	if (bt->kind == TY_TUPLE) {
		char *end = NULL;
		long i = strtol(n->str, &end, 10);
		if (!*n->str || *end) {
			diag_error(s->d, n->loc, "Can not access field '%s' on type '%s'", n->str,
				   TN(bt, tb));
			return;
		}
		if (i < 0 || i >= bt->nelems) {
			diag_error(s->d, n->loc, "Invalid tuple index: %ld. Found %d elements in tuple.",
				   i, bt->nelems);
			return;
		}
		uint32_t offs[bt->nelems];
		abi_tuple_layout(bt->elems, bt->nelems, offs);
		n->type = bt->elems[i];
		n->off = offs[i];
		return;
	}
	if (bt->ct && (bt->kind == TY_INT || bt->kind == TY_RECORD)) {
		sema_field_ctype(s, n);
		return;
	}
	diag_error(s->d, n->loc, "Can not access field '%s' on expression of type '%s'", n->str,
		   TN(bt, tb));
}

/* ---- expressions ------------------------------------------------------------------- */

void sema_expr(struct sema *s, struct node *n)
{
	n->type = type_none();
	switch (n->kind) {
	case AST_INT:
		n->type = type_s64();
		return;
	case AST_BOOL:
		sema_bool_lit(s, n);
		return;
	case AST_BLOCKEXPR:
		sema_block_expr(s, n);
		return;
	case AST_STR:
		n->type = type_str(n->slen + !(n->flags & NODE_F_RAWBYTES));
		if (n->flags & NODE_F_RAWBYTES)
			n->type.sub = SUB_ADDR;
		/* bpftrace: a string value must fit the str() buffer (BPFTRACE_STRLEN), or it
		 * would be cut silently; shown cut at 200 bytes to keep the message readable. */
		if (!s->literal_arg && !(n->flags & NODE_F_SETTING) && s->opts->strlen &&
		    n->slen + 1 > s->opts->strlen)
			diag_error(s->d, n->loc, "String is too long (over %u bytes): %.*s%s",
				   s->opts->strlen, n->slen > 200 ? 200 : (int)n->slen, n->str,
				   n->slen > 200 ? "..." : "");
		return;
	case AST_POSPARAM: /* only reached if substitution was skipped */
		n->type = type_s64();
		return;
	case AST_IDENT:
		sema_ident(s, n);
		return;
	case AST_VAR:
		var_read(s, n);
		return;
	case AST_MAP:
		map_read(s, n);
		return;
	case AST_CALL:
		/* sizeof/offsetof become INT literals, typeinfo/is_*() literals (comptime.c) */
		if (!sema_type_call(s, n) && !sema_meta_call(s, n))
			sema_call(s, n);
		return;
	case AST_COMPTIME:
		sema_comptime_expr(s, n);
		return;
	case AST_BINOP:
		binop(s, n);
		return;
	case AST_UNOP:
		unop(s, n);
		return;
	case AST_TERNARY:
		ternary(s, n);
		return;
	case AST_CAST:
		cast(s, n);
		return;
	case AST_FIELD:
		field(s, n);
		return;
	case AST_TUPLE:
		tuple(s, n);
		return;
	case AST_INDEX:
		sema_expr(s, n->a);
		sema_expr(s, n->b);
		sema_index(s, n);
		return;
	default:
		diag_error(s->d, n->loc, "%s is not an expression", ast_kind_name(n->kind));
		return;
	}
}

/* ---- statements -------------------------------------------------------------------- */

static void stmt(struct sema *s, struct node *n);

static void block(struct sema *s, struct node *b)
{
	if (!b)
		return;
	if (b->kind != AST_BLOCK) {
		stmt(s, b);
		return;
	}
	for (struct node *st = b->list; st; st = st->next)
		stmt(s, st);
}

static void assign_map(struct sema *s, struct node *n)
{
	struct node *m = n->a, *v = n->b;
	char tb[256];
	if (n->op != OP_NONE) {
		sema_expr(s, v);
		if ((n->op == OP_DIV || n->op == OP_MOD) && is_zero_literal(v))
			diag_error(s->d, v->loc, "Division by zero");
		sema_map_key(s, m);
		if (m->sym < 0)
			return;
		struct map_info *mi = &s->r->maps[m->sym];
		if (mi->val.kind == TY_NONE)
			mi->val = type_s64();
		m->type = mi->val;
		if (mi->val.kind != TY_INT)
			diag_error(s->d, n->loc,
				   "The %s= operator can not be used on expressions of type '%s'",
				   ast_op_str(n->op), TN(&mi->val, tb));
		else if (!is_none(v) && v->type.kind != TY_INT)
			diag_error(s->d, n->loc, "Type mismatch for '%s': comparing '%s' with '%s'",
				   ast_op_str(n->op), TN(&mi->val, tb), TN(&v->type, (char[256]){ 0 }));
		else if (mi->val.ct && (n->op == OP_ADD || n->op == OP_SUB)) /* @p += n */
			sema_ptr_compound(s, n);
		n->type = type_void();
		return;
	}
	if (sema_is_agg_call(s, v)) {
		sema_agg_call(s, v);
	} else {
		sema_expr(s, v);
		if (type_is_agg(&v->type)) {
			diag_error(s->d, v->loc,
				   "Map value '%s' cannot be assigned from one map to another. The "
				   "function that returns this type must be called directly e.g. "
				   "`%s = %s();`.",
				   TN(&v->type, tb), m->str, tb);
			v->type = type_none();
		} else if (v->type.kind == TY_RECORD) { /* struct by value (struct_types.c) */
			if (!sema_record_value(s, v, "copy into a map"))
				v->type = type_none();
		} else if (!is_none(v) && !is_value_type(&v->type)) {
			diag_error(s->d, v->loc, "Value '%s' cannot be assigned to a map.",
				   TN(&v->type, tb));
			v->type = type_none();
		}
	}
	sema_map_key(s, m);
	sema_map_store(s, m, &v->type, m->loc);
	n->type = type_void();
}

static void assign_var(struct sema *s, struct node *n)
{
	struct node *x = n->a, *v = n->b;
	char tb[256];
	sema_expr(s, v);
	n->type = type_void();
	if (n->op != OP_NONE) {
		if ((n->op == OP_DIV || n->op == OP_MOD) && is_zero_literal(v))
			diag_error(s->d, v->loc, "Division by zero");
		var_read(s, x);
		if (is_none(x))
			return;
		if (x->type.kind != TY_INT)
			diag_error(s->d, n->loc,
				   "The %s= operator can not be used on expressions of type '%s'",
				   ast_op_str(n->op), TN(&x->type, tb));
		else if (!is_none(v) && v->type.kind != TY_INT)
			diag_error(s->d, n->loc, "Type mismatch for '%s': comparing '%s' with '%s'",
				   ast_op_str(n->op), TN(&x->type, tb), TN(&v->type, (char[256]){ 0 }));
		else if (x->type.ct && (n->op == OP_ADD || n->op == OP_SUB)) /* $p += n */
			sema_ptr_compound(s, n);
		return;
	}
	if (!is_none(v) && !is_value_type(&v->type) && v->type.kind != TY_RECORD) {
		diag_error(s->d, v->loc, "Value '%s' cannot be assigned to a scratch variable.",
			   TN(&v->type, tb));
		v->type = type_none();
	}
	var_store(s, x, &v->type);
}

static void cond(struct sema *s, struct node *c, const char *what)
{
	sema_expr(s, c);
	if (!is_none(c) && c->type.kind != TY_INT)
		diag_error(s->d, c->loc, "Invalid condition in %s(): %s", what,
			   sema_kind_word(&c->type));
}

/* Current bpftrace warns when a statement computes a value nobody uses (`{ 1 }`,
 * `has_key(@a, 1);`), except ++/-- (done for their effect) and values written `_ = x`. */
static void discarded(struct sema *s, const struct node *n)
{
	const struct node *x = n->a;
	if (n->flags & NODE_F_DISCARD || x->type.kind == TY_NONE || x->type.kind == TY_VOID)
		return;
	while (x->kind == AST_BLOCKEXPR && x->a) /* a macro's or block's value: its last */
		x = x->a;
	if (x->kind == AST_UNOP && (x->op == OP_PREINC || x->op == OP_PREDEC ||
				    x->op == OP_POSTINC || x->op == OP_POSTDEC))
		return;
	if (x->kind == AST_CALL && (sema_row_flags(s, x) & BF_EFFECT))
		return;
	diag_warning(s->d, n->loc, "Return value discarded.");
}

static void stmt(struct sema *s, struct node *n)
{
	n->type = type_void();
	switch (n->kind) {
	case AST_BLOCK:
		block(s, n);
		return;
	case AST_EXPR_STMT:
		if (n->flags & NODE_F_DECL) { /* let $x; — declared in this scope */
			int id = sema_var_id(s, n->a->str, true);
			n->a->sym = id;
			if (id >= 0) {
				s->var_set[id] = true;
				s->r->vars[id].declared = true;
				n->a->type = s->r->vars[id].type;
			}
			return;
		}
		sema_expr(s, n->a);
		discarded(s, n);
		return;
	case AST_ASSIGN:
		if (n->a->kind == AST_MAP)
			assign_map(s, n);
		else if (n->a->kind == AST_VAR)
			assign_var(s, n);
		else
			diag_error(s->d, n->a->loc, "Can only assign to a map or a variable");
		return;
	case AST_IF:
		if (sema_comptime_cond(n)) { /* only the chosen branch: comptime.c */
			sema_comptime_if(s, n);
			return;
		}
		cond(s, n->a, "if");
		block(s, n->b);
		block(s, n->c);
		return;
	case AST_WHILE:
		cond(s, n->a, "while");
		s->loop_depth++;
		block(s, n->b);
		s->loop_depth--;
		return;
	case AST_FOR:
		if (n->b->kind == AST_RANGE)
			sema_range_for(s, n);
		else
			sema_for(s, n);
		return;
	case AST_UNROLL:
		if (n->a->kind != AST_INT) {
			sema_expr(s, n->a);
			diag_error(s->d, n->a->loc, "unroll count must be an integer literal");
		} else if (n->a->ival < 1) {
			diag_error(s->d, n->loc, "unroll minimum value is 1");
		} else if (n->a->ival > 100) {
			diag_error(s->d, n->loc, "unroll maximum value is 100");
		}
		n->a->type = type_s64();
		block(s, n->b);
		return;
	case AST_RETURN:
		if (!n->a)
			return;
		sema_expr(s, n->a);
		if (!is_none(n->a) && n->a->type.kind != TY_INT)
			diag_error(s->d, n->a->loc, "return value must be an integer, not %s",
				   sema_kind_word(&n->a->type));
		else if (s->loop_depth > 0)
			diag_error(s->d, n->loc, "return with a value inside a loop: set a variable "
						 "and return it after the loop");
		return;
	case AST_BREAK:
	case AST_CONTINUE:
		if (s->loop_depth == 0)
			diag_error(s->d, n->loc, "%s used outside of a loop",
				   n->kind == AST_BREAK ? "break" : "continue");
		return;
	default:
		sema_expr(s, n);
		return;
	}
}

void sema_block(struct sema *s, struct node *b)
{
	block(s, b);
}

void sema_check_program(struct sema *s, struct node *prog)
{
	for (struct node *p = prog->list; p; p = p->next) {
		if (p->kind != AST_PROBE || p->sym < 0)
			continue;
		s->probe = p->sym;
		s->loop_depth = 0;
		if (p->a) {
			sema_expr(s, p->a);
			if (!is_none(p->a) && p->a->type.kind != TY_INT)
				diag_error(s->d, p->a->loc, "Invalid type for predicate: %s",
					   sema_kind_word(&p->a->type));
		}
		block(s, p->b);
	}
}
