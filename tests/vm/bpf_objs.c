/*
 * tests/vm/bpf_objs.c — how many kprobe BPF programs and perf-event BPF links exist in the
 * whole kernel right now (the bpftool-free check that a killed bpfscript left nothing).
 *
 * Prints "progs=N links=M": N programs of type BPF_PROG_TYPE_KPROBE or TRACING (kprobes run
 * as fentry/fexit), M links of type BPF_LINK_TYPE_PERF_EVENT or TRACING, found by walking
 * the kernel's id spaces (BPF_*_GET_NEXT_ID).
 * Must not: depend on libbpf or any process's fds (the point is to see what the kernel
 * still holds after the process is gone). Built by tests/vm/run_vm.sh into build/vm/.
 */
#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static long sys_bpf(int cmd, union bpf_attr *a)
{
	return syscall(__NR_bpf, cmd, a, sizeof(*a));
}

/* Calls info() on every object of one kind; returns how many matched, or -1. */
static int count(int next_cmd, int fd_cmd, int want_type, int want_type2, int is_link)
{
	unsigned int id = 0;
	int n = 0;
	for (;;) {
		union bpf_attr a;
		memset(&a, 0, sizeof(a));
		a.start_id = id;
		if (sys_bpf(next_cmd, &a) < 0)
			return errno == ENOENT ? n : -1;
		id = a.next_id;
		memset(&a, 0, sizeof(a));
		if (is_link)
			a.link_id = id;
		else
			a.prog_id = id;
		int fd = (int)sys_bpf(fd_cmd, &a);
		if (fd < 0)
			continue; /* gone meanwhile */
		struct bpf_prog_info pi;
		struct bpf_link_info li;
		memset(&pi, 0, sizeof(pi));
		memset(&li, 0, sizeof(li));
		memset(&a, 0, sizeof(a));
		a.info.bpf_fd = (unsigned int)fd;
		a.info.info_len = is_link ? sizeof(li) : sizeof(pi);
		a.info.info = (unsigned long)(is_link ? (void *)&li : (void *)&pi);
		if (sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a) == 0) {
			int type = is_link ? (int)li.type : (int)pi.type;
			n += type == want_type || type == want_type2;
		}
		close(fd);
	}
}

int main(void)
{
	int progs = count(BPF_PROG_GET_NEXT_ID, BPF_PROG_GET_FD_BY_ID, BPF_PROG_TYPE_KPROBE,
			  BPF_PROG_TYPE_TRACING, 0);
	int links = count(BPF_LINK_GET_NEXT_ID, BPF_LINK_GET_FD_BY_ID, BPF_LINK_TYPE_PERF_EVENT,
			  BPF_LINK_TYPE_TRACING, 1);
	if (progs < 0 || links < 0) {
		perror("bpf_objs");
		return 1;
	}
	printf("progs=%d links=%d\n", progs, links);
	return 0;
}
