/*
 * common/kinfo.c — the kernel-information service (common/kinfo.h): kallsyms, the
 * traceable functions and BTF, each read on first need and kept for the run.
 *
 * Owns: reading each file once into one buffer (names are pointers into it), the
 * indexes over kallsyms (by name, a chained hash in file order; by address, built on the
 * first address lookup), the __pfx_/__cfi_ filter of the traceable list, and which BTF
 * file is meant.
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

struct ksym {
	uint64_t addr;
	const char *name;
	const char *module; /* "ext4" for "name\t[ext4]"; NULL: vmlinux */
	uint32_t next; /* the next entry in this one's hash chain, +1 (0: end) */
	char type;     /* kallsyms' letter: 't'/'T' text, 'a'/'A' absolute, ... */
};

struct kinfo {
	struct kinfo_files files;
	/* kallsyms: 0 not read yet, 1 read, -errno unreadable */
	int ks_state;
	char *ks_text;
	struct ksym *ks;
	uint32_t nks;
	uint32_t *ks_hash;  /* [ks_hash_cap]: first entry of the chain, +1 */
	uint32_t ks_hash_cap;
	uint32_t *ks_by_addr; /* entries with an address, not absolute, by address */
	uint32_t nks_by_addr;
	bool ks_by_addr_built;
	/* traceable functions */
	int tr_state;
	bool tr_from_kallsyms;
	char *tr_text;
	struct kinfo_func *tr;
	size_t ntr;
	/* BTF */
	int btf_state;  /* 0 not loaded, 1 loaded, -errno */
	struct btf *btf;
	const char *btf_path; /* the file given (files.btf or $BPFTRACE_BTF); NULL: kernel's */
	int kbtf_state;
	struct btf *kbtf;     /* the kernel's own when btf came from another file */
};

struct kinfo *kinfo_new(const struct kinfo_files *files)
{
	struct kinfo *ki = calloc(1, sizeof(*ki));
	if (ki && files)
		ki->files = *files;
	return ki;
}

void kinfo_free(struct kinfo *ki)
{
	if (!ki)
		return;
	free(ki->ks_text);
	free(ki->ks);
	free(ki->ks_hash);
	free(ki->ks_by_addr);
	free(ki->tr_text);
	free(ki->tr);
	btf__free(ki->btf);
	btf__free(ki->kbtf);
	free(ki);
}

/* The whole file, NUL-terminated (/proc and tracefs files report no size: read to EOF).
 * 0 or -errno. */
static int slurp(const char *path, char **out, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t cap = 1 << 20, n = 0;
	char *buf = malloc(cap);
	int err = buf ? 0 : -ENOMEM;
	while (!err) {
		if (cap - n < 65536 + 1) {
			char *b = realloc(buf, cap * 2);
			if (!b) {
				err = -ENOMEM;
				break;
			}
			buf = b;
			cap *= 2;
		}
		ssize_t r = read(fd, buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			err = -errno;
		else if (r == 0)
			break;
		else
			n += (size_t)r;
	}
	close(fd);
	if (err) {
		free(buf);
		return err;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* ---- kallsyms ------------------------------------------------------------------------ */

/* "ffffffff81234560 T vfs_read" or "ffffffffc0a01000 t ext4_foo\t[ext4]": a module's
 * symbols are known by their plain names, as bpftrace prints them; the module is kept
 * apart for the traceable list. */
static int ks_parse(struct kinfo *ki)
{
	size_t cap = 0;
	for (char *p = ki->ks_text; *p;) {
		char *eol = strchr(p, '\n');
		char *next = eol ? eol + 1 : p + strlen(p);
		if (eol)
			*eol = '\0';
		char *end;
		uint64_t addr = strtoull(p, &end, 16);
		if (end != p && end[0] == ' ' && end[1] && end[2] == ' ' && end[3]) {
			char type = end[1];
			char *name = end + 3;
			char *rest = name + strcspn(name, " \t");
			char *mod = *rest ? strchr(rest + 1, '[') : NULL;
			char *close = mod ? strchr(mod, ']') : NULL;
			*rest = '\0';
			if (close) {
				*close = '\0';
				mod++;
			} else {
				mod = NULL;
			}
			if (ki->nks == cap) {
				cap = cap ? cap * 2 : 65536;
				struct ksym *v = realloc(ki->ks, sizeof(*v) * cap);
				if (!v)
					return -ENOMEM;
				ki->ks = v;
			}
			ki->ks[ki->nks++] = (struct ksym){ addr, name, mod, 0, type };
		}
		p = next;
	}
	uint32_t hcap = 1024;
	while (hcap < ki->nks * 2u)
		hcap *= 2;
	if (!(ki->ks_hash = calloc(hcap, sizeof(*ki->ks_hash))))
		return -ENOMEM;
	ki->ks_hash_cap = hcap;
	/* last to first, each pushed on its chain's head: chains run in file order */
	for (uint32_t i = ki->nks; i-- > 0;) {
		uint32_t *head = &ki->ks_hash[name_hash(ki->ks[i].name) & (hcap - 1)];
		ki->ks[i].next = *head;
		*head = i + 1;
	}
	return 0;
}

static bool ks_load(struct kinfo *ki)
{
	if (ki->ks_state)
		return ki->ks_state > 0;
	size_t len;
	int err = slurp(ki->files.kallsyms ? ki->files.kallsyms : "/proc/kallsyms", &ki->ks_text,
			&len);
	if (!err && (err = ks_parse(ki))) {
		free(ki->ks_text);
		free(ki->ks);
		free(ki->ks_hash);
		ki->ks_text = NULL;
		ki->ks = NULL;
		ki->ks_hash = NULL;
		ki->nks = 0;
	}
	ki->ks_state = err ? err : 1;
	return !err;
}

/* The first entry named name, in file order, or NULL; ks_next gives the following ones. */
static const struct ksym *ks_first(struct kinfo *ki, const char *name)
{
	if (!ks_load(ki) || !ki->nks)
		return NULL;
	uint32_t i = ki->ks_hash[name_hash(name) & (ki->ks_hash_cap - 1)];
	for (; i; i = ki->ks[i - 1].next)
		if (strcmp(ki->ks[i - 1].name, name) == 0)
			return &ki->ks[i - 1];
	return NULL;
}

static const struct ksym *ks_next(struct kinfo *ki, const struct ksym *s)
{
	for (uint32_t i = s->next; i; i = ki->ks[i - 1].next)
		if (strcmp(ki->ks[i - 1].name, s->name) == 0)
			return &ki->ks[i - 1];
	return NULL;
}

/* Absolute symbols are not addresses a stack or a variable can hold; a zero address is
 * hidden (kptr_restrict). */
static bool ks_located(const struct ksym *s)
{
	return s->addr && s->type != 'a' && s->type != 'A';
}

static int by_addr_cmp(const void *a, const void *b, void *ctx)
{
	const struct ksym *ks = ctx;
	uint64_t x = ks[*(const uint32_t *)a].addr, y = ks[*(const uint32_t *)b].addr;
	return x < y ? -1 : x > y;
}

bool kinfo_ksym_resolve(struct kinfo *ki, uint64_t addr, bool with_off, char *buf, size_t len)
{
	if (!ks_load(ki))
		return false;
	if (!ki->ks_by_addr_built) {
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
	uint64_t best = 0;
	for (const struct ksym *s = ks_first(ki, name); s; s = ks_next(ki, s))
		if (ks_located(s) && (!best || s->addr < best))
			best = s->addr;
	return best;
}

uint64_t kinfo_kfunc_addr(struct kinfo *ki, const char *name)
{
	for (const struct ksym *s = ks_first(ki, name); s; s = ks_next(ki, s))
		if (s->type == 't' || s->type == 'T')
			return s->addr;
	return 0;
}

bool kinfo_ksym_listed(struct kinfo *ki, const char *name)
{
	return ks_first(ki, name) != NULL;
}

/* ---- traceable functions --------------------------------------------------------------- */

/* Text symbols the compiler or linker made up (function padding, CFI stubs), not
 * functions anyone means to trace. */
static bool made_up(const char *name)
{
	return strncmp(name, "__pfx_", 6) == 0 || strncmp(name, "__cfi_", 6) == 0;
}

static int tr_add(struct kinfo *ki, size_t *cap, const char *name, const char *module)
{
	if (made_up(name))
		return 0;
	if (ki->ntr == *cap) {
		*cap = *cap ? *cap * 2 : 16384;
		struct kinfo_func *v = realloc(ki->tr, sizeof(*v) * *cap);
		if (!v)
			return -ENOMEM;
		ki->tr = v;
	}
	ki->tr[ki->ntr++] = (struct kinfo_func){ name, module };
	return 0;
}

/* available_filter_functions: "name" or "name [module]" per line. */
static int tr_parse_ftrace(struct kinfo *ki)
{
	size_t cap = 0;
	for (char *p = ki->tr_text; *p;) {
		char *eol = strchr(p, '\n');
		char *next = eol ? eol + 1 : p + strlen(p);
		if (eol)
			*eol = '\0';
		size_t n = strcspn(p, " \t");
		char *rest = p[n] ? p + n + 1 : p + n;
		p[n] = '\0';
		char *mod = strchr(rest, '[');
		char *close = mod ? strchr(mod, ']') : NULL;
		if (close) {
			*close = '\0';
			mod++;
		} else {
			mod = NULL;
		}
		if (n && tr_add(ki, &cap, p, mod))
			return -ENOMEM;
		p = next;
	}
	return 0;
}

/* kallsyms' text symbols, with their modules. */
static int tr_from_kallsyms(struct kinfo *ki)
{
	size_t cap = 0;
	for (uint32_t i = 0; i < ki->nks; i++) {
		const struct ksym *s = &ki->ks[i];
		if ((s->type == 't' || s->type == 'T') && tr_add(ki, &cap, s->name, s->module))
			return -ENOMEM;
	}
	return 0;
}

int kinfo_traceable(struct kinfo *ki, const struct kinfo_func **fns, size_t *n,
		    bool *from_kallsyms)
{
	if (!ki->tr_state) {
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
		size_t len;
		int e = path ? slurp(path, &ki->tr_text, &len) : -ENOENT;
		if (!e) {
			e = tr_parse_ftrace(ki);
		} else if (ks_load(ki)) {
			ki->tr_from_kallsyms = true;
			e = tr_from_kallsyms(ki);
		} else {
			e = ki->ks_state;
		}
		if (e) {
			free(ki->tr);
			ki->tr = NULL;
			ki->ntr = 0;
		}
		ki->tr_state = e ? e : 1;
	}
	*from_kallsyms = ki->tr_from_kallsyms;
	*fns = ki->tr;
	*n = ki->ntr;
	return ki->tr_state < 0 ? ki->tr_state : 0;
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
