/*
 * tests/workloads/open_names.c — openat(2) each NAME relative to a directory on fd 100.
 *
 * Usage: open_names NAME...   opens /tmp/NAME via openat(100, NAME, O_RDONLY), in argv
 * order; a missing file is fine (the syscall is still made; the tracepoint sees it).
 * fd 100 lets scripts skip the dynamic loader's own openat() calls:
 * `/pid == cpid && args->dfd == 100/`.
 * Must not: open anything else relative to fd 100, or print.
 */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#define DIR_FD 100

int main(int argc, char **argv)
{
	int fd = open("/tmp", O_RDONLY | O_DIRECTORY);

	if (fd < 0 || dup2(fd, DIR_FD) < 0) {
		perror("open_names: /tmp");
		return 1;
	}
	close(fd);
	for (int a = 1; a < argc; a++) {
		int f = openat(DIR_FD, argv[a], O_RDONLY);

		if (f >= 0)
			close(f);
	}
	return 0;
}
