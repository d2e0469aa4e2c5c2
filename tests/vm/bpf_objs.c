/*
 * tests/vm/bpf_objs.c — how many kprobe BPF programs and perf-event BPF links exist in the
 * whole kernel right now (the bpftool-free check that a killed bpfscript left nothing).
 *
 * Prints "progs=N links=M": N programs of type BPF_PROG_TYPE_KPROBE or TRACING (kprobes run
 * as fentry/fexit), M links of type BPF_LINK_TYPE_PERF_EVENT, TRACING or KPROBE_MULTI,
 * found by walking the kernel's id spaces (BPF_*_GET_NEXT_ID).
 * `bpf_objs multi` instead prints one line per kprobe_multi link, the kernel's own word on
 * it: "multi_link ID prog=PROG_ID count=FUNCTIONS kprobe|kretprobe" (count needs 6.6+).
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

/* struct bpf_link_info's kprobe_multi member (Linux 6.6+; newer than this machine's
 * <linux/bpf.h>): after type, id, prog_id, the union at offset 16 holds addrs (u64),
 * count (u32), flags (u32). Asked with addrs = count = 0, the kernel fills count and flags. */
static void print_multi(unsigned int id, const unsigned char *info)
{
	unsigned int prog_id, cnt, flags;
	memcpy(&prog_id, info + 8, 4);
	memcpy(&cnt, info + 24, 4);
	memcpy(&flags, info + 28, 4);
	printf("multi_link %u prog=%u count=%u %s\n", id, prog_id, cnt,
	       flags & 1 ? "kretprobe" : "kprobe");
}

/* Counts the objects of one kind whose type is one of want[0..2]; -1 on error. With
 * show_multi, prints each kprobe_multi link's fdinfo instead of counting other links. */
static int count(int next_cmd, int fd_cmd, const int want[3], int is_link, int show_multi)
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
		union {
			struct bpf_link_info li;
			unsigned char raw[256];
		} l;
		memset(&pi, 0, sizeof(pi));
		memset(&l, 0, sizeof(l));
		memset(&a, 0, sizeof(a));
		a.info.bpf_fd = (unsigned int)fd;
		a.info.info_len = is_link ? sizeof(l) : sizeof(pi);
		a.info.info = (unsigned long)(is_link ? (void *)&l : (void *)&pi);
		if (sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a) == 0) {
			int type = is_link ? (int)l.li.type : (int)pi.type;
			n += type == want[0] || type == want[1] || type == want[2];
			if (show_multi && type == BPF_LINK_TYPE_KPROBE_MULTI)
				print_multi(id, l.raw);
		}
		close(fd);
	}
}

int main(int argc, char **argv)
{
	static const int progs_want[3] = { BPF_PROG_TYPE_KPROBE, BPF_PROG_TYPE_TRACING, -1 };
	static const int links_want[3] = { BPF_LINK_TYPE_PERF_EVENT, BPF_LINK_TYPE_TRACING,
					   BPF_LINK_TYPE_KPROBE_MULTI };
	if (argc > 1 && strcmp(argv[1], "multi") == 0)
		return count(BPF_LINK_GET_NEXT_ID, BPF_LINK_GET_FD_BY_ID, links_want, 1, 1) < 0;
	int progs = count(BPF_PROG_GET_NEXT_ID, BPF_PROG_GET_FD_BY_ID, progs_want, 0, 0);
	int links = count(BPF_LINK_GET_NEXT_ID, BPF_LINK_GET_FD_BY_ID, links_want, 1, 0);
	if (progs < 0 || links < 0) {
		perror("bpf_objs");
		return 1;
	}
	printf("progs=%d links=%d\n", progs, links);
	return 0;
}
