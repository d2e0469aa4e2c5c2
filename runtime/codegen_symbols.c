/*
 * runtime/codegen_symbols.c — the symbol lookups the runtime lends to code generation.
 *
 * Owns: rt_codegen_symbols(), the struct cg_symbols (codegen/codegen.h) that answers
 * uaddr() from the probed binary's ELF symbols (elf_symbols.c), so codegen itself never
 * reads an ELF file (kernel symbols come from the run's kinfo, common/kinfo.h).
 * Must not: cache anything of its own (the session's struct elf_cache does), or print.
 */
#include <errno.h>

#include "elf_symbols.h"
#include "runtime_internal.h"

static int user_addr(void *ctx, const char *path, const char *name, uint64_t *addr,
		     bool *pie)
{
	const struct elf_file *ef = path ? elf_cache_get(ctx, path) : NULL;
	const struct elf_sym *s = ef ? elf_sym_by_name(ef, name) : NULL;
	if (!s)
		return -ENOENT;
	*addr = s->addr;
	*pie = ef->is_dyn;
	return 0;
}

static int user_vaddr(void *ctx, const char *path, uint64_t off, uint64_t *vaddr)
{
	const struct elf_file *ef = path ? elf_cache_get(ctx, path) : NULL;
	return ef ? elf_offset_to_vaddr(ef, off, vaddr) : -ENOENT;
}

struct cg_symbols rt_codegen_symbols(struct elf_cache *cache)
{
	return (struct cg_symbols){ .ctx = cache, .user_addr = user_addr,
				    .user_vaddr = user_vaddr };
}
