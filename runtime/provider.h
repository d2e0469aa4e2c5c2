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

#include "../common/diag.h"
#include "tracefs.h"

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
};

struct probe_point {
	enum probe_kind kind;
	char *name;          /* canonical full name, what `probe` prints:
	                        "tracepoint:syscalls:sys_enter_read", "BEGIN", "interval:s:1",
	                        "profile:hz:99" */
	char *target;        /* tracepoint category, uprobe binary path; else NULL */
	char *func;          /* tracepoint event, kprobe/uprobe function; else NULL */
	uint64_t offset;     /* FUNC+OFFSET */
	uint64_t freq_hz;    /* profile:hz:N */
	uint64_t period_ns;  /* interval:s/ms/us/hz, profile:s/ms/us */
	struct tp_format *tp; /* tracepoint: parsed format, loaded during expansion (owned) */
	int probe;           /* index of the PROBE node (program order) whose action runs */
	int index;           /* index in the points array: the value of `probe` */
	struct span loc;     /* the attach point as written (sema/attach.c), for errors about
	                        this point after sema, e.g. a verifier refusal; may be empty */
	bool wildcard;       /* kprobe: one of a wildcard's matches (may be skipped quietly) */
	bool fentry;         /* kfunc:/kretfunc: (fentry:/fexit:): a kprobe/kretprobe that
	                        always runs as a fentry/fexit program */
};

struct provider {
	const char *name;        /* "tracepoint" */
	const char *aliases[3];  /* "t", NULL */
	enum probe_kind kind;
	uint32_t prog_type;      /* enum bpf_prog_type value */
	/* Expand `text` (full attach point as written, e.g. "t:syscalls:sys_enter_*") into points
	 * appended with probe_points_add(). Returns 0, or -1 with a one-sentence reason in err,
	 * e.g. "tracepoint not found: syscalls:sys_enter_nope". */
	int (*expand)(const struct provider *p, const char *text, struct probe_point **pts,
		      int *n, char *err, size_t errlen);
	/* The kernel runs this kind's programs on one event newest-attached first (uprobe
	 * consumers, kprobes), so its points attach in reverse script order and several
	 * probes on one function still run in the order they are written. */
	bool attach_reverse;
};

/* Find a provider by the text before the first ':' ("t", "tracepoint", "BEGIN"...). */
const struct provider *provider_find(const char *prefix, size_t len);
const struct provider *provider_for_kind(enum probe_kind kind);
/* Expand one attach point: provider lookup + expand. Each new point gets probe = probe_idx;
 * `index` is set to its position in *pts. 0, -1 with the reason in err, or -ENOENT when
 * the target (a kernel function) does not exist, which a caller may skip. */
int provider_expand(const char *text, int probe_idx, struct probe_point **pts, int *n,
		    char *err, size_t errlen);
/* kprobe/kretprobe rows (runtime/probe_kprobe.c): expansion against the traceable kernel
 * functions, and a function's address from /proc/kallsyms (0 if unknown) for `func`. */
int kprobe_expand(const struct provider *p, const char *text, struct probe_point **pts,
		  int *n, char *err, size_t errlen);
uint64_t kprobe_func_addr(const char *func);
/* uprobe/uretprobe rows (runtime/probe_uprobe.c): binary lookup and ELF symbol expansion;
 * points get target = the binary's real path, func = the symbol, offset = file offset. */
int uprobe_expand(const struct provider *p, const char *text, struct probe_point **pts,
		  int *n, char *err, size_t errlen);
/* For expanders: format a one-sentence reason into err; returns -1. */
int provider_fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Append a zeroed point, returning it (NULL on ENOMEM). */
struct probe_point *probe_points_add(struct probe_point **pts, int *n);
void probe_points_free(struct probe_point *pts, int n);

#endif
