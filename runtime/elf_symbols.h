/*
 * runtime/elf_symbols.h — function symbols and load segments of one ELF file, read with libelf.
 *
 * Owns: reading .symtab and .dynsym (so stripped binaries and shared libraries still have
 * their exported functions), the PT_LOAD segments, and the address arithmetic uprobes and
 * user-stack symbolisation need: symbol value → file offset (what the uprobe PMU takes)
 * and file offset → symbol (what /proc/PID/maps gives us); a stripped file's symbols come
 * from its separate debug file when one is installed (common/debug_file.h).
 * Must not: attach anything, look at processes, or print (errors are -errno + a sentence).
 */
#ifndef BPFSCRIPT_ELF_SYMBOLS_H
#define BPFSCRIPT_ELF_SYMBOLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct elf_sym {
	char *name;
	uint64_t addr;   /* st_value: link-time virtual address */
	uint64_t size;
};

struct elf_seg {
	uint64_t vaddr, memsz, offset, filesz;
	bool exec;
};

struct elf_file {
	char *path;
	bool is_dyn;              /* ET_DYN: PIE executable or shared library */
	struct elf_sym *syms;     /* functions, sorted by addr then name, names unique */
	int nsyms;
	struct elf_sym *objs;     /* data objects (global variables: uaddr()), names unique */
	int nobjs;
	struct elf_seg *segs;     /* PT_LOAD */
	int nsegs;
};

/* Loads path's function symbols. Returns 0, -ENOENT/-EACCES (file), -ENOEXEC (not an
 * ELF file), -ENOMEM; err gets one sentence. */
int elf_file_load(const char *path, struct elf_file *out, char *err, size_t errlen);
void elf_file_free(struct elf_file *f);
/* The function with exactly this name, or NULL. */
const struct elf_sym *elf_sym_by_name(const struct elf_file *f, const char *name);
/* The data object (a global variable) with exactly this name, or NULL. */
const struct elf_sym *elf_obj_by_name(const struct elf_file *f, const char *name);
/* The function containing vaddr (or the closest one before it when sizes are 0), or NULL. */
const struct elf_sym *elf_sym_by_addr(const struct elf_file *f, uint64_t vaddr);
/* Link-time address → offset in the file, via the PT_LOAD segment holding it. */
int elf_vaddr_to_offset(const struct elf_file *f, uint64_t vaddr, uint64_t *off);
/* File offset → link-time address (inverse of the above). */
int elf_offset_to_vaddr(const struct elf_file *f, uint64_t off, uint64_t *vaddr);

/* Loaded files by path, one cache per session (user stacks touch the same libraries again
 * and again; uaddr() and usym() often the same binary). Zeroed: empty. */
struct elf_cache_entry;
struct elf_cache {
	struct elf_cache_entry *v;
	int n;
};
/* The file, loaded on first request; NULL when it cannot be read as ELF. */
const struct elf_file *elf_cache_get(struct elf_cache *c, const char *path);
void elf_cache_free(struct elf_cache *c);

#endif
