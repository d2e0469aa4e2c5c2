/*
 * sema/btf.h — kernel types from BTF (/sys/kernel/btf/vmlinux, or $BPFTRACE_BTF, read by
 * common/kinfo.c).
 *
 * Owns: asking for the kernel's BTF on first need; turning BTF types into
 * struct ctype (typedefs, const/volatile and type tags skipped; enums become integers;
 * pointers to structs stay shallow until used); member offsets and bitfield widths.
 * Must not: be reached except through sema/ctypes.h, or load BTF when no script construct
 * needs a kernel type.
 */
#ifndef BPFSCRIPT_BTF_H
#define BPFSCRIPT_BTF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctypes.h"

/* Shallow ctype for struct/union `tag` from BTF; NULL with a sentence in err when BTF is
 * unavailable or has no such type. */
const struct ctype *btf_record(struct ctypes *reg, bool is_union, const char *tag, char *err,
			       size_t errlen);
/* Size and members of a shallow BTF struct. 0, or -1 with a sentence in err. */
int btf_complete(struct ctypes *reg, struct ctype *ct, char *err, size_t errlen);
/* A kernel typedef by name (sector_t), resolved to what it names; NULL if unknown. */
const struct ctype *btf_typedef(struct ctypes *reg, const char *name);
/* Value of an enumerator (TCP_ESTABLISHED, SKB_DROP_REASON_NOT_SPECIFIED); 0 or -1. */
int btf_enum_value(struct ctypes *reg, const char *name, int64_t *val);
/* Is kernel BTF readable (loads it)? err says why not. */
bool btf_available(struct ctypes *reg, char *err, size_t errlen);
void btf_state_free(struct btf_state *st);
/* For sema/kfunc_args.c: the loaded BTF (NULL with err when unavailable), and the ctype of
 * a BTF type id. */
struct btf;
const struct btf *btf_handle(struct ctypes *reg, char *err, size_t errlen);
const struct ctype *btf_ctype(struct ctypes *reg, uint32_t id);

/* Where the BTF comes from: the run's kernel facts (sema's kinfo), asked on first need.
 * Without one, the registry makes its own then (and frees it with itself). */
struct kinfo;
void btf_set_kinfo(struct ctypes *reg, struct kinfo *ki);

#endif
