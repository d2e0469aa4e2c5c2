/*
 * runtime/child.c — the -c command: forked early, held, released, reaped.
 *
 * Owns: forking the child before codegen (its pid is `cpid`), holding it on a pipe until
 * every probe is attached and BEGIN has run, exec'ing the command (directly when it has no
 * shell syntax, else through /bin/sh -c), noticing its exit, and terminating it if the
 * session ends first. If we die while it waits, the pipe reaches EOF and it exits without
 * running the command. For dw_ustack the child is let go early under ptrace and held at
 * its program's entry point (its libraries mapped, so their unwind tables can be read)
 * until the session detaches it (rt_child_run_to_entry, rt_child_detach).
 * Must not: touch BPF or the session's output.
 */
#include "runtime_internal.h"
#include "session.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static bool first_word_is_builtin(const char *cmd)
{
	static const char *const builtins[] = { /* first words only the shell can run */
		"exec", "eval", "command", "cd", ".", "exit", "export", "ulimit", "umask", "trap",
		"if", "for", "while", "until", "case", "!", "set", "unset", "readonly",
	};
	cmd += strspn(cmd, " \t");
	size_t wl = strcspn(cmd, " \t");
	for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
		if (wl == strlen(builtins[i]) && !strncmp(cmd, builtins[i], wl))
			return true;
	return false;
}

/* Only shell syntax goes through /bin/sh -c, since the shell forks the command (dash does
 * not exec the last one) and `cpid` would then be the shell's pid, not the command's. A
 * '=' counts only in the first word (`VAR=value cmd`): `dd if=/dev/zero bs=4096` runs
 * directly, as bpftrace runs it. Quotes alone are not shell syntax: bpftrace splits -c on
 * blanks and keeps them (`prog 'A'` passes the argument 'A' with its quotes), and so do
 * we; with other shell syntax around, the shell reads them. */
static bool needs_shell(const char *cmd)
{
	if (strpbrk(cmd, "|&;<>()$`\\*?[]#~{}\n") || first_word_is_builtin(cmd))
		return true;
	cmd += strspn(cmd, " \t");
	return memchr(cmd, '=', strcspn(cmd, " \t")) != NULL;
}

/* Split on blanks; only used for commands with no shell syntax. */
static char **split_words(const char *cmd)
{
	size_t n = 0, len = strlen(cmd);
	char **argv = calloc(len / 2 + 2, sizeof(char *));
	char *copy = strdup(cmd);
	if (!argv || !copy) {
		free(argv);
		free(copy);
		return NULL;
	}
	char *save = NULL;
	for (char *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save))
		argv[n++] = w;
	argv[n] = NULL;
	return argv; /* the words point into copy, which lives until exec */
}

static void child_main(const char *cmd, int gate)
{
	char c;
	ssize_t r;
	/* If we are killed outright (SIGKILL, OOM) nothing runs rt_child_finish: the kernel
	 * sends the child SIGTERM instead, so no -c command outlives its tracer. Set before
	 * the gate read, so a parent that dies first is seen as EOF there. */
	prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
	do
		r = read(gate, &c, 1);
	while (r < 0 && errno == EINTR);
	if (r != 1)
		_exit(0); /* session gave up (or died) before attaching: run nothing */
	close(gate);
	char **argv = needs_shell(cmd) ? NULL : split_words(cmd);
	if (argv && argv[0]) {
		execvp(argv[0], argv);
	} else {
		/* one simple command with shell syntax (quotes, redirections, $VAR): `exec` it
		 * so the shell is replaced and `cpid` is the command's pid; lists, pipelines,
		 * groups and leading VAR=value assignments run as written */
		const char *w = cmd + strspn(cmd, " \t");
		size_t wl = strcspn(w, " \t");
		bool simple = !strpbrk(cmd, "|&;(){}\n") && !memchr(w, '=', wl) &&
			      !first_word_is_builtin(cmd);
		char *ecmd = NULL;
		if (simple && asprintf(&ecmd, "exec %s", cmd) < 0)
			ecmd = NULL;
		execl("/bin/sh", "sh", "-c", ecmd ? ecmd : cmd, (char *)NULL);
	}
	fprintf(stderr, "ERROR: failed to run command '%s': %s\n", cmd, strerror(errno));
	_exit(127);
}

/* The command's program, when it runs without a shell, must exist and be executable:
 * checked before anything is compiled or attached so a typo is an error (non-zero exit,
 * as bpftrace's "Failed to fork child"), not a trace of a child that failed to exec. */
static int check_program(const char *cmd, struct diag *d)
{
	if (needs_shell(cmd))
		return 0; /* /bin/sh reports its own errors */
	cmd += strspn(cmd, " \t");
	size_t len = strcspn(cmd, " \t");
	char prog[4096];
	if (len == 0 || len >= sizeof(prog)) {
		diag_error_noloc(d, "-c: %s command", len ? "too long a" : "empty");
		return -EINVAL;
	}
	memcpy(prog, cmd, len);
	prog[len] = '\0';
	int err = 0;
	if (strchr(prog, '/')) {
		if (access(prog, X_OK) < 0)
			err = -errno;
	} else {
		const char *path = getenv("PATH");
		err = -ENOENT;
		for (const char *p = path ? path : "/usr/bin:/bin"; err && p;) {
			const char *colon = strchr(p, ':');
			int n = colon ? (int)(colon - p) : (int)strlen(p);
			char full[8192];
			if (snprintf(full, sizeof(full), "%.*s/%s", n ? n : 1, n ? p : ".", prog) <
				    (int)sizeof(full) &&
			    access(full, X_OK) == 0)
				err = 0;
			p = colon ? colon + 1 : NULL;
		}
	}
	if (err)
		diag_error_noloc(d, "cannot run command '%s': '%s' %s", cmd, prog,
				 err == -ENOENT ? "was not found" : "is not executable");
	return err;
}

int rt_child_spawn(const char *cmd, int *pid, int *gate_fd, struct diag *d)
{
	int fds[2];
	int cerr = check_program(cmd, d);
	if (cerr)
		return cerr;
	if (pipe2(fds, O_CLOEXEC) < 0) {
		diag_error_noloc(d, "cannot start command '%s': %s", cmd, strerror(errno));
		return -errno;
	}
	fflush(NULL); /* the child must not repeat our buffered output */
	pid_t p = fork();
	if (p < 0) {
		int err = -errno;
		close(fds[0]);
		close(fds[1]);
		diag_error_noloc(d, "cannot start command '%s': %s", cmd, strerror(-err));
		return err;
	}
	if (p == 0) {
		close(fds[1]);
		child_main(cmd, fds[0]);
	}
	close(fds[0]);
	*pid = p;
	*gate_fd = fds[1];
	return 0;
}

void rt_child_release(int *gate_fd)
{
	if (*gate_fd < 0)
		return;
	ssize_t r;
	do
		r = write(*gate_fd, "g", 1);
	while (r < 0 && errno == EINTR);
	close(*gate_fd);
	*gate_fd = -1;
}

/* Wait for a ptrace stop of pid; the stop's status, or -1 when it exited instead. */
static int wait_stop(int pid)
{
	int st;
	for (;;) {
		pid_t r = waitpid(pid, &st, __WALL);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 || WIFEXITED(st) || WIFSIGNALED(st))
			return -1;
		if (WIFSTOPPED(st))
			return st;
	}
}

static uint64_t auxv_entry(int pid)
{
	char p[64];
	snprintf(p, sizeof(p), "/proc/%d/auxv", pid);
	FILE *f = fopen(p, "re");
	uint64_t kv[2], entry = 0;
	if (!f)
		return 0;
	while (fread(kv, sizeof(kv), 1, f) == 1 && kv[0])
		if (kv[0] == 9) /* AT_ENTRY */
			entry = kv[1];
	fclose(f);
	return entry;
}

int rt_child_run_to_entry(int pid, int *gate_fd, struct diag *d)
{
	if (ptrace(PTRACE_SEIZE, pid, 0, PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL) < 0) {
		diag_error_noloc(d, "dw_ustack: cannot trace the -c command: %s", strerror(errno));
		return -1;
	}
	rt_child_release(gate_fd);
	/* the exec stop: the program and its dynamic loader are mapped, nothing ran yet */
	for (;;) {
		int st = wait_stop(pid);
		if (st < 0)
			goto gone;
		if (st >> 8 == (SIGTRAP | (PTRACE_EVENT_EXEC << 8)))
			break;
		ptrace(PTRACE_CONT, pid, 0, WSTOPSIG(st) == SIGTRAP ? 0 : WSTOPSIG(st));
	}
	uint64_t entry = auxv_entry(pid);
	errno = 0;
	long word = entry ? ptrace(PTRACE_PEEKTEXT, pid, (void *)entry, 0) : -1;
	if (!entry || errno ||
	    ptrace(PTRACE_POKETEXT, pid, (void *)entry, (void *)((word & ~0xffL) | 0xcc)) < 0) {
		diag_error_noloc(d, "dw_ustack: cannot stop the -c command at its entry point");
		kill(pid, SIGKILL); /* it must not run unobserved */
		return -1;
	}
	/* run the dynamic loader: the breakpoint at the entry point stops it */
	ptrace(PTRACE_CONT, pid, 0, 0);
	for (;;) {
		int st = wait_stop(pid);
		if (st < 0)
			goto gone;
		if (WSTOPSIG(st) == SIGTRAP) {
			struct user_regs_struct regs;
			if (ptrace(PTRACE_GETREGS, pid, 0, &regs) == 0 && regs.rip == entry + 1) {
				ptrace(PTRACE_POKETEXT, pid, (void *)entry, (void *)word);
				regs.rip = entry;
				ptrace(PTRACE_SETREGS, pid, 0, &regs);
				return 0;
			}
			ptrace(PTRACE_CONT, pid, 0, 0);
		} else {
			ptrace(PTRACE_CONT, pid, 0, WSTOPSIG(st));
		}
	}
gone:
	diag_error_noloc(d, "dw_ustack: the -c command exited before its entry point");
	return -1;
}

void rt_child_detach(int pid)
{
	if (pid > 0)
		ptrace(PTRACE_DETACH, pid, 0, 0);
}

int rt_child_exited(int pid)
{
	int status;
	pid_t r = waitpid(pid, &status, WNOHANG);
	return r == pid || (r < 0 && errno == ECHILD);
}

/* Signal every descendant of root (children first found via /proc/PID/stat's ppid, to
 * any depth): a -c command run through /bin/sh -c leaves its own children behind when
 * only the shell is killed. Bounded: at most 4096 processes are tracked. */
static void kill_descendants(int root, int sig)
{
	enum { MAX_TREE = 4096 };
	int *tree = malloc(sizeof(int) * MAX_TREE);
	int n = 0, grew = 1;
	if (!tree)
		return;
	tree[n++] = root;
	while (grew && n < MAX_TREE) {
		grew = 0;
		DIR *dir = opendir("/proc");
		if (!dir)
			break;
		struct dirent *de;
		while ((de = readdir(dir)) && n < MAX_TREE) {
			int pid = atoi(de->d_name), ppid = 0, known = 0;
			if (pid <= 0)
				continue;
			for (int i = 0; i < n && !known; i++)
				known = tree[i] == pid;
			if (known)
				continue;
			char path[64], buf[512];
			snprintf(path, sizeof(path), "/proc/%d/stat", pid);
			FILE *f = fopen(path, "r");
			if (!f)
				continue;
			size_t len = fread(buf, 1, sizeof(buf) - 1, f);
			fclose(f);
			buf[len] = '\0';
			/* "pid (comm) state ppid": comm may hold spaces or ')' — use the last ')' */
			char *rp = strrchr(buf, ')');
			if (!rp || sscanf(rp + 1, " %*c %d", &ppid) != 1)
				continue;
			for (int i = 0; i < n; i++) {
				if (tree[i] == ppid) {
					tree[n++] = pid;
					grew = 1;
					break;
				}
			}
		}
		closedir(dir);
	}
	for (int i = 1; i < n; i++)
		kill(tree[i], sig);
	free(tree);
}

void rt_child_finish(int pid)
{
	if (pid <= 0)
		return;
	if (rt_child_exited(pid))
		return;
	kill_descendants(pid, SIGTERM);
	kill(pid, SIGTERM);
	/* A command that ignores SIGTERM must not make us hang at exit: give it 1 s. */
	for (int i = 0; i < 100; i++) {
		if (rt_child_exited(pid))
			return;
		nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
	}
	kill_descendants(pid, SIGKILL); /* an ignored SIGTERM is inherited across exec */
	kill(pid, SIGKILL);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
}

int session_child_spawn(struct session_opts *o, struct diag *d)
{
	o->child_pid = 0;
	o->child_gate_fd = -1;
	if (!o->child_cmd)
		return 0;
	return rt_child_spawn(o->child_cmd, &o->child_pid, &o->child_gate_fd, d);
}
