/*
 * tests/workloads/uaddr_data.c — global variables with known values for uaddr() of data
 * symbols (not functions): a uprobe on tick() reads them through *uaddr("name").
 *
 * Usage: uaddr_data [N]   (default 3) sets counter = 10 * i, then calls tick(i), for
 *   i = 1..N. Fixed values: g_int = 0x55555555, g_short = -2, g_char = 'x',
 *   g_long = -1234567890123, g_text = "data symbol", g_pair = {7, 8}, and a static
 *   (file-local, .symtab only) s_hidden = 4242.
 * Owns: nothing but its own calls. Must not: print, or call tick() any other number of times.
 */
#include <stdlib.h>

int g_int = 0x55555555;
short g_short = -2;
char g_char = 'x';
long g_long = -1234567890123L;
char g_text[16] = "data symbol";
int g_pair[2] = { 7, 8 };
volatile int counter;
static volatile int s_hidden = 4242;

__attribute__((noinline)) int tick(int i)
{
	__asm__ volatile("" : : "r"(i) : "memory");
	return i + s_hidden;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 3;
	int sum = 0;
	for (int i = 1; i <= n; i++) {
		counter = 10 * i;
		sum += tick(i);
	}
	return sum == 0; /* keep the calls */
}
