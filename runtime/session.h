/*
 * runtime/session.h — one tracing run, from a checked program to printed maps.
 *
 * Owns the lifecycle: create maps → codegen → load → attach every probe → run BEGIN →
 * poll events until exit()/signal/-c child exit → run END → print maps → detach and
 * close everything on every path.
 * Must not: parse, type-check, or print diagnostics other than through struct diag and
 * the one-sentence kernel-refusal messages.
 */
#ifndef BPFSCRIPT_SESSION_H
#define BPFSCRIPT_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../codegen/codegen.h"
#include "../common/diag.h"
#include "../common/ast.h"
#include "../sema/sema.h"
#include "output.h"

enum { SESSION_BUF_LINE = 1, SESSION_BUF_FULL, SESSION_BUF_NONE };

enum { SESSION_TEST = 1, SESSION_BENCH = 2 };

struct session_opts {
	FILE *out;             /* stdout or -o FILE: printf output and maps */
	bool quiet;            /* -q: no "Attaching N probes..." */
	int verbose;           /* -v: libbpf and verifier detail */
	const char *child_cmd; /* -c CMD, run via /bin/sh -c; NULL if none */
	bool dry_run;          /* --dry-run: codegen only, no kernel */
	FILE *dump_ir;         /* --dump=ir destination or NULL */
	struct cg_dump ir_orig[2], ir_opt[2]; /* -d codegen[-opt], --emit-llvm (codegen.h) */
	FILE *elf_out;         /* --emit-elf: the BPF object is written here */
	FILE *dis_out;         /* -d dis: the programs' instructions as text */
	int buffering;         /* -B: 0 default (flushed after each batch of events),
				* SESSION_BUF_LINE, _FULL (flushed at exit), _NONE */
	bool no_warnings;      /* --no-warnings: no WARNING lines while tracing either */
	int test_mode;         /* SESSION_TEST (--test) or SESSION_BENCH (--bench): run the
				  test:/bench: probes between BEGIN and END, attach nothing,
				  print no maps (runtime/testmode.c); 0: they are not run */
	uint32_t max_map_keys; /* BPFTRACE_MAP_KEYS */
	const struct output_ops *fmt; /* -f: the output format (runtime/output.h); NULL = text */
	uint32_t cat_bytes_max; /* BPFTRACE_CAT_BYTES_MAX: bytes cat() prints per call */
	uint32_t strlen;       /* BPFTRACE_STRLEN (0 = default): for the -v truncation report */
	int child_pid;         /* filled by session_child_spawn() */
	int child_gate_fd;
	int target_pid;        /* -p PID: probes only in this process; stop when it exits */
	const int *dwarf_pids; /* --dwarf-pid PID...: more processes dw_ustack unwinds */
	int ndwarf_pids;
	int helper_check;      /* -k (1), -kk (2): report failing helpers as they fail */
	bool no_print_maps;    /* config print_maps_on_exit = false: no map print at exit */
	const char *metrics_addr; /* --metrics HOST:PORT: serve the maps over HTTP; NULL: no */
};

/* The running kernel's facts (common/kinfo.h), nothing read yet; tracefs is found (and
 * mounted where missing) as the runtime finds it. NULL when out of memory. */
struct kinfo *session_kinfo_new(void);
/* Symbol sizes of the probed files for sema_opts.files (the type of uaddr()), read
 * through an ELF cache of their own (runtime/codegen_symbols.c); NULL when out of memory. */
struct sema_files *session_files_new(void);
void session_files_free(struct sema_files *f);
/* Fork the -c child before codegen (its pid is `cpid`); it waits until released. */
int session_child_spawn(struct session_opts *o, struct diag *d);
/* runtime/privileges.c: 0 if we have CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN), else
 * -EPERM with one sentence naming the missing capabilities added to d. */
int session_check_privileges(struct diag *d);
/* Returns the process exit code: 0 on success, 1 on any error (printed via d). */
int session_run(struct node *prog, struct sema_result *sr, struct session_opts *o,
		struct diag *d);

#endif
