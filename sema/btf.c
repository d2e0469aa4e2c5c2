/*
 * sema/btf.c — kernel types from BTF, converted on demand into struct ctype.
 *
 * Owns: asking the run's kinfo (common/kinfo.h: $BPFTRACE_BTF or the running kernel's
 * /sys/kernel/btf/vmlinux, loaded once per run) for the BTF on first use and wording its
 * absence, the BTF id → ctype memo, and the rules of
 * the conversion: modifiers and typedefs are transparent, enums are integers of their
 * size, forward declarations are resolved by name, structs stay shallow until a member is
 * asked for.
 * Must not: be called except through ctypes.c, or load BTF for scripts that use no kernel
 * type (start-up time of plain scripts must not pay for parsing ~5 MB of BTF).
 */
#include "btf.h"

#include "../common/kinfo.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

struct memo {
	uint32_t id;
	const struct ctype *ct;
};

struct btf_state {
	struct btf *btf;       /* the kinfo's (loaded once per run there), never freed here */
	struct kinfo *ki;      /* the run's kernel facts (btf_set_kinfo), else own_ki */
	struct kinfo *own_ki;  /* made on first need when no kinfo was given (unit tests) */
	int tried;             /* 0: not yet; 1: loaded; -1: failed (msg says why) */
	char msg[320];
	struct memo *memo;     /* open addressing, id 0 = empty */
	uint32_t memo_cap, memo_n;
	const struct ctype *void_ct;
};

void btf_state_free(struct btf_state *st)
{
	if (!st)
		return;
	kinfo_free(st->own_ki);
	free(st->memo);
	free(st);
}

static struct btf_state *state(struct ctypes *reg)
{
	struct btf_state **slot = ctypes_btf_slot(reg);
	if (!*slot) {
		*slot = calloc(1, sizeof(**slot));
		if (!*slot) {
			fputs("bpfscript: out of memory\n", stderr);
			abort();
		}
	}
	return *slot;
}

void btf_set_kinfo(struct ctypes *reg, struct kinfo *ki)
{
	struct btf_state *st = state(reg);
	if (!st->tried && !st->own_ki)
		st->ki = ki;
}

static bool load(struct btf_state *st)
{
	if (st->tried)
		return st->tried > 0;
	if (!st->ki)
		st->ki = st->own_ki = kinfo_new(NULL);
	int err = ENOMEM;
	const char *path = "/sys/kernel/btf/vmlinux";
	st->btf = st->ki ? kinfo_btf(st->ki, &err, &path) : NULL;
	if (!st->btf) {
		st->tried = -1;
		snprintf(st->msg, sizeof(st->msg),
			 "kernel type information (BTF) is not available (%s: %s); struct types "
			 "and curtask members need a kernel built with CONFIG_DEBUG_INFO_BTF",
			 path, strerror(err ? err : ENOENT));
		return false;
	}
	st->tried = 1;
	return true;
}

bool btf_available(struct ctypes *reg, char *err, size_t errlen)
{
	struct btf_state *st = state(reg);
	if (load(st))
		return true;
	snprintf(err, errlen, "%s", st->msg);
	return false;
}

/* ---- id → ctype memo ----------------------------------------------------------------- */

static const struct ctype *memo_get(struct btf_state *st, uint32_t id)
{
	if (!st->memo_cap)
		return NULL;
	for (uint32_t i = (id * 2654435761u) & (st->memo_cap - 1);; i = (i + 1) & (st->memo_cap - 1)) {
		if (st->memo[i].id == id)
			return st->memo[i].ct;
		if (!st->memo[i].id)
			return NULL;
	}
}

static void memo_put(struct btf_state *st, uint32_t id, const struct ctype *ct)
{
	if ((st->memo_n + 1) * 2 > st->memo_cap) {
		uint32_t ncap = st->memo_cap ? st->memo_cap * 2 : 256;
		struct memo *old = st->memo;
		uint32_t ocap = st->memo_cap;
		st->memo = calloc(ncap, sizeof(*st->memo));
		if (!st->memo) {
			fputs("bpfscript: out of memory\n", stderr);
			abort();
		}
		st->memo_cap = ncap;
		st->memo_n = 0;
		for (uint32_t i = 0; i < ocap; i++)
			if (old[i].id)
				memo_put(st, old[i].id, old[i].ct);
		free(old);
	}
	uint32_t i = (id * 2654435761u) & (st->memo_cap - 1);
	while (st->memo[i].id && st->memo[i].id != id)
		i = (i + 1) & (st->memo_cap - 1);
	if (!st->memo[i].id)
		st->memo_n++;
	st->memo[i] = (struct memo){ id, ct };
}

/* ---- conversion ----------------------------------------------------------------------- */

static const struct ctype *void_type(struct ctypes *reg, struct btf_state *st)
{
	if (!st->void_ct) {
		struct ctype *v = ctypes_add(reg, CT_VOID, "void");
		v->size = 0;
		v->align = 1;
		st->void_ct = v;
	}
	return st->void_ct;
}

static const struct ctype *shallow_record(struct ctypes *reg, struct btf_state *st, uint32_t id)
{
	const struct btf_type *t = btf__type_by_id(st->btf, id);
	const char *name = btf__name_by_offset(st->btf, t->name_off);
	struct ctype *ct = ctypes_add(reg, btf_is_union(t) ? CT_UNION : CT_STRUCT,
				      name && *name ? name : NULL);
	ct->state = CT_SHALLOW;
	ct->btf_id = (int)id;
	ct->size = t->size;
	ct->align = 8;
	memo_put(st, id, ct);
	return ct;
}

static const struct ctype *conv(struct ctypes *reg, struct btf_state *st, uint32_t id,
				int depth)
{
	if (id == 0)
		return void_type(reg, st);
	const struct ctype *m = memo_get(st, id);
	if (m)
		return m;
	const struct btf_type *t = btf__type_by_id(st->btf, id);
	if (!t || depth > 64)
		return void_type(reg, st);
	const struct ctype *r;
	switch (btf_kind(t)) {
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
		r = conv(reg, st, t->type, depth + 1);
		break;
	case BTF_KIND_INT: {
		uint8_t enc = btf_int_encoding(t);
		r = enc & BTF_INT_BOOL ? ctypes_int(reg, t->size, false)
				       : ctypes_int(reg, t->size, enc & BTF_INT_SIGNED);
		break;
	}
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		r = ctypes_int(reg, t->size, btf_kflag(t));
		break;
	case BTF_KIND_PTR:
		r = ctypes_ptr(reg, conv(reg, st, t->type, depth + 1));
		break;
	case BTF_KIND_ARRAY: {
		const struct btf_array *a = btf_array(t);
		r = ctypes_array(reg, conv(reg, st, a->type, depth + 1), a->nelems);
		break;
	}
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return shallow_record(reg, st, id);
	case BTF_KIND_FWD: {
		const char *name = btf__name_by_offset(st->btf, t->name_off);
		int kind = btf_kflag(t) ? BTF_KIND_UNION : BTF_KIND_STRUCT;
		int full = name && *name ? btf__find_by_name_kind(st->btf, name, kind) : -1;
		if (full > 0) {
			r = conv(reg, st, (uint32_t)full, depth + 1);
		} else {
			struct ctype *ct = ctypes_add(reg, kind == BTF_KIND_UNION ? CT_UNION
										 : CT_STRUCT, name);
			ct->state = CT_MISSING;
			r = ct;
		}
		break;
	}
	case BTF_KIND_FLOAT: {
		struct ctype *ct = ctypes_add(reg, CT_FLOAT, btf__name_by_offset(st->btf,
										   t->name_off));
		ct->size = ct->align = t->size;
		r = ct;
		break;
	}
	case BTF_KIND_FUNC_PROTO:
	case BTF_KIND_FUNC: {
		struct ctype *ct = ctypes_add(reg, CT_FUNC, NULL);
		ct->size = ct->align = 1;
		r = ct;
		break;
	}
	default:
		r = void_type(reg, st);
		break;
	}
	memo_put(st, id, r);
	return r;
}

const struct ctype *btf_record(struct ctypes *reg, bool is_union, const char *tag, char *err,
			       size_t errlen)
{
	struct btf_state *st = state(reg);
	if (!load(st)) {
		snprintf(err, errlen, "%s", st->msg);
		return NULL;
	}
	int id = btf__find_by_name_kind(st->btf, tag, is_union ? BTF_KIND_UNION : BTF_KIND_STRUCT);
	if (id <= 0) {
		snprintf(err, errlen, "Unknown struct/union: '%s %s'", is_union ? "union" : "struct",
			 tag);
		return NULL;
	}
	return conv(reg, st, (uint32_t)id, 0);
}

int btf_complete(struct ctypes *reg, struct ctype *ct, char *err, size_t errlen)
{
	struct btf_state *st = state(reg);
	char nb[160];
	if (ct->state == CT_COMPLETE)
		return 0;
	if (!ct->btf_id && ct->name) {
		/* a shallow struct named before BTF was needed (curtask's task_struct) */
		const struct ctype *full = btf_record(reg, ct->kind == CT_UNION, ct->name, err,
						      errlen);
		if (!full || ctype_complete(reg, full, err, errlen))
			return -1;
		ct->size = full->size;
		ct->btf_id = full->btf_id;
		ct->members = malloc(sizeof(*ct->members) * (size_t)(full->nmembers ? full->nmembers : 1));
		if (!ct->members)
			return -1;
		for (int i = 0; i < full->nmembers; i++) {
			ct->members[i] = full->members[i];
			ct->members[i].name = strdup(full->members[i].name);
			if (!ct->members[i].name) {
				ct->nmembers = i;
				return -1;
			}
		}
		ct->nmembers = full->nmembers;
		ct->state = CT_COMPLETE;
		return 0;
	}
	if (ct->state == CT_MISSING || !ct->btf_id) {
		snprintf(err, errlen, "Unknown struct/union: '%s'", ctype_name(ct, nb, sizeof(nb)));
		return -1;
	}
	if (!load(st)) {
		snprintf(err, errlen, "%s", st->msg);
		return -1;
	}
	const struct btf_type *t = btf__type_by_id(st->btf, (uint32_t)ct->btf_id);
	int n = btf_vlen(t);
	const struct btf_member *bm = btf_members(t);
	struct cmember *mem = calloc(n ? (size_t)n : 1, sizeof(*mem));
	if (!mem) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (int i = 0; i < n; i++) {
		const char *name = btf__name_by_offset(st->btf, bm[i].name_off);
		mem[i].name = strdup(name ? name : "");
		mem[i].bit_off = btf_member_bit_offset(t, (uint32_t)i);
		mem[i].bitfield = (uint8_t)btf_member_bitfield_size(t, (uint32_t)i);
		if (!mem[i].name) {
			for (int k = 0; k < i; k++)
				free(mem[k].name);
			free(mem);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	/* Member types after the array exists: conversion may add registry entries but
	 * never completes another struct, so this does not recurse into members. */
	for (int i = 0; i < n; i++)
		mem[i].type = conv(reg, st, bm[i].type, 0);
	ct->members = mem;
	ct->nmembers = n;
	ct->size = t->size;
	ct->state = CT_COMPLETE;
	return 0;
}

const struct ctype *btf_typedef(struct ctypes *reg, const char *name)
{
	struct btf_state *st = state(reg);
	if (!load(st))
		return NULL;
	int id = btf__find_by_name_kind(st->btf, name, BTF_KIND_TYPEDEF);
	return id > 0 ? conv(reg, st, (uint32_t)id, 0) : NULL;
}

int btf_enum_value(struct ctypes *reg, const char *name, int64_t *val)
{
	struct btf_state *st = state(reg);
	if (!load(st))
		return -1;
	uint32_t n = btf__type_cnt(st->btf);
	for (uint32_t id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(st->btf, id);
		if (btf_is_enum(t)) {
			const struct btf_enum *e = btf_enum(t);
			for (int i = 0; i < btf_vlen(t); i++)
				if (strcmp(btf__name_by_offset(st->btf, e[i].name_off), name) == 0) {
					*val = btf_kflag(t) ? (int64_t)e[i].val : (int64_t)(uint32_t)e[i].val;
					return 0;
				}
		} else if (btf_is_enum64(t)) {
			const struct btf_enum64 *e = btf_enum64(t);
			for (int i = 0; i < btf_vlen(t); i++)
				if (strcmp(btf__name_by_offset(st->btf, e[i].name_off), name) == 0) {
					*val = (int64_t)btf_enum64_value(&e[i]);
					return 0;
				}
		}
	}
	return -1;
}

const struct btf *btf_handle(struct ctypes *reg, char *err, size_t errlen)
{
	struct btf_state *st = state(reg);
	if (load(st))
		return st->btf;
	snprintf(err, errlen, "%s", st->msg);
	return NULL;
}

const struct ctype *btf_ctype(struct ctypes *reg, uint32_t id)
{
	struct btf_state *st = state(reg);
	return load(st) ? conv(reg, st, id, 0) : NULL;
}
