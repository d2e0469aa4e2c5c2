/*
 * sema/comptime.c — current bpftrace's compile-time conditions: `if comptime (cond) { }
 * else { }`, `comptime expr`, and the introspection calls such conditions use:
 * typeinfo(x) (a record: btf_id, base_type, full_type), is_str/is_ptr/is_array/
 * is_integer/is_unsigned_integer/is_literal(x), is_scalar(@map), and fail(fmt, ...).
 *
 * Owns: folding a typed expression to a constant (literals, operators, ?:, casts to
 * integers, record literals and their fields, sizeof/offsetof already folded, a builtin
 * whose row has a fold hook (sema/builtin.h: `probetype` when every point of the probe
 * has the same kind)), choosing an `if comptime` branch (only that branch is
 * type-checked, so the other may name fields or functions the probe does not have), and,
 * once the types are final, pruning: the IF keeps only its chosen branch
 * behind a `true` condition and a comptime expression becomes its literal, so codegen
 * never sees either.
 * Must not: emit code, or evaluate anything with side effects (map reads, variables,
 * helpers are not constants: "Unable to resolve comptime expression").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctypes.h"
#include "sema_int.h"

/* A folded value. */
struct cval {
	enum { CV_INT, CV_STR, CV_REC } kind;
	int64_t i;
	bool is_unsigned;     /* CV_INT: an unsigned 64-bit value (compares unsigned) */
	const char *s;        /* CV_STR (NUL-terminated literal bytes) */
	const struct node *rec; /* CV_REC: a record literal (TUPLE of NAMED) */
};

static bool fold(struct sema *s, const struct node *n, struct cval *v);

static bool rec_field(struct sema *s, const struct node *rec, const char *name, struct cval *v)
{
	for (const struct node *f = rec->list; f; f = f->next)
		if (f->kind == AST_NAMED && strcmp(f->str, name) == 0)
			return fold(s, f->a, v);
	return false;
}

static bool cval_equal(struct sema *s, const struct cval *a, const struct cval *b, bool *eq)
{
	if (a->kind != b->kind)
		return false;
	if (a->kind == CV_INT) {
		*eq = a->i == b->i;
		return true;
	}
	if (a->kind == CV_STR) {
		*eq = strcmp(a->s, b->s) == 0;
		return true;
	}
	/* records: the same fields with equal values */
	*eq = ast_list_len(a->rec->list) == ast_list_len(b->rec->list);
	for (const struct node *f = a->rec->list; f && *eq; f = f->next) {
		struct cval x, y;
		bool e;
		if (!fold(s, f->a, &x) || !rec_field(s, b->rec, f->str, &y) ||
		    !cval_equal(s, &x, &y, &e))
			return false;
		*eq = e;
	}
	return true;
}

static bool fold_binop(struct sema *s, const struct node *n, struct cval *v)
{
	struct cval a, b;
	if (n->op == OP_LAND || n->op == OP_LOR) {
		if (!fold(s, n->a, &a) || a.kind != CV_INT)
			return false;
		if ((n->op == OP_LAND) == (a.i == 0)) { /* decided by the left side */
			*v = (struct cval){ .kind = CV_INT, .i = n->op == OP_LOR };
			return true;
		}
		if (!fold(s, n->b, &b) || b.kind != CV_INT)
			return false;
		*v = (struct cval){ .kind = CV_INT, .i = b.i != 0 };
		return true;
	}
	if (!fold(s, n->a, &a) || !fold(s, n->b, &b))
		return false;
	if (n->op == OP_EQ || n->op == OP_NE) {
		bool eq;
		if (!cval_equal(s, &a, &b, &eq))
			return false;
		*v = (struct cval){ .kind = CV_INT, .i = eq == (n->op == OP_EQ) };
		return true;
	}
	if (a.kind != CV_INT || b.kind != CV_INT)
		return false;
	bool u = a.is_unsigned || b.is_unsigned;
	uint64_t x = (uint64_t)a.i, y = (uint64_t)b.i;
	int64_t r;
	switch (n->op) {
	case OP_LT: r = u ? x < y : a.i < b.i; break;
	case OP_LE: r = u ? x <= y : a.i <= b.i; break;
	case OP_GT: r = u ? x > y : a.i > b.i; break;
	case OP_GE: r = u ? x >= y : a.i >= b.i; break;
	case OP_ADD: r = (int64_t)(x + y); break;
	case OP_SUB: r = (int64_t)(x - y); break;
	case OP_MUL: r = (int64_t)(x * y); break;
	case OP_DIV:
	case OP_MOD:
		if (y == 0 || (!u && a.i == INT64_MIN && b.i == -1))
			return false;
		r = n->op == OP_DIV ? (u ? (int64_t)(x / y) : a.i / b.i)
				    : (u ? (int64_t)(x % y) : a.i % b.i);
		break;
	case OP_BAND: r = (int64_t)(x & y); break;
	case OP_BOR: r = (int64_t)(x | y); break;
	case OP_BXOR: r = (int64_t)(x ^ y); break;
	case OP_SHL: r = (int64_t)(x << (y & 63)); break;
	case OP_SHR: r = a.is_unsigned ? (int64_t)(x >> (y & 63)) : a.i >> (y & 63); break;
	default: return false;
	}
	*v = (struct cval){ .kind = CV_INT, .i = r, .is_unsigned = u && n->op < OP_LT };
	return true;
}

static bool fold(struct sema *s, const struct node *n, struct cval *v)
{
	struct cval a;
	switch (n->kind) {
	case AST_INT:
	case AST_BOOL:
		*v = (struct cval){ .kind = CV_INT, .i = n->ival,
				    .is_unsigned = !n->type.is_signed && n->type.size >= 8 };
		return true;
	case AST_STR:
		if (strlen(n->str) != n->slen)
			return false;
		*v = (struct cval){ .kind = CV_STR, .s = n->str };
		return true;
	case AST_TUPLE:
		if (!n->list || n->list->kind != AST_NAMED)
			return false;
		*v = (struct cval){ .kind = CV_REC, .rec = n };
		return true;
	case AST_COMPTIME:
		return fold(s, n->a, v);
	case AST_UNOP:
		if (!fold(s, n->a, &a) || a.kind != CV_INT)
			return false;
		if (n->op == OP_LNOT)
			a.i = a.i == 0;
		else if (n->op == OP_NEG)
			a.i = (int64_t)(0 - (uint64_t)a.i);
		else if (n->op == OP_BNOT)
			a.i = ~a.i;
		else
			return false;
		*v = a;
		return true;
	case AST_BINOP:
		return fold_binop(s, n, v);
	case AST_TERNARY:
		if (!fold(s, n->a, &a) || a.kind != CV_INT)
			return false;
		if (!n->b) /* a ?: c */
			return a.i ? (*v = a, true) : fold(s, n->c, v);
		return fold(s, a.i ? n->b : n->c, v);
	case AST_FIELD:
		return fold(s, n->a, &a) && a.kind == CV_REC && rec_field(s, a.rec, n->str, v);
	case AST_CAST:
		if (!n->a || n->type.kind != TY_INT || n->type.ct || !fold(s, n->a, &a) ||
		    a.kind != CV_INT)
			return false;
		if (n->type.sub == SUB_BOOL) {
			a.i = a.i != 0;
		} else if (n->type.size < 8) {
			uint32_t bits = n->type.size * 8;
			uint64_t m = (1ull << bits) - 1, x = (uint64_t)a.i & m;
			a.i = n->type.is_signed && (x >> (bits - 1)) ? (int64_t)(x | ~m) : (int64_t)x;
		}
		a.is_unsigned = !n->type.is_signed && n->type.size >= 8;
		*v = a;
		return true;
	case AST_IDENT: { /* a builtin whose row knows its value here (probetype) */
		const struct builtin *b = sema_row(s, n);
		const char *str;
		if (b && b->fold && b->fold(s, n, &str)) {
			*v = (struct cval){ .kind = CV_STR, .s = str };
			return true;
		}
		return false;
	}
	default:
		return false;
	}
}

/* ---- typeinfo() and the is_*() tests ---------------------------------------------- */

/* typeinfo()'s base_type: current bpftrace's name of the type's kind */
static const char *base_type(const struct type *t)
{
	switch (t->kind) {
	case TY_INT:
		if (t->ct || t->sub == SUB_VALPTR)
			return "pointer";
		switch (t->sub) {
		case SUB_BOOL: return "bool";
		case SUB_TSTAMP: return "timestamp";
		case SUB_KSTACK: return "kstack";
		case SUB_USTACK: return "ustack";
		case SUB_KSYM: return "ksym_t";
		case SUB_USERNAME: return "username_t";
		case SUB_MACADDR: return "mac_address";
		case SUB_CGROUP_PATH: return "cgroup_path_t";
		default: return "int";
		}
	case TY_STR:
		return t->sub == SUB_BUF ? "buffer" : t->sub == SUB_INET ? "inet"
		       : t->sub == SUB_USYM ? "usym_t" : t->sub == SUB_DWSTACK ? "ustack" : "string";
	case TY_TUPLE:
		return t->names ? "record" : "tuple";
	case TY_RECORD:
		return t->ct && t->ct->kind == CT_ARRAY ? "array" : "c_type";
	case TY_VOID: return "void";
	case TY_COUNT: return "count_t";
	case TY_SUM: return "sum_t";
	case TY_MIN: return "min_t";
	case TY_MAX: return "max_t";
	case TY_AVG: return "avg_t";
	case TY_STATS: return "stats_t";
	case TY_HIST: return "hist_t";
	case TY_LHIST: return "lhist_t";
	case TY_TSERIES: return "tseries_t";
	default: return "none";
	}
}

/* The argument's kind and full type name as typeinfo() gives them: an expression's
 * type, or a type argument's (typeinfo(uint8), typeinfo(struct x *), a macro's
 * typeof(T)). *is_signed for is_unsigned_integer. false after an error. */
static bool arg_type(struct sema *s, struct node *x, char *base, char *full, size_t len,
		     bool *is_signed)
{
	*is_signed = true;
	sema_ident_as_type(s, x);
	if (x->kind == AST_CAST && !x->a) {
		if ((x->flags & NODE_F_TYPEOF) && !sema_typeof(s, x))
			return false;
		if (!sema_canon_type(s, x))
			return false;
		snprintf(full, len, "%s", x->str);
		for (int64_t i = 0; i < x->ival && strlen(full) + 3 < len; i++)
			strcat(full, i ? "*" : " *");
		const char *b = x->ival > 0 ? "pointer" : !strcmp(x->str, "bool") ? "bool"
			      : strchr(x->str, ' ') ? (strncmp(x->str, "enum ", 5) ? "c_type" : "int")
			      : "int";
		snprintf(base, len, "%s", b);
		*is_signed = x->ival > 0 || x->str[0] != 'u';
		return true;
	}
	sema_expr(s, x);
	const struct type *t = sema_declared_type(s, x);
	if (t->kind == TY_NONE)
		return false;
	snprintf(base, len, "%s", base_type(t));
	type_name(t, full, len);
	*is_signed = t->is_signed;
	return true;
}

static void to_lit(struct node *n, enum ast_kind k, int64_t v)
{
	ast_free_list(n->list);
	n->list = NULL;
	free(n->str);
	n->str = NULL;
	n->kind = k;
	n->ival = v;
	n->sym = -1;
}

static struct node *named(struct span loc, const char *name, struct node *v)
{
	struct node *f = ast_str(AST_NAMED, loc, name, (uint32_t)strlen(name));
	f->a = v;
	return f;
}

bool sema_meta_call(struct sema *s, struct node *n)
{
	static const char *const names[] = { "typeinfo", "is_str", "is_ptr", "is_array",
					     "is_integer", "is_unsigned_integer", "is_literal",
					     "is_scalar", "fail" };
	size_t k = 0;
	while (k < sizeof(names) / sizeof(names[0]) && strcmp(n->str, names[k]) != 0)
		k++;
	if (k == sizeof(names) / sizeof(names[0]))
		return false;
	struct node *x = n->list;
	n->type = type_none();
	if (k == 8) { /* fail(fmt, ...): an error while compiling, where it is reached */
		if (!x || x->kind != AST_STR) {
			diag_error(s->d, n->loc, "fail() takes a format string literal and "
						 "literal arguments");
			return true;
		}
		char msg[512];
		size_t used = 0;
		const struct node *arg = x->next;
		for (const char *f = x->str; *f && used + 1 < sizeof(msg); f++) {
			if (f[0] == '%' && f[1] && f[1] != '%' && arg) {
				struct cval v;
				sema_expr(s, (struct node *)arg);
				if (!fold(s, arg, &v) || v.kind == CV_REC)
					used += (size_t)snprintf(msg + used, sizeof(msg) - used, "?");
				else if (v.kind == CV_STR)
					used += (size_t)snprintf(msg + used, sizeof(msg) - used, "%s", v.s);
				else
					used += (size_t)snprintf(msg + used, sizeof(msg) - used, "%lld",
								 (long long)v.i);
				arg = arg->next;
				f++;
			} else {
				if (f[0] == '%' && f[1] == '%')
					f++;
				msg[used++] = *f;
			}
			msg[used < sizeof(msg) ? used : sizeof(msg) - 1] = '\0';
		}
		msg[used < sizeof(msg) ? used : sizeof(msg) - 1] = '\0';
		diag_error(s->d, n->loc, "%s", msg);
		n->type = type_void();
		return true;
	}
	if (ast_list_len(x) != 1) {
		diag_error(s->d, n->loc, "%s() takes one argument", n->str);
		return true;
	}
	if (k == 6) { /* is_literal */
		bool lit = x->kind == AST_INT || x->kind == AST_STR || x->kind == AST_BOOL ||
			   (x->kind == AST_UNOP && x->op == OP_NEG && x->a->kind == AST_INT);
		to_lit(n, AST_BOOL, lit);
		n->type = type_bool();
		return true;
	}
	if (k == 7) { /* is_scalar(@map): a map without keys */
		if (x->kind != AST_MAP) {
			diag_error(s->d, x->loc, "is_scalar() takes a map");
			return true;
		}
		int id = sema_map_id(s, x);
		bool scalar = x->list == NULL;
		if (id >= 0 && s->key_known[id])
			scalar = s->r->maps[id].key.kind == TY_NONE;
		to_lit(n, AST_BOOL, scalar);
		n->type = type_bool();
		return true;
	}
	char base[256], full[256]; /* one length for both */
	bool sgn;
	if (!arg_type(s, x, base, full, sizeof(full), &sgn))
		return true;
	if (k == 0) { /* typeinfo: (btf_id=0, base_type="int", full_type="uint8") */
		struct node *list = named(n->loc, "btf_id", ast_int(n->loc, 0));
		list->next = named(n->loc, "base_type", ast_str(AST_STR, n->loc, base,
								 (uint32_t)strlen(base)));
		list->next->next = named(n->loc, "full_type", ast_str(AST_STR, n->loc, full,
								      (uint32_t)strlen(full)));
		to_lit(n, AST_TUPLE, 0);
		n->list = list;
		sema_expr(s, n);
		return true;
	}
	bool r = false;
	switch (k) {
	case 1: r = !strcmp(base, "string"); break;
	case 2: r = !strcmp(base, "pointer"); break;
	case 3: r = !strcmp(base, "array"); break;
	case 4: r = !strcmp(base, "int"); break;
	case 5: r = !strcmp(base, "int") && !sgn; break;
	}
	to_lit(n, AST_BOOL, r);
	n->type = type_bool();
	return true;
}

bool sema_record_lit_cmp(struct sema *s, struct node *n)
{
	struct cval v;
	if ((n->op != OP_EQ && n->op != OP_NE) || n->a->type.kind != TY_TUPLE ||
	    n->b->type.kind != TY_TUPLE || !fold(s, n, &v))
		return false;
	ast_free(n->a);
	ast_free(n->b);
	n->a = n->b = NULL;
	n->kind = AST_BOOL;
	n->op = OP_NONE;
	n->ival = v.i != 0;
	n->type = type_cmp_bool();
	return true;
}

/* ---- comptime ----------------------------------------------------------------------- */

/* The walk's search for a builtin that folds elsewhere but not in this probe. */
struct unfolded {
	struct sema *s;
	const char *name;
};

static int unfolded_row(struct node *n, void *arg)
{
	struct unfolded *u = arg;
	const struct builtin *b = n->kind == AST_IDENT ? sema_row(u->s, n) : NULL;
	const char *str;
	if (!b || !b->fold || b->fold(u->s, n, &str))
		return 0;
	u->name = b->name;
	return 1;
}

static bool resolve(struct sema *s, struct node *c, struct cval *v)
{
	sema_expr(s, c->a);
	if (c->a->type.kind == TY_NONE)
		return false; /* its error was reported */
	if (fold(s, c->a, v))
		return true;
	struct unfolded u = { s, NULL };
	if (ast_walk(c->a, unfolded_row, NULL, &u) && u.name)
		diag_error(s->d, c->loc, "Unable to resolve comptime expression: %s is not the "
					 "same for every attach point of this probe", u.name);
	else
		diag_error(s->d, c->loc, "Unable to resolve comptime expression");
	return false;
}

void sema_comptime_expr(struct sema *s, struct node *n)
{
	struct cval v;
	n->type = type_none();
	n->flags &= ~NODE_F_FOLDED;
	if (!resolve(s, n, &v))
		return;
	if (v.kind == CV_REC) {
		diag_error(s->d, n->loc, "a comptime expression must be an integer, bool or string");
		return;
	}
	n->type = n->a->type;
	n->flags |= NODE_F_FOLDED;
	n->ival = v.i;
	free(n->str);
	n->str = v.kind == CV_STR ? strdup(v.s) : NULL;
	n->slen = n->str ? (uint32_t)strlen(n->str) : 0;
}

bool sema_comptime_cond(struct node *n)
{
	/* `if comptime a == b {`: comptime binds to `a` alone as written (bpftrace wants
	 * `if comptime (a == b)`), but the whole condition is meant: the COMPTIME at the
	 * left edge of the condition moves up to cover all of it. */
	struct node **slot = &n->a;
	while (*slot && ((*slot)->kind == AST_BINOP || (*slot)->kind == AST_TERNARY))
		slot = &(*slot)->a;
	if (!*slot || (*slot)->kind != AST_COMPTIME)
		return false;
	if (slot != &n->a) {
		struct node *ct = *slot;
		*slot = ct->a;
		ct->a = n->a;
		ct->loc = n->a->loc;
		n->a = ct;
	}
	return true;
}

void sema_comptime_if(struct sema *s, struct node *n)
{
	struct cval v;
	n->ival = 0;
	if (!resolve(s, n->a, &v))
		return;
	if (v.kind != CV_INT) {
		diag_error(s->d, n->a->loc, "Invalid condition in if comptime: %s",
			   v.kind == CV_STR ? "string" : "record");
		return;
	}
	n->a->type = type_bool();
	n->ival = v.i ? 1 : 2;
	sema_block(s, v.i ? n->b : n->c); /* only the branch that is taken */
}

/* The tree without what comptime decided away. */
static void prune(struct node **slot)
{
	struct node *n = *slot;
	if (!n)
		return;
	if (n->kind == AST_IF && n->a && n->a->kind == AST_COMPTIME && n->ival) {
		struct node *keep = n->ival == 1 ? n->b : n->c;
		struct node *drop = n->ival == 1 ? n->c : n->b;
		if (n->ival == 1)
			n->b = NULL;
		else
			n->c = NULL;
		ast_free(drop);
		if (keep && keep->kind != AST_BLOCK) { /* an else-if: the IF it is */
			struct node *b = ast_new(AST_BLOCK, keep->loc);
			b->list = keep;
			keep = b;
		}
		if (!keep)
			keep = ast_new(AST_BLOCK, n->loc);
		struct node *t = ast_new(AST_BOOL, n->a->loc);
		t->ival = 1;
		t->type = type_bool();
		ast_free(n->a);
		n->a = t;
		n->b = keep;
		n->c = NULL;
		n->ival = 0;
	} else if (n->kind == AST_COMPTIME && (n->flags & NODE_F_FOLDED)) {
		struct type t = n->type;
		ast_free(n->a);
		n->a = NULL;
		n->kind = n->str ? AST_STR : t.sub == SUB_BOOL ? AST_BOOL : AST_INT;
		n->flags &= ~NODE_F_FOLDED;
		n->type = t;
		return;
	}
	prune(&n->a);
	prune(&n->b);
	prune(&n->c);
	for (struct node **l = &n->list; *l; l = &(*l)->next)
		prune(l);
}

void sema_comptime_prune(struct sema *s, struct node *prog)
{
	(void)s;
	for (struct node *p = prog->list; p; p = p->next)
		if (p->kind == AST_PROBE) {
			prune(&p->a);
			prune(&p->b);
		}
}
