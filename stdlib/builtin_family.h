/*
 * stdlib/builtin_family.h — what the family files (stdlib/builtin_*.c) are written
 * against: sema's and codegen's internals, the row and print-hook types, and the families
 * stdlib/builtins.c lists.
 *
 * Owns: the extern of each family and the helpers several families share.
 * Must not: be included outside stdlib/builtin_*.c and stdlib/builtins.c: the rest of the
 * program sees builtins only through stdlib/builtins.h and sema/builtin.h.
 *
 * A family file holds, for each of its builtins, the check hook (sema: arguments and
 * type), the emit hook (codegen: the BPF code of its value) and, for the values that
 * print specially, a print hook; it ends with its rows and `const struct builtin_family
 * builtin_family_NAME`.
 */
#ifndef BPFSCRIPT_BUILTIN_FAMILY_H
#define BPFSCRIPT_BUILTIN_FAMILY_H

#include "../codegen/codegen_internal.h"
#include "../sema/sema_int.h"
#include "builtins.h"
#include "format.h"

#define BUILTIN_NROWS(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* Rows: a variable, a function with its arity (max -1: any), an aggregation. */
#define BUILTIN_VAR(nm, flg, chk, emt) \
	{ .name = (nm), .kind = BK_VAR, .flags = (flg), .check = (chk), .emit = (emt) }
#define BUILTIN_FUNC(nm, mn, mx, flg, chk, emt)                                           \
	{ .name = (nm), .kind = BK_FUNC, .min_args = (mn), .max_args = (mx), .flags = (flg), \
	  .check = (chk), .emit = (emt) }
#define BUILTIN_AGG(nm, mn, mx, chk, ops)                                                  \
	{ .name = (nm), .kind = BK_AGG, .min_args = (mn), .max_args = (mx), .check = (chk), \
	  .agg = (ops) }

/* builtin_core.c: printf-like calls of other families (system, cat, errorf, warnf): a
 * literal format checked as printf's against the arguments, entered in the format table
 * as kind (n->fmt; errors name the function); and their ABI_EV_ASYNC event (format index,
 * then the arguments laid out as printf's). */
void builtin_check_fmt_call(struct sema *s, struct node *n, enum fmt_kind kind);
LLVMValueRef builtin_emit_fmt_event(struct cg *c, struct node *n);
/* builtin_async.c: signal()'s argument rules, shared by signal_thread() (builtin_task.c):
 * --unsafe, no run-once probes, a signal name (rewritten into its number) or an integer;
 * errors name n->str. n->type is void when all is well. */
void builtin_check_signal(struct sema *s, struct node *n);
/* builtin_async.c: --unsafe was given; else "f() is an unsafe function being used in safe
 * mode" at n (bpftrace's words) and false. */
bool builtin_unsafe_ok(struct sema *s, struct node *n);
/* builtin_meta.c: the kernel's BTF id of the kfunc name (0: none, or no BTF), and whether a
 * program of prog_type may call it (a one-call program offered to the verifier, as
 * bpftrace's kfunc_allowed). */
int builtin_kfunc_btf_id(struct sema *s, const char *name);
bool builtin_kfunc_allowed(uint32_t prog_type, const char *name, int id);
/* builtin_kinfo.c: CLOCK_TAI - CLOCK_BOOTTIME now (nsecs(sw_tai), tseries' clock). */
uint64_t builtin_tai_offset(void);

/* builtin_symbols.c: a stack's arguments (mode and/or frame limit, in either order; name:
 * the builtin, "ustack" alone accepts build_id); false after an error. And its frames
 * printed as ustack prints them (t: the value's type, for its mode bits). */
bool builtin_stack_args(struct sema *s, struct node *n, const char *name, bool user,
			uint32_t *frames, uint32_t *mode);
void builtin_print_frames(FILE *out, const struct type *t, bool user, uint32_t pid,
			  const uint64_t *ips, int n, const struct print_ctx *ctx, int indent);
/* builtin_dwstack.c */
extern const struct builtin_family builtin_family_dwstack;

/* The families (their files), listed in stdlib/builtins.c. */
extern const struct builtin_family builtin_family_core;      /* builtin_core.c */
extern const struct builtin_family builtin_family_maps;      /* builtin_maps.c */
extern const struct builtin_family builtin_family_strings;   /* builtin_strings.c */
extern const struct builtin_family builtin_family_symbols;   /* builtin_symbols.c */
extern const struct builtin_family builtin_family_async;     /* builtin_async.c */
extern const struct builtin_family builtin_family_report;    /* builtin_report.c */
extern const struct builtin_family builtin_family_process;   /* builtin_process.c */
extern const struct builtin_family builtin_family_probe;     /* builtin_probe.c */
extern const struct builtin_family builtin_family_kinfo;     /* builtin_kinfo.c */
extern const struct builtin_family builtin_family_strsearch; /* builtin_strsearch.c */
extern const struct builtin_family builtin_family_tseries;   /* builtin_tseries.c */
extern const struct builtin_family builtin_family_task;      /* builtin_task.c */
extern const struct builtin_family builtin_family_unsafe;    /* builtin_unsafe.c */
extern const struct builtin_family builtin_family_net;       /* builtin_net.c */
extern const struct builtin_family builtin_family_meta;      /* builtin_meta.c */
extern const struct builtin_family builtin_family_bytes;     /* builtin_bytes.c */

#endif
