/*
 * stdlib/builtin_strsearch.c — the string search family: current bpftrace's
 * `strstr(haystack, needle)` (index of the first occurrence, -1 when none) and
 * `strlen(s)` (of a string, a char array or a char pointer, which is read as str(p)).
 *
 * Owns: their argument rules and result types, and their code: bounded loops over string
 * buffers, every index compared with the buffer's size before the byte is read so the
 * verifier can prove each access; the result and indexes live in the function's shared
 * string slots (cg_fn.str_tmp), as strncmp/strcontains use them (no two such calls are
 * live at once).
 * Must not: touch strings of other functions (stdlib/builtin_strings.c).
 */
#include <stdlib.h>
#include <string.h>

#include "../sema/ctypes.h"
#include "builtin_family.h"

/* ---- sema ----------------------------------------------------------------------------- */

static bool string_arg(struct sema *s, struct node *call, struct node *a)
{
	sema_expr(s, a);
	if (a->type.kind == TY_NONE)
		return false;
	if (a->type.kind == TY_STR && a->type.sub == SUB_NONE)
		return true;
	char tb[128];
	diag_error(s->d, a->loc, "%s() only supports string arguments (%s provided)", call->str,
		   a->type.kind == TY_STR ? type_name(&a->type, tb, sizeof(tb))
					  : sema_kind_word(&a->type));
	return false;
}

/* strlen(p) of a `char *` (or int8 *) value: the string it points to, as str(p) reads it */
static void wrap_in_str(struct sema *s, struct node *n)
{
	struct node *a = n->list;
	struct node *call = ast_str(AST_CALL, a->loc, "str", 3);
	if (!call) {
		s->oom = true;
		return;
	}
	call->list = a;
	call->next = a->next;
	a->next = NULL;
	n->list = call;
	sema_expr(s, call);
}

static void check_strlen(struct sema *s, struct node *n)
{
	struct node *a = n->list;
	sema_expr(s, a);
	const struct type *t = &a->type;
	if (t->kind == TY_INT && t->ct && t->ct->kind == CT_INT && t->ct->size == 1) {
		wrap_in_str(s, n);
		a = n->list;
		t = &a->type;
	}
	if (t->kind == TY_NONE)
		return;
	if (t->kind != TY_STR || t->sub != SUB_NONE) {
		char tb[128];
		diag_error(s->d, a->loc, "strlen() takes a string, a char array or a char pointer "
					 "(%s provided)",
			   t->kind == TY_STR ? type_name(t, tb, sizeof(tb)) : sema_kind_word(t));
		return;
	}
	n->type = type_u64();
}

static void check_strstr(struct sema *s, struct node *n)
{
	bool ok = string_arg(s, n, n->list);
	ok = string_arg(s, n, n->list->next) && ok;
	if (ok)
		n->type = type_s64();
}

/* ---- codegen -------------------------------------------------------------------------- */


/* strstr(h, needle): the first i where needle's characters (up to its NUL) match h's
 * from i on, or -1; an empty needle matches at 0. One loop over (i, j), j the characters
 * matched at i so far: the verifier sees at most one state per pair (nested loops with
 * an exit per mismatch made it walk combinations of match paths past its budget). */
static LLVMValueRef strstr_call(struct cg *c, struct node *n)
{
	struct node *h = n->list, *nd = h->next;
	LLVMValueRef ph = cg_expr(c, h), pn = cg_expr(c, nd);
	uint32_t hs = h->type.size, ns = nd->type.size;
	LLVMValueRef iv = bpfb_str_slot(c, 1, 0), jv = bpfb_str_slot(c, 2, 0);
	LLVMValueRef res = bpfb_str_slot(c, 0, (uint64_t)-1);
	LLVMValueRef zero8 = LLVMConstInt(c->i8, 0, 0);
	LLVMBasicBlockRef loop = bpfb_block(c, "ss_loop"), miss = bpfb_block(c, "ss_miss");
	LLVMBasicBlockRef found = bpfb_block(c, "ss_found"), end = bpfb_block(c, "ss_end");

	LLVMBuildBr(c->b, loop);
	LLVMPositionBuilderAtEnd(c->b, loop);
	LLVMValueRef i = bpfb_load(c, c->i64, iv, 8), j = bpfb_load(c, c->i64, jv, 8);
	bpfb_branch_new(c, LLVMBuildICmp(c->b, LLVMIntULT, i, bpfb_i64(c, hs), ""), end, false);
	bpfb_branch_new(c, LLVMBuildICmp(c->b, LLVMIntULT, j, bpfb_i64(c, ns), ""), found, false);
	LLVMValueRef nc = bpfb_byte_at(c, pn, j);
	bpfb_branch_new(c, LLVMBuildICmp(c->b, LLVMIntEQ, nc, zero8, ""), found, true);
	LLVMValueRef k = LLVMBuildAdd(c->b, i, j, "");
	bpfb_branch_new(c, LLVMBuildICmp(c->b, LLVMIntULT, k, bpfb_i64(c, hs), ""), end, false);
	bpfb_branch_new(c, LLVMBuildICmp(c->b, LLVMIntEQ, bpfb_byte_at(c, ph, k), nc, ""), miss, false);
	bpfb_store(c, LLVMBuildAdd(c->b, j, bpfb_i64(c, 1), ""), jv, 8);
	LLVMBuildBr(c->b, loop);
	/* a mismatch at i: the haystack's NUL at i ends the search, else try i + 1 */
	LLVMPositionBuilderAtEnd(c->b, miss);
	LLVMValueRef i2 = bpfb_load(c, c->i64, iv, 8);
	bpfb_branch_new(c, LLVMBuildICmp(c->b, LLVMIntEQ, bpfb_byte_at(c, ph, i2), zero8, ""), end, true);
	bpfb_store(c, LLVMBuildAdd(c->b, i2, bpfb_i64(c, 1), ""), iv, 8);
	bpfb_store(c, bpfb_i64(c, 0), jv, 8);
	LLVMBuildBr(c->b, loop);
	LLVMPositionBuilderAtEnd(c->b, found);
	bpfb_store(c, bpfb_load(c, c->i64, iv, 8), res, 8);
	LLVMBuildBr(c->b, end);
	LLVMPositionBuilderAtEnd(c->b, end);
	return bpfb_opaque(c, bpfb_load(c, c->i64, res, 8));
}

/* strlen(s): the index of the first NUL, or the buffer's size when there is none (a
 * char array filled to its end). */
static LLVMValueRef strlen_call(struct cg *c, struct node *n)
{
	struct node *a = n->list;
	LLVMValueRef p = cg_expr(c, a);
	uint32_t size = a->type.size;
	LLVMValueRef iv = bpfb_str_slot(c, 0, 0);
	LLVMValueRef zero8 = LLVMConstInt(c->i8, 0, 0);
	LLVMBasicBlockRef loop = bpfb_block(c, "sl_loop"), end = bpfb_block(c, "sl_end");
	LLVMBuildBr(c->b, loop);
	LLVMPositionBuilderAtEnd(c->b, loop);
	LLVMValueRef i = bpfb_load(c, c->i64, iv, 8);
	bpfb_branch_new(c, LLVMBuildICmp(c->b, LLVMIntULT, i, bpfb_i64(c, size), ""), end, false);
	bpfb_branch_new(c, LLVMBuildICmp(c->b, LLVMIntEQ, bpfb_byte_at(c, p, i), zero8, ""), end, true);
	bpfb_store(c, LLVMBuildAdd(c->b, i, bpfb_i64(c, 1), ""), iv, 8);
	LLVMBuildBr(c->b, loop);
	LLVMPositionBuilderAtEnd(c->b, end);
	return bpfb_opaque(c, bpfb_load(c, c->i64, iv, 8));
}

static const struct builtin rows[] = {
	BUILTIN_FUNC("strstr", 2, 2, 0, check_strstr, strstr_call),
	BUILTIN_FUNC("strlen", 1, 1, 0, check_strlen, strlen_call),
};

const struct builtin_family builtin_family_strsearch = { "string search", rows,
							  BUILTIN_NROWS(rows), NULL, 0 };
