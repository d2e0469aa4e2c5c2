/*
 * stdlib/builtin_report.c — the reporting family: errorf(fmt, ...) and warnf(fmt, ...)
 * (printed while tracing with the call's source location, as bpftrace prints them), and
 * static_assert(cond, "msg") (checked here, while compiling).
 *
 * Owns: their argument rules (a literal format checked like printf's; a condition that is a
 * compile-time constant and a literal message), the constant folding static_assert needs
 * (integer and bool literals, sizeof/offsetof once typed, casts, unary, binary and ternary
 * operators with the language's 64-bit rules), the static_assert failure (an error at the
 * call whose text is the message, as bpftrace's fail()), and the code of errorf/warnf:
 * one ABI_EV_ASYNC event with the format's index and the arguments laid out as printf's
 * (static_assert emits nothing).
 * Must not: print (runtime/async.c prints errorf/warnf with the call's location).
 */
#include <stdio.h>
#include <string.h>

#include "builtin_family.h"

/* ---- sema ----------------------------------------------------------------------------- */

static void check_errorf(struct sema *s, struct node *n)
{
	n->type = type_void();
	builtin_check_fmt_call(s, n, FMT_ERRORF);
}

static void check_warnf(struct sema *s, struct node *n)
{
	n->type = type_void();
	builtin_check_fmt_call(s, n, FMT_WARNF);
}

/* The value of a constant expression (already typed), with the language's integer rules;
 * false when some part is not known before the program runs. */
static bool const_eval(const struct node *n, int64_t *out)
{
	int64_t a, b, c;
	switch (n->kind) {
	case AST_INT:
	case AST_BOOL:
		*out = n->ival;
		return true;
	case AST_CAST:
		if (!n->a || n->type.kind != TY_INT || n->type.ct || !const_eval(n->a, &a))
			return false;
		if (n->type.size < 8) {
			uint64_t m = (1ull << (n->type.size * 8)) - 1, v = (uint64_t)a & m;
			if (n->type.is_signed && (v >> (n->type.size * 8 - 1)))
				v |= ~m;
			a = (int64_t)v;
		}
		*out = a;
		return true;
	case AST_UNOP:
		if (!const_eval(n->a, &a))
			return false;
		switch (n->op) {
		case OP_NEG: *out = (int64_t)(0 - (uint64_t)a); return true;
		case OP_LNOT: *out = !a; return true;
		case OP_BNOT: *out = ~a; return true;
		default: return false;
		}
	case AST_TERNARY:
		if (!const_eval(n->a, &a))
			return false;
		if (!n->b) /* a ?: c */
			return a ? (*out = a, true) : const_eval(n->c, out);
		return const_eval(a ? n->b : n->c, out);
	case AST_BINOP: {
		if (!const_eval(n->a, &a))
			return false;
		if (n->op == OP_LAND && !a)
			return (*out = 0, true);
		if (n->op == OP_LOR && a)
			return (*out = 1, true);
		if (!const_eval(n->b, &b))
			return false;
		bool sg = n->a->type.is_signed && n->b->type.is_signed;
		uint64_t ua = (uint64_t)a, ub = (uint64_t)b;
		switch (n->op) {
		case OP_ADD: c = (int64_t)(ua + ub); break;
		case OP_SUB: c = (int64_t)(ua - ub); break;
		case OP_MUL: c = (int64_t)(ua * ub); break;
		case OP_DIV:
		case OP_MOD:
			if (!b)
				c = 0;
			else if (sg && !(a == INT64_MIN && b == -1))
				c = n->op == OP_DIV ? a / b : a % b;
			else
				c = (int64_t)(n->op == OP_DIV ? ua / ub : ua % ub);
			break;
		case OP_BAND: c = a & b; break;
		case OP_BOR: c = a | b; break;
		case OP_BXOR: c = a ^ b; break;
		case OP_SHL: c = (int64_t)(ua << (ub & 63)); break;
		case OP_SHR: c = n->a->type.is_signed ? a >> (ub & 63) : (int64_t)(ua >> (ub & 63));
			break;
		case OP_LT: c = sg ? a < b : ua < ub; break;
		case OP_LE: c = sg ? a <= b : ua <= ub; break;
		case OP_GT: c = sg ? a > b : ua > ub; break;
		case OP_GE: c = sg ? a >= b : ua >= ub; break;
		case OP_EQ: c = a == b; break;
		case OP_NE: c = a != b; break;
		case OP_LAND:
		case OP_LOR: c = b != 0; break;
		default: return false;
		}
		*out = c;
		return true;
	}
	default:
		return false;
	}
}

static void static_assert_call(struct sema *s, struct node *n)
{
	struct node *cond = n->list, *msg = cond->next;
	n->type = type_void();
	sema_expr(s, cond);
	s->literal_arg = true;
	sema_expr(s, msg);
	s->literal_arg = false;
	if (msg->kind != AST_STR) {
		if (msg->type.kind != TY_NONE)
			diag_error(s->d, msg->loc, "static_assert() expects a string literal message "
						   "(%s provided)", sema_kind_word(&msg->type));
		return;
	}
	if (cond->type.kind == TY_NONE)
		return;
	int64_t v;
	if (cond->type.kind != TY_INT || !const_eval(cond, &v)) {
		diag_error(s->d, cond->loc, "static_assert() condition must be known at compile "
					    "time (literals, sizeof(), offsetof() and operators on "
					    "them)");
		return;
	}
	if (!v)
		diag_error(s->d, n->loc, "%s", msg->str);
}

/* ---- codegen -------------------------------------------------------------------------- */

static LLVMValueRef nothing_emit(struct cg *c, struct node *n)
{
	return bpfb_i64(c, 0); /* static_assert was decided while checking */
}

static const struct builtin rows[] = {
	BUILTIN_FUNC("errorf", 1, -1, 0, check_errorf, builtin_emit_fmt_event),
	BUILTIN_FUNC("warnf", 1, -1, 0, check_warnf, builtin_emit_fmt_event),
	BUILTIN_FUNC("static_assert", 2, 2, 0, static_assert_call, nothing_emit),
};

const struct builtin_family builtin_family_report = { "reporting", rows, BUILTIN_NROWS(rows),
						       NULL, 0 };
