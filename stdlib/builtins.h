/*
 * stdlib/builtins.h — the registry of builtin variables and functions.
 *
 * Owns: one row per builtin (name, kind, arity) generated from an X-macro so sema, codegen
 * and the docs cannot drift apart; lookup by name.
 * Must not: type-check or emit code (sema/ and codegen/ switch on enum builtin).
 *
 * BVAR(id, "name")                    identifiers: pid, comm, args ...
 * BFUNC(id, "name", min_args, max_args) calls: printf(fmt, ...) ...; max -1 = variadic
 */
#ifndef BPFSCRIPT_BUILTINS_H
#define BPFSCRIPT_BUILTINS_H

#define BUILTIN_VARS(BVAR)                                                                 \
	BVAR(PID, "pid") BVAR(TID, "tid") BVAR(UID, "uid") BVAR(GID, "gid")                 \
	BVAR(COMM, "comm") BVAR(NSECS, "nsecs") BVAR(ELAPSED, "elapsed") BVAR(CPU, "cpu")   \
	BVAR(PROBE, "probe") BVAR(CURTASK, "curtask") BVAR(CGROUP, "cgroup")               \
	BVAR(RAND, "rand") BVAR(ARGS, "args") BVAR(CPID, "cpid") BVAR(RETVAL, "retval")    \
	BVAR(FUNC, "func") BVAR(ARGN, "arg")   /* arg0..argN: "arg" + digits */ \
	BVAR(KSTACK, "kstack") BVAR(USTACK, "ustack") /* issue 3: sema/check_symbols.c */ \
	BVAR(CTX, "ctx") /* the program's context pointer, cast to read it */ \
	/* process and system facts (sema/check_sysinfo.c, codegen/emit_sysinfo.c) */  \
	BVAR(NUMAID, "numaid") BVAR(USERNAME, "username")                               \
	BVAR(SARGN, "sarg") /* sarg0..sargN: "sarg" + digits */                        \
	BVAR(PPID, "ppid") BVAR(PCOMM, "pcomm") BVAR(NCPUS, "ncpus")                   \
	BVAR(JIFFIES, "jiffies")                                                         \
	/* kernel and probe facts (sema/check_kinfo.c, codegen/emit_kinfo.c) */          \
	BVAR(PROBETYPE, "probetype")

#define BUILTIN_FUNCS(BFUNC)                                                               \
	BFUNC(PRINTF, "printf", 1, -1) BFUNC(PRINT, "print", 1, 3) BFUNC(TIME, "time", 0, 1) \
	BFUNC(EXIT, "exit", 0, 1) BFUNC(STR, "str", 1, 2) BFUNC(DELETE, "delete", 1, 2)      \
	BFUNC(CLEAR, "clear", 1, 1) BFUNC(ZERO, "zero", 1, 1) BFUNC(COUNT, "count", 0, 0)    \
	BFUNC(SUM, "sum", 1, 1) BFUNC(AVG, "avg", 1, 1) BFUNC(MIN, "min", 1, 1)              \
	BFUNC(MAX, "max", 1, 1) BFUNC(STATS, "stats", 1, 1) BFUNC(HIST, "hist", 1, 2)        \
	BFUNC(LHIST, "lhist", 4, 4)                                                          \
	/* issue 3: stacks and symbols (sema/check_symbols.c, codegen/emit_symbols.c) */     \
	BFUNC(KSTACK_F, "kstack", 0, 2) BFUNC(USTACK_F, "ustack", 0, 2)                      \
	BFUNC(KSYM, "ksym", 1, 1) BFUNC(USYM, "usym", 1, 1) BFUNC(KADDR, "kaddr", 1, 1)      \
	BFUNC(UADDR, "uaddr", 1, 1)                                                          \
	/* issue 4: strings, async and map functions (sema/check_strings.c, emit_strings.c) */ \
	BFUNC(STRNCMP, "strncmp", 3, 3) BFUNC(STRCONTAINS, "strcontains", 2, 2)              \
	BFUNC(BUF, "buf", 1, 2) BFUNC(NTOP, "ntop", 1, 2) BFUNC(JOIN, "join", 1, 2)           \
	BFUNC(STRFTIME, "strftime", 2, 2) BFUNC(SIGNAL, "signal", 1, 1)                      \
	BFUNC(SYSTEM, "system", 1, -1) BFUNC(CAT, "cat", 1, -1) BFUNC(LEN, "len", 1, 1)      \
	BFUNC(HAS_KEY, "has_key", 2, 2)                                                      \
	/* issue 4 (language gaps): byte swap by the operand's width (check_calls.c) */      \
	BFUNC(BSWAP, "bswap", 1, 1)                                                          \
	/* issue 14: detach the watchpoints on an address (runtime/probe_watchpoint.c) */    \
	BFUNC(UNWATCH, "unwatch", 1, 1)                                                      \
	/* process and system facts (sema/check_sysinfo.c, codegen/emit_sysinfo.c) */       \
	BFUNC(CGROUP_PATH, "cgroup_path", 1, 2) BFUNC(STRERROR, "strerror", 1, 1)            \
	BFUNC(MACADDR, "macaddr", 1, 1) BFUNC(REG, "reg", 1, 1) BFUNC(PTON, "pton", 1, 1)      \
	BFUNC(UPTR, "uptr", 1, 1) BFUNC(KPTR, "kptr", 1, 1)                                  \
	/* kernel and probe facts (sema/check_kinfo.c, codegen/emit_kinfo.c) */              \
	BFUNC(PROBETYPE_F, "probetype", 0, 0) BFUNC(NSECS_F, "nsecs", 0, 1)                  \
	BFUNC(SYSCALL_NAME, "syscall_name", 1, 1) BFUNC(CGROUPID, "cgroupid", 1, 1)          \
	BFUNC(PERCPU_KADDR, "percpu_kaddr", 1, 2) BFUNC(PATH, "path", 1, 2)                  \
	/* string search (sema/check_strsearch.c, codegen/emit_strsearch.c) */               \
	BFUNC(STRSTR, "strstr", 2, 2) BFUNC(STRLEN, "strlen", 1, 1)                          \
	/* time series (sema/check_tseries.c, codegen/emit_tseries.c) */                     \
	BFUNC(TSERIES, "tseries", 3, 4)                                                      \
	/* reporting calls (sema/check_diag.c, codegen/emit_diag.c) */                       \
	BFUNC(ERRORF, "errorf", 1, -1) BFUNC(WARNF, "warnf", 1, -1)                          \
	BFUNC(STATIC_ASSERT, "static_assert", 2, 2)

enum builtin {
	BI_NONE = -1,
#define BVAR(id, name) BI_##id,
#define BFUNC(id, name, mn, mx) BI_##id,
	BUILTIN_VARS(BVAR) BUILTIN_FUNCS(BFUNC)
#undef BVAR
#undef BFUNC
	BI__COUNT
};

struct builtin_row {
	enum builtin id;
	const char *name;
	int is_func;
	int min_args, max_args;
};

extern const struct builtin_row builtin_rows[BI__COUNT];
/* Exact-name lookup; "arg0".."arg9..." map to BI_ARGN. Returns BI_NONE if unknown. */
enum builtin builtin_lookup(const char *name, int is_call);

#endif
