/*
 * tests/unit/test_demangle.c — C++ names for uprobes (runtime/demangle.c): demangling with
 * libstdc++, cutting a parameter list, and which symbols a pattern written by a user
 * selects (mangled as is, demangled with or without parameters, wildcards).
 * Owns: only these checks. Must not: read files or need a kernel.
 */
#include <stdlib.h>

#include "check.h"
#include "../../runtime/demangle.h"

static int strip_eq(const char *in, const char *want)
{
	char buf[128];
	snprintf(buf, sizeof(buf), "%s", in);
	cxx_strip_params(buf);
	return strcmp(buf, want) == 0;
}

int main(void)
{
	TEST_BEGIN("demangle: names");
	char *d = cxx_demangle("_ZN2ns3addEii");
	CHECK_EQ_STR(d ? d : "(null)", "ns::add(int, int)");
	free(d);
	d = cxx_demangle("_ZSt13get_terminatev");
	CHECK_EQ_STR(d ? d : "(null)", "std::get_terminate()");
	free(d);
	CHECK(cxx_demangle("main") == NULL);
	CHECK(cxx_demangle("_Znotmangled!") == NULL);
	CHECK(cxx_is_mangled("____Z3foov") && !cxx_is_mangled("_start"));
	TEST_END();

	TEST_BEGIN("demangle: parameter lists cut");
	CHECK(strip_eq("ns::add(int, int)", "ns::add"));
	CHECK(strip_eq("ns::Counter::get() const", "ns::Counter::get"));
	CHECK(strip_eq("void f<void (*)(int)>(void (*)(int))", "void f<void (*)(int)>"));
	CHECK(strip_eq("plain", "plain"));
	TEST_END();

	TEST_BEGIN("demangle: matching");
	const char *m = "_ZN2ns3addEii", *dm = "ns::add(int, int)";
	CHECK(cxx_sym_match(m, dm, "_ZN2ns3addEii"));
	CHECK(cxx_sym_match(m, dm, "_ZN2ns*"));
	CHECK(cxx_sym_match(m, dm, "ns::add"));
	CHECK(cxx_sym_match(m, dm, "ns::*"));
	CHECK(cxx_sym_match(m, dm, "ns::add(int, int)"));
	CHECK(cxx_sym_match(m, dm, "ns::add(int,*)"));
	CHECK(!cxx_sym_match(m, dm, "ns::add(long, long, long)"));
	CHECK(!cxx_sym_match(m, dm, "ns::ad"));
	CHECK(!cxx_sym_match(m, NULL, "ns::add"));
	CHECK(!cxx_sym_match(m, dm, "other::*"));
	TEST_END();
	return check_summary();
}
