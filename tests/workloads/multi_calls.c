/*
 * tests/workloads/multi_calls.c — known numbers of a few system calls, for exact
 * per-function counts of kprobe wildcards attached through kprobe_multi links (tests/vm).
 *
 * Usage: multi_calls NPID NPPID NPGRP NSTAT PATH
 *        NPID getpid(), NPPID getppid(), NPGRP getpgrp() (raw syscalls), then NSTAT stat()
 *        of PATH; then prints "pid=P ppid=Q pgrp=G" to stderr (one write(2)): the values
 *        those calls returned, for kretprobe retval checks.
 * Linked statically (Makefile): no dynamic loader, so every other system call it makes is
 * libc's start-up and exit, none of them a getpid/getppid/getpgrp or a stat.
 * Must not: write to stdout, or make any other call of these.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 6) {
		fprintf(stderr, "usage: multi_calls NPID NPPID NPGRP NSTAT PATH\n");
		return 2;
	}
	long n[4];
	for (int i = 0; i < 4; i++)
		n[i] = strtol(argv[i + 1], NULL, 10);
	/* report what the counted calls returned: asking libc again would be more calls */
	long pid = 0, ppid = 0, pgrp = 0;
	for (long i = 0; i < n[0]; i++)
		pid = syscall(SYS_getpid);
	for (long i = 0; i < n[1]; i++)
		ppid = syscall(SYS_getppid);
	for (long i = 0; i < n[2]; i++)
		pgrp = syscall(SYS_getpgrp);
	struct stat st;
	for (long i = 0; i < n[3]; i++)
		if (stat(argv[5], &st) != 0)
			return 1;
	char line[100];
	int len = snprintf(line, sizeof(line), "pid=%ld ppid=%ld pgrp=%ld\n", pid, ppid, pgrp);
	return write(2, line, (size_t)len) == len ? 0 : 1;
}
