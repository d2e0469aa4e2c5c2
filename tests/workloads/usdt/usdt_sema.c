/*
 * tests/workloads/usdt/usdt_sema.c — the semaphore-guarded USDT probe of usdt_target.
 *
 * Owns: bpfs:guarded and its semaphore. It is a unit of its own because <sys/sdt.h> gives
 * every probe of a unit that defines _SDT_HAS_SEMAPHORES a semaphore, and usdt_target's
 * other probes must have none.
 * Must not: fire the probe while the semaphore is 0 (tracers switch it on).
 */
#define _SDT_HAS_SEMAPHORES 1
#include <sys/sdt.h>

#include "usdt_target.h"

/* The kernel's uprobe reference counter (or a tracer poking memory) counts this up while
 * bpfs:guarded is traced. */
__attribute__((section(".probes"), used)) unsigned short bpfs_guarded_semaphore = 0;

#define BPFS_GUARDED_ENABLED() __builtin_expect(*(volatile unsigned short *)&bpfs_guarded_semaphore, 0)

int usdt_guarded(long i)
{
	if (!BPFS_GUARDED_ENABLED())
		return 0;
	STAP_PROBE1(bpfs, guarded, i);
	return 1;
}
