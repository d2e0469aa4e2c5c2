/*
 * tests/workloads/struct_arg.c — pass struct pointers with known member values to a
 * noinline function, so uprobe scripts can copy the struct by value
 * (`@last = *(struct rec *)arg0`) and print it.
 *
 * Usage: struct_arg [N]   (default 3) calls take(&r) for i = 1..N with
 *   id = i, name = "rec<i>", big = i * 1000000000000, arr = {i, -i, 100 * i},
 *   in = {i, 2i}, pts = {{10i, 11i}, {20i, 21i}}, bytes = {1, 2, 254, i}, neg = -i,
 *   flags: lo = i % 8 (3 bits), hi = -i (5 bits, signed).
 * Owns: nothing but its own calls. Must not: print, or be optimised into inlining take().
 * The layout must match the definitions in tests/e2e/struct_value_*.test.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct inner {
	int x;
	int y;
};

struct rec {
	int id;
	char name[8];
	uint64_t big;
	short arr[3];
	struct inner in;
	struct inner pts[2];
	unsigned char bytes[4];
	long neg;
	unsigned int lo : 3;
	int hi : 5;
};

__attribute__((noinline)) int take(struct rec *r)
{
	__asm__ volatile("" : : "r"(r) : "memory");
	return r->id;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 3;
	int sum = 0;
	for (int i = 1; i <= n; i++) {
		struct rec r;
		memset(&r, 0, sizeof(r));
		r.id = i;
		snprintf(r.name, sizeof(r.name), "rec%d", i % 1000);
		r.big = (uint64_t)i * 1000000000000ull;
		r.arr[0] = (short)i;
		r.arr[1] = (short)-i;
		r.arr[2] = (short)(100 * i);
		r.in.x = i;
		r.in.y = 2 * i;
		r.pts[0].x = 10 * i;
		r.pts[0].y = 11 * i;
		r.pts[1].x = 20 * i;
		r.pts[1].y = 21 * i;
		r.bytes[0] = 1;
		r.bytes[1] = 2;
		r.bytes[2] = 254;
		r.bytes[3] = (unsigned char)i;
		r.neg = -i;
		r.lo = (unsigned)i % 8;
		r.hi = -i;
		sum += take(&r);
	}
	return sum == n * (n + 1) / 2 ? 0 : 1;
}
