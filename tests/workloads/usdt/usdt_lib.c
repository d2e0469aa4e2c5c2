/*
 * tests/workloads/usdt/usdt_lib.c — libusdt_lib.so: a shared library with one USDT probe,
 * bpfslib:libcall(long i, const char *"from lib"), fired once per usdt_lib_call().
 *
 * Owns: nothing else. Must not: fire the probe from anywhere but usdt_lib_call.
 */
#include <sys/sdt.h>

#include "usdt_target.h"

static const char lib_msg[] = "from lib";

long usdt_lib_call(long i)
{
	/* fault the string's page in: a BPF read of a page never touched fails */
	(void)*(volatile const char *)lib_msg;
	STAP_PROBE2(bpfslib, libcall, i, lib_msg);
	return i;
}
