/*
 * tests/workloads/iter_target.c — a process for the iter tests to find: it opens PATH on
 * fd 77, maps it, starts one thread named "iter_worker", then waits SECS seconds (or until
 * killed). `iter:task` sees its two tasks, `iter:task_file` fd 77 with PATH, `iter:task_vma`
 * the mapping of PATH among the ranges /proc/PID/maps lists.
 *
 * Usage: iter_target PATH [SECS]   (SECS default 30; fd 77 exists once it is set up)
 * Owns: nothing. Must not: print.
 */
#define _GNU_SOURCE /* pthread_setname_np */
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

static unsigned secs = 30;

static void *worker(void *arg)
{
	(void)arg;
	sleep(secs);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	if (argc > 2)
		secs = (unsigned)strtoul(argv[2], NULL, 10);
	int fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 1;
	if (mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED)
		return 1;
	pthread_t t;
	if (pthread_create(&t, NULL, worker, NULL))
		return 1;
	pthread_setname_np(t, "iter_worker");
	/* fd 77 last: once it exists, everything the tests look for is in place */
	if (dup2(fd, 77) < 0)
		return 1;
	sleep(secs);
	return 0;
}
