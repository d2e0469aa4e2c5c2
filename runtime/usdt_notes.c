/*
 * runtime/usdt_notes.c — .note.stapsdt reading with libelf (see usdt_notes.h).
 *
 * Owns: the note format of <sys/sdt.h> (NT_STAPSDT "stapsdt" notes: pc, .stapsdt.base
 * address and semaphore address, then provider, name and arguments as C strings), the
 * vaddr → file offset conversion through PT_LOAD segments, %rip symbol resolution from
 * .symtab/.dynsym, and pattern matching.
 * Must not: attach, look at processes, or print.
 */
#include "usdt_notes.h"

#include <byteswap.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <gelf.h>
#include <inttypes.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NT_STAPSDT 3
#define STAPSDT_NAME "stapsdt"

struct seg {
	uint64_t vaddr, memsz, offset, filesz;
	bool exec;
};

struct rsym {
	const char *name; /* points into libelf's string table: valid until elf_end */
	uint64_t value;
};

struct reader {
	const char *path;
	Elf *e;
	bool is64, swap;
	struct seg *segs;
	int nsegs;
	bool have_base;      /* the file has a .stapsdt.base section */
	uint64_t base_addr;  /* its sh_addr */
	bool syms_loaded;    /* symbols are read on the first %rip argument */
	struct rsym *syms;   /* sorted by name, then value */
	int nsyms;
	struct usdt_note *notes;
	int n, cap;
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 3, 4))) static int fail(struct reader *r, int rc,
						      const char *fmt, ...)
{
	if (r->err && r->errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(r->err, r->errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

static uint64_t rd_addr(const struct reader *r, const char *p)
{
	if (r->is64) {
		uint64_t v;
		memcpy(&v, p, sizeof(v));
		return r->swap ? bswap_64(v) : v;
	}
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return r->swap ? bswap_32(v) : v;
}

/* The PT_LOAD segment holding vaddr (want_exec: an executable one, within its file
 * bytes; else any, within its memory size), or NULL. */
static const struct seg *find_seg(const struct reader *r, uint64_t vaddr, bool want_exec)
{
	for (int i = 0; i < r->nsegs; i++) {
		const struct seg *s = &r->segs[i];
		uint64_t size = want_exec ? s->filesz : s->memsz;
		if (s->exec == want_exec && vaddr >= s->vaddr && vaddr - s->vaddr < size)
			return s;
	}
	return NULL;
}

static int read_segs(struct reader *r)
{
	size_t nph = 0;
	if (elf_getphdrnum(r->e, &nph) || nph == 0)
		return fail(r, -ENOEXEC, "%s has no program headers", r->path);
	r->segs = calloc(nph, sizeof(*r->segs));
	if (!r->segs)
		return -ENOMEM;
	for (size_t i = 0; i < nph; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(r->e, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		r->segs[r->nsegs++] = (struct seg){ ph.p_vaddr, ph.p_memsz, ph.p_offset, ph.p_filesz,
						    (ph.p_flags & PF_X) != 0 };
	}
	return 0;
}

/* ---- symbols for %rip operands */

static int rsym_cmp(const void *a, const void *b)
{
	const struct rsym *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	if (c)
		return c;
	return x->value < y->value ? -1 : x->value > y->value;
}

static int load_syms(struct reader *r)
{
	int cap = 0;
	r->syms_loaded = true;
	for (Elf_Scn *scn = NULL; (scn = elf_nextscn(r->e, scn));) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM))
			continue;
		Elf_Data *data = elf_getdata(scn, NULL);
		if (!data || !sh.sh_entsize)
			continue;
		size_t cnt = sh.sh_size / sh.sh_entsize;
		for (size_t i = 0; i < cnt; i++) {
			GElf_Sym s;
			if (!gelf_getsym(data, (int)i, &s) || s.st_shndx == SHN_UNDEF)
				continue;
			int type = GELF_ST_TYPE(s.st_info);
			if (type == STT_SECTION || type == STT_FILE || type == STT_TLS)
				continue;
			const char *name = elf_strptr(r->e, sh.sh_link, s.st_name);
			if (!name || !*name)
				continue;
			if (r->nsyms == cap) {
				cap = cap ? cap * 2 : 256;
				struct rsym *v = realloc(r->syms, sizeof(*v) * (size_t)cap);
				if (!v)
					return -ENOMEM;
				r->syms = v;
			}
			r->syms[r->nsyms++] = (struct rsym){ name, s.st_value };
		}
	}
	if (r->nsyms)
		qsort(r->syms, (size_t)r->nsyms, sizeof(*r->syms), rsym_cmp);
	return 0;
}

/* A RIP argument's symbol → rip_delta, or the argument becomes UNSUPPORTED. */
static int resolve_rip(struct reader *r, const struct usdt_note *note, struct usdt_arg *a)
{
	if (!r->syms_loaded) {
		int rc = load_syms(r);
		if (rc)
			return rc;
	}
	/* the first entry with this name (sorted by name), and how many values it has */
	int lo = 0, hi = r->nsyms;
	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;
		if (strcmp(r->syms[mid].name, a->sym) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	int found = 0;
	uint64_t value = 0;
	for (int i = lo; i < r->nsyms && strcmp(r->syms[i].name, a->sym) == 0; i++)
		if (!found || r->syms[i].value != value) {
			found++;
			value = r->syms[i].value;
		}
	if (found == 1) {
		a->rip_delta = (int64_t)(value + (uint64_t)a->disp - note->pc_vaddr);
		a->resolved = true;
		return 0;
	}
	a->kind = USDT_ARG_UNSUPPORTED;
	if (found)
		snprintf(a->why, sizeof(a->why),
			 "cannot read USDT argument \"%s\": its symbol has %d different definitions",
			 a->spec, found);
	else
		snprintf(a->why, sizeof(a->why),
			 "cannot read USDT argument \"%s\": its symbol is not in the symbol table",
			 a->spec);
	return 0;
}

/* ---- notes */

static int parse_args(struct reader *r, struct usdt_note *note)
{
	struct usdt_arg tmp[USDT_MAX_ARGS];
	char msg[256];
	int n = 0;
	if (usdt_args_parse(note->args, tmp, USDT_MAX_ARGS, &n, msg, sizeof(msg))) {
		note->nargs = -1;
		note->args_err = strdup(msg);
		return note->args_err ? 0 : -ENOMEM;
	}
	note->nargs = n;
	if (!n)
		return 0;
	note->arg = malloc(sizeof(*note->arg) * (size_t)n);
	if (!note->arg)
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		note->arg[i] = tmp[i];
		if (tmp[i].kind == USDT_ARG_RIP) {
			int rc = resolve_rip(r, note, &note->arg[i]);
			if (rc)
				return rc;
		}
	}
	return 0;
}

static int add_note(struct reader *r, const char *desc, size_t len, size_t where)
{
	size_t asz = r->is64 ? 8 : 4;
	/* three addresses and at least provider, name and args, each NUL-terminated */
	if (len < 3 * asz + 3)
		return fail(r, -EINVAL, "%s: the .note.stapsdt entry at offset %zu is truncated",
			    r->path, where);
	uint64_t pc = rd_addr(r, desc), base = rd_addr(r, desc + asz),
		 sema = rd_addr(r, desc + 2 * asz);
	const char *end = desc + len;
	const char *provider = desc + 3 * asz;
	const char *name = memchr(provider, '\0', (size_t)(end - provider));
	const char *args = name ? memchr(name + 1, '\0', (size_t)(end - name - 1)) : NULL;
	if (!name || !args || name[1] == '\0' || !*provider)
		return fail(r, -EINVAL, "%s: the .note.stapsdt entry at offset %zu is malformed",
			    r->path, where);
	name++;
	args++;
	if (args >= end || !memchr(args, '\0', (size_t)(end - args)) || *args == ':')
		args = ""; /* no argument string (libbpf reads a leading ':' as none too) */

	if (r->have_base) {
		uint64_t adj = r->base_addr - base;
		pc += adj;
		if (sema)
			sema += adj;
	}
	if (!r->is64) {
		pc &= UINT32_MAX;
		sema &= UINT32_MAX;
	}
	const struct seg *s = find_seg(r, pc, true);
	if (!s)
		return fail(r, -ESRCH,
			    "%s: USDT probe %s:%s at 0x%" PRIx64 " is not in an executable segment",
			    r->path, provider, name, pc);
	uint64_t pc_off = pc - s->vaddr + s->offset, sema_off = 0;
	if (sema) {
		const struct seg *ss = find_seg(r, sema, false);
		if (!ss)
			return fail(r, -ESRCH,
				    "%s: the semaphore of USDT probe %s:%s at 0x%" PRIx64
				    " is not in a loadable data segment",
				    r->path, provider, name, sema);
		sema_off = sema - ss->vaddr + ss->offset;
	}

	if (r->n == r->cap) {
		int nc = r->cap ? r->cap * 2 : 16;
		struct usdt_note *v = realloc(r->notes, sizeof(*v) * (size_t)nc);
		if (!v)
			return -ENOMEM;
		r->notes = v;
		r->cap = nc;
	}
	struct usdt_note *note = &r->notes[r->n];
	*note = (struct usdt_note){
		.provider = strdup(provider),
		.name = strdup(name),
		.args = strdup(args),
		.pc_vaddr = pc,
		.pc_offset = pc_off,
		.sema_vaddr = sema,
		.sema_offset = sema_off,
	};
	r->n++; /* counted now so that usdt_notes_free frees a half-built entry */
	if (!note->provider || !note->name || !note->args)
		return -ENOMEM;
	return parse_args(r, note);
}

static int read_notes(struct reader *r)
{
	size_t shstrndx;
	if (elf_getshdrstrndx(r->e, &shstrndx))
		return fail(r, -ENOEXEC, "%s has no section name table", r->path);
	/* .stapsdt.base first: the notes' adjustment needs it, wherever the section is */
	for (Elf_Scn *scn = NULL; (scn = elf_nextscn(r->e, scn));) {
		GElf_Shdr sh;
		const char *sname;
		if (gelf_getshdr(scn, &sh) && (sname = elf_strptr(r->e, shstrndx, sh.sh_name)) &&
		    strcmp(sname, ".stapsdt.base") == 0) {
			r->have_base = true;
			r->base_addr = sh.sh_addr;
		}
	}
	for (Elf_Scn *scn = NULL; (scn = elf_nextscn(r->e, scn));) {
		GElf_Shdr sh;
		const char *sname;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE ||
		    !(sname = elf_strptr(r->e, shstrndx, sh.sh_name)) ||
		    strcmp(sname, ".note.stapsdt") != 0)
			continue;
		Elf_Data *data = elf_getdata(scn, NULL);
		if (!data)
			continue;
		size_t off = 0, next, name_off, desc_off;
		GElf_Nhdr nh;
		while (off < data->d_size &&
		       (next = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
			const char *buf = data->d_buf;
			if (nh.n_type == NT_STAPSDT && nh.n_namesz == sizeof(STAPSDT_NAME) &&
			    memcmp(buf + name_off, STAPSDT_NAME, sizeof(STAPSDT_NAME)) == 0) {
				int rc = add_note(r, buf + desc_off, nh.n_descsz, off);
				if (rc)
					return rc;
			}
			off = next;
		}
	}
	return 0;
}

void usdt_notes_free(struct usdt_note *notes, int n)
{
	for (int i = 0; i < n; i++) {
		free(notes[i].provider);
		free(notes[i].name);
		free(notes[i].args);
		free(notes[i].arg);
		free(notes[i].args_err);
	}
	free(notes);
}

int usdt_notes_read(const char *path, struct usdt_note **out, int *n, char *err,
		    size_t errlen)
{
	struct reader r = { .path = path, .err = err, .errlen = errlen };
	*out = NULL;
	*n = 0;
	if (err && errlen)
		err[0] = '\0';
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		return fail(&r, -e, "cannot open %s: %s", path, strerror(e));
	}
	int rc;
	elf_version(EV_CURRENT);
	r.e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	GElf_Ehdr eh;
	if (!r.e || elf_kind(r.e) != ELF_K_ELF || !gelf_getehdr(r.e, &eh)) {
		rc = fail(&r, -ENOEXEC, "%s is not an ELF file", path);
		goto out;
	}
	if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN) {
		rc = fail(&r, -ENOEXEC, "%s is not an executable or a shared library", path);
		goto out;
	}
	r.is64 = eh.e_ident[EI_CLASS] == ELFCLASS64;
	r.swap = (eh.e_ident[EI_DATA] == ELFDATA2MSB) != (__BYTE_ORDER == __BIG_ENDIAN);
	if ((rc = read_segs(&r)) || (rc = read_notes(&r)))
		goto out;
out:
	if (rc == -ENOMEM)
		fail(&r, rc, "out of memory reading the USDT notes of %s", path);
	if (rc) {
		usdt_notes_free(r.notes, r.n);
	} else {
		*out = r.notes;
		*n = r.n;
	}
	free(r.segs);
	free(r.syms);
	if (r.e)
		elf_end(r.e);
	close(fd);
	return rc;
}

bool usdt_note_match(const struct usdt_note *note, const char *pattern)
{
	const char *colon = strchr(pattern, ':');
	if (!colon)
		return fnmatch(pattern, note->name, 0) == 0;
	char prov[256];
	size_t plen = (size_t)(colon - pattern);
	if (plen >= sizeof(prov))
		return false;
	memcpy(prov, pattern, plen);
	prov[plen] = '\0';
	return fnmatch(prov, note->provider, 0) == 0 && fnmatch(colon + 1, note->name, 0) == 0;
}
