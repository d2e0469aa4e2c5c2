/*
 * codegen/codegen.h — lowering the typed AST to BPF instructions with the LLVM C API.
 *
 * Owns: one BPF program per probe point, generated into an in-memory ELF object by LLVM's
 * BPF back end and returned as raw instruction arrays (map references are already
 * resolved: maps are created by the runtime first and their fds are embedded with
 * llvm.bpf.pseudo, so no relocation processing or BTF is needed).
 * Must not: create maps, load programs or attach (runtime/ does), or print diagnostics
 * except through struct diag.
 */
#ifndef BPFSCRIPT_CODEGEN_H
#define BPFSCRIPT_CODEGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../common/diag.h"
#include "../common/ast.h"
#include "../sema/sema.h"

/* A function inside a program: the entry, then for-loop/len() callbacks, which the
 * kernel accepts only with BTF func_info (runtime/btf_funcs.c builds it). */
struct cg_func {
	uint32_t insn_off;   /* first instruction */
	bool is_callback;    /* static (map, key, value, ctx) callback; else the entry (ctx) */
};

struct cg_prog {
	int point;           /* index into sema_result.points */
	bool shared;         /* the same code as progs[same_as] (an earlier one): loaded once
	                        and linked to each point with probe_id as BPF cookie, which
	                        `probe` reads; false: its own program */
	int same_as;
	int probe_id;        /* the value of `probe` here: the first point of the same name
	                        (points that print alike are one map key, as bpftrace's probe
	                        strings are), which the printer names */
	uint32_t prog_type;  /* enum bpf_prog_type value */
	void *insns;         /* struct bpf_insn[insn_cnt], malloc'd */
	size_t insn_cnt;
	char name[16];       /* BPF object name, e.g. "p3" (kernel limit 16 incl. NUL) */
	struct cg_func *funcs; /* malloc'd, by insn_off; NULL when the program is one function */
	int nfuncs;
};

/* User-space symbol addresses for uaddr(), looked up by the runtime
 * (runtime/codegen_symbols.c): codegen reads no ELF file itself. Without it (unit tests,
 * fuzzing) uaddr() is a compile error. */
struct cg_symbols {
	void *ctx;           /* the runtime's, passed back to each lookup */
	/* name's link-time address in the ELF file path; *pie: position-independent */
	int (*user_addr)(void *ctx, const char *path, const char *name, uint64_t *addr,
			 bool *pie);
	/* the link-time address of file offset off in path */
	int (*user_vaddr)(void *ctx, const char *path, uint64_t off, uint64_t *vaddr);
};

struct cg_opts {
	const int *map_fds;  /* [sema nmaps]; fds of the user maps (fake values in dry runs) */
	int ringbuf_fd;
	int perf_fd;         /* skboutput()'s PERF_EVENT_ARRAY (runtime/skb_output.c), 0: none */
	int lost_fd;
	int scratch_fd;
	int control_fd;      /* abi.h's control map; <= 0: no stop gate (unit tests, fuzzing) */
	const int *stack_fds; /* [sema nstacks]: STACK_TRACE maps for kstack/ustack */
	/* dw_ustack (sema dw_frames > 0): the unwind rows, the processes' row ranges and a
	 * per-CPU array whose one value holds the frames being unwound (abi.h) */
	int dw_rows_fd, dw_pids_fd, dw_frames_fd;
	uint64_t start_ns;   /* CLOCK_MONOTONIC at start, for `elapsed` */
	int cpid;            /* pid of the -c child, 0 if none */
	uint64_t pidns_dev;  /* bpfscript's PID namespace (/proc/self/ns/pid st_dev, st_ino): */
	uint64_t pidns_ino;  /* pid(curr_ns), tid(curr_ns) */
	int filter_pid;      /* -p PID: every attached probe runs only in this process (0: all) */
	FILE *dump_ir;       /* --dump=ir: write the optimised LLVM IR here; NULL = no dump */
	/* -d codegen, -d codegen-opt, --emit-llvm, --emit-elf: more places for the IR before
	 * and after optimisation (each with an optional title line block) and the BPF ELF
	 * object LLVM emits; NULL = none */
	struct cg_dump {
		FILE *out;
		const char *title;
	} ir_orig[2], ir_opt[2];
	FILE *elf_out;
	FILE *dis_out;       /* -d dis: each program's instructions as text (disasm.c) */
	int verbose;
	/* LLVM BPF CPU: "v4" where the kernel accepts its instructions (Linux 6.6+: store of
	 * an immediate, sign-extending loads, ...), NULL = "v3", which every 5.x kernel runs */
	const char *bpf_cpu;
	/* kprobes run as fentry/fexit programs (BPF_PROG_TYPE_TRACING, ctx = u64 arguments):
	 * [sema npoints], the BTF argument count of each kprobe point's function (-1 for
	 * other points). NULL: kprobes are kprobes (pt_regs). */
	const int *fentry_nargs;
	const struct cg_symbols *syms; /* NULL: uaddr() cannot be resolved */
	/* The run's kernel facts (sema_result.kinfo): kernel symbol addresses for kaddr(),
	 * percpu_kaddr() and a kprobe's `func`. codegen reads no kallsyms itself; NULL (unit
	 * tests, fuzzing): those are compile errors. */
	struct kinfo *kinfo;
	/* -k (1) / -kk (2): failing helpers send ABI_EV_HELPER_ERROR events (emit_checks.c);
	 * 0: failures are only counted */
	int helper_check;
	/* Every temporary that can live in the scratch map does (the largest stack reserve):
	 * the loader asks for it when the verifier refused a loop callback's frame plus its
	 * caller's as past 512 bytes ("combined stack size"). */
	bool stack_lean;
};

/* A helper call whose failure -k/-kk report: the event carries its index. */
struct cg_helper_site {
	int helper;          /* enum bpf_func_id */
	struct span loc;     /* the expression or statement that made the call */
};

struct cg_result {
	struct cg_prog *progs;
	int nprogs;
	struct cg_helper_site *sites; /* -k/-kk call sites, by ABI_EV_HELPER_ERROR index */
	int nsites;
	bool cpu_v4;         /* compiled for BPF CPU v4 (a loader may ask for v3 instead) */
	bool stack_lean;     /* compiled with cg_opts.stack_lean (else a loader may ask for it) */
};

int codegen_run(struct node *prog, const struct sema_result *sr, const struct cg_opts *opts,
		struct diag *d, struct cg_result *out);
void cg_result_free(struct cg_result *r);

#endif
