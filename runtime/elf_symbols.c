/*
 * runtime/elf_symbols.c — function symbols and segments of ELF files, with libelf.
 *
 * Owns: reading function symbols from .symtab and .dynsym (merged, one entry per name),
 * data symbols (STT_OBJECT, kept apart so they never name a stack frame or a probe),
 * PT_LOAD segments, vaddr ↔ file-offset arithmetic, a small per-path cache, and finding a
 * stripped file's separate debug file (build id, .gnu_debuglink) whose .symtab then
 * completes the symbols.
 * Must not: attach, read /proc, or print; callers word the errors for their probe.
 */
#include "elf_symbols.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>

#include "../common/debug_file.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int fail(char *err, size_t errlen, int code, const char *fmt, const char *path)
{
	if (err && errlen)
		snprintf(err, errlen, fmt, path);
	return code;
}

static int sym_cmp(const void *a, const void *b)
{
	const struct elf_sym *x = a, *y = b;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int name_cmp(const void *a, const void *b)
{
	const struct elf_sym *const *x = a, *const *y = b;
	return strcmp((*x)->name, (*y)->name);
}

static int push_sym(struct elf_sym **v, int *n, int *cap, const char *name, const GElf_Sym *s)
{
	if (*n == *cap) {
		int nc = *cap ? *cap * 2 : 256;
		struct elf_sym *g = realloc(*v, sizeof(*g) * (size_t)nc);
		if (!g)
			return -ENOMEM;
		*v = g;
		*cap = nc;
	}
	struct elf_sym *d = &(*v)[*n];
	d->name = strdup(name);
	if (!d->name)
		return -ENOMEM;
	d->addr = s->st_value;
	d->size = s->st_size;
	(*n)++;
	return 0;
}

static int add_syms(Elf *e, Elf_Scn *scn, GElf_Shdr *sh, struct elf_file *f, int *cap,
		    int *ocap)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	if (!data || !sh->sh_entsize)
		return 0;
	size_t n = sh->sh_size / sh->sh_entsize;
	for (size_t i = 0; i < n; i++) {
		GElf_Sym s;
		if (!gelf_getsym(data, (int)i, &s))
			continue;
		int type = GELF_ST_TYPE(s.st_info);
		bool fn = type == STT_FUNC || type == STT_GNU_IFUNC;
		if ((!fn && type != STT_OBJECT) || s.st_shndx == SHN_UNDEF || !s.st_value)
			continue;
		const char *name = elf_strptr(e, sh->sh_link, s.st_name);
		if (!name || !*name)
			continue;
		int r = fn ? push_sym(&f->syms, &f->nsyms, cap, name, &s)
			   : push_sym(&f->objs, &f->nobjs, ocap, name, &s);
		if (r)
			return r;
	}
	return 0;
}

/* .symtab and .dynsym list most symbols twice: keep one entry per name. */
static int dedupe(struct elf_sym *syms, int *count)
{
	int nsyms = *count;
	if (nsyms < 2)
		return 0;
	struct elf_sym **by_name = malloc(sizeof(*by_name) * (size_t)nsyms);
	if (!by_name)
		return -ENOMEM;
	for (int i = 0; i < nsyms; i++)
		by_name[i] = &syms[i];
	qsort(by_name, (size_t)nsyms, sizeof(*by_name), name_cmp);
	for (int i = 1; i < nsyms; i++) {
		if (strcmp(by_name[i]->name, by_name[i - 1]->name) == 0) {
			free(by_name[i - 1]->name);
			by_name[i - 1]->name = NULL; /* drop the earlier copy */
		}
	}
	free(by_name);
	int w = 0;
	for (int i = 0; i < nsyms; i++)
		if (syms[i].name)
			syms[w++] = syms[i];
	*count = w;
	return 0;
}

/* A stripped file's .symtab from its debug file (addresses are the same link-time ones). */
static int add_debug_syms(const char *path, struct elf_file *f, int *cap, int *ocap)
{
	char dbg[PATH_MAX];
	if (elf_debug_file(path, dbg, sizeof(dbg)))
		return 0;
	int fd = open(dbg, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	Elf *e = elf_begin(fd, ELF_C_READ, NULL);
	int ret = 0;
	for (Elf_Scn *scn = NULL; e && !ret && (scn = elf_nextscn(e, scn));) {
		GElf_Shdr sh;
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_SYMTAB)
			ret = add_syms(e, scn, &sh, f, cap, ocap);
	}
	if (e)
		elf_end(e);
	close(fd);
	return ret;
}

int elf_file_load(const char *path, struct elf_file *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = -errno;
		return fail(err, errlen, e, "cannot open %s", path);
	}
	elf_version(EV_CURRENT);
	Elf *e = elf_begin(fd, ELF_C_READ, NULL);
	GElf_Ehdr eh;
	int ret = 0, cap = 0, ocap = 0;
	if (!e || elf_kind(e) != ELF_K_ELF || !gelf_getehdr(e, &eh)) {
		ret = fail(err, errlen, -ENOEXEC, "%s is not an ELF file", path);
		goto out;
	}
	out->is_dyn = eh.e_type == ET_DYN;
	if (!(out->path = strdup(path))) {
		ret = -ENOMEM;
		goto out;
	}
	size_t nph = 0;
	elf_getphdrnum(e, &nph);
	out->segs = calloc(nph ? nph : 1, sizeof(*out->segs));
	if (!out->segs) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < nph; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(e, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		out->segs[out->nsegs++] = (struct elf_seg){ ph.p_vaddr, ph.p_memsz, ph.p_offset,
							    ph.p_filesz, (ph.p_flags & PF_X) != 0 };
	}
	bool symtab = false;
	for (Elf_Scn *scn = NULL; (scn = elf_nextscn(e, scn));) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM))
			continue;
		symtab |= sh.sh_type == SHT_SYMTAB;
		if ((ret = add_syms(e, scn, &sh, out, &cap, &ocap)))
			goto out;
	}
	if (!symtab && (ret = add_debug_syms(path, out, &cap, &ocap)))
		goto out;
	if ((ret = dedupe(out->syms, &out->nsyms)) || (ret = dedupe(out->objs, &out->nobjs)))
		goto out;
	if (out->nsyms)
		qsort(out->syms, (size_t)out->nsyms, sizeof(*out->syms), sym_cmp);
out:
	if (e)
		elf_end(e);
	close(fd);
	if (ret) {
		if (ret == -ENOMEM)
			fail(err, errlen, ret, "out of memory reading %s", path);
		elf_file_free(out);
	}
	return ret;
}

void elf_file_free(struct elf_file *f)
{
	for (int i = 0; i < f->nsyms; i++)
		free(f->syms[i].name);
	free(f->syms);
	for (int i = 0; i < f->nobjs; i++)
		free(f->objs[i].name);
	free(f->objs);
	free(f->segs);
	free(f->path);
	memset(f, 0, sizeof(*f));
}

const struct elf_sym *elf_sym_by_name(const struct elf_file *f, const char *name)
{
	for (int i = 0; i < f->nsyms; i++)
		if (strcmp(f->syms[i].name, name) == 0)
			return &f->syms[i];
	return NULL;
}

const struct elf_sym *elf_obj_by_name(const struct elf_file *f, const char *name)
{
	for (int i = 0; i < f->nobjs; i++)
		if (strcmp(f->objs[i].name, name) == 0)
			return &f->objs[i];
	return NULL;
}

const struct elf_sym *elf_sym_by_addr(const struct elf_file *f, uint64_t vaddr)
{
	int lo = 0, hi = f->nsyms - 1, best = -1;
	while (lo <= hi) { /* last symbol with addr <= vaddr */
		int mid = lo + (hi - lo) / 2;
		if (f->syms[mid].addr <= vaddr) {
			best = mid;
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	if (best < 0)
		return NULL;
	/* among aliases at the same address, prefer one whose size covers vaddr */
	for (int i = best; i >= 0 && f->syms[i].addr == f->syms[best].addr; i--)
		if (vaddr < f->syms[i].addr + f->syms[i].size)
			return &f->syms[i];
	const struct elf_sym *s = &f->syms[best];
	return s->size == 0 ? s : NULL;
}

int elf_vaddr_to_offset(const struct elf_file *f, uint64_t vaddr, uint64_t *off)
{
	for (int i = 0; i < f->nsegs; i++) {
		const struct elf_seg *s = &f->segs[i];
		if (vaddr >= s->vaddr && vaddr < s->vaddr + s->filesz) {
			*off = vaddr - s->vaddr + s->offset;
			return 0;
		}
	}
	return -ENOENT;
}

int elf_offset_to_vaddr(const struct elf_file *f, uint64_t off, uint64_t *vaddr)
{
	for (int i = 0; i < f->nsegs; i++) {
		const struct elf_seg *s = &f->segs[i];
		if (off >= s->offset && off < s->offset + s->filesz) {
			*vaddr = off - s->offset + s->vaddr;
			return 0;
		}
	}
	return -ENOENT;
}

/* ---- cache --------------------------------------------------------------------------- */

struct elf_cache_entry {
	char *path;
	struct elf_file *file; /* NULL: could not be read (remembered so we try once) */
};

const struct elf_file *elf_cache_get(struct elf_cache *c, const char *path)
{
	for (int i = 0; i < c->n; i++)
		if (strcmp(c->v[i].path, path) == 0)
			return c->v[i].file;
	struct elf_cache_entry *v = realloc(c->v, sizeof(*v) * (size_t)(c->n + 1));
	if (!v)
		return NULL;
	c->v = v;
	struct elf_file *f = calloc(1, sizeof(*f));
	char *p = strdup(path);
	if (!f || !p) {
		free(f);
		free(p);
		return NULL;
	}
	if (elf_file_load(path, f, NULL, 0)) {
		free(f);
		f = NULL;
	}
	c->v[c->n++] = (struct elf_cache_entry){ p, f };
	return f;
}

void elf_cache_free(struct elf_cache *c)
{
	for (int i = 0; i < c->n; i++) {
		if (c->v[i].file) {
			elf_file_free(c->v[i].file);
			free(c->v[i].file);
		}
		free(c->v[i].path);
	}
	free(c->v);
	c->v = NULL;
	c->n = 0;
}
