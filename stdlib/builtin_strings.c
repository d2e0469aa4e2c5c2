/*
 * stdlib/builtin_strings.c — the strings family: str(), strncmp(), strcontains(), buf(),
 * ntop() and strftime().
 *
 * Owns: their argument rules and bpftrace's wording for misuse, their result types
 * (buffers, inet addresses and timestamps are strings/integers with a `sub`, see
 * common/types.h), and their code: str() read straight into its destination slot, the
 * unrolled strncmp, the bounded loops of strcontains (each index checked against the
 * buffer size so the verifier can prove every access), the byte layouts of buf() (byte 0
 * the length read) and ntop() (u64 family, then the address bytes); and the text of those
 * values: buf() hex-escaped like bpftrace's %r, ntop() as inet_ntop writes it, strftime()
 * in local wall-clock time.
 * Must not: count cut strings itself (codegen's cg_count_str_trunc does), or escape JSON
 * (stdlib/strings.c).
 */
#include <arpa/inet.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../sema/ctypes.h"
#include "builtin_family.h"
#include "strings.h"

/* ---- sema ----------------------------------------------------------------------------- */

static bool is_none(const struct node *n) { return n->type.kind == TY_NONE; }

static void check_str(struct sema *s, struct node *n)
{
	struct node *p = n->list, *len = p->next;
	char tb[256];
	sema_expr(s, p);
	uint32_t size = s->opts->strlen;
	bool ok = true;
	if (p->type.kind == TY_STR && p->kind == AST_FIELD && p->a->type.kind == TY_CTX) {
		/* a tracepoint char array or __data_loc string: no bigger than its buffer */
		if (p->type.size < size)
			size = p->type.size;
	} else if (p->type.kind != TY_NONE && p->type.kind != TY_INT) {
		diag_error(s->d, n->loc,
			   "str() expects an integer or a pointer type as first argument (%s "
			   "provided)",
			   type_name(&p->type, tb, sizeof(tb)));
		ok = false;
	} else if (p->type.kind == TY_NONE) {
		ok = false;
	}
	if (len) {
		int64_t v;
		if (sema_int_literal(len, &v)) {
			sema_expr(s, len);
			if (v < 0) {
				diag_error(s->d, n->loc, "str() cannot use negative length (%lld)",
					   (long long)v);
				ok = false;
			} else if ((uint64_t)v + 1 < size) {
				/* room for v characters and the NUL, as bpftrace reads them */
				size = (uint32_t)v + 1;
			}
		} else {
			sema_expr(s, len);
			if (len->type.kind != TY_NONE && len->type.kind != TY_INT) {
				diag_error(s->d, n->loc,
					   "str() expects an integer length (%s provided)",
					   sema_kind_word(&len->type));
				ok = false;
			}
		}
	}
	if (!ok)
		return;
	n->flags |= p->flags & NODE_F_USER_PTR;
	n->type = type_str(size);
}

/* bpftrace 0.17: "strncmp() expects a integer literal (integer provided)". */
static bool want_int_literal(struct sema *s, struct node *call, struct node *arg, int64_t *v)
{
	sema_expr(s, arg);
	if (sema_int_literal(arg, v))
		return true;
	if (!is_none(arg))
		diag_error(s->d, call->loc, "%s() expects a integer literal (%s provided)",
			   call->str, sema_kind_word(&arg->type));
	return false;
}

/* Both arguments strings (any size), as bpftrace's "only supports string arguments". */
static bool want_strings(struct sema *s, struct node *call, struct node *a, int n)
{
	bool ok = true;
	for (int i = 0; i < n && a; i++, a = a->next) {
		sema_expr(s, a);
		if (is_none(a)) {
			ok = false;
		} else if (a->type.kind != TY_STR || a->type.sub != SUB_NONE) {
			char tb[128];
			diag_error(s->d, call->loc,
				   "%s() only supports string arguments (%s provided)", call->str,
				   a->type.kind == TY_STR ? type_name(&a->type, tb, sizeof(tb))
							  : sema_kind_word(&a->type));
			ok = false;
		}
	}
	return ok;
}

static void check_strncmp(struct sema *s, struct node *n)
{
	int64_t len;
	bool ok = want_strings(s, n, n->list, 2);
	if (!want_int_literal(s, n, n->list->next->next, &len) || !ok)
		return;
	if (len < 0) {
		diag_error(s->d, n->loc, "strncmp() cannot use negative length (%lld)",
			   (long long)len);
		return;
	}
	n->type = type_u64();
}

static void check_buf(struct sema *s, struct node *n)
{
	struct node *p = n->list, *len = p->next;
	char tb[128];
	uint32_t max = s->opts->strlen;
	sema_expr(s, p);
	bool ok = !is_none(p);
	bool sized = p->type.kind == TY_RECORD && p->type.ct && p->type.ct->kind == CT_ARRAY;
	if (ok && p->type.kind == TY_STR && p->type.sub == SUB_NONE) {
		/* a string's bytes (its buffer; a longer length is zero-padded, as bpftrace's
		 * buf("ok_key", 8) has 8 bytes) */
		if (!len && p->type.size < max)
			max = p->type.size;
	} else if (ok && sized) {
		/* an array of other elements (int d[4]): its bytes in memory */
		if (!len && p->type.ct->size < max)
			max = p->type.ct->size;
	} else if (ok && p->type.kind != TY_INT) {
		diag_error(s->d, n->loc,
			   "buf() expects an integer or a pointer type as first argument (%s "
			   "provided)",
			   type_name(&p->type, tb, sizeof(tb)));
		ok = false;
	}
	if (len) {
		int64_t v;
		sema_expr(s, len);
		if (sema_int_literal(len, &v)) {
			if (v < 0) {
				diag_error(s->d, n->loc, "buf() length must be positive (%lld)",
					   (long long)v);
				ok = false;
			} else if ((uint64_t)v < max) {
				max = (uint32_t)v;
			}
		} else if (!is_none(len) && len->type.kind != TY_INT) {
			diag_error(s->d, n->loc, "buf() expects an integer length (%s provided)",
				   sema_kind_word(&len->type));
			ok = false;
		}
	} else if (ok && p->type.kind == TY_INT) {
		diag_error(s->d, n->loc,
			   "buf() of a pointer needs a length: buf(ptr, length)");
		ok = false;
	}
	if (!ok)
		return;
	n->flags |= p->flags & NODE_F_USER_PTR;
	n->type = type_str(max + 1); /* byte 0 holds the length read */
	n->type.sub = SUB_BUF;
}

static void check_ntop(struct sema *s, struct node *n)
{
	struct node *af = n->list->next ? n->list : NULL;
	struct node *addr = af ? af->next : n->list;
	bool ok = true;
	if (af) {
		sema_expr(s, af);
		if (!is_none(af) && af->type.kind != TY_INT) {
			diag_error(s->d, n->loc, "ntop() expects an integer address family (%s "
						 "provided)",
				   sema_kind_word(&af->type));
			ok = false;
		}
	}
	sema_expr(s, addr);
	if (is_none(addr))
		return;
	if (((addr->kind == AST_FIELD && (addr->a->type.kind == TY_CTX || addr->a->type.ct)) ||
	     addr->type.sub == SUB_ADDR) &&
	    addr->type.kind == TY_STR && (addr->type.size == 4 || addr->type.size == 16)) {
		/* a tracepoint's 4- or 16-byte char array, or pton()'s bytes, taken as address
		 * bytes */
	} else if (addr->type.kind == TY_RECORD && addr->type.ct &&
		   addr->type.ct->kind == CT_ARRAY && addr->type.ct->ref->size == 1 &&
		   (addr->type.ct->nelems == 4 || addr->type.ct->nelems == 16)) {
		/* a u8[4] / u8[16] array (a tracepoint's or a struct's), read where it lives */
	} else if (addr->type.kind != TY_INT) {
		char tb[128];
		diag_error(s->d, n->loc,
			   "ntop() expects an integer or array argument, got %s",
			   type_name(&addr->type, tb, sizeof(tb)));
		ok = false;
	}
	if (!ok)
		return;
	n->type = type_str(ABI_INET_SIZE);
	n->type.sub = SUB_INET;
}

static void check_strcontains(struct sema *s, struct node *n)
{
	if (want_strings(s, n, n->list, 2))
		n->type = type_u64();
}

static void check_strftime(struct sema *s, struct node *n)
{
	struct node *f = n->list, *ns = f->next;
	bool ok = sema_want_str_literal(s, n, f);
	sema_expr(s, ns);
	if (!is_none(ns) && ns->type.kind != TY_INT) {
		diag_error(s->d, n->loc, "strftime() expects an integer timestamp (%s provided)",
			   sema_kind_word(&ns->type));
		ok = false;
	}
	if (!ok)
		return;
	int id = sema_fmt_add(s, FMT_STRFTIME, f->str, NULL, 0, n->loc);
	if (id < 0)
		return;
	n->type = type_u64();
	n->type.sub = SUB_TSTAMP;
	n->type.fmt_id = id;
}

/* ---- codegen -------------------------------------------------------------------------- */


/* strncmp(a, b, n): 0 when the first n characters match (stopping after a shared NUL),
 * else 1, as bpftrace. Unrolled: n is a literal and at most a string's size. */
static LLVMValueRef strncmp_call(struct cg *c, struct node *n)
{
	struct node *a = n->list, *b = a->next, *len = b->next;
	uint64_t want = len->kind == AST_INT ? (uint64_t)len->ival : 0;
	LLVMValueRef pa = cg_expr(c, a), pb = cg_expr(c, b);
	uint32_t sa = a->type.size, sb = b->type.size, m = sa < sb ? sa : sb;
	LLVMValueRef res = bpfb_str_slot(c, 0, 0);
	LLVMBasicBlockRef ne = bpfb_block(c, "sn_ne"), end = bpfb_block(c, "sn_end");
	LLVMValueRef zero8 = LLVMConstInt(c->i8, 0, 0);
	uint64_t lim = want < m ? want : m;
	for (uint32_t i = 0; i < lim; i++) {
		LLVMValueRef ca = bpfb_byte_at(c, pa, bpfb_i64(c, i)), cb = bpfb_byte_at(c, pb, bpfb_i64(c, i));
		bpfb_branch_new(c, LLVMBuildICmp(c->b, LLVMIntNE, ca, cb, ""), ne, true);
		bpfb_branch_new(c, LLVMBuildICmp(c->b, LLVMIntEQ, ca, zero8, ""), end, true);
	}
	if (want > m && sa != sb) {
		/* the shorter buffer ended: equal only if the longer string ends there too */
		LLVMValueRef rest = bpfb_byte_at(c, sa > sb ? pa : pb, bpfb_i64(c, m));
		bpfb_branch_new(c, LLVMBuildICmp(c->b, LLVMIntNE, rest, zero8, ""), ne, true);
	}
	LLVMBuildBr(c->b, end);
	LLVMPositionBuilderAtEnd(c->b, ne);
	bpfb_store(c, bpfb_i64(c, 1), res, 8);
	LLVMBuildBr(c->b, end);
	LLVMPositionBuilderAtEnd(c->b, end);
	return bpfb_load(c, c->i64, res, 8);
}

/* strcontains(h, needle): 1 when needle occurs in h (an empty needle always does).
 * Two bounded loops over indexes kept in stack slots; every access is guarded by a
 * comparison with the buffer size. */
static LLVMValueRef strcontains_call(struct cg *c, struct node *n)
{
	struct node *h = n->list, *nd = h->next;
	LLVMValueRef ph = cg_expr(c, h), pn = cg_expr(c, nd);
	uint32_t hs = h->type.size, ns = nd->type.size;
	LLVMValueRef res = bpfb_str_slot(c, 0, 0);
	LLVMValueRef iv = bpfb_str_slot(c, 1, 0), jv = bpfb_str_slot(c, 2, 0);
	LLVMValueRef zero8 = LLVMConstInt(c->i8, 0, 0);
	LLVMBasicBlockRef outer = bpfb_block(c, "sc_outer"), inner = bpfb_block(c, "sc_inner");
	LLVMBasicBlockRef next_i = bpfb_block(c, "sc_next_i"), found = bpfb_block(c, "sc_found");
	LLVMBasicBlockRef end = bpfb_block(c, "sc_end");

	LLVMBuildBr(c->b, outer);
	/* outer: for (i = 0; i < hs; i++) */
	LLVMPositionBuilderAtEnd(c->b, outer);
	LLVMValueRef i = bpfb_load(c, c->i64, iv, 8);
	bpfb_branch_new(c, LLVMBuildICmp(c->b, LLVMIntULT, i, bpfb_i64(c, hs), ""), end, false);
	bpfb_store(c, bpfb_i64(c, 0), jv, 8);
	LLVMBuildBr(c->b, inner);
	/* inner: for (j = 0; j < ns; j++) */
	LLVMPositionBuilderAtEnd(c->b, inner);
	LLVMValueRef j = bpfb_load(c, c->i64, jv, 8);
	LLVMValueRef i2 = bpfb_load(c, c->i64, iv, 8);
	bpfb_branch_new(c, LLVMBuildICmp(c->b, LLVMIntULT, j, bpfb_i64(c, ns), ""), found, false);
	LLVMValueRef nc = bpfb_byte_at(c, pn, j);
	bpfb_branch_new(c, LLVMBuildICmp(c->b, LLVMIntEQ, nc, zero8, ""), found, true);
	LLVMValueRef k = LLVMBuildAdd(c->b, i2, j, "");
	bpfb_branch_new(c, LLVMBuildICmp(c->b, LLVMIntULT, k, bpfb_i64(c, hs), ""), next_i, false);
	LLVMValueRef hc = bpfb_byte_at(c, ph, k);
	bpfb_branch_new(c, LLVMBuildICmp(c->b, LLVMIntEQ, hc, nc, ""), next_i, false);
	bpfb_store(c, LLVMBuildAdd(c->b, j, bpfb_i64(c, 1), ""), jv, 8);
	LLVMBuildBr(c->b, inner);
	/* next_i: stop at the end of the haystack string */
	LLVMPositionBuilderAtEnd(c->b, next_i);
	LLVMValueRef i3 = bpfb_load(c, c->i64, iv, 8);
	LLVMValueRef hi = bpfb_byte_at(c, ph, i3);
	bpfb_branch_new(c, LLVMBuildICmp(c->b, LLVMIntEQ, hi, zero8, ""), end, true);
	bpfb_store(c, LLVMBuildAdd(c->b, i3, bpfb_i64(c, 1), ""), iv, 8);
	LLVMBuildBr(c->b, outer);
	LLVMPositionBuilderAtEnd(c->b, found);
	bpfb_store(c, bpfb_i64(c, 1), res, 8);
	LLVMBuildBr(c->b, end);
	LLVMPositionBuilderAtEnd(c->b, end);
	return bpfb_load(c, c->i64, res, 8);
}

static LLVMValueRef as_i64(struct cg *c, LLVMValueRef v)
{
	if (LLVMTypeOf(v) != c->i64)
		v = LLVMBuildPtrToInt(c->b, v, c->i64, "");
	return v;
}

/* buf(p, len): byte 0 = bytes read, then the bytes; the rest of the slot zeroed. */
static LLVMValueRef buf_call(struct cg *c, struct node *n)
{
	struct node *p = n->list, *len = p->next;
	uint32_t max = n->type.size - 1, slot = abi_align(n->type.size);
	LLVMValueRef dst = bpfb_buf(c, slot, "bufv");
	bpfb_memset0(c, dst, slot);
	LLVMValueRef cnt = bpfb_i64(c, max);
	if (len && len->kind != AST_INT) {
		LLVMValueRef want = cg_expr(c, len);
		LLVMValueRef ok = LLVMBuildICmp(c->b, LLVMIntULT, want, cnt, "");
		cnt = LLVMBuildSelect(c->b, ok, want, cnt, "");
	}
	if (p->type.kind == TY_STR) { /* past the string's buffer, the bytes stay zero */
		bpfb_memcpy(c, bpfb_gep(c, dst, 1), cg_expr(c, p),
			    max < p->type.size ? max : p->type.size);
	} else if (p->type.kind == TY_RECORD && max) { /* an array's bytes where it lives */
		int fn = cg_read_fn(c, p->type.user, false);
		LLVMValueRef a[3] = { bpfb_gep(c, dst, 1), cnt, cg_record_addr(c, p) };
		cg_helper_check(c, bpfb_helper(c, fn, c->i64, a, 3, ""), fn, n, -1);
	} else if (max) {
		bool user = (p->flags | n->flags) & NODE_F_USER_PTR;
		LLVMValueRef a[3] = { bpfb_gep(c, dst, 1), cnt, as_i64(c, cg_expr(c, p)) };
		int fn = cg_read_fn(c, user, false);
		cg_helper_check(c, bpfb_helper(c, fn, c->i64, a, 3, ""), fn, n, -1);
	}
	bpfb_store(c, LLVMBuildTrunc(c->b, cnt, c->i8, ""), dst, 1);
	return dst;
}

/* ntop([af,] addr): u64 family, then the address bytes (an integer is stored as its
 * in-memory little-endian bytes, which is network order for a kernel __be32). */
static LLVMValueRef ntop_call(struct cg *c, struct node *n)
{
	struct node *af = n->list->next ? n->list : NULL, *addr = af ? af->next : n->list;
	LLVMValueRef dst = bpfb_buf(c, ABI_INET_SIZE, "inet");
	bpfb_memset0(c, dst, ABI_INET_SIZE);
	uint32_t bytes = addr->type.kind == TY_STR      ? addr->type.size
			 : addr->type.kind == TY_RECORD ? addr->type.ct->nelems
							 : 4;
	uint64_t def_af = bytes == 16 ? 10 : 2;
	bpfb_store(c, af ? cg_expr(c, af) : bpfb_i64(c, def_af), dst, 8);
	if (addr->type.kind == TY_RECORD) { /* a u8[4]/u8[16] array where it lives */
		int fn = cg_read_fn(c, addr->type.user, false);
		LLVMValueRef a[3] = { bpfb_gep(c, dst, 8), bpfb_i64(c, bytes), cg_record_addr(c, addr) };
		cg_helper_check(c, bpfb_helper(c, fn, c->i64, a, 3, ""), fn, n, -1);
	} else if (addr->type.kind == TY_STR)
		bpfb_memcpy(c, bpfb_gep(c, dst, 8), cg_expr(c, addr), addr->type.size);
	else
		bpfb_store(c, LLVMBuildTrunc(c->b, cg_expr(c, addr), c->i32, ""),
			   bpfb_gep(c, dst, 8), 4);
	return dst;
}

static LLVMValueRef str_emit(struct cg *c, struct node *n)
{
	return cg_buf_expr(c, n); /* through str_into */
}

/* str(ptr[, len]) read straight into the destination slot, filling exactly `fill` bytes
 * (a whole slot, or a tuple element's width). */
static bool str_into(struct cg *c, struct node *n, LLVMValueRef dst, const struct type *dt,
		     uint32_t fill)
{
	struct node *arg = n->list, *len = arg ? arg->next : NULL;
	uint32_t size = dt->kind == TY_STR ? dt->size : n->type.size;
	if (!arg) {
		bpfb_memset0(c, dst, fill);
		return true;
	}
	if (arg->type.kind == TY_STR) { /* str() of something already a string */
		cg_store_n(c, arg, dst, dt, fill);
		return true;
	}
	LLVMValueRef ptr = cg_expr(c, arg);
	if (LLVMTypeOf(ptr) != c->i64)
		ptr = LLVMBuildPtrToInt(c->b, ptr, c->i64, "");
	bpfb_memset0(c, dst, fill);
	LLVMValueRef sz = bpfb_i64(c, size), ok = NULL;
	if (len) {
		/* like bpftrace: read at most len bytes plus the terminating NUL */
		LLVMValueRef want = LLVMBuildAdd(c->b, cg_expr(c, len), bpfb_i64(c, 1), "");
		ok = LLVMBuildICmp(c->b, LLVMIntULE, want, sz, "");
		sz = LLVMBuildSelect(c->b, ok, want, sz, "");
	}
	bool user = (arg->flags | n->flags) & NODE_F_USER_PTR;
	LLVMValueRef a[3] = { dst, sz, ptr };
	/* A pointer whose address space is not known here (e.g. a syscall's user pointer kept
	 * in a map between sys_enter and sys_exit, as opensnoop.bt does) is read with the
	 * legacy helper, which takes either space on x86, as bpftrace 0.17 does. */
	int fn = user ? BPF_FUNC_probe_read_user_str : BPF_FUNC_probe_read_str;
	LLVMValueRef got = bpfb_helper(c, fn, c->i64, a, 3, "");
	cg_helper_check(c, got, fn, n, -1);
	cg_count_str_trunc(c, got, dst, ptr, size,
			   user ? BPF_FUNC_probe_read_user : BPF_FUNC_probe_read, ok);
	return true;
}

/* the timestamp itself; its format is the type's (printed by strftime_print) */
static LLVMValueRef strftime_emit(struct cg *c, struct node *n)
{
	return cg_expr(c, n->list->next);
}

/* ---- printing ------------------------------------------------------------------------- */

/* The texts below are cut at this many bytes, as bpftrace's printf buffers are. */
#define TEXT_MAX (4 * 256 + 1)

static void inet_print(FILE *out, const struct type *t, const uint8_t *bytes,
		       const struct print_ctx *ctx, int indent)
{
	char txt[TEXT_MAX];
	uint64_t af;
	memcpy(&af, bytes, 8);
	if ((af == AF_INET || af == AF_INET6) &&
	    inet_ntop((int)af, bytes + 8, txt, (socklen_t)sizeof(txt)))
		fputs(txt, out);
}

static void strftime_print(FILE *out, const struct type *t, const uint8_t *bytes,
			   const struct print_ctx *ctx, int indent)
{
	char txt[TEXT_MAX];
	uint64_t ns;
	memcpy(&ns, bytes, 8);
	const char *fmt = ctx && ctx->strftime_fmts && t->fmt_id >= 0 && t->fmt_id < ctx->nfmts
				  ? ctx->strftime_fmts[t->fmt_id]
				  : NULL;
	str_strftime(txt, sizeof(txt), fmt ? fmt : "", ns);
	fputs(txt, out);
}

static void buf_print(FILE *out, const struct type *t, const uint8_t *bytes,
		      const struct print_ctx *ctx, int indent)
{
	/* hex text into a memory stream bounded by TEXT_MAX */
	char txt[TEXT_MAX];
	FILE *m = fmemopen(txt, sizeof(txt), "w");
	if (!m)
		return;
	size_t n = bytes[0];
	if (t->size && n > t->size - 1)
		n = t->size - 1;
	str_hex_buf(m, bytes + 1, n);
	fclose(m);
	txt[sizeof(txt) - 1] = '\0';
	fputs(txt, out);
}

static const struct builtin rows[] = {
	{ .name = "str", .kind = BK_FUNC, .min_args = 1, .max_args = 2, .check = check_str,
	  .emit = str_emit, .store = str_into },
	BUILTIN_FUNC("strncmp", 3, 3, 0, check_strncmp, strncmp_call),
	BUILTIN_FUNC("strcontains", 2, 2, 0, check_strcontains, strcontains_call),
	BUILTIN_FUNC("buf", 1, 2, 0, check_buf, buf_call),
	BUILTIN_FUNC("ntop", 1, 2, 0, check_ntop, ntop_call),
	BUILTIN_FUNC("strftime", 2, 2, 0, check_strftime, strftime_emit),
};

static const struct builtin_fmt fmts[] = {
	{ SUB_BUF, TY_STR, buf_print },
	{ SUB_INET, TY_STR, inet_print },
	{ SUB_TSTAMP, TY_INT, strftime_print },
};

const struct builtin_family builtin_family_strings = { "strings", rows, BUILTIN_NROWS(rows),
							fmts, BUILTIN_NROWS(fmts) };
