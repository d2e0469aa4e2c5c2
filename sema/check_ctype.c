/*
 * sema/check_ctype.c — typing of expressions over C types: casts to struct and integer
 * pointers, member access with '->' and '.', '*' dereference, '&' address-of, '[]' on
 * pointers and arrays, pointer arithmetic, sizeof() and offsetof().
 *
 * Owns: the rules and bpftrace-worded messages for those constructs. A pointer is an INT
 * of 8 bytes whose type carries .ct (the pointee) and .user (address space); a struct,
 * union or non-char array value is a RECORD whose value is its address. sizeof/offsetof
 * become INT literals here, so codegen never sees them.
 * Must not: read BTF directly (ctypes.h does, lazily) or emit code.
 */
#include <stdlib.h>
#include <string.h>

#include "btf.h"
#include "ctypes.h"
#include "sema_int.h"

#define TN(t, buf) type_name((t), (buf), sizeof(buf))

struct ctypes *sema_ctypes(struct sema *s)
{
	if (!s->r->ctypes) {
		s->r->ctypes = ctypes_new();
		btf_set_kinfo(s->r->ctypes, s->r->kinfo);
		/* casts in uprobes may name the probed binaries' own structs (DWARF) */
		for (int i = 0; i < s->r->npoints; i++)
			if ((provider_of(&s->r->points[i])->caps & PV_ARGS_DWARF) &&
			    s->r->points[i].target)
				ctypes_add_dwarf_source(s->r->ctypes, s->r->points[i].target);
	}
	return s->r->ctypes;
}

static bool is_ptr(const struct type *t) { return t->kind == TY_INT && t->ct; }

static struct type ptr_type(const struct ctype *to, bool user)
{
	struct type t = type_int(8, true);
	t.ct = to;
	t.user = user;
	return t;
}

struct type sema_ptr_to_record(struct sema *s, const char *tag, bool user)
{
	return ptr_type(ctypes_named(sema_ctypes(s), false, tag), user);
}

/* Complete a struct before looking inside; reports at `at` and returns false if it can't. */
static bool complete(struct sema *s, const struct ctype *ct, struct span at)
{
	char err[400];
	if (!ctype_complete(sema_ctypes(s), ct, err, sizeof(err)))
		return true;
	diag_error(s->d, at, "%s", err);
	return false;
}

/* The language type of a value of C type ct in memory, or an error at n. */
static void set_value_type(struct sema *s, struct node *n, const struct ctype *ct, bool user)
{
	char err[400];
	if ((ct->kind == CT_STRUCT || ct->kind == CT_UNION) && !complete(s, ct, n->loc))
		return;
	n->type = ctype_value_type(ct, user, err, sizeof(err));
	if (n->type.kind == TY_NONE)
		diag_error(s->d, n->loc, "%s", err);
}

/* ---- casts --------------------------------------------------------------------------- */

static const struct {
	const char *name;
	uint32_t size;
	bool is_signed;
} int_names[] = {
	{ "uint8", 1, false }, { "uint16", 2, false }, { "uint32", 4, false },
	{ "uint64", 8, false }, { "int8", 1, true },   { "int16", 2, true },
	{ "int32", 4, true },   { "int64", 8, true },
};

/* The C type a CAST node names, without its pointer stars; NULL after an error. */
static const struct ctype *cast_base(struct sema *s, struct node *n)
{
	struct ctypes *reg = sema_ctypes(s);
	if (!sema_canon_type(s, n)) /* a typedef, uint64_t ...: typenames.c */
		return NULL;
	if (strcmp(n->str, "bool") == 0)
		return ctypes_int(reg, 1, false);
	for (size_t i = 0; i < sizeof(int_names) / sizeof(int_names[0]); i++)
		if (strcmp(n->str, int_names[i].name) == 0)
			return ctypes_int(reg, int_names[i].size, int_names[i].is_signed);
	bool un = strncmp(n->str, "union ", 6) == 0;
	if (un || strncmp(n->str, "struct ", 7) == 0) {
		char err[400];
		const struct ctype *ct = ctypes_record(reg, un, n->str + (un ? 6 : 7), err,
						       sizeof(err));
		if (!ct)
			diag_error(s->d, n->loc, "%s", err);
		return ct;
	}
	if (strncmp(n->str, "enum ", 5) == 0) {
		uint32_t size;
		bool sgn;
		if (sema_enum_size(s, n->str + 5, &size, &sgn)) /* (enum x *)p, sizeof(enum x) */
			return ctypes_int(reg, size, sgn);
		diag_error(s->d, n->loc, "Unknown enum: %s", n->str + 5);
	} else
		diag_error(s->d, n->loc, "Unknown struct/union: '%s'", n->str);
	return NULL;
}

bool sema_cast_ctype(struct sema *s, struct node *n)
{
	bool aggregate = strncmp(n->str, "struct ", 7) == 0 || strncmp(n->str, "union ", 6) == 0 ||
			 strncmp(n->str, "enum ", 5) == 0;
	if (!n->a) {
		n->type = type_none();
		diag_error(s->d, n->loc, "a type name can only be used as an argument of sizeof() "
					 "or offsetof()");
		return true;
	}
	if (!aggregate && n->ival == 0)
		return false; /* (uint32)x: typecheck.c's integer casts */
	if (sema_enum_cast(s, n)) /* (enum x)v: enums.c */
		return true;
	sema_expr(s, n->a);
	n->type = type_none();
	const struct ctype *ct = cast_base(s, n);
	if (!ct)
		return true;
	if (n->ival == 0) {
		diag_error(s->d, n->loc, "Cannot cast to struct type \"%s\"", n->str);
		return true;
	}
	for (int64_t i = 1; i < n->ival; i++)
		ct = ctypes_ptr(sema_ctypes(s), ct);
	if (n->a->type.kind == TY_NONE)
		return true;
	if (n->a->type.kind != TY_INT) {
		char ta[256], tb[256];
		struct type to = ptr_type(ct, false);
		diag_error(s->d, n->loc, "Cannot cast from '%s' to '%s'", TN(&n->a->type, ta),
			   TN(&to, tb));
		return true;
	}
	/* An integer cast to a pointer reads user memory if it came from user space (a uprobe's
	 * arguments or return value), or, as in bpftrace, if the probe is only ever a uprobe
	 * or uretprobe, whatever arithmetic or variable the address went through. */
	bool user = n->a->type.user || (n->a->flags & NODE_F_USER_PTR) ||
		    (s->probe >= 0 && sema_probe_all(s, PV_USER));
	n->type = ptr_type(ct, user);
	if (user)
		n->flags |= NODE_F_USER_PTR;
	return true;
}

/* ---- members ------------------------------------------------------------------------- */

void sema_field_ctype(struct sema *s, struct node *n)
{
	const struct type *bt = &n->a->type;
	char tb[256];
	const struct ctype *rec;
	if (n->ival) { /* '->' */
		if (bt->kind == TY_RECORD) {
			diag_error(s->d, n->loc,
				   "Can not dereference struct/union of type '%s'. It is not a pointer.",
				   TN(bt, tb));
			return;
		}
		rec = bt->ct;
	} else {
		/* `.` on a pointer dereferences it, as current bpftrace does (curtask.parent.pid):
		 * from here on the node is a '->' */
		if (is_ptr(bt))
			n->ival = 1;
		rec = bt->ct;
	}
	if (rec->kind != CT_STRUCT && rec->kind != CT_UNION) {
		diag_error(s->d, n->loc, "Can not access field '%s' on type '%s'", n->str,
			   TN(bt, tb));
		return;
	}
	if (!complete(s, rec, n->loc))
		return;
	uint32_t bit_off;
	const struct cmember *m = ctype_member(sema_ctypes(s), rec, n->str, &bit_off);
	if (!m) {
		char nb[160];
		diag_error(s->d, n->loc,
			   "Struct/union of type '%s' does not contain a field named '%s'",
			   ctype_name(rec, nb, sizeof(nb)), n->str);
		return;
	}
	n->off = bit_off / 8;
	set_value_type(s, n, m->type, bt->user);
	if (bt->user)
		n->flags |= NODE_F_USER_PTR;
}

void sema_deref(struct sema *s, struct node *n)
{
	const struct type *bt = &n->a->type;
	char tb[256];
	n->type = type_none();
	if (bt->kind == TY_NONE)
		return;
	if (bt->kind == TY_INT && !bt->ct && !bt->sub) {
		/* *addr on a plain integer reads an integer of its size (bpftrace: loads.bt
		 * does *kaddr("avenrun")) */
		n->type = type_int(bt->size, bt->is_signed);
		n->flags |= n->a->flags & NODE_F_USER_PTR;
		return;
	}
	if (!is_ptr(bt)) {
		diag_error(s->d, n->loc, "Can not dereference type '%s'. It is not a pointer.",
			   TN(bt, tb));
		return;
	}
	if (bt->ct->kind == CT_VOID || bt->ct->kind == CT_FUNC) {
		diag_error(s->d, n->loc, "Can not dereference a pointer of type '%s'", TN(bt, tb));
		return;
	}
	set_value_type(s, n, bt->ct, bt->user);
	if (bt->user)
		n->flags |= NODE_F_USER_PTR;
}

void sema_addrof(struct sema *s, struct node *n)
{
	struct node *x = n->a;
	n->type = type_none();
	if (x->type.kind == TY_NONE)
		return;
	if (x->type.kind != TY_RECORD && sema_addrof_slot(s, n)) /* &$x, &@m (check_lang.c) */
		return;
	if (x->type.kind == TY_RECORD) { /* &$task_copy, &p->se, &*p */
		n->type = ptr_type(x->type.ct, x->type.user);
		return;
	}
	if (x->kind == AST_FIELD && x->a->type.ct) {
		uint32_t bit_off;
		const struct ctype *rec = x->a->type.ct;
		const struct cmember *m = ctype_member(sema_ctypes(s), rec, x->str, &bit_off);
		if (m && m->bitfield) {
			diag_error(s->d, n->loc, "Can not take the address of bitfield '%s'", x->str);
			return;
		}
		if (m) {
			n->type = ptr_type(m->type, x->a->type.user);
			return;
		}
	}
	if (x->kind == AST_UNOP && x->op == OP_DEREF && is_ptr(&x->a->type)) {
		n->type = x->a->type;
		return;
	}
	if (x->kind == AST_INDEX && x->a->type.ct) {
		const struct ctype *el = x->a->type.kind == TY_RECORD ? x->a->type.ct->ref
									: x->a->type.ct;
		n->type = ptr_type(el, x->a->type.user);
		return;
	}
	diag_error(s->d, n->loc, "The & operator can only take the address of a struct member, "
				 "an array element or a dereferenced pointer");
}

void sema_index(struct sema *s, struct node *n)
{
	const struct type *bt = &n->a->type;
	char tb[256];
	n->type = type_none();
	if (bt->kind == TY_NONE || n->b->type.kind == TY_NONE)
		return;
	const struct ctype *el = NULL;
	if (bt->kind == TY_STR && bt->sub == SUB_NONE) {
		/* a string or char array's byte: `$foo->b[0]`, `comm[1]` (constant indexes) */
		if (n->b->kind != AST_INT) {
			diag_error(s->d, n->b->loc, "a string is indexed by a constant only (a byte "
						    "of its buffer); use a pointer for computed indexes");
			return;
		}
		if (n->b->ival < 0 || (uint64_t)n->b->ival >= bt->size) {
			diag_error(s->d, n->b->loc, "the index %lld is out of bounds for array of size %u",
				   (long long)n->b->ival, bt->size);
			return;
		}
		n->type = type_int(1, true);
		return;
	}
	if (is_ptr(bt))
		el = bt->ct;
	else if (bt->kind == TY_RECORD && bt->ct->kind == CT_ARRAY)
		el = bt->ct->ref;
	if (!el) {
		diag_error(s->d, n->loc,
			   "The array index operator [] can only be used on arrays and pointers, "
			   "found %s.",
			   bt->kind == TY_STR ? "string" : TN(bt, tb));
		return;
	}
	if (n->b->type.kind != TY_INT || n->b->type.ct) {
		diag_error(s->d, n->b->loc, "The array index must be an integer, found '%s'",
			   TN(&n->b->type, tb));
		return;
	}
	if (el->kind == CT_VOID || el->kind == CT_FUNC) {
		diag_error(s->d, n->loc, "Can not index a pointer of type '%s'", TN(bt, tb));
		return;
	}
	if (bt->kind == TY_RECORD && n->b->kind == AST_INT &&
	    (n->b->ival < 0 || (uint64_t)n->b->ival >= bt->ct->nelems)) {
		diag_error(s->d, n->b->loc, "the index %lld is out of bounds for array of size %u",
			   (long long)n->b->ival, bt->ct->nelems);
		return;
	}
	if ((el->kind == CT_STRUCT || el->kind == CT_UNION) && !complete(s, el, n->loc))
		return;
	n->off = el->size; /* element size, read by codegen */
	set_value_type(s, n, el, bt->user);
	if (bt->user)
		n->flags |= NODE_F_USER_PTR;
}

/* ---- pointer arithmetic -------------------------------------------------------------- */

bool sema_ptr_arith(struct sema *s, struct node *n)
{
	const struct type *ta = &n->a->type, *tb = &n->b->type;
	if (!is_ptr(ta) && !is_ptr(tb))
		return false;
	if (ta->kind == TY_NONE || tb->kind == TY_NONE)
		return false;
	char na[256], nb[256];
	if (n->op == OP_ADD && is_ptr(ta) && is_ptr(tb)) {
		diag_error(s->d, n->loc,
			   "The + operator can not be used on expressions of types %s, %s",
			   TN(ta, na), TN(tb, nb));
		n->type = type_none();
		return true;
	}
	if (n->op == OP_SUB && is_ptr(ta) && is_ptr(tb)) {
		if ((ta->ct->kind == CT_STRUCT || ta->ct->kind == CT_UNION) &&
		    !complete(s, ta->ct, n->loc)) {
			n->type = type_none();
			return true;
		}
		n->type = type_s64(); /* element count, as in C */
		return true;
	}
	if ((n->op == OP_ADD || n->op == OP_SUB) && tb->kind == TY_INT && ta->kind == TY_INT &&
	    (is_ptr(ta) || n->op == OP_ADD)) {
		const struct type *pt = is_ptr(ta) ? ta : tb;
		/* the step is sizeof(*p): a struct's size needs its definition */
		if ((pt->ct->kind == CT_STRUCT || pt->ct->kind == CT_UNION) &&
		    !complete(s, pt->ct, n->loc)) {
			n->type = type_none();
			return true;
		}
		n->type = *pt;
		return true;
	}
	return false; /* comparisons, masks: plain integers */
}

void sema_ptr_step(struct sema *s, struct node *n, const struct type *ptr)
{
	if (ptr->ct->kind == CT_STRUCT || ptr->ct->kind == CT_UNION)
		complete(s, ptr->ct, n->loc);
}

/* $p += n, $p -= n: like p = p + n in C, so a pointer on the right is refused. */
void sema_ptr_compound(struct sema *s, struct node *n)
{
	const struct type *tx = &n->a->type, *tv = &n->b->type;
	char na[256], nb[256];
	if (is_ptr(tv)) {
		diag_error(s->d, n->loc, "The %s= operator can not be used on expressions of "
					 "types %s, %s",
			   ast_op_str(n->op), TN(tx, na), TN(tv, nb));
		return;
	}
	sema_ptr_step(s, n, tx);
}

/* ---- sizeof / offsetof --------------------------------------------------------------- */

static void to_int(struct node *n, uint64_t v)
{
	ast_free_list(n->list);
	n->list = NULL;
	free(n->str);
	n->str = NULL;
	n->slen = 0;
	n->kind = AST_INT;
	n->ival = (int64_t)v;
	n->sym = -1;
	n->type = type_u64();
}

/* Size of the type a CAST-without-operand names, or -1 after an error. */
static int64_t type_arg_size(struct sema *s, struct node *t)
{
	if ((t->flags & NODE_F_TYPEOF) && !sema_typeof(s, t)) /* a macro's typeof(x) argument */
		return -1;
	if (!sema_canon_type(s, t)) /* a pointer typedef counts as a pointer */
		return -1;
	if (t->ival > 0)
		return 8;
	const struct ctype *ct = cast_base(s, t);
	if (!ct || ((ct->kind == CT_STRUCT || ct->kind == CT_UNION) && !complete(s, ct, t->loc)))
		return -1;
	return ct->size;
}

static int64_t expr_size(struct sema *s, struct node *e)
{
	char tb[256];
	sema_expr(s, e);
	struct node *v = e; /* sizeof({ $a = (int8)1; $a }) is $a's: 1 */
	while (v->kind == AST_BLOCKEXPR && v->a && v->type.kind != TY_NONE)
		v = v->a;
	const struct type *t = sema_declared_type(s, v);
	switch (t->kind) {
	case TY_NONE:
		return -1;
	case TY_INT:
		return t->ct ? 8 : t->size; /* a comparison's bool is 0.17's 8 bytes, true 1 */
	case TY_STR:
	case TY_TUPLE:
		return t->size;
	case TY_RECORD:
		return t->ct->size;
	default:
		diag_error(s->d, e->loc, "sizeof() can not be used on a value of type '%s'",
			   TN(t, tb));
		return -1;
	}
}

/* offsetof(struct x, a.b.c): the member path as written */
static int64_t member_path(struct sema *s, const struct ctype *rec, struct node *path)
{
	if (path->kind == AST_IDENT || (path->kind == AST_FIELD && !path->ival)) {
		int64_t base = 0;
		const char *name = path->str;
		if (path->kind == AST_FIELD) {
			base = member_path(s, rec, path->a);
			if (base < 0)
				return -1;
			/* the record the prefix names */
			struct node *p = path->a;
			const char *names[16];
			int depth = 0;
			for (; p->kind == AST_FIELD && depth < 15; p = p->a)
				names[depth++] = p->str;
			names[depth++] = p->str;
			for (int i = depth - 1; i >= 0; i--) {
				uint32_t bo;
				const struct cmember *m = ctype_member(sema_ctypes(s), rec, names[i], &bo);
				rec = m ? m->type : NULL;
				if (!rec || (rec->kind != CT_STRUCT && rec->kind != CT_UNION) ||
				    !complete(s, rec, path->loc)) {
					diag_error(s->d, path->loc, "'%s' is not a struct or union member",
						   names[i]);
					return -1;
				}
			}
		}
		uint32_t bo;
		const struct cmember *m = complete(s, rec, path->loc)
						  ? ctype_member(sema_ctypes(s), rec, name, &bo)
						  : NULL;
		if (!m) {
			char nb[160];
			if (rec->state == CT_COMPLETE)
				diag_error(s->d, path->loc,
					   "Struct/union of type '%s' does not contain a field named "
					   "'%s'",
					   ctype_name(rec, nb, sizeof(nb)), name);
			return -1;
		}
		if (m->bitfield) {
			diag_error(s->d, path->loc, "offsetof() can not be used on bitfield '%s'", name);
			return -1;
		}
		return base + bo / 8;
	}
	diag_error(s->d, path->loc, "offsetof() needs a member name, such as offsetof(struct "
				    "task_struct, pid)");
	return -1;
}

bool sema_type_call(struct sema *s, struct node *n)
{
	bool is_sizeof = strcmp(n->str, "sizeof") == 0;
	if (!is_sizeof && strcmp(n->str, "offsetof") != 0)
		return false;
	struct node *arg = n->list;
	int nargs = ast_list_len(arg);
	n->type = type_none();
	if (arg)
		sema_ident_as_type(s, arg); /* sizeof(foo_t), offsetof(foo_t, m) */
	if (is_sizeof && nargs == 1 && arg->kind == AST_INDEX)
		sema_ident_as_type(s, arg->a); /* sizeof(foo_t[4]) */
	/* sizeof(t[N]), sizeof(uint32*[10]), sizeof(t[2][3]): an array type (bpftrace's
	 * postfix syntax; t a type or a macro's type parameter): N of them */
	struct node *el_t = arg;
	uint64_t count = 1;
	while (is_sizeof && nargs == 1 && el_t->kind == AST_INDEX && el_t->b->kind == AST_INT &&
	       el_t->b->ival >= 0 && count <= UINT32_MAX) {
		count *= (uint64_t)el_t->b->ival;
		el_t = el_t->a;
	}
	if (el_t != arg && el_t->kind == AST_IDENT)
		sema_ident_as_type(s, el_t);
	if (el_t != arg && el_t->kind == AST_CAST && !el_t->a) {
		int64_t el = type_arg_size(s, el_t);
		if (el >= 0 && count > UINT32_MAX)
			diag_error(s->d, arg->loc, "array type too large");
		else if (el >= 0)
			to_int(n, (uint64_t)el * count);
		return true;
	}
	if (is_sizeof && nargs == 1 && (arg->flags & NODE_F_TYPEOF)) {
		/* sizeof(typeof(x)) is sizeof(x); sizeof(typeof(type)) that type's */
		struct node *x = arg->c;
		if (x && !(x->kind == AST_CAST && !x->a)) {
			arg->c = NULL;
			ast_free(arg);
			n->list = arg = x;
		} else if (!sema_typeof(s, arg)) {
			return true;
		}
	}
	if (is_sizeof) {
		if (nargs != 1) {
			diag_error(s->d, n->loc, "sizeof() takes exactly one argument: a type or an "
						 "expression");
			return true;
		}
		int64_t v = arg->kind == AST_CAST && !arg->a ? type_arg_size(s, arg)
							      : expr_size(s, arg);
		if (v >= 0)
			to_int(n, (uint64_t)v);
		return true;
	}
	if (nargs != 2 || arg->kind != AST_CAST || arg->a) {
		diag_error(s->d, n->loc, "offsetof() takes a struct type and a member name: "
					 "offsetof(struct task_struct, pid)");
		return true;
	}
	if (!sema_canon_type(s, arg)) /* offsetof(foo_t, m) */
		return true;
	if (arg->ival > 0 || (strncmp(arg->str, "struct ", 7) && strncmp(arg->str, "union ", 6))) {
		diag_error(s->d, arg->loc, "offsetof() needs a struct or union type, not '%s%s'",
			   arg->str, arg->ival > 0 ? " *" : "");
		return true;
	}
	const struct ctype *rec = cast_base(s, arg);
	if (!rec)
		return true;
	int64_t v = member_path(s, rec, arg->next);
	if (v >= 0)
		to_int(n, (uint64_t)v);
	return true;
}

/* ---- constants from headers and enums ------------------------------------------------ */

/* Macros of the headers bpftrace's own tools #include (we never parse headers). */
static const struct {
	const char *name;
	int64_t val;
} header_macros[] = {
	{ "AF_UNSPEC", 0 },   { "AF_UNIX", 1 },      { "AF_LOCAL", 1 },
	{ "AF_INET", 2 },     { "AF_INET6", 10 },    { "AF_NETLINK", 16 },
	{ "AF_PACKET", 17 },  { "TASK_RUNNING", 0 }, { "TASK_INTERRUPTIBLE", 1 },
	{ "TASK_UNINTERRUPTIBLE", 2 },
};

bool sema_const_ident(struct sema *s, struct node *n)
{
	int64_t v = 0;
	/* the script's own enumerators first (enum x { A, B };), as C scoping would */
	bool found = ctypes_script_enumerator(sema_ctypes(s), n->str, &v);
	for (size_t i = 0; !found && i < sizeof(header_macros) / sizeof(header_macros[0]); i++)
		if (strcmp(n->str, header_macros[i].name) == 0) {
			v = header_macros[i].val;
			found = true;
		}
	/* An enumerator of the kernel (TCP_SYN_SENT): as bpftrace, which sees BTF's enums. */
	if (!found && n->str[0] >= 'A' && n->str[0] <= 'Z') { /* enumerators are upper case */
		char err[8];
		found = btf_available(sema_ctypes(s), err, sizeof(err)) &&
			btf_enum_value(sema_ctypes(s), n->str, &v) == 0;
	}
	if (!found)
		return false;
	free(n->str);
	n->str = NULL;
	n->kind = AST_INT;
	n->ival = v;
	n->sym = -1;
	n->type = type_s64();
	return true;
}
