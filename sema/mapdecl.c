/*
 * sema/mapdecl.c — map declarations at top level: `let @m = hash(N);`, `lruhash(N)`,
 * `percpuhash(N)`, `percpulruhash(N)` (current bpftrace).
 *
 * Owns: checking each declaration (a known BPF map type, one positive integer literal for
 * max entries, one declaration per map), matching it with the map's use once every type is
 * known (values need hash/lruhash, aggregations percpuhash/percpulruhash, as bpftrace
 * requires), and recording the kind and size in map_info for the runtime, which creates the
 * map with that type and max_entries. A declared map nothing uses is a warning.
 * Must not: create maps (runtime/maps.c) or change how codegen reaches them.
 */
#include <string.h>

#include "sema_int.h"

static const struct {
	const char *name;
	enum map_decl_kind kind;
} decl_kinds[] = {
	{ "hash", MAP_DECL_HASH },
	{ "lruhash", MAP_DECL_LRU_HASH },
	{ "percpuhash", MAP_DECL_PERCPU_HASH },
	{ "percpulruhash", MAP_DECL_PERCPU_LRU_HASH },
};

const char *sema_map_decl_name(enum map_decl_kind k)
{
	for (size_t i = 0; i < sizeof(decl_kinds) / sizeof(decl_kinds[0]); i++)
		if (decl_kinds[i].kind == k)
			return decl_kinds[i].name;
	return "hash";
}

void sema_map_decls(struct sema *s, struct node *prog)
{
	for (struct node *p = prog->list; p; p = p->next) {
		if (p->kind != AST_MAPDECL)
			continue;
		struct node *m = p->a, *call = p->b;
		enum map_decl_kind kind = MAP_DECL_NONE;
		for (size_t i = 0; i < sizeof(decl_kinds) / sizeof(decl_kinds[0]); i++)
			if (strcmp(call->str, decl_kinds[i].name) == 0)
				kind = decl_kinds[i].kind;
		if (kind == MAP_DECL_NONE) {
			diag_error(s->d, call->loc, "Invalid bpf map type: %s (the types are hash, "
						    "lruhash, percpuhash and percpulruhash)", call->str);
			continue;
		}
		struct node *arg = call->list;
		if (ast_list_len(arg) != 1 || arg->kind != AST_INT || arg->ival < 1 ||
		    arg->ival > (1 << 24)) {
			diag_error(s->d, arg ? arg->loc : call->loc,
				   "%s() takes one argument: the map's max entries, an integer "
				   "literal from 1 to %d", call->str, 1 << 24);
			continue;
		}
		bool dup = false;
		for (struct node *q = prog->list; q != p; q = q->next)
			if (q->kind == AST_MAPDECL && strcmp(q->a->str, m->str) == 0)
				dup = true;
		if (dup) {
			diag_error(s->d, m->loc, "Map %s is declared more than once", m->str);
			continue;
		}
		int id = -1;
		for (int i = 0; i < s->r->nmaps; i++)
			if (strcmp(s->r->maps[i].name, m->str) == 0)
				id = i;
		if (id < 0 || s->r->maps[id].val.kind == TY_NONE) {
			diag_warning(s->d, p->loc, "Unused map: %s", m->str);
			continue;
		}
		struct map_info *mi = &s->r->maps[id];
		bool agg = type_is_agg(&mi->val);
		bool percpu = kind == MAP_DECL_PERCPU_HASH || kind == MAP_DECL_PERCPU_LRU_HASH;
		if (agg != percpu) {
			diag_error(s->d, p->loc, "Incompatible map types. Type from declaration: %s. "
						 "Type from value/key type: %s",
				   call->str, agg ? "percpuhash" : "hash");
			continue;
		}
		mi->decl = kind;
		mi->decl_max = (uint32_t)arg->ival;
	}
}
