/*
 * stdlib/builtin_core.c — the core family: printf(), print(), time(), exit() and bswap().
 *
 * Owns: their argument rules (a literal format checked against its arguments by
 * stdlib/format.c, print()'s whole map with top/div or one printable value, exit()'s
 * status), their format-table entries (sema_fmt_add: the argument layout of the event),
 * and their code: one ring-buffer event each (sema/abi.h: ABI_EV_PRINTF + format index,
 * ABI_EV_PRINT_MAP, ABI_EV_PRINT_VALUE, ABI_EV_TIME, ABI_EV_EXIT; exit() also ends the
 * probe's run and, outside BEGIN/END, closes the stop gate so timers tick no more) and
 * bswap at the operand's width.
 * Also the printf-like calls of other families (system, cat, errorf, warnf): a literal
 * format checked the same way, and an ABI_EV_ASYNC event carrying the format's index and
 * the arguments laid out as printf's (builtin_check_fmt_call, builtin_emit_fmt_event).
 * Must not: render the events (runtime/events.c with stdlib/format.c does) or frame them
 * (codegen/emit_events.c: the header, bpf_ringbuf_output, the lost count).
 */
#include <string.h>

#include "builtin_family.h"

/* ---- sema ----------------------------------------------------------------------------- */

/* Types the arguments after the format string f (into args/argn, one slot per argument)
 * and checks them against it: false after the diagnostic when an argument failed or the
 * format does not fit them. fmt_check words its messages for printf; `fn`, when not
 * NULL, is the real function's name to use instead. */
static bool check_fmt_args(struct sema *s, struct node *n, struct node *f, struct type *args,
			   struct node **argn, const char *fn)
{
	int nargs = 0;
	bool bad = false;
	for (struct node *a = f->next; a; a = a->next, nargs++) {
		sema_expr(s, a);
		args[nargs] = a->type;
		argn[nargs] = a;
		bad |= a->type.kind == TY_NONE;
	}
	if (bad)
		return false;
	char err[512] = "";
	int bad_arg = -1;
	if (fmt_check(f->str, args, nargs, err, sizeof(err), &bad_arg) >= 0)
		return true;
	const char *msg = err[0] ? err : "printf: invalid format string";
	struct span at = bad_arg >= 0 && bad_arg < nargs ? argn[bad_arg]->loc : n->loc;
	if (!fn) {
		diag_error(s->d, at, "%s", msg);
		return false;
	}
	if (!strncmp(msg, "printf: ", 8))
		msg += 8;
	diag_error(s->d, at, "%s: %s", fn, msg);
	return false;
}

static void check_printf(struct sema *s, struct node *n)
{
	n->type = type_void();
	struct node *f = n->list;
	if (f->kind != AST_STR) {
		sema_literal_expected(s, n, f, "string");
		sema_exprs(s, f->next);
		return;
	}
	f->type = type_str(f->slen + 1);
	int nargs = ast_list_len(f->next);
	struct type args[nargs ? nargs : 1];
	struct node *argn[nargs ? nargs : 1];
	if (!check_fmt_args(s, n, f, args, argn, NULL))
		return;
	if (sema_probe_all(s, PV_ITER)) { /* the kernel prints it: sema/check_seq.c */
		sema_seq_printf(s, n, argn, nargs);
		return;
	}
	n->fmt = sema_fmt_add(s, FMT_PRINTF, f->str, args, nargs, n->loc);
}

static void check_time(struct sema *s, struct node *n)
{
	n->type = type_void();
	const char *fmt = "%H:%M:%S\n";
	if (n->list) {
		if (n->list->kind != AST_STR) {
			sema_literal_expected(s, n, n->list, "string");
			return;
		}
		n->list->type = type_str(n->list->slen + 1);
		fmt = n->list->str;
	}
	n->fmt = sema_fmt_add(s, FMT_TIME, fmt, NULL, 0, n->loc);
}

static void check_print(struct sema *s, struct node *n)
{
	n->type = type_void();
	struct node *v = n->list;
	char tb[256];
	if (v->kind == AST_MAP && !v->list) {
		/* the whole map: keys are not looked at, so any key shape is fine */
		v->sym = sema_map_id(s, v);
		sema_map_defined(s, v);
		for (struct node *a = v->next; a; a = a->next) {
			int64_t x;
			if (!sema_int_literal(a, &x)) {
				sema_literal_expected(s, n, a, "integer");
				continue;
			}
			sema_expr(s, a);
		}
		return;
	}
	int nargs = ast_list_len(n->list);
	if (nargs > 1) {
		diag_error(s->d, n->loc, "Non-map print() only takes 1 argument, %d found", nargs);
		sema_exprs(s, n->list);
		return;
	}
	sema_expr(s, v);
	if (v->type.kind == TY_NONE)
		return;
	if (v->type.kind == TY_RECORD) { /* struct by value (struct_types.c) */
		if (!sema_record_value(s, v, "print"))
			return;
		struct type w = sema_widen(s, &v->type);
		n->fmt = sema_fmt_add(s, FMT_PRINT_VALUE, "", &w, 1, n->loc);
		return;
	}
	if (v->type.kind != TY_INT && v->type.kind != TY_STR && v->type.kind != TY_TUPLE &&
	    v->type.kind != TY_PROBE) {
		diag_error(s->d, n->loc, "%s type passed to print() is not printable",
			   type_name(&v->type, tb, sizeof(tb)));
		return;
	}
	n->fmt = sema_fmt_add(s, FMT_PRINT_VALUE, "", &v->type, 1, n->loc);
}

void builtin_check_fmt_call(struct sema *s, struct node *n, enum fmt_kind kind)
{
	struct node *f = n->list;
	if (!sema_want_str_literal(s, n, f)) {
		sema_exprs(s, f->next);
		return;
	}
	int nargs = ast_list_len(f->next);
	struct type args[nargs ? nargs : 1];
	struct node *argn[nargs ? nargs : 1];
	if (!check_fmt_args(s, n, f, args, argn, n->str))
		return;
	n->fmt = sema_fmt_add(s, kind, f->str, args, nargs, n->loc);
}

static void check_exit(struct sema *s, struct node *n)
{
	/* exit(code): the tracer's exit status (current bpftrace) */
	n->type = type_void();
	if (n->list) {
		sema_expr(s, n->list);
		if (n->list->type.kind != TY_INT && n->list->type.kind != TY_NONE)
			diag_error(s->d, n->list->loc,
				   "exit() takes an integer exit status, not %s",
				   sema_kind_word(&n->list->type));
	}
}

/* bswap(x): current bpftrace's builtin; the bytes of x reversed at x's own width, so the
 * result is the unsigned integer of that width (uint8 comes back unchanged). */
static void check_bswap(struct sema *s, struct node *n)
{
	struct node *v = n->list;
	sema_expr(s, v);
	if (v->type.kind == TY_NONE)
		return;
	if (v->type.kind != TY_INT || v->type.ct || v->type.sub) {
		char tb[256];
		diag_error(s->d, n->loc, "bswap() only supports integer arguments (%s provided)",
			   v->type.kind == TY_INT ? type_name(&v->type, tb, sizeof(tb))
						  : sema_kind_word(&v->type));
		return;
	}
	/* a variable's slot is 64 bits wide: swap at the width first stored in it
	 * (`$d = (uint16)x; bswap($d)` is 16 bits, as in bpftrace) */
	n->type = type_int(sema_declared_type(s, v)->size, false);
}

/* ---- codegen -------------------------------------------------------------------------- */

static LLVMValueRef printf_emit(struct cg *c, struct node *n)
{
	if (cg_caps(c) & PV_ITER) { /* into the iterator's output: codegen/emit_seq.c */
		cg_seq_printf(c, n);
		return bpfb_i64(c, 0);
	}
	const struct fmt_info *fi = cg_fmt_of(c, n);
	if (!fi)
		return bpfb_i64(c, 0);
	LLVMValueRef buf = cg_event_buf(c, ABI_EV_PRINTF + (uint64_t)n->fmt, fi->size);
	int i = 0;
	for (struct node *a = n->list ? n->list->next : NULL; a && i < fi->nargs; a = a->next, i++)
		cg_store(c, a, bpfb_gep(c, buf, 8 + fi->offs[i]), &fi->args[i]);
	cg_event_output(c, buf, 8 + fi->size);
	return bpfb_i64(c, 0);
}

static LLVMValueRef print_emit(struct cg *c, struct node *n)
{
	if (n->fmt >= 0 && n->fmt < c->sr->nfmts &&
	    c->sr->fmts[n->fmt].kind == FMT_PRINT_VALUE) {
		/* payload: u64 fmt index, then the value laid out per fmts[fmt] */
		const struct fmt_info *fi = &c->sr->fmts[n->fmt];
		LLVMValueRef buf = cg_event_buf(c, ABI_EV_PRINT_VALUE, 8 + fi->size);
		bpfb_store(c, bpfb_i64(c, (uint64_t)n->fmt), bpfb_gep(c, buf, 8), 8);
		if (n->list && fi->nargs > 0)
			cg_store(c, n->list, bpfb_gep(c, buf, 16 + fi->offs[0]), &fi->args[0]);
		cg_event_output(c, buf, 16 + fi->size);
		return bpfb_i64(c, 0);
	}
	int id = cg_map_arg(c, n);
	if (id < 0)
		return bpfb_i64(c, 0);
	struct node *top = n->list->next, *div = top ? top->next : NULL;
	LLVMValueRef w[3] = { bpfb_i64(c, (uint64_t)id), top ? cg_expr(c, top) : bpfb_i64(c, 0),
			      div ? cg_expr(c, div) : bpfb_i64(c, 0) };
	cg_event_words(c, ABI_EV_PRINT_MAP, w, 3);
	return bpfb_i64(c, 0);
}

/* system(), cat(), errorf(), warnf(): printf's argument layout behind a u64 format index */
LLVMValueRef builtin_emit_fmt_event(struct cg *c, struct node *n)
{
	const struct fmt_info *fi = cg_fmt_of(c, n);
	if (!fi)
		return bpfb_i64(c, 0);
	LLVMValueRef ev = cg_event_buf(c, ABI_EV_ASYNC, 8 + fi->size);
	bpfb_store(c, bpfb_i64(c, (uint64_t)n->fmt), bpfb_gep(c, ev, 8), 8);
	int i = 0;
	for (struct node *a = n->list->next; a && i < fi->nargs; a = a->next, i++)
		cg_store(c, a, bpfb_gep(c, ev, 16 + fi->offs[i]), &fi->args[i]);
	cg_event_output(c, ev, 16 + fi->size);
	return bpfb_i64(c, 0);
}

static LLVMValueRef time_emit(struct cg *c, struct node *n)
{
	if (!cg_fmt_of(c, n))
		return bpfb_i64(c, 0);
	LLVMValueRef w = bpfb_i64(c, (uint64_t)n->fmt);
	cg_event_words(c, ABI_EV_TIME, &w, 1);
	return bpfb_i64(c, 0);
}

static LLVMValueRef exit_emit(struct cg *c, struct node *n)
{
	LLVMValueRef code = n->list ? cg_expr(c, n->list) : bpfb_i64(c, 0);
	cg_event_words(c, ABI_EV_EXIT, &code, 1);
	/* the stop gate closes now, not when the runtime reads the event: timers
	 * (PV_CLOCK) tick no more. BEGIN's exit() needs none: the timers are not
	 * started then (runtime/session.c). */
	if (c->opts->control_fd > 0 && !(cg_caps(c) & PV_RUN_ONCE))
		bpfb_store(c, LLVMConstInt(c->i8, 1, 0),
			   bpfb_map_value_ptr(c, c->opts->control_fd), 1);
	bpfb_ret0(c);
	return bpfb_i64(c, 0);
}

/* bswap(x): llvm.bswap at x's width (BPF's `be`/`bswap` instruction); a byte is itself. */
static LLVMValueRef bswap_call(struct cg *c, struct node *n)
{
	LLVMValueRef v = cg_expr(c, n->list);
	uint32_t bits = n->type.size * 8;
	if (bits <= 8)
		return cg_norm(c, v, &n->type);
	LLVMTypeRef ty = LLVMIntTypeInContext(c->ctx, bits);
	unsigned id = LLVMLookupIntrinsicID("llvm.bswap", 10);
	LLVMValueRef fn = LLVMGetIntrinsicDeclaration(c->mod, id, &ty, 1);
	LLVMTypeRef fty = LLVMIntrinsicGetType(c->ctx, id, &ty, 1);
	LLVMValueRef x = bits < 64 ? LLVMBuildTrunc(c->b, v, ty, "") : v;
	LLVMValueRef r = LLVMBuildCall2(c->b, fty, fn, &x, 1, "bswap");
	return bits < 64 ? LLVMBuildZExt(c->b, r, c->i64, "") : r;
}

static const struct builtin rows[] = {
	BUILTIN_FUNC("printf", 1, -1, 0, check_printf, printf_emit),
	BUILTIN_FUNC("print", 1, 3, 0, check_print, print_emit),
	BUILTIN_FUNC("time", 0, 1, 0, check_time, time_emit),
	BUILTIN_FUNC("exit", 0, 1, BF_ENDS, check_exit, exit_emit),
	BUILTIN_FUNC("bswap", 1, 1, 0, check_bswap, bswap_call),
};

const struct builtin_family builtin_family_core = { "core", rows, BUILTIN_NROWS(rows), NULL,
						     0 };
