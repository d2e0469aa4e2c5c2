/*
 * sema/sema.h — what semantic analysis produces for codegen and the runtime.
 *
 * Owns: the sema entry point and its result: expanded probe points, the map table (key and
 * value types), scratch variables, and the format table for printf/time/print events.
 * Must not: touch the kernel except through the probe kinds' hooks (sema/probe.h, the
 * registry in sema_opts.probes) and the kinfo it is given, emit code, or print anything
 * itself (all errors go to struct diag).
 */
#ifndef BPFSCRIPT_SEMA_H
#define BPFSCRIPT_SEMA_H

#include <stdbool.h>
#include <stdint.h>

#include "../common/diag.h"
#include "../common/kinfo.h"
#include "../common/ast.h"
#include "probe.h"
#include "types.h"

struct builtin_set;

/*
 * Node annotations sema fills (beyond common/ast.h's summary):
 *   FIELD on `args`: type from the tracepoint format of every point of the probe;
 *     ->off is the field's byte offset only when it is the same in all of the probe's
 *     tracepoints (else 0) — codegen looks the field up again by name for each point.
 *     NODE_F_DATA_LOC for __data_loc strings, NODE_F_USER_PTR for pointer fields of
 *     syscalls:* tracepoints.
 *   FIELD on a tuple ($t.1): ->off is the element's byte offset in the tuple layout.
 *   IDENT argN/retval in uprobe/uretprobe probes, and str() of a user pointer:
 *     NODE_F_USER_PTR.
 *   $1..$N and $# are rewritten in place to INT nodes and str($N) to a STR node, so
 *   codegen never sees POSPARAM. Map/var slots use maps[]/vars[] types (ints widened to
 *   8 bytes, strings sized to the largest string stored); an expression node keeps its own
 *   type and is converted on store.
 */
/* `let @m = KIND(N);` (sema/mapdecl.c); NONE: the default for the value's type */
enum map_decl_kind {
	MAP_DECL_NONE,
	MAP_DECL_HASH,
	MAP_DECL_LRU_HASH,
	MAP_DECL_PERCPU_HASH,
	MAP_DECL_PERCPU_LRU_HASH,
};

/* "lruhash" ... (sema/mapdecl.c) */
const char *sema_map_decl_name(enum map_decl_kind k);

struct map_info {
	char *name;          /* "@x" or "@" */
	struct type key;     /* TY_NONE when keyless; a single key's type; TY_TUPLE for [a, b] */
	struct type val;     /* INT/STR/TUPLE/PROBE or an aggregation kind (COUNT..LHIST) */
	struct span first;   /* first use, for messages */
	enum map_decl_kind decl; /* declared kind: LRU kinds evict instead of refusing */
	uint32_t decl_max;   /* declared max entries (0: BPFTRACE_MAP_KEYS) */
};

struct var_info {
	char *name;          /* "$x" */
	struct type type;
	struct type first;   /* the first value stored, before widening: typeof($x) and
	                        sizeof($x) (`$x = (uint8)1` is a uint8, as in bpftrace) */
	bool declared;       /* `let $x;` declares it (a read before any value is an error) */
	int probe;           /* index of the PROBE node (in program order) that owns it */
};

enum fmt_kind {
	FMT_PRINTF,          /* printf(fmt, args...) */
	FMT_TIME,            /* time(fmt) — fmt is strftime format, default "%H:%M:%S\n" */
	FMT_PRINT_VALUE,     /* print(expr) for a non-map value: args[0] is its type */
	FMT_STRFTIME,        /* strftime(fmt, ns): no event; a timestamp type's fmt_id */
	FMT_SYSTEM,          /* system(fmt, args...): printf layout, run by /bin/sh -c */
	FMT_CAT,             /* cat(fmt, args...): printf layout, the file is printed */
	FMT_JOIN,            /* join(argv, delim): fmt = delim; args[0] u64 count, then
	                        ABI_JOIN_ARGS strings */
	FMT_ENUM,            /* no event: an enum type's names, one "value name" line each;
	                        a SUB_ENUM type's fmt_id (sema/enums.c) */
	FMT_ERRORF,          /* errorf(fmt, args...): printf layout (ABI_EV_ASYNC), printed as
	                        "FILE:L:C-E: ERROR: text" on stderr */
	FMT_WARNF,           /* warnf(fmt, args...): the same as a WARNING */
	FMT_SKBOUTPUT,       /* skboutput(path, ...): no ring-buffer event; fmt = the pcap
	                        file's path, skb_offset the bytes skipped of each packet
	                        (records: struct abi_skb_hdr on the perf buffer) */
};

struct fmt_info {
	enum fmt_kind kind;
	char *fmt;           /* the format string as unescaped bytes */
	int nargs;
	struct type *args;   /* argument types as codegen stores them */
	uint32_t *offs;      /* byte offset of each argument in the payload (abi_args_layout) */
	uint32_t size;       /* payload bytes after struct abi_event */
	uint32_t skb_offset; /* FMT_SKBOUTPUT: bytes of each packet not written */
	struct span loc;
};

/* What sema may ask about the probed files: the runtime answers (runtime/codegen_symbols.c),
 * so sema reads no ELF symbol table itself. */
struct sema_files {
	void *ctx;
	/* st_size of the function or global variable `name` in the ELF file at path: 0, or
	 * -ENOENT when it has no such symbol */
	int (*user_sym_size)(void *ctx, const char *path, const char *name, uint64_t *size);
};

struct config_values; /* sema/config.h */
enum { SEMA_MISSING_ERROR, SEMA_MISSING_WARN, SEMA_MISSING_IGNORE };

struct sema_opts {
	int npos;            /* positional parameters $1..$npos */
	char **pos;
	int nnamed;          /* named parameters after `--`: "name=value" or "name" */
	char **named;
	bool have_cpid;      /* -c was given, so `cpid` is allowed */
	int target_pid;      /* -p PID (0: none): `usdt::NAME` probes look in its files */
	const char *child_cmd; /* -c CMD (NULL: none): watchpoint FUNC+ARG probes are in its
	                          program */
	uint32_t strlen;     /* str() buffer size (ABI_STRLEN_DEFAULT) */
	bool unsafe;         /* --unsafe: system() and signal() are allowed */
	uint32_t max_probes; /* BPFTRACE_MAX_PROBES: most probe points a program may attach;
	                        0 = SEMA_MAX_PROBES_DEFAULT */
	/* The run's kernel facts (common/kinfo.h: kallsyms, traceable functions, BTF), read
	 * only as the script needs them; NULL: sema makes its own (freed with the result). */
	struct kinfo *kinfo;
	/* The probe kinds attach points expand through (the runtime's rt_probes, handed down
	 * by the driver; tests may give their own). NULL: no attach point expands. */
	const struct probe_registry *probes;
	/* NULL (unit tests, fuzzing): uaddr() is a plain uint64, not a pointer to an integer
	 * of its symbol's size */
	const struct sema_files *files;
	/* config stack_mode / BPFTRACE_STACK_MODE: the mode of kstack/ustack written without
	 * one (0: bpftrace; SUB_STACK_PERF, SUB_STACK_RAW, SUB_STACK_BUILD_ID) */
	uint32_t stack_mode;
	/* config missing_probes: what an attach point whose target does not exist does
	 * (SEMA_MISSING_ERROR, _WARN: skipped with a warning, _IGNORE: skipped silently) */
	int missing_probes;
	/* config unstable_dw_ustack: 0 warn (bpftrace's default), 1 enable, 2 error */
	uint8_t unstable_dw_ustack;
	/* -d ast: called with the tree after each of sema's rewriting stages
	 * ("macro-expansion"); NULL: none */
	void (*on_stage)(void *ctx, const char *stage, const struct node *prog);
	void *stage_ctx;
	/* The builtins a program may use (sema/builtin.h), e.g. stdlib's builtin_set:
	 * required; sema hands them on to codegen in sema_result.builtins. */
	const struct builtin_set *builtins;
	/* `config` (stdlib/builtin_meta.c): the settings in force that sema does not use
	 * itself (0/false: bpftrace's defaults), and the config block as read (NULL: none). */
	uint32_t max_map_keys, max_cat_bytes;
	bool no_print_maps;
	const struct config_values *config;
};
#define SEMA_MAX_PROBES_DEFAULT 512u /* bpftrace's default */

/* One BPF STACK_TRACE map per kind and frame limit (runtime/stacks.c creates them). */
struct stack_map_info {
	bool user;           /* ustack: BPF_F_USER_STACK */
	uint32_t frames;     /* kstack(N) / ustack(N); 127 by default */
	bool build_id;       /* ustack(build_id): a BPF_F_STACK_BUILD_ID map */
};

/* One getopt() option of the script (sema/getopt.c), for `-- --help`. */
struct getopt_opt {
	char *name;          /* without the leading "--" */
	char *def;           /* the default as text: "10", "hello", "false" */
	char *desc;          /* getopt()'s third argument, or NULL */
};

struct sema_result {
	struct probe_point *points; /* one per attach target, after wildcard expansion */
	int npoints;
	struct map_info *maps;      /* map id = index */
	int nmaps;
	struct var_info *vars;      /* var id = index */
	int nvars;
	struct fmt_info *fmts;      /* fmt id = index */
	int nfmts;
	int nprobes;                /* PROBE nodes in the program */
	struct stack_map_info *stacks; /* kstack/ustack maps, by the ids codegen looks up */
	int nstacks;
	bool uses_usym;             /* usym()/ustack: keep /proc/PID/maps of -c/-p targets */
	uint32_t dw_frames;         /* dw_ustack: its largest frame limit; 0: not used */
	struct getopt_opt *opts;    /* the script's getopt() options, in order of first use */
	int nopts;
	bool opts_help;             /* `-- --help` was given: list opts instead of running */
	struct type_pool pool;
	struct ctypes *ctypes;      /* C types (BTF, script structs) the types point into */
	/* The kernel facts sema used (sema_opts.kinfo or its own): codegen and the runtime
	 * ask the same one, so nothing is read twice in a run. */
	struct kinfo *kinfo;
	bool kinfo_owned;           /* sema made it: freed by sema_result_free */
	const struct builtin_set *builtins; /* sema_opts.builtins: the rows node.sym names */
};

/* The words after the script (argv[optind..] once getopt_long is done) as bpftrace splits
 * them: after the first `--`, words starting with `--` are named parameters (for
 * getopt()), all other words but that `--` are positional. nafter: how many words
 * followed the first `--` of the command line (getopt_long leaves them, in order, at the
 * end of argv, and may or may not leave the `--` among the others), -1 without one.
 * Sets o->pos/npos/named/nnamed to two arrays the caller frees (*pos_out, *named_out).
 * 0, or -1 when out of memory. (sema/getopt.c) */
int sema_split_params(int argc, char **argv, int nafter, struct sema_opts *o,
		      char ***pos_out, char ***named_out);
/* A bare `--help` among the named parameters (bpftrace's request for the script's
 * option list, which r->opts then holds). */
bool sema_wants_opts_help(const struct sema_opts *o);

/* Resolves, expands, type-checks and annotates prog in place. Returns 0, or -1 when
 * errors were added to d (all of them, not only the first). */
int sema_run(struct node *prog, const struct sema_opts *opts, struct diag *d,
	     struct sema_result *out);
void sema_result_free(struct sema_result *r);

#endif
