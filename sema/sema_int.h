/*
 * sema/sema_int.h — state shared by the semantic-analysis files (private to sema/).
 *
 * Owns: struct sema (one analysis run), per-probe facts gathered from attach expansion, and
 * the helpers the passes and the builtin families' check hooks (stdlib/builtin_*.c) share:
 * map/var tables, type widening and compatibility, the hooks' argument vocabulary.
 * Must not: be included outside sema/ and the builtin family files (codegen reads only
 * sema.h).
 */
#ifndef BPFSCRIPT_SEMA_INT_H
#define BPFSCRIPT_SEMA_INT_H

#include "builtin.h"
#include "sema.h"

/* What the attach points of one PROBE node turned into. */
struct sema_probe {
	struct node *node;
	bool attach_failed;  /* some ATTACH did not expand: skip checks that need its points */
	uint32_t caps_all;   /* enum provider_cap bits every point of this probe has */
	uint32_t caps_any;   /* ... that some point has */
	bool has_points;     /* caps_all means something */
};

struct sema {
	const struct sema_opts *opts;
	struct sema_result *r;
	struct diag *d;              /* diagnostics of the pass being run */
	struct sema_probe *probes;   /* r->nprobes entries */
	int probe;                   /* index of the probe being checked */
	int loop_depth;              /* while / unroll nesting */
	bool oom;
	/* Per pass: which variables have been assigned so far in program order. */
	bool *var_set;
	int var_set_cap;
	/* Per map: whether its key shape is known yet (map_info.key is TY_NONE when keyless). */
	bool *key_known;
	int key_known_cap;
	/* Per map: some assignment's value had an error, so "Undefined map" would be noise. */
	bool *map_bad;
	int map_bad_cap;
	/* The expression being checked is a literal-only argument (a format or path), which
	 * is not a string value and so is exempt from the str() buffer size limit. */
	bool literal_arg;
	/* for ($kv : @map): the loop variable of each enclosing for loop, innermost last;
	 * a $kv inside the body names that loop's own hidden variable (check_loops.c). */
	struct { const char *name; int id; } for_vars[8];
	int nfor_vars;
};

/* check_ctype.c / struct_types.c: C types — casts to struct pointers, ->, ., *, &, [],
 * pointer arithmetic, sizeof, offsetof, the script's own struct definitions. */
struct ctypes *sema_ctypes(struct sema *s);
void sema_struct_defs(struct sema *s, struct node *prog);
/* typenames.c: a type by a bare name (bool, typedefs, uint64_t, BTF typedefs). */
bool sema_is_type_name(struct sema *s, const char *name);
/* A CAST (or type argument) named by a bare name gets the canonical spelling of what it
 * names ("uint32", "struct foo", pointer depth added); false after reporting an error. */
bool sema_canon_type(struct sema *s, struct node *n);
/* A CAST node now names the type `name` with depth more pointer levels; false when out of
 * memory (s->oom set). */
bool sema_set_type_name(struct sema *s, struct node *n, const char *name, int64_t depth);
/* BINOP `(name) * x`, `(name) - x`, `(name) & x` with name a type (or a macro's type
 * argument): n becomes the cast; false when it is arithmetic after all. */
bool sema_paren_cast(struct sema *s, struct node *n);
/* sizeof(name), offsetof(name, m), typeof(name): an IDENT argument naming a type becomes
 * a CAST without operand (true); false leaves it an expression. */
bool sema_ident_as_type(struct sema *s, struct node *n);
/* C's and the kernel's integer type names scripts use without a typedef (uint64_t, u32,
 * pid_t, size_t, bool ...): struct_types.c. NULL for any other name. */
const struct ctype *sema_named_int(struct ctypes *reg, const char *name);
/* A struct/union/array value v copied by value (into a map, by print()): completes every
 * nested struct and checks the size; false after reporting an error at v ("to <what>"). */
bool sema_record_value(struct sema *s, struct node *v, const char *what);
void sema_field_ctype(struct sema *s, struct node *n);
void sema_deref(struct sema *s, struct node *n);
void sema_addrof(struct sema *s, struct node *n);
void sema_index(struct sema *s, struct node *n);
bool sema_cast_ctype(struct sema *s, struct node *n);
bool sema_ptr_arith(struct sema *s, struct node *n);
/* $p++ / $p += n / $p -= n on a typed pointer move by sizeof(*p): the pointee must have a
 * size (a struct is completed here); errors are reported at n. */
void sema_ptr_step(struct sema *s, struct node *n, const struct type *ptr);
void sema_ptr_compound(struct sema *s, struct node *n);
bool sema_type_call(struct sema *s, struct node *n);
/* AF_INET, TASK_RUNNING, kernel enumerators: an unknown identifier that names a constant
 * becomes an INT literal (true); false leaves it unknown. */
bool sema_const_ident(struct sema *s, struct node *n);
/* enums.c: `enum name { A, B = 5 };` of the script (CDEF nodes whose text starts with
 * "enum"), `(enum name)v` casts (false: not an enum value cast), enum sizes for sizeof
 * and `(enum name *)` (false: no such enum in the script or BTF). */
bool sema_is_enum_def(const struct node *n);
void sema_enum_defs(struct sema *s, struct node *prog);
bool sema_enum_cast(struct sema *s, struct node *n);
bool sema_enum_size(struct sema *s, const char *tag, uint32_t *size, bool *is_signed);
/* pointer to struct <tag> for curtask and tracepoint fields ("struct sock *") */
struct type sema_ptr_to_record(struct sema *s, const char *tag, bool user);

/* kfunc_args.c: `args.NAME` in kprobes, typed from the function's BTF parameters. */
void sema_kprobe_field(struct sema *s, struct node *n);
/* Are all of this probe's points kretfunc/fexit (kretprobes that run as fexit)? */
bool sema_kretfunc_only(struct sema *s);
/* retval in such a probe: the functions' BTF return type (left as is otherwise). */
void sema_kretfunc_retval(struct sema *s, struct node *n);

/* attach.c */
int sema_attach(struct sema *s, struct node *prog);


/* resolve.c */
void sema_positional(struct sema *s, struct node *prog);
int sema_map_id(struct sema *s, struct node *map);
int sema_var_id(struct sema *s, const char *name, bool create);
struct type sema_widen(struct sema *s, const struct type *t);
bool sema_compatible(const struct type *a, const struct type *b);
struct type sema_merge(struct sema *s, const struct type *cur, const struct type *t);
char *sema_types_list(const struct type *t, bool keyless, char *buf, size_t len);
const char *sema_kind_word(const struct type *t);

/* typecheck.c */
void sema_check_program(struct sema *s, struct node *prog);
void sema_expr(struct sema *s, struct node *n);
void sema_map_key(struct sema *s, struct node *map);
void sema_map_store(struct sema *s, struct node *map, const struct type *val,
		    struct span at);
void sema_block(struct sema *s, struct node *b);
/* The type typeof()/sizeof() see for x: a variable's first stored integer type. */
const struct type *sema_declared_type(const struct sema *s, const struct node *x);

/* mapdecl.c: `let @m = lruhash(N);` declarations, matched with the maps once typed. */
void sema_map_decls(struct sema *s, struct node *prog);

/* comptime.c: `if comptime (c)` types only the branch c chooses; `comptime x` folds x;
 * typeinfo(), is_str() ... fail() (false: not one of them); after the last pass, prune
 * leaves the chosen branches and folded literals for codegen. */
void sema_comptime_if(struct sema *s, struct node *n);
/* Is n (an IF) an `if comptime`? (its condition is put in the COMPTIME form first) */
bool sema_comptime_cond(struct node *n);
void sema_comptime_expr(struct sema *s, struct node *n);
bool sema_meta_call(struct sema *s, struct node *n);
/* typeinfo(a) == typeinfo(b) and other comparisons of constant records: n becomes the
 * BOOL result (false: not such a comparison). */
bool sema_record_lit_cmp(struct sema *s, struct node *n);
void sema_comptime_prune(struct sema *s, struct node *prog);

/* getopt.c: every getopt() call becomes the literal of its named parameter's value. */
void sema_getopt(struct sema *s, struct node *prog);

/* macros.c: expands every call of a `macro` definition in the probes, in place. */
void sema_macros(struct sema *s, struct node *prog);

/* check_lang.c: true/false, a ?: b, records and their fields, { s; v } block
 * expressions, for ($i : a..b). sema_record_lit / sema_record_field return false when
 * n is not a record literal / the base is not a record. */
void sema_bool_lit(struct sema *s, struct node *n);
void sema_elvis(struct sema *s, struct node *n);
bool sema_record_lit(struct sema *s, struct node *n);
bool sema_record_field(struct sema *s, struct node *n);
void sema_block_expr(struct sema *s, struct node *n);
void sema_range_for(struct sema *s, struct node *n);
/* A CAST with NODE_F_TYPEOF: its type name becomes typeof's (false after an error). */
bool sema_typeof(struct sema *s, struct node *n);
/* Casts between integers and integer arrays (arraycast.c): a CAST with b (the element
 * count); and (uintN)x of an integer array x, false when x is no array. */
void sema_array_cast(struct sema *s, struct node *n);
bool sema_cast_from_array(struct sema *s, struct node *n, uint32_t size, bool is_signed);
/* syscall_name(n) == "read": the name becomes its number (false: not such a compare). */
bool sema_syscall_name_cmp(struct sema *s, struct node *n);
/* &$x, &@m[k]: false when n's operand is neither a variable nor a map. */
bool sema_addrof_slot(struct sema *s, struct node *n);

/* check_seq.c: printf in an iter probe (the kernel's bpf_seq_printf formats it); argn are
 * its nargs checked arguments. */
void sema_seq_printf(struct sema *s, struct node *call, struct node *const *argn, int nargs);

/* check_loops.c: for ($kv : @map) { } and len(@map) (map iteration). */
void sema_for(struct sema *s, struct node *n);
/* The body n->c of a for loop whose variable v has slot n->sym: checked with v in scope,
 * as a loop (break/continue allowed); variables it creates go out of scope after it. */
void sema_for_body(struct sema *s, struct node *n, struct node *v);
void sema_len(struct sema *s, struct node *n);

/* check_builtins.c: a builtin's use (an identifier, a call, an aggregation as a map
 * assignment's value), through its row (builtin.h): lookup, arity, then its check hook. */
void sema_ident(struct sema *s, struct node *n);
void sema_call(struct sema *s, struct node *n);
void sema_agg_call(struct sema *s, struct node *n);
bool sema_is_agg_call(struct sema *s, const struct node *n);
/* The row of an IDENT or CALL node (NULL without one), and its enum builtin_flag bits (0
 * without a row). */
const struct builtin *sema_row(const struct sema *s, const struct node *n);
uint32_t sema_row_flags(const struct sema *s, const struct node *n);
/* A printf-like call's entry in the format table (its id, -1 out of memory): the argument
 * types widened as codegen stores them and their offsets. */
int sema_fmt_add(struct sema *s, enum fmt_kind kind, const char *fmt, const struct type *args,
		 int nargs, struct span loc);
/* The check hooks' shared vocabulary. Every expression of a list: */
void sema_exprs(struct sema *s, struct node *list);
/* An integer literal, allowing a leading minus (the parser keeps -5 as NEG(5)): */
bool sema_int_literal(const struct node *n, int64_t *v);
/* "f() expects a WHAT literal (string provided)" at call, after typing arg: */
void sema_literal_expected(struct sema *s, struct node *call, struct node *arg,
			   const char *what);
/* The whole map m (m->sym set) has a value type: m typed with it; else "Undefined map"
 * (unless its stores already reported an error) and false: */
bool sema_map_defined(struct sema *s, struct node *m);
/* A literal argument (a format, a path: exempt from the string size limit): true when arg
 * is a string literal, else "f() expects a string literal (... provided)" at call: */
bool sema_want_str_literal(struct sema *s, struct node *call, struct node *arg);

/* resolve.c: the provider row of the first point of the current probe that has none of
 * the capabilities `any_of` (enum provider_cap bits), or NULL when every point has one. */
const struct provider *sema_lacks(const struct sema *s, uint32_t any_of);
/* The provider row of the first point of the current probe that has `cap`, or NULL. */
const struct provider *sema_point_with(const struct sema *s, uint32_t cap);
/* Every point of the current probe has all of `caps` (false for a probe without points). */
bool sema_probe_all(const struct sema *s, uint32_t caps);
/* How a probe kind is named in errors: "special" for BEGIN/END, else its provider's name. */
const char *sema_probe_word(const struct provider *pv);

#endif
