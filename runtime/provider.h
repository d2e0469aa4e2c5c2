/*
 * runtime/provider.h — probe kinds as data rows, and attach-point parsing and expansion.
 *
 * Owns: the table of probe kinds with bpftrace's names and aliases (tracepoint/t,
 * interval/i, profile/p, kprobe/k, ...), turning one attach point as written into the
 * concrete probe points it means (wildcards expanded against tracefs), and each kind's
 * BPF program type. This header is a leaf: no libbpf, LLVM or AST types, so sema may use it.
 * Must not: load or attach anything (runtime/attach.c does that).
 */
#ifndef BPFSCRIPT_PROVIDER_H
#define BPFSCRIPT_PROVIDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../common/diag.h"
#include "tracefs.h"
#include "usdt_args.h"

enum probe_kind {
	PROBE_BEGIN,
	PROBE_END,
	PROBE_TRACEPOINT,
	PROBE_KPROBE,
	PROBE_KRETPROBE,
	PROBE_UPROBE,
	PROBE_URETPROBE,
	PROBE_PROFILE,
	PROBE_INTERVAL,
	PROBE_SOFTWARE,
	PROBE_HARDWARE,
	PROBE_RAWTRACEPOINT,
	PROBE_SELF,
	PROBE_USDT,
	PROBE_WATCHPOINT,
	PROBE_ASYNCWATCHPOINT,
	PROBE_ITER,
};

struct probe_point {
	enum probe_kind kind;
	char *name;          /* canonical full name, what `probe` prints:
	                        "tracepoint:syscalls:sys_enter_read", "BEGIN", "interval:s:1",
	                        "profile:hz:99" */
	char *target;        /* tracepoint category, uprobe binary path; else NULL */
	char *func;          /* tracepoint event, kprobe/uprobe function; else NULL */
	char *func_label;    /* uprobe of a C++ function: its demangled name, what `func`
	                        prints ("ns::add(int, int)"); else NULL (func is printed) */
	uint64_t offset;     /* FUNC+OFFSET */
	uint64_t freq_hz;    /* profile:hz:N */
	uint64_t period_ns;  /* interval:s/ms/us/hz, profile:s/ms/us */
	uint64_t config;     /* software/hardware: the perf event's config; watchpoint: mode;
	                        iter: the BTF id of the kernel's bpf_iter_NAME function */
	uint64_t period;     /* software/hardware: fire once every `period` events;
	                        watchpoint: length (the address is `offset`) */
	int wp_arg1;         /* watchpoint FUNC+argN: N + 1, the argument holding the address
	                        to watch (func, target and offset: FUNC's uprobe); 0: the
	                        ADDRESS form */
	uint64_t ref_ctr_offset;        /* usdt: the semaphore's file offset; 0 = none */
	struct usdt_arg *usdt_args;     /* usdt: the call site's arguments (owned) */
	int usdt_nargs;                 /* usdt: how many; -1: none readable (usdt_args_err) */
	char *usdt_args_err;            /* usdt: why no argument can be read, or NULL */
	struct tp_format *tp; /* tracepoint: parsed format, loaded during expansion (owned) */
	int probe;           /* index of the PROBE node (program order) whose action runs */
	int index;           /* index in the points array: the value of `probe` */
	struct span loc;     /* the attach point as written (sema/attach.c), for errors about
	                        this point after sema, e.g. a verifier refusal; may be empty */
	bool wildcard;       /* kprobe: one of a wildcard's matches (may be skipped quietly) */
	int multi_group;     /* kprobe: 0, or 1 + the first point of its kprobe_multi group
	                        (probe_kprobe_multi.c): code shared, one link for the group */
	bool fentry;         /* kfunc:/kretfunc: (fentry:/fexit:): a kprobe/kretprobe that
	                        always runs as a fentry/fexit program */
};

/* What a probe kind's programs can read: sema allows a builtin only where every point of
 * the probe has its capability, codegen reads the context accordingly. */
enum provider_cap {
	PV_RUN_ONCE = 1u << 0,  /* BEGIN/END: run once by the tracer, never attached */
	PV_ARGS_TP = 1u << 1,   /* `args` is the tracepoint record (tracefs format) */
	PV_ARGS_BTF = 1u << 2,  /* `args.NAME` from the function's BTF parameters */
	PV_REGS = 1u << 3,      /* the context is struct pt_regs: arg0..N, reg(), sarg */
	PV_RETVAL = 1u << 4,    /* `retval`: the function returns here */
	PV_FUNC_KSYM = 1u << 5, /* `func` is the kernel function's address */
	PV_FUNC_NAME = 1u << 6, /* `func` is the point's function, by name (uprobes) */
	PV_USER = 1u << 7,      /* arguments and retval point into the traced process */
	PV_ENTRY = 1u << 8,     /* a function entry: arguments are still live */
	PV_KERNEL_FN = 1u << 9, /* a kernel function (kprobe, kretprobe, kfunc, kretfunc) */
	PV_ARGN = 1u << 10,     /* arg0..argN: the function's arguments by position */
	PV_CTX_U64 = 1u << 11,  /* the context is the u64 array of the arguments (raw tp) */
	PV_USDT = 1u << 12,     /* argN from the point's SDT operand specs (usdt_args) */
	PV_ARGS_DWARF = 1u << 13, /* `args.NAME` from the binary's DWARF (uprobes) */
	PV_ITER = 1u << 14,     /* a BPF iterator: ctx is struct bpf_iter__NAME, read in place;
	                           printf writes into its seq_file; it runs in the reader's task
	                           (no -p filter), and is the only probe of its script */
};

/* Lines for `-l`: a provider's list hook adds "kind:...:name" lines (ownership passes). */
struct probe_list;
void probe_list_add(struct probe_list *l, char *line);
bool probe_list_oom(const struct probe_list *l);

struct rt_links; /* runtime/runtime_internal.h: the fds a session attached */
struct rt_probe_state; /* runtime/runtime_internal.h: the kinds' state of a session */
struct kinfo;    /* common/kinfo.h */

/* What expanding and listing may consult, one per run (the driver's, handed to sema and
 * to -l): kernel facts, and the process given with -p or the -c command, which some
 * kinds' attach points name implicitly (`usdt::PROVIDER:NAME`, `-l usdt:*`,
 * `watchpoint:FUNC+argN:...`). */
struct probe_env {
	struct kinfo *kinfo; /* kallsyms, traceable functions, BTF */
	int target_pid;      /* -p PID, 0: none */
	const char *child_cmd; /* -c CMD (NULL: none): watchpoint FUNC+argN probes are in
	                          its program */
};

struct provider {
	const char *name;        /* "tracepoint" */
	const char *aliases[3];  /* "t", NULL */
	enum probe_kind kind;
	uint32_t prog_type;      /* enum bpf_prog_type value */
	uint32_t caps;           /* enum provider_cap bits */
	/* Expand `text` (full attach point as written, e.g. "t:syscalls:sys_enter_*") into points
	 * appended with probe_points_add(). Returns 0, or -1 with a one-sentence reason in err,
	 * e.g. "tracepoint not found: syscalls:sys_enter_nope". */
	int (*expand)(const struct provider *p, const struct probe_env *env, const char *text,
		      struct probe_point **pts, int *n, char *err, size_t errlen);
	/* -l: add the probes matching `rest` (the pattern after "kind:"; NULL with full_glob
	 * for a bare pattern matched against whole names, "*getppid*"), fields with verbose.
	 * NULL: nothing to enumerate. Returns 0, or 1 after printing one error line. */
	int (*list)(const struct provider *p, const struct probe_env *env, const char *rest,
		    const char *full_glob, bool verbose, struct probe_list *out);
	/* Connect a loaded program to the point's event, recording every fd in l. 0, or
	 * -errno with, where the generic wording would mislead, one sentence in why. NULL:
	 * never attached (PV_RUN_ONCE). */
	int (*attach)(const struct probe_point *p, int prog_fd, struct rt_links *l, char *why,
		      size_t whylen);
	/* The point's program's expected_attach_type at load (uprobe_multi, kprobe_multi),
	 * 0 for none, as the session's plan decided (ps may be NULL: no plan); NULL: always
	 * none. */
	uint32_t (*load_attach_type)(const struct rt_probe_state *ps, const struct probe_point *p);
	/* The point's program's attach_btf_id at load (iter: its bpf_iter_NAME function), 0
	 * for none; NULL: always none. */
	uint32_t (*load_attach_btf_id)(const struct probe_point *p);
	/* A kind whose programs run when the tracer reads them (iter): after BEGIN the
	 * session calls this for the point instead of polling events, then ends the run.
	 * Output goes to out. 0, or -errno with one sentence in why. NULL: events are polled. */
	int (*run)(const struct probe_point *p, const struct rt_links *l, FILE *out, char *why,
		   size_t whylen);
	/* The kernel runs this kind's programs on one event newest-attached first (uprobe
	 * consumers, kprobes), so its points attach in reverse script order and several
	 * probes on one function still run in the order they are written. */
	bool attach_reverse;
	/* a bare `-l` (no pattern) lists this kind too */
	bool list_all;
};

/* The registry (runtime/provider.c): every probe kind, one row each, in `-l` order. */
extern const struct provider *const providers[];
extern const size_t nproviders;

/* The rows, each defined at the end of its kind's file. */
extern const struct provider provider_begin, provider_end;               /* probe_special.c */
extern const struct provider provider_tracepoint;                         /* probe_tracepoint.c */
extern const struct provider provider_kprobe, provider_kretprobe;         /* probe_kprobe.c */
extern const struct provider provider_kfunc, provider_kretfunc;           /* probe_fentry.c */
extern const struct provider provider_uprobe, provider_uretprobe;         /* probe_uprobe.c */
extern const struct provider provider_profile, provider_interval;         /* probe_timer.c */
extern const struct provider provider_software;                           /* probe_software.c */
extern const struct provider provider_hardware;                           /* probe_hardware.c */
extern const struct provider provider_rawtracepoint;                      /* probe_rawtracepoint.c */
extern const struct provider provider_self;                               /* probe_self.c */
extern const struct provider provider_usdt;                               /* probe_usdt.c */
extern const struct provider provider_watchpoint, provider_asyncwatchpoint; /* probe_watchpoint.c */
extern const struct provider provider_iter;                               /* probe_iter.c */

/* Find a provider by the text before the first ':' ("t", "tracepoint", "BEGIN"...). */
const struct provider *provider_find(const char *prefix, size_t len);
const struct provider *provider_for_kind(enum probe_kind kind);
/* The row that made a point (its kind's row; kfunc/kretfunc for fentry points). */
const struct provider *provider_of(const struct probe_point *p);
/* Expand one attach point: provider lookup + expand. Each new point gets probe = probe_idx;
 * `index` is set to its position in *pts. 0, -1 with the reason in err, or -ENOENT when
 * the target (a kernel function) does not exist, which a caller may skip. */
int provider_expand(const struct probe_env *env, const char *text, int probe_idx,
		    struct probe_point **pts, int *n, char *err, size_t errlen);
/* kprobe rows (runtime/probe_kprobe.c): expansion against the traceable kernel functions
 * (shared with the kfunc rows). */
int kprobe_expand(const struct provider *p, const struct probe_env *env, const char *text,
		  struct probe_point **pts, int *n, char *err, size_t errlen);
/* -l for the kprobe and kfunc rows: traceable functions (BTF's without kprobes). */
int kprobe_list(const struct provider *pv, const struct probe_env *env, const char *func_glob,
		const char *full_glob, bool verbose, struct probe_list *out);
/* The text after "prefix:"; NULL when the attach point has no ':' at all. */
const char *provider_after_prefix(const char *text);
/* For expanders: format a one-sentence reason into err; returns -1. */
int provider_fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Append a zeroed point, returning it (NULL on ENOMEM). */
struct probe_point *probe_points_add(struct probe_point **pts, int *n);
void probe_points_free(struct probe_point *pts, int n);
/* Free one point's strings and format, leaving it zeroed (an expander undoing a point). */
void probe_point_clear(struct probe_point *p);

#endif
