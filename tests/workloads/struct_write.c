/*
 * tests/workloads/struct_write.c — write one struct with known field values to fd 100
 * (/dev/null), so a script can cast the write(2) buffer to its own struct definition and
 * read every kind of member: ints of each size and sign, a char array, an array, bitfields,
 * a nested struct, and a pointer back to the struct itself (user memory).
 *
 * Usage: struct_write
 * Owns: its own write(2) on fd 100. Must not: write anything else to fd 100, or print.
 * The layout must match the definition in tests/e2e/struct_script_def.test.
 */
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

struct rec {
	int32_t a;
	char name[12];
	uint64_t big;
	uint16_t arr[4];
	unsigned int f1 : 3, f2 : 9;
	int f3 : 4;
	struct {
		int x;
		int y;
	} pt;
	int8_t neg;
	struct rec *next;
};

int main(void)
{
	static struct rec r;
	int fd = open("/dev/null", O_WRONLY);
	if (fd < 0 || dup2(fd, 100) < 0)
		return 1;
	memset(&r, 0, sizeof(r));
	r.a = -5;
	strcpy(r.name, "hello");
	r.big = 0x1122334455667788ull;
	for (int i = 0; i < 4; i++)
		r.arr[i] = (uint16_t)(10 * (i + 1));
	r.f1 = 5;
	r.f2 = 300;
	r.f3 = -3;
	r.pt.x = 7;
	r.pt.y = 8;
	r.neg = -100;
	r.next = &r;
	return write(100, &r, sizeof(r)) == (ssize_t)sizeof(r) ? 0 : 1;
}
