/*
 * sema/builtin.h — the interface of a builtin: one row per builtin variable or function,
 * with the hook each stage calls (ply's struct func, jq's function table).
 *
 * Owns: struct builtin (name, kind, arity, flags, sema's check and fold hooks, codegen's
 * emit hooks),
 * struct builtin_family (the rows of one stdlib/builtin_*.c file and the print hooks of
 * the values they return) and struct builtin_set (the families a run knows), the id a
 * node carries for its row, and lookup by name.
 * Must not: know any builtin by name. The rows live above codegen, in the family files of
 * stdlib/; the caller of sema_run hands them down in sema_opts.builtins and sema passes
 * them on to codegen in sema_result.builtins, so sema and codegen find a builtin by one
 * table lookup and call its hooks without including anything above them.
 */
#ifndef BPFSCRIPT_BUILTIN_H
#define BPFSCRIPT_BUILTIN_H

#include <stdbool.h>
#include <stdint.h>

struct sema;
struct node;
struct type;
struct cg;              /* codegen/codegen_internal.h */
struct LLVMOpaqueValue; /* an LLVMValueRef */
struct builtin_agg;     /* codegen/codegen_internal.h: how an aggregation updates its map */
struct builtin_fmt;     /* stdlib/builtins.h: how a value of the family prints */

enum builtin_kind {
	BK_VAR,  /* an identifier: pid, comm, arg0 */
	BK_FUNC, /* a call: printf(...), str(p) */
	BK_AGG,  /* a call that may only be the value of a map assignment: count(), hist(v) */
};

/* What the stages other than the row's own hooks need to know about a builtin. */
enum builtin_flag {
	BF_NUMBERED = 1 << 0, /* a variable named by its prefix and a number: arg0, sarg3 */
	BF_STABLE = 1 << 1,   /* the same value through one run of a program (pid, cpu): a
	                         map read keyed by it may be reused (codegen/emit_maps.c) */
	BF_POINT = 1 << 2,    /* the value depends on the probe point: the points of a
	                         wildcard do not share code (codegen/codegen.c) */
	BF_PER_FUNC = 1 << 3, /* ... not even within a kprobe_multi group (BTF per function) */
	BF_CTX = 1 << 4,      /* reads the program's context: a range loop whose body uses it
	                         runs inline, not as a callback (codegen/emit_loops.c) */
	BF_NO_FOR = 1 << 5,   /* refused in a for-map loop's body: its callback has no
	                         context to read (sema/check_loops.c) */
	BF_ENDS = 1 << 6,     /* ends the probe's run, as return does (exit) */
	BF_CTX_PTR = 1 << 7,  /* the value is the program's context pointer itself (ctx): an
	                         iter probe reads its fields in place (codegen/emit_ctype.c) */
	BF_EFFECT = 1 << 8,   /* called for its effect: a statement may drop its value without
	                         the "Return value discarded" warning (delete) */
};

struct builtin {
	const char *name;
	uint8_t kind;     /* enum builtin_kind */
	int8_t min_args;  /* calls: how many arguments (checked before the hook runs) */
	int8_t max_args;  /* -1: any number */
	uint16_t flags;   /* enum builtin_flag */
	/* sema: check the arguments and type n (n->type; it stays TY_NONE after an error is
	 * reported). May rewrite n into a literal (ncpus) or another expression (ppid). */
	void (*check)(struct sema *s, struct node *n);
	/* codegen: n's value, an i64 or a pointer to a buffer (codegen_internal.h); NULL
	 * when it cannot be had in this probe (codegen reports it). Aggregations have none. */
	struct LLVMOpaqueValue *(*emit)(struct cg *c, struct node *n);
	/* codegen, optional: write n's value straight into the slot dst of string type dt,
	 * filling exactly `fill` bytes (the whole slot, or a tuple element's width), instead
	 * of emitting it into a buffer of its own and copying; false: not here. */
	bool (*store)(struct cg *c, struct node *n, struct LLVMOpaqueValue *dst,
		      const struct type *dt, uint32_t fill);
	/* aggregations: how codegen folds a value into the map's element */
	const struct builtin_agg *agg;
	/* sema, optional: n's value known while compiling, for `if comptime` and `comptime`
	 * (sema/comptime.c), a string constant in *str; false when the points of the probe
	 * do not agree on one (the error then names the row). */
	bool (*fold)(struct sema *s, const struct node *n, const char **str);
};

struct builtin_family {
	const char *name;
	const struct builtin *rows;
	int nrows;
	const struct builtin_fmt *fmts; /* the print hooks of the SUB_* values it returns */
	int nfmts;
};

struct builtin_set {
	const struct builtin_family *const *families;
	int nfamilies;
};

/* A node's id of its row (node.sym of IDENT and CALL nodes): family and row index. */
#define BUILTIN_ID(family, row) ((((family) + 1) << 8) | (row))

/* The id of the row named name: a BK_VAR row when !call (arg0..argN match the BF_NUMBERED
 * row "arg"), a BK_FUNC or BK_AGG row when call; -1 when there is none. */
int builtin_find(const struct builtin_set *set, const char *name, bool call);
/* The row of id, or NULL when id is -1 or no row of set. */
const struct builtin *builtin_at(const struct builtin_set *set, int id);

#endif
