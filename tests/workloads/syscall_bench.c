/*
 * tests/workloads/syscall_bench.c — time N getppid() calls with this thread's CPU clock.
 *
 * Usage: syscall_bench [N] [RUNS]   (defaults 200000, 3)
 * Prints one line per run: "ns_per_call X.X", then "best X.X" (the fastest run, the
 * least disturbed by the shared machine). CPU time rather than wall time, so waiting
 * for a CPU does not count; the tracer's BPF program runs in this thread's syscall
 * path and is therefore included, which is exactly what the bench measures.
 * Must not: make other syscalls inside the timed loop.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 200000;
	long runs = argc > 2 ? strtol(argv[2], NULL, 10) : 3;
	double best = -1;

	if (n <= 0 || runs <= 0)
		return 2;
	for (long r = 0; r < runs; r++) {
		double t0 = cpu_ns(), per;

		for (long i = 0; i < n; i++)
			syscall(SYS_getppid);
		per = (cpu_ns() - t0) / (double)n;
		printf("ns_per_call %.1f\n", per);
		if (best < 0 || per < best)
			best = per;
	}
	printf("best %.1f\n", best);
	return 0;
}
