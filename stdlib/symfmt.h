/*
 * stdlib/symfmt.h — printing the values whose type has a sub (common/types.h): the one
 * entry to the print hooks of the builtin families (stdlib/builtins.h: stacks, symbols,
 * buffers, addresses, timestamps, user names ...) and the language's enum and bool
 * values; and struct print_syms, the callbacks those hooks get names from.
 *
 * Owns: which types print specially, and enum/bool text. Frames and names come from
 * callbacks (struct print_syms), so printing stays kernel-free and unit-testable;
 * runtime/stacks.c supplies the real ones.
 * Must not: read /proc, ELF files or BPF maps itself, or know any builtin's text (its
 * family's hook has it).
 */
#ifndef BPFSCRIPT_SYMFMT_H
#define BPFSCRIPT_SYMFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "format.h"

/* A frame of a build_id stack: struct bpf_stack_build_id's fields */
struct symfmt_build_id {
	int32_t status;      /* 1: build_id and offset are valid; 2: only ip */
	uint8_t build_id[20];
	uint64_t offset;     /* the file offset (status 1), else the address */
};

struct print_syms {
	void *ctx;
	/* Kernel symbol containing addr → "name" or "name+off"; false when unknown. */
	bool (*ksym)(void *ctx, uint64_t addr, bool with_off, char *buf, size_t len);
	/* User symbol of addr in process pid; module (if not NULL) gets the file's path or
	 * "[unknown]". false when unknown. */
	bool (*usym)(void *ctx, uint32_t pid, uint64_t addr, bool with_off, char *buf, size_t len,
		     char *module, size_t mlen);
	/* The addresses of a stack (innermost first): count written to ips, 0 when none. */
	int (*stack)(void *ctx, bool user, uint32_t frames, int64_t id, uint64_t *ips, int max);
	/* ustack(build_id): the frames of a user stack as the kernel stored them (a build id
	 * and file offset, or an address when it had no build id); count written, 0 when
	 * none. */
	int (*stack_build_id)(void *ctx, uint32_t frames, int64_t id,
			      struct symfmt_build_id *out, int max);
	/* The name of user uid; false when none. */
	bool (*username)(uint64_t uid, char *buf, size_t len);
	/* "unified:/path,cpu:/path" for cgroup id in the hierarchies whose names match the
	 * shell pattern filter (NULL: all); false when found in none. */
	bool (*cgroup_path)(uint64_t id, const char *filter, char *buf, size_t len);
	/* The name of syscall nr ("read"), NULL when it has none. */
	const char *(*syscall_name)(int64_t nr);
};

/* Does t print specially (a builtin family's print hook, an enum, a bool)? */
bool symfmt_handles(const struct type *t);
/* Prints the value at bytes (abi layout of t). indent: spaces before each stack frame. */
void symfmt_print(FILE *out, const struct type *t, const uint8_t *bytes,
		  const struct print_ctx *ctx, int indent);

#endif
