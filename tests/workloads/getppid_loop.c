/*
 * tests/workloads/getppid_loop.c — make exactly N getppid() system calls, then exit 0.
 *
 * Usage: getppid_loop [N]   (default 1000)
 * Owns: nothing but its own syscalls; e2e tests count them with `/pid == cpid/`.
 * Must not: make any other getppid() call, print, or sleep (tracers hold the child with
 * -c until attached, so no start-up delay is needed).
 */
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;

	/* The raw syscall: a libc wrapper is free to cache or batch, the kernel count is not. */
	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);
	return 0;
}
