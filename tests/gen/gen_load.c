/*
 * tests/gen/gen_load.c — load harness for the program generator (tests/gen/gen.py).
 *
 * Owns: taking scripts from stdin, and for each one, in a forked child, the same stages as a
 * real run up to and including the kernel load: parse → sema → create maps and stack maps →
 * codegen → bpf_prog_load of every program (the verifier runs) → close everything. Nothing
 * is attached and no probe runs. The result goes to stdout for the generator to classify.
 * Must not: judge outcomes (gen.py does), attach probes, or keep anything loaded between
 * scripts. A crash, sanitizer report or hang in one child is that script's result only.
 *
 * Protocol (binary-safe): in  "P <nbytes>\n" + nbytes of script text, repeated;
 *                         out "R <status> <nbytes>\n" + nbytes of the child's stdout+stderr,
 * where status is "exit:N", "signal:N" or "timeout". Exit 0: every program loaded; 1: an
 * error was reported through diag (printed like bpfscript prints it). Scripts are checked
 * as with `--unsafe -c CMD PROG 5 abc` (cpid is 0: no child runs).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "codegen/codegen.h"
#include "common/diag.h"
#include "common/kinfo.h"
#include "parser/parse.h"
#include "runtime/session.h"
#include "runtime/runtime_internal.h"
#include "sema/abi.h"
#include "sema/sema.h"
#include "stdlib/builtins.h"

/* A hang guard, not a speed check: the verifier walking a big program to its 1M-instruction
 * limit (then refusing it as too large, a KNOWN outcome) took 44 s on an idle machine and
 * over 60 s while the test suite ran beside it (seed 1:21522). */
#define CHILD_TIMEOUT_S 300

static uint64_t monotonic_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The kernel facts of every script: read once in the parent (main), inherited by every
 * child copy-on-write. */
static struct kinfo *kinfo;

/* In the child: compile and load text; returns the exit code. */
static int compile_and_load(const char *text, size_t len)
{
	struct source src;
	if (src_from_string(&src, "stdin", text, len))
		return 2;
	/* as `bpfscript --unsafe -c CMD -e PROG 5 abc` would check it: every function is
	 * allowed, `cpid` exists, $1 is a number and str($2) a string */
	static char *pos[] = { "5", "abc" };
	struct sema_opts sopts = { .strlen = ABI_STRLEN_DEFAULT, .unsafe = true,
				   .have_cpid = true, .npos = 2, .pos = pos, .kinfo = kinfo,
				   .probes = &rt_probes, .builtins = &builtin_set };
	struct diag d;
	struct sema_result sr = { 0 };
	struct rt_maps maps;
	struct rt_stacks stacks = { 0 };
	struct rt_probe_state probes;
	struct cg_symbols syms;
	struct cg_result cg = { 0 };
	int *fds = NULL, rc = 1;
	bool maps_made = false, stacks_made = false;
	diag_init(&d, &src);
	rt_libbpf_quiet(0);
	rt_probe_state_init(&probes, kinfo);

	struct node *prog = parse_program(&src, &d);
	if (!prog || diag_count(&d))
		goto out;
	if (sema_run(prog, &sopts, &d, &sr) || diag_count(&d))
		goto out;
	if (rt_kprobe_preflight(&probes, &sr, 0, false, &d))
		goto out;
	rt_uprobe_plan(&probes, &sr, 0, 0);
	/* nothing runs: a few keys per map verify the same code, and a 4096-key per-CPU map
	 * costs the kernel far more to allocate and free than loading the program */
	if (rt_maps_create(&sr, 16, &maps, &d))
		goto out;
	maps_made = true;
	if (rt_stacks_create(&sr, &stacks, &d))
		goto out;
	stacks_made = true;
	syms = rt_codegen_symbols(&stacks.elf);
	struct cg_opts cgo = {
		.map_fds = maps.fds,
		.ringbuf_fd = maps.ringbuf_fd,
		.lost_fd = maps.lost_fd,
		.scratch_fd = maps.scratch_fd,
		.control_fd = maps.control_fd,
		.stack_fds = stacks.fds,
		.start_ns = monotonic_ns(),
		.bpf_cpu = "v4",
		.fentry_nargs = probes.fentry.nargs,
		.syms = &syms,
		.kinfo = sr.kinfo,
	};
	if (codegen_run(prog, &sr, &cgo, &d, &cg) || diag_count(&d))
		goto out;
	fds = malloc(sizeof(int) * (size_t)(cg.nprogs ? cg.nprogs : 1));
	if (!fds)
		goto out;
	int lerr = rt_load_all(&probes, &cg, &sr, 0, fds, &d);
	while (lerr == -EAGAIN || lerr == -ENOSPC) { /* as the tracer (session.c) */
		cg_result_free(&cg);
		memset(&cg, 0, sizeof(cg));
		if (lerr == -EAGAIN)
			cgo.bpf_cpu = "v3";
		else
			cgo.stack_lean = true;
		if (codegen_run(prog, &sr, &cgo, &d, &cg) || diag_count(&d))
			goto out;
		free(fds);
		fds = malloc(sizeof(int) * (size_t)(cg.nprogs ? cg.nprogs : 1));
		if (!fds)
			goto out;
		lerr = rt_load_all(&probes, &cg, &sr, 0, fds, &d);
	}
	if (lerr)
		goto out;
	for (int i = 0; i < cg.nprogs; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	rc = diag_count(&d) ? 1 : 0;
out:
	free(fds);
	cg_result_free(&cg);
	if (stacks_made)
		rt_stacks_close(&stacks);
	if (maps_made)
		rt_maps_close(&maps);
	rt_probe_state_free(&probes);
	diag_print(&d, stderr);
	if (diag_count(&d))
		rc = 1;
	sema_result_free(&sr);
	if (prog)
		ast_free(prog);
	diag_free(&d);
	src_free(&src);
	return rc;
}

static int read_exact(FILE *in, char *buf, size_t n)
{
	return fread(buf, 1, n, in) == n ? 0 : -1;
}

int main(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	signal(SIGPIPE, SIG_IGN);
	/* parsed once here, inherited by every child (copy-on-write): kernel BTF and
	 * /proc/kallsyms (kaddr) would otherwise cost each script 20 and 100 ms */
	kinfo = session_kinfo_new();
	if (!kinfo) {
		fprintf(stderr, "gen_load: out of memory\n");
		return 2;
	}
	kinfo_btf(kinfo, NULL, NULL);
	kinfo_ksym_addr(kinfo, "vfs_read");
	char line[64];
	while (fgets(line, sizeof(line), stdin)) {
		size_t len;
		if (sscanf(line, "P %zu", &len) != 1 || len > (16u << 20)) {
			fprintf(stderr, "gen_load: bad request line\n");
			return 2;
		}
		char *text = malloc(len + 1);
		if (!text || read_exact(stdin, text, len)) {
			fprintf(stderr, "gen_load: short script\n");
			free(text);
			return 2;
		}
		text[len] = '\0';
		int p[2];
		if (pipe(p)) {
			perror("gen_load: pipe");
			return 2;
		}
		fflush(stdout);
		pid_t pid = fork();
		if (pid < 0) {
			perror("gen_load: fork");
			return 2;
		}
		if (pid == 0) {
			close(p[0]);
			dup2(p[1], 1);
			dup2(p[1], 2);
			close(p[1]);
			alarm(CHILD_TIMEOUT_S);
			int rc = compile_and_load(text, len);
			free(text);
			fflush(stdout);
			fflush(stderr);
			exit(rc); /* exit, not _exit: LeakSanitizer checks the child */
		}
		free(text);
		close(p[1]);
		size_t cap = 4096, n = 0;
		char *out = malloc(cap);
		ssize_t r;
		for (;;) {
			if (n == cap) {
				char *grown = realloc(out, cap *= 2);
				if (!grown)
					break;
				out = grown;
			}
			r = read(p[0], out + n, cap - n);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				break;
			n += (size_t)r;
		}
		close(p[0]);
		int st = 0;
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		char status[32];
		if (WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM)
			snprintf(status, sizeof(status), "timeout");
		else if (WIFSIGNALED(st))
			snprintf(status, sizeof(status), "signal:%d", WTERMSIG(st));
		else
			snprintf(status, sizeof(status), "exit:%d", WEXITSTATUS(st));
		printf("R %s %zu\n", status, n);
		fwrite(out, 1, n, stdout);
		fflush(stdout);
		free(out);
	}
	kinfo_free(kinfo);
	return 0;
}
