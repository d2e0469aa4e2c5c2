/*
 * stdlib/builtin_kinfo.c — the kernel and probe facts family: `probetype` (also as
 * probetype()), `nsecs(boot|monotonic|tai|sw_tai)`, `syscall_name(nr)`,
 * `cgroupid("path")`, `percpu_kaddr("sym"[, cpu])` and `path(p[, size])` (current
 * bpftrace's stdlib).
 *
 * Owns: which probes each may appear in, their types, and the compile-time parts:
 * cgroupid's id (name_to_handle_at on cgroup2), the BTF id of percpu_kaddr's variable
 * (n->ival), nsecs' clock (n->ival, enum kinfo_clock), probetype's value for `if comptime`
 * (its fold hook); their code: the point's probetype
 * text in a buffer, which helper each clock reads (sw_tai: boot time plus the TAI offset
 * measured when the program is built), the per-CPU variable's address from a BTF-id load
 * (ld_imm64 BPF_PSEUDO_BTF_ID) and bpf_per_cpu_ptr/bpf_this_cpu_ptr, bpf_d_path into a
 * zeroed buffer; and the text of syscall_name's values.
 * Must not: read kallsyms or the syscall table itself (codegen asks the run's kinfo,
 * common/kinfo.h; the printer asks print_ctx->syms).
 */
#include <bpf/btf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/kinfo.h"
#include "../sema/btf.h"
#include "../sema/ctypes.h"
#include "builtin_family.h"
#include "symfmt.h"

/* ---- sema ----------------------------------------------------------------------------- */

/* nsecs(CLOCK): the clock a call reads, in its node's ival */
enum kinfo_clock {
	KINFO_CLOCK_PLAIN,     /* nsecs(): what plain nsecs reads (CLOCK_MONOTONIC) */
	KINFO_CLOCK_MONOTONIC,
	KINFO_CLOCK_BOOT,
	KINFO_CLOCK_TAI,
	KINFO_CLOCK_SW_TAI,    /* boot time plus CLOCK_TAI - CLOCK_BOOTTIME taken at start */
};

const char *builtin_probetype_name(const struct probe_point *pt)
{
	if (pt->kind == PROBE_BEGIN || pt->kind == PROBE_END)
		return "special"; /* bpftrace's word for begin/end */
	if (pt->fentry)
		return pt->kind == PROBE_KRETPROBE ? "fexit" : "fentry";
	const struct provider *pv = provider_of_kind(pt);
	return pv ? pv->name : "unknown";
}

/* probetype: a string as long as the longest name among this probe's points. */
static void check_probetype(struct sema *s, struct node *n)
{
	uint32_t size = 8;
	for (int i = 0; i < s->r->npoints; i++) {
		const struct probe_point *pt = &s->r->points[i];
		size_t l = pt->probe == s->probe ? strlen(builtin_probetype_name(pt)) + 1 : 0;
		if (l > size)
			size = (uint32_t)l;
	}
	n->type = type_str(size);
}

/* probetype's value while compiling (`if comptime`): the kind, when every point of the
 * probe has the same one (kprobe:a, tracepoint:b { ... } has no single value). */
static bool probetype_fold(struct sema *s, const struct node *n, const char **str)
{
	const char *name = NULL;
	for (int i = 0; i < s->r->npoints; i++) {
		const struct probe_point *pt = &s->r->points[i];
		if (pt->probe != s->probe)
			continue;
		const char *k = builtin_probetype_name(pt);
		if (name && strcmp(name, k) != 0)
			return false;
		name = k;
	}
	*str = name;
	return name != NULL;
}

static void check_nsecs(struct sema *s, struct node *n)
{
	static const struct { const char *name; enum kinfo_clock clock; } modes[] = {
		{ "monotonic", KINFO_CLOCK_MONOTONIC }, { "boot", KINFO_CLOCK_BOOT },
		{ "tai", KINFO_CLOCK_TAI }, { "sw_tai", KINFO_CLOCK_SW_TAI },
	};
	struct node *a = n->list;
	n->ival = KINFO_CLOCK_PLAIN; /* nsecs(): the clock plain nsecs reads */
	n->type = type_u64();
	if (!a)
		return;
	for (size_t i = 0; a->kind == AST_IDENT && i < sizeof(modes) / sizeof(modes[0]); i++)
		if (strcmp(a->str, modes[i].name) == 0) {
			n->ival = modes[i].clock;
			a->type = type_void();
			return;
		}
	diag_error(s->d, a->loc, "nsecs() takes a clock: boot, monotonic, tai or sw_tai");
	n->type = type_none();
}

static bool int_value(struct sema *s, struct node *a, const char *fn)
{
	sema_expr(s, a);
	if (a->type.kind == TY_INT || a->type.kind == TY_NONE)
		return a->type.kind == TY_INT;
	diag_error(s->d, a->loc, "%s() expects an integer, got %s", fn, sema_kind_word(&a->type));
	return false;
}

/* cgroupid("/sys/fs/cgroup/x"): the cgroup2 id is the directory's file handle (8 bytes),
 * read now, as bpftrace does at compile time. */
static void check_cgroupid(struct sema *s, struct node *n)
{
	struct node *a = n->list;
	if (a->kind != AST_STR) {
		diag_error(s->d, a->loc, "cgroupid() takes a path as a string literal (or str($N))");
		return;
	}
	a->type = type_str(a->slen + 1);
	struct {
		struct file_handle fh;
		unsigned char bytes[64];
	} h;
	int mount_id;
	h.fh.handle_bytes = sizeof(h.bytes);
	if (name_to_handle_at(AT_FDCWD, a->str, &h.fh, &mount_id, 0) != 0) {
		diag_error(s->d, a->loc, "cgroupid(): cannot resolve \"%s\": %s", a->str,
			   strerror(errno));
		return;
	}
	if (h.fh.handle_bytes != 8) {
		diag_error(s->d, a->loc, "cgroupid(): \"%s\" is not a cgroup2 directory", a->str);
		return;
	}
	uint64_t id;
	memcpy(&id, h.fh.f_handle, 8);
	ast_free_list(n->list);
	n->list = NULL;
	free(n->str);
	n->str = NULL;
	n->kind = AST_INT;
	n->ival = (int64_t)id;
	n->sym = -1;
	n->type = type_u64();
}

/* percpu_kaddr("runqueues"[, cpu]): the variable's BTF id (a VAR of vmlinux BTF, which
 * describes the per-CPU variables); the value is a pointer to uint64, as in bpftrace. */
static void check_percpu_kaddr(struct sema *s, struct node *n)
{
	struct node *a = n->list;
	if (a->kind != AST_STR) {
		diag_error(s->d, a->loc, "percpu_kaddr() takes a symbol name as a string literal");
		return;
	}
	a->type = type_str(a->slen + 1);
	if (a->next && !int_value(s, a->next, "percpu_kaddr"))
		return;
	char err[256];
	const struct btf *btf = btf_handle(sema_ctypes(s), err, sizeof(err));
	if (!btf) {
		diag_error(s->d, a->loc, "percpu_kaddr(): %s", err);
		return;
	}
	int id = btf__find_by_name_kind(btf, a->str, BTF_KIND_VAR);
	if (id <= 0) {
		diag_error(s->d, a->loc, "percpu_kaddr(): the kernel has no per-CPU variable "
					 "'%s' (none in its BTF)", a->str);
		return;
	}
	n->ival = id;
	n->type = type_int(8, true);
	n->type.ct = ctypes_int(sema_ctypes(s), 8, false);
}

/* path(p[, size]): bpf_d_path, which the kernel lets only tracing programs call: fentry/
 * fexit ones in the functions of its btf_allowlist_d_path, and iterators. p is a struct
 * path pointer, or (as in bpftrace's path(ctx->file->f_path)) the struct itself, whose
 * value is its address. */
static void check_path(struct sema *s, struct node *n)
{
	struct node *a = n->list, *size = a->next;
	sema_expr(s, a);
	bool record = a->type.kind == TY_RECORD && a->type.ct && a->type.ct->name &&
		      strcmp(a->type.ct->name, "path") == 0;
	if (!record && !int_value(s, a, "path"))
		return;
	uint32_t len = s->opts->strlen ? s->opts->strlen : 64;
	if (size) {
		if (size->kind != AST_INT || size->ival < 1 || size->ival > 4096) {
			diag_error(s->d, size->loc, "path(): the size must be an integer literal "
						    "from 1 to 4096");
			return;
		}
		size->type = type_s64();
		len = (uint32_t)size->ival;
	}
	for (int i = 0; i < s->r->npoints; i++) {
		const struct probe_point *pt = &s->r->points[i];
		if (pt->probe == s->probe && !pt->fentry && !(provider_of(pt)->caps & PV_ITER)) {
			diag_error(s->d, n->loc, "path() is not allowed in %s probes: the kernel lets "
						 "only iter and kfunc/kretfunc (fentry/fexit) programs "
						 "of a few functions call bpf_d_path",
				   builtin_probetype_name(pt));
			return;
		}
	}
	n->type = type_str(len);
}

static void check_syscall_name(struct sema *s, struct node *n)
{
	if (!int_value(s, n->list, "syscall_name"))
		return;
	n->type = type_u64();
	n->type.sub = SUB_SYSCALL_NAME;
}

/* ---- codegen -------------------------------------------------------------------------- */

/* Constant text into a zeroed buffer of size bytes, 8 bytes per store. */
static LLVMValueRef text_buf(struct cg *c, const char *text, uint32_t size)
{
	LLVMValueRef buf = bpfb_buf(c, size, "ptype");
	size_t len = strlen(text);
	uint32_t words = (size + 7) / 8;
	for (uint32_t w = 0; w < words; w++) {
		uint64_t v = 0;
		for (uint32_t i = 0; i < 8; i++) {
			size_t at = (size_t)w * 8 + i;
			if (at < len && at < size - 1u)
				v |= (uint64_t)(unsigned char)text[at] << (8 * i);
		}
		bpfb_store(c, bpfb_i64(c, v), bpfb_gep(c, buf, w * 8), 8);
	}
	return buf;
}

static uint64_t ts_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* CLOCK_TAI - CLOCK_BOOTTIME, the TAI reading between two boot-time readings */
uint64_t builtin_tai_offset(void)
{
	uint64_t b1 = ts_ns(CLOCK_BOOTTIME), tai = ts_ns(CLOCK_TAI), b2 = ts_ns(CLOCK_BOOTTIME);
	return tai - (b1 + (b2 - b1) / 2);
}

static LLVMValueRef clock_ns(struct cg *c, int64_t clock)
{
	switch (clock) {
	case KINFO_CLOCK_BOOT:
		return bpfb_helper(c, BPF_FUNC_ktime_get_boot_ns, c->i64, NULL, 0, "boot_ns");
	case KINFO_CLOCK_TAI:
		return bpfb_helper(c, BPF_FUNC_ktime_get_tai_ns, c->i64, NULL, 0, "tai_ns");
	case KINFO_CLOCK_SW_TAI:
		return LLVMBuildAdd(c->b,
				    bpfb_helper(c, BPF_FUNC_ktime_get_boot_ns, c->i64, NULL, 0, "boot"),
				    bpfb_i64(c, builtin_tai_offset()), "sw_tai_ns");
	default: /* plain nsecs and nsecs(monotonic) */
		return bpfb_helper(c, BPF_FUNC_ktime_get_ns, c->i64, NULL, 0, "nsecs");
	}
}

static LLVMValueRef percpu_kaddr(struct cg *c, struct node *n)
{
	/* the verifier resolves the variable through kallsyms, which lists data symbols only
	 * with CONFIG_KALLSYMS_ALL: say so here rather than as a verifier refusal */
	const char *sym = n->list->str;
	if (!c->opts->kinfo || !kinfo_ksym_listed(c->opts->kinfo, sym)) {
		cg_error(c, "percpu_kaddr(\"%s\"): the kernel does not list the variable in "
			    "/proc/kallsyms (built without CONFIG_KALLSYMS_ALL), so BPF programs "
			    "cannot take its address", sym);
		return bpfb_i64(c, 0);
	}
	LLVMValueRef args[2] = { bpfb_i64(c, BPF_PSEUDO_BTF_ID), bpfb_i64(c, (uint64_t)n->ival) };
	LLVMValueRef var = LLVMBuildCall2(c->b, c->pseudo_ty, c->pseudo_fn, args, 2, "pcpu_var");
	LLVMValueRef p = LLVMBuildIntToPtr(c->b, var, c->ptr, "pcpu");
	struct node *cpu = n->list->next;
	if (!cpu) {
		LLVMValueRef a[1] = { p };
		return bpfb_helper(c, BPF_FUNC_this_cpu_ptr, c->i64, a, 1, "this_cpu");
	}
	LLVMValueRef a[2] = { p, LLVMBuildTrunc(c->b, cg_expr(c, cpu), c->i32, "cpu") };
	return bpfb_helper(c, BPF_FUNC_per_cpu_ptr, c->i64, a, 2, "per_cpu"); /* NULL: no cpu */
}

static LLVMValueRef d_path(struct cg *c, struct node *n)
{
	uint32_t size = n->type.size;
	LLVMValueRef buf = bpfb_buf(c, size, "path");
	bpfb_memset0(c, buf, size);
	LLVMValueRef p = LLVMBuildIntToPtr(c->b, cg_expr(c, n->list), c->ptr, "pathp");
	LLVMValueRef a[3] = { p, buf, bpfb_i32(c, size) };
	cg_helper_check(c, bpfb_helper(c, BPF_FUNC_d_path, c->i64, a, 3, "d_path"),
			BPF_FUNC_d_path, n, -1);
	return buf;
}

static LLVMValueRef probetype_emit(struct cg *c, struct node *n)
{
	return text_buf(c, builtin_probetype_name(c->fn.pt), n->type.size);
}

static LLVMValueRef nsecs_emit(struct cg *c, struct node *n)
{
	return clock_ns(c, n->ival);
}

/* syscall_name(nr): the number; its name is printed (syscall_name_print) */
static LLVMValueRef value_emit(struct cg *c, struct node *n)
{
	return cg_expr(c, n->list);
}

/* ---- printing ------------------------------------------------------------------------- */

static void syscall_name_print(FILE *out, const struct type *t, const uint8_t *bytes,
			       const struct print_ctx *ctx, int indent)
{
	uint64_t v = 0;
	memcpy(&v, bytes, 8);
	const struct print_syms *ps = ctx ? ctx->syms : NULL;
	/* current bpftrace's words for a number without a name */
	const char *name = ps && ps->syscall_name ? ps->syscall_name((int64_t)v) : NULL;
	fputs(name ? name : "Unknown syscall", out);
}

static const struct builtin rows[] = {
	{ .name = "probetype", .kind = BK_VAR, .check = check_probetype, .emit = probetype_emit,
	  .fold = probetype_fold },
	BUILTIN_FUNC("probetype", 0, 0, 0, check_probetype, probetype_emit),
	BUILTIN_FUNC("nsecs", 0, 1, 0, check_nsecs, nsecs_emit),
	BUILTIN_FUNC("syscall_name", 1, 1, 0, check_syscall_name, value_emit),
	BUILTIN_FUNC("cgroupid", 1, 1, 0, check_cgroupid, NULL), /* a literal by then */
	BUILTIN_FUNC("percpu_kaddr", 1, 2, 0, check_percpu_kaddr, percpu_kaddr),
	BUILTIN_FUNC("path", 1, 2, 0, check_path, d_path),
};

static const struct builtin_fmt fmts[] = {
	{ SUB_SYSCALL_NAME, TY_INT, syscall_name_print },
};

const struct builtin_family builtin_family_kinfo = { "kernel and probe facts", rows,
						      BUILTIN_NROWS(rows), fmts,
						      BUILTIN_NROWS(fmts) };
