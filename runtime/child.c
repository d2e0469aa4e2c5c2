/*
 * runtime/child.c — the -c command: forked early, held, released, reaped.
 *
 * Owns: forking the child before codegen (its pid is `cpid`), holding it on a pipe until
 * every probe is attached and BEGIN has run, exec'ing the command (directly when it has no
 * shell syntax, else through /bin/sh -c), noticing its exit, and terminating it if the
 * session ends first. If we die while it waits, the pipe reaches EOF and it exits without
 * running the command.
 * Must not: touch BPF or the session's output.
 */
#include "runtime_internal.h"
#include "session.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static bool needs_shell(const char *cmd)
{
	return strpbrk(cmd, "|&;<>()$`\\\"'*?[]#~=%{}\n") != NULL;
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
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
	}
	fprintf(stderr, "ERROR: failed to run command '%s': %s\n", cmd, strerror(errno));
	_exit(127);
}

int rt_child_spawn(const char *cmd, int *pid, int *gate_fd, struct diag *d)
{
	int fds[2];
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

int rt_child_exited(int pid)
{
	int status;
	pid_t r = waitpid(pid, &status, WNOHANG);
	return r == pid || (r < 0 && errno == ECHILD);
}

void rt_child_finish(int pid)
{
	if (pid <= 0)
		return;
	if (rt_child_exited(pid))
		return;
	kill(pid, SIGTERM);
	/* A command that ignores SIGTERM must not make us hang at exit: give it 1 s. */
	for (int i = 0; i < 100; i++) {
		if (rt_child_exited(pid))
			return;
		nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
	}
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
