/*
 * tests/workloads/read_sizes.c — read(2) known sizes from /dev/zero on fd 100.
 *
 * Usage: read_sizes K SIZE...   each SIZE is read K times, in argv order
 *        (e.g. `read_sizes 3 1 8 100` does 3 reads of 1, then 3 of 8, then 3 of 100).
 * The reads use fd 100 so scripts can tell them apart from the dynamic loader's own
 * read of libc's ELF header: filter with `/pid == cpid && args->fd == 100/`.
 * Must not: read anything else on fd 100, or print.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define WORK_FD 100

int main(int argc, char **argv)
{
	static char buf[1 << 20];
	long k;
	int fd;

	if (argc < 3) {
		fprintf(stderr, "usage: read_sizes K SIZE...\n");
		return 2;
	}
	k = strtol(argv[1], NULL, 10);
	fd = open("/dev/zero", O_RDONLY);
	if (fd < 0 || dup2(fd, WORK_FD) < 0) {
		perror("read_sizes: /dev/zero");
		return 1;
	}
	close(fd);
	for (int a = 2; a < argc; a++) {
		long size = strtol(argv[a], NULL, 10);

		if (size < 0 || size > (long)sizeof(buf)) {
			fprintf(stderr, "read_sizes: size %ld out of range\n", size);
			return 2;
		}
		for (long i = 0; i < k; i++)
			if (read(WORK_FD, buf, (size_t)size) != size) {
				perror("read_sizes: read");
				return 1;
			}
	}
	close(WORK_FD);
	return 0;
}
