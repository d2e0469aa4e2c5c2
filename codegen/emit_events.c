/*
 * codegen/emit_events.c — ring-buffer events, the way every builtin that sends one frames
 * it (printf, print, time, exit, clear, zero, system, cat, join, errorf, ...: their emit
 * hooks are in stdlib/builtin_*.c).
 *
 * Owns: event records exactly as abi.h lays them out (struct abi_event header, then the
 * payload), bpf_ringbuf_output, counting events the ring buffer refused in the per-CPU
 * `lost` map, and not sending once the session stopped (abi_control.stopped).
 * Must not: decide formats (sema's fmts table does), know any builtin, or render anything.
 */
#include <linux/bpf.h>

#include "codegen_internal.h"

/* Once the runtime has set control.stopped (exit(), Ctrl-C, the child's exit), programs
 * other than BEGIN and END stop sending events, so the ring drains in bounded time under a
 * flood; everything else they do goes on until the probes are detached, so map updates
 * that race an exit() still count, as in bpftrace. The flag is loaded once, in the
 * prologue, the first time the function sends anything; each send then tests that value.
 * NULL: no gate (BEGIN, END, no control map). */
static LLVMValueRef events_on(struct cg *c)
{
	struct cg_fn *f = &c->fn;
	if (f->events_on || c->opts->control_fd <= 0 || !f->pt || (cg_caps(c) & PV_RUN_ONCE))
		return f->events_on;
	LLVMBasicBlockRef cur = LLVMGetInsertBlock(c->b);
	LLVMPositionBuilderAtEnd(c->b, f->prologue);
	LLVMValueRef flag = bpfb_load(c, c->i8, bpfb_map_value_ptr(c, c->opts->control_fd), 1);
	f->events_on = LLVMBuildICmp(c->b, LLVMIntEQ, flag, LLVMConstInt(c->i8, 0, 0), "events_on");
	LLVMPositionBuilderAtEnd(c->b, cur);
	return f->events_on;
}

/* Send size bytes at buf; count a failure in lost[0] of this CPU. */
static void output(struct cg *c, LLVMValueRef buf, uint32_t size)
{
	LLVMValueRef on = events_on(c);
	LLVMBasicBlockRef skip = NULL;
	if (on) {
		LLVMBasicBlockRef send = bpfb_block(c, "ev_send");
		skip = bpfb_block(c, "ev_skip");
		LLVMBuildCondBr(c->b, on, send, skip);
		LLVMPositionBuilderAtEnd(c->b, send);
	}
	LLVMValueRef a[4] = { bpfb_map_ptr(c, c->opts->ringbuf_fd), buf, bpfb_i64(c, size),
			      bpfb_i64(c, 0) };
	LLVMValueRef r = bpfb_helper(c, BPF_FUNC_ringbuf_output, c->i64, a, 4, "rb");
	LLVMBasicBlockRef lost = bpfb_block(c, "ev_lost"), inc = bpfb_block(c, "ev_lost_inc");
	LLVMBasicBlockRef done = bpfb_block(c, "ev_done");
	LLVMBuildCondBr(c->b, LLVMBuildICmp(c->b, LLVMIntEQ, r, bpfb_i64(c, 0), ""), done, lost);
	LLVMPositionBuilderAtEnd(c->b, lost);
	LLVMValueRef p = bpfb_map_lookup(c, c->opts->lost_fd, cg_zero_key(c));
	LLVMBuildCondBr(c->b, LLVMBuildIsNull(c->b, p, ""), done, inc);
	LLVMPositionBuilderAtEnd(c->b, inc);
	bpfb_store(c, LLVMBuildAdd(c->b, bpfb_load(c, c->i64, p, 8), bpfb_i64(c, 1), ""), p, 8);
	LLVMBuildBr(c->b, done);
	LLVMPositionBuilderAtEnd(c->b, done);
	if (skip) {
		LLVMBuildBr(c->b, skip);
		LLVMPositionBuilderAtEnd(c->b, skip);
	}
}

/* A record of `payload` bytes after the header; returns its buffer with id stored. */
static LLVMValueRef event_buf(struct cg *c, uint64_t id, uint32_t payload)
{
	LLVMValueRef buf = bpfb_buf(c, sizeof(struct abi_event) + payload, "ev");
	bpfb_store(c, bpfb_i64(c, id), buf, 8);
	return buf;
}

/* Events whose payload is a few u64 words. */
void cg_event_words(struct cg *c, uint64_t id, LLVMValueRef *words, int n)
{
	LLVMValueRef buf = event_buf(c, id, (uint32_t)n * 8);
	for (int i = 0; i < n; i++)
		bpfb_store(c, words[i], bpfb_gep(c, buf, 8 + 8 * (uint32_t)i), 8);
	output(c, buf, 8 + (uint32_t)n * 8);
}

const struct fmt_info *cg_fmt_of(struct cg *c, struct node *n)
{
	if (n->fmt < 0 || n->fmt >= c->sr->nfmts) {
		cg_error(c, "internal error: %s() has no format entry", n->str ? n->str : "?");
		return NULL;
	}
	return &c->sr->fmts[n->fmt];
}

int cg_map_arg(struct cg *c, struct node *n)
{
	struct node *m = n->list;
	if (!m || m->kind != AST_MAP || m->sym < 0) {
		cg_error(c, "%s() needs a map argument", n->str ? n->str : "?");
		return -1;
	}
	return m->sym;
}

/* For the builtin families' events: the framing printf's has. */
LLVMValueRef cg_event_buf(struct cg *c, uint64_t id, uint32_t payload)
{
	return event_buf(c, id, payload);
}

void cg_event_output(struct cg *c, LLVMValueRef buf, uint32_t size)
{
	output(c, buf, size);
}
