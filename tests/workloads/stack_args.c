/*
 * tests/workloads/stack_args.c — values a probe reads from the stack and from registers.
 *
 * Calls the noinline many(1, 2, ..., 8) once: on x86-64 the 7th and 8th arguments (7, 8)
 * are passed on the stack (sarg0, sarg1); then nic(struct nic *) once with the MAC
 * address 05:04:03:02:01:02 in a char[6] after a pointer.
 */
struct nic {
	const char *name;
	char mac[6];
};

__attribute__((noinline)) long many(long a, long b, long c, long d, long e, long f, long g,
				    long h)
{
	__asm__ volatile("" : : : "memory");
	return a + b + c + d + e + f + g + h;
}

__attribute__((noinline)) int nic(struct nic *n)
{
	__asm__ volatile("" : : "r"(n) : "memory");
	return n->mac[0];
}

int main(void)
{
	struct nic n = { "eth0", { 5, 4, 3, 2, 1, 2 } };
	long s = many(1, 2, 3, 4, 5, 6, 7, 8);
	return s == 36 && nic(&n) == 5 ? 0 : 1;
}
