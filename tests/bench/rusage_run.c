/*
 * tests/bench/rusage_run.c — run a command, report its wall time and peak RSS.
 *
 * Usage: rusage_run CMD [ARG...]   prints "WALL_MS MAXRSS_KB STATUS" on stdout.
 * The child's stdout/stderr go to /dev/null so the numbers are the only output.
 * /usr/bin/time -f '%e' has 10 ms resolution, too coarse for start-up times; here the
 * wall clock is CLOCK_MONOTONIC around fork..wait4 and the peak RSS is wait4's
 * ru_maxrss of that one child (the tracers are single processes).
 * Must not: run through a shell, or count the helper's own memory.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	struct rusage ru;
	double t0;
	int status;
	pid_t pid;

	if (argc < 2) {
		fprintf(stderr, "usage: rusage_run CMD [ARG...]\n");
		return 2;
	}
	t0 = now_ms();
	pid = fork();
	if (pid < 0) {
		perror("rusage_run: fork");
		return 1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
		}
		execvp(argv[1], argv + 1);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) < 0) {
		perror("rusage_run: wait4");
		return 1;
	}
	printf("%.2f %ld %d\n", now_ms() - t0, ru.ru_maxrss,
	       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	return 0;
}
