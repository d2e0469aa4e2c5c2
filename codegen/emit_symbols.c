/*
 * codegen/emit_symbols.c — kstack/ustack, ksym(), usym(), kaddr(), uaddr() and `func` in
 * uprobes.
 *
 * Owns: bpf_get_stackid on the STACK_TRACE map for the stack's (kind, frame limit), with the
 * key layout of types.h (kstack: the id; ustack: pid << 32 | u32 id, so user frames
 * resolve against the right process), the 16-byte usym value (address, pid), and resolving
 * names while compiling: kaddr() through the run's kinfo (common/kinfo.h), uaddr() through
 * the runtime's struct cg_symbols.
 * Must not: print or format symbols (stdlib/symfmt.c), create maps (runtime/stacks.c), or
 * read kallsyms or ELF files itself.
 */
#include <linux/bpf.h>
#include <string.h>

#include "codegen_internal.h"
#include "../common/kinfo.h"

#define REGS_IP_OFF 128u /* x86-64 struct pt_regs: ip */

static int stack_fd(struct cg *c, bool user, uint32_t frames, bool build_id)
{
	for (int i = 0; i < c->sr->nstacks; i++)
		if (c->sr->stacks[i].user == user && c->sr->stacks[i].frames == frames &&
		    c->sr->stacks[i].build_id == build_id)
			return c->opts->stack_fds ? c->opts->stack_fds[i] : -1;
	return -1;
}

LLVMValueRef cg_stack(struct cg *c, struct node *n)
{
	bool user = n->type.sub == SUB_USTACK;
	uint32_t frames = (uint32_t)n->type.fmt_id & 0xffff;
	int fd = stack_fd(c, user, frames, (n->type.fmt_id & SUB_STACK_BUILD_ID) != 0);
	if (fd < 0) {
		cg_error(c, "internal error: no stack map for %s", user ? "ustack" : "kstack");
		return bpfb_i64(c, 0);
	}
	LLVMValueRef a[3] = { c->fn.ctx, bpfb_map_ptr(c, fd),
			      bpfb_i64(c, user ? BPF_F_USER_STACK : 0) };
	LLVMValueRef id = bpfb_helper(c, BPF_FUNC_get_stackid, c->i64, a, 3, "stackid");
	cg_helper_check(c, id, BPF_FUNC_get_stackid, n, -1);
	if (!user)
		return id;
	LLVMValueRef tgid = LLVMBuildLShr(
		c->b, bpfb_helper(c, BPF_FUNC_get_current_pid_tgid, c->i64, NULL, 0, "pid_tgid"),
		bpfb_i64(c, 32), "pid");
	return LLVMBuildOr(c->b, LLVMBuildShl(c->b, tgid, bpfb_i64(c, 32), ""),
			   LLVMBuildAnd(c->b, id, bpfb_i64(c, 0xffffffffu), ""), "ustack");
}

/* uaddr("sym"): a non-PIE binary's symbols sit at their link-time address; in a PIE
 * executable or a library the load base is only known at run time, but at a uprobe's entry
 * ip is the probed function itself, so base = ip - its link-time address. */
static LLVMValueRef uaddr(struct cg *c, struct node *n, const char *name)
{
	const struct probe_point *pt = c->fn.pt;
	const struct cg_symbols *sy = c->opts->syms;
	uint64_t addr = 0, here;
	bool pie = false;
	if (!sy || !pt->target || sy->user_addr(sy->ctx, pt->target, name, &addr, &pie)) {
		cg_error(c, "uaddr: symbol '%s' not found in %s", name,
			 pt->target ? pt->target : "the probed binary");
		return bpfb_i64(c, 0);
	}
	if (!pie)
		return bpfb_i64(c, addr);
	if ((cg_caps(c) & (PV_USER | PV_ENTRY)) != (PV_USER | PV_ENTRY) ||
	    sy->user_vaddr(sy->ctx, pt->target, pt->offset, &here)) {
		cg_error(c,
			 "uaddr(\"%s\"): %s is position-independent, so its addresses are only known "
			 "at the entry of a uprobe (not in a uretprobe)",
			 name, pt->target);
		return bpfb_i64(c, 0);
	}
	LLVMValueRef ip = cg_ctx_load(c, c->i64, REGS_IP_OFF, 8);
	return LLVMBuildAdd(c->b, LLVMBuildSub(c->b, ip, bpfb_i64(c, here), ""),
			    bpfb_i64(c, addr), "uaddr");
}

LLVMValueRef cg_sym_call(struct cg *c, struct node *n)
{
	struct node *a = n->list;
	switch (n->sym) {
	case BI_KSTACK_F:
	case BI_USTACK_F:
		return cg_stack(c, n);
	case BI_KSYM:
		return cg_expr(c, a);
	case BI_USYM: {
		LLVMValueRef buf = bpfb_buf(c, 16, "usym");
		bpfb_store(c, cg_expr(c, a), buf, 8);
		LLVMValueRef tgid = LLVMBuildLShr(
			c->b, bpfb_helper(c, BPF_FUNC_get_current_pid_tgid, c->i64, NULL, 0, "pid_tgid"),
			bpfb_i64(c, 32), "pid");
		bpfb_store(c, tgid, bpfb_gep(c, buf, 8), 8);
		return buf;
	}
	case BI_KADDR: {
		struct kinfo *ki = c->opts->kinfo;
		uint64_t addr = a && a->str && ki ? kinfo_ksym_addr(ki, a->str) : 0;
		if (!addr)
			cg_error(c, "kaddr: Failed to resolve kernel symbol '%s': it is not in "
				    "/proc/kallsyms",
				 a && a->str ? a->str : "?");
		return bpfb_i64(c, addr);
	}
	case BI_UADDR:
		return uaddr(c, n, a && a->str ? a->str : "");
	default:
		return NULL;
	}
}
