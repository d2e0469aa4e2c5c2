/*
 * runtime/maps_read.c — BPF map contents → neutral snapshots; clear() and zero().
 *
 * Owns: reading every key and value of a user map (batch lookups when the kernel has them,
 * else get_next_key), merging per-CPU values as sema/abi.h prescribes (counts and sums
 * add, min/max over CPUs that saw a value, avg/stats add total and count, hist slots add and
 * are regrouped by user key), and emptying or zeroing maps for clear()/zero().
 * Must not: print (runtime/print*.c does) or interpret key bytes beyond their layout.
 */
#include "runtime_internal.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* All entries of a map: n keys of ksize bytes and n values of vsize bytes (per-CPU values
 * already expanded to every possible CPU). */
struct kv {
	uint8_t *keys, *vals;
	size_t n, cap;
	uint32_t ksize;
	size_t vsize;
};

static void kv_free(struct kv *kv)
{
	free(kv->keys);
	free(kv->vals);
	memset(kv, 0, sizeof(*kv));
}

static int kv_reserve(struct kv *kv, size_t want)
{
	if (want <= kv->cap)
		return 0;
	size_t cap = kv->cap ? kv->cap : 256;
	while (cap < want)
		cap *= 2;
	uint8_t *k = realloc(kv->keys, cap * (kv->ksize ? kv->ksize : 1));
	if (!k)
		return -ENOMEM;
	kv->keys = k;
	uint8_t *v = realloc(kv->vals, cap * kv->vsize);
	if (!v)
		return -ENOMEM;
	kv->vals = v;
	kv->cap = cap;
	return 0;
}

/* Batch lookup; returns -EOPNOTSUPP-like errors untouched so the caller can fall back. */
static int read_batch(int fd, struct kv *kv)
{
	uint32_t chunk = 1024;
	uint64_t in_tok = 0, out_tok = 0;
	bool first = true;
	for (;;) {
		int err = kv_reserve(kv, kv->n + chunk);
		if (err)
			return err;
		uint32_t count = chunk;
		int r = bpf_map_lookup_batch(fd, first ? NULL : &in_tok, &out_tok,
					     kv->keys + kv->n * kv->ksize,
					     kv->vals + kv->n * kv->vsize, &count, NULL);
		err = r < 0 ? -errno : 0;
		if (err && err != -ENOENT) {
			if (err == -ENOSPC && chunk < (1u << 20)) {
				chunk *= 4; /* one hash bucket holds more than a chunk */
				continue;
			}
			return err;
		}
		kv->n += count;
		if (err == -ENOENT)
			return 0;
		in_tok = out_tok;
		first = false;
	}
}

static int read_iter(int fd, struct kv *kv)
{
	uint8_t *prev = NULL;
	for (;;) {
		int err = kv_reserve(kv, kv->n + 1);
		if (err)
			return err;
		uint8_t *key = kv->keys + kv->n * kv->ksize;
		if (bpf_map_get_next_key(fd, prev, key) < 0)
			return errno == ENOENT ? 0 : -errno;
		if (bpf_map_lookup_elem(fd, key, kv->vals + kv->n * kv->vsize) < 0) {
			if (errno == ENOENT) /* deleted under us: skip it, keep walking */
				continue;
			return -errno;
		}
		kv->n++;
		prev = kv->keys + (kv->n - 1) * kv->ksize;
	}
}

static int read_all(int fd, uint32_t ksize, size_t vsize, struct kv *kv)
{
	memset(kv, 0, sizeof(*kv));
	kv->ksize = ksize;
	kv->vsize = vsize;
	int err = read_batch(fd, kv);
	if (!err)
		return 0;
	/* Kernels without batch ops for this map type answer EINVAL or ENOTSUPP. */
	kv->n = 0;
	err = read_iter(fd, kv);
	if (err)
		kv_free(kv);
	return err;
}

static int possible_cpus(void)
{
	int n = libbpf_num_possible_cpus();
	return n < 1 ? 1 : n;
}

static int64_t rd_s64(const uint8_t *p)
{
	int64_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

/* Merge one per-CPU aggregation value into e. Returns true when the entry has a value
 * worth showing for a keyless map (keyed entries always show: the key exists). */
static bool merge_agg(const struct type *val, const uint8_t *percpu, struct snap_entry *e)
{
	int ncpu = possible_cpus();
	switch (val->kind) {
	case TY_COUNT:
	case TY_SUM: {
		int64_t s = 0;
		for (int c = 0; c < ncpu; c++)
			s += rd_s64(percpu + (size_t)c * 8);
		e->value = s;
		return val->kind == TY_COUNT || s != 0;
	}
	case TY_MIN:
	case TY_MAX: {
		size_t stride = abi_align(sizeof(struct abi_minmax));
		bool any = false;
		int64_t best = 0;
		for (int c = 0; c < ncpu; c++) {
			struct abi_minmax mm;
			memcpy(&mm, percpu + (size_t)c * stride, sizeof(mm));
			if (!mm.set)
				continue;
			if (!any || (val->kind == TY_MIN ? mm.value < best : mm.value > best))
				best = mm.value;
			any = true;
		}
		e->value = best;
		return any;
	}
	case TY_AVG:
	case TY_STATS: {
		size_t stride = abi_align(sizeof(struct abi_avg));
		int64_t total = 0;
		uint64_t count = 0;
		for (int c = 0; c < ncpu; c++) {
			struct abi_avg a;
			memcpy(&a, percpu + (size_t)c * stride, sizeof(a));
			total += a.total;
			count += a.count;
		}
		e->total = total;
		e->count = count;
		e->value = count ? total / (int64_t)count : 0;
		return count != 0;
	}
	default:
		return false;
	}
}

/* A hist/lhist slot's per-CPU struct abi_hist_slot values: count and sum over CPUs. */
static uint64_t sum_slot_percpu(const uint8_t *percpu, int64_t *sum)
{
	uint64_t s = 0;
	int ncpu = possible_cpus();
	size_t stride = abi_align(sizeof(struct abi_hist_slot));
	for (int c = 0; c < ncpu; c++) {
		struct abi_hist_slot v;
		memcpy(&v, percpu + (size_t)c * stride, sizeof(v));
		s += v.count;
		*sum += v.sum;
	}
	return s;
}

/* A tseries slot's per-CPU struct abi_tseries_slot values reduced as bpftrace does: the
 * copies of the slot's latest interval combine (the last value by its time, sums and
 * counts add, min/max), older intervals and never-used copies (epoch 0) are dropped.
 * out[0] = the interval (0: none), out[1] = its value. */
static void tseries_reduce(const uint8_t *percpu, const struct type *t, uint64_t *out)
{
	int ncpu = possible_cpus();
	size_t stride = abi_align(sizeof(struct abi_tseries_slot));
	struct abi_tseries_slot acc = { 0 };
	for (int c = 0; c < ncpu; c++) {
		struct abi_tseries_slot v;
		memcpy(&v, percpu + (size_t)c * stride, sizeof(v));
		if (!v.epoch || v.epoch < acc.epoch)
			continue;
		if (v.epoch > acc.epoch) {
			acc = v;
			continue;
		}
		switch (t->lh_step) {
		case TS_AGG_AVG:
			acc.meta += v.meta;
			__attribute__((fallthrough));
		case TS_AGG_SUM:
			acc.val = (int64_t)((uint64_t)acc.val + (uint64_t)v.val);
			break;
		case TS_AGG_MIN:
		case TS_AGG_MAX: {
			bool less = t->is_signed ? v.val < acc.val : (uint64_t)v.val < (uint64_t)acc.val;
			if (less == (t->lh_step == TS_AGG_MIN))
				acc.val = v.val;
			break;
		}
		default: /* the most recent value */
			if (v.meta > acc.meta)
				acc = v;
			break;
		}
	}
	if (t->lh_step == TS_AGG_AVG && acc.meta)
		acc.val = t->is_signed ? acc.val / acc.meta
				       : (int64_t)((uint64_t)acc.val / (uint64_t)acc.meta);
	out[0] = acc.epoch;
	out[1] = (uint64_t)acc.val;
}

/* each tseries entry's value: its newest interval's (what the metrics gauges show) */
static void tseries_newest(struct map_snapshot *s)
{
	for (int i = 0; i < s->n; i++) {
		uint64_t best = 0;
		for (uint32_t k = 0; s->entries[i].slots && k < s->nslots; k++)
			if (s->entries[i].slots[2 * k] > best) {
				best = s->entries[i].slots[2 * k];
				s->entries[i].value = (int64_t)s->entries[i].slots[2 * k + 1];
			}
	}
}

static void free_entries(struct map_snapshot *s)
{
	for (int i = 0; i < s->n; i++) {
		free(s->entries[i].key);
		free(s->entries[i].slots);
		free(s->entries[i].bytes);
	}
	free(s->entries);
	s->entries = NULL;
	s->n = 0;
}

static struct snap_entry *add_entry(struct map_snapshot *s, size_t *cap)
{
	if ((size_t)s->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		struct snap_entry *e = realloc(s->entries, sizeof(*e) * nc);
		if (!e)
			return NULL;
		s->entries = e;
		*cap = nc;
	}
	struct snap_entry *e = &s->entries[s->n++];
	memset(e, 0, sizeof(*e));
	return e;
}

static uint8_t *dup_bytes(const uint8_t *p, size_t n)
{
	uint8_t *c = malloc(n ? n : 1);
	if (c && n)
		memcpy(c, p, n);
	return c;
}

/* Keyless hist/lhist: PERCPU_ARRAY indexed by slot. */
static int read_keyless_hist(int fd, const struct abi_map_layout *l, struct map_snapshot *s,
			     bool zeroed)
{
	size_t elem = rt_percpu_value_size(l->value_size);
	int64_t total = 0;
	uint8_t *buf = malloc(elem);
	bool ts = s->val.kind == TY_TSERIES;
	uint64_t *slots = calloc((size_t)l->nslots * (ts ? 2 : 1), sizeof(uint64_t));
	int err = 0;
	bool any = false;
	if (!buf || !slots) {
		err = -ENOMEM;
		goto out;
	}
	for (uint32_t i = 0; i < l->nslots; i++) {
		if (bpf_map_lookup_elem(fd, &i, buf) < 0) {
			err = -errno;
			goto out;
		}
		if (ts) { /* tseries: [interval, value] per slot */
			tseries_reduce(buf, &s->val, slots + 2 * i);
			any |= slots[2 * i] != 0;
			continue;
		}
		slots[i] = sum_slot_percpu(buf, &total);
		any |= slots[i] != 0;
	}
	if (any || zeroed) {
		size_t cap = 0;
		struct snap_entry *e = add_entry(s, &cap);
		if (!e) {
			err = -ENOMEM;
			goto out;
		}
		e->slots = slots;
		e->total = total;
		slots = NULL;
	}
out:
	free(buf);
	free(slots);
	return err;
}

struct sort_keys { /* qsort_r context: the metrics server reads maps on its own thread */
	const uint8_t *keys;
	uint32_t ksize, usize;
};

static int cmp_user_key(const void *a, const void *b, void *ctx)
{
	const struct sort_keys *sk = ctx;
	size_t ia = *(const size_t *)a, ib = *(const size_t *)b;
	return memcmp(sk->keys + ia * sk->ksize, sk->keys + ib * sk->ksize, sk->usize);
}

/* Keyed hist/lhist: BPF key = user key ++ u64 slot; regroup slots under each user key. */
static int group_hist(const struct kv *kv, const struct abi_map_layout *l, struct map_snapshot *s)
{
	bool ts = s->val.kind == TY_TSERIES;
	size_t *idx = malloc(sizeof(size_t) * (kv->n ? kv->n : 1));
	if (!idx)
		return -ENOMEM;
	for (size_t i = 0; i < kv->n; i++)
		idx[i] = i;
	struct sort_keys sk = { kv->keys, kv->ksize, l->user_key_size };
	qsort_r(idx, kv->n, sizeof(size_t), cmp_user_key, &sk);
	size_t cap = 0;
	struct snap_entry *cur = NULL;
	const uint8_t *cur_key = NULL;
	for (size_t i = 0; i < kv->n; i++) {
		const uint8_t *k = kv->keys + idx[i] * kv->ksize;
		if (!cur || memcmp(cur_key, k, l->user_key_size) != 0) {
			cur = add_entry(s, &cap);
			if (!cur)
				goto nomem;
			cur->key = dup_bytes(k, l->user_key_size);
			cur->slots = calloc((size_t)l->nslots * (ts ? 2 : 1), sizeof(uint64_t));
			if (!cur->key || !cur->slots)
				goto nomem;
			cur_key = k;
		}
		uint64_t slot;
		memcpy(&slot, k + l->user_key_size, 8);
		if (ts && slot < l->nslots)
			tseries_reduce(kv->vals + idx[i] * kv->vsize, &s->val, cur->slots + 2 * slot);
		else if (slot < l->nslots)
			cur->slots[slot] += sum_slot_percpu(kv->vals + idx[i] * kv->vsize,
							    &cur->total);
	}
	free(idx);
	return 0;
nomem:
	free(idx);
	return -ENOMEM;
}

int rt_map_read(const struct rt_maps *m, const struct sema_result *sr, int id,
		struct map_snapshot *s)
{
	const struct map_info *mi = &sr->maps[id];
	const struct abi_map_layout *l = &m->layouts[id];
	int fd = m->fds[id];
	memset(s, 0, sizeof(*s));
	s->name = mi->name;
	s->key = mi->key;
	s->val = mi->val;
	s->nslots = l->nslots;
	bool percpu = abi_map_percpu(l);
	bool keyless = l->user_key_size == 0;
	bool hist = l->nslots != 0;
	int err;

	if (hist && keyless) {
		err = read_keyless_hist(fd, l, s, m->zeroed && m->zeroed[id]);
		if (!err && s->val.kind == TY_TSERIES)
			tseries_newest(s);
		return err;
	}

	struct kv kv;
	size_t vsize = percpu ? rt_percpu_value_size(l->value_size) : l->value_size;
	if (l->map_type == ABI_MAP_PERCPU_ARRAY) {
		/* keyless aggregation: one element at index 0 */
		memset(&kv, 0, sizeof(kv));
		kv.ksize = 4;
		kv.vsize = vsize;
		if ((err = kv_reserve(&kv, 1)))
			return err;
		memset(kv.keys, 0, 4);
		if (bpf_map_lookup_elem(fd, kv.keys, kv.vals) < 0) {
			err = -errno;
			kv_free(&kv);
			return err;
		}
		kv.n = 1;
	} else if ((err = read_all(fd, l->key_size, vsize, &kv))) {
		return err;
	}

	if (hist) {
		err = group_hist(&kv, l, s);
		if (!err && s->val.kind == TY_TSERIES)
			tseries_newest(s);
		goto out;
	}
	size_t cap = 0;
	for (size_t i = 0; i < kv.n; i++) {
		const uint8_t *k = kv.keys + i * kv.ksize, *v = kv.vals + i * kv.vsize;
		struct snap_entry tmp = { 0 };
		bool show = true;
		if (type_is_agg(&mi->val))
			show = merge_agg(&mi->val, v, &tmp) || !keyless;
		if (!show)
			continue;
		struct snap_entry *e = add_entry(s, &cap);
		if (!e) {
			err = -ENOMEM;
			goto out;
		}
		*e = tmp;
		if (!keyless && !(e->key = dup_bytes(k, l->user_key_size))) {
			err = -ENOMEM;
			goto out;
		}
		if (type_is_agg(&mi->val))
			continue;
		/* plain values: ints and probes are 8 bytes; strings and tuples stay raw */
		if (mi->val.kind == TY_INT || mi->val.kind == TY_PROBE)
			e->value = rd_s64(v);
		if (mi->val.kind != TY_INT && !(e->bytes = dup_bytes(v, l->value_size))) {
			err = -ENOMEM;
			goto out;
		}
	}
	err = 0;
out:
	kv_free(&kv);
	if (err)
		free_entries(s);
	return err;
}

/* ---- clear() / zero() ---------------------------------------------------------------- */

static int zero_array(int fd, const struct abi_map_layout *l)
{
	size_t vsize = rt_percpu_value_size(l->value_size);
	uint8_t *zeros = calloc(1, vsize);
	if (!zeros)
		return -ENOMEM;
	int err = 0;
	for (uint32_t i = 0; i < l->max_entries && !err; i++)
		if (bpf_map_update_elem(fd, &i, zeros, BPF_ANY) < 0)
			err = -errno;
	free(zeros);
	return err;
}

static int collect_keys(int fd, uint32_t ksize, struct kv *kv)
{
	memset(kv, 0, sizeof(*kv));
	kv->ksize = ksize;
	kv->vsize = 1;
	uint8_t *prev = NULL;
	for (;;) {
		int err = kv_reserve(kv, kv->n + 1);
		if (err)
			return err;
		uint8_t *key = kv->keys + kv->n * ksize;
		if (bpf_map_get_next_key(fd, prev, key) < 0)
			return errno == ENOENT ? 0 : -errno;
		prev = key;
		kv->n++;
	}
}

int rt_map_clear(const struct rt_maps *m, const struct sema_result *sr, int id)
{
	const struct abi_map_layout *l = &m->layouts[id];
	int fd = m->fds[id];
	if (m->zeroed)
		m->zeroed[id] = false;
	if (l->map_type == ABI_MAP_PERCPU_ARRAY || l->map_type == ABI_MAP_ARRAY)
		return zero_array(fd, l);
	struct kv kv;
	int err = collect_keys(fd, l->key_size, &kv);
	for (size_t i = 0; !err && i < kv.n; i++)
		if (bpf_map_delete_elem(fd, kv.keys + i * kv.ksize) < 0 && errno != ENOENT)
			err = -errno;
	kv_free(&kv);
	return err;
}

int rt_map_zero(const struct rt_maps *m, const struct sema_result *sr, int id)
{
	const struct abi_map_layout *l = &m->layouts[id];
	int fd = m->fds[id];
	if (m->zeroed && l->nslots && !l->user_key_size)
		m->zeroed[id] = true;
	if (l->map_type == ABI_MAP_PERCPU_ARRAY || l->map_type == ABI_MAP_ARRAY)
		return zero_array(fd, l);
	bool percpu = abi_map_percpu(l);
	size_t vsize = percpu ? rt_percpu_value_size(l->value_size) : l->value_size;
	uint8_t *zeros = calloc(1, vsize);
	if (!zeros)
		return -ENOMEM;
	struct kv kv;
	int err = collect_keys(fd, l->key_size, &kv);
	for (size_t i = 0; !err && i < kv.n; i++)
		if (bpf_map_update_elem(fd, kv.keys + i * kv.ksize, zeros, BPF_EXIST) < 0 &&
		    errno != ENOENT)
			err = -errno;
	kv_free(&kv);
	free(zeros);
	return err;
}
