/*
 * codegen/emit_sysinfo.c — code for the process and system facts typed in
 * sema/check_sysinfo.c: numaid, username, sarg0..N, reg(), cgroup_path(), strerror(),
 * macaddr() (pton() is a constant by then).
 *
 * Owns: where each value comes from: a helper (numaid, the uid for username), the pt_regs
 * context (reg, the stack pointer for sargN), or the argument itself (cgroup_path,
 * strerror), and the 6 bytes of a MAC address packed into one u64.
 * Must not: decide types or print (the value's SUB_* form is printed by stdlib/symfmt.c).
 */
#include <linux/bpf.h>
#include <stdlib.h>

#include "codegen_internal.h"

#define REGS_SP_OFF 152u /* x86-64 struct pt_regs: sp */

static bool has_pt_regs(struct cg *c)
{
	const struct probe_point *pt = c->fn.pt;
	if (!pt || !(cg_caps(c) & PV_REGS))
		return false;
	/* kprobes run as fentry programs (no kprobes here) have no pt_regs */
	return !(c->opts->fentry_nargs && (cg_caps(c) & PV_KERNEL_FN) &&
		 c->opts->fentry_nargs[pt->index] >= 0);
}

/* sargN: the Nth 8-byte argument the caller left on the stack, just above the return
 * address (x86-64 SysV). */
static LLVMValueRef stack_arg(struct cg *c, struct node *n)
{
	if (!has_pt_regs(c)) {
		cg_error(c, "%s needs the probe's registers, which this probe does not have",
			 n->str);
		return bpfb_i64(c, 0);
	}
	long i = atol(n->str + 4);
	LLVMValueRef sp = cg_ctx_load(c, c->i64, REGS_SP_OFF, 8);
	LLVMValueRef addr = LLVMBuildAdd(c->b, sp, bpfb_i64(c, 8 * ((uint64_t)i + 1)), "sarg");
	if (!c->fn.read_tmp)
		c->fn.read_tmp = bpfb_stack(c, 8, "cread");
	bpfb_store(c, bpfb_i64(c, 0), c->fn.read_tmp, 8);
	int fn = (n->flags & NODE_F_USER_PTR) ? BPF_FUNC_probe_read_user : BPF_FUNC_probe_read_kernel;
	LLVMValueRef a[3] = { c->fn.read_tmp, bpfb_i64(c, 8), addr };
	cg_helper_check(c, bpfb_helper(c, fn, c->i64, a, 3, ""), fn, n, -1);
	return bpfb_load(c, c->i64, c->fn.read_tmp, 8);
}

LLVMValueRef cg_sys_ident(struct cg *c, struct node *n)
{
	switch (n->sym) {
	case BI_NUMAID:
		return bpfb_helper(c, BPF_FUNC_get_numa_node_id, c->i64, NULL, 0, "numaid");
	case BI_JIFFIES:
		return bpfb_helper(c, BPF_FUNC_jiffies64, c->i64, NULL, 0, "jiffies");
	case BI_USERNAME:
		return LLVMBuildAnd(c->b,
				    bpfb_helper(c, BPF_FUNC_get_current_uid_gid, c->i64, NULL, 0, "uid"),
				    bpfb_i64(c, 0xffffffffu), "uid");
	case BI_SARGN:
		return stack_arg(c, n);
	default:
		return NULL;
	}
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

LLVMValueRef cg_sys_call(struct cg *c, struct node *n)
{
	switch (n->sym) {
	case BI_CGROUP_PATH:
	case BI_STRERROR:
	case BI_UPTR:
	case BI_KPTR:
		return cg_expr(c, n->list);
	case BI_MACADDR:
		return mac_bytes(c, n->list);
	case BI_REG:
		if (!has_pt_regs(c)) {
			cg_error(c, "reg() needs the probe's registers, which this probe does not have");
			return bpfb_i64(c, 0);
		}
		return cg_ctx_load(c, c->i64, (uint32_t)n->ival, 8);
	default:
		return NULL;
	}
}
