/*
 * tests/workloads/wakeups.c — N short sleeps, so the scheduler wakes this task N times, for
 * scripts/runqlat.bt.
 *
 * Usage: wakeups N USEC   nanosleep(USEC microseconds) N times (defaults 200, 1000).
 * Owns: nothing. Must not: print.
 */
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 200;
	long us = argc > 2 ? strtol(argv[2], NULL, 10) : 1000;
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };

	for (long i = 0; i < n; i++)
		nanosleep(&ts, NULL);
	return 0;
}
