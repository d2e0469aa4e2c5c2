/*
 * tests/workloads/malloc_sizes.c — malloc(SIZE) N times from one call site, for
 * scripts/mallocstack.bt.
 *
 * Usage: malloc_sizes N SIZE   (defaults 1000, 4321): N malloc(SIZE) + free() pairs, all
 *   from alloc_one() called by main(), so every one has the same user stack.
 * Owns: nothing. Must not: print, or call malloc any other way after start-up.
 */
/* frame pointers even at -O1: ustack unwinds through them */
#pragma GCC optimize("no-omit-frame-pointer")

#include <stdlib.h>
#include <time.h>

volatile long sink;

__attribute__((noinline)) void *alloc_one(size_t size)
{
	void *p = malloc(size);
	__asm__ volatile("" ::: "memory");
	return p;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;
	size_t size = argc > 2 ? strtoul(argv[2], NULL, 10) : 4321;

	for (long i = 0; i < n; i++) {
		char *p = alloc_one(size);
		sink += p != NULL;
		free(p);
	}
	/* Stay alive a moment: user stacks are symbolised from /proc/PID/maps, which the
	 * tracer re-reads every 50 ms while the -c child runs (see README). */
	struct timespec ts = { 0, 300 * 1000 * 1000 };
	nanosleep(&ts, NULL);
	return 0;
}
