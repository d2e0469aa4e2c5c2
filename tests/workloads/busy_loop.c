/*
 * tests/workloads/busy_loop.c — burn CPU in user space for MS milliseconds, then exit 0.
 *
 * Usage: busy_loop [MS]   (default 300)
 * For profile:hz tests: the process is on-CPU the whole time so samples land on it.
 * Must not: sleep or make syscalls inside the loop beyond reading the clock.
 */
#include <stdlib.h>
#include <time.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	long ms = argc > 1 ? strtol(argv[1], NULL, 10) : 300;
	double end = now_ms() + (double)ms;
	volatile unsigned long x = 0;

	while (now_ms() < end)
		for (int i = 0; i < 10000; i++)
			x += (unsigned long)i;
	return 0;
}
