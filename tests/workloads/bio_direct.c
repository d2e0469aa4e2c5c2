/*
 * tests/workloads/bio_direct.c — block I/O of a known size that bypasses the page cache,
 * for scripts/biolatency.bt and scripts/biosnoop.bt.
 *
 * Usage: bio_direct FILE N   writes N blocks of 4096 bytes to FILE with O_DIRECT|O_DSYNC
 *   (each write is one 4096-byte request issued by this process), reads them back with
 *   O_DIRECT, then unlinks FILE. FILE must be on a block device (not tmpfs), e.g. under /var/tmp.
 * Owns: FILE only. Must not: print except on failure.
 */
#define _GNU_SOURCE /* O_DIRECT */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BLOCK 4096

int main(int argc, char **argv)
{
	long n = argc > 2 ? strtol(argv[2], NULL, 10) : 16;
	void *buf;
	int fd;

	if (argc < 2 || posix_memalign(&buf, BLOCK, BLOCK))
		return 2;
	memset(buf, 'b', BLOCK);
	fd = open(argv[1], O_CREAT | O_TRUNC | O_WRONLY | O_DIRECT | O_DSYNC, 0600);
	if (fd < 0) {
		perror("bio_direct: open");
		return 1;
	}
	for (long i = 0; i < n; i++) {
		if (pwrite(fd, buf, BLOCK, i * BLOCK) != BLOCK) {
			perror("bio_direct: O_DIRECT write");
			unlink(argv[1]);
			return 1;
		}
	}
	close(fd);
	fd = open(argv[1], O_RDONLY | O_DIRECT);
	for (long i = 0; fd >= 0 && i < n; i++)
		if (pread(fd, buf, BLOCK, i * BLOCK) != BLOCK)
			break;
	if (fd >= 0)
		close(fd);
	unlink(argv[1]);
	free(buf);
	return 0;
}
