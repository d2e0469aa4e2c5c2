/*
 * tests/workloads/usdt/usdt_target.h — what build/workloads/usdt_target's three parts share.
 *
 * Owns: the functions of the semaphore unit (usdt_sema.c) and of the shared library
 * libusdt_lib.so (usdt_lib.c) that usdt_target.c calls. Must not: define probes.
 */
#ifndef USDT_TARGET_H
#define USDT_TARGET_H

/* Fires bpfs:guarded(i) only while its semaphore is set (a tracer attached to it);
 * returns 1 when it fired, else 0. */
int usdt_guarded(long i);

/* Fires bpfslib:libcall(i, "from lib") once and returns i. */
long usdt_lib_call(long i);

#endif
