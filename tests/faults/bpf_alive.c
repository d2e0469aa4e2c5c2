/*
 * tests/faults/bpf_alive.c — which of the given BPF object IDs still exist in the kernel.
 *
 * Owns: `bpf_alive prog:ID map:ID link:ID ...` → prints each ID that can still be opened
 * (BPF_{PROG,MAP,LINK}_GET_FD_BY_ID), one per line, and exits 1 if any is alive, 0 if none.
 * The fault tests collect the IDs from the tracer's /proc/PID/fdinfo while it runs and ask
 * this tool after it is gone: robust against other BPF users on the machine, because it
 * only looks at IDs that were ours.
 * Must not: create, change or hold anything (each fd it opens is closed at once). Raw
 * syscall, no libbpf, so it builds like a workload.
 */
#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int get_fd_by_id(int cmd, unsigned int id)
{
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	if (cmd == BPF_PROG_GET_FD_BY_ID)
		a.prog_id = id;
	else if (cmd == BPF_MAP_GET_FD_BY_ID)
		a.map_id = id;
	else
		a.link_id = id;
	return (int)syscall(__NR_bpf, cmd, &a, sizeof(a));
}

int main(int argc, char **argv)
{
	int alive = 0;
	for (int i = 1; i < argc; i++) {
		char kind[8];
		unsigned int id;
		if (sscanf(argv[i], "%7[a-z]:%u", kind, &id) != 2) {
			fprintf(stderr, "bpf_alive: bad argument '%s' (want prog:ID, map:ID or link:ID)\n",
				argv[i]);
			return 2;
		}
		int cmd = strcmp(kind, "prog") == 0  ? BPF_PROG_GET_FD_BY_ID
			  : strcmp(kind, "map") == 0 ? BPF_MAP_GET_FD_BY_ID
						     : BPF_LINK_GET_FD_BY_ID;
		int fd = get_fd_by_id(cmd, id);
		if (fd >= 0) {
			close(fd);
			printf("%s:%u\n", kind, id);
			alive = 1;
		} else if (errno != ENOENT) {
			fprintf(stderr, "bpf_alive: %s:%u: %s\n", kind, id, strerror(errno));
			return 2;
		}
	}
	return alive;
}
