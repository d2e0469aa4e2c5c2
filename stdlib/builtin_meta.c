/*
 * stdlib/builtin_meta.c — current bpftrace's compile-time helpers and assertions:
 * `has_cpid`, `config`, `default_str_length`, `strcap(s)`, `assert_str(s)`,
 * `assert(cond, msg)`, `kfunc_exist("f")`, `kfunc_allowed("f")` and
 * `container_of(ptr, type, member)`.
 *
 * Owns: their argument rules and error wording (bpftrace's stdlib macros' texts where it
 * has them), and the rewrites that give their values while checking: a literal (has_cpid,
 * default_str_length, strcap of a string or array, kfunc_*), a record of literals
 * (config), `{ if (!cond) { errorf("assert failed: %s", msg); exit(1); } }` (assert),
 * strlen(p) (strcap of a char pointer) and `(type *)((uint64)ptr - offsetof(type,
 * member))` (container_of); and the BTF/verifier question kfunc_* ask of this kernel.
 * Must not: emit code of its own (every value here is folded or rewritten into the
 * language's expressions before codegen; assert_str's value is an unused 0), nor apply
 * the config (main.c does).
 */
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/kinfo.h"
#include "../sema/config.h"
#include "../sema/ctypes.h"
#include "../sema/probe.h"
#include "builtin_family.h"

/* n (an IDENT or CALL) becomes a node of another kind; its name and row go */
static void become(struct node *n, enum ast_kind kind)
{
	free(n->str);
	n->str = NULL;
	n->slen = 0;
	n->kind = kind;
	n->sym = -1;
	n->fmt = -1;
}

static void become_int(struct sema *s, struct node *n, int64_t v)
{
	become(n, AST_INT);
	n->ival = v;
	sema_expr(s, n);
}

static void become_bool(struct sema *s, struct node *n, bool v)
{
	ast_free_list(n->list);
	n->list = NULL;
	become(n, AST_BOOL);
	n->ival = v;
	sema_expr(s, n);
}

/* ---- has_cpid, default_str_length ------------------------------------------------------ */

/* -c was given: a constant of the program (cpid itself stays an error without -c, as in
 * bpftrace 0.17, so `if comptime (has_cpid)` guards a use of it) */
static void check_has_cpid(struct sema *s, struct node *n)
{
	become_bool(s, n, s->opts->have_cpid);
}

/* the size str() gives a string read without a length: the max_strlen in force */
static void check_default_str_length(struct sema *s, struct node *n)
{
	become_int(s, n, s->opts->strlen ? s->opts->strlen : ABI_STRLEN_DEFAULT);
}

/* ---- config ------------------------------------------------------------------------- */

static struct node *named(struct span loc, const char *name, struct node *v)
{
	struct node *f = ast_str(AST_NAMED, loc, name, (uint32_t)strlen(name));
	if (f)
		f->a = v;
	return f;
}

static struct node *lit_str(struct span loc, const char *v)
{
	return ast_str(AST_STR, loc, v, (uint32_t)strlen(v));
}

static struct node *lit_bool(struct span loc, bool v)
{
	struct node *b = ast_new(AST_BOOL, loc);
	if (b)
		b->ival = v;
	return b;
}

static const char *stack_mode_word(uint32_t m)
{
	return m == SUB_STACK_PERF ? "perf" : m == SUB_STACK_RAW ? "raw"
		: m == SUB_STACK_BUILD_ID ? "build_id" : "bpftrace";
}

/* A key bpfscript accepts and ignores: the config block's value when it gives one (as
 * written: an integer, true/false or a word), else bpftrace's default. */
static struct node *other_value(const struct sema *s, struct span loc, const char *key,
				struct node *def)
{
	const struct config_values *cv = s->opts->config;
	const struct node *v = cv ? config_other(cv, key) : NULL;
	if (!v)
		return def;
	ast_free(def);
	if (v->kind == AST_INT || v->kind == AST_BOOL || v->kind == AST_STR)
		return ast_clone(v);
	if (v->kind == AST_UNOP && v->op == OP_NEG && v->a && v->a->kind == AST_INT)
		return ast_int(loc, -v->a->ival);
	if (v->kind == AST_IDENT && v->str && !strcmp(v->str, "true"))
		return lit_bool(loc, true);
	if (v->kind == AST_IDENT && v->str && !strcmp(v->str, "false"))
		return lit_bool(loc, false);
	return lit_str(loc, v->kind == AST_IDENT && v->str ? v->str : "");
}

/* config, config(): a record of the settings in force, in bpftrace's order and with its
 * names; every value a literal, so `config.max_strlen` is a constant. */
static void check_config(struct sema *s, struct node *n)
{
	const struct sema_opts *o = s->opts;
	struct span l = n->loc;
	uint32_t strlen_v = o->strlen ? o->strlen : ABI_STRLEN_DEFAULT;
	struct node *f[] = {
		named(l, "cpp_demangle", other_value(s, l, "cpp_demangle", lit_bool(l, true))),
		named(l, "lazy_symbolication",
		      other_value(s, l, "lazy_symbolication", lit_bool(l, true))),
		named(l, "print_maps_on_exit", lit_bool(l, !o->no_print_maps)),
		named(l, "use_blazesym", other_value(s, l, "use_blazesym", lit_bool(l, false))),
		named(l, "show_debug_info",
		      other_value(s, l, "show_debug_info", lit_bool(l, false))),
		named(l, "log_size", other_value(s, l, "log_size", ast_int(l, 1000000))),
		named(l, "max_bpf_progs", other_value(s, l, "max_bpf_progs", ast_int(l, 1024))),
		named(l, "max_cat_bytes", ast_int(l, o->max_cat_bytes ? o->max_cat_bytes : 10240)),
		named(l, "max_map_keys",
		      ast_int(l, o->max_map_keys ? o->max_map_keys : ABI_MAP_KEYS_DEFAULT)),
		named(l, "max_probes",
		      ast_int(l, o->max_probes ? o->max_probes : SEMA_MAX_PROBES_DEFAULT)),
		named(l, "max_strlen", ast_int(l, strlen_v)),
		named(l, "on_stack_limit", other_value(s, l, "on_stack_limit", ast_int(l, 32))),
		named(l, "perf_rb_pages", other_value(s, l, "perf_rb_pages", ast_int(l, 0))),
		named(l, "str_trunc_trailer",
		      other_value(s, l, "str_trunc_trailer", lit_str(l, ".."))),
		named(l, "unstable_tseries",
		      other_value(s, l, "unstable_tseries", lit_str(l, "warn"))),
		named(l, "unstable_import_statement",
		      other_value(s, l, "unstable_import_statement", lit_str(l, "warn"))),
		named(l, "unstable_typeinfo",
		      other_value(s, l, "unstable_typeinfo", lit_str(l, "warn"))),
		named(l, "unstable_dw_ustack",
		      lit_str(l, o->unstable_dw_ustack == 1   ? "enable"
				 : o->unstable_dw_ustack == 2 ? "error"
							      : "warn")),
		named(l, "cache_user_symbols",
		      other_value(s, l, "cache_user_symbols", lit_str(l, "PER_PID"))),
		named(l, "missing_probes", other_value(s, l, "missing_probes", lit_str(l, "error"))),
		named(l, "stack_mode", lit_str(l, stack_mode_word(o->stack_mode))),
		named(l, "license", other_value(s, l, "license", lit_str(l, "GPL"))),
	};
	struct node *list = NULL;
	bool ok = true;
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		if (!f[i] || !f[i]->a)
			ok = false;
		list = ast_append(list, f[i]);
	}
	if (!ok) {
		ast_free_list(list);
		s->oom = true;
		return;
	}
	ast_free_list(n->list);
	become(n, AST_TUPLE);
	n->list = list;
	/* its words are the settings' values, not strings of the script: a small max_strlen
	 * (config's own) does not refuse them, in this pass or a later one */
	for (struct node *fl = list; fl; fl = fl->next)
		if (fl->a && fl->a->kind == AST_STR)
			fl->a->flags |= NODE_F_SETTING;
	sema_expr(s, n);
}

/* ---- string-likes: assert_str, strcap ----------------------------------------------- */

enum strlike { SL_NONE, SL_STR, SL_ARRAY, SL_PTR };

/* bpftrace's assert_str(): a string, an array of int8 or a pointer to int8; otherwise
 * its error (at the call) and SL_NONE. a is typed. */
static enum strlike strlike(struct sema *s, struct node *call, const struct node *a)
{
	const struct type *t = &a->type;
	if (t->kind == TY_NONE)
		return SL_NONE;
	if (t->kind == TY_STR && t->sub == SUB_NONE)
		return SL_STR;
	if (t->kind == TY_RECORD && t->ct && t->ct->kind == CT_ARRAY) {
		const struct ctype *el = t->ct->ref;
		if (el && el->kind == CT_INT && el->size == 1)
			return SL_ARRAY;
		diag_error(s->d, call->loc, "string-like arrays must contain a char-like type");
		return SL_NONE;
	}
	if (t->kind == TY_INT && t->ct) {
		if (t->ct->kind == CT_INT && t->ct->size == 1)
			return SL_PTR;
		diag_error(s->d, call->loc, "string-like pointers must point to a char-like type");
		return SL_NONE;
	}
	diag_error(s->d, call->loc, "string-like values must be either strings, arrays or "
				    "pointers");
	return SL_NONE;
}

/* assert_str(x): checked here; nothing happens at run time (x is not evaluated) */
static void check_assert_str(struct sema *s, struct node *n)
{
	sema_expr(s, n->list);
	if (strlike(s, n, n->list) != SL_NONE)
		n->type = type_void();
}

static LLVMValueRef nothing_emit(struct cg *c, struct node *n)
{
	(void)n;
	return bpfb_i64(c, 0);
}

/* strcap(x): a string's buffer size, an array's length, a pointer's string length */
static void check_strcap(struct sema *s, struct node *n)
{
	struct node *a = n->list;
	sema_expr(s, a);
	switch (strlike(s, n, a)) {
	case SL_STR: {
		int64_t size = (int64_t)a->type.size;
		ast_free_list(n->list);
		n->list = NULL;
		become_int(s, n, size);
		return;
	}
	case SL_ARRAY: {
		int64_t len = (int64_t)a->type.ct->nelems;
		ast_free_list(n->list);
		n->list = NULL;
		become_int(s, n, len);
		return;
	}
	case SL_PTR: /* as bpftrace: the length of the string it points to */
		free(n->str);
		n->str = strdup("strlen");
		if (!n->str) {
			s->oom = true;
			return;
		}
		n->slen = 6;
		sema_call(s, n);
		return;
	case SL_NONE:
		return;
	}
}

/* ---- assert ------------------------------------------------------------------------- */

static struct node *stmt_of(struct node *e)
{
	struct node *st = e ? ast_new(AST_EXPR_STMT, e->loc) : NULL;
	if (st)
		st->a = e;
	else
		ast_free(e);
	return st;
}

/* assert(cond, msg): `{ if (!cond) { errorf("assert failed: %s", msg); exit(1); } }` as
 * bpftrace's stdlib macro, the error located at the assert */
static void check_assert(struct sema *s, struct node *n)
{
	struct node *cond = n->list, *msg = cond->next;
	struct span l = n->loc;
	struct node *fmt = lit_str(l, "assert failed: %s");
	struct node *ef = ast_str(AST_CALL, l, "errorf", 6);
	struct node *ex = ast_str(AST_CALL, l, "exit", 4);
	struct node *one = ast_int(l, 1);
	struct node *body = ast_new(AST_BLOCK, l);
	struct node *iff = ast_new(AST_IF, l);
	if (!fmt || !ef || !ex || !one || !body || !iff) {
		ast_free(fmt), ast_free(ef), ast_free(ex), ast_free(one), ast_free(body);
		ast_free(iff);
		s->oom = true;
		return;
	}
	cond->next = NULL;
	fmt->next = msg;
	ef->list = fmt;
	ex->list = one;
	body->list = ast_append(stmt_of(ef), stmt_of(ex));
	iff->a = ast_unop(cond->loc, OP_LNOT, cond);
	iff->b = body;
	n->list = NULL;
	become(n, AST_BLOCKEXPR);
	n->list = iff;
	sema_expr(s, cond);
	if (cond->type.kind != TY_NONE && cond->type.kind != TY_INT)
		diag_error(s->d, cond->loc, "assert() expects a condition (%s provided)",
			   sema_kind_word(&cond->type));
	sema_expr(s, msg);
	if (msg->type.kind != TY_NONE && (msg->type.kind != TY_STR || msg->type.sub != SUB_NONE))
		diag_error(s->d, msg->loc, "assert() expects a string message (%s provided)",
			   sema_kind_word(&msg->type));
	if (diag_count(s->d))
		return; /* the rewrite is checked only when its parts are sound */
	sema_expr(s, n);
}

/* ---- kfunc_exist, kfunc_allowed ------------------------------------------------------ */

/* the kernel's BTF id of FUNC name, 0 when there is none (or no BTF) */
int builtin_kfunc_btf_id(struct sema *s, const char *name)
{
	int err = 0;
	struct btf *btf = s->r->kinfo ? kinfo_kernel_btf(s->r->kinfo, &err) : NULL;
	if (!btf)
		return 0;
	int id = btf__find_by_name_kind(btf, name, BTF_KIND_FUNC);
	return id > 0 ? id : 0;
}

/* As bpftrace: a program of the probe's type made of one call of the kfunc is offered
 * to the verifier; the kfunc is allowed unless it answers that calling it is not. */
bool builtin_kfunc_allowed(uint32_t prog_type, const char *name, int id)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_JMP | BPF_CALL, .src_reg = BPF_PSEUDO_KFUNC_CALL, .imm = id },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	char log[4096] = "";
	LIBBPF_OPTS(bpf_prog_load_opts, o, .log_buf = log, .log_size = sizeof(log),
		    .log_level = 1);
	int fd = bpf_prog_load((enum bpf_prog_type)prog_type, "kfunc_check", "GPL", insns, 2,
			       &o);
	if (fd >= 0) {
		close(fd);
		return true;
	}
	char want[256];
	snprintf(want, sizeof(want), "calling kernel function %s is not allowed", name);
	return strstr(log, want) == NULL;
}

static void check_kfunc(struct sema *s, struct node *n)
{
	struct node *a = n->list;
	s->literal_arg = true;
	sema_expr(s, a);
	s->literal_arg = false;
	if (a->kind != AST_STR) {
		if (a->type.kind != TY_NONE)
			diag_error(s->d, n->loc, "%s() accepts a string literal only", n->str);
		return;
	}
	int id = builtin_kfunc_btf_id(s, a->str);
	bool v = id > 0;
	if (v && !strcmp(n->str, "kfunc_allowed")) {
		const struct provider *pv = sema_lacks(s, 0); /* the probe's first point's kind */
		v = pv && builtin_kfunc_allowed(pv->prog_type, a->str, id);
	}
	become_bool(s, n, v);
}

/* ---- container_of ------------------------------------------------------------------- */

/* container_of(ptr, struct T, member): (struct T *)((uint64)ptr - offsetof(struct T,
 * member)), the member a name or a path (a.b) */
static void check_container_of(struct sema *s, struct node *n)
{
	struct node *ptr = n->list, *ty = ptr->next, *mem = ty->next;
	sema_ident_as_type(s, ty); /* container_of(p, foo_t, m) */
	if (ty->kind == AST_CAST && !ty->a && (ty->flags & NODE_F_TYPEOF) && !sema_typeof(s, ty))
		return; /* container_of(p, typeof(struct foo), m): reported */
	if (ty->kind != AST_CAST || ty->a) {
		diag_error(s->d, ty->loc, "container_of() expects a struct type as its second "
					  "argument: container_of(ptr, struct task_struct, tasks)");
		sema_expr(s, ptr);
		return;
	}
	if (!sema_canon_type(s, ty))
		return;
	if (ty->ival > 0 || (strncmp(ty->str, "struct ", 7) && strncmp(ty->str, "union ", 6))) {
		diag_error(s->d, ty->loc, "container_of() needs a struct or union type, not '%s%s'",
			   ty->str, ty->ival > 0 ? " *" : "");
		return;
	}
	sema_expr(s, ptr);
	if (ptr->type.kind == TY_NONE)
		return;
	if (ptr->type.kind != TY_INT || !ptr->type.ct) {
		diag_error(s->d, ptr->loc, "container_of() expects a pointer to the member (%s "
					   "provided)", sema_kind_word(&ptr->type));
		return;
	}
	/* the container is in the member's address space */
	bool user = ptr->type.user || (ptr->flags & NODE_F_USER_PTR);
	struct span l = n->loc;
	struct node *off = ast_str(AST_CALL, l, "offsetof", 8);
	struct node *tc = ast_clone(ty), *mc = ast_clone(mem);
	struct node *addr = ast_str(AST_CAST, ptr->loc, "uint64", 6);
	if (!off || !tc || !mc || !addr) {
		ast_free(off), ast_free(tc), ast_free(mc), ast_free(addr);
		s->oom = true;
		return;
	}
	tc->next = mc;
	off->list = tc;
	ptr->next = NULL;
	addr->a = ptr;
	struct node *sub = ast_binop(l, OP_SUB, addr, off);
	if (!sub) {
		ast_free(off), ast_free(addr);
		s->oom = true;
		return;
	}
	if (user) /* the cast of a user address is a user pointer, on every pass */
		sub->flags |= NODE_F_USER_PTR;
	int64_t depth = ty->ival + 1;
	char *tname = strdup(ty->str);
	ast_free_list(ty); /* ty, mem */
	n->list = NULL;
	become(n, AST_CAST);
	n->str = tname;
	n->slen = tname ? (uint32_t)strlen(tname) : 0;
	n->ival = depth;
	n->a = sub;
	if (!tname) {
		s->oom = true;
		return;
	}
	sema_expr(s, n);
}

static const struct builtin rows[] = {
	BUILTIN_VAR("has_cpid", 0, check_has_cpid, NULL),
	BUILTIN_VAR("config", 0, check_config, NULL),
	BUILTIN_VAR("default_str_length", 0, check_default_str_length, NULL),
	BUILTIN_FUNC("strcap", 1, 1, 0, check_strcap, NULL),
	BUILTIN_FUNC("assert_str", 1, 1, 0, check_assert_str, nothing_emit),
	BUILTIN_FUNC("assert", 2, 2, 0, check_assert, NULL),
	BUILTIN_FUNC("kfunc_exist", 1, 1, 0, check_kfunc, NULL),
	BUILTIN_FUNC("kfunc_allowed", 1, 1, 0, check_kfunc, NULL),
	BUILTIN_FUNC("container_of", 3, 3, 0, check_container_of, NULL),
};

const struct builtin_family builtin_family_meta = { "compile-time helpers", rows,
						     BUILTIN_NROWS(rows), NULL, 0 };
