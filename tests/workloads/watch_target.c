/*
 * tests/workloads/watch_target.c — a variable written a known number of times, after its
 * address is passed to a function, for watchpoint FUNC+argN tests.
 *
 * Usage: watch_target N [WAIT_MS [FIRST_MS [GAP_MS]]]
 * After FIRST_MS ms (default 0; time for a tracer given -p to attach) calls the noinline
 * watch_start(&counter) twice (the same address: a watchpoint armed
 * from it is armed once), waits WAIT_MS ms (default 0; time for an asyncwatchpoint to be
 * armed), then writes counter N times (GAP_MS ms apart, default 0: time for an unwatch()
 * to take effect) and another variable N times, reads counter once and exits. A `w` watchpoint on watch_start+arg0 sees exactly N writes.
 * Owns: nothing. Must not: print.
 */
#include <stdlib.h>
#include <time.h>

static volatile long counter, other;

__attribute__((noinline)) void watch_start(volatile long *p)
{
	__asm__ volatile("" : : "r"(p) : "memory");
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 10;
	long ms = argc > 2 ? strtol(argv[2], NULL, 10) : 0;
	long first = argc > 3 ? strtol(argv[3], NULL, 10) : 0;
	long gap = argc > 4 ? strtol(argv[4], NULL, 10) : 0;
	struct timespec tsg = { gap / 1000, (gap % 1000) * 1000000L };
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	struct timespec ts0 = { first / 1000, (first % 1000) * 1000000L };
	if (first > 0)
		nanosleep(&ts0, NULL);
	watch_start(&counter);
	watch_start(&counter);
	if (ms > 0)
		nanosleep(&ts, NULL);
	for (long i = 0; i < n; i++) {
		if (gap > 0 && i > 0)
			nanosleep(&tsg, NULL);
		counter = i;
		other = i;
	}
	return counter == n - 1 ? 0 : 1;
}
