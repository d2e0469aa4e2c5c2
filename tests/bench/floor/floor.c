/*
 * tests/bench/floor/floor.c — the per-event cost floor: hand-written BPF for each bench
 * script, loaded and attached with plain libbpf syscall wrappers.
 *
 * Usage: floor CASE [BINARY [SYMBOL]]
 *   count    tracepoint:raw_syscalls:sys_enter            { @ = count(); }
 *   pid      tracepoint:syscalls:sys_enter_getppid        { @[pid] = count(); }
 *   hist     sys_enter_read { @s[tid] = nsecs; }  sys_exit_read /@s[tid]/
 *            { @ = hist(nsecs - @s[tid]); delete(@s[tid]); }
 *   lhist    the same with lhist(nsecs - @s[tid], 0, 5000, 250)
 *   uprobe   uprobe:BINARY:SYMBOL (default bench_func)      { @ = count(); }
 *            attached as a uprobe_multi link where the kernel has them (Linux 6.6+: the
 *            cheapest path, no perf event in between), else (or with
 *            FLOOR_UPROBE_ATTACH=perf) through the uprobe PMU
 * Each program is the cheapest BPF known for its script, written instruction by
 * instruction: one map lookup per aggregation, update in place on a hit, a per-CPU array
 * for keyless counts and histograms, a tid-keyed hash for the start times (as
 * libbpf-tools' runqlat does). The protocol is the tracers': print "ready" once attached,
 * run until SIGINT, then print "@: N" (events counted, all CPUs and slots) and exit.
 * Must not: be used by anything but tests/bench/run.sh; it is a yardstick, not a tracer.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* ---- instruction macros (the kernel's filter.h ones are not uapi) */
#define INSN(c, d, s, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), \
						 .off = (o), .imm = (i) })
#define MOV_IMM(d, i)      INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define MOV_REG(d, s)      INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define ALU_IMM(op, d, i)  INSN(BPF_ALU64 | (op) | BPF_K, d, 0, 0, i)
#define ALU_REG(op, d, s)  INSN(BPF_ALU64 | (op) | BPF_X, d, s, 0, 0)
#define LDX(sz, d, s, o)   INSN(BPF_LDX | BPF_MEM | (sz), d, s, o, 0)
#define STX(sz, d, s, o)   INSN(BPF_STX | BPF_MEM | (sz), d, s, o, 0)
#define ST(sz, d, o, i)    INSN(BPF_ST | BPF_MEM | (sz), d, 0, o, i)
#define JMP_IMM(op, d, i, o) INSN(BPF_JMP | (op) | BPF_K, d, 0, o, i)
#define JA(o)              INSN(BPF_JMP | BPF_JA, 0, 0, o, 0)
#define CALL(f)            INSN(BPF_JMP | BPF_CALL, 0, 0, 0, f)
#define EXIT()             INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define LD_MAP(d, fd)      INSN(BPF_LD | BPF_DW | BPF_IMM, d, BPF_PSEUDO_MAP_FD, 0, fd), \
			   INSN(0, 0, 0, 0, 0)
#define R0 0
#define R1 1
#define R2 2
#define R3 3
#define R4 4
#define R6 6
#define R7 7
#define R10 10

#define LH_MIN 0
#define LH_MAX 5000
#define LH_STEP 250
#define LH_SLOTS ((LH_MAX - LH_MIN) / LH_STEP + 2)
#define HIST_SLOTS 66

static volatile sig_atomic_t stop;
static void on_int(int sig) { (void)sig; stop = 1; }

static int die(const char *what)
{
	fprintf(stderr, "floor: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int map_new(enum bpf_map_type t, unsigned key, unsigned val, unsigned n)
{
	int fd = bpf_map_create(t, NULL, key, val, n, NULL);

	return fd < 0 ? die("map create") : fd;
}

/* expected_attach_type of the next program loaded: BPF_TRACE_UPROBE_MULTI (48, Linux 6.6;
 * newer than Debian 12's headers) for the uprobe case, else 0 */
static unsigned int next_attach_type;

static int prog_new(enum bpf_prog_type t, const struct bpf_insn *in, size_t n)
{
	static char log[65536];
	LIBBPF_OPTS(bpf_prog_load_opts, o, .log_buf = log, .log_size = sizeof(log), .log_level = 0,
		    .expected_attach_type = (enum bpf_attach_type)next_attach_type);
	int fd = bpf_prog_load(t, NULL, "GPL", in, n, &o);

	if (fd < 0) {
		o.log_level = 1;
		bpf_prog_load(t, NULL, "GPL", in, n, &o);
		fprintf(stderr, "%s\n", log);
		die("prog load");
	}
	return fd;
}

static int tp_id(const char *cat, const char *ev)
{
	char path[256];
	FILE *f;
	int id = -1;

	snprintf(path, sizeof(path), "/sys/kernel/tracing/events/%s/%s/id", cat, ev);
	f = fopen(path, "re");
	if (!f || fscanf(f, "%d", &id) != 1)
		die(path);
	fclose(f);
	return id;
}

static void attach_perf(int prog, struct perf_event_attr *attr)
{
	int pfd = (int)syscall(__NR_perf_event_open, attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);

	if (pfd < 0)
		die("perf_event_open");
	if (bpf_link_create(prog, pfd, BPF_PERF_EVENT, NULL) < 0)
		die("link");
	if (ioctl(pfd, PERF_EVENT_IOC_ENABLE, 0) < 0)
		die("enable");
}

static void attach_tp(int prog, const char *cat, const char *ev)
{
	struct perf_event_attr a = { .type = PERF_TYPE_TRACEPOINT, .size = sizeof(a),
				     .config = (__u64)tp_id(cat, ev), .sample_period = 1,
				     .wakeup_events = 1, .disabled = 1 };

	attach_perf(prog, &a);
}

static int count_prog(enum bpf_prog_type t, int map);

/* BPF_LINK_CREATE's uprobe_multi attr (Linux 6.6), spelled out for older headers. */
struct uprobe_multi_attr {
	__u32 prog_fd, target_fd, attach_type, flags;
	__u64 path, offsets, ref_ctr_offsets, cookies;
	__u32 cnt, multi_flags, pid, pad;
};

/* The count program as a uprobe_multi link at path+off: fd, or -1 on kernels without. */
static int attach_uprobe_multi(int map, const char *path, unsigned long off)
{
	next_attach_type = 48;
	struct bpf_insn p0[] = { MOV_IMM(R0, 0), EXIT() };
	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = (enum bpf_attach_type)48);
	int probe = bpf_prog_load(BPF_PROG_TYPE_KPROBE, NULL, "GPL", p0, 2, &o);
	if (probe < 0) /* this kernel does not take the attach type at all */
		return -1;
	close(probe);
	int prog = count_prog(BPF_PROG_TYPE_KPROBE, map);
	struct uprobe_multi_attr a = { .prog_fd = (__u32)prog, .attach_type = 48,
				       .path = (__u64)(unsigned long)path,
				       .offsets = (__u64)(unsigned long)&off, .cnt = 1 };
	int fd = (int)syscall(__NR_bpf, BPF_LINK_CREATE, &a, sizeof(a));
	next_attach_type = 0;
	if (fd < 0)
		close(prog);
	return fd;
}

/* File offset of symbol sym in the ELF file path (what a uprobe is placed at). */
static unsigned long sym_offset(const char *path, const char *sym)
{
	unsigned long off = 0, val = 0;
	int fd = open(path, O_RDONLY);
	size_t nph;

	elf_version(EV_CURRENT);
	Elf *e = fd < 0 ? NULL : elf_begin(fd, ELF_C_READ, NULL);
	if (!e)
		die(path);
	for (Elf_Scn *s = elf_nextscn(e, NULL); s && !val; s = elf_nextscn(e, s)) {
		GElf_Shdr sh;
		if (!gelf_getshdr(s, &sh) || sh.sh_type != SHT_SYMTAB)
			continue;
		Elf_Data *d = elf_getdata(s, NULL);
		for (size_t i = 0; d && i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym st;
			if (gelf_getsym(d, (int)i, &st) &&
			    !strcmp(elf_strptr(e, sh.sh_link, st.st_name), sym))
				val = st.st_value;
		}
	}
	elf_getphdrnum(e, &nph);
	for (size_t i = 0; i < nph; i++) {
		GElf_Phdr ph;
		if (gelf_getphdr(e, (int)i, &ph) && ph.p_type == PT_LOAD && (ph.p_flags & PF_X) &&
		    val >= ph.p_vaddr && val < ph.p_vaddr + ph.p_memsz)
			off = val - ph.p_vaddr + ph.p_offset;
	}
	elf_end(e);
	close(fd);
	if (!off) {
		errno = ENOENT;
		die(sym);
	}
	return off;
}

/* Keyless count into a 1-entry per-CPU array: lookup, add in place. */
static int count_prog(enum bpf_prog_type t, int map)
{
	struct bpf_insn p[] = {
		ST(BPF_W, R10, -4, 0),
		MOV_REG(R2, R10), ALU_IMM(BPF_ADD, R2, -4),
		LD_MAP(R1, map),
		CALL(BPF_FUNC_map_lookup_elem),
		JMP_IMM(BPF_JEQ, R0, 0, 3),
		LDX(BPF_DW, R1, R0, 0), ALU_IMM(BPF_ADD, R1, 1), STX(BPF_DW, R0, R1, 0),
		MOV_IMM(R0, 0), EXIT(),
	};

	return prog_new(t, p, sizeof(p) / sizeof(p[0]));
}

static int pid_prog(int map)
{
	struct bpf_insn p[] = {
		CALL(BPF_FUNC_get_current_pid_tgid),
		ALU_IMM(BPF_RSH, R0, 32), STX(BPF_DW, R10, R0, -8),
		MOV_REG(R2, R10), ALU_IMM(BPF_ADD, R2, -8),
		LD_MAP(R1, map),
		CALL(BPF_FUNC_map_lookup_elem),
		JMP_IMM(BPF_JNE, R0, 0, 10),
		ST(BPF_DW, R10, -16, 1),
		LD_MAP(R1, map),
		MOV_REG(R2, R10), ALU_IMM(BPF_ADD, R2, -8),
		MOV_REG(R3, R10), ALU_IMM(BPF_ADD, R3, -16),
		MOV_IMM(R4, BPF_NOEXIST),
		CALL(BPF_FUNC_map_update_elem),
		JA(3),
		LDX(BPF_DW, R1, R0, 0), ALU_IMM(BPF_ADD, R1, 1), STX(BPF_DW, R0, R1, 0),
		MOV_IMM(R0, 0), EXIT(),
	};

	return prog_new(BPF_PROG_TYPE_TRACEPOINT, p, sizeof(p) / sizeof(p[0]));
}

/* @s[tid] = nsecs */
static int start_prog(int smap)
{
	struct bpf_insn p[] = {
		CALL(BPF_FUNC_get_current_pid_tgid),
		ALU_IMM(BPF_LSH, R0, 32), ALU_IMM(BPF_RSH, R0, 32), STX(BPF_DW, R10, R0, -8),
		CALL(BPF_FUNC_ktime_get_ns),
		STX(BPF_DW, R10, R0, -16),
		LD_MAP(R1, smap),
		MOV_REG(R2, R10), ALU_IMM(BPF_ADD, R2, -8),
		MOV_REG(R3, R10), ALU_IMM(BPF_ADD, R3, -16),
		MOV_IMM(R4, BPF_ANY),
		CALL(BPF_FUNC_map_update_elem),
		MOV_IMM(R0, 0), EXIT(),
	};

	return prog_new(BPF_PROG_TYPE_TRACEPOINT, p, sizeof(p) / sizeof(p[0]));
}

/* /@s[tid]/ { @ = hist|lhist(nsecs - @s[tid]); delete(@s[tid]); } */
static int end_prog(int smap, int hmap, int linear)
{
	struct bpf_insn head[] = {
		CALL(BPF_FUNC_get_current_pid_tgid),
		ALU_IMM(BPF_LSH, R0, 32), ALU_IMM(BPF_RSH, R0, 32), STX(BPF_DW, R10, R0, -8),
		MOV_REG(R2, R10), ALU_IMM(BPF_ADD, R2, -8),
		LD_MAP(R1, smap),
		CALL(BPF_FUNC_map_lookup_elem),
		JMP_IMM(BPF_JNE, R0, 0, 2),
		MOV_IMM(R0, 0), EXIT(),
		LDX(BPF_DW, R7, R0, 0),
		JMP_IMM(BPF_JEQ, R7, 0, -4), /* predicate: @s[tid] != 0 */
		CALL(BPF_FUNC_ktime_get_ns),
		ALU_REG(BPF_SUB, R0, R7), MOV_REG(R6, R0), /* r6 = delta */
		LD_MAP(R1, smap),
		MOV_REG(R2, R10), ALU_IMM(BPF_ADD, R2, -8),
		CALL(BPF_FUNC_map_delete_elem),
	};
	/* r7 = slot of r6 */
	struct bpf_insn lg[] = { /* slot = 1 if 0, else floor(log2) + 2: binary search */
		MOV_IMM(R7, 1),
		JMP_IMM(BPF_JEQ, R6, 0, 31),
		MOV_IMM(R7, 2),
		MOV_REG(R1, R6), ALU_IMM(BPF_RSH, R1, 32),
		JMP_IMM(BPF_JEQ, R1, 0, 2), MOV_REG(R6, R1), ALU_IMM(BPF_ADD, R7, 32),
#define STEP(sh) MOV_REG(R1, R6), ALU_IMM(BPF_RSH, R1, sh), \
		 JMP_IMM(BPF_JEQ, R1, 0, 2), MOV_REG(R6, R1), ALU_IMM(BPF_ADD, R7, sh)
		STEP(16), STEP(8),
	};
	struct bpf_insn lg2[] = { STEP(4), STEP(2), STEP(1) };
#undef STEP
	struct bpf_insn lin[] = { /* r6 unsigned: < min impossible for min 0 */
		MOV_IMM(R7, LH_SLOTS - 1),
		JMP_IMM(BPF_JGE, R6, LH_MAX, 3),
		MOV_REG(R7, R6), ALU_IMM(BPF_DIV, R7, LH_STEP), ALU_IMM(BPF_ADD, R7, 1),
	};
	struct bpf_insn tail[] = {
		STX(BPF_W, R10, R7, -12),
		MOV_REG(R2, R10), ALU_IMM(BPF_ADD, R2, -12),
		LD_MAP(R1, hmap),
		CALL(BPF_FUNC_map_lookup_elem),
		JMP_IMM(BPF_JEQ, R0, 0, 3),
		LDX(BPF_DW, R1, R0, 0), ALU_IMM(BPF_ADD, R1, 1), STX(BPF_DW, R0, R1, 0),
		MOV_IMM(R0, 0), EXIT(),
	};
	struct bpf_insn p[128];
	size_t n = 0;

#define ADD(a) (memcpy(p + n, a, sizeof(a)), n += sizeof(a) / sizeof(a[0]))
	ADD(head);
	if (linear) {
		ADD(lin);
	} else {
		/* lg's JEQ r6,0 skips the 31 insns after it, landing on tail */
		ADD(lg);
		ADD(lg2);
	}
	ADD(tail);
#undef ADD
	return prog_new(BPF_PROG_TYPE_TRACEPOINT, p, n);
}

static unsigned long long sum_percpu(int map, unsigned nkeys, int hash, int ncpu)
{
	unsigned long long total = 0, vals[1024];
	__u64 key = 0, next;

	if (!hash) {
		for (__u32 k = 0; k < nkeys; k++)
			if (!bpf_map_lookup_elem(map, &k, vals))
				for (int c = 0; c < ncpu; c++)
					total += vals[c];
		return total;
	}
	void *prev = NULL;
	while (!bpf_map_get_next_key(map, prev, &next)) {
		if (!bpf_map_lookup_elem(map, &next, vals))
			for (int c = 0; c < ncpu; c++)
				total += vals[c];
		key = next;
		prev = &key;
	}
	return total;
}

int main(int argc, char **argv)
{
	const char *cs = argc > 1 ? argv[1] : "";
	int ncpu = libbpf_num_possible_cpus(), map, hash = 0;
	unsigned nkeys = 1;

	if (ncpu <= 0 || ncpu > 1024)
		return die("possible cpus");
	signal(SIGINT, on_int);
	signal(SIGTERM, on_int);
	if (!strcmp(cs, "count")) {
		map = map_new(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 1);
		attach_tp(count_prog(BPF_PROG_TYPE_TRACEPOINT, map), "raw_syscalls", "sys_enter");
	} else if (!strcmp(cs, "pid")) {
		map = map_new(BPF_MAP_TYPE_PERCPU_HASH, 8, 8, 4096);
		hash = 1;
		attach_tp(pid_prog(map), "syscalls", "sys_enter_getppid");
	} else if (!strcmp(cs, "hist") || !strcmp(cs, "lhist")) {
		int lin = cs[0] == 'l';
		int smap = map_new(BPF_MAP_TYPE_HASH, 8, 8, 4096);

		nkeys = lin ? LH_SLOTS : HIST_SLOTS;
		map = map_new(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, nkeys);
		attach_tp(start_prog(smap), "syscalls", "sys_enter_read");
		attach_tp(end_prog(smap, map, lin), "syscalls", "sys_exit_read");
	} else if (!strcmp(cs, "uprobe") && argc > 2) {
		FILE *f = fopen("/sys/bus/event_source/devices/uprobe/type", "re");
		int type = -1;

		if (!f || fscanf(f, "%d", &type) != 1)
			return die("uprobe PMU type");
		fclose(f);
		map = map_new(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 1);
		unsigned long off = sym_offset(argv[2], argc > 3 ? argv[3] : "bench_func");
		const char *how = getenv("FLOOR_UPROBE_ATTACH"); /* "perf": skip uprobe_multi */
		if ((how && !strcmp(how, "perf")) || attach_uprobe_multi(map, argv[2], off) < 0) {
			struct perf_event_attr a = { .type = (__u32)type, .size = sizeof(a),
						     .config1 = (__u64)(unsigned long)argv[2],
						     .config2 = off, .sample_period = 1,
						     .wakeup_events = 1, .disabled = 1 };
			attach_perf(count_prog(BPF_PROG_TYPE_KPROBE, map), &a);
		}
	} else {
		fprintf(stderr, "usage: floor count|pid|hist|lhist|uprobe BINARY [SYMBOL]\n");
		return 2;
	}
	printf("ready\n");
	fflush(stdout);
	while (!stop)
		pause();
	printf("@: %llu\n", sum_percpu(map, nkeys, hash, ncpu));
	return 0;
}
