/*
 * sema/dwarf_args.h — a user-space function's parameters and types from DWARF (libdw):
 * `args.NAME` in uprobes, `-lv uprobe:...`, and struct casts in uprobes.
 *
 * Owns: opening a binary's debug information (its own .debug_info, else the separate debug
 * file elf_debug_file finds), finding a function by its symbol (mangled or plain name),
 * its formal parameters in order with their register slots, C type names as bpftrace
 * prints them ("int* n", "struct Foo* foo1"), and DWARF types turned into sema's ctypes
 * (integers, enums, pointers, arrays, structs/unions/classes with members and bases).
 * In sema because it makes ctypes; runtime uses it for -lv with handles of its own.
 * Must not: emit code, attach, or print; errors are one sentence in err.
 */
#ifndef BPFSCRIPT_DWARF_ARGS_H
#define BPFSCRIPT_DWARF_ARGS_H

#include <stdbool.h>
#include <stddef.h>

struct ctypes;
struct ctype;

/* What is open and converted for one owner: the debug-information handles by binary, the
 * DIE → ctype memo. A ctypes registry keeps one (freed with the registry, sema/ctypes.c);
 * a -lv listing keeps its own for dwarf_list_params. NULL: none yet (made on first use). */
struct dwarf_state;
void dwarf_state_free(struct dwarf_state *st);

/* -lv: line (owned, returned or freed) followed by "\n    TYPE NAME" per parameter of func
 * in binary, when its DWARF describes func; NULL on ENOMEM. *st: the listing's handles
 * (made here when NULL; the caller frees them with dwarf_state_free when done). */
char *dwarf_list_params(struct dwarf_state **st, char *line, const char *binary,
			const char *func);
/* Parameter `name` of func (its symbol) in binary: the integer-register slot it arrives in
 * (0-based) and its C type; -1 with one sentence in err (no DWARF, func undescribed,
 * no such parameter — listing the ones it has —, or a slot that cannot be known). */
int dwarf_param(struct ctypes *reg, const char *binary, const char *func, const char *name,
		const struct ctype **type, char *err, size_t errlen);
/* struct/union TAG described by binary's DWARF, complete, or NULL. */
const struct ctype *dwarf_record(struct ctypes *reg, const char *binary, bool is_union,
				 const char *tag);

#endif
