/*
 * tests/workloads/kill_child.c — kill(2) calls with known signals and known results, for
 * scripts/killsnoop.bt.
 *
 * Usage: kill_child
 *   forks a child that waits in pause(), sends it SIGUSR1 (10; the child has a handler, so
 *   the call returns 0), then SIGTERM (15, returns 0), reaps it, and finally sends
 *   SIGUSR2 (12) to pid 4194999 (above PID_MAX_LIMIT, so never a real process: -ESRCH, -3).
 * Owns: nothing but its own child. Must not: signal any other process, or print.
 */
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NO_SUCH_PID 4194999

static void on_usr1(int sig)
{
	(void)sig;
}

int main(void)
{
	struct timespec ms10 = { 0, 10 * 1000000L };
	pid_t child;

	signal(SIGUSR1, on_usr1); /* inherited: the child survives SIGUSR1 */
	child = fork();
	if (child < 0)
		return 1;
	if (child == 0) {
		for (;;)
			pause();
	}
	nanosleep(&ms10, NULL);
	kill(child, SIGUSR1);
	nanosleep(&ms10, NULL);
	kill(child, SIGTERM);
	waitpid(child, NULL, 0);
	kill(NO_SUCH_PID, SIGUSR2);
	return 0;
}
