/*
 * runtime/codegen_symbols.c — the symbol lookups the runtime lends to code generation.
 *
 * Owns: rt_codegen_symbols(), the struct cg_symbols (codegen/codegen.h) that answers
 * uaddr() from the probed binary's ELF symbols (elf_symbols.c), so codegen itself never
 * reads an ELF file (kernel symbols come from the run's kinfo, common/kinfo.h); and
 * session_files_new(), the same symbols' sizes for sema (the type of uaddr()).
 * Must not: cache anything of its own (the session's struct elf_cache does), or print.
 */
#include <errno.h>
#include <stdlib.h>

#include "elf_symbols.h"
#include "runtime_internal.h"

static int user_addr(void *ctx, const char *path, const char *name, uint64_t *addr,
		     bool *pie)
{
	const struct elf_file *ef = path ? elf_cache_get(ctx, path) : NULL;
	const struct elf_sym *s = ef ? elf_sym_by_name(ef, name) : NULL;
	if (!s && ef)
		s = elf_obj_by_name(ef, name);
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

static int user_sym_size(void *ctx, const char *path, const char *name, uint64_t *size)
{
	const struct elf_file *ef = path ? elf_cache_get(ctx, path) : NULL;
	const struct elf_sym *s = ef ? elf_sym_by_name(ef, name) : NULL;
	if (!s && ef)
		s = elf_obj_by_name(ef, name);
	if (!s)
		return -ENOENT;
	*size = s->size;
	return 0;
}

struct sema_files_own {
	struct sema_files f; /* first: the pointer handed out */
	struct elf_cache cache;
};

struct sema_files *session_files_new(void)
{
	struct sema_files_own *o = calloc(1, sizeof(*o));
	if (!o)
		return NULL;
	o->f.ctx = &o->cache;
	o->f.user_sym_size = user_sym_size;
	return &o->f;
}

void session_files_free(struct sema_files *f)
{
	if (!f)
		return;
	struct sema_files_own *o = (struct sema_files_own *)f;
	elf_cache_free(&o->cache);
	free(o);
}
