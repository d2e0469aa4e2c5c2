/*
 * tests/workloads/syscall_bench.c — time N cheap events with this thread's CPU clock.
 *
 * Usage: syscall_bench [MODE] [N] [RUNS] [MOD]   (defaults getppid 200000 3 1)
 *   getppid  N getppid() calls
 *   read     N 1-byte read()s of /dev/zero (sys_enter_read/sys_exit_read pairs)
 *   func     N calls of the noinline function bench_func() (a uprobe target): a leaf
 *            whose first instruction (lea) the kernel must single-step out of line
 *   fpfunc   N calls of bench_func_fp(), the same with a frame-pointer prologue (push %rbp,
 *            as most functions in distributions built with frame pointers start): the
 *            kernel emulates that instruction, so a uprobe hit costs a quarter as much
 *   lseek    N lseek(-1, 1000000000 + i % MOD, SEEK_SET) calls: they fail at once with
 *            EBADF, and the unique offsets let a tracer pick out exactly these calls
 *            (printf streaming with MOD 1, a MOD-key map otherwise)
 *   usdt     N passes over the USDT probe bench:tick (<sys/sdt.h>: a nop untraced, a uprobe
 *            trap traced; its operand is a register)
 *   faults   N page faults: writes to N fresh pages of an anonymous mapping made before
 *            the timed loop (a software:page-faults probe fires on each)
 * Prints one line per run: "ns_per_call X.X", then "best X.X" (the fastest run, the
 * least disturbed by the shared machine) and "wall_ms X.X" (wall time of all runs). CPU
 * time rather than wall time, so waiting for a CPU does not count; a tracer's BPF program
 * (or uprobe trap) runs in this thread and is therefore included, which is exactly what
 * the bench measures. A numeric first argument means getppid (the original usage).
 * Must not: make other syscalls inside the timed loop.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/sdt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define LSEEK_BASE 1000000000L

static double clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* The uprobe target: noinline and with an asm barrier so the call really happens. */
__attribute__((noinline, used)) long bench_func(long x)
{
	__asm__ volatile("" : "+r"(x));
	return x + 1;
}

/* The same behind a standard frame-pointer prologue, its first instruction push %rbp.
 * Written out in asm because the compiler drops the frame of a leaf whatever it is told. */
#ifdef __x86_64__
long bench_func_fp(long x);
__asm__(".text\n"
	".globl bench_func_fp\n"
	".type bench_func_fp, @function\n"
	"bench_func_fp:\n"
	"	push %rbp\n"
	"	mov %rsp, %rbp\n"
	"	lea 1(%rdi), %rax\n"
	"	pop %rbp\n"
	"	ret\n"
	".size bench_func_fp, .-bench_func_fp\n");
#else
__attribute__((noinline, used)) long bench_func_fp(long x)
{
	__asm__ volatile("" : "+r"(x));
	return x + 1;
}
#endif

int main(int argc, char **argv)
{
	const char *mode = "getppid";
	int a = 1;

	if (argc > 1 && (argv[1][0] < '0' || argv[1][0] > '9'))
		mode = argv[a++];
	long n = argc > a ? strtol(argv[a], NULL, 10) : 200000;
	long runs = argc > a + 1 ? strtol(argv[a + 1], NULL, 10) : 3;
	long mod = argc > a + 2 ? strtol(argv[a + 2], NULL, 10) : 1;
	double best = -1, w0 = clock_ns(CLOCK_MONOTONIC);
	int fd = -1;
	char c;

	if (n <= 0 || runs <= 0 || mod <= 0)
		return 2;
	long page = sysconf(_SC_PAGESIZE);
	volatile char *pages = NULL;
	if (!strcmp(mode, "faults")) {
		pages = mmap(NULL, (size_t)(n * runs * page), PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (pages == MAP_FAILED) {
			perror("syscall_bench: mmap");
			return 1;
		}
	}
	if (!strcmp(mode, "read") && (fd = open("/dev/zero", O_RDONLY)) < 0) {
		perror("syscall_bench: /dev/zero");
		return 1;
	}
	for (long r = 0; r < runs; r++) {
		double t0 = clock_ns(CLOCK_THREAD_CPUTIME_ID), per;

		if (!strcmp(mode, "getppid")) {
			for (long i = 0; i < n; i++)
				syscall(SYS_getppid);
		} else if (!strcmp(mode, "read")) {
			for (long i = 0; i < n; i++)
				if (read(fd, &c, 1) != 1)
					return 1;
		} else if (!strcmp(mode, "func") || !strcmp(mode, "fpfunc")) {
			long (*f)(long) = mode[0] == 'f' && mode[1] == 'p' ? bench_func_fp : bench_func;
			long s = 0;
			for (long i = 0; i < n; i++)
				s += f(i);
			if (s == 42)
				puts("");
		} else if (!strcmp(mode, "usdt")) {
			for (long i = 0; i < n; i++)
				STAP_PROBE1(bench, tick, i);
		} else if (!strcmp(mode, "faults")) {
			for (long i = 0; i < n; i++)
				pages[(r * n + i) * page] = 1;
		} else if (!strcmp(mode, "lseek")) {
			for (long i = 0; i < n; i++)
				lseek(-1, LSEEK_BASE + i % mod, SEEK_SET);
		} else {
			fprintf(stderr, "syscall_bench: unknown mode %s\n", mode);
			return 2;
		}
		per = (clock_ns(CLOCK_THREAD_CPUTIME_ID) - t0) / (double)n;
		printf("ns_per_call %.1f\n", per);
		if (best < 0 || per < best)
			best = per;
	}
	printf("best %.1f\n", best);
	printf("wall_ms %.1f\n", (clock_ns(CLOCK_MONOTONIC) - w0) / 1e6);
	return 0;
}
