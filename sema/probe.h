/*
 * sema/probe.h — the probe-kind interface: what a probe point is, what its kind's
 * programs can read, and the row of hooks each kind implements, as sema expands attach
 * points through it.
 *
 * Owns: enum probe_kind, struct probe_point, the capability bits, struct provider (one
 * kind's row: names, program type, capabilities, hooks), struct probe_registry (the rows;
 * the runtime makes it, runtime/provider.c, and the driver hands it to sema in
 * sema_opts.probes), struct probe_env, and the pure helpers over them (finding a row,
 * expanding an attach point through its row, the points array). No libbpf, LLVM or AST
 * types.
 * Must not: include a runtime header or name a kind's row: sema reaches the kinds only
 * through the registry it is given, so sema tests can give it rows of their own.
 */
#ifndef BPFSCRIPT_PROBE_H
#define BPFSCRIPT_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../common/diag.h"
#include "../common/tp_format.h"
#include "../common/usdt_args.h"

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
	PROBE_TEST,  /* test:NAME, run by --test (runtime/testmode.c) */
	PROBE_BENCH, /* bench:NAME, run by --bench */
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
	const struct provider *row;      /* the row that made it (provider_expand) */
	const struct provider *kind_row; /* its kind's first row: what every point of the
	                                    kind reads (a kfunc point's is the kprobe row) */
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
	PV_CLOCK = 1u << 15,    /* fires on a clock, not on what traced programs do (profile,
	                           interval): after exit() it does nothing more at once, while
	                           other probes still update maps for a moment (session.c) */
};

/* The runtime's types the hooks pass along (runtime/runtime_internal.h, runtime/list.c). */
struct probe_list;     /* `-l` lines (probe_list_add) */
struct rt_links;       /* the fds a session attached */
struct rt_probe_state; /* the kinds' state of a session */
struct kinfo;          /* common/kinfo.h */
struct probe_registry;

/* What expanding and listing may consult, one per run (the driver's, handed to sema and
 * to -l): the kinds, kernel facts, and the process given with -p or the -c command, which
 * some kinds' attach points name implicitly (`usdt::PROVIDER:NAME`, `-l usdt:*`,
 * `watchpoint:FUNC+argN:...`). */
struct probe_env {
	const struct probe_registry *probes; /* the kinds (the runtime's rows) */
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

/* The kinds, one row each, in `-l` order; the first row of a kind is the one
 * provider_of_kind() gives its points (the kprobe rows come before the kfunc rows that
 * share their kinds). */
struct probe_registry {
	const struct provider *const *rows;
	size_t n;
};

/* The row named by the text before the first ':' ("t", "tracepoint", "BEGIN"...). */
const struct provider *probe_registry_find(const struct probe_registry *reg,
					   const char *prefix, size_t len);
/* A kind's first row, NULL if none. */
const struct provider *probe_registry_kind(const struct probe_registry *reg,
					   enum probe_kind kind);
/* The row that made a point (its kind's row; kfunc/kretfunc for fentry points). */
static inline const struct provider *provider_of(const struct probe_point *p)
{
	return p->row;
}
/* The point's kind's row: what every point of the kind can read. */
static inline const struct provider *provider_of_kind(const struct probe_point *p)
{
	return p->kind_row;
}
/* Expand one attach point through env->probes: row lookup + its expand hook. Each new
 * point gets probe = probe_idx, its rows, and `index` = its position in *pts. 0, -1 with
 * the reason in err, or -ENOENT when the target (a kernel function) does not exist, which
 * a caller may skip. */
int provider_expand(const struct probe_env *env, const char *text, int probe_idx,
		    struct probe_point **pts, int *n, char *err, size_t errlen);
/* The text after "prefix:"; NULL when the attach point has no ':' at all. */
const char *provider_after_prefix(const char *text);
/* For expanders: format a one-sentence reason into err; returns -1. */
int provider_fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The same for a target that does not exist (a tracepoint, a binary's function): returns
 * -ESRCH, which config missing_probes = warn|ignore skips (provider_expand passes it on). */
int provider_missing(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Append a zeroed point, returning it (NULL on ENOMEM). */
struct probe_point *probe_points_add(struct probe_point **pts, int *n);
void probe_points_free(struct probe_point *pts, int n);
/* Free one point's strings and format, leaving it zeroed (an expander undoing a point). */
void probe_point_clear(struct probe_point *p);

#endif
