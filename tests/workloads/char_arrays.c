/*
 * tests/workloads/char_arrays.c — char arrays with and without a terminating NUL.
 *
 * Calls the noinline show(struct arrays *) once with s = "hello" (5 chars in char[5], no
 * NUL), full = "abcdefgh" (char[8], no NUL) and part = "ab" followed by NUL and junk
 * (char[8]), for the tests that read char-array members as strings.
 */
#include <string.h>

struct arrays {
	char s[5];
	char full[8];
	char part[8];
};

__attribute__((noinline)) int show(struct arrays *a)
{
	__asm__ volatile("" : : "r"(a) : "memory");
	return a->s[0];
}

int main(void)
{
	struct arrays a;
	memcpy(a.s, "hello", 5);
	memcpy(a.full, "abcdefgh", 8);
	memcpy(a.part, "ab\0junk!", 8);
	return show(&a) == 'h' ? 0 : 1;
}
