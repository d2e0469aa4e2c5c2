/*
 * codegen/emit_ctype.c — reading C types out of kernel or user memory: struct members
 * (`->`, `.`, bitfields), `*p`, `&x`, `p[i]` and `arr[i]`, pointer arithmetic.
 *
 * Owns: the value convention for C types (a pointer is an i64 address; a struct, union or
 * non-char array value is the i64 address where it lives, so `a->b.c.d` folds into one
 * address and reads only the last member; char arrays are read into a string buffer),
 * and the choice of bpf_probe_read_kernel vs bpf_probe_read_user (the type's .user) vs
 * the legacy bpf_probe_read in probes with no address space (cg_read_fn).
 * Must not: decide types or report user errors (sema/check_ctype.c did); touch maps.
 */
#include <linux/bpf.h>

#include "../sema/ctypes.h"
#include "codegen_internal.h"

static LLVMValueRef as_i64(struct cg *c, LLVMValueRef v)
{
	return LLVMTypeOf(v) == c->i64 ? v : LLVMBuildPtrToInt(c->b, v, c->i64, "");
}

int cg_read_fn(struct cg *c, bool user, bool str)
{
	if (user)
		return str ? BPF_FUNC_probe_read_user_str : BPF_FUNC_probe_read_user;
	if (cg_caps(c) & (PV_USER | PV_KERNEL_FN | PV_ARGS_TP | PV_CTX_U64 | PV_ARGS_BTF | PV_ITER))
		return str ? BPF_FUNC_probe_read_kernel_str : BPF_FUNC_probe_read_kernel;
	/* BEGIN, END, interval, profile, software, hardware, watchpoint: no address space of
	 * their own; the legacy helper reads either on x86, as bpftrace 0.17 does there */
	return str ? BPF_FUNC_probe_read_str : BPF_FUNC_probe_read;
}

/* `size` (≤ 8) bytes at addr, zero-filled first so a failed read yields 0. */
static LLVMValueRef read_raw(struct cg *c, LLVMValueRef addr, uint32_t size, bool user)
{
	/* one slot per function: it is written, read by the helper and loaded back before
	 * anything else runs, so every member read can share it (a fresh slot per read
	 * used up the 512-byte stack in tools such as tcplife.bt) */
	if (!c->fn.read_tmp)
		c->fn.read_tmp = bpfb_buf(c, 8, "cread"); /* scratch once the stack is full */
	LLVMValueRef tmp = c->fn.read_tmp;
	bpfb_store(c, bpfb_i64(c, 0), tmp, 8);
	LLVMValueRef a[3] = { tmp, bpfb_i64(c, size), addr };
	int fn = cg_read_fn(c, user, false);
	cg_helper_check(c, bpfb_helper(c, fn, c->i64, a, 3, ""), fn, NULL, -1);
	return bpfb_load(c, c->i64, tmp, 8);
}

/* A value of language type t stored at addr (see the file comment for the convention);
 * ct is its C type when known: an unsigned byte array (an IPv6 address, a MAC) is data,
 * read whole, where a char array is text, read up to its NUL so keys compare equal. */
static LLVMValueRef read_value(struct cg *c, LLVMValueRef addr, const struct type *t, bool user,
			       const struct ctype *ct)
{
	switch (t->kind) {
	case TY_RECORD:
		return addr;
	case TY_STR: {
		uint32_t slot = abi_align(t->size);
		LLVMValueRef buf = bpfb_buf(c, slot, "cstr");
		bpfb_memset0(c, buf, slot);
		LLVMValueRef a[3] = { buf, bpfb_i64(c, t->size), addr };
		bool raw = ct && ct->kind == CT_ARRAY && ct->ref && !ct->ref->is_signed;
		int fn = cg_read_fn(c, user, !raw);
		LLVMValueRef got = bpfb_helper(c, fn, c->i64, a, 3, "");
		cg_helper_check(c, got, fn, NULL, -1);
		if (!raw && ct && ct->kind == CT_ARRAY && t->size > 0) {
			/* `char s[5]` holding "hello" has no NUL: the _str read stopped at 4
			 * characters and wrote its NUL into the last byte; put the array's last
			 * byte back (the buffer is the array's size, printers stop at it), as
			 * bpftrace prints all 5. Only when the read filled the buffer. */
			LLVMBasicBlockRef full = bpfb_block(c, "cstr_full"), done = bpfb_block(c, "cstr_done");
			LLVMBuildCondBr(c->b, LLVMBuildICmp(c->b, LLVMIntEQ, got,
							    bpfb_i64(c, t->size), ""), full, done);
			LLVMPositionBuilderAtEnd(c->b, full);
			LLVMValueRef last = bpfb_gep(c, buf, t->size - 1);
			LLVMValueRef b[3] = { last, bpfb_i64(c, 1),
					      LLVMBuildAdd(c->b, addr, bpfb_i64(c, t->size - 1), "") };
			int rfn = cg_read_fn(c, user, false);
			bpfb_helper(c, rfn, c->i64, b, 3, "");
			LLVMBuildBr(c->b, done);
			LLVMPositionBuilderAtEnd(c->b, done);
		}
		return buf;
	}
	case TY_INT: {
		uint32_t size = t->size;
		if (size != 1 && size != 2 && size != 4 && size != 8)
			size = 8;
		return cg_norm(c, read_raw(c, addr, size, user), t);
	}
	default:
		cg_error(c, "internal error: cannot read a C value of this type");
		return bpfb_i64(c, 0);
	}
}

/* The member FIELD n names in its base's struct (sema checked it exists). */
static const struct cmember *member_of(struct cg *c, struct node *n, uint32_t *bit_off)
{
	const struct ctype *rec = n->a->type.ct;
	const struct cmember *m = rec && c->sr->ctypes
					  ? ctype_member(c->sr->ctypes, rec, n->str, bit_off)
					  : NULL;
	if (!m)
		cg_error(c, "internal error: member '%s' vanished", n->str ? n->str : "?");
	return m;
}

/* Address of the struct FIELD n reads from: a pointer's value, or a record's address. */
static LLVMValueRef field_base(struct cg *c, struct node *n)
{
	return as_i64(c, cg_expr(c, n->a));
}

static LLVMValueRef add_off(struct cg *c, LLVMValueRef base, uint64_t off)
{
	return off ? LLVMBuildAdd(c->b, base, bpfb_i64(c, off), "") : base;
}

/* ctx->FIELD in an iter probe: the kernel lets an iterator program read its context only
 * in place (the verifier types a loaded pointer as the kernel object it is, which
 * bpf_d_path and bpf_seq_printf require). A NULL object pointer is the kernel's last call,
 * after every object: as in bpftrace, the probe returns there. */
static bool is_iter_ctx(struct cg *c, const struct node *base)
{
	return base->kind == AST_IDENT && (cg_row_flags(c, base) & BF_CTX_PTR) &&
	       (cg_caps(c) & PV_ITER);
}

static LLVMValueRef iter_ctx_field(struct cg *c, struct node *n, const struct cmember *m,
				   uint32_t off)
{
	uint32_t size = m->type->size;
	LLVMTypeRef it = size == 8 ? c->i64 : size == 4 ? c->i32 : size == 2 ? c->i16 : c->i8;
	LLVMValueRef v = bpfb_zext64(c, cg_ctx_load(c, it, off, size));
	if (m->type->kind == CT_PTR) {
		LLVMBasicBlockRef end = bpfb_block(c, "iter_end"), obj = bpfb_block(c, "iter_obj");
		LLVMBuildCondBr(c->b, LLVMBuildICmp(c->b, LLVMIntEQ, v, bpfb_i64(c, 0), ""), end,
				obj);
		LLVMPositionBuilderAtEnd(c->b, end);
		LLVMBuildRet(c->b, bpfb_i64(c, 0));
		LLVMPositionBuilderAtEnd(c->b, obj);
	}
	return cg_norm(c, v, &n->type);
}

LLVMValueRef cg_ctype_field(struct cg *c, struct node *n)
{
	uint32_t bit_off = 0;
	const struct cmember *m = member_of(c, n, &bit_off);
	if (m && is_iter_ctx(c, n->a) && !m->bitfield && bit_off % 8 == 0 &&
	    n->type.kind == TY_INT && (m->type->size == 1 || m->type->size == 2 ||
				       m->type->size == 4 || m->type->size == 8))
		return iter_ctx_field(c, n, m, bit_off / 8);
	bool user = n->a->type.user;
	LLVMValueRef base = field_base(c, n);
	if (!m)
		return bpfb_i64(c, 0);
	if (!m->bitfield)
		return read_value(c, add_off(c, base, bit_off / 8), &n->type, user, m->type);
	/* Bitfield: read the bytes that hold it, then shift and mask (little-endian). */
	uint32_t shift = bit_off % 8, width = m->bitfield;
	uint32_t nbytes = (shift + width + 7) / 8;
	if (nbytes > 8)
		nbytes = 8;
	LLVMValueRef v = read_raw(c, add_off(c, base, bit_off / 8), nbytes, user);
	if (shift)
		v = LLVMBuildLShr(c->b, v, bpfb_i64(c, shift), "");
	if (width < 64) {
		if (n->type.is_signed) {
			LLVMValueRef k = bpfb_i64(c, 64 - width);
			v = LLVMBuildAShr(c->b, LLVMBuildShl(c->b, v, k, ""), k, "");
		} else {
			v = LLVMBuildAnd(c->b, v, bpfb_i64(c, (1ull << width) - 1), "");
		}
	}
	return cg_norm(c, v, &n->type);
}

LLVMValueRef cg_ctype_deref(struct cg *c, struct node *n)
{
	LLVMValueRef p = as_i64(c, cg_expr(c, n->a));
	return read_value(c, p, &n->type, n->a->type.user || (n->a->flags & NODE_F_USER_PTR),
			  n->a->type.kind == TY_INT ? n->a->type.ct : NULL);
}

/* p[i] / arr[i]: the element's address; n->off is the element size (sema). */
static LLVMValueRef elem_addr(struct cg *c, struct node *n)
{
	LLVMValueRef base = as_i64(c, cg_expr(c, n->a));
	LLVMValueRef idx = cg_expr(c, n->b);
	return LLVMBuildAdd(c->b, base, LLVMBuildMul(c->b, idx, bpfb_i64(c, n->off), ""), "");
}

LLVMValueRef cg_ctype_index(struct cg *c, struct node *n)
{
	const struct type *bt = &n->a->type;
	if (bt->kind == TY_STR) { /* a constant index into the string's buffer (sema) */
		LLVMValueRef buf = cg_buf_expr(c, n->a);
		LLVMValueRef b = bpfb_load(c, c->i8, bpfb_gep(c, buf, (uint32_t)n->b->ival), 1);
		return LLVMBuildSExt(c->b, b, c->i64, "");
	}
	const struct ctype *el = bt->kind == TY_RECORD && bt->ct ? bt->ct->ref : bt->ct;
	return read_value(c, elem_addr(c, n), &n->type, bt->user, el);
}

LLVMValueRef cg_ctype_addrof(struct cg *c, struct node *n)
{
	struct node *x = n->a;
	if (x->type.kind == TY_RECORD) /* its value is its address */
		return as_i64(c, cg_expr(c, x));
	if (x->kind == AST_VAR || x->kind == AST_MAP) /* &$x, &@m[k]: emit_lang.c */
		return cg_addrof_slot(c, n);
	if (x->kind == AST_FIELD) {
		uint32_t bit_off = 0;
		member_of(c, x, &bit_off);
		return add_off(c, field_base(c, x), bit_off / 8);
	}
	if (x->kind == AST_UNOP && x->op == OP_DEREF)
		return as_i64(c, cg_expr(c, x->a));
	if (x->kind == AST_INDEX)
		return elem_addr(c, x);
	cg_error(c, "internal error: address of an unsupported expression");
	return bpfb_i64(c, 0);
}

static uint64_t elem_size(const struct type *ptr)
{
	return ptr->ct && ptr->ct->size ? ptr->ct->size : 1; /* void *: bytes, as GNU C */
}

LLVMValueRef cg_ptr_scale(struct cg *c, const struct type *t, LLVMValueRef n)
{
	if (t->kind != TY_INT || !t->ct)
		return n;
	uint64_t sz = elem_size(t);
	return sz == 1 ? n : LLVMBuildMul(c->b, n, bpfb_i64(c, sz), "");
}

bool cg_is_ptr_arith(const struct node *n)
{
	if (n->kind != AST_BINOP || (n->op != OP_ADD && n->op != OP_SUB))
		return false;
	return (n->a->type.kind == TY_INT && n->a->type.ct) ||
	       (n->b->type.kind == TY_INT && n->b->type.ct);
}

LLVMValueRef cg_ptr_arith(struct cg *c, struct node *n)
{
	const struct type *ta = &n->a->type, *tb = &n->b->type;
	LLVMValueRef a = cg_expr(c, n->a), b = cg_expr(c, n->b);
	if (ta->ct && tb->ct && ta->kind == TY_INT && tb->kind == TY_INT) {
		/* p - q: elements between them; exact for pointers into one array, so the
		 * unsigned division of the magnitude is enough */
		LLVMValueRef d = LLVMBuildSub(c->b, a, b, "");
		LLVMValueRef neg = LLVMBuildICmp(c->b, LLVMIntSLT, d, bpfb_i64(c, 0), "");
		LLVMValueRef mag = LLVMBuildSelect(c->b, neg, LLVMBuildNeg(c->b, d, ""), d, "");
		LLVMValueRef q = LLVMBuildUDiv(c->b, mag, bpfb_i64(c, elem_size(ta)), "");
		return LLVMBuildSelect(c->b, neg, LLVMBuildNeg(c->b, q, ""), q, "");
	}
	bool a_ptr = ta->ct && ta->kind == TY_INT;
	LLVMValueRef p = a_ptr ? a : b, i = a_ptr ? b : a;
	i = LLVMBuildMul(c->b, i, bpfb_i64(c, elem_size(a_ptr ? ta : tb)), "");
	return n->op == OP_ADD ? LLVMBuildAdd(c->b, p, i, "") : LLVMBuildSub(c->b, p, i, "");
}
