/*
 * runtime/usdt_notes.h — the SystemTap SDT (USDT) probes of one ELF file, read with libelf.
 *
 * Owns: reading the .note.stapsdt notes of an executable or shared library into one entry
 * per call site (several call sites of one probe are several entries), the address
 * arithmetic a uprobe attach needs (probe pc and semaphore as file offsets), the parsed
 * arguments with %rip symbols resolved, and matching "[PROVIDER:]NAME" patterns.
 * Must not: attach anything, look at processes, emit BPF, or print (errors are -errno +
 * one sentence).
 *
 * Address arithmetic, as libbpf (usdt.c) and gdb (stap-probe.c) do it:
 *   adj  = sh_addr(.stapsdt.base) - note.base   (0 unless the file was prelinked after
 *          linking; without a .stapsdt.base section there is no adjustment)
 *   pc   = note.pc + adj;   sema = note.sema + adj when note.sema != 0 (gdb adjusts the
 *          semaphore too; libbpf leaves it, which differs only in prelinked files)
 *   pc_offset   = pc - seg.p_vaddr + seg.p_offset, seg the executable PT_LOAD holding pc
 *   sema_offset = the same through the PT_LOAD holding sema: the kernel's uprobe
 *                 ref_ctr_offset (perf_event_attr.config bits 32..63 of the uprobe PMU,
 *                 or /sys/kernel/tracing/uprobe_events "PATH:0xOFF(0xREF)")
 */
#ifndef BPFSCRIPT_USDT_NOTES_H
#define BPFSCRIPT_USDT_NOTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/usdt_args.h"

struct usdt_note {
	char *provider;
	char *name;
	char *args;            /* the operand specs as written; "" for none */
	uint64_t pc_vaddr;     /* link-time address of the probe's nop, adjusted */
	uint64_t pc_offset;    /* file offset: what a uprobe attaches to */
	uint64_t sema_vaddr;   /* link-time address of the semaphore, adjusted; 0: none */
	uint64_t sema_offset;  /* file offset of the semaphore (ref_ctr_offset); 0: none */
	int nargs;             /* -1 when args as a whole could not be parsed: args_err */
	struct usdt_arg *arg;  /* arg[0..nargs): RIP arguments resolved, or UNSUPPORTED */
	char *args_err;        /* NULL, or why no argument can be read (Intel syntax, >12) */
};

/* Every USDT call site in path, in note order, into *out (free with usdt_notes_free; NULL
 * and 0 when there is none). Returns 0; -ENOENT/-EACCES/... (cannot open), -ENOEXEC (not
 * an ELF executable or shared library), -EINVAL (a malformed note), -ESRCH (a probe or
 * semaphore outside the file's loadable segments), -ENOMEM; err gets one sentence. */
int usdt_notes_read(const char *path, struct usdt_note **out, int *n, char *err,
		    size_t errlen);
void usdt_notes_free(struct usdt_note *notes, int n);

/* "[PROVIDER:]NAME" with fnmatch wildcards ('*', '?', '[...]') in either part; without
 * PROVIDER every provider matches. */
bool usdt_note_match(const struct usdt_note *note, const char *pattern);

#endif
