/*
 * tests/workloads/dw_nofp.c — a call chain without frame pointers, for dw_ustack.
 *
 * Built with -O2 -fomit-frame-pointer (Makefile): main calls dw_a(i) N times (argv[1],
 * default 5); dw_a → dw_b → dw_c, each noinline and keeping values across its call (so
 * they save registers and move the stack pointer, and %rbp is an ordinary register);
 * dw_c sorts two ints with libc's qsort, which calls dw_cmp once per sort (a frame inside
 * libc between dw_cmp and dw_c). The frame pointer chain the kernel follows for ustack is
 * therefore broken; only .eh_frame describes these frames. With a second argument "wait"
 * it first reads one byte from stdin (a test attaches with -p meanwhile).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

__attribute__((noinline, noclone)) int dw_cmp(const void *x, const void *y)
{
	int a = *(const int *)x, b = *(const int *)y;
	__asm__ volatile("" : : : "memory");
	return (a > b) - (a < b);
}

__attribute__((noinline, noclone)) long dw_c(long x)
{
	int v[2] = { (int)(x + 1), (int)x };
	qsort(v, 2, sizeof(int), dw_cmp);
	__asm__ volatile("" : : "r"(v) : "memory");
	return v[0] + v[1];
}

__attribute__((noinline, noclone)) long dw_b(long x)
{
	volatile long pad[6] = { x, x + 1, x + 2, x + 3, x + 4, x + 5 };
	long k = x * 3;
	long r = dw_c(x + pad[2]);
	__asm__ volatile("" : : "r"(k) : "memory");
	return r + k + pad[5];
}

__attribute__((noinline, noclone)) long dw_a(long x)
{
	long s = x ^ 0x55;
	long r = dw_b(x);
	__asm__ volatile("" : : "r"(s) : "memory");
	return r * 2 + s;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 5, t = 0;
	char go;
	if (argc > 2 && !strcmp(argv[2], "wait") && read(0, &go, 1) < 0)
		return 1;
	for (long i = 0; i < n; i++)
		t += dw_a(i);
	return t == 12345 ? 3 : 0;
}
