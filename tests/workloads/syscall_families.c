/*
 * tests/workloads/syscall_families.c — one known call of each member of a syscall family,
 * for bpftrace's own statsnoop, setuids, syncsnoop, naptime and killsnoop (run unmodified
 * by tests/tools/run_upstream_tools.sh), which print one line per call.
 *
 * Usage: syscall_families MODE [ARG]
 *   stat NAME   raw stat(NAME), lstat(NAME.missing), statfs(NAME), statx(NAME.missing), in
 *               that order (the raw syscalls: glibc's stat() is newfstatat, which
 *               statsnoop does not trace); results 0, -ENOENT, 0, -ENOENT
 *   setuid      setuid(0), setresuid(-1, -1, -1), setfsuid(0), setuid(-1) as raw
 *               syscalls; as root: 0, 0, 0 (the previous fsuid), -EINVAL
 *   sync FILE   writes a page to FILE (created, then unlinked), then sync(), syncfs(fd),
 *               fsync(fd), fdatasync(fd), sync_file_range(fd, 0, 4096, WRITE), msync of
 *               a shared mapping of it, once each
 *   nap         raw nanosleep(0.123 s) (glibc's nanosleep() is clock_nanosleep, which
 *               0.17's naptime does not trace), then clock_nanosleep(CLOCK_MONOTONIC, 0.045 s)
 *   kill        tkill(own tid, 0), tgkill(own pid, own tid, 0) (both 0), then
 *               tgkill(own pid, 4194999, SIGUSR2) and kill(4194999, 40) (-ESRCH: that
 *               pid is above PID_MAX_LIMIT, so never a real process)
 * Owns: nothing but its own calls and FILE. Must not: print except on failure, or make
 * another call of these families (the dynamic loader makes none of them).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define NO_SUCH_PID 4194999

static int do_stat(const char *name)
{
	char missing[4096];
	struct stat st;
	struct statfs sf;
	struct statx sx;

	snprintf(missing, sizeof(missing), "%s.missing", name);
	syscall(SYS_stat, name, &st);
	syscall(SYS_lstat, missing, &st);
	syscall(SYS_statfs, name, &sf);
	syscall(SYS_statx, AT_FDCWD, missing, 0, STATX_BASIC_STATS, &sx);
	return 0;
}

static int do_setuid(void)
{
	syscall(SYS_setuid, 0);
	syscall(SYS_setresuid, -1, -1, -1);
	syscall(SYS_setfsuid, 0);
	syscall(SYS_setuid, -1);
	return 0;
}

static int do_sync(const char *file)
{
	char page[4096];
	int fd = open(file, O_CREAT | O_TRUNC | O_RDWR, 0600);
	void *map;

	if (fd < 0) {
		perror("syscall_families: open");
		return 1;
	}
	unlink(file);
	memset(page, 's', sizeof(page));
	if (write(fd, page, sizeof(page)) != (ssize_t)sizeof(page)) {
		perror("syscall_families: write");
		return 1;
	}
	map = mmap(NULL, sizeof(page), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		perror("syscall_families: mmap");
		return 1;
	}
	sync();
	syncfs(fd);
	fsync(fd);
	fdatasync(fd);
	sync_file_range(fd, 0, sizeof(page), SYNC_FILE_RANGE_WRITE);
	((char *)map)[0] = 'm';
	msync(map, sizeof(page), MS_SYNC);
	return 0;
}

static int do_nap(void)
{
	struct timespec a = { 0, 123 * 1000000L }, b = { 0, 45 * 1000000L };

	syscall(SYS_nanosleep, &a, NULL);
	clock_nanosleep(CLOCK_MONOTONIC, 0, &b, NULL);
	return 0;
}

static int do_kill(void)
{
	pid_t me = getpid(), tid = (pid_t)syscall(SYS_gettid);

	syscall(SYS_tkill, tid, 0);
	syscall(SYS_tgkill, me, tid, 0);
	syscall(SYS_tgkill, me, NO_SUCH_PID, SIGUSR2);
	syscall(SYS_kill, NO_SUCH_PID, 40);
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	if (!strcmp(mode, "stat") && argc > 2)
		return do_stat(argv[2]);
	if (!strcmp(mode, "setuid"))
		return do_setuid();
	if (!strcmp(mode, "sync") && argc > 2)
		return do_sync(argv[2]);
	if (!strcmp(mode, "nap"))
		return do_nap();
	if (!strcmp(mode, "kill"))
		return do_kill();
	fprintf(stderr, "usage: syscall_families stat NAME | setuid | sync FILE | nap | kill\n");
	return 2;
}
