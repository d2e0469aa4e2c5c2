/*
 * stdlib/builtin_net.c — the socket family, for fentry/fexit probes (BPF tracing programs,
 * whose arguments the verifier knows as kernel objects): socket_cookie(sk) (the kernel's
 * cookie of a struct sock, bpf_get_socket_cookie) and skboutput(path, skb, len, offset)
 * (len bytes of a struct sk_buff's data through bpf_skb_output, written by the runtime as
 * one packet of the RAW-IP pcap file `path`, starting `offset` bytes in; returns the
 * helper's result, 0 on success).
 *
 * Owns: their argument rules (in bpftrace's words), skboutput's entry in the format table
 * (FMT_SKBOUTPUT: the path and the offset) and the event header it sends, abi.h's
 * struct abi_skb_hdr.
 * Must not: write the pcap file (runtime/skb_output.c does), or accept a probe whose
 * program is not a tracing one (the helpers exist only there).
 */
#include <linux/bpf.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "../sema/ctypes.h"
#include "builtin_family.h"

/* ---- sema ----------------------------------------------------------------------------- */

/* Every point of the probe runs a BPF tracing program (fentry, fexit); else bpftrace's
 * "f can not be used with "kprobe" probes" and false. */
static bool tracing_only(struct sema *s, struct node *n)
{
	for (int i = 0; i < s->r->npoints; i++) {
		const struct probe_point *pt = &s->r->points[i];
		const struct provider *pv = provider_of(pt);
		if (pt->probe == s->probe && pv && pv->prog_type != BPF_PROG_TYPE_TRACING) {
			diag_error(s->d, n->loc, "%s can not be used with \"%s\" probes", n->str,
				   sema_probe_word(pv));
			return false;
		}
	}
	return true;
}

/* A pointer to the kernel struct `name` (args.sk, args.skb), NULL when t is one; else the
 * words for what t is, in buf. */
static const char *not_struct_ptr(const struct type *t, const char *name, char *buf,
				  size_t len)
{
	const struct ctype *ct = t->ct;
	if (t->kind == TY_INT && ct && ct->kind == CT_STRUCT && ct->name &&
	    strcmp(ct->name, name) == 0)
		return NULL;
	if (t->kind == TY_INT && ct) {
		char cb[200];
		snprintf(buf, len, "'%s *'", ctype_name(ct, cb, sizeof(cb)));
		return buf;
	}
	return sema_kind_word(t);
}

static void check_socket_cookie(struct sema *s, struct node *n)
{
	struct node *sk = n->list;
	bool ok = tracing_only(s, n);
	sema_expr(s, sk);
	if (sk->type.kind == TY_NONE)
		return;
	char buf[256];
	const char *what = not_struct_ptr(&sk->type, "sock", buf, sizeof(buf));
	if (what) {
		diag_error(s->d, sk->loc, "socket_cookie() only supports 'struct sock *' as the "
					  "argument (%s provided)", what);
		return;
	}
	if (ok)
		n->type = type_u64();
}

static void check_skboutput(struct sema *s, struct node *n)
{
	struct node *path = n->list, *skb = path->next, *len = skb->next, *off = len->next;
	bool ok = tracing_only(s, n);
	ok = sema_want_str_literal(s, n, path) && ok;
	sema_expr(s, skb);
	sema_expr(s, len);
	sema_expr(s, off);
	if (skb->type.kind == TY_NONE || len->type.kind == TY_NONE || off->type.kind == TY_NONE)
		return;
	char buf[256];
	const char *what = not_struct_ptr(&skb->type, "sk_buff", buf, sizeof(buf));
	if (what) {
		diag_error(s->d, skb->loc, "skboutput() only supports 'struct sk_buff *' as its "
					   "second argument (%s provided)", what);
		return;
	}
	if (len->type.kind != TY_INT) {
		diag_error(s->d, len->loc, "skboutput() expects an integer length (%s provided)",
			   sema_kind_word(&len->type));
		return;
	}
	int64_t o;
	if (off->kind != AST_INT || !sema_int_literal(off, &o) || o < 0 || o > 0xffff) {
		diag_error(s->d, off->loc, "skboutput() expects the offset as an integer literal "
					   "from 0 to 65535");
		return;
	}
	if (!ok)
		return;
	int id = sema_fmt_add(s, FMT_SKBOUTPUT, path->str, NULL, 0, n->loc);
	if (id < 0)
		return;
	s->r->fmts[id].skb_offset = (uint32_t)o;
	n->fmt = id;
	n->type = type_int(4, false);
}

/* ---- codegen -------------------------------------------------------------------------- */

/* u64 bpf_get_socket_cookie(struct sock *sk): in tracing programs, a BTF pointer */
static LLVMValueRef socket_cookie_emit(struct cg *c, struct node *n)
{
	LLVMValueRef sk = LLVMBuildIntToPtr(c->b, cg_expr(c, n->list), c->ptr, "sk");
	LLVMValueRef a[1] = { sk };
	return bpfb_helper(c, BPF_FUNC_get_socket_cookie, c->i64, a, 1, "cookie");
}

/* long bpf_skb_output(void *skb, struct bpf_map *map, u64 flags, void *data, u64 size):
 * the header (abi_skb_hdr) is `data`; the kernel appends len bytes of the skb, the count
 * in the flags' upper 32 bits (BPF_F_CTXLEN_MASK), on this CPU's perf buffer */
static LLVMValueRef skboutput_emit(struct cg *c, struct node *n)
{
	struct node *skb = n->list->next, *len = skb->next;
	LLVMValueRef sp = LLVMBuildIntToPtr(c->b, cg_expr(c, skb), c->ptr, "skb");
	LLVMValueRef ln = LLVMBuildAnd(c->b, cg_expr(c, len), bpfb_i64(c, 0xfffff), "caplen");
	LLVMValueRef hdr = bpfb_buf(c, sizeof(struct abi_skb_hdr), "skbhdr");
	bpfb_store(c, bpfb_i64(c, (uint64_t)n->fmt), hdr, 8);
	LLVMValueRef ns = bpfb_helper(c, BPF_FUNC_ktime_get_boot_ns, c->i64, NULL, 0, "boot");
	bpfb_store(c, ns, bpfb_gep(c, hdr, offsetof(struct abi_skb_hdr, boot_ns)), 8);
	bpfb_store(c, ln, bpfb_gep(c, hdr, offsetof(struct abi_skb_hdr, len)), 8);
	LLVMValueRef flags = LLVMBuildOr(c->b, LLVMBuildShl(c->b, ln, bpfb_i64(c, 32), ""),
					 bpfb_i64(c, BPF_F_CURRENT_CPU), "flags");
	LLVMValueRef a[5] = { sp, bpfb_map_ptr(c, c->opts->perf_fd), flags, hdr,
			      bpfb_i64(c, sizeof(struct abi_skb_hdr)) };
	LLVMValueRef r = bpfb_helper(c, BPF_FUNC_skb_output, c->i64, a, 5, "skbout");
	cg_helper_check(c, r, BPF_FUNC_skb_output, n, -1);
	return LLVMBuildAnd(c->b, r, bpfb_i64(c, 0xffffffff), "");
}

static const struct builtin rows[] = {
	BUILTIN_FUNC("socket_cookie", 1, 1, BF_NO_FOR, check_socket_cookie, socket_cookie_emit),
	BUILTIN_FUNC("skboutput", 4, 4, BF_NO_FOR, check_skboutput, skboutput_emit),
};

const struct builtin_family builtin_family_net = { "sockets", rows, BUILTIN_NROWS(rows), NULL,
						    0 };
