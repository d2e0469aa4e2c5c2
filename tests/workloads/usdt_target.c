/*
 * tests/workloads/usdt_target.c — USDT probes (Debian's <sys/sdt.h>) fired a known number
 * of times with known arguments.
 *
 * Usage: usdt_target [N] [-r] [-s MS]   (N default 1000)
 *   -s MS  sleep MS milliseconds before the loop (for tracers that attach with -p)
 *   -r     print "guarded=K lib=L" at the end: K = times bpfs:guarded fired (its semaphore
 *          was on), L = sum of libusdt_lib.so's return values
 * Each of the N iterations i = 0..N-1 fires, once each, in this order:
 *   bpfs:signed    (int8 -1, int16 -2, int32 -100000, int64 -5000000000)
 *   bpfs:unsigned  (uint8 255, uint16 65535, uint32 4000000000,
 *                   uint64 18364758544493064720 = 0xfedcba9876543210)
 *   bpfs:misc      (char *"hello usdt", int constant 42, long constant -3, long i)
 *   bpfs:mem       (long bpfs_counter = i + 1: a global read in place, a %rip operand;
 *                   long 2 * i: a volatile local, a memory operand on the stack;
 *                   long bpfs_pair.second = 3 * i: a %rip operand with a displacement)
 *   bpfs:noargs    ()
 *   bpfs:site      (int site, long i) from three call sites, site = 1, 2, 3
 *   bpfs:guarded   (long i) only while its semaphore is on (tests/workloads/usdt/usdt_sema.c)
 *   bpfslib:libcall (long i, char *"from lib") in libusdt_lib.so
 * bpftrace 0.17 as the oracle: it reads no arg6 on x86-64 (so no probe has 7 arguments),
 * no %rip operand without -p ("deref ident is not handled yet": bpfs:mem), and with -c it
 * finds no location for bpfslib:libcall (the library is not loaded yet); attached by path
 * without -c it reads every other probe here with the values above (checked by hand).
 * Owns: nothing but its probes. Must not: print without -r, or fire a probe any other way.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sdt.h>
#include <time.h>

#include "usdt/usdt_target.h"

/* volatile sources: the probes see run-time values in registers, not folded constants */
static volatile int8_t v_i8 = -1;
static volatile int16_t v_i16 = -2;
static volatile int32_t v_i32 = -100000;
static volatile int64_t v_i64 = -5000000000LL;
static volatile uint8_t v_u8 = 255;
static volatile uint16_t v_u16 = 65535;
static volatile uint32_t v_u32 = 4000000000U;
static volatile uint64_t v_u64 = 0xfedcba9876543210ULL;
static const char msg[] = "hello usdt";

long bpfs_counter;
struct {
	long first, second;
} bpfs_pair; /* .second is read in place: a %rip operand with a displacement */

__attribute__((noinline)) static void fire(long i)
{
	/* in registers: bpftrace 0.17 (bcc) reads no %rip operand without -p */
	int8_t i8 = v_i8;
	int16_t i16 = v_i16;
	int32_t i32 = v_i32;
	int64_t i64 = v_i64;
	__asm__ volatile("" : "+r"(i8), "+r"(i16), "+r"(i32), "+r"(i64));
	STAP_PROBE4(bpfs, signed, i8, i16, i32, i64);

	uint8_t u8 = v_u8;
	uint16_t u16 = v_u16;
	uint32_t u32 = v_u32;
	uint64_t u64 = v_u64;
	__asm__ volatile("" : "+r"(u8), "+r"(u16), "+r"(u32), "+r"(u64));
	STAP_PROBE4(bpfs, unsigned, u8, u16, u32, u64);

	bpfs_counter = i + 1;
	bpfs_pair.second = i * 3;
	volatile long on_stack = i * 2;
	__asm__ volatile("" ::: "memory"); /* the globals are read from memory again */
	(void)*(volatile const char *)msg; /* fault its page in: BPF reads cannot */
	STAP_PROBE4(bpfs, misc, msg, 42, -3L, i);
	STAP_PROBE3(bpfs, mem, bpfs_counter, on_stack, bpfs_pair.second);
	STAP_PROBE(bpfs, noargs);
}

__attribute__((noinline)) static void sites(long i)
{
	STAP_PROBE2(bpfs, site, 1, i);
	__asm__ volatile("" ::: "memory");
	STAP_PROBE2(bpfs, site, 2, i);
	__asm__ volatile("" ::: "memory");
	STAP_PROBE2(bpfs, site, 3, i);
}

int main(int argc, char **argv)
{
	long n = 1000, sleep_ms = 0;
	int report = 0;
	for (int a = 1; a < argc; a++) {
		if (strcmp(argv[a], "-r") == 0)
			report = 1;
		else if (strcmp(argv[a], "-s") == 0 && a + 1 < argc)
			sleep_ms = strtol(argv[++a], NULL, 10);
		else
			n = strtol(argv[a], NULL, 10);
	}
	if (sleep_ms > 0) {
		struct timespec ts = { sleep_ms / 1000, (sleep_ms % 1000) * 1000000L };
		nanosleep(&ts, NULL);
	}
	long guarded = 0, lib = 0;
	for (long i = 0; i < n; i++) {
		fire(i);
		sites(i);
		guarded += usdt_guarded(i);
		lib += usdt_lib_call(i);
	}
	if (report)
		printf("guarded=%ld lib=%ld\n", guarded, lib);
	return 0;
}
