/*
 * sema/kfunc.h — kernel function parameters from BTF: `args` in kprobes.
 *
 * Owns: looking up a kernel function's (or raw tracepoint's) parameters by name in the vmlinux BTF (through
 * sema/btf.c, loaded only when a script uses `args` in a kprobe), for sema (the type of
 * `args.count`) and codegen (which argument it is).
 * Must not: emit code or know how arguments reach a program (pt_regs or fentry context).
 */
#ifndef BPFSCRIPT_KFUNC_H
#define BPFSCRIPT_KFUNC_H

#include <stddef.h>

#include "ctypes.h"

/* Index (0-based) and C type of parameter `name` of kernel function func; -1 with one
 * sentence in err when BTF is unavailable, does not describe func, or func has no such
 * parameter (the sentence lists the ones it has). */
int kfunc_param(struct ctypes *reg, const char *func, const char *name,
		const struct ctype **type, char *err, size_t errlen);
/* The same for any point whose provider types `args` from BTF: a kernel function's
 * parameters (kprobe, kfunc), or a raw tracepoint's arguments (from the BTF FUNC
 * __probestub_EVENT or __traceiter_EVENT, without their leading `void *__data`). */
struct probe_point;
int point_param(struct ctypes *reg, const struct probe_point *pt, const char *name,
		const struct ctype **type, char *err, size_t errlen);

#endif
