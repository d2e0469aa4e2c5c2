/*
 * codegen/bpf_builder.c — a thin LLVM-C layer that speaks BPF: target set-up, helper calls,
 * map fd pseudo loads, map operations, stack/scratch buffers and byte copies.
 *
 * Owns: everything that knows how a BPF construct is spelled in LLVM IR.
 * Must not: look at the AST (emit_*.c do), or create globals (the object must carry no
 * relocations or data sections).
 */
#include <linux/bpf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegen_internal.h"

static void diag_handler(LLVMDiagnosticInfoRef di, void *arg)
{
	struct cg *c = arg;
	if (LLVMGetDiagInfoSeverity(di) != LLVMDSError || c->llvm_error)
		return;
	c->llvm_error = LLVMGetDiagInfoDescription(di);
}

int bpfb_init(struct cg *c)
{
	static bool targets_ready;
	if (!targets_ready) {
		LLVMInitializeBPFTargetInfo();
		LLVMInitializeBPFTarget();
		LLVMInitializeBPFTargetMC();
		LLVMInitializeBPFAsmPrinter();
		targets_ready = true;
	}
	LLVMTargetRef t;
	char *err = NULL;
	if (LLVMGetTargetFromTriple("bpfel", &t, &err)) {
		diag_error_noloc(c->d, "LLVM has no BPF target: %s", err ? err : "?");
		LLVMDisposeMessage(err);
		return -1;
	}
	const char *cpu = c->opts && c->opts->bpf_cpu ? c->opts->bpf_cpu : "v3";
	c->tm = LLVMCreateTargetMachine(t, "bpfel", cpu, "", LLVMCodeGenLevelDefault,
					LLVMRelocStatic, LLVMCodeModelDefault);
	if (!c->tm) {
		diag_error_noloc(c->d, "cannot create the LLVM BPF target machine");
		return -1;
	}
	c->ctx = LLVMContextCreate();
	LLVMContextSetDiagnosticHandler(c->ctx, diag_handler, c);
	c->mod = LLVMModuleCreateWithNameInContext("bpfscript", c->ctx);
	LLVMSetTarget(c->mod, "bpfel");
	LLVMTargetDataRef dl = LLVMCreateTargetDataLayout(c->tm);
	LLVMSetModuleDataLayout(c->mod, dl);
	LLVMDisposeTargetData(dl);
	c->b = LLVMCreateBuilderInContext(c->ctx);

	c->i1 = LLVMInt1TypeInContext(c->ctx);
	c->i8 = LLVMInt8TypeInContext(c->ctx);
	c->i16 = LLVMInt16TypeInContext(c->ctx);
	c->i32 = LLVMInt32TypeInContext(c->ctx);
	c->i64 = LLVMInt64TypeInContext(c->ctx);
	c->ptr = LLVMPointerTypeInContext(c->ctx, 0);
	c->voidt = LLVMVoidTypeInContext(c->ctx);

	static const char pseudo[] = "llvm.bpf.pseudo";
	unsigned id = LLVMLookupIntrinsicID(pseudo, sizeof(pseudo) - 1);
	if (!id) {
		diag_error_noloc(c->d, "LLVM lacks the llvm.bpf.pseudo intrinsic");
		return -1;
	}
	c->pseudo_fn = LLVMGetIntrinsicDeclaration(c->mod, id, NULL, 0);
	c->pseudo_ty = LLVMIntrinsicGetType(c->ctx, id, NULL, 0);
	return 0;
}

void bpfb_fini(struct cg *c)
{
	if (c->b)
		LLVMDisposeBuilder(c->b);
	if (c->mod)
		LLVMDisposeModule(c->mod);
	if (c->ctx)
		LLVMContextDispose(c->ctx);
	if (c->tm)
		LLVMDisposeTargetMachine(c->tm);
	free(c->llvm_error);
	c->b = NULL;
	c->mod = NULL;
	c->ctx = NULL;
	c->tm = NULL;
	c->llvm_error = NULL;
}

void cg_error(struct cg *c, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c->fn.pt) {
		if (c->fn.failed)
			return;
		c->fn.failed = true;
		if (c->fn.stmt)
			diag_error(c->d, c->fn.stmt->loc, "%s: %s", c->fn.pt->name, msg);
		else
			diag_error_noloc(c->d, "%s: %s", c->fn.pt->name, msg);
	} else {
		diag_error_noloc(c->d, "%s", msg);
	}
}

LLVMValueRef bpfb_i64(struct cg *c, uint64_t v) { return LLVMConstInt(c->i64, v, 0); }
LLVMValueRef bpfb_i32(struct cg *c, uint32_t v) { return LLVMConstInt(c->i32, v, 0); }

LLVMValueRef bpfb_helper(struct cg *c, int id, LLVMTypeRef ret, LLVMValueRef *args, int n,
			 const char *name)
{
	LLVMTypeRef at[8];
	for (int i = 0; i < n && i < 8; i++)
		at[i] = LLVMTypeOf(args[i]);
	LLVMTypeRef fty = LLVMFunctionType(ret, at, (unsigned)n, 0);
	LLVMValueRef callee = LLVMConstIntToPtr(bpfb_i64(c, (uint64_t)id), c->ptr);
	return LLVMBuildCall2(c->b, fty, callee, args, (unsigned)n, ret == c->voidt ? "" : name);
}

LLVMValueRef bpfb_kfunc(struct cg *c, const char *name, LLVMTypeRef ret, LLVMValueRef *args,
			int n)
{
	LLVMTypeRef at[8];
	for (int i = 0; i < n && i < 8; i++)
		at[i] = LLVMTypeOf(args[i]);
	LLVMTypeRef fty = LLVMFunctionType(ret, at, (unsigned)n, 0);
	LLVMValueRef f = LLVMGetNamedFunction(c->mod, name);
	if (!f) {
		f = LLVMAddFunction(c->mod, name, fty);
		LLVMSetLinkage(f, LLVMExternalLinkage);
	}
	return LLVMBuildCall2(c->b, fty, f, args, (unsigned)n, ret == c->voidt ? "" : name);
}

LLVMValueRef bpfb_map_ptr(struct cg *c, int fd)
{
	LLVMValueRef args[2] = { bpfb_i64(c, BPF_PSEUDO_MAP_FD), bpfb_i64(c, (uint64_t)fd) };
	LLVMValueRef v = LLVMBuildCall2(c->b, c->pseudo_ty, c->pseudo_fn, args, 2, "map");
	return LLVMBuildIntToPtr(c->b, v, c->ptr, "mapp");
}

LLVMValueRef bpfb_map_value_ptr(struct cg *c, int fd)
{
	LLVMValueRef args[2] = { bpfb_i64(c, BPF_PSEUDO_MAP_VALUE), bpfb_i64(c, (uint64_t)fd) };
	LLVMValueRef v = LLVMBuildCall2(c->b, c->pseudo_ty, c->pseudo_fn, args, 2, "mapval");
	return LLVMBuildIntToPtr(c->b, v, c->ptr, "mapvalp");
}

LLVMValueRef bpfb_map_lookup(struct cg *c, int fd, LLVMValueRef key)
{
	LLVMValueRef a[2] = { bpfb_map_ptr(c, fd), key };
	return bpfb_helper(c, BPF_FUNC_map_lookup_elem, c->ptr, a, 2, "val");
}

LLVMValueRef bpfb_map_update(struct cg *c, int fd, LLVMValueRef key, LLVMValueRef val,
			     uint64_t flags)
{
	LLVMValueRef a[4] = { bpfb_map_ptr(c, fd), key, val, bpfb_i64(c, flags) };
	return bpfb_helper(c, BPF_FUNC_map_update_elem, c->i64, a, 4, "upd");
}

LLVMValueRef bpfb_map_delete(struct cg *c, int fd, LLVMValueRef key)
{
	LLVMValueRef a[2] = { bpfb_map_ptr(c, fd), key };
	return bpfb_helper(c, BPF_FUNC_map_delete_elem, c->i64, a, 2, "del");
}

LLVMValueRef bpfb_gep(struct cg *c, LLVMValueRef p, uint32_t off)
{
	if (!off)
		return p;
	LLVMValueRef idx = bpfb_i64(c, off);
	return LLVMBuildInBoundsGEP2(c->b, c->i8, p, &idx, 1, "");
}

LLVMValueRef bpfb_load(struct cg *c, LLVMTypeRef t, LLVMValueRef p, unsigned align)
{
	LLVMValueRef v = LLVMBuildLoad2(c->b, t, p, "");
	LLVMSetAlignment(v, align);
	return v;
}

void bpfb_store(struct cg *c, LLVMValueRef v, LLVMValueRef p, unsigned align)
{
	LLVMValueRef s = LLVMBuildStore(c->b, v, p);
	LLVMSetAlignment(s, align);
}

/* Largest power-of-two access (≤ 8) that fits both the remaining length and the
 * alignment guaranteed at this offset (slots start 8-aligned). */
static uint32_t chunk(uint32_t off, uint32_t rem)
{
	uint32_t w = 8;
	while (w > rem || (off & (w - 1)))
		w >>= 1;
	return w;
}

static LLVMTypeRef int_of(struct cg *c, uint32_t bytes)
{
	return bytes == 8 ? c->i64 : bytes == 4 ? c->i32 : bytes == 2 ? c->i16 : c->i8;
}

/* Explicit word stores rather than llvm.memset: the sizes are small and known, and the
 * alignment we know (8 at every slot start) is what keeps the BPF back end from splitting
 * them into byte stores. */
void bpfb_memset0_at(struct cg *c, LLVMValueRef p, uint32_t from, uint32_t to)
{
	for (uint32_t off = from; off < to;) {
		uint32_t w = chunk(off, to - off);
		bpfb_store(c, LLVMConstInt(int_of(c, w), 0, 0), bpfb_gep(c, p, off), w);
		off += w;
	}
}

void bpfb_memset0(struct cg *c, LLVMValueRef p, uint32_t len) { bpfb_memset0_at(c, p, 0, len); }

void bpfb_memcpy(struct cg *c, LLVMValueRef dst, LLVMValueRef src, uint32_t len)
{
	bpfb_memcpy_aligned(c, dst, src, len, 8);
}

void bpfb_memcpy_aligned(struct cg *c, LLVMValueRef dst, LLVMValueRef src, uint32_t len,
			 uint32_t align)
{
	for (uint32_t off = 0; off < len;) {
		uint32_t w = chunk(off, len - off);
		while (w > align)
			w >>= 1;
		LLVMValueRef v = bpfb_load(c, int_of(c, w), bpfb_gep(c, src, off), w);
		bpfb_store(c, v, bpfb_gep(c, dst, off), w);
		off += w;
	}
}

LLVMBasicBlockRef bpfb_block(struct cg *c, const char *name)
{
	return LLVMAppendBasicBlockInContext(c->ctx, c->fn.func, name);
}

bool bpfb_terminated(struct cg *c)
{
	return LLVMGetBasicBlockTerminator(LLVMGetInsertBlock(c->b)) != NULL;
}

/* A loop callback's result (0: go on, 1: stop) must be provably 0 or 1 to the verifier
 * ("At callback return the register R0 has unknown scalar value"). The callback's returns
 * are constants, but LLVM merges them: `if (c) return 1; return 0;` becomes `return c`
 * when it can prove c is 0 or 1 (say `strcontains(..) >> $i`), and the verifier, which
 * cannot bound a variable shift, then sees an unknown scalar. So every return of a
 * callback stores its constant to a volatile stack slot and returns the slot's value & 1:
 * LLVM cannot see through the volatile load to drop the mask, and from the mask the
 * verifier knows the range [0, 1] whatever reached the store. */
void bpfb_cb_ret(struct cg *c, int v)
{
	struct cg_fn *f = &c->fn;
	if (!f->cb_ret)
		f->cb_ret = bpfb_stack(c, 8, "cb_ret");
	LLVMSetVolatile(LLVMBuildStore(c->b, bpfb_i64(c, v), f->cb_ret), true);
	LLVMValueRef r = LLVMBuildLoad2(c->b, c->i64, f->cb_ret, "");
	LLVMSetVolatile(r, true);
	LLVMBuildRet(c->b, LLVMBuildAnd(c->b, r, bpfb_i64(c, 1), ""));
}

/* Why a loop's exit value needs this: strlen()'s loop indexes a stack buffer with its
 * counter i and returns i. In `strlen(comm) + elapsed` (elapsed a constant in END) LLVM's
 * loop strength reduction keeps one register i + C instead of i, and addresses the
 * buffer as fp-16 + (-C) + (i + C): correct arithmetic, but the verifier refuses the
 * first step ("math between fp pointer and -42660003411332 is not allowed"). Handing the
 * exit value through a volatile store and load leaves LLVM no use of i + C in the loop. */
LLVMValueRef bpfb_opaque(struct cg *c, LLVMValueRef v)
{
	struct cg_fn *f = &c->fn;
	if (!f->opaque)
		f->opaque = bpfb_stack(c, 8, "opaque");
	LLVMSetVolatile(LLVMBuildStore(c->b, v, f->opaque), true);
	LLVMValueRef r = LLVMBuildLoad2(c->b, c->i64, f->opaque, "");
	LLVMSetVolatile(r, true);
	return r;
}

LLVMValueRef bpfb_byte_at(struct cg *c, LLVMValueRef p, LLVMValueRef idx)
{
	return LLVMBuildLoad2(c->b, c->i8, LLVMBuildGEP2(c->b, c->i8, p, &idx, 1, ""), "");
}

void bpfb_branch_new(struct cg *c, LLVMValueRef cond, LLVMBasicBlockRef other, bool when)
{
	LLVMBasicBlockRef next = bpfb_block(c, "s_next");
	if (when)
		LLVMBuildCondBr(c->b, cond, other, next);
	else
		LLVMBuildCondBr(c->b, cond, next, other);
	LLVMPositionBuilderAtEnd(c->b, next);
}

/* One slot per `which` per function, shared by every string loop: each call evaluates
 * its operands first and loads its result before anything else runs, so no two calls are
 * ever live at once (a fresh slot per call used up the 512-byte stack after about ten
 * calls in one probe). LLVM's mem2reg turns the slot into phis. */
LLVMValueRef bpfb_str_slot(struct cg *c, int which, uint64_t init)
{
	if (!c->fn.str_tmp[which])
		c->fn.str_tmp[which] = bpfb_buf(c, 8, "res"); /* scratch once the stack is full */
	LLVMValueRef r = c->fn.str_tmp[which];
	bpfb_store(c, bpfb_i64(c, init), r, 8);
	return r;
}

void bpfb_ret0(struct cg *c)
{
	if (c->fn.cb_stop) {
		/* return/exit inside a for-loop body: stop iterating (callback result 1) and
		 * flag the caller, which then returns as well (emit_loops.c) */
		bpfb_store(c, bpfb_i64(c, 1), c->fn.cb_stop, 8);
		bpfb_cb_ret(c, 1);
		LLVMPositionBuilderAtEnd(c->b, bpfb_block(c, "dead"));
		return;
	}
	LLVMBuildRet(c->b, bpfb_i64(c, 0));
	LLVMPositionBuilderAtEnd(c->b, bpfb_block(c, "dead"));
}

void bpfb_ret(struct cg *c, LLVMValueRef v)
{
	if (c->fn.cb_stop) { /* sema refuses `return N` in loops; a plain return then */
		bpfb_ret0(c);
		return;
	}
	LLVMBuildRet(c->b, v);
	LLVMPositionBuilderAtEnd(c->b, bpfb_block(c, "dead"));
}

void bpfb_br_dead(struct cg *c, LLVMBasicBlockRef to)
{
	LLVMBuildBr(c->b, to);
	LLVMPositionBuilderAtEnd(c->b, bpfb_block(c, "dead"));
}

static LLVMValueRef entry_alloca(struct cg *c, LLVMTypeRef t, const char *name)
{
	LLVMBasicBlockRef cur = LLVMGetInsertBlock(c->b);
	LLVMPositionBuilderAtEnd(c->b, c->fn.entry);
	LLVMValueRef a = LLVMBuildAlloca(c->b, t, name);
	LLVMSetAlignment(a, 8);
	LLVMPositionBuilderAtEnd(c->b, cur);
	return a;
}

LLVMValueRef bpfb_stack(struct cg *c, uint32_t size, const char *name)
{
	size = abi_align(size ? size : 1);
	if (c->fn.stack_used + size > CG_STACK_BUDGET)
		cg_error(c, "the program needs more than the %u bytes of BPF stack (%u in use, "
			    "%u more requested)", CG_STACK_LIMIT, c->fn.stack_used, size);
	else
		c->fn.stack_used += size;
	return entry_alloca(c, LLVMArrayType(c->i8, size), name);
}

/* This CPU's scratch buffer, looked up once in the prologue so it dominates every use. */
static LLVMValueRef scratch_base(struct cg *c)
{
	struct cg_fn *f = &c->fn;
	if (f->scratch)
		return f->scratch;
	LLVMBasicBlockRef cur = LLVMGetInsertBlock(c->b);
	LLVMValueRef key = entry_alloca(c, c->i32, "skey");
	LLVMPositionBuilderAtEnd(c->b, f->prologue);
	bpfb_store(c, bpfb_i32(c, 0), key, 4);
	LLVMValueRef p = bpfb_map_lookup(c, c->opts->scratch_fd, key);
	LLVMBasicBlockRef ok = bpfb_block(c, "scratch_ok");
	LLVMBasicBlockRef bad = bpfb_block(c, "scratch_null");
	LLVMBuildCondBr(c->b, LLVMBuildIsNull(c->b, p, ""), bad, ok);
	LLVMPositionBuilderAtEnd(c->b, bad);
	LLVMBuildRet(c->b, bpfb_i64(c, 0));
	f->prologue = ok;
	f->scratch = p;
	LLVMPositionBuilderAtEnd(c->b, cur);
	return p;
}

LLVMValueRef bpfb_scratch(struct cg *c, uint32_t size)
{
	struct cg_fn *f = &c->fn;
	size = abi_align(size ? size : 1);
	if (f->scratch_used + size > ABI_SCRATCH_SIZE)
		return NULL;
	LLVMValueRef base = scratch_base(c);
	/* address computed in the prologue so it dominates every use, including the
	 * zero-initialisation of variables that also lives there */
	LLVMBasicBlockRef cur = LLVMGetInsertBlock(c->b);
	LLVMPositionBuilderAtEnd(c->b, f->prologue);
	LLVMValueRef p = bpfb_gep(c, base, f->scratch_used);
	LLVMPositionBuilderAtEnd(c->b, cur);
	f->scratch_used += size;
	return p;
}

LLVMValueRef bpfb_buf(struct cg *c, uint32_t size, const char *name)
{
	struct cg_fn *f = &c->fn;
	size = abi_align(size ? size : 1);
	bool fits_stack = f->stack_used + size + f->while_reserve + c->stack_reserve <=
			  CG_STACK_BUDGET;
	bool fits_scratch = f->scratch_used + size <= ABI_SCRATCH_SIZE;
	if (fits_scratch && (size >= CG_SCRATCH_MIN || !fits_stack))
		return bpfb_scratch(c, size);
	if (!fits_stack) {
		cg_error(c, "the program needs more temporary storage than the %u-byte BPF "
			    "stack and the %u-byte scratch buffer provide",
			 CG_STACK_LIMIT, ABI_SCRATCH_SIZE);
		return entry_alloca(c, LLVMArrayType(c->i8, 8), name);
	}
	return bpfb_stack(c, size, name);
}

LLVMValueRef bpfb_to_bool(struct cg *c, LLVMValueRef v)
{
	if (LLVMTypeOf(v) == c->i1)
		return v;
	return LLVMBuildICmp(c->b, LLVMIntNE, v, LLVMConstNull(LLVMTypeOf(v)), "");
}

LLVMValueRef bpfb_zext64(struct cg *c, LLVMValueRef v)
{
	if (LLVMTypeOf(v) == c->i64)
		return v;
	return LLVMBuildZExt(c->b, v, c->i64, "");
}
