/*
 * runtime/testmode.h — --test and --bench (runtime/testmode.c), for the session.
 *
 * Owns: the entry points the session calls between BEGIN and END in those modes.
 * Must not: be included below the runtime.
 */
#ifndef BPFSCRIPT_TESTMODE_H
#define BPFSCRIPT_TESTMODE_H

#include <stdbool.h>

#include "runtime_internal.h"

/* Run every test: point (bench false) or bench: point (bench true) in script order and
 * print bpftrace's report on ev->out. 0 when all passed, 1 when one failed, -errno when
 * one could not be run (reported in d). */
int rt_testmode_run(struct rt_events *ev, const struct sema_result *sr,
		    const struct cg_result *cg, const int *prog_fds, bool bench, struct diag *d);
/* How many points of kind the program has. */
int rt_testmode_count(const struct sema_result *sr, enum probe_kind kind);

#endif
