/*
 * runtime/session.c — one tracing run, from a checked program to printed maps.
 *
 * Owns the lifecycle and its order: create maps → codegen with their fds → load every
 * program → attach every probe (nothing is attached until all loaded) → run BEGIN →
 * release the -c child → poll events until exit(), a signal or the child's exit (or, for
 * a kind that runs when read, iter, read it once) → detach →
 * run END → drain → print every map in name order → close everything, on every path.
 * Must not: parse, type-check, generate code or format output itself; errors are one
 * sentence each through struct diag.
 */
#include "session.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "runtime_internal.h"
#include "testmode.h"
#include "../stdlib/symfmt.h"

/* Poll timeout: an upper bound on how long a signal or child exit waits to be noticed when
 * epoll_wait is not interrupted (e.g. the signal hit another thread). */
#define POLL_MS 50

/* The only file-scope state of the runtime: what the signal handlers below write, which
 * a handler can reach no other way (they take no context). signals_install resets them
 * at each session's start. */
static volatile sig_atomic_t stop_signal;
static volatile sig_atomic_t print_request; /* SIGUSR1: print every map, keep tracing */
static struct timespec stop_signal_at; /* CLOCK_MONOTONIC when it arrived, for -v */

/* Every catchable signal whose default would end the process (README "Signals"):
 * SIGUSR1 prints the maps and tracing goes on; each of the others ends the run the way
 * Ctrl-C does (END runs, the maps print, everything is detached). SIGSEGV, SIGBUS, SIGILL,
 * SIGFPE, SIGTRAP, SIGSYS and SIGABRT count only when another process sent them (kill,
 * sigqueue, tgkill): a real fault of our own goes to the action that was there before
 * (the default, or the sanitizer's report). SIGKILL and SIGSTOP cannot be caught; SIGTSTP,
 * SIGTTIN and SIGTTOU keep their default (the run pauses, nothing ends). */
static const int stop_signals[] = {
	SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGUSR2, SIGALRM, SIGVTALRM, SIGPROF,
	SIGXCPU, SIGXFSZ, SIGPWR, SIGIO, SIGSTKFLT,
};
static const int fault_signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGSYS, SIGABRT };
#define NSTOP (sizeof(stop_signals) / sizeof(stop_signals[0]))
#define NFAULT (sizeof(fault_signals) / sizeof(fault_signals[0]))
#define NRT 32 /* SIGRTMIN..SIGRTMIN+31, at most */

struct saved_signals {
	struct sigaction stop[NSTOP], fault[NFAULT], rt[NRT], usr1;
	int nrt;
};
static struct sigaction fault_old[NFAULT]; /* for the handler: where real faults go (set
					    * by signals_install, read only by the handler) */

static void on_stop_signal(int sig)
{
	if (!stop_signal)
		clock_gettime(CLOCK_MONOTONIC, &stop_signal_at); /* async-signal-safe */
	stop_signal = sig;
}

static void on_print_signal(int sig)
{
	(void)sig;
	print_request = 1;
}

static void on_fault_signal(int sig, siginfo_t *si, void *uc)
{
	if (si && si->si_code <= 0) { /* SI_USER, SI_QUEUE, SI_TKILL: sent, not a fault */
		on_stop_signal(sig);
		return;
	}
	for (size_t i = 0; i < NFAULT; i++) {
		if (fault_signals[i] != sig)
			continue;
		const struct sigaction *old = &fault_old[i];
		if ((old->sa_flags & SA_SIGINFO) && old->sa_sigaction) {
			old->sa_sigaction(sig, si, uc);
			return;
		}
		/* the default (or ignore): put it back and let the fault happen again */
		sigaction(sig, old, NULL);
		if (old->sa_handler == SIG_DFL || old->sa_handler == SIG_IGN)
			return;
		old->sa_handler(sig);
		return;
	}
}

static void signals_install(struct saved_signals *s)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal; /* no SA_RESTART: epoll_wait must return EINTR */
	sigemptyset(&sa.sa_mask);
	stop_signal = 0;
	print_request = 0;
	for (size_t i = 0; i < NSTOP; i++)
		sigaction(stop_signals[i], &sa, &s->stop[i]);
	s->nrt = SIGRTMAX - SIGRTMIN + 1 < NRT ? SIGRTMAX - SIGRTMIN + 1 : NRT;
	for (int i = 0; i < s->nrt; i++)
		sigaction(SIGRTMIN + i, &sa, &s->rt[i]);
	sa.sa_handler = on_print_signal;
	sigaction(SIGUSR1, &sa, &s->usr1);
	struct sigaction fa;
	memset(&fa, 0, sizeof(fa));
	fa.sa_sigaction = on_fault_signal;
	fa.sa_flags = SA_SIGINFO;
	sigemptyset(&fa.sa_mask);
	for (size_t i = 0; i < NFAULT; i++) {
		sigaction(fault_signals[i], NULL, &fault_old[i]);
		s->fault[i] = fault_old[i];
		sigaction(fault_signals[i], &fa, NULL);
	}
}

static void signals_restore(const struct saved_signals *s)
{
	for (size_t i = 0; i < NSTOP; i++)
		sigaction(stop_signals[i], &s->stop[i], NULL);
	for (int i = 0; i < s->nrt; i++)
		sigaction(SIGRTMIN + i, &s->rt[i], NULL);
	sigaction(SIGUSR1, &s->usr1, NULL);
	for (size_t i = 0; i < NFAULT; i++)
		sigaction(fault_signals[i], &s->fault[i], NULL);
}

/* bpfscript's own PID namespace, for pid(curr_ns)/tid(curr_ns): the nsfs device and inode
 * the kernel's bpf_get_ns_current_pid_tgid compares (0, 0 when unreadable: the helper then
 * fails and those values are 0) */
static void own_pid_ns(struct cg_opts *o)
{
	struct stat st;
	if (stat("/proc/self/ns/pid", &st) == 0) {
		o->pidns_dev = (uint64_t)st.st_dev;
		o->pidns_ino = (uint64_t)st.st_ino;
	}
}

static uint64_t monotonic_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The newest BPF instruction set the running kernel's verifier accepts: cpu v4 (Linux
 * 6.6) lets LLVM store immediates to the stack directly, one instruction fewer per key.
 * BPFSCRIPT_BPF_CPU=v3|v4 overrides (to compare, or for a kernel that backports). */
static const char *bpf_cpu_for_kernel(void)
{
	const char *force = getenv("BPFSCRIPT_BPF_CPU");
	if (force && (!strcmp(force, "v3") || !strcmp(force, "v4")))
		return force;
	struct utsname u;
	int major = 0, minor = 0;
	if (uname(&u) == 0 && sscanf(u.release, "%d.%d", &major, &minor) == 2 &&
	    (major > 6 || (major == 6 && minor >= 6)))
		return "v4";
	return "v3";
}

struct kinfo *session_kinfo_new(void)
{
	return kinfo_new(&(struct kinfo_files){ .tracefs_root = tracefs_root });
}

/* --dry-run: code generation against stand-in fds; nothing reaches the kernel. */
static int dry_run(struct node *prog, struct sema_result *sr, struct session_opts *o,
		   struct diag *d)
{
	int *fds = calloc((size_t)(sr->nmaps ? sr->nmaps : 1), sizeof(int));
	if (!fds) {
		diag_error_noloc(d, "out of memory");
		return 1;
	}
	for (int i = 0; i < sr->nmaps; i++)
		fds[i] = 100 + i;
	int stack_fds[sr->nstacks ? sr->nstacks : 1];
	for (int i = 0; i < sr->nstacks; i++)
		stack_fds[i] = 90 - i;
	struct elf_cache elf = { 0 };
	struct cg_symbols syms = rt_codegen_symbols(&elf);
	struct rt_probe_state probes;
	rt_probe_state_init(&probes, sr->kinfo);
	struct cg_opts cg = {
		.map_fds = fds,
		.stack_fds = stack_fds,
		.dw_rows_fd = 93, .dw_pids_fd = 94, .dw_frames_fd = 95,
		.ringbuf_fd = 97,
		.perf_fd = 95,
		.lost_fd = 98,
		.scratch_fd = 99,
		.control_fd = 96,
		.start_ns = monotonic_ns(),
		.cpid = o->child_pid,
		.dump_ir = o->dump_ir,
		.ir_orig = { o->ir_orig[0], o->ir_orig[1] },
		.ir_opt = { o->ir_opt[0], o->ir_opt[1] },
		.elf_out = o->elf_out,
		.dis_out = o->dis_out,
		.verbose = o->verbose,
		.bpf_cpu = bpf_cpu_for_kernel(),
		.syms = &syms,
		.kinfo = sr->kinfo,
	};
	own_pid_ns(&cg);
	struct cg_result res = { 0 };
	int err = 0;
	/* the same kprobe plan as a real run (fentry programs where kprobes would run so),
	 * without asking the kernel to load anything */
	if (rt_kprobe_preflight(&probes, sr, o->verbose, true, d) == 0) {
		cg.fentry_nargs = probes.fentry.nargs;
		err = codegen_run(prog, sr, &cg, d, &res);
	}
	rt_probe_state_free(&probes);
	elf_cache_free(&elf);
	cg_result_free(&res);
	free(fds);
	return err || diag_count(d) ? 1 : 0;
}

/* Each probe point needs a program fd plus a perf event and a link per CPU or event: a
 * wildcard over all syscalls needs ~1100 fds, past the usual soft limit of 1024. */
static void raise_fd_limit(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static int cmp_map_names(const void *a, const void *b, void *ctx)
{
	const struct sema_result *sr = ctx;
	return strcmp(sr->maps[*(const int *)a].name, sr->maps[*(const int *)b].name);
}

/* At the end bpftrace prints two newlines, always to stdout even with -o FILE, then every
 * map sorted by name to the output; on SIGUSR1 (at_exit false) only the maps. */
static int print_all_maps(struct rt_events *ev, bool at_exit, struct diag *d)
{
	const struct sema_result *sr = ev->sr;
	fflush(ev->out);
	if (at_exit && ev->fmt->exit_preamble) {
		fputs(ev->fmt->exit_preamble, stdout);
		fflush(stdout);
	}
	if (!sr->nmaps) {
		if (at_exit && ev->fmt->exit_trailer)
			fputs(ev->fmt->exit_trailer, ev->out);
		return 0;
	}
	int *order = malloc(sizeof(int) * (size_t)sr->nmaps);
	if (!order) {
		diag_error_noloc(d, "out of memory");
		return -ENOMEM;
	}
	for (int i = 0; i < sr->nmaps; i++)
		order[i] = i;
	qsort_r(order, (size_t)sr->nmaps, sizeof(int), cmp_map_names, (void *)sr);
	int err = 0;
	for (int i = 0; i < sr->nmaps && !err; i++) {
		struct map_snapshot snap;
		err = rt_map_read(ev->maps, sr, order[i], &snap);
		if (err) {
			diag_error_noloc(d, "cannot read map %s: %s", sr->maps[order[i]].name,
					 strerror(-err));
			break;
		}
		ev->fmt->print_map(ev->out, &snap, ev->pctx, 0, 0);
		snapshot_free(&snap);
	}
	free(order);
	if (!err && at_exit && ev->fmt->exit_trailer)
		fputs(ev->fmt->exit_trailer, ev->out);
	return err;
}

static int run_special(const struct sema_result *sr, const struct cg_result *cg,
		       const int *prog_fds, enum probe_kind kind, struct diag *d)
{
	for (int i = 0; i < cg->nprogs; i++) {
		const struct probe_point *p = &sr->points[cg->progs[i].point];
		if (p->kind != kind)
			continue;
		int err = rt_run_once(p, prog_fds[i], d);
		if (err)
			return err;
	}
	return 0;
}

/* -v: how fast a stop signal was acted on (Ctrl-C must be, even under a flood). */
static void report_stop(uint64_t t_stop, uint64_t drained, uint64_t skipped)
{
	uint64_t sig = (uint64_t)stop_signal_at.tv_sec * 1000000000ull +
		       (uint64_t)stop_signal_at.tv_nsec;
	fprintf(stderr, "%s: events stopped %.1f ms after the signal; %llu queued events "
		"drained in %.1f ms\n", strsignal(stop_signal), (double)(t_stop - sig) / 1e6,
		(unsigned long long)drained, (double)(monotonic_ns() - t_stop) / 1e6);
	if (skipped)
		fprintf(stderr, "%s: %llu queued system() command%s not run\n",
			strsignal(stop_signal), (unsigned long long)skipped,
			skipped == 1 ? " was" : "s were");
}

/* After exit(), bpftrace 0.17's event loop ends only once it has been quiet for 100 ms,
 * and its probes stay attached until then: what they do meanwhile still lands in the maps
 * (a loop whose first call exits counts all its calls: intcast."Sum casted retval"). The
 * probes send no more events (the stop gate is set) and none is printed; the maps are
 * printed after this pause. Clock-driven probes (PV_CLOCK: profile, interval) stopped in
 * the kernel at exit() already (codegen/emit_probe.c); programs with nothing else
 * attached do not wait; a stop signal ends the pause. */
#define EXIT_GRACE_MS 100

static void exit_grace(struct rt_events *ev, const struct sema_result *sr)
{
	bool attached = false; /* a probe that is neither run once nor a clock */
	for (int i = 0; i < sr->npoints && !attached; i++) {
		const struct provider *pv = provider_for_kind(sr->points[i].kind);
		attached = pv && !(pv->caps & (PV_RUN_ONCE | PV_CLOCK | PV_ITER));
	}
	if (!attached)
		return;
	uint64_t end = monotonic_ns() + EXIT_GRACE_MS * 1000000ull;
	for (uint64_t now = monotonic_ns(); now < end && !stop_signal; now = monotonic_ns()) {
		int left = (int)((end - now) / 1000000u) + 1;
		rt_events_poll(ev, left); /* events after exit() are dropped (ev->ignoring) */
	}
}

static bool has_kernel_symbol(const struct type *t)
{
	if (t->kind == TY_INT && (t->sub == SUB_KSYM || t->sub == SUB_KSTACK))
		return true;
	for (int i = 0; t->kind == TY_TUPLE && i < t->nelems; i++)
		if (has_kernel_symbol(&t->elems[i]))
			return true;
	return false;
}

/* A program that prints kernel symbols (ksym(), kstack, a kprobe's func) reads
 * /proc/kallsyms before tracing starts rather than when it first prints one: loading it
 * takes a second or more on a slow machine, and done inside a print(@) ... clear(@) pair
 * (vfsstat.bt's interval) everything counted meanwhile was cleared unprinted. */
static void preload_kernel_symbols(const struct sema_result *sr, const struct print_syms *ps)
{
	bool need = false;
	for (int i = 0; i < sr->nmaps && !need; i++)
		need = has_kernel_symbol(&sr->maps[i].key) || has_kernel_symbol(&sr->maps[i].val);
	for (int i = 0; i < sr->nfmts && !need; i++)
		for (int k = 0; k < sr->fmts[i].nargs && !need; k++)
			need = has_kernel_symbol(&sr->fmts[i].args[k]);
	char buf[8];
	if (need && ps->ksym)
		ps->ksym(ps->ctx, 0, false, buf, sizeof(buf)); /* loads kallsyms once */
}

static void flush_events(struct rt_events *ev)
{
	rt_events_drain(ev);
	if (!ev->full_buffered)
		fflush(ev->out);
}

int session_run(struct node *prog, struct sema_result *sr, struct session_opts *o,
		struct diag *d)
{
	if (o->dry_run)
		return dry_run(prog, sr, o, d);

	int rc = 1, err;
	struct rt_maps maps;
	struct cg_result cg = { 0 };
	struct rt_links links = { 0 };
	struct rt_events ev = { 0 };
	struct saved_signals sigs;
	int *prog_fds = NULL;
	int *same_as = NULL; /* per point: the point whose program it shares, or -1 */
	int *probe_ids = NULL; /* per point: the value of `probe` (codegen's probe_id) */
	const char **names = NULL, **strf = NULL, **funcs = NULL;
	bool signals_set = false;
	struct rt_stacks stacks = { 0 };
	struct print_syms syms;
	struct rt_metrics_server *metrics = NULL;
	struct rt_probe_state probes; /* the probe kinds' plans and records for this session */
	struct cg_symbols cgsyms;
	struct rt_dw dw = { -1, -1, -1, 0 };
	bool child_traced = false; /* dw_ustack: the -c child waits at its entry point */

	rt_probe_state_init(&probes, sr->kinfo);
	rt_libbpf_quiet(o->verbose);
	links.ps = &probes;
	links.pid = o->target_pid;
	links.child_pid = o->child_pid;
	links.ringbuf_fd = -1;
	if (rt_kprobe_preflight(&probes, sr, o->verbose, false, d))
		goto out_child;
	rt_uprobe_plan(&probes, sr, o->target_pid, o->verbose);
	raise_fd_limit();
	if (sr->dw_frames) { /* dw_ustack: the targets' unwind tables, before codegen */
		int pids[RT_DW_MAX_PIDS], np = 0;
		if (o->target_pid > 0)
			pids[np++] = o->target_pid;
		if (o->child_pid > 0) {
			if (rt_child_run_to_entry(o->child_pid, &o->child_gate_fd, d))
				goto out_child;
			child_traced = true;
			pids[np++] = o->child_pid;
		}
		for (int i = 0; i < o->ndwarf_pids && np < RT_DW_MAX_PIDS; i++)
			pids[np++] = o->dwarf_pids[i];
		if (!np) {
			diag_error_noloc(d, "dw_ustack requires a target process. Use -p, -c, or "
					    "--dwarf-pid to specify one.");
			goto out_child;
		}
		if (rt_dw_create(pids, np, sr->dw_frames, &dw, d))
			goto out_child;
		if (o->verbose)
			fprintf(stderr, "dw_ustack: %zu unwind rows for %d process%s\n", dw.nrows, np,
				np == 1 ? "" : "es");
	}
	if (rt_maps_create(sr, o->max_map_keys, &maps, d))
		goto out_child;
	if (rt_stacks_create(sr, &stacks, d))
		goto out_maps;
	rt_stacks_syms(&stacks, &syms);
	if (child_traced) /* its maps now, libraries included: it may exit before a poll */
		rt_stacks_watch(&stacks, o->child_pid);
	if (sr->dw_frames) { /* dw_ustack's processes: as read for their unwind tables */
		rt_stacks_watch(&stacks, o->target_pid);
		for (int i = 0; i < o->ndwarf_pids; i++) /* not watched while running */
			rt_stacks_watch(&stacks, o->dwarf_pids[i]);
	}
	cgsyms = rt_codegen_symbols(&stacks.elf); /* uaddr(): the session's ELF files */
	preload_kernel_symbols(sr, &syms);

	struct cg_opts cgo = {
		.map_fds = maps.fds,
		.ringbuf_fd = maps.ringbuf_fd,
		.perf_fd = maps.perf_fd,
		.lost_fd = maps.lost_fd,
		.scratch_fd = maps.scratch_fd,
		.control_fd = maps.control_fd,
		.stack_fds = stacks.fds,
		.dw_rows_fd = dw.rows_fd,
		.dw_pids_fd = dw.pids_fd,
		.dw_frames_fd = dw.frames_fd,
		.start_ns = monotonic_ns(),
		.cpid = o->child_pid,
		.filter_pid = o->target_pid,
		.dump_ir = o->dump_ir,
		.ir_orig = { o->ir_orig[0], o->ir_orig[1] },
		.ir_opt = { o->ir_opt[0], o->ir_opt[1] },
		.elf_out = o->elf_out,
		.dis_out = o->dis_out,
		.verbose = o->verbose,
		.bpf_cpu = bpf_cpu_for_kernel(),
		.fentry_nargs = probes.fentry.nargs,
		.syms = &cgsyms,
		.kinfo = sr->kinfo,
		.helper_check = o->helper_check,
	};
	own_pid_ns(&cgo);
	if (codegen_run(prog, sr, &cgo, d, &cg) || diag_count(d))
		goto out_maps;

	prog_fds = malloc(sizeof(int) * (size_t)(cg.nprogs ? cg.nprogs : 1));
	names = calloc((size_t)(sr->npoints ? sr->npoints : 1), sizeof(*names));
	funcs = calloc((size_t)(sr->npoints ? sr->npoints : 1), sizeof(*funcs));
	same_as = malloc(sizeof(int) * (size_t)(sr->npoints ? sr->npoints : 1));
	probe_ids = malloc(sizeof(int) * (size_t)(sr->npoints ? sr->npoints : 1));
	if (!prog_fds || !names || !funcs || !same_as || !probe_ids) {
		diag_error_noloc(d, "out of memory");
		goto out_cg;
	}
	int lerr = rt_load_all(&probes, &cg, sr, o->verbose, prog_fds, d);
	while (lerr == -EAGAIN || lerr == -ENOSPC) {
		/* EAGAIN: the JIT refused v4 code the verifier accepted: use v3. ENOSPC: callback
		 * frames past 512 bytes: keep temporaries off the stack (each happens once) */
		cg_result_free(&cg);
		memset(&cg, 0, sizeof(cg));
		if (lerr == -EAGAIN)
			cgo.bpf_cpu = "v3";
		else
			cgo.stack_lean = true;
		if (codegen_run(prog, sr, &cgo, d, &cg) || diag_count(d))
			goto out_cg;
		lerr = rt_load_all(&probes, &cg, sr, o->verbose, prog_fds, d);
	}
	if (lerr)
		goto out_cg;
	for (int i = 0; i < sr->npoints; i++) {
		same_as[i] = -1;
		probe_ids[i] = i;
	}
	for (int i = 0; i < cg.nprogs; i++)
		if (cg.progs[i].point >= 0 && cg.progs[i].point < sr->npoints) {
			same_as[cg.progs[i].point] = cg.progs[i].shared ? cg.progs[i].same_as : -1;
			probe_ids[cg.progs[i].point] = cg.progs[i].probe_id;
		}
	links.points = sr->points;
	links.npoints = sr->npoints;
	links.ringbuf_fd = maps.ringbuf_fd;
	links.same_as = same_as;
	links.probe_ids = probe_ids;

	for (int i = 0; i < sr->npoints; i++) {
		names[i] = sr->points[i].name;
		funcs[i] = sr->points[i].func_label ? sr->points[i].func_label
						    : sr->points[i].func;
	}
	/* strftime() formats by fmt index, for printing timestamps */
	strf = calloc((size_t)(sr->nfmts ? sr->nfmts : 1), sizeof(*strf));
	if (!strf) {
		diag_error_noloc(d, "out of memory");
		goto out_progs;
	}
	for (int i = 0; i < sr->nfmts; i++)
		if (sr->fmts[i].kind == FMT_STRFTIME || sr->fmts[i].kind == FMT_ENUM)
			strf[i] = sr->fmts[i].fmt; /* enum name tables travel the same way */
	struct print_ctx pctx = { .probe_names = names, .nprobes = sr->npoints,
				  .strftime_fmts = strf, .nfmts = sr->nfmts,
				  .func_names = funcs, .syms = &syms };
	ev.out = o->out;
	ev.sr = sr;
	ev.maps = &maps;
	ev.pctx = &pctx;
	if (!o->fmt)
		o->fmt = &output_text;
	ev.fmt = o->fmt;
	ev.cat_bytes_max = o->cat_bytes_max;
	ev.sites = cg.sites;
	ev.nsites = cg.nsites;
	ev.src = d->src;
	ev.links = &links;
	if (rt_events_open(&ev, d))
		goto out_progs;
	if (o->metrics_addr) {
		struct rt_metrics_source ms = { .maps = &maps, .sr = sr, .pctx = &pctx,
						.prog = prog, .src = d->src };
		if (rt_metrics_start(o->metrics_addr, &ms, &metrics, d)) {
			rt_events_close(&ev);
			goto out_progs;
		}
	}

	signals_install(&sigs);
	signals_set = true;
	ev.stop = &stop_signal; /* until the probes stop sending, every poll is bounded */
	ev.full_buffered = o->buffering == SESSION_BUF_FULL;
	if (o->fmt->whole_lines && !o->buffering) {
		/* One write(2) per JSON line (up to 64 KiB), so that a -c child writing to the
		 * same stdout never lands inside one of them. Static, not the session's: the
		 * stream (stdout) keeps using its buffer after the session, until exit. */
		static char json_buf[1 << 16];
		setvbuf(o->out, json_buf, _IOLBF, sizeof(json_buf));
	}
	/* --test/--bench run only those probes; without, a script of nothing else says so */
	int ntests = rt_testmode_count(sr, PROBE_TEST), nbench = rt_testmode_count(sr, PROBE_BENCH);
	if (!o->test_mode && ntests + nbench > 0 && ntests + nbench == sr->npoints) {
		diag_error_noloc(d, ntests ? "No probes to attach; use --test to run test probes."
					   : "No probes to attach; use --bench to run bench probes.");
		goto out_detach;
	}
	/* two passes, as bpftrace: kinds the kernel runs in attach order forward, the others
	 * (provider.h attach_reverse) backward, so that probes on one event run in the order
	 * they are written */
	for (int pass = 0; pass < 2 && !stop_signal && !o->test_mode; pass++) {
		for (int k = 0; k < cg.nprogs; k++) {
			int i = pass ? cg.nprogs - 1 - k : k;
			const struct probe_point *p = &sr->points[cg.progs[i].point];
			const struct provider *pv = provider_for_kind(p->kind);
			if ((pv && pv->attach_reverse) != (pass == 1))
				continue;
			if (rt_attach_point(p, prog_fds[i], &links, d))
				goto out_detach;
			if (stop_signal)
				break;
		}
	}

	/* Printed once every probe is attached (bpftrace 0.17 prints it before attaching, and
	 * its private readiness line after): whoever waits for this line to start a workload
	 * (bpftrace's test engine through peer's notify shim, tests/metrics) never starts it
	 * while a probe is still being attached. */
	if (!o->quiet && !o->test_mode) { /* "Attaching N probes...", or -f json's message */
		o->fmt->attached(o->out, sr->npoints - ntests - nbench);
		fflush(o->out);
	}
	if (!stop_signal && run_special(sr, &cg, prog_fds, PROBE_BEGIN, d))
		goto out_detach;
	flush_events(&ev);
	if (!ev.exit_seen && !stop_signal)
		rt_links_start(&links); /* profile and interval count their period from here */
	if (!ev.exit_seen && !stop_signal) {
		rt_child_release(&o->child_gate_fd);
		if (child_traced) /* dw_ustack: it waited at its entry point */
			rt_child_detach(o->child_pid);
		child_traced = false;
	}
	/* iter: the run is reading the iterator (its printf output), then it ends */
	bool ran = false;
	if (!o->test_mode && !ev.exit_seen && !stop_signal &&
	    rt_run_points(&links, o->out, &ran, d))
		goto out_detach;
	int test_rc = 0;
	if (o->test_mode && !stop_signal) {
		test_rc = rt_testmode_run(&ev, sr, &cg, prog_fds, o->test_mode == SESSION_BENCH, d);
		if (test_rc < 0)
			goto out_detach;
		ran = true;
	}

	while (!ran && !ev.exit_seen && !stop_signal) {
		err = rt_events_poll(&ev, POLL_MS);
		if (err < 0 && err != -EINTR) {
			diag_error_noloc(d, "reading events failed: %s", strerror(-err));
			goto out_detach;
		}
		if (err > 0 && !ev.full_buffered)
			fflush(o->out);
		if (print_request) { /* SIGUSR1: what the maps hold now; tracing goes on */
			print_request = 0;
			/* self:signal:SIGUSR1 probes run first, so the maps show what they did */
			if (run_special(sr, &cg, prog_fds, PROBE_SELF, d))
				goto out_detach;
			flush_events(&ev);
			if (print_all_maps(&ev, false, d))
				goto out_detach;
			fflush(o->out);
		}
		if (sr->uses_usym) { /* so their stacks still resolve after they exit */
			rt_stacks_watch(&stacks, o->child_pid);
			rt_stacks_watch(&stacks, o->target_pid);
		}
		if (o->child_pid > 0 && rt_child_exited(o->child_pid)) {
			o->child_pid = 0;
			break;
		}
		if (o->target_pid > 0 && rt_pid_gone(o->target_pid))
			break; /* -p: the traced process has exited */
	}

	/* What the script printed up to the stop is written now, not after exit()'s grace
	 * period and the detach (an output file is fully buffered while tracing). */
	fflush(o->out);
	/* Stop every probe's events first, so the ring drains in bounded time even under a
	 * flood, then disable what perf can disable (profile, interval). Closing tracepoint and
	 * kprobe events is slow (an RCU grace period each), so it happens after the output. */
	ev.stop = NULL;
	uint64_t t_stop = monotonic_ns();
	rt_maps_stop_events(&maps);
	if (ev.exit_seen && !stop_signal)
		exit_grace(&ev, sr);
	rt_links_disable(&links);
	rt_links_unlink(&links);
	uint64_t before = ev.handled;
	ev.skip_system = stop_signal != 0;
	flush_events(&ev);
	ev.skip_system = false; /* END's own system() calls run */
	if (o->verbose && stop_signal)
		report_stop(t_stop, ev.handled - before, ev.skipped_system);
	ev.ignoring = false;
	if (run_special(sr, &cg, prog_fds, PROBE_END, d))
		goto out_detach;
	flush_events(&ev);
	if (!o->no_print_maps && !o->test_mode && print_all_maps(&ev, true, d))
		goto out_detach;
	fflush(o->out);
	uint64_t lost = rt_lost_count(&maps);
	if (lost) /* on stderr, or -f json's message on the output, as bpftrace 0.17 */
		o->fmt->lost(o->out, lost);
	/* Strings cut short are counted always (codegen/emit_checks.c) but reported only
	 * with -v: a script often copies long paths on purpose, and bpftrace is silent. */
	uint64_t trunc = o->verbose ? rt_lost_slot(&maps, ABI_LOST_STRTRUNC) : 0;
	if (trunc)
		fprintf(stderr, "%llu string%s truncated to %u bytes (BPFTRACE_STRLEN / "
				"BPFTRACE_MAX_STRLEN raises the limit, up to 200)\n",
			(unsigned long long)trunc, trunc == 1 ? " was" : "s were",
			o->strlen ? o->strlen : ABI_STRLEN_DEFAULT);
	/* bpftrace's wording, plus the map, the count and the knob that raises the limit */
	for (int i = 0; i < sr->nmaps && !o->no_warnings; i++) {
		uint64_t full = rt_lost_slot(&maps, ABI_LOST_MAP(i));
		if (full && sr->maps[i].decl != MAP_DECL_NONE) /* let @m = hash(N); */
			fprintf(stderr, "WARNING: Map full; can't update element: %llu updates of "
					"%s were dropped. Try increasing its declared size (%s(%u))\n",
				(unsigned long long)full, sr->maps[i].name,
				sema_map_decl_name(sr->maps[i].decl), sr->maps[i].decl_max);
		else if (full)
			fprintf(stderr, "WARNING: Map full; can't update element: %llu updates of "
					"%s were dropped. Try increasing max_map_keys config "
					"(BPFTRACE_MAP_KEYS, now %u)\n",
				(unsigned long long)full, sr->maps[i].name,
				o->max_map_keys ? o->max_map_keys : ABI_MAP_KEYS_DEFAULT);
	}
	if (!o->no_warnings)
		rt_report_failures(&maps, sr, prog, d->src, o->helper_check, stderr);
	if (ev.err)
		diag_error_noloc(d, "an event from the kernel could not be decoded: %s",
				 strerror(-ev.err));
	rc = ev.err ? 1 : o->test_mode ? test_rc : ev.exit_code;

out_detach:
	rt_metrics_stop(metrics);
	rt_links_close(&links);
	rt_kprobe_cleanup(&probes.kprobe); /* legacy kprobe entries, now that nothing holds them */
	rt_events_close(&ev);
	fflush(o->out);
out_progs:
	for (int i = 0; i < cg.nprogs; i++)
		if (prog_fds[i] >= 0)
			close(prog_fds[i]);
out_cg:
	free(prog_fds);
	free(same_as);
	free(probe_ids);
	free(names);
	free(funcs);
	free(strf);
	cg_result_free(&cg);
out_maps:
	rt_maps_close(&maps);
	rt_stacks_close(&stacks);
out_child:
	rt_probe_state_free(&probes); /* the kinds' plans (and kprobe entries, if not yet) */
	rt_dw_close(&dw);
	if (child_traced) { /* never let go: it must not run its program now */
		kill(o->child_pid, SIGKILL);
		rt_child_detach(o->child_pid);
	}
	if (signals_set)
		signals_restore(&sigs);
	if (o->child_gate_fd >= 0) {
		close(o->child_gate_fd); /* never released: EOF makes it exit unrun */
		o->child_gate_fd = -1;
	}
	rt_child_finish(o->child_pid);
	return rc;
}
