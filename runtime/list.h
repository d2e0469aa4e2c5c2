/*
 * runtime/list.h — `bpfscript -l [PATTERN]`: listing the probes this machine offers.
 *
 * Owns: the listing entry point (tracepoints, kprobes, uprobes of a binary, in bpftrace
 * 0.17's format). Must not: attach or load anything.
 */
#ifndef BPFSCRIPT_LIST_H
#define BPFSCRIPT_LIST_H

#include <stdbool.h>
#include <stdio.h>

struct probe_env; /* sema/probe.h */

/* Prints every probe matching pattern (NULL or "" = all) to out; verbose adds tracepoint
 * fields and, for kprobes with BTF, function arguments. env: the kernel facts and -p's
 * process. Returns the exit code. */
int list_probes(const struct probe_env *env, const char *pattern, bool verbose, FILE *out);

#endif
