/*
 * sema/dwarf_args.c — uprobe arguments and types from DWARF, with libdw (dwarf_args.h).
 *
 * Owns: the open debug-information handles by binary path (in a struct dwarf_state, one
 * per ctypes registry or per -lv listing, freed by its owner: no file-scope state),
 * function lookup by symbol, parameter lists, bpftrace's type names for -lv, and DWARF →
 * ctype conversion (complete structs, so no lazy BTF completion is involved). The x86-64 calling
 * convention decides the register slot of a parameter: integers, pointers and enums take
 * the next integer register, floating-point values do not, and after a struct or union
 * passed by value the slots are not known (such parameters are refused).
 * Must not: emit code, attach, print, or reach the network (no debuginfod: only files on
 * this machine are read).
 */
#include "dwarf_args.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/debug_file.h"
#include "ctypes.h"

/* type names are cut to their buffer on purpose (a name longer than 255 bytes is only
 * shown in -lv) */
#pragma GCC diagnostic ignored "-Wformat-truncation"

/* ---- open handles ------------------------------------------------------------------ */

struct dw_file {
	char *path;
	int fd;
	Dwarf *dw; /* NULL: no DWARF for this binary (remembered) */
};

/* Everything DWARF this file keeps for one owner: the open handles by path, and the
 * DIE → ctype memo (keyed by handle, so both live and go together). Owned by a ctypes
 * registry (its dwarf slot, freed with the registry: sema's result) or, for -lv, by the
 * listing that asks (dwarf_list_params). No file-scope state. */
struct dwarf_state {
	struct dw_file *files;
	int nfiles;
	struct { Dwarf *dw; Dwarf_Off off; const struct ctype *ct; } *map;
	int n, cap;
	const struct ctype *void_ct;
};

static Dwarf *try_open(const char *path, int *fdp)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	Dwarf *dw = dwarf_begin(fd, DWARF_C_READ);
	Dwarf_Off next;
	size_t hsize;
	if (dw && dwarf_nextcu(dw, 0, &next, &hsize, NULL, NULL, NULL) != 0) {
		dwarf_end(dw); /* sections present but no compile unit */
		dw = NULL;
	}
	if (!dw) {
		close(fd);
		return NULL;
	}
	*fdp = fd;
	return dw;
}

/* The handle of path's debug information, opened once per state (NULL: none, or no
 * state) */
static Dwarf *dw_get(struct dwarf_state *st, const char *path)
{
	if (!st)
		return NULL;
	for (int i = 0; i < st->nfiles; i++)
		if (strcmp(st->files[i].path, path) == 0)
			return st->files[i].dw;
	struct dw_file *v = realloc(st->files, sizeof(*v) * (size_t)(st->nfiles + 1));
	char *p = strdup(path);
	if (!v || !p) {
		if (v)
			st->files = v;
		free(p);
		return NULL;
	}
	st->files = v;
	int fd = -1;
	Dwarf *dw = try_open(path, &fd);
	char dbg[PATH_MAX];
	if (!dw && elf_debug_file(path, dbg, sizeof(dbg)) == 0)
		dw = try_open(dbg, &fd);
	st->files[st->nfiles++] = (struct dw_file){ p, fd, dw };
	return dw;
}

void dwarf_state_free(struct dwarf_state *st)
{
	if (!st)
		return;
	for (int i = 0; i < st->nfiles; i++) {
		if (st->files[i].dw) {
			dwarf_end(st->files[i].dw);
			close(st->files[i].fd);
		}
		free(st->files[i].path);
	}
	free(st->files);
	free(st->map);
	free(st);
}

/* ---- functions ---------------------------------------------------------------------- */

static const char *die_attr_str(Dwarf_Die *d, int at)
{
	Dwarf_Attribute a;
	return dwarf_formstring(dwarf_attr_integrate(d, at, &a));
}

struct func_find {
	const char *sym;
	Dwarf_Die die;
	bool found;
};

static int func_cb(Dwarf_Die *d, void *arg)
{
	struct func_find *f = arg;
	if (dwarf_hasattr(d, DW_AT_declaration))
		return DWARF_CB_OK;
	const char *ln = die_attr_str(d, DW_AT_linkage_name);
	if (!ln)
		ln = die_attr_str(d, DW_AT_MIPS_linkage_name);
	const char *name = ln ? ln : dwarf_diename(d);
	if (name && strcmp(name, f->sym) == 0) {
		f->die = *d;
		f->found = true;
		return DWARF_CB_ABORT;
	}
	return DWARF_CB_OK;
}

static bool find_func(Dwarf *dw, const char *sym, Dwarf_Die *out)
{
	struct func_find f = { .sym = sym };
	Dwarf_Off off = 0, next;
	size_t hsize;
	while (!f.found && dwarf_nextcu(dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		Dwarf_Die cu;
		if (dwarf_offdie(dw, off + hsize, &cu))
			dwarf_getfuncs(&cu, func_cb, &f, 0);
		off = next;
	}
	if (f.found)
		*out = f.die;
	return f.found;
}

static bool type_of(Dwarf_Die *d, Dwarf_Die *t)
{
	Dwarf_Attribute a;
	return dwarf_formref_die(dwarf_attr_integrate(d, DW_AT_type, &a), t) != NULL;
}

/* bpftrace's spelling: "int", "int*", "struct Foo*", "const char*", "char* const". */
static void dw_type_name(Dwarf_Die *t, char *buf, size_t len, int depth)
{
	Dwarf_Die in;
	char sub[256];
	const char *name = dwarf_diename(t);
	if (depth > 16) {
		snprintf(buf, len, "...");
		return;
	}
	switch (dwarf_tag(t)) {
	case DW_TAG_base_type:
	case DW_TAG_typedef:
		snprintf(buf, len, "%s", name ? name : "<unknown type>");
		return;
	case DW_TAG_pointer_type:
	case DW_TAG_reference_type:
	case DW_TAG_rvalue_reference_type:
		if (type_of(t, &in)) {
			dw_type_name(&in, sub, sizeof(sub), depth + 1);
			snprintf(buf, len, "%s%s", sub,
				 dwarf_tag(t) == DW_TAG_pointer_type ? "*"
				 : dwarf_tag(t) == DW_TAG_reference_type ? "&" : "&&");
		} else {
			snprintf(buf, len, "void*");
		}
		return;
	case DW_TAG_structure_type:
	case DW_TAG_class_type:
	case DW_TAG_union_type:
	case DW_TAG_enumeration_type:
		snprintf(buf, len, "%s %s",
			 dwarf_tag(t) == DW_TAG_union_type ? "union"
			 : dwarf_tag(t) == DW_TAG_enumeration_type ? "enum"
			 : dwarf_tag(t) == DW_TAG_class_type ? "class" : "struct",
			 name ? name : "<anonymous>");
		return;
	case DW_TAG_const_type:
	case DW_TAG_volatile_type: {
		const char *q = dwarf_tag(t) == DW_TAG_const_type ? "const" : "volatile";
		if (!type_of(t, &in)) {
			snprintf(buf, len, "%s void", q);
			return;
		}
		dw_type_name(&in, sub, sizeof(sub), depth + 1);
		if (dwarf_tag(&in) == DW_TAG_pointer_type)
			snprintf(buf, len, "%s %s", sub, q);
		else
			snprintf(buf, len, "%s %s", q, sub);
		return;
	}
	default:
		snprintf(buf, len, "<unknown type>");
	}
}

static int param_dies(Dwarf_Die *fn, Dwarf_Die *out, int max)
{
	Dwarf_Die c;
	int n = 0;
	if (dwarf_child(fn, &c) != 0)
		return 0;
	do {
		if (dwarf_tag(&c) == DW_TAG_formal_parameter && n < max)
			out[n++] = c;
	} while (dwarf_siblingof(&c, &c) == 0);
	return n;
}

#define MAX_PARAMS 64

char *dwarf_list_params(struct dwarf_state **st, char *line, const char *binary,
			const char *func)
{
	if (!*st)
		*st = calloc(1, sizeof(**st));
	Dwarf *dw = dw_get(*st, binary);
	Dwarf_Die fn, ps[MAX_PARAMS];
	if (!line || !dw || !find_func(dw, func, &fn))
		return line;
	int np = param_dies(&fn, ps, MAX_PARAMS);
	for (int i = 0; i < np; i++) {
		char tn[256] = "<unknown type>", *s;
		Dwarf_Die t;
		if (type_of(&ps[i], &t))
			dw_type_name(&t, tn, sizeof(tn), 0);
		const char *pn = dwarf_diename(&ps[i]);
		if (asprintf(&s, "%s\n    %s%s%s", line, tn, pn ? " " : "", pn ? pn : "") < 0) {
			free(line);
			return NULL;
		}
		free(line);
		line = s;
	}
	return line;
}

/* ---- types ------------------------------------------------------------------------------ */

static struct dwarf_state *state(struct ctypes *reg)
{
	struct dwarf_state **slot = ctypes_dwarf_slot(reg);
	if (!*slot)
		*slot = calloc(1, sizeof(**slot));
	return *slot;
}

static const struct ctype *memo_get(struct dwarf_state *st, Dwarf *dw, Dwarf_Off off)
{
	for (int i = 0; st && i < st->n; i++)
		if (st->map[i].dw == dw && st->map[i].off == off)
			return st->map[i].ct;
	return NULL;
}

static void memo_put(struct dwarf_state *st, Dwarf *dw, Dwarf_Off off, const struct ctype *ct)
{
	if (!st)
		return;
	if (st->n == st->cap) {
		int cap = st->cap ? st->cap * 2 : 32;
		void *v = realloc(st->map, sizeof(*st->map) * (size_t)cap);
		if (!v)
			return;
		st->map = v;
		st->cap = cap;
	}
	st->map[st->n].dw = dw;
	st->map[st->n].off = off;
	st->map[st->n++].ct = ct;
}

static const struct ctype *to_ctype(struct ctypes *reg, Dwarf *dw, Dwarf_Die *t, int depth);

static const struct ctype *void_type(struct ctypes *reg)
{
	struct dwarf_state *st = state(reg);
	if (st && st->void_ct)
		return st->void_ct;
	const struct ctype *v = ctypes_add(reg, CT_VOID, NULL);
	if (st)
		st->void_ct = v;
	return v;
}

static const struct ctype *find_record(struct ctypes *reg, Dwarf *dw, int tag,
				       const char *name);

static void add_member(struct ctype *ct, int *cap, const char *name, const struct ctype *mt,
		       uint32_t bit_off, uint8_t bits)
{
	if (ct->nmembers == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		void *v = realloc(ct->members, sizeof(*ct->members) * (size_t)*cap);
		if (!v)
			abort(); /* as the registry does: out of memory ends the run */
		ct->members = v;
	}
	char *nm = strdup(name);
	if (!nm)
		abort();
	ct->members[ct->nmembers++] = (struct cmember){ nm, mt, bit_off, bits };
}

static const struct ctype *record(struct ctypes *reg, Dwarf *dw, Dwarf_Die *t, int depth)
{
	const char *name = dwarf_diename(t);
	int tag = dwarf_tag(t);
	if (dwarf_hasattr(t, DW_AT_declaration) && name) { /* the definition is elsewhere */
		const struct ctype *def = find_record(reg, dw, tag, name);
		if (def)
			return def;
		struct ctype *ct = ctypes_add(reg, tag == DW_TAG_union_type ? CT_UNION : CT_STRUCT,
					      name);
		ct->state = CT_MISSING;
		return ct;
	}
	struct ctype *ct = ctypes_add(reg, tag == DW_TAG_union_type ? CT_UNION : CT_STRUCT, name);
	memo_put(state(reg), dw, dwarf_dieoffset(t), ct);
	Dwarf_Word sz = 0;
	Dwarf_Attribute a;
	if (dwarf_formudata(dwarf_attr(t, DW_AT_byte_size, &a), &sz) == 0)
		ct->size = (uint32_t)sz;
	ct->align = 1;
	Dwarf_Die c;
	int cap = 0;
	if (dwarf_child(t, &c) != 0)
		return ct;
	do {
		int ctag = dwarf_tag(&c);
		if (ctag != DW_TAG_member && ctag != DW_TAG_inheritance)
			continue;
		if (ctag == DW_TAG_member && dwarf_hasattr(&c, DW_AT_external))
			continue; /* a static data member: not in the object */
		Dwarf_Die mt;
		if (!type_of(&c, &mt))
			continue;
		const struct ctype *mct = to_ctype(reg, dw, &mt, depth + 1);
		Dwarf_Word loc = 0, bits = 0, dbo = 0;
		uint32_t bit_off = 0;
		if (dwarf_formudata(dwarf_attr(&c, DW_AT_data_bit_offset, &a), &dbo) == 0)
			bit_off = (uint32_t)dbo;
		else if (dwarf_formudata(dwarf_attr(&c, DW_AT_data_member_location, &a), &loc) == 0)
			bit_off = (uint32_t)loc * 8;
		dwarf_formudata(dwarf_attr(&c, DW_AT_bit_size, &a), &bits);
		if (bits && !dwarf_hasattr(&c, DW_AT_data_bit_offset)) {
			/* DWARF 2/3: DW_AT_bit_offset counts from the storage unit's top bit */
			Dwarf_Word bo = 0, bsz = mct->size;
			dwarf_formudata(dwarf_attr(&c, DW_AT_bit_offset, &a), &bo);
			dwarf_formudata(dwarf_attr(&c, DW_AT_byte_size, &a), &bsz);
			bit_off += (uint32_t)(bsz * 8 - bo - bits);
		}
		const char *mn = ctag == DW_TAG_inheritance ? "" : dwarf_diename(&c);
		add_member(ct, &cap, mn ? mn : "", mct, bit_off, (uint8_t)bits);
		if (mct->align > ct->align)
			ct->align = mct->align;
	} while (dwarf_siblingof(&c, &c) == 0);
	return ct;
}

static const struct ctype *to_ctype(struct ctypes *reg, Dwarf *dw, Dwarf_Die *t, int depth)
{
	const struct ctype *known = memo_get(state(reg), dw, dwarf_dieoffset(t));
	if (known)
		return known;
	if (depth > 32)
		return void_type(reg);
	Dwarf_Die in;
	Dwarf_Attribute a;
	Dwarf_Word sz = 0, enc = 0;
	dwarf_formudata(dwarf_attr_integrate(t, DW_AT_byte_size, &a), &sz);
	switch (dwarf_tag(t)) {
	case DW_TAG_typedef:
	case DW_TAG_const_type:
	case DW_TAG_volatile_type:
	case DW_TAG_restrict_type:
	case DW_TAG_atomic_type:
		return type_of(t, &in) ? to_ctype(reg, dw, &in, depth + 1) : void_type(reg);
	case DW_TAG_base_type: {
		dwarf_formudata(dwarf_attr(t, DW_AT_encoding, &a), &enc);
		if (enc == DW_ATE_float || enc == DW_ATE_complex_float) {
			struct ctype *f = ctypes_add(reg, CT_FLOAT, dwarf_diename(t));
			f->size = f->align = (uint32_t)sz;
			return f;
		}
		bool sgn = enc == DW_ATE_signed || enc == DW_ATE_signed_char;
		if (sz == 1 || sz == 2 || sz == 4 || sz == 8)
			return ctypes_int(reg, (uint32_t)sz, sgn);
		struct ctype *odd = ctypes_add(reg, CT_INT, dwarf_diename(t));
		odd->size = odd->align = (uint32_t)sz;
		odd->is_signed = sgn;
		return odd;
	}
	case DW_TAG_enumeration_type:
		return ctypes_int(reg, sz ? (uint32_t)sz : 4, false);
	case DW_TAG_pointer_type:
	case DW_TAG_reference_type:
	case DW_TAG_rvalue_reference_type:
	case DW_TAG_ptr_to_member_type:
		return ctypes_ptr(reg, type_of(t, &in) ? to_ctype(reg, dw, &in, depth + 1)
						       : void_type(reg));
	case DW_TAG_structure_type:
	case DW_TAG_class_type:
	case DW_TAG_union_type:
		return record(reg, dw, t, depth);
	case DW_TAG_array_type: {
		const struct ctype *el = type_of(t, &in) ? to_ctype(reg, dw, &in, depth + 1)
							 : void_type(reg);
		Dwarf_Word dims[8];
		int nd = 0;
		Dwarf_Die c;
		if (dwarf_child(t, &c) == 0) {
			do {
				if (dwarf_tag(&c) != DW_TAG_subrange_type || nd == 8)
					continue;
				Dwarf_Word cnt = 0, ub = 0;
				if (dwarf_formudata(dwarf_attr(&c, DW_AT_count, &a), &cnt) != 0 &&
				    dwarf_formudata(dwarf_attr(&c, DW_AT_upper_bound, &a), &ub) == 0)
					cnt = ub + 1;
				dims[nd++] = cnt;
			} while (dwarf_siblingof(&c, &c) == 0);
		}
		for (int i = nd - 1; i >= 0; i--)
			el = ctypes_array(reg, el, (uint32_t)dims[i]);
		return nd ? el : ctypes_array(reg, el, 0);
	}
	case DW_TAG_subroutine_type:
		return ctypes_add(reg, CT_FUNC, NULL);
	default:
		return void_type(reg);
	}
}

struct rec_find {
	int tag;
	const char *name;
	Dwarf_Die die;
	bool found;
};

static void scan_records(Dwarf_Die *parent, struct rec_find *f, int depth)
{
	Dwarf_Die c;
	if (depth > 4 || dwarf_child(parent, &c) != 0)
		return;
	do {
		int tag = dwarf_tag(&c);
		bool rec = tag == DW_TAG_structure_type || tag == DW_TAG_class_type ||
			   tag == DW_TAG_union_type;
		if (rec && (tag == DW_TAG_union_type) == (f->tag == DW_TAG_union_type) &&
		    !dwarf_hasattr(&c, DW_AT_declaration)) {
			const char *n = dwarf_diename(&c);
			if (n && strcmp(n, f->name) == 0) {
				f->die = c;
				f->found = true;
				return;
			}
		}
		if (tag == DW_TAG_namespace)
			scan_records(&c, f, depth + 1);
	} while (!f->found && dwarf_siblingof(&c, &c) == 0);
}

static const struct ctype *find_record(struct ctypes *reg, Dwarf *dw, int tag, const char *name)
{
	struct rec_find f = { .tag = tag, .name = name };
	Dwarf_Off off = 0, next;
	size_t hsize;
	while (!f.found && dwarf_nextcu(dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		Dwarf_Die cu;
		if (dwarf_offdie(dw, off + hsize, &cu))
			scan_records(&cu, &f, 0);
		off = next;
	}
	return f.found ? to_ctype(reg, dw, &f.die, 0) : NULL;
}

const struct ctype *dwarf_record(struct ctypes *reg, const char *binary, bool is_union,
				 const char *tag)
{
	Dwarf *dw = dw_get(state(reg), binary);
	return dw ? find_record(reg, dw, is_union ? DW_TAG_union_type : DW_TAG_structure_type,
				tag)
		  : NULL;
}

/* ---- parameters ---------------------------------------------------------------------- */

int dwarf_param(struct ctypes *reg, const char *binary, const char *func, const char *name,
		const struct ctype **type, char *err, size_t errlen)
{
	Dwarf *dw = dw_get(state(reg), binary);
	if (!dw) {
		snprintf(err, errlen, "%s has no DWARF debug information (and no separate debug "
			 "file is installed for it), so the arguments of %s have no names: use "
			 "arg0, arg1, ...", binary, func);
		return -1;
	}
	Dwarf_Die fn, ps[MAX_PARAMS];
	if (!find_func(dw, func, &fn)) {
		snprintf(err, errlen, "the DWARF debug information of %s does not describe %s, so "
			 "its arguments have no names: use arg0, arg1, ...", binary, func);
		return -1;
	}
	int np = param_dies(&fn, ps, MAX_PARAMS), slot = 0;
	bool slots_known = true;
	for (int i = 0; i < np; i++) {
		Dwarf_Die t;
		const struct ctype *ct = type_of(&ps[i], &t) ? to_ctype(reg, dw, &t, 0) : NULL;
		const char *pn = dwarf_diename(&ps[i]);
		if (pn && strcmp(pn, name) == 0) {
			if (!ct) {
				snprintf(err, errlen, "the DWARF of %s gives parameter '%s' no type",
					 func, name);
				return -1;
			}
			if (!slots_known) {
				snprintf(err, errlen, "parameter '%s' of %s follows a struct or union "
					 "passed by value, so the register it arrives in is not known: "
					 "use argN", name, func);
				return -1;
			}
			*type = ct;
			return slot;
		}
		if (ct && (ct->kind == CT_STRUCT || ct->kind == CT_UNION ||
			   (ct->kind == CT_ARRAY)))
			slots_known = false;
		else if (!ct || ct->kind != CT_FLOAT)
			slot++;
	}
	size_t used = (size_t)snprintf(err, errlen, "%s has no parameter named '%s'", func, name);
	for (int i = 0, k = 0; i < np && used < errlen; i++) {
		const char *pn = dwarf_diename(&ps[i]);
		if (pn)
			used += (size_t)snprintf(err + used, errlen - used, "%s%s",
						 k++ ? ", " : "; it has: ", pn);
	}
	if (np == 0 && used < errlen)
		snprintf(err + used, errlen - used, "; it takes no arguments");
	return -1;
}
