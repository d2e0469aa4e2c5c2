/*
 * sema/ctypes.h — C types as the language sees them: kernel structs from BTF, the script's
 * own `struct x { ... }` definitions, and the integer types they are made of.
 *
 * Owns: struct ctype (one C type: int, enum, pointer, array, struct/union, function, float,
 * void), the registry that owns every ctype of a run, lookups by name and by member
 * (anonymous struct/union members are searched through, as C does), sizes, and the names
 * used in messages ("struct task_struct *", "int32[4]").
 * Must not: know about AST nodes or emit code. BTF is reached only through sema/btf.h and
 * is loaded lazily: a script that uses no struct never opens /sys/kernel/btf/vmlinux.
 *
 * Laziness: a struct named in a cast or reached through a pointer is created "shallow"
 * (name and BTF id only). ctype_complete() fills in its size and members the first time
 * they are needed, so importing task_struct does not import the whole kernel.
 */
#ifndef BPFSCRIPT_CTYPES_H
#define BPFSCRIPT_CTYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "types.h"

enum ctype_kind {
	CT_VOID,
	CT_INT,      /* also bool, char, enums (size + sign) */
	CT_PTR,      /* ref = pointee */
	CT_ARRAY,    /* ref = element, nelems */
	CT_STRUCT,
	CT_UNION,
	CT_FUNC,     /* only ever a pointee */
	CT_FLOAT,    /* cannot be read by BPF programs */
};

struct cmember {
	char *name;              /* "" for an anonymous struct/union member */
	const struct ctype *type;
	uint32_t bit_off;        /* from the start of the enclosing struct */
	uint8_t bitfield;        /* width in bits of a bitfield, else 0 */
};

enum ctype_state {
	CT_SHALLOW,              /* struct/union known by name only */
	CT_COMPLETE,
	CT_MISSING,              /* looked up and not found (or BTF unavailable) */
};

struct ctype {
	enum ctype_kind kind;
	enum ctype_state state;
	char *name;              /* struct/union tag, int name ("int32"), NULL if anonymous */
	uint32_t size;           /* bytes */
	uint32_t align;          /* bytes (script struct layout) */
	bool is_signed;
	const struct ctype *ref; /* PTR: pointee; ARRAY: element */
	uint32_t nelems;         /* ARRAY */
	bool numeric;            /* ARRAY: printed as numbers even of signed bytes, which are
	                          * text otherwise (char[N]): an array cast's result */
	struct cmember *members; /* STRUCT/UNION when complete */
	int nmembers;
	int btf_id;              /* 0: none (script-defined or synthetic) */
	bool from_script;
};

struct ctypes;

struct ctypes *ctypes_new(void);
void ctypes_free(struct ctypes *reg);

/* Allocation owned by the registry (never NULL: out of memory aborts, like AST nodes). */
struct ctype *ctypes_add(struct ctypes *reg, enum ctype_kind kind, const char *name);
const struct ctype *ctypes_int(struct ctypes *reg, uint32_t size, bool is_signed);
const struct ctype *ctypes_ptr(struct ctypes *reg, const struct ctype *to);
const struct ctype *ctypes_array(struct ctypes *reg, const struct ctype *el, uint32_t n);
/* the same array, `numeric` (sema/arraycast.c's (int8[8])x) */
const struct ctype *ctypes_num_array(struct ctypes *reg, const struct ctype *el, uint32_t n);

/* "struct task_struct" / "union x": script definitions first, then DWARF sources, then BTF. Returns a shallow
 * or complete ctype, or NULL when no such type exists (err says why: unknown, or BTF not
 * available — a sentence for the user). */
const struct ctype *ctypes_record(struct ctypes *reg, bool is_union, const char *tag,
				  char *err, size_t errlen);
/* The same without touching BTF yet: a shallow struct completed on first member access
 * (curtask is `struct task_struct *` even in scripts that never look inside it). */
const struct ctype *ctypes_named(struct ctypes *reg, bool is_union, const char *tag);
/* Fill in size and members of a shallow struct. 0, or -1 with a sentence in err. */
int ctype_complete(struct ctypes *reg, const struct ctype *ct, char *err, size_t errlen);

/* Member by name, searching through anonymous members; *bit_off is the member's offset
 * from the start of ct. ct must be complete. */
const struct cmember *ctype_member(struct ctypes *reg, const struct ctype *ct,
				   const char *name, uint32_t *bit_off);

/* Script definitions (sema/struct_types.c) register complete structs by tag. */
int ctypes_define(struct ctypes *reg, struct ctype *ct);
const struct ctype *ctypes_script(struct ctypes *reg, bool is_union, const char *tag);
/* Forget a script definition again (a header's struct that could not be read whole). */
void ctypes_undefine(struct ctypes *reg, const struct ctype *ct);
/* `typedef ... name;` of the script or its headers: -1 when name is taken. */
int ctypes_define_typedef(struct ctypes *reg, const char *name, const struct ctype *ct);
const struct ctype *ctypes_typedef(struct ctypes *reg, const char *name);

/* Language type of a value of C type ct read from memory:
 *   int/enum → INT of its size and sign; pointer → INT 8 with .ct = pointee;
 *   char[N] → STR[N]; struct/union/other arrays → RECORD (value = address).
 * Returns TY_NONE with a sentence in err for floats, functions, void, odd int sizes. */
struct type ctype_value_type(const struct ctype *ct, bool user, char *err, size_t errlen);
bool ctype_is_string(const struct ctype *ct);

/* "struct task_struct", "int32", "struct sock *", "uint8[16]" */
char *ctype_name(const struct ctype *ct, char *buf, size_t len);

/* Enums (sema/enums.c): a script's `enum name { A, B = 5 };` and kernel enums imported
 * from BTF when a cast names them. Values are the enumerators' values; size and sign are
 * those of the C type (script enums: 4 bytes, like C's int). */
struct cenum {
	char *name;              /* tag, NULL for an anonymous script enum */
	bool from_script;
	uint32_t size;
	bool is_signed;
	int n;
	char **names;
	int64_t *vals;
	int fmt_id;              /* enums.c: sema fmt holding the name table, -1 if none yet */
};
struct cenum *ctypes_add_enum(struct ctypes *reg, const char *name, bool from_script);
void cenum_add(struct cenum *e, const char *name, int64_t val);
/* Registered enum with this tag (script or already imported), or NULL. */
struct cenum *ctypes_find_enum(struct ctypes *reg, const char *name);
/* An enumerator of a script enum (script enumerators shadow the kernel's). */
bool ctypes_script_enumerator(struct ctypes *reg, const char *name, int64_t *val);

/* BTF lives in the registry; sema/btf.c reaches it through these. */
struct btf_state;
struct btf_state **ctypes_btf_slot(struct ctypes *reg);
/* DWARF types (sema/dwarf_args.c) too; a binary added as a source lets ctypes_record
 * find its structs (after script definitions, before BTF): uprobes' `(struct Foo *)arg0`. */
struct dwarf_state;
struct dwarf_state **ctypes_dwarf_slot(struct ctypes *reg);
void ctypes_add_dwarf_source(struct ctypes *reg, const char *binary);

#endif
