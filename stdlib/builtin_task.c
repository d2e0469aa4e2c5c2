/*
 * stdlib/builtin_task.c — the task family (current bpftrace's stdlib): `leader_tid` and
 * `leader_comm` (also as calls, with or without a struct task_struct argument: the
 * thread-group leader's pid and comm), `ppid` and `pcomm` (the same forms: the parent
 * process's tgid and comm), `usermode` / usermode() (1 when the probe
 * interrupted user mode), signal_thread(sig) (--unsafe: a signal to the current thread)
 * and is_err(ptr) (the kernel's IS_ERR: a value in [-4095, -1], a bool as `&&` gives).
 *
 * Owns: their argument rules and types, the rewrite of leader_tid/leader_comm into the
 * member expression task->group_leader->pid/comm (typed from BTF like any other), where
 * usermode's answer comes from for each program type (the saved code segment selector of
 * pt_regs, or the program type alone), and the code of signal_thread and is_err.
 * Must not: parse signal names itself (builtin_check_signal, builtin_async.c, does it for
 * signal() and signal_thread() alike), or name a probe kind (usermode asks the point's
 * program type and capabilities).
 */
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>

#include "../sema/ctypes.h"
#include "builtin_family.h"

/* ---- sema ----------------------------------------------------------------------------- */

/* Is t a struct task_struct pointer (curtask, args.p: an integer whose ct is what it points
 * to), or such a struct itself (*curtask)? */
static bool is_task(const struct type *t)
{
	const struct ctype *ct = t->ct;
	return (t->kind == TY_INT || t->kind == TY_RECORD) && ct && ct->kind == CT_STRUCT &&
	       ct->name && strcmp(ct->name, "task_struct") == 0;
}

/* leader_tid, leader_comm, ppid, pcomm: n becomes TASK->RELATIVE->MEMBER (RELATIVE:
 * group_leader or real_parent), where TASK is the call's argument (checked first, so that
 * a wrong one gets an error of its own) or curtask. The argument is checked once: the two
 * member nodes are typed here, not re-walked. */
static void relative_member(struct sema *s, struct node *n, const char *relative,
			    const char *member)
{
	struct node *task = n->kind == AST_CALL ? n->list : NULL;
	if (!task)
		task = ast_str(AST_IDENT, n->loc, "curtask", 7);
	sema_expr(s, task);
	if (task->type.kind == TY_NONE || !is_task(&task->type)) {
		char tb[256];
		if (task->type.kind != TY_NONE)
			diag_error(s->d, task->loc, "%s() expects a struct task_struct pointer "
						    "(e.g. curtask), got '%s'",
				   n->str, type_name(&task->type, tb, sizeof(tb)));
		if (task != n->list)
			ast_free(task); /* curtask made here (no BTF: its error is reported) */
		return;
	}
	struct node *leader = ast_str(AST_FIELD, n->loc, relative, (uint32_t)strlen(relative));
	leader->a = task;
	leader->ival = task->type.kind == TY_RECORD ? 0 : 1; /* '.' on the struct, else '->' */
	n->list = NULL;
	free(n->str);
	n->kind = AST_FIELD;
	n->str = strdup(member);
	n->slen = (uint32_t)strlen(member);
	n->a = leader;
	n->ival = 1;
	n->sym = -1;
	n->type = type_none();
	leader->type = type_none();
	sema_field_ctype(s, leader);
	if (leader->type.kind != TY_NONE)
		sema_field_ctype(s, n);
}

static void check_leader_tid(struct sema *s, struct node *n)
{
	relative_member(s, n, "group_leader", "pid");
}

static void check_leader_comm(struct sema *s, struct node *n)
{
	relative_member(s, n, "group_leader", "comm");
}

/* ppid, pcomm: the parent process's tgid and comm (real_parent: the process that forked,
 * not a ptracer); 0.17 scripts spell them curtask->real_parent->tgid/comm */
static void check_ppid(struct sema *s, struct node *n)
{
	relative_member(s, n, "real_parent", "tgid");
}

static void check_pcomm(struct sema *s, struct node *n)
{
	relative_member(s, n, "real_parent", "comm");
}

/* usermode: a uint8, as in bpftrace */
static void check_usermode(struct sema *s, struct node *n)
{
	n->type = type_int(1, false);
}

static void check_signal_thread(struct sema *s, struct node *n)
{
	builtin_check_signal(s, n);
}

static void check_is_err(struct sema *s, struct node *n)
{
	struct node *a = n->list;
	sema_expr(s, a);
	if (a->type.kind == TY_NONE)
		return;
	if (a->type.kind != TY_INT) {
		char tb[256];
		diag_error(s->d, a->loc, "is_err() expects a pointer or an integer, got '%s'",
			   type_name(&a->type, tb, sizeof(tb)));
		return;
	}
	/* bpftrace's is_err is an `&&` of two comparisons: typed as ours are (a bool that
	 * computes and prints as 0.17's 1/0) */
	n->type = type_cmp_bool();
}

/* ---- codegen -------------------------------------------------------------------------- */

#define PT_REGS_CS_OFF 136u /* x86-64 struct pt_regs: cs */

/* usermode: where the context is the interrupted registers (struct pt_regs: kprobes,
 * uprobes, USDT; perf events, whose context starts with them), the privilege level in the
 * low two bits of the saved cs: 3 is user mode. Other programs are run by the kernel
 * itself (tracepoints, raw tracepoints, fentry/fexit and kprobes run as such, iterators):
 * 0. The probes the tracer runs (BEGIN, END, self) are 1, bpftrace's value for them. */
static LLVMValueRef usermode_emit(struct cg *c, struct node *n)
{
	uint32_t type = c->fn.pt ? cg_point_prog_type(c, c->fn.pt->index) : 0;
	if (type == BPF_PROG_TYPE_KPROBE || type == BPF_PROG_TYPE_PERF_EVENT) {
		LLVMValueRef cs = cg_ctx_load(c, c->i64, PT_REGS_CS_OFF, 8);
		LLVMValueRef ring = LLVMBuildAnd(c->b, cs, bpfb_i64(c, 3), "ring");
		LLVMValueRef user = LLVMBuildICmp(c->b, LLVMIntEQ, ring, bpfb_i64(c, 3), "user");
		return LLVMBuildZExt(c->b, user, c->i64, "usermode");
	}
	return bpfb_i64(c, (cg_caps(c) & PV_RUN_ONCE) ? 1 : 0);
}

/* bpf_send_signal_thread: the signal goes to the current thread only (signal()'s
 * bpf_send_signal goes to its process) */
static LLVMValueRef signal_thread_emit(struct cg *c, struct node *n)
{
	LLVMValueRef a[1] = { cg_expr(c, n->list) };
	cg_helper_check(c, bpfb_helper(c, BPF_FUNC_send_signal_thread, c->i64, a, 1, ""),
			BPF_FUNC_send_signal_thread, n, -1);
	return bpfb_i64(c, 0);
}

/* is_err(v): v as unsigned 64 bits is at least -4095 (MAX_ERRNO); a narrower signed value
 * is sign-extended first, as bpftrace's (int64) cast does */
static LLVMValueRef is_err_emit(struct cg *c, struct node *n)
{
	LLVMValueRef v = cg_expr(c, n->list);
	LLVMValueRef err = LLVMBuildICmp(c->b, LLVMIntUGE, v, bpfb_i64(c, (uint64_t)-4095),
					 "is_err");
	return LLVMBuildZExt(c->b, err, c->i64, "");
}

#define CTX_READ (BF_CTX | BF_NO_FOR)

static const struct builtin rows[] = {
	BUILTIN_VAR("leader_tid", 0, check_leader_tid, NULL),     /* a member expression */
	BUILTIN_FUNC("leader_tid", 0, 1, 0, check_leader_tid, NULL), /* ... by then */
	BUILTIN_VAR("leader_comm", 0, check_leader_comm, NULL),
	BUILTIN_FUNC("leader_comm", 0, 1, 0, check_leader_comm, NULL),
	BUILTIN_VAR("ppid", 0, check_ppid, NULL),
	BUILTIN_FUNC("ppid", 0, 1, 0, check_ppid, NULL),
	BUILTIN_VAR("pcomm", 0, check_pcomm, NULL),
	BUILTIN_FUNC("pcomm", 0, 1, 0, check_pcomm, NULL),
	BUILTIN_VAR("usermode", CTX_READ, check_usermode, usermode_emit),
	BUILTIN_FUNC("usermode", 0, 0, CTX_READ, check_usermode, usermode_emit),
	BUILTIN_FUNC("signal_thread", 1, 1, 0, check_signal_thread, signal_thread_emit),
	BUILTIN_FUNC("is_err", 1, 1, 0, check_is_err, is_err_emit),
};

const struct builtin_family builtin_family_task = { "task facts", rows, BUILTIN_NROWS(rows),
						     NULL, 0 };
