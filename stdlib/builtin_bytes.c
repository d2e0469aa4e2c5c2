/*
 * stdlib/builtin_bytes.c — current bpftrace's byte and string helpers that compute at run
 * time: `str_concat(a, b)`, `memcmp(left, right, count)`, `signal_name(sig)` and
 * `find(@map, key, $var)`.
 *
 * Owns: their argument rules and result types; str_concat's and memcmp's bounded byte
 * loops (every index compared with its buffer's size before the access, as the string
 * search family does, counting in registers: see counter()); the text
 * of a signal number (bpftrace's table: strsignal(3)'s descriptions, "Unknown signal N"
 * for 0, 32 and 33, "Real-time signal N" above, "N/A" outside 0..64); find's one lookup
 * (codegen/emit_maps.c, cg_map_find).
 * Must not: know other string functions (builtin_strings.c, builtin_strsearch.c) or map
 * layouts (emit_maps.c does the lookup and the copy).
 */
#include <stdlib.h>
#include <string.h>

#include "../sema/ctypes.h"
#include "builtin_family.h"

/* ---- sema ----------------------------------------------------------------------------- */

/* a char pointer or char array argument a becomes str(a), as strlen() reads one */
static void wrap_in_str(struct sema *s, struct node **slot)
{
	struct node *a = *slot;
	struct node *call = ast_str(AST_CALL, a->loc, "str", 3);
	if (!call) {
		s->oom = true;
		return;
	}
	call->next = a->next;
	a->next = NULL;
	call->list = a;
	*slot = call;
	sema_expr(s, call);
}

static bool char_ptr_or_array(const struct type *t)
{
	if (t->kind == TY_INT && t->ct && t->ct->kind == CT_INT && t->ct->size == 1)
		return true;
	return t->kind == TY_RECORD && t->ct && t->ct->kind == CT_ARRAY && t->ct->ref &&
	       t->ct->ref->kind == CT_INT && t->ct->ref->size == 1;
}

/* A string argument of n at *slot (char pointers and arrays read as str()); false after
 * an error. */
static bool string_arg(struct sema *s, struct node *n, struct node **slot)
{
	sema_expr(s, *slot);
	if (char_ptr_or_array(&(*slot)->type))
		wrap_in_str(s, slot);
	const struct type *t = &(*slot)->type;
	if (t->kind == TY_NONE)
		return false;
	if (t->kind == TY_STR && t->sub == SUB_NONE)
		return true;
	diag_error(s->d, (*slot)->loc, "%s() expects string arguments (%s provided)", n->str,
		   sema_kind_word(t));
	return false;
}

/* str_concat(a, b): a string as large as both together (less one NUL) */
static void check_str_concat(struct sema *s, struct node *n)
{
	bool ok = string_arg(s, n, &n->list);
	ok = string_arg(s, n, &n->list->next) && ok;
	if (ok)
		n->type = type_str(n->list->type.size + n->list->next->type.size - 1);
}

/* memcmp(left, right, count): strings, tuples or integers compared byte by byte, at most
 * as many as the smaller one holds */
static void check_memcmp(struct sema *s, struct node *n)
{
	struct node *l = n->list, *r = l->next, *cnt = r->next;
	bool ok = true;
	for (struct node *a = l; a != cnt; a = a->next) {
		sema_expr(s, a);
		const struct type *t = &a->type;
		if (t->kind == TY_NONE) {
			ok = false;
		} else if (t->kind != TY_STR && t->kind != TY_TUPLE && t->kind != TY_INT) {
			char tb[128];
			diag_error(s->d, a->loc, "memcmp() compares strings, tuples or integers (%s "
						 "provided)", type_name(t, tb, sizeof(tb)));
			ok = false;
		}
	}
	sema_expr(s, cnt);
	if (cnt->type.kind != TY_NONE && (cnt->type.kind != TY_INT || cnt->type.ct)) {
		diag_error(s->d, cnt->loc, "memcmp() expects an integer count (%s provided)",
			   sema_kind_word(&cnt->type));
		ok = false;
	}
	if (!ok)
		return;
	n->type = type_int(4, true);
}

static void check_signal_name(struct sema *s, struct node *n)
{
	struct node *a = n->list;
	sema_expr(s, a);
	if (a->type.kind == TY_NONE)
		return;
	if (a->type.kind != TY_INT || a->type.ct) {
		diag_error(s->d, a->loc, "signal_name() expects an integer argument (%s provided)",
			   sema_kind_word(&a->type));
		return;
	}
	n->type = type_int(8, true);
	n->type.sub = SUB_SIGNAL_NAME;
}

/* find(@m, key, $v): n->a is the ASSIGN `$v = @m[key]` made of copies of the arguments
 * (remade on each of sema's passes; the arguments themselves stay as written), checked
 * as that statement (it types $v); codegen performs it only when the key is there. */
static void check_find(struct sema *s, struct node *n)
{
	struct node *m = n->list, *k = m->next, *v = k->next;
	ast_free(n->a);
	n->a = NULL;
	if (m->kind != AST_MAP || m->list) {
		sema_expr(s, m);
		sema_expr(s, k); /* the variable is not read: it would only add an error */
		diag_error(s->d, m->loc, m->kind != AST_MAP
						 ? "find() expects a map as its first argument"
						 : "The map passed to find() should not be indexed by a key");
		return;
	}
	if (v->kind != AST_VAR) {
		sema_expr(s, k);
		sema_expr(s, v);
		diag_error(s->d, v->loc, "find() expects a scratch variable ($name) as its third "
					 "argument, to receive the value");
		return;
	}
	int id = sema_map_id(s, m);
	if (id < 0)
		return;
	const struct map_info *mi = &s->r->maps[id];
	if (mi->val.kind == TY_NONE) {
		if (!s->map_bad[id])
			diag_error(s->d, m->loc, "Undefined map: %s", m->str);
		return;
	}
	if (mi->key.kind == TY_NONE) {
		diag_error(s->d, n->loc, "call to find expects a map with explicit keys "
					 "(non-scalar map)");
		return;
	}
	if (type_is_agg(&mi->val) || mi->val.kind == TY_TSERIES) {
		diag_error(s->d, n->loc, "find() cannot read %s map %s", sema_kind_word(&mi->val),
			   m->str);
		return;
	}
	struct node *as = ast_new(AST_ASSIGN, n->loc);
	struct node *mk = ast_str(AST_MAP, m->loc, m->str, m->slen);
	struct node *vk = ast_clone(v);
	/* @m[key], @m[a, b] for a tuple key written (a, b) */
	struct node *keys = NULL;
	bool ok = as && mk && vk;
	for (struct node *e = k->kind == AST_TUPLE ? k->list : k; ok && e;
	     e = k->kind == AST_TUPLE ? e->next : NULL) {
		struct node *ec = ast_clone(e);
		ok = ec != NULL;
		keys = ast_append(keys, ec);
	}
	if (!ok) {
		ast_free(as), ast_free(mk), ast_free(vk), ast_free_list(keys);
		s->oom = true;
		return;
	}
	vk->next = NULL;
	mk->list = keys;
	as->a = vk;
	as->b = mk;
	as->op = OP_NONE;
	n->a = as;
	sema_block(s, as);
	v->sym = vk->sym;
	v->type = vk->type;
	if (mk->type.kind != TY_NONE && vk->type.kind != TY_NONE)
		n->type = type_bool();
}

/* ---- codegen -------------------------------------------------------------------------- */

/* i < bound, as the branch to `out` when it is not */
static void below(struct cg *c, LLVMValueRef i, uint32_t bound, LLVMBasicBlockRef out)
{
	bpfb_branch_new(c, LLVMBuildICmp(c->b, LLVMIntULT, i, bpfb_i64(c, bound), ""), out, false);
}

/* The loops below count in SSA registers (phi nodes), not in memory slots: a counter in
 * the scratch map (where slots go once the stack is full) is unknown to the verifier,
 * which then sees the same state at every iteration and reports an infinite loop. */
static LLVMValueRef counter(struct cg *c, LLVMBasicBlockRef from, const char *name)
{
	LLVMValueRef i = LLVMBuildPhi(c->b, c->i64, name);
	LLVMValueRef zero = bpfb_i64(c, 0);
	LLVMAddIncoming(i, &zero, &from, 1);
	return i;
}

/* the back edge of counter i's loop head `head`: i + 1 from the current block */
static void next(struct cg *c, LLVMValueRef i, LLVMBasicBlockRef head)
{
	LLVMValueRef i1 = LLVMBuildAdd(c->b, i, bpfb_i64(c, 1), "");
	LLVMBasicBlockRef from = LLVMGetInsertBlock(c->b);
	LLVMBuildBr(c->b, head);
	LLVMAddIncoming(i, &i1, &from, 1);
}

/* str_concat(a, b): a's characters up to its NUL, then b's, in a zeroed buffer */
static LLVMValueRef str_concat_emit(struct cg *c, struct node *n)
{
	struct node *a = n->list, *b = a->next;
	LLVMValueRef pa = cg_expr(c, a), pb = cg_expr(c, b);
	uint32_t cap = n->type.size;
	LLVMValueRef dst = bpfb_buf(c, cap, "concat");
	bpfb_memset0(c, dst, cap);
	LLVMValueRef zero8 = LLVMConstInt(c->i8, 0, 0);
	LLVMBasicBlockRef la = bpfb_block(c, "sc_a"), a_out = bpfb_block(c, "sc_a_out");
	LLVMBasicBlockRef lb = bpfb_block(c, "sc_b"), end = bpfb_block(c, "sc_end");

	LLVMBasicBlockRef pre = LLVMGetInsertBlock(c->b);
	LLVMBuildBr(c->b, la);
	LLVMPositionBuilderAtEnd(c->b, la);
	LLVMValueRef i = counter(c, pre, "sc_i"); /* a's length once a_out is reached */
	below(c, i, a->type.size, a_out);
	LLVMValueRef ch = bpfb_byte_at(c, pa, i);
	bpfb_branch_new(c, LLVMBuildICmp(c->b, LLVMIntEQ, ch, zero8, ""), a_out, true);
	below(c, i, cap - 1, a_out);
	LLVMBuildStore(c->b, ch, LLVMBuildGEP2(c->b, c->i8, dst, &i, 1, ""));
	next(c, i, la);

	LLVMPositionBuilderAtEnd(c->b, a_out);
	LLVMBuildBr(c->b, lb);
	LLVMPositionBuilderAtEnd(c->b, lb);
	LLVMValueRef j = counter(c, a_out, "sc_j");
	below(c, j, b->type.size, end);
	LLVMValueRef ch2 = bpfb_byte_at(c, pb, j);
	bpfb_branch_new(c, LLVMBuildICmp(c->b, LLVMIntEQ, ch2, zero8, ""), end, true);
	LLVMValueRef k = LLVMBuildAdd(c->b, i, j, "");
	below(c, k, cap - 1, end);
	LLVMBuildStore(c->b, ch2, LLVMBuildGEP2(c->b, c->i8, dst, &k, 1, ""));
	next(c, j, lb);

	LLVMPositionBuilderAtEnd(c->b, end);
	return dst;
}

/* the bytes of a memcmp() operand: a buffer's address, an integer's in a slot of its own */
static LLVMValueRef bytes_of(struct cg *c, struct node *a)
{
	LLVMValueRef v = cg_expr(c, a);
	if (a->type.kind != TY_INT)
		return v;
	LLVMValueRef slot = bpfb_stack(c, 8, "mc_int");
	bpfb_store(c, v, slot, 8);
	return slot;
}

/* memcmp(l, r, count): the signed difference of the first differing bytes among the
 * first count (at most the smaller operand's size), else 0 */
static LLVMValueRef memcmp_emit(struct cg *c, struct node *n)
{
	struct node *l = n->list, *r = l->next, *cnt = r->next;
	LLVMValueRef pl = bytes_of(c, l), pr = bytes_of(c, r);
	LLVMValueRef count = cg_expr(c, cnt);
	uint32_t size = l->type.size < r->type.size ? l->type.size : r->type.size;
	LLVMBasicBlockRef loop = bpfb_block(c, "mc_loop"), same = bpfb_block(c, "mc_same");
	LLVMBasicBlockRef diff = bpfb_block(c, "mc_diff"), end = bpfb_block(c, "mc_end");
	LLVMBasicBlockRef pre = LLVMGetInsertBlock(c->b);
	LLVMBuildBr(c->b, loop);
	LLVMPositionBuilderAtEnd(c->b, loop);
	LLVMValueRef i = counter(c, pre, "mc_i");
	below(c, i, size, same);
	bpfb_branch_new(c, LLVMBuildICmp(c->b, LLVMIntULT, i, count, ""), same, false);
	LLVMValueRef x = LLVMBuildSExt(c->b, bpfb_byte_at(c, pl, i), c->i64, "");
	LLVMValueRef y = LLVMBuildSExt(c->b, bpfb_byte_at(c, pr, i), c->i64, "");
	LLVMValueRef d = LLVMBuildSub(c->b, x, y, "");
	bpfb_branch_new(c, LLVMBuildICmp(c->b, LLVMIntNE, x, y, ""), diff, true);
	next(c, i, loop);
	LLVMPositionBuilderAtEnd(c->b, same);
	LLVMBuildBr(c->b, end);
	LLVMPositionBuilderAtEnd(c->b, diff);
	LLVMBuildBr(c->b, end);
	LLVMPositionBuilderAtEnd(c->b, end);
	LLVMValueRef res = LLVMBuildPhi(c->b, c->i64, "mc_res");
	LLVMValueRef vals[2] = { bpfb_i64(c, 0), d };
	LLVMBasicBlockRef from[2] = { same, diff };
	LLVMAddIncoming(res, vals, from, 2);
	return bpfb_opaque(c, res);
}

static LLVMValueRef signal_name_emit(struct cg *c, struct node *n)
{
	return cg_expr(c, n->list);
}

static LLVMValueRef find_emit(struct cg *c, struct node *n)
{
	return cg_map_find(c, n->a->b, n->a->a);
}

/* ---- printing ------------------------------------------------------------------------- */

static const char *const sig_text[32] = {
	[1] = "Hangup", [2] = "Interrupt", [3] = "Quit", [4] = "Illegal instruction",
	[5] = "Trace/breakpoint trap", [6] = "Aborted", [7] = "Bus error",
	[8] = "Floating point exception", [9] = "Killed", [10] = "User defined signal 1",
	[11] = "Segmentation fault", [12] = "User defined signal 2", [13] = "Broken pipe",
	[14] = "Alarm clock", [15] = "Terminated", [16] = "Stack fault",
	[17] = "Child exited", [18] = "Continued", [19] = "Stopped (signal)",
	[20] = "Stopped", [21] = "Stopped (tty input)", [22] = "Stopped (tty output)",
	[23] = "Urgent I/O condition", [24] = "CPU time limit exceeded",
	[25] = "File size limit exceeded", [26] = "Virtual timer expired",
	[27] = "Profiling timer expired", [28] = "Window changed", [29] = "I/O possible",
	[30] = "Power failure", [31] = "Bad system call",
};

static void signal_name_print(FILE *out, const struct type *t, const uint8_t *bytes,
			      const struct print_ctx *ctx, int indent)
{
	(void)t, (void)ctx, (void)indent;
	int64_t v = 0;
	memcpy(&v, bytes, 8);
	v = (int32_t)v; /* as bpftrace: the number is an int */
	if (v >= 1 && v <= 31)
		fputs(sig_text[v], out);
	else if (v == 0 || v == 32 || v == 33)
		fprintf(out, "Unknown signal %d", (int)v);
	else if (v >= 34 && v <= 64)
		fprintf(out, "Real-time signal %d", (int)v - 34);
	else
		fputs("N/A", out);
}

static const struct builtin rows[] = {
	BUILTIN_FUNC("str_concat", 2, 2, 0, check_str_concat, str_concat_emit),
	BUILTIN_FUNC("memcmp", 3, 3, 0, check_memcmp, memcmp_emit),
	BUILTIN_FUNC("signal_name", 1, 1, 0, check_signal_name, signal_name_emit),
	BUILTIN_FUNC("find", 3, 3, 0, check_find, find_emit),
};

static const struct builtin_fmt fmts[] = {
	{ SUB_SIGNAL_NAME, TY_INT, signal_name_print },
};

const struct builtin_family builtin_family_bytes = { "byte and string helpers", rows,
						      BUILTIN_NROWS(rows), fmts,
						      BUILTIN_NROWS(fmts) };
