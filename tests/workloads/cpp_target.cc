// tests/workloads/cpp_target.cc — C++ functions for uprobes named by their demangled names
// ("ns::add(int, int)", "ns::*", cpp:"ns::Counter::bump") and read with args from DWARF.
//
// Usage: cpp_target [N]   (default 3) for i = 0..N-1 calls
//   ns::add(i, 2), ns::add(1L, 2L, i), ns::norm(&p, 4) with p = {3, -7, "pt"},
//   c.bump(i) (Counter c, n starting at 0), plain_c(-5, 9) (extern "C"), and
//   std::get_terminate() from libstdc++.
// Owns: nothing but its own calls. Must not: print, or let the functions be inlined.
#include <cstdio>
#include <cstdlib>
#include <exception>

namespace ns {
struct Point {
	int x;
	long y;
	const char *name;
};
__attribute__((noinline)) int add(int a, int b) { return a + b; }
__attribute__((noinline)) long add(long a, long b, long c) { return a + b + c; }
__attribute__((noinline)) int norm(const Point *p, unsigned char k) { return p->x * k + (int)p->y; }
class Counter {
public:
	int n = 0;
	__attribute__((noinline)) int bump(int by) { n += by; return n; }
};
} // namespace ns

extern "C" __attribute__((noinline)) int plain_c(short s, unsigned long u) { return s + (int)u; }

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 3;
	char name[8];
	snprintf(name, sizeof(name), "pt"); // on the stack: present when a probe reads it
	ns::Counter c;
	ns::Point p{3, -7, name};
	long r = 0;
	for (int i = 0; i < n; i++) {
		r += ns::add(i, 2);
		r += ns::add(1L, 2L, (long)i);
		r += ns::norm(&p, 4);
		r += c.bump(i);
		r += plain_c(-5, 9);
		if (std::get_terminate())
			r++;
	}
	return r == 12345 ? 3 : 0;
}
