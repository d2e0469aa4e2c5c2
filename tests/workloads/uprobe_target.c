/*
 * tests/workloads/uprobe_target.c — functions with known arguments, called a known number
 * of times, for uprobe/uretprobe/ustack tests.
 *
 * Usage: uprobe_target [N] [HOLD_MS] [WAIT_MS]   (default N = 100, HOLD_MS = WAIT_MS = 0)
 *   first sleeps WAIT_MS milliseconds (for tracers that attach to a running pid with -p), then:
 *   add(i, 2 * i) for i = 0..N-1        → returns 3i
 *   mul(i, 3) for i = 1..N              → returns 3i
 *   leaf() from mid() from outer(), N times (ustack tests expect outer → mid → leaf)
 *   getpid() via libc N times (shared-library uprobe tests)
 *   then sleeps HOLD_MS milliseconds before exiting, so a tracer can still read its
 *   /proc/PID/maps, and so two copies can run side by side for -p tests.
 * Owns: nothing but its own calls. Must not: print anything or call the probed functions
 * any other number of times.
 */
/* frame pointers even at -O1: ustack unwinds through them */
#pragma GCC optimize("no-omit-frame-pointer")

#include <stdlib.h>
#include <time.h>
#include <unistd.h>

/* volatile sink: keeps calls and results from being optimised away */
volatile long sink;

__attribute__((noinline)) long add(long a, long b)
{
	__asm__ volatile("" ::: "memory");
	return a + b;
}

__attribute__((noinline)) long mul(long a, long b)
{
	__asm__ volatile("" ::: "memory");
	return a * b;
}

__attribute__((noinline)) long leaf(long x)
{
	__asm__ volatile("" ::: "memory");
	return x + 1;
}

__attribute__((noinline)) long mid(long x)
{
	long r = leaf(x) + 1;
	__asm__ volatile("" ::: "memory");
	return r;
}

__attribute__((noinline)) long outer(long x)
{
	long r = mid(x) + 1;
	__asm__ volatile("" ::: "memory");
	return r;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (ms > 0 && nanosleep(&ts, &ts) != 0)
		;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 100;
	long hold_ms = argc > 2 ? strtol(argv[2], NULL, 10) : 0;
	long wait_ms = argc > 3 ? strtol(argv[3], NULL, 10) : 0;

	sleep_ms(wait_ms);

	for (long i = 0; i < n; i++)
		sink += add(i, 2 * i);
	for (long i = 1; i <= n; i++)
		sink += mul(i, 3);
	for (long i = 0; i < n; i++)
		sink += outer(i);
	for (long i = 0; i < n; i++)
		sink += getpid();
	sleep_ms(hold_ms);
	return 0;
}
