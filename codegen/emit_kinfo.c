/*
 * codegen/emit_kinfo.c — code for the kernel and probe facts typed in
 * sema/check_kinfo.c: probetype, nsecs(CLOCK), syscall_name(), percpu_kaddr() and path()
 * (cgroupid() is a constant by then).
 *
 * Owns: the point's probetype text in a buffer, which helper each clock reads (sw_tai:
 * boot time plus the TAI offset measured when the program is built), the per-CPU
 * variable's address from a BTF-id load (ld_imm64 BPF_PSEUDO_BTF_ID) and
 * bpf_per_cpu_ptr/bpf_this_cpu_ptr, and bpf_d_path into a zeroed buffer.
 * Must not: decide types or print (syscall_name is printed by stdlib/symfmt.c).
 */
#include <linux/bpf.h>
#include <string.h>
#include <time.h>

#include "codegen_internal.h"
#include "../common/kinfo.h"

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
uint64_t cg_tai_offset(void)
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
				    bpfb_i64(c, cg_tai_offset()), "sw_tai_ns");
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

static LLVMValueRef kinfo_ident(struct cg *c, struct node *n)
{
	if (n->sym != BI_PROBETYPE)
		return NULL;
	return text_buf(c, sema_probetype_name(c->fn.pt), n->type.size);
}

static LLVMValueRef kinfo_call(struct cg *c, struct node *n)
{
	switch (n->sym) {
	case BI_PROBETYPE_F:
		return text_buf(c, sema_probetype_name(c->fn.pt), n->type.size);
	case BI_NSECS_F:
		return clock_ns(c, n->ival);
	case BI_SYSCALL_NAME:
		return cg_expr(c, n->list);
	case BI_PERCPU_KADDR:
		return percpu_kaddr(c, n);
	case BI_PATH:
		return d_path(c, n);
	default:
		return NULL;
	}
}

const struct cg_family cg_family_kinfo = { kinfo_ident, kinfo_call };
