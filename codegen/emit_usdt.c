/*
 * codegen/emit_usdt.c — reading a USDT probe's arguments (arg0..N in usdt probes).
 *
 * Owns: turning the call site's SDT operand specs (common/usdt_args.h, parsed when the
 * point was expanded) into BPF: a register from the uprobe's struct pt_regs, memory at
 * base + index*scale + displacement or at the probe's own ip + a %rip delta (read with
 * probe_read_user), a constant; then sign- or zero-extension from the spec's size.
 * Must not: parse specs or decide which points are usdt (the provider row's PV_USDT).
 */
#include <linux/bpf.h>
#include <stdio.h>

#include "codegen_internal.h"

static LLVMValueRef reg_value(struct cg *c, const struct usdt_reg *r)
{
	LLVMValueRef v = cg_ctx_load(c, c->i64, (uint32_t)r->off, 8);
	return r->shift ? LLVMBuildLShr(c->b, v, bpfb_i64(c, (uint64_t)r->shift), "") : v;
}

/* `size` bytes of the traced process at addr, zero first so a failed read gives 0 (and
 * counts as a failed probe read, reported with -kk). */
static LLVMValueRef user_read(struct cg *c, LLVMValueRef addr, int size, struct node *n)
{
	if (!c->fn.read_tmp)
		c->fn.read_tmp = bpfb_buf(c, 8, "uread");
	LLVMValueRef tmp = c->fn.read_tmp;
	bpfb_store(c, bpfb_i64(c, 0), tmp, 8);
	LLVMValueRef a[3] = { tmp, bpfb_i64(c, (uint64_t)size), addr };
	cg_helper_check(c, bpfb_helper(c, BPF_FUNC_probe_read_user, c->i64, a, 3, ""),
			BPF_FUNC_probe_read_user, n, -1);
	return bpfb_load(c, c->i64, tmp, 8);
}

static LLVMValueRef extend(struct cg *c, LLVMValueRef v, int size, bool is_signed)
{
	if (size >= 8)
		return v;
	LLVMTypeRef t = size == 4 ? c->i32 : size == 2 ? c->i16 : c->i8;
	LLVMValueRef narrow = LLVMBuildTrunc(c->b, v, t, "");
	return is_signed ? LLVMBuildSExt(c->b, narrow, c->i64, "")
			 : LLVMBuildZExt(c->b, narrow, c->i64, "");
}

LLVMValueRef cg_usdt_arg(struct cg *c, struct node *n, int i)
{
	const struct probe_point *pt = c->fn.pt;
	if (pt->usdt_nargs < 0) {
		cg_error(c, "its arguments cannot be read: %s",
			 pt->usdt_args_err ? pt->usdt_args_err : "unknown operand format");
		return bpfb_i64(c, 0);
	}
	if (i < 0 || i >= pt->usdt_nargs) {
		cg_error(c, "arg%d does not exist: this call site of the probe has %d argument%s", i,
			 pt->usdt_nargs, pt->usdt_nargs == 1 ? "" : "s");
		return bpfb_i64(c, 0);
	}
	const struct usdt_arg *a = &pt->usdt_args[i];
	LLVMValueRef v;
	switch (a->kind) {
	case USDT_ARG_REG:
		v = reg_value(c, &a->reg);
		break;
	case USDT_ARG_CONST: /* "4@$-202182160" is an unsigned 4-byte 4092785136 */
		return bpfb_i64(c, usdt_extend((uint64_t)a->disp, a->size, a->is_signed));
	case USDT_ARG_MEM: {
		LLVMValueRef addr = bpfb_i64(c, (uint64_t)a->disp);
		if (a->reg.off >= 0)
			addr = LLVMBuildAdd(c->b, addr, cg_ctx_load(c, c->i64, (uint32_t)a->reg.off, 8), "");
		if (a->index.off >= 0)
			addr = LLVMBuildAdd(c->b, addr,
					    LLVMBuildMul(c->b, cg_ctx_load(c, c->i64,
									   (uint32_t)a->index.off, 8),
							 bpfb_i64(c, (uint64_t)a->scale), ""),
					    "");
		v = user_read(c, addr, a->size, n);
		break;
	}
	case USDT_ARG_RIP: {
		if (!a->resolved) {
			cg_error(c, "arg%d (%s) refers to symbol '%s', which the binary's symbol "
				 "table does not have", i, a->spec, a->sym);
			return bpfb_i64(c, 0);
		}
		LLVMValueRef ip = cg_ctx_load(c, c->i64, USDT_PT_IP, 8);
		v = user_read(c, LLVMBuildAdd(c->b, ip, bpfb_i64(c, (uint64_t)a->rip_delta), ""),
			      a->size, n);
		break;
	}
	default:
		cg_error(c, "arg%d cannot be read: %s", i, a->why);
		return bpfb_i64(c, 0);
	}
	return extend(c, v, a->size, a->is_signed);
}
