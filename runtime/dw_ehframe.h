/*
 * runtime/dw_ehframe.h — .eh_frame → dw_ustack unwind rows (runtime/dw_ehframe.c).
 */
#ifndef BPFSCRIPT_DW_EHFRAME_H
#define BPFSCRIPT_DW_EHFRAME_H

#include <stddef.h>
#include <stdint.h>

#include "../sema/abi.h"

/* The rows of .eh_frame's bytes (its link-time address sec_addr; data_base for datarel
 * pointers), sorted as the FDEs come (each FDE's rows ascending, then a stop row at its
 * end); *rows is malloc'ed. 0, or -1 when out of memory. Entries that cannot be read
 * give no rows (or a stop row from where they stop making sense). */
int dw_ehframe_parse(const uint8_t *data, size_t size, uint64_t sec_addr, uint64_t data_base,
		     struct abi_dw_row **rows, size_t *nrows);

#define DW_MAX_LOADS 16
struct dw_elf_info {
	struct { uint64_t vaddr, offset, filesz; } load[DW_MAX_LOADS]; /* PT_LOAD segments */
	int nload;
	struct abi_dw_row *rows; /* link-time addresses (malloc'ed) */
	size_t nrows;
};

/* The PT_LOAD segments and .eh_frame rows of the ELF file at path. 0, or -1 with a
 * sentence in err. */
int dw_ehframe_file(const char *path, struct dw_elf_info *info, char *err, size_t errlen);

#endif
