/*
 * tests/workloads/struct_array.c — write an array of four structs with known members to
 * fd 100 (/dev/null) in one write(2), so a script can walk it with pointer arithmetic
 * ($p + 1, $p++, $p += n, $p[i], $q - $p scale by sizeof(struct item), as in C).
 *
 * Usage: struct_array
 * Owns: its own write(2) on fd 100. Must not: write anything else to fd 100, or print.
 * The layout must match the definition in tests/e2e/ptr_arith_struct_array.test.
 */
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

struct item {
	int32_t id;
	int64_t val; /* 4 bytes of padding before it: sizeof(struct item) is 24 */
	char tag[4];
};

int main(void)
{
	static struct item items[4];
	int fd = open("/dev/null", O_WRONLY);
	if (fd < 0 || dup2(fd, 100) < 0)
		return 1;
	memset(items, 0, sizeof(items));
	for (int i = 0; i < 4; i++) {
		items[i].id = i + 1;
		items[i].val = (int64_t)(i + 1) * 1000;
		items[i].tag[0] = 't';
		items[i].tag[1] = (char)('0' + i);
	}
	return write(100, items, sizeof(items)) == (ssize_t)sizeof(items) ? 0 : 1;
}
