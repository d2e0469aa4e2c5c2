/*
 * codegen/emit_seq.c — printf in an iter probe: a bpf_seq_printf call that writes into the
 * iterator's seq_file, which the tracer reads (runtime/probe_iter.c).
 *
 * Owns: the call's operands: the seq_file, reached through the context's meta pointer
 * (ctx->meta->seq, loaded in place so the verifier knows them for what they are); the
 * format as written; and the arguments as an array of u64 — integers by value, strings
 * by the address of a NUL-terminated copy, which the kernel reads itself.
 * Must not: check the format or the argument types (sema/check_seq.c did), or send events.
 */
#include <linux/bpf.h>

#include "codegen_internal.h"

void cg_seq_printf(struct cg *c, struct node *n)
{
	struct node *fmt = n->list;
	uint32_t nargs = (uint32_t)ast_list_len(fmt->next);
	LLVMValueRef data = nargs ? bpfb_buf(c, 8 * nargs, "seq_args") : LLVMConstNull(c->ptr);
	uint32_t i = 0;
	for (struct node *a = fmt->next; a; a = a->next, i++) {
		LLVMValueRef slot = bpfb_gep(c, data, 8 * i);
		if (a->type.kind != TY_STR) {
			bpfb_store(c, cg_expr(c, a), slot, 8);
			continue;
		}
		/* a char array may fill its buffer without a NUL; the copy always ends in one */
		uint32_t size = a->type.size;
		LLVMValueRef s = bpfb_buf(c, size + 1, "seq_str");
		cg_store(c, a, s, &a->type);
		bpfb_store(c, LLVMConstInt(c->i8, 0, 0), bpfb_gep(c, s, size), 1);
		bpfb_store(c, LLVMBuildPtrToInt(c->b, s, c->i64, ""), slot, 8);
	}
	LLVMValueRef text = cg_buf_expr(c, fmt);
	/* struct bpf_iter__NAME starts with `struct bpf_iter_meta *meta`, whose first member
	 * is `struct seq_file *seq` */
	LLVMValueRef meta = LLVMBuildIntToPtr(c->b, cg_ctx_load(c, c->i64, 0, 8), c->ptr, "meta");
	LLVMValueRef seq = bpfb_load(c, c->i64, meta, 8);
	LLVMValueRef args[5] = { seq, text, bpfb_i32(c, fmt->slen + 1), data,
				 bpfb_i32(c, 8 * nargs) };
	LLVMValueRef r = bpfb_helper(c, BPF_FUNC_seq_printf, c->i64, args, 5, "seq_printf");
	cg_helper_check(c, r, BPF_FUNC_seq_printf, n, -1);
}
