/*
 * common/kinfo.h — the kernel-information service: what the running kernel says about
 * itself, read at most once per run and only when a script needs it.
 *
 * Owns: /proc/kallsyms (parsed once: address → symbol, name → address, "is it listed"),
 * the traceable kernel functions (tracefs available_filter_functions, else the text
 * symbols of kallsyms; the compiler-made __pfx_/__cfi_ symbols left out either way), and
 * the kernel's BTF ($BPFTRACE_BTF when set, else the running kernel's
 * /sys/kernel/btf/vmlinux). The driver makes one struct kinfo and hands it to every stage
 * that needs a kernel fact (sema's types and attach points, codegen's kaddr/func, the
 * runtime's providers and symbolisation); tests make one over the files of a fake kernel
 * (struct kinfo_files). It lives at the bottom layer because sema needs it.
 * Must not: read anything before it is asked, attach or load programs, or print: a
 * failure is an -errno the caller words.
 */
#ifndef BPFSCRIPT_KINFO_H
#define BPFSCRIPT_KINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kinfo;
struct btf;

/* Where the facts come from. Every field may be NULL (the running kernel's); the strings
 * must outlive the kinfo. */
struct kinfo_files {
	const char *kallsyms;  /* NULL: /proc/kallsyms */
	const char *traceable; /* NULL: available_filter_functions under tracefs_root() */
	/* How to find tracefs for the default list (runtime/tracefs.c's tracefs_root, which
	 * mounts it where it is missing); NULL: /sys/kernel/tracing */
	const char *(*tracefs_root)(void);
	const char *btf;       /* NULL: $BPFTRACE_BTF when set and not empty, else the
	                          running kernel's (/sys/kernel/btf/vmlinux) */
};

/* Nothing is read here. NULL files: the running kernel's; NULL when out of memory. */
struct kinfo *kinfo_new(const struct kinfo_files *files);
void kinfo_free(struct kinfo *ki);

/* ---- kallsyms ------------------------------------------------------------------------ */
/* Lookups by name read only as far as the first answer where one is enough
 * (kinfo_kfunc_addr, kinfo_ksym_listed); the others read the whole file once. */
/* The symbol containing addr (code and data, not absolute ones): "name" or "name+off"
 * into buf; false when none (no kallsyms, or addresses hidden by kptr_restrict). */
bool kinfo_ksym_resolve(struct kinfo *ki, uint64_t addr, bool with_off, char *buf, size_t len);
/* The address of a symbol (not an absolute one; the lowest of several), 0 when unknown. */
uint64_t kinfo_ksym_addr(struct kinfo *ki, const char *name);
/* The address of a text (function) symbol, the first listed; 0 when unknown or hidden. */
uint64_t kinfo_kfunc_addr(struct kinfo *ki, const char *name);
/* Is name listed at all (data and per-CPU symbols too, whatever the address shows)? */
bool kinfo_ksym_listed(struct kinfo *ki, const char *name);

/* ---- traceable functions --------------------------------------------------------------- */
struct kinfo_func {
	const char *name;
	const char *module; /* "ext4"; NULL: vmlinux */
};
/* Every traceable function in the kernel's order (a static function's name may repeat)
 * into *fns, *n: available_filter_functions when it can be opened, else kallsyms' text
 * symbols (*from_kallsyms). 0, or -errno (*n = 0) when neither can be read. */
int kinfo_traceable(struct kinfo *ki, const struct kinfo_func **fns, size_t *n,
		    bool *from_kallsyms);
/* The same list to fn, in order, reading only as far as fn goes: it stops at fn's first
 * non-zero return (a named function found early costs only the lines before it). Returns
 * that value, 0, or -errno when neither list can be read. f is valid during the call; its
 * strings for the kinfo's life. */
int kinfo_traceable_each(struct kinfo *ki, int (*fn)(const struct kinfo_func *f, void *ctx),
			 void *ctx, bool *from_kallsyms);

/* ---- BTF ----------------------------------------------------------------------------- */
/* The BTF describing the kernel's types and functions (struct members, arguments,
 * listings): files.btf, $BPFTRACE_BTF, else the running kernel's. NULL when unreadable:
 * *err (may be NULL) is the errno and *path (may be NULL) the file that was tried. */
struct btf *kinfo_btf(struct kinfo *ki, int *err, const char **path);
/* The running kernel's own BTF, whose type ids the kernel checks (a fentry program's
 * attach_btf_id, the base of a module's split BTF): kinfo_btf's unless that came from
 * another file, then loaded on its own. NULL with *err when unreadable. */
struct btf *kinfo_kernel_btf(struct kinfo *ki, int *err);

#endif
