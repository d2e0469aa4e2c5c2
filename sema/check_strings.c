/*
 * sema/check_strings.c — checking the string, buffer, async and map-query functions:
 * strncmp, strcontains, buf, ntop, join, strftime, signal, system, cat, len, has_key.
 *
 * Owns: their argument rules and bpftrace's wording for misuse, the --unsafe gate of
 * system() and signal(), their result types (buffers, inet addresses and timestamps are
 * strings/integers with a `sub`, see sema/types.h) and their format-table entries.
 * Must not: emit code (codegen/emit_strings.c) or render anything (stdlib/strings.c).
 */
#include <stdlib.h>
#include <string.h>

#include "abi.h"
#include "../stdlib/format.h"
#include "ctypes.h"
#include "sema_int.h"

#define TN(t, buf) type_name((t), (buf), sizeof(buf))

static bool is_none(const struct node *n) { return n->type.kind == TY_NONE; }

static bool int_literal(const struct node *n, int64_t *v)
{
	if (n->kind == AST_INT) {
		*v = n->ival;
		return true;
	}
	if (n->kind == AST_UNOP && n->op == OP_NEG && n->a->kind == AST_INT) {
		*v = -n->a->ival;
		return true;
	}
	return false;
}

static void args_all(struct sema *s, struct node *list)
{
	for (struct node *a = list; a; a = a->next)
		sema_expr(s, a);
}

static bool unsafe_ok(struct sema *s, struct node *n)
{
	if (s->opts->unsafe)
		return true;
	diag_error(s->d, n->loc, "%s() is an unsafe function being used in safe mode", n->str);
	return false;
}

/* printf-like argument list for system()/cat(): format literal, then values. */
static void check_fmt_call(struct sema *s, struct node *n, enum fmt_kind kind)
{
	struct node *f = n->list;
	if (!sema_want_str_literal(s, n, f)) {
		args_all(s, f->next);
		return;
	}
	int nargs = ast_list_len(f->next), i = 0;
	struct type args[nargs ? nargs : 1];
	struct node *argn[nargs ? nargs : 1];
	bool bad = false;
	for (struct node *a = f->next; a; a = a->next, i++) {
		sema_expr(s, a);
		args[i] = a->type;
		argn[i] = a;
		bad |= is_none(a);
	}
	if (bad)
		return;
	char err[512] = "";
	int bad_arg = -1;
	if (fmt_check(f->str, args, nargs, err, sizeof(err), &bad_arg) < 0) {
		/* fmt_check words its messages for printf; name the real function */
		const char *msg = err[0] ? err : "printf: invalid format string";
		if (!strncmp(msg, "printf: ", 8))
			msg += 8;
		struct span at = bad_arg >= 0 && bad_arg < nargs ? argn[bad_arg]->loc : n->loc;
		diag_error(s->d, at, "%s: %s", n->str, msg);
		return;
	}
	n->fmt = sema_fmt_add(s, kind, f->str, args, nargs, n->loc);
}

static void check_join(struct sema *s, struct node *n)
{
	struct node *argv = n->list, *delim = argv->next;
	sema_expr(s, argv);
	bool ok = !is_none(argv);
	if (ok && argv->type.kind != TY_INT) {
		diag_error(s->d, n->loc, "join() expects an integer or a pointer type as first "
					 "argument (%s provided)",
			   sema_kind_word(&argv->type));
		ok = false;
	}
	if (delim && !sema_want_str_literal(s, n, delim))
		ok = false;
	if (!ok)
		return;
	struct type args[1 + ABI_JOIN_ARGS];
	args[0] = type_u64();
	for (uint32_t i = 1; i <= ABI_JOIN_ARGS; i++)
		args[i] = type_str(s->opts->strlen);
	n->flags |= argv->flags & NODE_F_USER_PTR;
	n->type = type_void();
	n->fmt = sema_fmt_add(s, FMT_JOIN, delim ? delim->str : " ", args, 1 + ABI_JOIN_ARGS,
			      n->loc);
}

/* ---- unsafe and async -------------------------------------------------------------- */

static const struct {
	const char *name;
	int num;
} signals[] = {
	{ "SIGHUP", 1 },   { "SIGINT", 2 },   { "SIGQUIT", 3 },  { "SIGILL", 4 },
	{ "SIGTRAP", 5 },  { "SIGABRT", 6 },  { "SIGBUS", 7 },   { "SIGFPE", 8 },
	{ "SIGKILL", 9 },  { "SIGUSR1", 10 }, { "SIGSEGV", 11 }, { "SIGUSR2", 12 },
	{ "SIGPIPE", 13 }, { "SIGALRM", 14 }, { "SIGTERM", 15 }, { "SIGCHLD", 17 },
	{ "SIGCONT", 18 }, { "SIGSTOP", 19 }, { "SIGTSTP", 20 }, { "SIGTTIN", 21 },
	{ "SIGTTOU", 22 }, { "SIGURG", 23 },  { "SIGXCPU", 24 }, { "SIGXFSZ", 25 },
	{ "SIGVTALRM", 26 }, { "SIGPROF", 27 }, { "SIGWINCH", 28 }, { "SIGIO", 29 },
	{ "SIGPWR", 30 },  { "SIGSYS", 31 },
};

static void check_signal(struct sema *s, struct node *n)
{
	struct node *a = n->list;
	bool ok = unsafe_ok(s, n);
	const struct provider *once = sema_point_with(s, PV_RUN_ONCE);
	if (once) {
		diag_error(s->d, n->loc, "signal can not be used with \"%s\" probes", once->name);
		ok = false;
	}
	sema_expr(s, a);
	if (a->kind == AST_STR) {
		const char *nm = a->str;
		int num = -1;
		for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
			if (!strcmp(nm, signals[i].name) || !strcmp(nm, signals[i].name + 3))
				num = signals[i].num;
		if (num < 0) {
			diag_error(s->d, a->loc, "%s is not a valid signal", nm);
			return;
		}
		/* the kernel takes a number: rewrite the literal in place */
		free(a->str);
		a->str = NULL;
		a->slen = 0;
		a->kind = AST_INT;
		a->ival = num;
		a->type = type_s64();
	} else if (!is_none(a) && a->type.kind != TY_INT) {
		diag_error(s->d, n->loc, "signal() only accepts an integer or a signal name (%s "
					 "provided)",
			   sema_kind_word(&a->type));
		return;
	} else {
		int64_t v;
		if (int_literal(a, &v) && (v < 1 || v > 64)) {
			diag_error(s->d, a->loc, "sig argument to signal() is out of range (%lld)",
				   (long long)v);
			return;
		}
	}
	if (ok)
		n->type = type_void();
}

bool sema_call_more(struct sema *s, struct node *n, enum builtin_legacy b)
{
	switch (b) {
	case BI_JOIN:
		check_join(s, n);
		return true;
	case BI_SIGNAL:
		check_signal(s, n);
		return true;
	case BI_SYSTEM: {
		bool ok = unsafe_ok(s, n);
		check_fmt_call(s, n, FMT_SYSTEM);
		n->type = ok ? type_void() : type_none();
		return true;
	}
	case BI_CAT:
		/* bpftrace allows cat() in safe mode: it only reads a file */
		check_fmt_call(s, n, FMT_CAT);
		n->type = type_void();
		return true;
	default:
		return false;
	}
}
