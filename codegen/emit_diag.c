/*
 * codegen/emit_diag.c — errorf(fmt, ...) and warnf(fmt, ...): one ABI_EV_ASYNC event with
 * the format's index and the arguments laid out as for printf; the runtime prints it with
 * the call's location (runtime/async.c). static_assert() was decided by sema and emits
 * nothing.
 * Must not: format text (the runtime does) or check arguments (sema/check_diag.c).
 */
#include "codegen_internal.h"

LLVMValueRef cg_diag_call(struct cg *c, struct node *n)
{
	if (n->sym == BI_STATIC_ASSERT)
		return bpfb_i64(c, 0);
	if (n->sym != BI_ERRORF && n->sym != BI_WARNF)
		return NULL;
	if (n->fmt < 0 || n->fmt >= c->sr->nfmts) {
		cg_error(c, "internal error: %s() has no format entry", n->str);
		return bpfb_i64(c, 0);
	}
	const struct fmt_info *fi = &c->sr->fmts[n->fmt];
	LLVMValueRef ev = cg_event_buf(c, ABI_EV_ASYNC, 8 + fi->size);
	bpfb_store(c, bpfb_i64(c, (uint64_t)n->fmt), bpfb_gep(c, ev, 8), 8);
	int i = 0;
	for (struct node *a = n->list->next; a && i < fi->nargs; a = a->next, i++)
		cg_store(c, a, bpfb_gep(c, ev, 16 + fi->offs[i]), &fi->args[i]);
	cg_event_output(c, ev, 16 + fi->size);
	return bpfb_i64(c, 0);
}
