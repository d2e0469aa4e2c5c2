/*
 * common/kinfo.c — the kernel-information service (common/kinfo.h): kallsyms, the
 * traceable functions and BTF, each read on first need and kept for the run.
 *
 * Owns: reading the two text files a chunk at a time (struct reader), so a lookup that
 * finds its answer early (a named kprobe, `func`) stops reading there while every line is
 * still read and parsed at most once per run; the indexes over kallsyms (by name, a
 * chained hash grown as lines arrive; by address, built on the first address lookup);
 * the __pfx_/__cfi_ filter of the traceable list; and which BTF file is meant.
 * Must not: print, attach, or read a file no caller asked about.
 */
#include "kinfo.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#define VMLINUX_BTF "/sys/kernel/btf/vmlinux"
#define CHUNK (64u * 1024u) /* bytes read before the lines so far are parsed */

/* ---- reading a file a chunk at a time ------------------------------------------------- */

/* The text read stays until the kinfo is freed: names point into it. */
struct chunk {
	struct chunk *next;
	char text[];
};

struct reader {
	int fd;                /* open while there is more to read */
	int state;             /* 0: not opened; 1: more to read; 2: at the end; -errno */
	struct chunk *chunks;  /* every chunk read, newest first */
	char *part;            /* a line the last read cut in two: its first part */
	size_t npart;
};

static int reader_open(struct reader *r, const char *path)
{
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	r->state = r->fd < 0 ? -errno : 1;
	return r->state < 0 ? r->state : 0;
}

static void reader_end(struct reader *r, int state)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	r->state = state;
}

static void reader_free(struct reader *r)
{
	if (r->state == 1)
		reader_end(r, 2);
	while (r->chunks) {
		struct chunk *c = r->chunks;
		r->chunks = c->next;
		free(c);
	}
	free(r->part);
}

/* The next run of whole lines, NUL-terminated, into *text and *len (may be 0 bytes when one
 * line is longer than a chunk). 1, 0 at the end, or -errno. A read error after the start
 * ends the file there (as stdio's getline would). */
static int reader_next(struct reader *r, char **text, size_t *len)
{
	if (r->state != 1)
		return r->state < 0 ? r->state : 0;
	size_t cap = r->npart + CHUNK + 1;
	struct chunk *c = malloc(sizeof(*c) + cap);
	if (!c) {
		reader_end(r, -ENOMEM);
		return -ENOMEM;
	}
	if (r->npart)
		memcpy(c->text, r->part, r->npart);
	size_t n = r->npart;
	bool eof = false;
	while (n < cap - 1) {
		ssize_t got = read(r->fd, c->text + n, cap - 1 - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			eof = true;
			break;
		}
		n += (size_t)got;
	}
	size_t whole = n; /* up to the last newline, unless the file ended */
	if (!eof)
		while (whole > 0 && c->text[whole - 1] != '\n')
			whole--;
	size_t rest = n - whole;
	char *part = rest ? realloc(r->part, rest) : r->part;
	if (rest && !part) {
		free(c);
		reader_end(r, -ENOMEM);
		return -ENOMEM;
	}
	if (rest)
		memcpy(part, c->text + whole, rest);
	r->part = part;
	r->npart = rest;
	c->text[whole] = '\0';
	c->next = r->chunks;
	r->chunks = c;
	if (eof)
		reader_end(r, 2);
	*text = c->text;
	*len = whole;
	return whole || !eof ? 1 : 0;
}

/* Each line of text (len bytes), NUL-terminated in place, to fn. */
static int each_line(char *text, size_t len, int (*fn)(void *ctx, char *line), void *ctx)
{
	char *end = text + len;
	for (char *p = text; p < end;) {
		char *eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		*eol = '\0';
		int r = fn(ctx, p);
		if (r)
			return r;
		p = eol + 1;
	}
	return 0;
}

/* ---- the service ------------------------------------------------------------------------ */

struct ksym {
	uint64_t addr;
	const char *name;
	const char *module; /* "ext4" for "name\t[ext4]"; NULL: vmlinux */
	uint32_t next;      /* the next entry on this one's hash chain, +1 (0: end) */
	char type;          /* kallsyms' letter: 't'/'T' text, 'a'/'A' absolute, ... */
};

struct kinfo {
	struct kinfo_files files;
	/* kallsyms: entries in file order, as far as read */
	struct reader ks_rd;
	struct ksym *ks;
	uint32_t nks, capks;
	uint32_t *ks_hash;    /* [ks_hash_cap]: the chain's last entry, +1 (chains run
	                         backwards through the file); built once all is read */
	uint32_t ks_hash_cap;
	uint32_t *ks_by_addr; /* located entries by address, once all are read */
	uint32_t nks_by_addr;
	bool ks_by_addr_built;
	/* traceable functions, as far as read */
	int tr_src;           /* 0: not chosen; 1: available_filter_functions; 2: kallsyms;
	                         -errno: neither readable */
	struct reader tr_rd;
	uint32_t tr_ks_pos;   /* kallsyms entries looked at for the list (tr_src 2) */
	bool tr_done;
	struct kinfo_func *tr;
	size_t ntr, captr;
	/* BTF */
	int btf_state;        /* 0 not loaded, 1 loaded, -errno */
	struct btf *btf;
	const char *btf_path; /* the file given (files.btf or $BPFTRACE_BTF); NULL: kernel's */
	int kbtf_state;
	struct btf *kbtf;     /* the kernel's own when btf came from another file */
};

struct kinfo *kinfo_new(const struct kinfo_files *files)
{
	struct kinfo *ki = calloc(1, sizeof(*ki));
	if (!ki)
		return NULL;
	if (files)
		ki->files = *files;
	ki->ks_rd.fd = ki->tr_rd.fd = -1;
	return ki;
}

void kinfo_free(struct kinfo *ki)
{
	if (!ki)
		return;
	reader_free(&ki->ks_rd);
	free(ki->ks);
	free(ki->ks_hash);
	free(ki->ks_by_addr);
	reader_free(&ki->tr_rd);
	free(ki->tr);
	btf__free(ki->btf);
	btf__free(ki->kbtf);
	free(ki);
}

static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* ---- kallsyms ------------------------------------------------------------------------ */

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
		: c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* "ffffffff81234560 T vfs_read" or "ffffffffc0a01000 t ext4_foo\t[ext4]": a module's
 * symbols are known by their plain names, as bpftrace prints them; the module is kept
 * apart for the traceable list. */
static int ks_line(void *ctx, char *p)
{
	struct kinfo *ki = ctx;
	uint64_t addr = 0;
	char *q = p;
	for (int v; (v = hexval(*q)) >= 0; q++)
		addr = addr << 4 | (uint64_t)v;
	if (q == p || q[0] != ' ' || !q[1] || q[2] != ' ' || !q[3])
		return 0;
	char *name = q + 3, *rest = name;
	while (*rest && *rest != ' ' && *rest != '\t')
		rest++;
	char *mod = *rest ? strchr(rest + 1, '[') : NULL;
	char *close = mod ? strchr(mod, ']') : NULL;
	*rest = '\0';
	if (close)
		*close = '\0';
	if (ki->nks == ki->capks) {
		uint32_t cap = ki->capks ? ki->capks * 2 : 65536;
		struct ksym *v = realloc(ki->ks, sizeof(*v) * cap);
		if (!v)
			return -ENOMEM;
		ki->ks = v;
		ki->capks = cap;
	}
	ki->ks[ki->nks++] = (struct ksym){ addr, name, close ? mod + 1 : NULL, 0, q[1] };
	return 0;
}

/* Reads and parses the next chunk of kallsyms: 1, 0 at its end, or -errno. */
static int ks_more(struct kinfo *ki)
{
	struct reader *r = &ki->ks_rd;
	if (!r->state && reader_open(r, ki->files.kallsyms ? ki->files.kallsyms : "/proc/kallsyms"))
		return r->state;
	char *text;
	size_t len;
	int got = reader_next(r, &text, &len);
	if (got <= 0)
		return got;
	int err = each_line(text, len, ks_line, ki);
	if (err) {
		reader_end(r, err);
		return err;
	}
	return 1;
}

/* Reads the rest of the file, then indexes every entry by name (chains run backwards
 * through the file). The index is built only once everything is read: until then a
 * lookup scans what has been read, which for the usual one or two names is cheaper. */
static void ks_all(struct kinfo *ki)
{
	while (ks_more(ki) > 0)
		;
	if (ki->ks_hash || !ki->nks)
		return;
	uint32_t cap = 1024;
	while (cap < ki->nks * 2u)
		cap *= 2;
	if (!(ki->ks_hash = calloc(cap, sizeof(*ki->ks_hash))))
		return;
	ki->ks_hash_cap = cap;
	for (uint32_t i = 0; i < ki->nks; i++) {
		uint32_t *head = &ki->ks_hash[name_hash(ki->ks[i].name) & (cap - 1)];
		ki->ks[i].next = *head;
		*head = i + 1;
	}
}

static bool ks_read_all(const struct kinfo *ki)
{
	return ki->ks_rd.state != 0 && ki->ks_rd.state != 1;
}

/* The earliest entry (in file order) named name that ok accepts, reading on until one is
 * found or the file ends; NULL if none. */
static const struct ksym *ks_first(struct kinfo *ki, const char *name,
				   bool (*ok)(const struct ksym *))
{
	const struct ksym *best = NULL;
	for (uint32_t i = 0; !ks_read_all(ki);) {
		for (; i < ki->nks; i++)
			if (strcmp(ki->ks[i].name, name) == 0 && ok(&ki->ks[i]))
				return &ki->ks[i];
		if (ks_more(ki) <= 0)
			break;
	}
	ks_all(ki);
	for (uint32_t i = ki->ks_hash_cap ? ki->ks_hash[name_hash(name) & (ki->ks_hash_cap - 1)]
					   : 0;
	     i; i = ki->ks[i - 1].next)
		if (strcmp(ki->ks[i - 1].name, name) == 0 && ok(&ki->ks[i - 1]))
			best = &ki->ks[i - 1]; /* the chain runs backwards */
	return best;
}

/* Absolute symbols are not addresses a stack or a variable can hold; a zero address is
 * hidden (kptr_restrict). */
static bool ks_located(const struct ksym *s)
{
	return s->addr && s->type != 'a' && s->type != 'A';
}

static bool ks_text(const struct ksym *s)
{
	return s->type == 't' || s->type == 'T';
}

static bool ks_any(const struct ksym *s)
{
	return true;
}

static int by_addr_cmp(const void *a, const void *b, void *ctx)
{
	const struct ksym *ks = ctx;
	uint64_t x = ks[*(const uint32_t *)a].addr, y = ks[*(const uint32_t *)b].addr;
	return x < y ? -1 : x > y;
}

bool kinfo_ksym_resolve(struct kinfo *ki, uint64_t addr, bool with_off, char *buf, size_t len)
{
	if (!ki->ks_by_addr_built) {
		ks_all(ki);
		ki->ks_by_addr_built = true;
		ki->ks_by_addr = malloc(sizeof(*ki->ks_by_addr) * (ki->nks ? ki->nks : 1));
		if (!ki->ks_by_addr)
			return false;
		for (uint32_t i = 0; i < ki->nks; i++)
			if (ks_located(&ki->ks[i]))
				ki->ks_by_addr[ki->nks_by_addr++] = i;
		qsort_r(ki->ks_by_addr, ki->nks_by_addr, sizeof(*ki->ks_by_addr), by_addr_cmp,
			ki->ks);
	}
	int64_t lo = 0, hi = (int64_t)ki->nks_by_addr - 1, best = -1;
	while (lo <= hi) {
		int64_t mid = lo + (hi - lo) / 2;
		if (ki->ks[ki->ks_by_addr[mid]].addr <= addr) {
			best = mid;
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	if (best < 0)
		return false;
	const struct ksym *s = &ki->ks[ki->ks_by_addr[best]];
	if (with_off)
		snprintf(buf, len, "%s+%llu", s->name, (unsigned long long)(addr - s->addr));
	else
		snprintf(buf, len, "%s", s->name);
	return true;
}

uint64_t kinfo_ksym_addr(struct kinfo *ki, const char *name)
{
	ks_all(ki); /* the lowest of every symbol of the name */
	uint64_t best = 0;
	uint32_t first = ki->ks_hash_cap ? ki->ks_hash[name_hash(name) & (ki->ks_hash_cap - 1)] : 0;
	for (uint32_t i = first; i; i = ki->ks[i - 1].next) {
		const struct ksym *s = &ki->ks[i - 1];
		if (strcmp(s->name, name) == 0 && ks_located(s) && (!best || s->addr < best))
			best = s->addr;
	}
	return best;
}

uint64_t kinfo_kfunc_addr(struct kinfo *ki, const char *name)
{
	const struct ksym *s = ks_first(ki, name, ks_text);
	return s ? s->addr : 0;
}

bool kinfo_ksym_listed(struct kinfo *ki, const char *name)
{
	return ks_first(ki, name, ks_any) != NULL;
}

/* ---- traceable functions --------------------------------------------------------------- */

/* Text symbols the compiler or linker made up (function padding, CFI stubs), not
 * functions anyone means to trace. */
static bool made_up(const char *name)
{
	return strncmp(name, "__pfx_", 6) == 0 || strncmp(name, "__cfi_", 6) == 0;
}

static int tr_add(struct kinfo *ki, const char *name, const char *module)
{
	if (made_up(name))
		return 0;
	if (ki->ntr == ki->captr) {
		size_t cap = ki->captr ? ki->captr * 2 : 16384;
		struct kinfo_func *v = realloc(ki->tr, sizeof(*v) * cap);
		if (!v)
			return -ENOMEM;
		ki->tr = v;
		ki->captr = cap;
	}
	ki->tr[ki->ntr++] = (struct kinfo_func){ name, module };
	return 0;
}

/* available_filter_functions: "name" or "name [module]" per line. */
static int tr_line(void *ctx, char *p)
{
	size_t n = strcspn(p, " \t");
	if (!n)
		return 0;
	char *rest = p[n] ? p + n + 1 : p + n;
	p[n] = '\0';
	char *mod = strchr(rest, '[');
	char *close = mod ? strchr(mod, ']') : NULL;
	if (close)
		*close = '\0';
	return tr_add(ctx, p, close ? mod + 1 : NULL);
}

/* More of the list: 1, 0 at its end, or -errno (neither source readable). */
static int tr_more(struct kinfo *ki)
{
	if (ki->tr_done)
		return 0;
	if (!ki->tr_src) {
		const char *path = ki->files.traceable;
		char buf[512];
		if (!path) {
			const char *root = ki->files.tracefs_root ? ki->files.tracefs_root()
								  : "/sys/kernel/tracing";
			if (root) {
				snprintf(buf, sizeof(buf), "%s/available_filter_functions", root);
				path = buf;
			}
		}
		ki->tr_src = path && reader_open(&ki->tr_rd, path) == 0 ? 1 : 2;
	}
	int got;
	if (ki->tr_src == 1) {
		char *text;
		size_t len;
		got = reader_next(&ki->tr_rd, &text, &len);
		if (got > 0 && (got = each_line(text, len, tr_line, ki)) == 0)
			got = 1;
	} else {
		/* kallsyms' text symbols, with their modules */
		if (ki->tr_ks_pos == ki->nks && (got = ks_more(ki)) <= 0) {
			/* unreadable before any line: the list cannot be had at all */
			if (got < 0 && !ki->nks)
				ki->tr_src = got;
			ki->tr_done = true;
			return ki->tr_src < 0 ? ki->tr_src : 0;
		}
		for (got = 1; ki->tr_ks_pos < ki->nks && got > 0; ki->tr_ks_pos++) {
			const struct ksym *s = &ki->ks[ki->tr_ks_pos];
			if (ks_text(s) && tr_add(ki, s->name, s->module))
				got = -ENOMEM;
		}
	}
	if (got <= 0)
		ki->tr_done = true;
	return got;
}

int kinfo_traceable_each(struct kinfo *ki, int (*fn)(const struct kinfo_func *f, void *ctx),
			 void *ctx, bool *from_kallsyms)
{
	int r = 0;
	for (size_t i = 0; !r;) {
		if (i == ki->ntr) {
			int got = tr_more(ki);
			if (got <= 0) {
				r = ki->tr_src < 0 ? ki->tr_src : 0;
				break;
			}
			continue;
		}
		r = fn(&ki->tr[i++], ctx);
	}
	*from_kallsyms = ki->tr_src == 2;
	return r;
}

int kinfo_traceable(struct kinfo *ki, const struct kinfo_func **fns, size_t *n,
		    bool *from_kallsyms)
{
	while (tr_more(ki) > 0)
		;
	*from_kallsyms = ki->tr_src == 2;
	*fns = ki->tr;
	*n = ki->tr_src < 0 ? 0 : ki->ntr;
	return ki->tr_src < 0 ? ki->tr_src : 0;
}

/* ---- BTF ----------------------------------------------------------------------------- */

static struct btf *load_btf(const char *path, int *err)
{
	errno = 0;
	struct btf *b = path ? btf__parse(path, NULL) : btf__load_vmlinux_btf();
	int e = errno;
	if (!b || libbpf_get_error(b)) {
		*err = e ? e : ENOENT;
		return NULL;
	}
	return b;
}

struct btf *kinfo_btf(struct kinfo *ki, int *err, const char **path)
{
	if (!ki->btf_state) {
		const char *env = getenv("BPFTRACE_BTF");
		ki->btf_path = ki->files.btf ? ki->files.btf : env && *env ? env : NULL;
		int e = 0;
		ki->btf = load_btf(ki->btf_path, &e);
		ki->btf_state = ki->btf ? 1 : -e;
	}
	if (err)
		*err = ki->btf_state < 0 ? -ki->btf_state : 0;
	if (path)
		*path = ki->btf_path ? ki->btf_path : VMLINUX_BTF;
	return ki->btf;
}

struct btf *kinfo_kernel_btf(struct kinfo *ki, int *err)
{
	int e = 0;
	struct btf *b = kinfo_btf(ki, &e, NULL);
	if (!ki->btf_path) { /* kinfo_btf is the kernel's own */
		*err = e;
		return b;
	}
	if (!ki->kbtf_state) {
		ki->kbtf = load_btf(NULL, &e);
		ki->kbtf_state = ki->kbtf ? 1 : -e;
	}
	*err = ki->kbtf_state < 0 ? -ki->kbtf_state : 0;
	return ki->kbtf;
}
