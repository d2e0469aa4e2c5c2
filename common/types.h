/*
 * common/types.h — value types of the language and of map values: the data every stage
 * shares (AST nodes carry one inline, sema fills it, codegen, stdlib and runtime read it).
 *
 * Owns: struct type (integers of each width/sign, fixed-size strings, tuples, the tracepoint
 * `args` record, probe names, aggregation kinds), its print subtypes (enum type_sub), the
 * type pool, and the constructors, predicates and equality that need nothing but the struct.
 * Must not: know about AST nodes, maps, C types' contents (struct ctype stays opaque here)
 * or the kernel; sizes, tuple layout and names need C types and the ABI and are sema's
 * (sema/types.h, which includes this header).
 *
 * Memory: tuple element arrays are allocated from a type pool (struct type_pool) that sema
 * owns and frees after codegen; a struct type is otherwise a plain value that may be copied.
 */
#ifndef BPFSCRIPT_COMMON_TYPES_H
#define BPFSCRIPT_COMMON_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TYPE_KINDS(X)                                                                   \
	X(NONE, "none")       /* not typed yet / error already reported */              \
	X(VOID, "void")       /* statements, printf(), exit() ... */                     \
	X(INT, "int")         /* size 1/2/4/8, is_signed */                              \
	X(STR, "string")      /* size = buffer bytes including NUL (comm: 16, str(): 64) */ \
	X(TUPLE, "tuple")     /* elems[nelems]; size = packed size (see abi.h) */        \
	X(CTX, "args")        /* tracepoint `args` record; only ->field is allowed */    \
	X(PROBE, "probe")     /* 8-byte probe index, printed as the probe's full name */ \
	X(RECORD, "record")   /* C struct/union/array in memory (ct); value = its address */ \
	X(COUNT, "count")     /* aggregations: only as map values */                     \
	X(SUM, "sum")                                                                   \
	X(AVG, "avg")                                                                   \
	X(MIN, "min")                                                                   \
	X(MAX, "max")                                                                   \
	X(STATS, "stats")                                                               \
	X(HIST, "hist")                                                                 \
	X(LHIST, "lhist")                                                               \
	X(TSERIES, "tseries") /* lh_min = interval ns, lh_max = intervals, lh_step = agg */

enum type_kind {
#define X(k, s) TY_##k,
	TYPE_KINDS(X)
#undef X
	TY__COUNT
};

struct type {
	enum type_kind kind;
	bool is_signed;            /* INT; SUM/MIN/MAX/AVG/STATS: of the summed values */
	uint32_t size;             /* bytes: INT 1/2/4/8, STR buffer, TUPLE packed, PROBE 8 */
	uint16_t nelems;           /* TUPLE */
	const struct type *elems;  /* TUPLE: element types (in a type_pool) */
	/* TUPLE that is a record, (a=1, b="x"): elems[i]'s field name (in the type_pool);
	 * NULL for a plain tuple */
	const char *const *names;
	int64_t lh_min, lh_max, lh_step; /* LHIST parameters; HIST: lh_step = k of hist(v, k) */
	/* A byte buffer or integer that prints specially (stdlib/strings.c); the storage
	 * rules stay those of `kind`, so maps, copies and events need nothing new. */
	uint8_t sub;               /* enum type_sub */
	int32_t fmt_id;            /* SUB_TSTAMP: index of its strftime format in sema fmts */
	/* C types (sema/ctypes.h): on INT, a pointer to *ct (the value is the address; maps
	 * store it as int64 like bpftrace); on RECORD, the struct/union/array itself. */
	const struct ctype *ct;
	bool user;                 /* ct memory is in user space (probe_read_user) */
};

/* Each sub's text is printed by the print hook of the builtin family that returns it
 * (stdlib/builtin_*.c, in its `fmts`), found through stdlib/symfmt.c; SUB_ENUM and
 * SUB_BOOL are the language's own (printed by symfmt.c itself), SUB_ADDR has no text. */
enum type_sub {
	SUB_NONE,
	/* strings (stdlib/builtin_strings.c) */
	SUB_BUF,    /* TY_STR: buf(): byte 0 = length, bytes 1.. = data; printf %r */
	SUB_INET,   /* TY_STR size 24: ntop(): u64 address family, then 16 address bytes */
	SUB_TSTAMP, /* TY_INT: strftime(): nanoseconds since boot, printed with fmt_id */
	/* stacks and symbols (stdlib/builtin_symbols.c, printed through print_ctx->syms) */
	SUB_KSTACK, /* TY_INT: kernel stack id (negative: none); fmt_id = frames | perf << 16 |
	               raw << 17 | build_id << 18 (ustack only) */
	SUB_USTACK, /* TY_INT: pid << 32 | u32 user stack id; fmt_id as SUB_KSTACK */
	SUB_KSYM,   /* TY_INT: kernel address, printed as its symbol */
	SUB_USYM,   /* TY_STR size 16: u64 user address, u64 pid; printed as its symbol */
	SUB_FUNC,   /* TY_INT: probe point index, printed as that point's function name
	               (`func` in uprobes: stdlib/builtin_probe.c) */
	SUB_ENUM,   /* TY_INT: value of an enum type; fmt_id = its FMT_ENUM name table, printed
	               as the enumerator's name by %s and in map output (sema/enums.c) */
	/* process and system facts (stdlib/builtin_process.c) */
	SUB_USERNAME,    /* TY_INT: a uid, printed as the user's name (/etc/passwd) */
	SUB_CGROUP_PATH, /* TY_INT: a cgroup id, printed as "unified:/path,cpu:/path..."; fmt_id
	                    = the FMT_ENUM-style table index of the hierarchy filter, or -1 */
	SUB_STRERROR,    /* TY_INT: an errno value, printed as strerror()'s text */
	SUB_MACADDR,     /* TY_INT: 6 bytes (first byte lowest), printed as "05:04:03:02:01:02" */
	SUB_ADDR,        /* TY_STR of 4 or 16 bytes: pton()'s address, no NUL (for ntop()) */
	/* kernel and probe facts (stdlib/builtin_kinfo.c) */
	SUB_SYSCALL_NAME, /* TY_INT: a syscall number, printed as its name ("read") */
	SUB_BOOL,        /* TY_INT size 1: true/false (current bpftrace's bool), printed as
	                    "true"/"false" by %s and in map output, as 1/0 by %d */
	SUB_VALPTR,      /* TY_INT: the address of a value of the language's own type
	                    elems[0] (nelems 1), `&$t` of a tuple (sema/check_lang.c);
	                    `*p` reads the value back */
	SUB_SIGNAL_NAME, /* TY_INT: a signal number, printed as its description ("Interrupt"):
	                    signal_name() (stdlib/builtin_bytes.c) */
	SUB_DWSTACK,     /* TY_STR: dw_ustack's frames, laid out as abi.h says (ABI_DW_HDR);
	                    fmt_id as SUB_KSTACK (stdlib/builtin_dwstack.c) */
};
/* TY_TSERIES: what tseries() keeps per interval (its type's lh_step), and how many
 * intervals it may keep (lh_max) */
enum tseries_agg { TS_AGG_LAST, TS_AGG_AVG, TS_AGG_MAX, TS_AGG_MIN, TS_AGG_SUM };
#define TSERIES_MAX_INTERVALS 4096
#define SUB_STACK_PERF (1 << 16) /* fmt_id bit of SUB_KSTACK/SUB_USTACK: perf mode */
#define SUB_STACK_RAW (1 << 17)  /* fmt_id bit: raw mode (addresses, no symbols) */
#define SUB_STACK_BUILD_ID (1 << 18) /* fmt_id bit of SUB_USTACK: build_id mode (each frame
                                      * a build id and file offset: BPF_F_STACK_BUILD_ID) */

struct ctype;

struct type_pool {
	void **blocks;
	int n, cap;
};

struct type type_none(void);
struct type type_void(void);
struct type type_int(uint32_t size, bool is_signed);
struct type type_u64(void);
struct type type_s64(void);
struct type type_str(uint32_t size);
struct type type_agg(enum type_kind kind, bool is_signed);
struct type type_bool(void);
/* The bool of a comparison, `&&`, `||` or `!` (current bpftrace's type: typeof() says
 * bool), which computes, prints and sizes as bpftrace 0.17's comparisons did: a uint64 0
 * or 1 (sizeof 8) (its fmt_id is BOOL_NUMERIC; a bool from true, false, (bool) or
 * getopt() is one byte and prints true/false). It also shares a slot with integers. */
struct type type_cmp_bool(void);
#define BOOL_NUMERIC 1
/* Index of the record field `name` in t, or -1. */
int type_field_index(const struct type *t, const char *name);

bool type_equal(const struct type *a, const struct type *b);
bool type_is_agg(const struct type *t);       /* COUNT..LHIST */
bool type_is_int(const struct type *t);

/* Keep p (malloc'd) until the pool is freed; false (p not kept) when out of memory. */
bool type_pool_keep(struct type_pool *pool, void *p);
void type_pool_free(struct type_pool *pool);

#endif
