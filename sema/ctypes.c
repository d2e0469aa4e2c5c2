/*
 * sema/ctypes.c — the C type registry: allocation, interning of ints/pointers/arrays,
 * name lookup (script definitions, then the DWARF of probed binaries, then BTF), member search and naming.
 *
 * Owns: the lifetime of every struct ctype of a run (freed with the sema result) and the
 * mapping from C types to language types (ctype_value_type).
 * Must not: read BTF itself (sema/btf.c) or parse script definitions (struct_types.c).
 */
#include "ctypes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dwarf_args.h"
#include "btf.h"

struct ctypes {
	struct ctype **all;
	int n, cap;
	struct ctype **script; /* script-defined structs/unions, by tag */
	int nscript, capscript;
	struct btf_state *btf;
	struct dwarf_state *dwarf; /* sema/dwarf_args.c: DIE → ctype */
	char **dwarf_src;          /* binaries whose DWARF types a cast may name (uprobes) */
	int ndwarf_src;
	struct cenum **enums;  /* script enums and BTF enums imported by name (enums.c) */
	int nenums, capenums;
	struct { char *name; const struct ctype *ct; } *typedefs; /* the script's and its
								     headers' typedefs */
	int ntypedefs, captypedefs;
};

static void *xrealloc(void *p, size_t sz)
{
	void *q = realloc(p, sz ? sz : 1);
	if (!q) {
		fputs("bpfscript: out of memory\n", stderr);
		abort();
	}
	return q;
}

struct ctypes *ctypes_new(void)
{
	return xrealloc(calloc(1, sizeof(struct ctypes)), sizeof(struct ctypes));
}

void ctypes_free(struct ctypes *reg)
{
	if (!reg)
		return;
	for (int i = 0; i < reg->n; i++) {
		struct ctype *ct = reg->all[i];
		for (int m = 0; m < ct->nmembers; m++)
			free(ct->members[m].name);
		free(ct->members);
		free(ct->name);
		free(ct);
	}
	free(reg->all);
	free(reg->script);
	for (int i = 0; i < reg->nenums; i++) {
		struct cenum *e = reg->enums[i];
		for (int k = 0; k < e->n; k++)
			free(e->names[k]);
		free(e->names);
		free(e->vals);
		free(e->name);
		free(e);
	}
	free(reg->enums);
	for (int i = 0; i < reg->ntypedefs; i++)
		free(reg->typedefs[i].name);
	free(reg->typedefs);
	btf_state_free(reg->btf);
	dwarf_state_free(reg->dwarf);
	for (int i = 0; i < reg->ndwarf_src; i++)
		free(reg->dwarf_src[i]);
	free(reg->dwarf_src);
	free(reg);
}

struct btf_state **ctypes_btf_slot(struct ctypes *reg)
{
	return &reg->btf;
}

struct dwarf_state **ctypes_dwarf_slot(struct ctypes *reg)
{
	return &reg->dwarf;
}

void ctypes_add_dwarf_source(struct ctypes *reg, const char *binary)
{
	for (int i = 0; i < reg->ndwarf_src; i++)
		if (strcmp(reg->dwarf_src[i], binary) == 0)
			return;
	reg->dwarf_src = xrealloc(reg->dwarf_src, sizeof(char *) * (size_t)(reg->ndwarf_src + 1));
	reg->dwarf_src[reg->ndwarf_src++] = xrealloc(strdup(binary), strlen(binary) + 1);
}

struct ctype *ctypes_add(struct ctypes *reg, enum ctype_kind kind, const char *name)
{
	struct ctype *ct = xrealloc(NULL, sizeof(*ct));
	memset(ct, 0, sizeof(*ct));
	ct->kind = kind;
	ct->state = CT_COMPLETE;
	if (name)
		ct->name = xrealloc(strdup(name), strlen(name) + 1);
	if (reg->n == reg->cap) {
		reg->cap = reg->cap ? reg->cap * 2 : 64;
		reg->all = xrealloc(reg->all, sizeof(*reg->all) * (size_t)reg->cap);
	}
	reg->all[reg->n++] = ct;
	return ct;
}

const struct ctype *ctypes_int(struct ctypes *reg, uint32_t size, bool is_signed)
{
	for (int i = 0; i < reg->n; i++) {
		const struct ctype *ct = reg->all[i];
		if (ct->kind == CT_INT && ct->size == size && ct->is_signed == is_signed &&
		    !ct->btf_id && ct->name && strncmp(ct->name, is_signed ? "int" : "uint",
							 is_signed ? 3 : 4) == 0)
			return ct;
	}
	char name[16];
	snprintf(name, sizeof(name), "%sint%u", is_signed ? "" : "u", size * 8);
	struct ctype *ct = ctypes_add(reg, CT_INT, name);
	ct->size = ct->align = size;
	ct->is_signed = is_signed;
	return ct;
}

const struct ctype *ctypes_ptr(struct ctypes *reg, const struct ctype *to)
{
	for (int i = 0; i < reg->n; i++)
		if (reg->all[i]->kind == CT_PTR && reg->all[i]->ref == to)
			return reg->all[i];
	struct ctype *ct = ctypes_add(reg, CT_PTR, NULL);
	ct->size = ct->align = 8;
	ct->ref = to;
	return ct;
}

static const struct ctype *array_of(struct ctypes *reg, const struct ctype *el, uint32_t n,
				    bool numeric)
{
	for (int i = 0; i < reg->n; i++)
		if (reg->all[i]->kind == CT_ARRAY && reg->all[i]->ref == el &&
		    reg->all[i]->nelems == n && reg->all[i]->numeric == numeric)
			return reg->all[i];
	struct ctype *ct = ctypes_add(reg, CT_ARRAY, NULL);
	ct->ref = el;
	ct->nelems = n;
	ct->size = el->size * n;
	ct->align = el->align ? el->align : 1;
	ct->numeric = numeric;
	return ct;
}

const struct ctype *ctypes_array(struct ctypes *reg, const struct ctype *el, uint32_t n)
{
	return array_of(reg, el, n, false);
}

const struct ctype *ctypes_num_array(struct ctypes *reg, const struct ctype *el, uint32_t n)
{
	return array_of(reg, el, n, true);
}

int ctypes_define(struct ctypes *reg, struct ctype *ct)
{
	if (ctypes_script(reg, ct->kind == CT_UNION, ct->name))
		return -1;
	if (reg->nscript == reg->capscript) {
		reg->capscript = reg->capscript ? reg->capscript * 2 : 8;
		reg->script = xrealloc(reg->script, sizeof(*reg->script) * (size_t)reg->capscript);
	}
	ct->from_script = true;
	reg->script[reg->nscript++] = ct;
	return 0;
}

void ctypes_undefine(struct ctypes *reg, const struct ctype *ct)
{
	for (int i = 0; i < reg->nscript; i++)
		if (reg->script[i] == ct) {
			reg->script[i] = reg->script[--reg->nscript];
			return;
		}
}

int ctypes_define_typedef(struct ctypes *reg, const char *name, const struct ctype *ct)
{
	if (ctypes_typedef(reg, name))
		return -1;
	if (reg->ntypedefs == reg->captypedefs) {
		reg->captypedefs = reg->captypedefs ? reg->captypedefs * 2 : 8;
		reg->typedefs = xrealloc(reg->typedefs,
					 sizeof(*reg->typedefs) * (size_t)reg->captypedefs);
	}
	char *nm = xrealloc(strdup(name), strlen(name) + 1);
	reg->typedefs[reg->ntypedefs].name = nm;
	reg->typedefs[reg->ntypedefs++].ct = ct;
	return 0;
}

const struct ctype *ctypes_typedef(struct ctypes *reg, const char *name)
{
	for (int i = 0; i < reg->ntypedefs; i++)
		if (strcmp(reg->typedefs[i].name, name) == 0)
			return reg->typedefs[i].ct;
	return NULL;
}

const struct ctype *ctypes_script(struct ctypes *reg, bool is_union, const char *tag)
{
	for (int i = 0; i < reg->nscript; i++) {
		const struct ctype *ct = reg->script[i];
		if ((ct->kind == CT_UNION) == is_union && ct->name && strcmp(ct->name, tag) == 0)
			return ct;
	}
	return NULL;
}

const struct ctype *ctypes_record(struct ctypes *reg, bool is_union, const char *tag,
				  char *err, size_t errlen)
{
	const struct ctype *ct = ctypes_script(reg, is_union, tag);
	if (ct)
		return ct;
	for (int i = 0; i < reg->ndwarf_src; i++) /* the probed binaries' own types */
		if ((ct = dwarf_record(reg, reg->dwarf_src[i], is_union, tag)))
			return ct;
	return btf_record(reg, is_union, tag, err, errlen);
}

int ctype_complete(struct ctypes *reg, const struct ctype *ct, char *err, size_t errlen)
{
	if (ct->state == CT_COMPLETE)
		return 0;
	char nb[160];
	if (ct->state == CT_MISSING) {
		snprintf(err, errlen, "Unknown struct/union: '%s'", ctype_name(ct, nb, sizeof(nb)));
		return -1;
	}
	return btf_complete(reg, (struct ctype *)ct, err, errlen);
}

static const struct cmember *member_in(struct ctypes *reg, const struct ctype *ct,
				       const char *name, uint32_t base, uint32_t *bit_off,
				       int depth)
{
	char err[8];
	if (depth > 8 || ctype_complete(reg, ct, err, sizeof(err)))
		return NULL;
	for (int i = 0; i < ct->nmembers; i++) {
		const struct cmember *m = &ct->members[i];
		if (m->name[0] && strcmp(m->name, name) == 0) {
			*bit_off = base + m->bit_off;
			return m;
		}
	}
	/* C lets the members of an anonymous struct/union be named directly. */
	for (int i = 0; i < ct->nmembers; i++) {
		const struct cmember *m = &ct->members[i];
		if (m->name[0] || (m->type->kind != CT_STRUCT && m->type->kind != CT_UNION))
			continue;
		const struct cmember *r =
			member_in(reg, m->type, name, base + m->bit_off, bit_off, depth + 1);
		if (r)
			return r;
	}
	return NULL;
}

const struct cmember *ctype_member(struct ctypes *reg, const struct ctype *ct,
				   const char *name, uint32_t *bit_off)
{
	return member_in(reg, ct, name, 0, bit_off, 0);
}

bool ctype_is_string(const struct ctype *ct)
{
	return ct->kind == CT_ARRAY && ct->ref->kind == CT_INT && ct->ref->size == 1;
}

struct type ctype_value_type(const struct ctype *ct, bool user, char *err, size_t errlen)
{
	struct type t = type_none();
	char nb[160];
	switch (ct->kind) {
	case CT_INT:
		if (ct->size == 1 || ct->size == 2 || ct->size == 4 || ct->size == 8)
			return type_int(ct->size, ct->is_signed);
		snprintf(err, errlen, "integers of %u bytes ('%s') cannot be read", ct->size,
			 ctype_name(ct, nb, sizeof(nb)));
		return t;
	case CT_PTR:
		t = type_int(8, true);
		t.ct = ct->ref;
		t.user = user;
		return t;
	case CT_ARRAY:
		if (ctype_is_string(ct) && ct->nelems > 0)
			return type_str(ct->nelems);
		/* other arrays are read element by element */
		__attribute__((fallthrough));
	case CT_STRUCT:
	case CT_UNION:
		t.kind = TY_RECORD;
		t.size = 8;
		t.ct = ct;
		t.user = user;
		return t;
	case CT_FLOAT:
		snprintf(err, errlen, "floating-point values ('%s') cannot be read by BPF programs",
			 ctype_name(ct, nb, sizeof(nb)));
		return t;
	default:
		snprintf(err, errlen, "a value of type '%s' cannot be read",
			 ctype_name(ct, nb, sizeof(nb)));
		return t;
	}
}

char *ctype_name(const struct ctype *ct, char *buf, size_t len)
{
	if (!len)
		return buf;
	buf[0] = '\0';
	if (!ct) {
		snprintf(buf, len, "void");
		return buf;
	}
	switch (ct->kind) {
	case CT_VOID:
		snprintf(buf, len, "void");
		break;
	case CT_INT:
	case CT_FLOAT:
		snprintf(buf, len, "%s", ct->name ? ct->name : "int");
		break;
	case CT_STRUCT:
	case CT_UNION:
		snprintf(buf, len, "%s %s", ct->kind == CT_UNION ? "union" : "struct",
			 ct->name ? ct->name : "(anonymous)");
		break;
	case CT_FUNC:
		snprintf(buf, len, "function");
		break;
	case CT_PTR: {
		char sub[160];
		ctype_name(ct->ref, sub, sizeof(sub));
		snprintf(buf, len, "%s%s*", sub, sub[strlen(sub) - 1] == '*' ? "" : " ");
		break;
	}
	case CT_ARRAY: {
		char sub[160];
		ctype_name(ct->ref, sub, sizeof(sub));
		snprintf(buf, len, "%s[%u]", sub, ct->nelems);
		break;
	}
	}
	return buf;
}

const struct ctype *ctypes_named(struct ctypes *reg, bool is_union, const char *tag)
{
	const struct ctype *ct = ctypes_script(reg, is_union, tag);
	if (ct)
		return ct;
	enum ctype_kind k = is_union ? CT_UNION : CT_STRUCT;
	for (int i = 0; i < reg->n; i++)
		if (reg->all[i]->kind == k && reg->all[i]->name && !reg->all[i]->from_script &&
		    strcmp(reg->all[i]->name, tag) == 0)
			return reg->all[i];
	struct ctype *n = ctypes_add(reg, k, tag);
	n->state = CT_SHALLOW;
	n->align = 8;
	return n;
}

/* ---- enums ---------------------------------------------------------------------------- */

struct cenum *ctypes_add_enum(struct ctypes *reg, const char *name, bool from_script)
{
	struct cenum *e = xrealloc(calloc(1, sizeof(*e)), sizeof(*e));
	e->name = name ? xrealloc(strdup(name), strlen(name) + 1) : NULL;
	e->from_script = from_script;
	e->size = 4;
	e->fmt_id = -1;
	if (reg->nenums == reg->capenums) {
		reg->capenums = reg->capenums ? reg->capenums * 2 : 8;
		reg->enums = xrealloc(reg->enums, sizeof(*reg->enums) * (size_t)reg->capenums);
	}
	reg->enums[reg->nenums++] = e;
	return e;
}

void cenum_add(struct cenum *e, const char *name, int64_t val)
{
	e->names = xrealloc(e->names, sizeof(*e->names) * (size_t)(e->n + 1));
	e->vals = xrealloc(e->vals, sizeof(*e->vals) * (size_t)(e->n + 1));
	e->names[e->n] = xrealloc(strdup(name), strlen(name) + 1);
	e->vals[e->n] = val;
	e->n++;
}

struct cenum *ctypes_find_enum(struct ctypes *reg, const char *name)
{
	for (int i = 0; i < reg->nenums; i++)
		if (reg->enums[i]->name && strcmp(reg->enums[i]->name, name) == 0)
			return reg->enums[i];
	return NULL;
}

bool ctypes_script_enumerator(struct ctypes *reg, const char *name, int64_t *val)
{
	for (int i = 0; i < reg->nenums; i++) {
		const struct cenum *e = reg->enums[i];
		for (int k = 0; e->from_script && k < e->n; k++)
			if (strcmp(e->names[k], name) == 0) {
				*val = e->vals[k];
				return true;
			}
	}
	return false;
}
