/*
 * codegen/emit_maps.c — map reads, plain updates, aggregations and deletes, laid out
 * exactly as sema/abi.h says.
 *
 * Owns: key construction (user key, hist slot suffix, the u32/u64 zero key of keyless
 * maps), per-CPU aggregation updates (in place, no atomics: each CPU owns its value),
 * first insertion with BPF_NOEXIST and the lookup retry when another CPU raced us; what
 * an aggregation's element holds is its row's (struct builtin_agg, stdlib/builtin_maps.c
 * and builtin_tseries.c).
 * Must not: lay out values itself beyond abi.h (emit_value.c stores them) or emit events.
 */
#include <linux/bpf.h>
#include <bpf/libbpf.h>

#include "codegen_internal.h"

int cg_map_fd(struct cg *c, int id)
{
	return c->opts->map_fds ? c->opts->map_fds[id] : -1;
}

static const struct map_info *map_of(struct cg *c, struct node *m, struct abi_map_layout *l)
{
	if (m->sym < 0 || m->sym >= c->sr->nmaps) {
		cg_error(c, "internal error: unresolved map %s", m->str ? m->str : "?");
		return NULL;
	}
	const struct map_info *mi = &c->sr->maps[m->sym];
	abi_map_layout(&mi->key, &mi->val, ABI_MAP_KEYS_DEFAULT, l);
	return mi;
}

static bool is_hist(const struct type *t)
{
	return t->kind == TY_HIST || t->kind == TY_LHIST || t->kind == TY_TSERIES;
}

/* The BPF key for m; slot (i64) is appended for hist/lhist maps. */
static LLVMValueRef build_key(struct cg *c, struct node *m, const struct map_info *mi,
			      const struct abi_map_layout *l, LLVMValueRef slot)
{
	if (!l->user_key_size) {
		if (!slot)
			return cg_zero_key(c);
		LLVMValueRef k = bpfb_buf(c, 8, "hkey"); /* scratch once the stack is full */
		bpfb_store(c, LLVMBuildTrunc(c->b, slot, c->i32, ""), k, 4);
		return k;
	}
	LLVMValueRef k = bpfb_buf(c, l->key_size, "key");
	int nkeys = ast_list_len(m->list);
	if (nkeys == 1) { /* one key, or a tuple that is the multi-key's parts (sema) */
		cg_store(c, m->list, k, &mi->key);
	} else if (mi->key.kind == TY_TUPLE && nkeys == mi->key.nelems) {
		cg_store_tuple(c, m->list, k, &mi->key, l->user_key_size);
	} else {
		cg_error(c, "internal error: map %s used with %d keys", mi->name, nkeys);
		bpfb_memset0(c, k, l->key_size);
	}
	if (slot)
		bpfb_store(c, slot, bpfb_gep(c, k, l->user_key_size), 8);
	return k;
}

static LLVMValueRef phi2(struct cg *c, LLVMTypeRef t, LLVMValueRef a, LLVMBasicBlockRef ab,
			 LLVMValueRef b, LLVMBasicBlockRef bb)
{
	LLVMValueRef phi = LLVMBuildPhi(c->b, t, "");
	LLVMValueRef v[2] = { a, b };
	LLVMBasicBlockRef bl[2] = { ab, bb };
	LLVMAddIncoming(phi, v, bl, 2);
	return phi;
}

/* Integer view of a map value at p (non-null). */
static LLVMValueRef value_int(struct cg *c, const struct map_info *mi, LLVMValueRef p)
{
	switch (mi->val.kind) {
	case TY_AVG:
	case TY_STATS: {
		LLVMValueRef total = bpfb_load(c, c->i64, p, 8);
		LLVMValueRef cnt = bpfb_load(c, c->i64, bpfb_gep(c, p, 8), 8);
		struct type t = type_int(8, mi->val.is_signed);
		return cg_arith(c, OP_DIV, total, cnt, &t, t.is_signed);
	}
	default:
		return bpfb_load(c, c->i64, p, 8);
	}
}

static LLVMValueRef read_with_key(struct cg *c, int fd, const struct map_info *mi,
				  const struct abi_map_layout *l, LLVMValueRef key)
{
	LLVMValueRef p = bpfb_map_lookup(c, fd, key);
	LLVMBasicBlockRef hit = bpfb_block(c, "rd_hit"), miss = bpfb_block(c, "rd_miss");
	LLVMBasicBlockRef end = bpfb_block(c, "rd_end");
	LLVMBuildCondBr(c->b, LLVMBuildIsNull(c->b, p, ""), miss, hit);
	if (mi->val.kind == TY_STR || mi->val.kind == TY_TUPLE || mi->val.kind == TY_RECORD) {
		LLVMValueRef buf = bpfb_buf(c, l->value_size, "mval");
		LLVMPositionBuilderAtEnd(c->b, hit);
		bpfb_memcpy(c, buf, p, l->value_size);
		LLVMBuildBr(c->b, end);
		LLVMPositionBuilderAtEnd(c->b, miss);
		if (c->opts->helper_check >= 2) /* -kk: a missing key is reported as bpftrace does */
			cg_helper_failed(c, p, BPF_FUNC_map_lookup_elem, NULL, -1);
		bpfb_memset0(c, buf, l->value_size);
		LLVMBuildBr(c->b, end);
		LLVMPositionBuilderAtEnd(c->b, end);
		return buf;
	}
	LLVMPositionBuilderAtEnd(c->b, hit);
	LLVMValueRef v = value_int(c, mi, p);
	LLVMBasicBlockRef hit_end = LLVMGetInsertBlock(c->b);
	LLVMBuildBr(c->b, end);
	LLVMPositionBuilderAtEnd(c->b, miss);
	if (c->opts->helper_check >= 2)
		cg_helper_failed(c, p, BPF_FUNC_map_lookup_elem, NULL, -1);
	LLVMBasicBlockRef miss_end = LLVMGetInsertBlock(c->b);
	LLVMBuildBr(c->b, end);
	LLVMPositionBuilderAtEnd(c->b, end);
	return phi2(c, c->i64, v, hit_end, bpfb_i64(c, 0), miss_end);
}

/* ---- the predicate's read cache (struct cg_fn rcache) */

/* Keys whose value cannot change during one run of the program. */
static bool key_is_stable(const struct cg *c, const struct node *k)
{
	for (; k; k = k->next) {
		if (k->kind == AST_INT)
			continue;
		if (k->kind != AST_IDENT || !(cg_row_flags(c, k) & BF_STABLE))
			return false;
	}
	return true;
}

static bool same_keys(const struct node *a, const struct node *b)
{
	for (; a && b; a = a->next, b = b->next)
		if (a->kind != b->kind || a->sym != b->sym ||
		    (a->kind == AST_INT && a->ival != b->ival))
			return false;
	return !a && !b;
}

static LLVMValueRef rcache_find(struct cg *c, struct node *m)
{
	struct cg_fn *f = &c->fn;
	if (f->nloops)
		return NULL; /* a later write in the loop body may run before this read */
	for (int i = 0; i < f->nrcache; i++)
		if (f->rcache[i].map->sym == m->sym && same_keys(f->rcache[i].map->list, m->list))
			return f->rcache[i].val;
	return NULL;
}

static void rcache_drop(struct cg *c, int map)
{
	struct cg_fn *f = &c->fn;
	int j = 0;
	for (int i = 0; i < f->nrcache; i++)
		if (f->rcache[i].map->sym != map)
			f->rcache[j++] = f->rcache[i];
	f->nrcache = j;
}

LLVMValueRef cg_map_read(struct cg *c, struct node *m)
{
	struct abi_map_layout l;
	const struct map_info *mi = map_of(c, m, &l);
	if (!mi || is_hist(&mi->val)) {
		if (mi)
			cg_error(c, "the value of histogram map %s cannot be read in an expression",
				 mi->name);
		return bpfb_i64(c, 0);
	}
	struct cg_fn *f = &c->fn;
	bool cacheable = mi->val.kind == TY_INT && key_is_stable(c, m->list);
	LLVMValueRef v = cacheable ? rcache_find(c, m) : NULL;
	if (v)
		return v;
	LLVMValueRef key = build_key(c, m, mi, &l, NULL);
	v = read_with_key(c, cg_map_fd(c, m->sym), mi, &l, key);
	/* only reads the predicate makes unconditionally dominate the whole action */
	if (cacheable && (m == f->rc_pred[0] || m == f->rc_pred[1]) &&
	    f->nrcache < (int)(sizeof(f->rcache) / sizeof(f->rcache[0]))) {
		f->rcache[f->nrcache].map = m;
		f->rcache[f->nrcache++].val = v;
	}
	return v;
}

/* ---- one key's histogram: its buckets are elements of their own (key ++ slot) ----------
 * delete(@h[k]) and has_key(@h, k) visit every bucket in a bpf_loop callback (an lhist may
 * have thousands); ctx (on the caller's stack): word 0 the key buffer (slot at uks), word
 * 1 the key's user size, word 2 has_key's answer. */
struct hist_loop {
	int fd;
	bool array;          /* a keyless histogram: a per-CPU array of its buckets (u32 key) */
	uint32_t value_size; /* of a bucket */
};

static void hist_slot_key(struct cg *c, LLVMValueRef idx, LLVMValueRef cctx,
			  const struct hist_loop *h, LLVMValueRef *key)
{
	*key = bpfb_load(c, c->ptr, cctx, 8);
	LLVMValueRef uks = bpfb_load(c, c->i64, bpfb_gep(c, cctx, 8), 8);
	LLVMValueRef at = LLVMBuildGEP2(c->b, c->i8, *key, &uks, 1, "slot");
	if (h->array)
		bpfb_store(c, LLVMBuildTrunc(c->b, idx, c->i32, ""), at, 4);
	else
		bpfb_store(c, idx, at, 8);
}

static void hist_delete_body(struct cg *c, LLVMValueRef idx, LLVMValueRef cctx, void *arg)
{
	const struct hist_loop *h = arg;
	LLVMValueRef key;
	hist_slot_key(c, idx, cctx, h, &key);
	if (!h->array) {
		bpfb_map_delete(c, h->fd, key);
		bpfb_cb_ret(c, 0);
		return;
	}
	/* array slots cannot be deleted: every CPU's count of the bucket becomes 0, and the
	 * map prints as after clear() */
	int ncpus = libbpf_num_possible_cpus();
	for (int cpu = 0; cpu < (ncpus > 0 ? ncpus : 1); cpu++) {
		LLVMValueRef a[3] = { bpfb_map_ptr(c, h->fd), key, bpfb_i64(c, (uint64_t)cpu) };
		LLVMValueRef p = bpfb_helper(c, BPF_FUNC_map_lookup_percpu_elem, c->ptr, a, 3,
					     "pcpu");
		LLVMBasicBlockRef hit = bpfb_block(c, "hdel_cpu"), next = bpfb_block(c, "hdel_next");
		LLVMBuildCondBr(c->b, LLVMBuildIsNull(c->b, p, ""), next, hit);
		LLVMPositionBuilderAtEnd(c->b, hit);
		bpfb_memset0(c, p, h->value_size);
		LLVMBuildBr(c->b, next);
		LLVMPositionBuilderAtEnd(c->b, next);
	}
	bpfb_cb_ret(c, 0);
}

static void hist_find_body(struct cg *c, LLVMValueRef idx, LLVMValueRef cctx, void *arg)
{
	const struct hist_loop *h = arg;
	LLVMValueRef key;
	hist_slot_key(c, idx, cctx, h, &key);
	LLVMValueRef p = bpfb_map_lookup(c, h->fd, key);
	LLVMBasicBlockRef hit = bpfb_block(c, "hist_hit"), miss = bpfb_block(c, "hist_miss");
	LLVMBuildCondBr(c->b, LLVMBuildIsNull(c->b, p, ""), miss, hit);
	LLVMPositionBuilderAtEnd(c->b, hit);
	bpfb_store(c, bpfb_i64(c, 1), bpfb_gep(c, cctx, 16), 8);
	bpfb_cb_ret(c, 1);
	LLVMPositionBuilderAtEnd(c->b, miss);
	bpfb_cb_ret(c, 0);
}

/* Visits every bucket of m's key; returns the ctx (word 2: a bucket was found). */
static LLVMValueRef hist_each_slot(struct cg *c, struct node *m, const struct map_info *mi,
				   const struct abi_map_layout *l, bool find)
{
	LLVMValueRef key = build_key(c, m, mi, l, bpfb_i64(c, 0));
	LLVMValueRef ctx = bpfb_stack(c, 24, "hist_ctx");
	bpfb_store(c, key, ctx, 8);
	bpfb_store(c, bpfb_i64(c, l->user_key_size), bpfb_gep(c, ctx, 8), 8);
	bpfb_store(c, bpfb_i64(c, 0), bpfb_gep(c, ctx, 16), 8);
	struct hist_loop h = { cg_map_fd(c, m->sym), l->map_type == ABI_MAP_PERCPU_ARRAY,
			       l->value_size };
	cg_count_loop(c, l->nslots, ctx, find ? "hfind" : "hdel",
		      find ? hist_find_body : hist_delete_body, &h);
	return ctx;
}

/* has_key(): the map's value pointer for m's key (NULL when absent). A histogram has no
 * single value per key: non-NULL (the key buffer, not to be read through) when any of
 * the key's buckets exists. */
LLVMValueRef cg_map_lookup(struct cg *c, struct node *m)
{
	struct abi_map_layout l;
	const struct map_info *mi = map_of(c, m, &l);
	if (!mi)
		return LLVMConstNull(c->ptr);
	if (is_hist(&mi->val)) {
		LLVMValueRef ctx = hist_each_slot(c, m, mi, &l, true);
		LLVMValueRef found = bpfb_load(c, c->i64, bpfb_gep(c, ctx, 16), 8);
		return LLVMBuildSelect(c->b, bpfb_to_bool(c, found), bpfb_load(c, c->ptr, ctx, 8),
				       LLVMConstNull(c->ptr), "");
	}
	return bpfb_map_lookup(c, cg_map_fd(c, m->sym), build_key(c, m, mi, &l, NULL));
}

LLVMValueRef cg_map_find(struct cg *c, struct node *m, struct node *var)
{
	struct abi_map_layout l;
	const struct map_info *mi = map_of(c, m, &l);
	if (!mi)
		return bpfb_i64(c, 0);
	if (is_hist(&mi->val)) {
		cg_error(c, "find() cannot read histogram map %s", mi->name);
		return bpfb_i64(c, 0);
	}
	LLVMValueRef p = bpfb_map_lookup(c, cg_map_fd(c, m->sym), build_key(c, m, mi, &l, NULL));
	LLVMValueRef found = LLVMBuildIsNotNull(c->b, p, "found");
	LLVMBasicBlockRef hit = bpfb_block(c, "fd_hit"), end = bpfb_block(c, "fd_end");
	LLVMBuildCondBr(c->b, found, hit, end);
	LLVMPositionBuilderAtEnd(c->b, hit);
	const struct type *vt = var->sym >= 0 && var->sym < c->sr->nvars
					? &c->sr->vars[var->sym].type
					: &var->type;
	LLVMValueRef slot = cg_var_slot(c, var);
	if (mi->val.kind == TY_STR || mi->val.kind == TY_TUPLE || mi->val.kind == TY_RECORD)
		cg_store_val(c, p, &mi->val, slot, vt);
	else
		bpfb_store(c, cg_norm(c, value_int(c, mi, p), vt), slot, 8);
	LLVMBuildBr(c->b, end);
	LLVMPositionBuilderAtEnd(c->b, end);
	return LLVMBuildZExt(c->b, found, c->i64, "");
}

/* Fold one observation v into the per-CPU value at p (non-null). */
static void agg_apply(struct cg *c, const struct builtin_agg *ops, const struct type *t,
		      LLVMValueRef p, LLVMValueRef v)
{
	ops->apply(c, t, p, v);
}

/* The value a first observation v creates. */
static LLVMValueRef agg_init(struct cg *c, const struct builtin_agg *ops, const struct type *t,
			     const struct abi_map_layout *l, LLVMValueRef v)
{
	LLVMValueRef buf = bpfb_buf(c, l->value_size, "ainit"); /* scratch once the stack is full */
	ops->init(c, t, buf, v);
	return buf;
}

static void agg_update(struct cg *c, struct node *m, const struct map_info *mi,
		       const struct abi_map_layout *l, struct node *call)
{
	const struct type *t = &mi->val;
	const struct builtin *b = cg_row(c, call);
	const struct builtin_agg *ops = b && b->agg && call->type.kind == t->kind ? b->agg : NULL;
	if (!ops) {
		char tn[64];
		type_name(t, tn, sizeof(tn));
		cg_error(c, "map %s holds %s values and can only be assigned %s()", mi->name, tn,
			 tn);
		return;
	}
	LLVMValueRef v = call->list ? cg_expr(c, call->list) : NULL, slot = NULL;
	if (!ops->slot(c, mi, call, v, l, &slot))
		return;
	int fd = cg_map_fd(c, m->sym);
	LLVMValueRef key = build_key(c, m, mi, l, slot);
	LLVMValueRef p = bpfb_map_lookup(c, fd, key);
	LLVMBasicBlockRef entry = LLVMGetInsertBlock(c->b);
	LLVMBasicBlockRef hit = bpfb_block(c, "agg_hit"), done = bpfb_block(c, "agg_done");
	if (l->map_type == ABI_MAP_PERCPU_ARRAY) {
		/* array slots always exist; the null check is for the verifier */
		LLVMBuildCondBr(c->b, LLVMBuildIsNull(c->b, p, ""), done, hit);
		LLVMPositionBuilderAtEnd(c->b, hit);
		agg_apply(c, ops, t, p, v);
		LLVMBuildBr(c->b, done);
		LLVMPositionBuilderAtEnd(c->b, done);
		return;
	}
	LLVMBasicBlockRef miss = bpfb_block(c, "agg_miss"), retry = bpfb_block(c, "agg_retry");
	LLVMBuildCondBr(c->b, LLVMBuildIsNull(c->b, p, ""), miss, hit);
	LLVMPositionBuilderAtEnd(c->b, miss);
	LLVMValueRef init = agg_init(c, ops, t, l, v);
	LLVMValueRef r = bpfb_map_update(c, fd, key, init, BPF_NOEXIST);
	LLVMBuildCondBr(c->b, LLVMBuildICmp(c->b, LLVMIntEQ, r, bpfb_i64(c, 0), ""), done, retry);
	/* another CPU inserted the key first: fold into the now-existing entry */
	LLVMPositionBuilderAtEnd(c->b, retry);
	LLVMValueRef p2 = bpfb_map_lookup(c, fd, key);
	/* not inserted and still absent: the map is full, and the update is counted */
	LLVMBasicBlockRef full = bpfb_block(c, "agg_full");
	LLVMBuildCondBr(c->b, LLVMBuildIsNull(c->b, p2, ""), full, hit);
	LLVMPositionBuilderAtEnd(c->b, full);
	cg_helper_failed(c, r, BPF_FUNC_map_update_elem, m, m->sym);
	LLVMBuildBr(c->b, done);
	LLVMPositionBuilderAtEnd(c->b, hit);
	LLVMValueRef pp = phi2(c, c->ptr, p, entry, p2, retry);
	agg_apply(c, ops, t, pp, v);
	LLVMBuildBr(c->b, done);
	LLVMPositionBuilderAtEnd(c->b, done);
}

static void write_with_key(struct cg *c, int id, const struct map_info *mi,
			   const struct abi_map_layout *l, LLVMValueRef key, LLVMValueRef v,
			   const struct type *vt)
{
	LLVMValueRef val = bpfb_buf(c, l->value_size, "mval");
	cg_store_val(c, v, vt, val, &mi->val);
	cg_helper_check(c, bpfb_map_update(c, cg_map_fd(c, id), key, val, BPF_ANY),
			BPF_FUNC_map_update_elem, NULL, id);
}

void cg_map_assign(struct cg *c, struct node *as)
{
	struct node *m = as->a;
	struct abi_map_layout l;
	const struct map_info *mi = map_of(c, m, &l);
	if (!mi)
		return;
	rcache_drop(c, m->sym);
	if (type_is_agg(&mi->val)) {
		agg_update(c, m, mi, &l, as->b);
		return;
	}
	int fd = cg_map_fd(c, m->sym);
	LLVMValueRef key = build_key(c, m, mi, &l, NULL);
	if (as->op != OP_NONE) {
		if (mi->val.kind != TY_INT) {
			cg_error(c, "compound assignment needs an integer map, %s is not", mi->name);
			return;
		}
		LLVMValueRef old = read_with_key(c, fd, mi, &l, key);
		LLVMValueRef rhs = cg_expr(c, as->b);
		if (as->op == OP_ADD || as->op == OP_SUB) /* @p += n moves by n elements */
			rhs = cg_ptr_scale(c, &mi->val, rhs);
		LLVMValueRef nv = cg_arith(c, as->op, old, rhs, &mi->val, mi->val.is_signed);
		write_with_key(c, m->sym, mi, &l, key, nv, &mi->val);
		return;
	}
	LLVMValueRef val = bpfb_buf(c, l.value_size, "mval");
	cg_store(c, as->b, val, &mi->val);
	cg_helper_check(c, bpfb_map_update(c, fd, key, val, BPF_ANY), BPF_FUNC_map_update_elem,
			m, m->sym);
}

LLVMValueRef cg_map_incdec(struct cg *c, struct node *m, int64_t delta, bool post)
{
	struct abi_map_layout l;
	const struct map_info *mi = map_of(c, m, &l);
	if (!mi)
		return bpfb_i64(c, 0);
	if (mi->val.kind != TY_INT) {
		cg_error(c, "++/-- needs an integer map, %s is not", mi->name);
		return bpfb_i64(c, 0);
	}
	rcache_drop(c, m->sym);
	int fd = cg_map_fd(c, m->sym);
	LLVMValueRef key = build_key(c, m, mi, &l, NULL);
	LLVMValueRef old = read_with_key(c, fd, mi, &l, key);
	LLVMValueRef step = cg_ptr_scale(c, &mi->val, bpfb_i64(c, (uint64_t)delta)); /* @p++ */
	LLVMValueRef nv = cg_norm(c, LLVMBuildAdd(c->b, old, step, ""), &mi->val);
	write_with_key(c, m->sym, mi, &l, key, nv, &mi->val);
	return post ? old : nv;
}

LLVMValueRef cg_map_delete(struct cg *c, struct node *m)
{
	struct abi_map_layout l;
	const struct map_info *mi = map_of(c, m, &l);
	if (!mi)
		return bpfb_i64(c, 0);
	rcache_drop(c, m->sym);
	if (is_hist(&mi->val)) {
		/* delete(@h[k]) (or delete(@h) of a keyless one) of a histogram: each of k's
		 * buckets is its own element (key ++ slot), so all of them go, as bpftrace 0.17
		 * deletes the key's histogram (as a value: 1, the key is gone) */
		hist_each_slot(c, m, mi, &l, false);
		return bpfb_i64(c, 1);
	}
	LLVMValueRef key = build_key(c, m, mi, &l, NULL);
	if (l.map_type == ABI_MAP_PERCPU_ARRAY) {
		/* delete(@) of a keyless aggregation: an array slot cannot be deleted, so every
		 * CPU's copy is zeroed, and the map prints as bpftrace's does after a delete
		 * (`@: 0`) */
		int ncpus = libbpf_num_possible_cpus();
		for (int cpu = 0; cpu < (ncpus > 0 ? ncpus : 1); cpu++) {
			LLVMValueRef a[3] = { bpfb_map_ptr(c, cg_map_fd(c, m->sym)), key,
					      bpfb_i64(c, (uint64_t)cpu) };
			LLVMValueRef p = bpfb_helper(c, BPF_FUNC_map_lookup_percpu_elem, c->ptr, a, 3,
						     "pcpu");
			LLVMBasicBlockRef hit = bpfb_block(c, "del_cpu"), next = bpfb_block(c, "del_next");
			LLVMBuildCondBr(c->b, LLVMBuildIsNull(c->b, p, ""), next, hit);
			LLVMPositionBuilderAtEnd(c->b, hit);
			bpfb_memset0(c, p, l.value_size);
			LLVMBuildBr(c->b, next);
			LLVMPositionBuilderAtEnd(c->b, next);
		}
		return bpfb_i64(c, 1);
	}
	LLVMValueRef r = bpfb_map_delete(c, cg_map_fd(c, m->sym), key);
	cg_helper_check(c, r, BPF_FUNC_map_delete_elem, m, -1);
	/* delete() as a value: 1 when the element was there (current bpftrace) */
	return LLVMBuildZExt(c->b, LLVMBuildICmp(c->b, LLVMIntEQ, r, bpfb_i64(c, 0), ""), c->i64, "");
}
