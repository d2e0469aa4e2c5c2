/*
 * stdlib/builtin_async.c — the async family: what a probe asks the tracer to do while
 * tracing: system(fmt, ...) (runs /bin/sh -c, --unsafe only), cat(fmt, ...) (prints a
 * file), join(argv[, delim]) (prints a NULL-terminated string array), signal(sig)
 * (sends a signal to the current task, --unsafe only) and unwatch(addr) (detaches the
 * watchpoints on an address: runtime/probe_watchpoint.c).
 *
 * Owns: their argument rules (printf-like formats through builtin_check_fmt_call, signal
 * names and numbers, join's pointer and delimiter), the --unsafe gate, and their code:
 * ABI_EV_ASYNC events (join: its unrolled argv walk reading up to ABI_JOIN_ARGS strings),
 * ABI_EV_UNWATCH and bpf_send_signal.
 * Must not: run or print anything (runtime/async.c does, from the events).
 */
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>

#include "builtin_family.h"

/* ---- sema ----------------------------------------------------------------------------- */

bool builtin_unsafe_ok(struct sema *s, struct node *n)
{
	if (s->opts->unsafe)
		return true;
	diag_error(s->d, n->loc, "%s() is an unsafe function being used in safe mode", n->str);
	return false;
}

static void check_system(struct sema *s, struct node *n)
{
	bool ok = builtin_unsafe_ok(s, n);
	builtin_check_fmt_call(s, n, FMT_SYSTEM);
	n->type = ok ? type_void() : type_none();
}

static void check_cat(struct sema *s, struct node *n)
{
	/* bpftrace allows cat() in safe mode: it only reads a file */
	builtin_check_fmt_call(s, n, FMT_CAT);
	n->type = type_void();
}

static void check_join(struct sema *s, struct node *n)
{
	struct node *argv = n->list, *delim = argv->next;
	sema_expr(s, argv);
	bool ok = argv->type.kind != TY_NONE;
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

/* signal(sig), and signal_thread(sig) of builtin_task.c: --unsafe only, not in probes
 * the tracer runs itself, a signal name ("SIGKILL", "KILL", rewritten into its number)
 * or an integer (a literal one from 1 to 64); errors name the call (n->str). */
void builtin_check_signal(struct sema *s, struct node *n)
{
	struct node *a = n->list;
	bool ok = builtin_unsafe_ok(s, n);
	const struct provider *once = sema_point_with(s, PV_RUN_ONCE);
	if (once) {
		diag_error(s->d, n->loc, "%s can not be used with \"%s\" probes", n->str,
			   once->name);
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
	} else if (a->type.kind != TY_NONE && a->type.kind != TY_INT) {
		diag_error(s->d, n->loc, "%s() only accepts an integer or a signal name (%s "
					 "provided)",
			   n->str, sema_kind_word(&a->type));
		return;
	} else {
		int64_t v;
		if (sema_int_literal(a, &v) && (v < 1 || v > 64)) {
			diag_error(s->d, a->loc, "sig argument to %s() is out of range (%lld)",
				   n->str, (long long)v);
			return;
		}
	}
	if (ok)
		n->type = type_void();
}

/* unwatch(addr): an event; the runtime detaches the watchpoints */
static void check_unwatch(struct sema *s, struct node *n)
{
	n->type = type_void();
	sema_expr(s, n->list);
	if (n->list->type.kind != TY_INT && n->list->type.kind != TY_NONE)
		diag_error(s->d, n->loc, "unwatch() only supports integer arguments (%s provided)",
			   sema_kind_word(&n->list->type));
}

/* ---- codegen -------------------------------------------------------------------------- */

static LLVMValueRef as_i64(struct cg *c, LLVMValueRef v)
{
	if (LLVMTypeOf(v) != c->i64)
		v = LLVMBuildPtrToInt(c->b, v, c->i64, "");
	return v;
}

/* join(argv[, delim]): up to ABI_JOIN_ARGS strings of the NULL-terminated user array. */
static LLVMValueRef join_emit(struct cg *c, struct node *n)
{
	const struct fmt_info *fi = cg_fmt_of(c, n);
	if (!fi)
		return bpfb_i64(c, 0);
	LLVMValueRef ev = cg_event_buf(c, ABI_EV_ASYNC, 8 + fi->size);
	LLVMValueRef pl = bpfb_gep(c, ev, 16);
	bpfb_store(c, bpfb_i64(c, (uint64_t)n->fmt), bpfb_gep(c, ev, 8), 8);
	/* Only the count and each string's first byte are cleared: the runtime reads
	 * strings [0, count) up to their NUL, all written below. (Zeroing the whole ~1 KiB
	 * would become a memset call, which the BPF back end cannot emit.) */
	bpfb_store(c, bpfb_i64(c, 0), bpfb_gep(c, pl, fi->offs[0]), 8);
	for (uint32_t i = 1; i <= ABI_JOIN_ARGS; i++)
		bpfb_store(c, LLVMConstInt(c->i8, 0, 0), bpfb_gep(c, pl, fi->offs[i]), 1);
	LLVMValueRef argv = as_i64(c, cg_expr(c, n->list));
	LLVMValueRef tmp = bpfb_buf(c, 8, "argp"); /* scratch once the stack is full */
	bool user = n->flags & NODE_F_USER_PTR;
	LLVMBasicBlockRef done = bpfb_block(c, "join_done");
	for (uint32_t i = 0; i < ABI_JOIN_ARGS; i++) {
		LLVMValueRef a[3] = { tmp, bpfb_i64(c, 8),
				      LLVMBuildAdd(c->b, argv, bpfb_i64(c, 8 * i), "") };
		LLVMValueRef r = bpfb_helper(c, user ? BPF_FUNC_probe_read_user
						     : BPF_FUNC_probe_read_kernel,
					     c->i64, a, 3, "");
		bpfb_branch_new(c, LLVMBuildICmp(c->b, LLVMIntEQ, r, bpfb_i64(c, 0), ""), done, false);
		LLVMValueRef s = bpfb_load(c, c->i64, tmp, 8);
		bpfb_branch_new(c, LLVMBuildICmp(c->b, LLVMIntEQ, s, bpfb_i64(c, 0), ""), done, true);
		const struct type *st = &fi->args[1 + i];
		LLVMValueRef b[3] = { bpfb_gep(c, pl, fi->offs[1 + i]), bpfb_i64(c, st->size), s };
		int fn = user ? BPF_FUNC_probe_read_user_str : BPF_FUNC_probe_read_kernel_str;
		LLVMValueRef got = bpfb_helper(c, fn, c->i64, b, 3, "");
		cg_helper_check(c, got, fn, n, -1);
		cg_count_str_trunc(c, got, b[0], s, st->size,
				   user ? BPF_FUNC_probe_read_user : BPF_FUNC_probe_read_kernel,
				   NULL);
		bpfb_store(c, bpfb_i64(c, i + 1), bpfb_gep(c, pl, fi->offs[0]), 8);
	}
	LLVMBuildBr(c->b, done);
	LLVMPositionBuilderAtEnd(c->b, done);
	cg_event_output(c, ev, 16 + fi->size);
	return bpfb_i64(c, 0);
}

static LLVMValueRef signal_emit(struct cg *c, struct node *n)
{
	LLVMValueRef a[1] = { cg_expr(c, n->list) };
	cg_helper_check(c, bpfb_helper(c, BPF_FUNC_send_signal, c->i64, a, 1, ""),
			BPF_FUNC_send_signal, n, -1);
	return bpfb_i64(c, 0);
}

static LLVMValueRef unwatch_emit(struct cg *c, struct node *n)
{
	LLVMValueRef addr = cg_expr(c, n->list);
	cg_event_words(c, ABI_EV_UNWATCH, &addr, 1);
	return bpfb_i64(c, 0);
}

static const struct builtin rows[] = {
	BUILTIN_FUNC("system", 1, -1, 0, check_system, builtin_emit_fmt_event),
	BUILTIN_FUNC("cat", 1, -1, 0, check_cat, builtin_emit_fmt_event),
	BUILTIN_FUNC("join", 1, 2, 0, check_join, join_emit),
	BUILTIN_FUNC("signal", 1, 1, 0, builtin_check_signal, signal_emit),
	BUILTIN_FUNC("unwatch", 1, 1, 0, check_unwatch, unwatch_emit),
};

const struct builtin_family builtin_family_async = { "async actions", rows,
						      BUILTIN_NROWS(rows), NULL, 0 };
