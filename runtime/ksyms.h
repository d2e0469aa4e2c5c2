/*
 * runtime/ksyms.h — kernel symbols from /proc/kallsyms.
 *
 * Owns: loading kallsyms once (lazily), address → "symbol" / "symbol+offset", and
 * name → address (kaddr()). Must not: attach or print.
 */
#ifndef BPFSCRIPT_KSYMS_H
#define BPFSCRIPT_KSYMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The symbol containing addr: writes "name" or "name+off"; false when none (or no
 * kallsyms, or addresses hidden by kptr_restrict). */
bool ksyms_resolve(uint64_t addr, bool with_off, char *buf, size_t len);
/* Address of a kernel symbol by name, 0 when unknown. */
uint64_t ksyms_addr(const char *name);
/* Does /proc/kallsyms list name at all (per-CPU and data symbols too, which ksyms_addr
 * skips)? Read anew each call: percpu_kaddr() asks once per use at compile time. */
bool ksyms_listed(const char *name);
void ksyms_free(void);

#endif
