/*
 * runtime/runtime_internal.h — interfaces between the runtime's own files.
 *
 * Owns: the small structs session.c threads through maps.c, loader.c, attach.c, events.c,
 * maps_read.c and child.c. Kernel errors are worded here as one sentence into struct diag.
 * Must not: be included outside runtime/ (session.h is the public face).
 */
#ifndef BPFSCRIPT_RUNTIME_INTERNAL_H
#define BPFSCRIPT_RUNTIME_INTERNAL_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../codegen/codegen.h"
#include "../common/diag.h"
#include "../sema/abi.h"
#include "../sema/sema.h"
#include "elf_symbols.h"
#include "output.h"
#include "provider.h"
#include "snapshot.h"

/* ---- the probe kinds' state for one session ------------------------------------------- */
/* Made by the session before anything is planned, handed to the providers through
 * struct rt_links and to the loader, and freed by the session's teardown
 * (rt_probe_state_free, runtime/attach.c). */
struct rt_probe_state {
	struct kinfo *kinfo;        /* the run's kernel facts (sema_result.kinfo) */
	/* probe_kprobe.c: how kprobes reach this kernel, decided once per session */
	struct rt_kprobe_state {
		int mode;               /* probe_kprobe.c's enum kp_mode; 0: not decided yet */
		bool fentry_forced;     /* BPFSCRIPT_KPROBE_ATTACH=fentry */
		int pmu_type;           /* the kprobe PMU's type number, -1: none */
		int pmu_retprobe_bit;   /* its config bit for a return probe, -1: none */
		char **legacy;          /* kprobe_events entries created ("bpfscript_<pid>/kN") */
		int nlegacy, caplegacy;
	} kprobe;
	/* probe_fentry.c: per point, after rt_fentry_plan */
	struct rt_fentry_plan {
		int *btf_id;            /* FUNC id in the kernel's BTF; 0: not a fentry point */
		int *nargs;             /* the function's BTF argument count, -1: none; NULL: no
		                           plan (kprobes are kprobes) */
		int n;
	} fentry;
	bool uprobe_multi;          /* probe_uprobe_multi.c: uprobes as uprobe_multi links */
};
void rt_probe_state_init(struct rt_probe_state *ps, struct kinfo *ki);
/* Removes the legacy kprobe_events entries this session created (after its links are
 * closed) and frees the plans. */
void rt_probe_state_free(struct rt_probe_state *ps);

/* ---- maps.c: every BPF map of a session ---------------------------------------------- */
struct rt_maps {
	int n;                          /* = sema nmaps */
	int *fds;                       /* user maps, -1 when not created */
	struct abi_map_layout *layouts; /* per user map */
	/* per user map: a keyless hist/lhist was zero()ed and not clear()ed since, so it
	 * still has its element (bpftrace prints "@h: " and a blank line), which its
	 * all-zero slots cannot tell from never having been written */
	bool *zeroed;
	int ringbuf_fd, lost_fd, scratch_fd, control_fd;
	int perf_fd;  /* skboutput()'s PERF_EVENT_ARRAY, -1 when the script has none */
};

int rt_maps_create(const struct sema_result *sr, uint32_t max_keys, struct rt_maps *m,
		   struct diag *d);
void rt_maps_close(struct rt_maps *m);
/* Sets abi_control.stopped: every probe but BEGIN/END stops sending events. */
void rt_maps_stop_events(const struct rt_maps *m);
/* Sum of the per-CPU lost-event counters. */
uint64_t rt_lost_count(const struct rt_maps *m);
/* Sum of one lost-map slot: ABI_LOST_MAP(id) counts dropped updates of a full map. */
uint64_t rt_lost_slot(const struct rt_maps *m, uint32_t key);

/* ---- maps_read.c: BPF map contents → snapshots; clear and zero ----------------------- */
int rt_map_read(const struct rt_maps *m, const struct sema_result *sr, int id,
		struct map_snapshot *out);
int rt_map_clear(const struct rt_maps *m, const struct sema_result *sr, int id);
int rt_map_zero(const struct rt_maps *m, const struct sema_result *sr, int id);
/* Bytes the kernel copies per element for a per-CPU value of size vsize. */
size_t rt_percpu_value_size(uint32_t vsize);

/* ---- loader.c ----------------------------------------------------------------------- */
/* Loads every program; fds[i] for cg->progs[i]. On failure closes what it loaded, adds one
 * sentence to d (and prints the verifier log to stderr when verbose) and returns -errno;
 * -EAGAIN, with nothing in d, when code compiled for BPF CPU v4 passed the verifier but
 * the kernel's JIT could not translate it: compile for v3 and load again; -ENOSPC, with
 * nothing in d, when the verifier counted a loop callback's frame and its caller's past
 * 512 bytes and cg was not compiled stack_lean: compile so and load again. */
int rt_load_all(const struct rt_probe_state *ps, const struct cg_result *cg,
		const struct sema_result *sr, int verbose, int *fds, struct diag *d);
/* libbpf's own messages: shown only with -v. */
void rt_libbpf_quiet(int verbose);

/* ---- btf_funcs.c: BTF func_info for programs with for-loop/len() callbacks ------------ */
struct bpf_func_info;
struct rt_func_btf {
	int fd;                      /* loaded BTF, -1 when no program has callbacks */
	struct bpf_func_info **info; /* [nprogs]: func_info of progs[i], NULL if it has none */
};
int rt_func_btf_load(const struct cg_result *cg, struct rt_func_btf *out, struct diag *d);
void rt_func_btf_free(struct rt_func_btf *b, int nprogs);

/* ---- attach.c ------------------------------------------------------------------------- */
enum rt_fd_kind {
	RT_FD_PERF_EVENT, /* a perf event: can be disabled without closing */
	RT_FD_PERF_HELD,  /* a perf event linked but not enabled yet (rt_links_start) */
	RT_FD_PERF_LINK,  /* the BPF link of a perf event */
	RT_FD_LINK,       /* a BPF link straight to the hook (fentry/fexit, uprobe_multi) */
};
struct rt_links {
	int *fds;       /* link fds and perf event fds */
	uint8_t *kind;  /* enum rt_fd_kind of fds[i] */
	int n, cap;
	struct rt_probe_state *ps; /* the session's probe state, for the attach hooks */
	int pid;        /* -p PID: uprobes fire only in this process (0 = everywhere) */
	int child_pid;  /* -c CMD: the child's pid (watchpoints watch it), 0 = none */
	/* the session's points and, per point, the point whose program it shares (-1: its
	 * own), for providers that link a group at once (kprobe_multi) */
	const struct probe_point *points;
	const int *same_as;
	int npoints;
	/* per point: the value of `probe` (cg_prog.probe_id), the BPF cookie of shared code;
	 * NULL: the point's index */
	const int *probe_ids;
	/* an iter point's BPF link (probe_iter.c), which its run hook reads after BEGIN */
	bool has_run_link;
	int run_link;
	int ringbuf_fd;           /* for runtime-made programs that send events */
	struct rt_watch *watch;   /* FUNC+argN watchpoints armed by events (probe_watchpoint.c) */
};
/* The BPF cookie a point's link carries: what `probe` reads in shared code. */
uint64_t rt_probe_cookie(const struct rt_links *l, const struct probe_point *p);

int rt_attach_point(const struct probe_point *p, int prog_fd, struct rt_links *l,
		    struct diag *d);
/* For providers' attach hooks: */
struct perf_event_attr;
/* perf_event_open(attr, pid, cpu) with close-on-exec: an fd or -errno. */
int rt_perf_open(struct perf_event_attr *attr, int pid, int cpu);
/* Ties prog to an open perf event pfd through a BPF link carrying cookie (what
 * bpf_get_attach_cookie returns: a point's index), then enables the event; both fds are
 * recorded in l (pfd even on failure). 0 or -errno. */
int rt_link_perf(int prog_fd, int pfd, uint64_t cookie, struct rt_links *l);
/* The same leaving the event disabled until rt_links_start(): clock-driven probes
 * (profile, interval) start counting their period after BEGIN has run, so interval:s:1
 * fires a full second after BEGIN (bpftrace 0.17's call.printf_llu). */
int rt_link_perf_held(int prog_fd, int pfd, uint64_t cookie, struct rt_links *l);
/* Enables every held perf event. */
void rt_links_start(struct rt_links *l);
/* Records a direct BPF link fd (fentry, uprobe_multi) just made, or passes on -errno. */
int rt_push_link(struct rt_links *l, int lfd);
/* Detaches one recorded fd before the end (unwatch()): closes it and forgets it. */
void rt_links_drop(struct rt_links *l, int fd);
/* Online CPUs ("0-3,5" in sysfs) into *out (malloc'd): the count, or -errno. */
int rt_online_cpus(int **out);

/* ---- perf_events.c: the software and hardware kinds' shared expansion and attach -------- */
struct perf_event_row {
	const char *name, *alias;  /* "page-faults", "faults" */
	uint64_t config;           /* PERF_COUNT_SW_* / PERF_COUNT_HW_* */
	uint64_t default_period;   /* bpftrace's default COUNT */
};
int rt_perf_event_expand(const struct provider *pv, const struct perf_event_row *rows,
			 size_t nrows, const char *text, struct probe_point **pts, int *n,
			 char *err, size_t errlen);
int rt_perf_event_list(const struct provider *pv, const struct perf_event_row *rows,
		       size_t nrows, const char *rest, const char *full_glob,
		       struct probe_list *out);
/* One counter of `type` per online CPU (or following l->pid); 0 or -errno. */
int rt_perf_event_attach(uint32_t type, const struct probe_point *p, int prog_fd,
			 struct rt_links *l);
/* Stops every perf event at once (fast); the programs stay linked until close. */
void rt_links_disable(struct rt_links *l);
/* Before END: detaches every perf event's program (in parallel: each waits for a grace
 * period) and up to 16 direct links, so END and the printed maps see nothing counted
 * after the stop, as bpftrace 0.17 detaches every probe before END. */
void rt_links_unlink(struct rt_links *l);
/* Detaches and closes everything (slow per fd in the kernel, so done in parallel). */
void rt_links_close(struct rt_links *l);
/* Run a BEGIN/END program once in the calling context. */
int rt_run_once(const struct probe_point *p, int prog_fd, struct diag *d);
/* After BEGIN: the run hook of every point whose kind has one (iter: read the iterator into
 * out). *ran tells whether any did (the session then ends instead of polling events).
 * 0, or -errno with one sentence in d. */
int rt_run_points(const struct rt_links *l, FILE *out, bool *ran, struct diag *d);

/* ---- probe_watchpoint.c: FUNC+argN watchpoints, armed at run time --------------------- */
/* Attaches the uprobe on the point's function that sends its arming event (pid: the traced
 * process); prog_fd is linked to each breakpoint the events arm. 0 or -errno (+ why). */
int rt_watch_func_attach(const struct probe_point *p, int prog_fd, int pid, struct rt_links *l,
			 char *why, size_t whylen);
struct rt_events;
/* An ABI_EV_WATCHPOINT event: arm the breakpoint, let the process go on. 0 or -EINVAL. */
int rt_watchpoint_event(struct rt_events *ev, const uint8_t *data, size_t len);
/* An ABI_EV_UNWATCH event: detach every watchpoint on the address. 0 or -EINVAL. */
int rt_watchpoint_unwatch(struct rt_events *ev, const uint8_t *data, size_t len);
/* Resumes every process still stopped for arming, and frees the watchpoint state. */
void rt_watch_free(struct rt_links *l);

/* ---- probe_iter.c: BPF iterators ------------------------------------------------------- */
/* Would the kernel load an iterator program for bpf_iter_NAME (--info)? */
bool rt_iter_loadable(struct kinfo *ki, const char *name);

/* ---- probe_kprobe.c: kprobe/kretprobe through the kprobe PMU or legacy kprobe_events ---- */
/* Before anything is created: can this kernel run the script's kprobes? 0, or one sentence
 * naming the probe and the reason in d and -errno. */
int rt_kprobe_preflight(struct rt_probe_state *ps, struct sema_result *sr, int verbose,
			bool dry_run, struct diag *d);
/* A disabled perf event for the point (fd), or -errno. */
int rt_kprobe_open(struct rt_probe_state *ps, const struct probe_point *p);
/* Words for an error rt_kprobe_open returned, or NULL for the generic ones. */
const char *rt_kprobe_reason(const struct probe_point *p, int err);
/* Removes every legacy kprobe_events entry this session created (after the links closed)
 * and frees the record (rt_probe_state_free). */
void rt_kprobe_cleanup(struct rt_kprobe_state *ks);
/* After rt_kprobe_preflight: does this kprobe point run as a fentry/fexit program? */
bool rt_kprobe_fentry(const struct rt_probe_state *ps, const struct probe_point *p);

/* ---- probe_kprobe_multi.c: kprobe wildcards through kprobe_multi links ------------------ */
/* After the kprobe mode is known (PMU): marks each wildcard's matches as one group when the
 * kernel accepts kprobe_multi links. */
void rt_kprobe_multi_plan(struct rt_probe_state *ps, struct sema_result *sr, int verbose);
uint32_t rt_kprobe_multi_attach_type(const struct rt_probe_state *ps,
				     const struct probe_point *p);
/* Does the kernel accept a kprobe_multi link (tried on vfs_read)? For --info. */
bool rt_kprobe_multi_available(void);
/* The group leader links every point sharing its program; the others return 0. */
int rt_kprobe_multi_attach(const struct probe_point *p, int prog_fd, struct rt_links *l);

/* ---- probe_fentry.c: kprobe/kretprobe as fentry/fexit programs ------------------------- */
/* Per kprobe point (all: every one, else the kfunc/kretfunc ones): its BTF FUNC id and argument count; drops wildcard matches BTF does
 * not describe (renumbering sr->points), refuses named ones and FUNC+OFFSET. why_fentry
 * ("this kernel has no kprobes") starts the sentences. 0, or -errno with errors in d. */
int rt_fentry_plan(struct rt_probe_state *ps, struct sema_result *sr, int verbose, bool all,
		   const char *why_fentry, struct diag *d);
/* Loader: expected attach type and attach_btf_id of a planned point; -ENOENT if none. */
int rt_fentry_load_info(const struct rt_probe_state *ps, int point, uint32_t *attach_type,
			uint32_t *btf_id, const struct sema_result *sr);
/* A BPF link fd attaching the loaded program, or -errno. */
int rt_fentry_attach(const struct probe_point *p, int prog_fd);
/* Would the kernel load a do-nothing fentry program for func? 0, or -errno + why ("it
 * refuses fentry programs[ too] (reason)"). */
int rt_fentry_probe_load(struct kinfo *ki, const char *func, bool too, char *why,
			 size_t whylen);
/* -lv: "\n    struct file * file..." (params and/or "TYPE retval"), malloc'd; NULL if BTF
 * does not describe func. */
char *rt_fentry_describe(struct kinfo *ki, const char *func, bool params, bool ret);
/* The same for any FUNC_PROTO of btf, from parameter `skip` on. */
struct btf;
struct btf_type;
char *rt_btf_describe_proto(const struct btf *btf, const struct btf_type *proto, int skip,
			    bool params, bool ret);
/* -l without kprobes: fn(name) for every function the kernel's BTF describes (what
 * fentry can attach to); stops at fn's first non-zero return. 0, that value, or -errno. */
int rt_fentry_each_func(struct kinfo *ki, int (*fn)(const char *name, void *ctx), void *ctx);
void rt_fentry_free(struct rt_fentry_plan *plan);

/* ---- stacks.c: kstack/ustack maps and symbolisation for printing --------------------- */
struct print_syms;
struct rt_pid_maps;
struct rt_stacks {
	int n;                               /* = sema nstacks */
	int *fds;                            /* STACK_TRACE maps */
	const struct stack_map_info *info;   /* sema's, by the same index */
	struct kinfo *kinfo;                 /* sema's: kernel addresses → symbols */
	/* The session's symbol caches, shared by the main loop and the metrics server
	 * thread (every entry point takes lock): ELF files by path (also codegen's uaddr()
	 * lookups, rt_codegen_symbols) and the executable mappings of processes by pid. */
	struct elf_cache elf;
	struct rt_pid_maps *pids;
	int npids;
	pthread_mutex_t lock;
};
/* Creates the maps; st's caches start empty. */
int rt_stacks_create(const struct sema_result *sr, struct rt_stacks *st, struct diag *d);
/* Closes the maps and drops every symbol cache (ELF files, process maps). */
void rt_stacks_close(struct rt_stacks *st);
/* Fills the printer's callbacks (stdlib/symfmt.h) for this session. */
void rt_stacks_syms(struct rt_stacks *st, struct print_syms *ps);
/* Re-reads /proc/pid/maps while pid runs, so its stacks resolve after it exits. */
void rt_stacks_watch(struct rt_stacks *st, int pid);

/* ---- probe_uprobe.c: uprobe/uretprobe through the uprobe PMU ------------------------- */
/* -p: has process pid exited (gone, or a zombie)? */
bool rt_pid_gone(int pid);
/* A disabled perf event for the point, only in process pid when pid > 0 (-p), or -errno. */
int rt_uprobe_open(const struct probe_point *p, int pid);
/* Words for an error rt_uprobe_open returned, or NULL for the generic ones. */
const char *rt_uprobe_reason(int err);
/* A uprobe BINARY as written → the real path to open (abs) and the text for probe names
 * (shown). 0, or -1 with one sentence in err (probe: the attach point, for the message). */
int uprobe_find_binary(const char *written, char *abs, size_t alen, char *shown, size_t slen,
		       char *err, size_t errlen, const char *probe);

/* ---- probe_uprobe_multi.c: uprobes as uprobe_multi links (Linux 6.6+) ------------------ */
/* Before loading: should this run's uprobes attach as uprobe_multi links? (-v says which
 * path and why.) Decides what rt_uprobe_multi and rt_uprobe_attach_type answer. */
void rt_uprobe_plan(struct rt_probe_state *ps, const struct sema_result *sr, int pid,
		    int verbose);
/* The expected_attach_type point's program must be loaded with (0: none). */
uint32_t rt_uprobe_attach_type(const struct rt_probe_state *ps, const struct probe_point *p);
/* A uprobe_multi link of prog_fd at the point (fd), or -errno. */
int rt_uprobe_multi_attach(const struct probe_point *p, int prog_fd);

/* ---- events.c ------------------------------------------------------------------------- */
struct ring_buffer;
/* skboutput()'s packets (skb_output.c): the perf buffer on perf_fd and the pcap files of
 * sr's FMT_SKBOUTPUT entries, created now; waiting also watches ring_epfd (the event
 * ring's), so one wait serves both. 0, or -errno after an error in d. */
struct rt_skb;
int rt_skb_open(struct rt_skb **out, int perf_fd, int ring_epfd, const struct sema_result *sr,
		struct diag *d);
/* Wait up to timeout_ms for packets or ring events; the packets are written. 0, -errno */
int rt_skb_wait(struct rt_skb *k, int timeout_ms);
void rt_skb_drain(struct rt_skb *k);
/* Writes what is left, reports lost packets on stderr, closes the files. NULL: nothing. */
void rt_skb_close(struct rt_skb *k);

struct rt_events {
	struct ring_buffer *rb;
	struct rt_skb *skb; /* skboutput()'s packets, NULL without them */
	FILE *out;
	const struct sema_result *sr;
	const struct rt_maps *maps;
	const struct print_ctx *pctx;
	bool exit_seen;   /* an exit() event arrived: stop the session */
	int exit_code;    /* exit(code)'s status (0 for exit()) */
	bool ignoring;    /* after exit(): drop events until END runs */
	const struct output_ops *fmt; /* -f: how maps, values and messages print */
	uint32_t cat_bytes_max; /* cat(): bytes per call (BPFTRACE_CAT_BYTES_MAX) */
	bool full_buffered; /* -B full: the output is written when its buffer fills and at
			       exit, not flushed after each batch of events */
	int err;          /* first error while handling an event */
	/* While polling: a non-zero *stop (a signal) ends the batch at once, and a batch never
	 * handles more than EV_BATCH events, so a flood cannot keep the loop from seeing a
	 * signal, exit() or the child's exit. NULL while draining after the probes stop. */
	const volatile sig_atomic_t *stop;
	const struct cg_helper_site *sites; /* -k/-kk call sites, by event index */
	int nsites;
	const struct source *src; /* the script, to locate those sites */
	struct rt_links *links;   /* the session's: watchpoints armed by events join them */
	unsigned batch;   /* events handled in the current poll */
	uint64_t handled; /* events handled in all */
	/* Draining after a stop signal: system() commands still queued are not run (counted
	 * here instead), as bpftrace 0.17 drops every queued event after SIGINT; a flood of
	 * them would otherwise take minutes to drain. Output events still print. */
	bool skip_system;
	uint64_t skipped_system;
	uint64_t nerrorf; /* errorf() messages printed (a --test probe that prints one fails) */
};

int rt_events_open(struct rt_events *ev, struct diag *d);
/* Waits up to timeout_ms; returns events handled or -errno (-EINTR when *stop was set or
 * a batch of events ended the call early; the events after it stay queued). */
int rt_events_poll(struct rt_events *ev, int timeout_ms);
/* Handles whatever is queued without waiting. */
int rt_events_drain(struct rt_events *ev);
void rt_events_close(struct rt_events *ev);
/* async.c: system(), cat() and join() events (payload after the event header). */
int rt_async_event(struct rt_events *ev, const uint8_t *p, size_t len);
/* names.c: a uid's user name and a cgroup id's paths, for printing (stdlib/symfmt.h) */
bool rt_username(uint64_t uid, char *buf, size_t len);
bool rt_cgroup_path(uint64_t id, const char *filter, char *buf, size_t len);
/* failures.c: a -k/-kk helper_error event; at exit, one line per probe whose probe reads
 * or map updates failed (counted without -k too). */
int rt_helper_error_event(struct rt_events *ev, const uint8_t *p, size_t len);
/* Every probe of the program in order: its attach points as written, failed probe reads
 * and failed map updates so far (for --metrics). */
void rt_each_probe_failures(const struct rt_maps *maps, const struct sema_result *sr,
			    const struct node *prog, const struct source *src,
			    void (*fn)(void *ctx, const char *probe, uint64_t reads, uint64_t upd),
			    void *ctx);
void rt_report_failures(const struct rt_maps *maps, const struct sema_result *sr,
			const struct node *prog, const struct source *src, int helper_check,
			FILE *out);

/* ---- metrics_body.c, metrics_server.c: --metrics HOST:PORT ----------------------------- */
struct rt_metrics_source {
	const struct rt_maps *maps;
	const struct sema_result *sr;
	const struct print_ctx *pctx;
	const struct node *prog;
	const struct source *src;
};
/* The whole /metrics body: every map (sorted by name), lost events and per-probe failure
 * counters; OpenMetrics (ending "# EOF") when om, else Prometheus text 0.0.4. 0 or -errno. */
int rt_metrics_render(FILE *out, const struct rt_metrics_source *ms, bool om);
struct rt_metrics_server;
/* Binds HOST:PORT and starts the server thread; prints "Serving metrics on ..." to stderr.
 * 0, or -errno with one sentence in d. */
int rt_metrics_start(const char *hostport, const struct rt_metrics_source *ms,
		     struct rt_metrics_server **out, struct diag *d);
/* Stops the thread and closes every connection (NULL: nothing). */
void rt_metrics_stop(struct rt_metrics_server *s);

/* ---- codegen_symbols.c: uaddr() lookups lent to codegen ---------------------------------- */
/* Answers from the session's ELF files (cache: the session's, e.g. rt_stacks.elf). */
struct elf_cache;
struct cg_symbols rt_codegen_symbols(struct elf_cache *cache);

/* ---- dw_unwind.c: dw_ustack's unwind tables --------------------------------------------- */
#define RT_DW_MAX_PIDS 64
struct rt_dw {
	int rows_fd, pids_fd, frames_fd;
	size_t nrows;
};
/* The rows of the processes pids (each process without any: a warning on stderr) in new
 * maps, frames: the largest dw_ustack limit. 0, or -1 after an error in d. */
int rt_dw_create(const int *pids, int npids, uint32_t frames, struct rt_dw *dw, struct diag *d);
void rt_dw_close(struct rt_dw *dw);

/* ---- child.c -------------------------------------------------------------------------- */
int rt_child_spawn(const char *cmd, int *pid, int *gate_fd, struct diag *d);
/* Lets the held child exec its command. */
void rt_child_release(int *gate_fd);
/* dw_ustack: let the held child exec under ptrace and stop it at its program's entry
 * point (libraries mapped); it stays stopped until rt_child_detach. 0, or -1 after an
 * error in d. */
int rt_child_run_to_entry(int pid, int *gate_fd, struct diag *d);
void rt_child_detach(int pid);
/* 1 once the child has exited (reaped), 0 while it runs. */
int rt_child_exited(int pid);
/* Terminate (if still running) and reap. */
void rt_child_finish(int pid);

#endif
