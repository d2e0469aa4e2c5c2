/*
 * sema/abi.c — the map layouts shared by generated code and the runtime (see abi.h).
 * Must not: depend on libbpf or LLVM, or be called by types.c (types.c owns the tuple
 * layout abi_tuple_layout; the dependency points one way, abi.c -> types.c).
 */
#include "abi.h"

#include <string.h>

uint32_t abi_args_layout(const struct type *elems, int n, uint32_t *offs)
{
	uint32_t off = 0;
	for (int i = 0; i < n; i++) {
		off = abi_align(off);
		if (offs)
			offs[i] = off;
		off += type_storage_size(&elems[i]);
	}
	return abi_align(off);
}

uint64_t abi_elem_int(const struct type *t, const uint8_t *p)
{
	uint32_t size = type_elem_size(t);
	if (size >= 8 || !size) {
		uint64_t v = 0;
		memcpy(&v, p, 8);
		return v;
	}
	uint64_t v = 0;
	memcpy(&v, p, size); /* little-endian: the low bytes */
	uint64_t sign = 1ull << (size * 8 - 1);
	if (t->is_signed && (v & sign))
		v |= ~((sign << 1) - 1);
	return v;
}

void abi_map_layout(const struct type *key, const struct type *val, uint32_t max_keys,
		    struct abi_map_layout *out)
{
	memset(out, 0, sizeof(*out));
	bool keyless = key->kind == TY_NONE;
	uint32_t ukey = keyless ? 0 : abi_align(type_storage_size(key));
	out->user_key_size = ukey;
	out->max_entries = max_keys;
	switch (val->kind) {
	case TY_HIST:
	case TY_LHIST:
	case TY_TSERIES:
		out->nslots = val->kind == TY_HIST    ? abi_hist_slots(val->lh_step)
			      : val->kind == TY_LHIST ? abi_lhist_slots(val->lh_min, val->lh_max,
									val->lh_step)
						      : (uint32_t)val->lh_max;
		out->value_size = val->kind == TY_TSERIES ? sizeof(struct abi_tseries_slot)
							  : sizeof(struct abi_hist_slot);
		if (keyless) {
			out->map_type = ABI_MAP_PERCPU_ARRAY;
			out->key_size = 4;
			out->max_entries = out->nslots;
		} else {
			out->map_type = ABI_MAP_PERCPU_HASH;
			out->key_size = ukey + 8;
			out->max_entries = max_keys * out->nslots;
		}
		return;
	case TY_COUNT:
	case TY_SUM:
	case TY_MIN:
	case TY_MAX:
	case TY_AVG:
	case TY_STATS:
		out->value_size = (val->kind == TY_COUNT || val->kind == TY_SUM)
					  ? 8
					  : (val->kind == TY_MIN || val->kind == TY_MAX)
						    ? sizeof(struct abi_minmax)
						    : sizeof(struct abi_avg);
		if (keyless) {
			out->map_type = ABI_MAP_PERCPU_ARRAY;
			out->key_size = 4;
			out->max_entries = 1;
		} else {
			out->map_type = ABI_MAP_PERCPU_HASH;
			out->key_size = ukey;
		}
		return;
	default:
		out->map_type = ABI_MAP_HASH;
		out->key_size = keyless ? 8 : ukey;
		out->value_size = abi_align(type_storage_size(val));
		if (keyless)
			out->max_entries = 1;
		return;
	}
}

void abi_map_declare(struct abi_map_layout *l, bool lru, uint32_t max)
{
	if (!l->user_key_size || !max)
		return;
	l->max_entries = l->nslots ? max * l->nslots : max;
	if (lru && l->map_type == ABI_MAP_HASH)
		l->map_type = ABI_MAP_LRU_HASH;
	else if (lru && l->map_type == ABI_MAP_PERCPU_HASH)
		l->map_type = ABI_MAP_LRU_PERCPU_HASH;
}
