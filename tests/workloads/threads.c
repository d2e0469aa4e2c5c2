/*
 * tests/workloads/threads.c — a process with named threads, for the thread-group tests
 * (leader_tid, leader_comm, signal_thread).
 *
 * Usage: threads K N [HOLD_MS]
 *                      K worker threads, one after the other, each renaming itself
 *                      "workerI" (prctl PR_SET_NAME, I = 1..K) and then making N getppid()
 *                      calls; then the main thread (comm "threads") makes N calls and
 *                      sleeps HOLD_MS milliseconds (default 0) before exiting.
 *        threads -s    one worker, renamed "worker", blocks SIGUSR1, makes ONE getppid()
 *                      call, then reports where SIGUSR1 is pending: for the thread only
 *                      (a thread-directed signal, /proc/thread-self/status SigPnd) or for
 *                      the process (ShdPnd), and takes it; the main thread, which does not
 *                      block SIGUSR1, counts what its handler got. Writes one line to
 *                      stderr (stdout is the tracer's, -f json's):
 *                      "worker: thread-pending T process-pending P; main handler H".
 * Owns: nothing but its own syscalls; e2e tests trace them with `/pid == cpid/`.
 * Must not: make any other getppid() call, print anything in the K N mode, or write to
 * stdout.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long calls;
static volatile sig_atomic_t main_handler;
static int thread_pending = -1, process_pending = -1; /* the worker's findings (-s) */

static void *worker(void *arg)
{
	char name[16];
	snprintf(name, sizeof(name), "worker%ld", (long)(intptr_t)arg);
	prctl(PR_SET_NAME, name, 0, 0, 0);
	for (long i = 0; i < calls; i++)
		syscall(SYS_getppid);
	return NULL;
}

static void on_usr1(int sig)
{
	(void)sig;
	main_handler++;
}

/* SIGUSR1's bit in a pending mask line of /proc/thread-self/status ("SigPnd:", "ShdPnd:") */
static int pending(const char *key)
{
	FILE *f = fopen("/proc/thread-self/status", "r");
	char line[256];
	int bit = -1;
	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, key, strlen(key)) == 0)
			bit = (int)(strtoull(line + strlen(key), NULL, 16) >> (SIGUSR1 - 1) & 1);
	if (f)
		fclose(f);
	return bit;
}

static void *signal_worker(void *arg)
{
	(void)arg;
	sigset_t usr1;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &usr1, NULL);
	prctl(PR_SET_NAME, "worker", 0, 0, 0);
	syscall(SYS_getppid); /* the traced call */
	thread_pending = pending("SigPnd:");
	process_pending = pending("ShdPnd:");
	struct timespec none = { 0, 0 };
	while (sigtimedwait(&usr1, NULL, &none) == SIGUSR1) /* take it, wherever it is */
		;
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t;
	if (argc > 1 && strcmp(argv[1], "-s") == 0) {
		signal(SIGUSR1, on_usr1);
		if (pthread_create(&t, NULL, signal_worker, NULL) != 0)
			return 1;
		pthread_join(t, NULL);
		fprintf(stderr, "worker: thread-pending %d process-pending %d; main handler %d\n",
			thread_pending, process_pending, (int)main_handler);
		return 0;
	}
	long k = argc > 1 ? strtol(argv[1], NULL, 10) : 2;
	calls = argc > 2 ? strtol(argv[2], NULL, 10) : 3;
	for (long i = 1; i <= k; i++) {
		if (pthread_create(&t, NULL, worker, (void *)(intptr_t)i) != 0)
			return 1;
		pthread_join(t, NULL);
	}
	for (long i = 0; i < calls; i++)
		syscall(SYS_getppid);
	if (argc > 3) /* HOLD_MS: stay, so a tracer can still read /proc/PID/maps */
		usleep((useconds_t)strtol(argv[3], NULL, 10) * 1000);
	return 0;
}
