/*
 * tests/workloads/dwarf_args.c — functions whose parameters uprobe scripts read by name
 * (`args.NAME`, typed from this program's DWARF: it is built with -g like every workload).
 *
 * Usage: dwarf_args [N]   (default 3) for i = 1..N calls
 *   ints(-i, 200 + i, -1000 * i, 60000 + i, -100000 * i, 4000000000 + i)
 *   wide(-5000000000 * i, 18000000000000000000 + i, 'a' + i, i % 2, "msg<i>", &v) with v = 7 * i
 *   area(&s, 1.5, 10 * i) with s = { name "shape<i>", at {i, -i}, sizes {i, 2i, 3i},
 *        label "lbl<i>", next = &t, kind 100 + i, area 1000 * i } and t.area = -i
 *   hidden(3 * i)   (static: only in .symtab, so a stripped copy has it only in its debug file)
 * Strings live on the stack, so their pages are present when a probe reads them.
 * Owns: nothing but its own calls. Must not: print, or let the functions be inlined.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

struct point {
	int x;
	int y;
};

struct shape {
	char name[12];
	struct point at;
	int sizes[3];
	const char *label;
	struct shape *next;
	unsigned char kind;
	long area;
};

#define KEEP(x) __asm__ volatile("" : : "r"(x) : "memory")

__attribute__((noinline)) int ints(int8_t a, uint8_t b, int16_t c, uint16_t d, int32_t e,
				   uint32_t f)
{
	KEEP(a);
	KEEP(b);
	KEEP(c);
	KEEP(d);
	KEEP(e);
	KEEP(f);
	return a + b;
}

__attribute__((noinline)) long wide(int64_t g, uint64_t h, char ch, bool flag, const char *msg,
				    int *pn)
{
	KEEP(g);
	KEEP(h);
	KEEP(ch);
	KEEP(flag);
	KEEP(msg);
	KEEP(pn);
	return (long)g + *pn;
}

/* scale travels in a floating-point register: mult is still the second integer one */
__attribute__((noinline)) long area(const struct shape *s, double scale, int mult)
{
	KEEP(s);
	KEEP(mult);
	return (long)(s->area * scale) * mult;
}

static __attribute__((noinline, used)) int hidden(int v)
{
	KEEP(v);
	return v + 1;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 3;
	long sum = 0;
	for (int i = 1; i <= n; i++) {
		char msg[16], label[16];
		snprintf(msg, sizeof(msg), "msg%d", i);
		snprintf(label, sizeof(label), "lbl%d", i);
		int v = 7 * i;
		struct shape t = { .area = -i };
		struct shape s = { .at = { i, -i }, .sizes = { i, 2 * i, 3 * i }, .label = label,
				   .next = &t, .kind = (unsigned char)(100 + i), .area = 1000L * i };
		snprintf(s.name, sizeof(s.name), "shape%d", i);
		sum += ints((int8_t)-i, (uint8_t)(200 + i), (int16_t)(-1000 * i),
			    (uint16_t)(60000 + i), -100000 * i, 4000000000u + (uint32_t)i);
		sum += wide(-5000000000LL * i, 18000000000000000000ULL + (uint64_t)i,
			    (char)('a' + i), i % 2, msg, &v);
		sum += area(&s, 1.5, 10 * i);
		sum += hidden(3 * i);
	}
	return sum == 42 ? 3 : 0;
}
