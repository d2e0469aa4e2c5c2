/*
 * common/debug_file.h — where a stripped ELF file's separate debug file is, as gdb and
 * bpftrace look for it.
 *
 * Owns: the lookup by build id (/usr/lib/debug/.build-id/xx/yyyy.debug), then by
 * .gnu_debuglink name next to the file, in its .debug/ directory and under
 * /usr/lib/debug/DIR/, with the link's CRC checked. Used by uprobes' symbols
 * (runtime/elf_symbols.c) and DWARF arguments (sema/dwarf_args.c), hence this layer.
 * Must not: read symbols or DWARF, or print.
 */
#ifndef BPFSCRIPT_DEBUG_FILE_H
#define BPFSCRIPT_DEBUG_FILE_H

#include <stddef.h>

/* 0 with the debug file's path in out, or -ENOENT. */
int elf_debug_file(const char *path, char *out, size_t len);

#endif
