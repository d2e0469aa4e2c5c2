/*
 * tests/workloads/oom_victim.c — an out-of-memory kill confined to a memory cgroup of its
 * own, for scripts/oomkill.bt.
 *
 * Usage: oom_victim
 *   creates a memory cgroup (v1 `memory` hierarchy, or cgroup v2) below this process's own
 *   cgroup with a 32 MiB limit, forks a child that moves itself into it and touches
 *   256 MiB, so the kernel's OOM killer picks that child (oom:mark_victim); reaps it,
 *   removes the cgroup, and exits 0 if the child died of SIGKILL, else 1.
 * Owns: its own cgroup directory (bpfscript_oom_PID) and its own child. Must not: let any
 * other process be chosen (the limit applies to the child alone), or print except on failure.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define LIMIT (32L << 20)
#define TOUCH (256L << 20)

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	int err;

	if (!f)
		return -errno;
	err = fputs(text, f) < 0 ? -EIO : 0;
	if (fclose(f) != 0 && !err)
		err = -errno;
	return err;
}

/* The directory of this process's memory cgroup: v1 "N:memory:/path", else v2 "0::/path". */
static int own_cgroup(char *dir, size_t len)
{
	char line[512], v2[512] = "";
	FILE *f = fopen("/proc/self/cgroup", "r");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *p = strchr(line, ':'), *q = p ? strchr(p + 1, ':') : NULL;

		if (!q)
			continue;
		q[strcspn(q, "\n")] = '\0';
		if (strncmp(p + 1, "memory:", 7) == 0 && access("/sys/fs/cgroup/memory", F_OK) == 0) {
			snprintf(dir, len, "/sys/fs/cgroup/memory%s", q + 1);
			fclose(f);
			return 1;
		}
		if (p[1] == ':')
			snprintf(v2, sizeof(v2), "%s", q + 1);
	}
	fclose(f);
	if (access("/sys/fs/cgroup/cgroup.controllers", F_OK) != 0)
		return -ENOENT;
	snprintf(dir, len, "/sys/fs/cgroup%s", v2);
	return 2;
}

int main(void)
{
	char base[600], cg[700], path[800], num[32];
	int version, status = 0;
	pid_t child;

	version = own_cgroup(base, sizeof(base));
	if (version < 0) {
		fprintf(stderr, "oom_victim: no memory cgroup hierarchy\n");
		return 1;
	}
	snprintf(cg, sizeof(cg), "%s/bpfscript_oom_%d", base, (int)getpid());
	if (mkdir(cg, 0755) && errno != EEXIST) {
		perror("oom_victim: mkdir cgroup");
		return 1;
	}
	snprintf(num, sizeof(num), "%ld", LIMIT);
	snprintf(path, sizeof(path), "%s/%s", cg, version == 1 ? "memory.limit_in_bytes" : "memory.max");
	if (write_file(path, num)) {
		perror("oom_victim: memory limit");
		rmdir(cg);
		return 1;
	}
	if (version == 2) {
		snprintf(path, sizeof(path), "%s/memory.swap.max", cg);
		write_file(path, "0");
	}
	child = fork();
	if (child == 0) {
		char *mem;

		snprintf(path, sizeof(path), "%s/cgroup.procs", cg);
		snprintf(num, sizeof(num), "%d", (int)getpid());
		if (write_file(path, num))
			_exit(3);
		mem = mmap(NULL, TOUCH, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (mem == MAP_FAILED)
			_exit(4);
		for (long i = 0; i < TOUCH; i += 4096)
			mem[i] = 1;
		_exit(5); /* not killed: the limit did not hold */
	}
	if (child > 0)
		waitpid(child, &status, 0);
	/* the cgroup is empty once the child is reaped; retry briefly while it drains */
	for (int i = 0; i < 100 && rmdir(cg) && errno == EBUSY; i++)
		usleep(10000);
	if (child < 0 || !WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL) {
		fprintf(stderr, "oom_victim: child was not OOM-killed (status %#x)\n", status);
		return 1;
	}
	return 0;
}
