/*
 * stdlib/builtins.h — every builtin variable and function: the families of rows with hooks
 * (sema/builtin.h) that sema_run is given, and the print hooks of the values they return.
 *
 * Owns: builtin_set (the families, stdlib/builtins.c), struct builtin_fmt and finding the
 * print hook of a type; and, until each moves into a family file, the older rows below,
 * generated from an X-macro, with their lookup by name.
 * Must not: type-check or emit code (the family files' hooks do; the older rows are
 * switched on in sema/ and codegen/).
 *
 * BVAR(id, "name")                    identifiers: pid, comm, args ...
 * BFUNC(id, "name", min_args, max_args) calls: printf(fmt, ...) ...; max -1 = variadic
 */
#ifndef BPFSCRIPT_BUILTINS_H
#define BPFSCRIPT_BUILTINS_H

#include <stdint.h>
#include <stdio.h>

#include "../sema/builtin.h"
#include "../sema/types.h"

struct print_ctx;

/* Every family of builtins (stdlib/builtins.c): what sema_opts.builtins is given. */
extern const struct builtin_set builtin_set;

/* How a value that a builtin returns prints, by its type's sub (enum type_sub): in map
 * output, print(), and printf's %s (and %r for buffers). */
struct builtin_fmt {
	uint8_t sub;  /* enum type_sub */
	uint8_t kind; /* enum type_kind of the values it prints: TY_INT or TY_STR */
	/* Write the text of the value at bytes (its abi layout). indent: spaces before each
	 * line of a multi-line value (a stack's frames). */
	void (*print)(FILE *out, const struct type *t, const uint8_t *bytes,
		      const struct print_ctx *ctx, int indent);
};
/* The print hook of t, or NULL when t prints by its kind. */
const struct builtin_fmt *builtin_fmt_of(const struct type *t);

#define BUILTIN_VARS(BVAR)                                                                 \
	BVAR(PID, "pid") BVAR(TID, "tid") BVAR(UID, "uid") BVAR(GID, "gid")                 \
	BVAR(COMM, "comm") BVAR(NSECS, "nsecs") BVAR(ELAPSED, "elapsed") BVAR(CPU, "cpu")   \
	BVAR(PROBE, "probe") BVAR(CURTASK, "curtask") BVAR(CGROUP, "cgroup")               \
	BVAR(RAND, "rand") BVAR(ARGS, "args") BVAR(CPID, "cpid") BVAR(RETVAL, "retval")    \
	BVAR(FUNC, "func") BVAR(ARGN, "arg")   /* arg0..argN: "arg" + digits */ \
	BVAR(CTX, "ctx") /* the program's context pointer, cast to read it */ \
	/* process and system facts (sema/check_sysinfo.c, codegen/emit_sysinfo.c) */  \
	BVAR(NUMAID, "numaid") BVAR(USERNAME, "username")                               \
	BVAR(SARGN, "sarg") /* sarg0..sargN: "sarg" + digits */                        \
	BVAR(PPID, "ppid") BVAR(PCOMM, "pcomm") BVAR(NCPUS, "ncpus")                   \
	BVAR(JIFFIES, "jiffies")

#define BUILTIN_FUNCS(BFUNC)                                                               \
	/* process and system facts (sema/check_sysinfo.c, codegen/emit_sysinfo.c) */       \
	BFUNC(CGROUP_PATH, "cgroup_path", 1, 2) BFUNC(STRERROR, "strerror", 1, 1)            \
	BFUNC(MACADDR, "macaddr", 1, 1) BFUNC(REG, "reg", 1, 1) BFUNC(PTON, "pton", 1, 1)      \
	BFUNC(UPTR, "uptr", 1, 1) BFUNC(KPTR, "kptr", 1, 1)


enum builtin_legacy {
	BI_NONE = -1,
#define BVAR(id, name) BI_##id,
#define BFUNC(id, name, mn, mx) BI_##id,
	BUILTIN_VARS(BVAR) BUILTIN_FUNCS(BFUNC)
#undef BVAR
#undef BFUNC
	BI__COUNT
};

struct builtin_row {
	enum builtin_legacy id;
	const char *name;
	int is_func;
	int min_args, max_args;
};

extern const struct builtin_row builtin_rows[BI__COUNT];
/* Exact-name lookup; "arg0".."arg9..." map to BI_ARGN. Returns BI_NONE if unknown. */
enum builtin_legacy builtin_lookup(const char *name, int is_call);

#endif
