/*
 * stdlib/builtin_process.c — the process and system facts family: pid, tid, uid, gid,
 * comm, cpu, cgroup, curtask, rand, cpid, nsecs, elapsed, numaid, username, ncpus,
 * jiffies, and pid(curr_ns|init), tid(curr_ns|init) (the ids in bpfscript's PID namespace or
 * the initial one; plain pid, tid, pid() and tid() are the initial namespace's, as 0.17),
 * cgroup_path(id[, filter]), strerror(errno), macaddr(bytes), pton("addr").
 *
 * Owns: their types (a uid printed as a name, a cgroup id as its path, an errno as its
 * text, 6 bytes as a MAC address: the SUB_* print forms of common/types.h), the rewrites done
 * while checking (ncpus into a literal,
 * pton's address into its bytes), where each value comes from (a helper, called once per
 * run of the program for pid/tid/uid/gid; comm read straight into its destination), and
 * the text of those values.
 * Must not: read /etc/passwd or cgroupfs itself (the printer asks print_ctx->syms).
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../sema/ctypes.h"
#include "builtin_family.h"
#include "symfmt.h"

/* ---- sema ----------------------------------------------------------------------------- */

static void check_u64(struct sema *s, struct node *n)
{
	n->type = type_u64();
}

static void check_comm(struct sema *s, struct node *n)
{
	n->type = type_str(ABI_COMM_LEN);
}

/* comm(pid): the comm of the process pid (current bpftrace), through the kfuncs
 * bpf_task_from_pid/bpf_task_release where the probe's program type may call them (as
 * bpftrace, the kernel is asked); "N/A" when there is no such process. n->ival: the byte
 * offset of comm in struct task_struct. */
static void check_comm_pid(struct sema *s, struct node *n)
{
	struct node *a = n->list;
	sema_expr(s, a);
	n->type = type_none();
	if (a->type.kind == TY_NONE)
		return;
	if (a->type.kind != TY_INT || a->type.ct) {
		diag_error(s->d, a->loc, "Only integer supported for comm()'s pid");
		return;
	}
	const struct provider *pv = NULL;
	for (int i = 0; i < s->r->npoints && !pv; i++)
		if (s->r->points[i].probe == s->probe)
			pv = provider_of(&s->r->points[i]);
	int id = builtin_kfunc_btf_id(s, "bpf_task_from_pid");
	if (!pv || !id || !builtin_kfunc_btf_id(s, "bpf_task_release") ||
	    !builtin_kfunc_allowed(pv->prog_type, "bpf_task_from_pid", id)) {
		diag_error(s->d, n->loc, "Syntax comm(PID) is not supported in this probe type "
					 "yet. Type: %s (this kernel does not let its programs call "
					 "bpf_task_from_pid)", pv ? sema_probe_word(pv) : "?");
		return;
	}
	struct type task = sema_ptr_to_record(s, "task_struct", false);
	uint32_t bit_off;
	const struct cmember *m = task.ct ? ctype_member(sema_ctypes(s), task.ct, "comm",
							 &bit_off) : NULL;
	if (!m) {
		diag_error(s->d, n->loc, "comm(PID) needs struct task_struct's comm from the "
					 "kernel's BTF");
		return;
	}
	n->ival = bit_off / 8;
	n->type = type_str(ABI_COMM_LEN);
}

static void check_curtask(struct sema *s, struct node *n)
{
	/* as bpftrace with BTF: curtask->pid; BTF is read only then */
	n->type = sema_ptr_to_record(s, "task_struct", false);
}

static void check_cpid(struct sema *s, struct node *n)
{
	if (!s->opts->have_cpid) {
		diag_error(s->d, n->loc, "cpid cannot be used without child command");
		return;
	}
	n->type = type_u64();
}

static void check_username(struct sema *s, struct node *n)
{
	n->type = type_u64();
	n->type.sub = SUB_USERNAME;
}

/* pid(), tid(): 0.17's values; pid(curr_ns), tid(curr_ns): as seen from bpfscript's own
 * PID namespace (0 for a task outside it, as the kernel's helper gives); (init): the
 * initial namespace's, the plain values. The mode is the argument's ival: 1 for curr_ns. */
static void check_pid_ns(struct sema *s, struct node *n)
{
	struct node *a = n->list;
	n->type = type_none();
	if (a && a->kind != AST_IDENT) {
		diag_error(s->d, n->loc, "%s() only supports curr_ns and init as the argument",
			   n->str);
		return;
	}
	if (a && strcmp(a->str, "curr_ns") != 0 && strcmp(a->str, "init") != 0) {
		diag_error(s->d, a->loc, "Invalid PID namespace mode: %s (expects: curr_ns or "
					 "init)", a->str);
		return;
	}
	if (a) {
		a->ival = strcmp(a->str, "curr_ns") == 0;
		a->type = type_u64(); /* the mode word is not an expression of its own */
	}
	n->type = type_u64();
}

/* the CPUs online now, a constant of the program (bpftrace's) */
static void check_ncpus(struct sema *s, struct node *n)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	free(n->str);
	n->str = NULL;
	n->kind = AST_INT;
	n->ival = cpus > 0 ? cpus : 1;
	n->sym = -1;
	n->type = type_s64();
}

static void int_arg(struct sema *s, struct node *call, struct node *a, const char *fn)
{
	sema_expr(s, a);
	if (a->type.kind != TY_INT && a->type.kind != TY_NONE)
		diag_error(s->d, a->loc, "%s() expects an integer argument, got %s", fn,
			   sema_kind_word(&a->type));
	(void)call;
}

static void check_cgroup_path(struct sema *s, struct node *n)
{
	int_arg(s, n, n->list, "cgroup_path");
	n->type = type_u64();
	n->type.sub = SUB_CGROUP_PATH;
	n->type.fmt_id = -1;
	struct node *filter = n->list->next;
	if (!filter)
		return;
	if (filter->kind != AST_STR) {
		diag_error(s->d, filter->loc, "cgroup_path() takes a string literal as its second "
					      "argument: a filter on hierarchy names (\"unified\", "
					      "\"cpu*\")");
		return;
	}
	filter->type = type_str(filter->slen + 1);
	n->type.fmt_id = sema_fmt_add(s, FMT_ENUM, filter->str, NULL, 0, filter->loc);
}

static void check_macaddr(struct sema *s, struct node *n)
{
	struct node *a = n->list;
	sema_expr(s, a);
	bool ok = (a->type.kind == TY_STR && a->type.size >= 6 && a->type.sub == SUB_NONE) ||
		  (a->type.kind == TY_INT && a->type.ct) || a->type.kind == TY_NONE ||
		  (a->type.kind == TY_RECORD && a->type.ct && a->type.ct->kind == CT_ARRAY &&
		   a->type.ct->ref->size == 1 && a->type.ct->nelems >= 6); /* u8 mac[6] */
	if (!ok)
		diag_error(s->d, a->loc, "macaddr() expects an array of 6 bytes or a pointer to "
					 "them, got %s", sema_kind_word(&a->type));
	n->type = type_u64();
	n->type.sub = SUB_MACADDR;
}

static void check_strerror(struct sema *s, struct node *n)
{
	int_arg(s, n, n->list, "strerror");
	n->type = type_u64();
	n->type.sub = SUB_STRERROR;
}

/* pton("10.0.0.1") / pton("::1"): the address bytes, in network order, as the string of
 * 4 or 16 bytes that ntop() and map keys take (an unsigned char array). */
static void check_pton(struct sema *s, struct node *n)
{
	struct node *a = n->list;
	if (a->kind != AST_STR) {
		diag_error(s->d, a->loc, "pton() takes an address as a string literal");
		return;
	}
	unsigned char bytes[16];
	uint32_t len = 0;
	if (inet_pton(AF_INET, a->str, bytes) == 1)
		len = 4;
	else if (inet_pton(AF_INET6, a->str, bytes) == 1)
		len = 16;
	if (!len) {
		diag_error(s->d, a->loc, "pton() needs an IPv4 or IPv6 address, not \"%s\"", a->str);
		return;
	}
	ast_free_list(n->list);
	n->list = NULL;
	free(n->str);
	n->kind = AST_STR;
	n->str = malloc(len + 1);
	if (!n->str) {
		s->oom = true;
		n->slen = 0;
		return;
	}
	memcpy(n->str, bytes, len);
	n->str[len] = 0;
	n->slen = len;
	n->sym = -1;
	n->flags |= NODE_F_RAWBYTES;
	n->type = type_str(len); /* exactly the address: no NUL */
	n->type.sub = SUB_ADDR;
}

/* ---- codegen -------------------------------------------------------------------------- */

static LLVMValueRef low32(struct cg *c, LLVMValueRef v)
{
	return LLVMBuildAnd(c->b, v, bpfb_i64(c, 0xffffffffu), "");
}

static LLVMValueRef pid_emit(struct cg *c, struct node *n)
{
	return LLVMBuildLShr(c->b, cg_pid_tgid(c), bpfb_i64(c, 32), "pid");
}

static LLVMValueRef tid_emit(struct cg *c, struct node *n)
{
	return low32(c, cg_pid_tgid(c));
}

/* long bpf_get_ns_current_pid_tgid(u64 dev, u64 ino, struct bpf_pidns_info *nsdata,
 * u32 size): { u32 pid (the thread's), u32 tgid } in the namespace dev:ino, which must be
 * the current task's own; else an error and the zeroed buffer */
static LLVMValueRef ns_pid_tgid(struct cg *c, struct node *n, bool tgid)
{
	LLVMValueRef buf = bpfb_buf(c, 8, "pidns");
	bpfb_memset0(c, buf, 8);
	LLVMValueRef a[4] = { bpfb_i64(c, c->opts->pidns_dev), bpfb_i64(c, c->opts->pidns_ino),
			      buf, bpfb_i64(c, 8) };
	LLVMValueRef r = bpfb_helper(c, BPF_FUNC_get_ns_current_pid_tgid, c->i64, a, 4, "ns");
	cg_helper_check(c, r, BPF_FUNC_get_ns_current_pid_tgid, n, -1);
	LLVMValueRef v = bpfb_load(c, c->i32, bpfb_gep(c, buf, tgid ? 4 : 0), 4);
	return LLVMBuildZExt(c->b, v, c->i64, tgid ? "nspid" : "nstid");
}

static LLVMValueRef pid_ns_emit(struct cg *c, struct node *n)
{
	if (n->list && n->list->ival)
		return ns_pid_tgid(c, n, true);
	return pid_emit(c, n);
}

static LLVMValueRef tid_ns_emit(struct cg *c, struct node *n)
{
	if (n->list && n->list->ival)
		return ns_pid_tgid(c, n, false);
	return tid_emit(c, n);
}

static LLVMValueRef uid_emit(struct cg *c, struct node *n)
{
	return low32(c, cg_uid_gid(c));
}

static LLVMValueRef gid_emit(struct cg *c, struct node *n)
{
	return LLVMBuildLShr(c->b, cg_uid_gid(c), bpfb_i64(c, 32), "gid");
}

static LLVMValueRef nsecs_emit(struct cg *c, struct node *n)
{
	return bpfb_helper(c, BPF_FUNC_ktime_get_ns, c->i64, NULL, 0, "nsecs");
}

static LLVMValueRef elapsed_emit(struct cg *c, struct node *n)
{
	return LLVMBuildSub(c->b, bpfb_helper(c, BPF_FUNC_ktime_get_ns, c->i64, NULL, 0, "ns"),
			    bpfb_i64(c, c->opts->start_ns), "elapsed");
}

static LLVMValueRef cpu_emit(struct cg *c, struct node *n)
{
	return bpfb_zext64(c, bpfb_helper(c, BPF_FUNC_get_smp_processor_id, c->i32, NULL, 0,
					  "cpu"));
}

static LLVMValueRef curtask_emit(struct cg *c, struct node *n)
{
	return bpfb_helper(c, BPF_FUNC_get_current_task, c->i64, NULL, 0, "curtask");
}

static LLVMValueRef cgroup_emit(struct cg *c, struct node *n)
{
	return bpfb_helper(c, BPF_FUNC_get_current_cgroup_id, c->i64, NULL, 0, "cgroup");
}

static LLVMValueRef rand_emit(struct cg *c, struct node *n)
{
	return bpfb_zext64(c, bpfb_helper(c, BPF_FUNC_get_prandom_u32, c->i32, NULL, 0, "rand"));
}

static LLVMValueRef cpid_emit(struct cg *c, struct node *n)
{
	return bpfb_i64(c, (uint64_t)c->opts->cpid);
}

static LLVMValueRef comm_emit(struct cg *c, struct node *n)
{
	LLVMValueRef buf = bpfb_buf(c, ABI_COMM_LEN, "comm");
	LLVMValueRef a[2] = { buf, bpfb_i64(c, ABI_COMM_LEN) };
	cg_helper_check(c, bpfb_helper(c, BPF_FUNC_get_current_comm, c->i64, a, 2, ""),
			BPF_FUNC_get_current_comm, n, -1);
	return buf;
}

/* comm straight into a string slot big enough for it, the rest of its fill bytes zeroed */
static bool comm_store(struct cg *c, struct node *n, LLVMValueRef dst, const struct type *dt,
		       uint32_t fill)
{
	if (dt->size < ABI_COMM_LEN)
		return false;
	LLVMValueRef a[2] = { dst, bpfb_i64(c, ABI_COMM_LEN) };
	cg_helper_check(c, bpfb_helper(c, BPF_FUNC_get_current_comm, c->i64, a, 2, ""),
			BPF_FUNC_get_current_comm, n, -1);
	bpfb_memset0_at(c, dst, ABI_COMM_LEN, fill);
	return true;
}

/* comm(pid): task = bpf_task_from_pid(pid); its comm read, the reference released; a pid
 * with no task reads as "N/A" */
static LLVMValueRef comm_pid_emit(struct cg *c, struct node *n)
{
	LLVMValueRef pid = LLVMBuildTrunc(c->b, cg_expr(c, n->list), c->i32, "pid");
	LLVMValueRef buf = bpfb_buf(c, ABI_COMM_LEN, "pcomm");
	bpfb_memset0(c, buf, ABI_COMM_LEN);
	LLVMValueRef a[1] = { pid };
	LLVMValueRef task = bpfb_kfunc(c, "bpf_task_from_pid", c->ptr, a, 1);
	LLVMBasicBlockRef found = bpfb_block(c, "task_found"), none = bpfb_block(c, "no_task");
	LLVMBasicBlockRef done = bpfb_block(c, "comm_done");
	LLVMBuildCondBr(c->b, LLVMBuildIsNull(c->b, task, ""), none, found);
	LLVMPositionBuilderAtEnd(c->b, found);
	LLVMValueRef src = LLVMBuildGEP2(c->b, c->i8, task,
					 (LLVMValueRef[]){ bpfb_i64(c, (uint64_t)n->ival) }, 1, "");
	LLVMValueRef r[3] = { buf, bpfb_i64(c, ABI_COMM_LEN), src };
	bpfb_helper(c, BPF_FUNC_probe_read_kernel_str, c->i64, r, 3, "");
	LLVMValueRef rel[1] = { task };
	bpfb_kfunc(c, "bpf_task_release", c->voidt, rel, 1);
	LLVMBuildBr(c->b, done);
	LLVMPositionBuilderAtEnd(c->b, none);
	bpfb_store(c, bpfb_i32(c, 'N' | '/' << 8 | 'A' << 16), buf, 4);
	LLVMBuildBr(c->b, done);
	LLVMPositionBuilderAtEnd(c->b, done);
	return buf;
}

static LLVMValueRef numaid_emit(struct cg *c, struct node *n)
{
	return bpfb_helper(c, BPF_FUNC_get_numa_node_id, c->i64, NULL, 0, "numaid");
}

static LLVMValueRef jiffies_emit(struct cg *c, struct node *n)
{
	return bpfb_helper(c, BPF_FUNC_jiffies64, c->i64, NULL, 0, "jiffies");
}

static LLVMValueRef username_emit(struct cg *c, struct node *n)
{
	return LLVMBuildAnd(c->b,
			    bpfb_helper(c, BPF_FUNC_get_current_uid_gid, c->i64, NULL, 0, "uid"),
			    bpfb_i64(c, 0xffffffffu), "uid");
}

/* cgroup_path(id), strerror(errno): the value; its text is printed */
static LLVMValueRef value_emit(struct cg *c, struct node *n)
{
	return cg_expr(c, n->list);
}

/* The 6 bytes of a MAC address as one u64, first byte lowest, upper 2 bytes zero. */
static LLVMValueRef mac_bytes(struct cg *c, struct node *a)
{
	LLVMValueRef slot = bpfb_stack(c, 8, "mac");
	bpfb_store(c, bpfb_i64(c, 0), slot, 8);
	if (a->type.kind == TY_STR) {
		bpfb_memcpy(c, slot, cg_buf_expr(c, a), 6);
	} else {
		/* a pointer's target, or a u8[6] array where it lives */
		LLVMValueRef p = a->type.kind == TY_RECORD ? cg_record_addr(c, a) : cg_expr(c, a);
		int fn = (a->flags & NODE_F_USER_PTR) || a->type.user ? BPF_FUNC_probe_read_user
								       : BPF_FUNC_probe_read_kernel;
		LLVMValueRef args[3] = { slot, bpfb_i64(c, 6), p };
		cg_helper_check(c, bpfb_helper(c, fn, c->i64, args, 3, ""), fn, a, -1);
	}
	return bpfb_load(c, c->i64, slot, 8);
}

static LLVMValueRef macaddr_emit(struct cg *c, struct node *n)
{
	return mac_bytes(c, n->list);
}

/* ---- printing ------------------------------------------------------------------------- */

static void username_print(FILE *out, const struct type *t, const uint8_t *bytes,
			   const struct print_ctx *ctx, int indent)
{
	uint64_t v = 0;
	memcpy(&v, bytes, 8);
	const struct print_syms *ps = ctx ? ctx->syms : NULL;
	char name[512];
	if (ps && ps->username && ps->username(v, name, sizeof(name)))
		fputs(name, out);
	else
		fprintf(out, "%" PRIu64, v);
}

static void cgroup_path_print(FILE *out, const struct type *t, const uint8_t *bytes,
			      const struct print_ctx *ctx, int indent)
{
	uint64_t v = 0;
	memcpy(&v, bytes, 8);
	const struct print_syms *ps = ctx ? ctx->syms : NULL;
	const char *filter = ctx && ctx->strftime_fmts && t->fmt_id >= 0 && t->fmt_id < ctx->nfmts
				     ? ctx->strftime_fmts[t->fmt_id]
				     : NULL;
	char path[512];
	if (ps && ps->cgroup_path && ps->cgroup_path(v, filter, path, sizeof(path)))
		fputs(path, out); /* bpftrace prints nothing for a cgroup found nowhere */
}

static void strerror_print(FILE *out, const struct type *t, const uint8_t *bytes,
			   const struct print_ctx *ctx, int indent)
{
	uint64_t v = 0;
	memcpy(&v, bytes, 8);
	fputs(strerror((int)v), out);
}

static void macaddr_print(FILE *out, const struct type *t, const uint8_t *bytes,
			  const struct print_ctx *ctx, int indent)
{
	uint64_t v = 0;
	memcpy(&v, bytes, 8);
	fprintf(out, "%02X:%02X:%02X:%02X:%02X:%02X", (unsigned)(v & 0xff),
		(unsigned)(v >> 8 & 0xff), (unsigned)(v >> 16 & 0xff), (unsigned)(v >> 24 & 0xff),
		(unsigned)(v >> 32 & 0xff), (unsigned)(v >> 40 & 0xff));
}

static const struct builtin rows[] = {
	BUILTIN_VAR("pid", BF_STABLE, check_u64, pid_emit),
	BUILTIN_VAR("tid", BF_STABLE, check_u64, tid_emit),
	BUILTIN_FUNC("pid", 0, 1, 0, check_pid_ns, pid_ns_emit),
	BUILTIN_FUNC("tid", 0, 1, 0, check_pid_ns, tid_ns_emit),
	BUILTIN_VAR("uid", BF_STABLE, check_u64, uid_emit),
	BUILTIN_VAR("gid", BF_STABLE, check_u64, gid_emit),
	{ .name = "comm", .kind = BK_VAR, .check = check_comm, .emit = comm_emit,
	  .store = comm_store },
	BUILTIN_FUNC("comm", 1, 1, BF_NO_FOR, check_comm_pid, comm_pid_emit),
	BUILTIN_VAR("nsecs", 0, check_u64, nsecs_emit),
	BUILTIN_VAR("elapsed", 0, check_u64, elapsed_emit),
	BUILTIN_VAR("cpu", BF_STABLE, check_u64, cpu_emit),
	BUILTIN_VAR("curtask", 0, check_curtask, curtask_emit),
	BUILTIN_VAR("cgroup", BF_STABLE, check_u64, cgroup_emit),
	/* rand: a u32 from the kernel; rand and numaid are uint64 as in bpftrace 0.17 (their
	 * sizeof, their width in a tuple) */
	BUILTIN_VAR("rand", 0, check_u64, rand_emit),
	BUILTIN_VAR("cpid", 0, check_cpid, cpid_emit),
	BUILTIN_VAR("numaid", 0, check_u64, numaid_emit),
	BUILTIN_VAR("username", 0, check_username, username_emit),
	BUILTIN_VAR("ncpus", 0, check_ncpus, NULL), /* a literal by then */
	BUILTIN_VAR("jiffies", 0, check_u64, jiffies_emit),
	BUILTIN_FUNC("cgroup_path", 1, 2, 0, check_cgroup_path, value_emit),
	BUILTIN_FUNC("strerror", 1, 1, 0, check_strerror, value_emit),
	BUILTIN_FUNC("macaddr", 1, 1, 0, check_macaddr, macaddr_emit),
	BUILTIN_FUNC("pton", 1, 1, 0, check_pton, NULL), /* a literal by then */
};

static const struct builtin_fmt fmts[] = {
	{ SUB_USERNAME, TY_INT, username_print },
	{ SUB_CGROUP_PATH, TY_INT, cgroup_path_print },
	{ SUB_STRERROR, TY_INT, strerror_print },
	{ SUB_MACADDR, TY_INT, macaddr_print },
};

const struct builtin_family builtin_family_process = { "process and system facts", rows,
							BUILTIN_NROWS(rows), fmts,
							BUILTIN_NROWS(fmts) };
