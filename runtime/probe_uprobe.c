/*
 * runtime/probe_uprobe.c — uprobe and uretprobe: finding the binary, expanding the function
 * part of the attach point against its ELF symbols, and opening the uprobe perf events.
 *
 * Owns: "uprobe:PATH:FUNC", "uprobe:PATH:FUNC+OFFSET", "uprobe:PATH:0xADDRESS",
 * "uprobe:PATH:GLOB" (and u:/ur:/uretprobe:), where PATH is a path (kept as written in the
 * probe name, like bpftrace), a program name looked up on $PATH, or a library name
 * ("libc", "libc.so.6") looked up the way the dynamic linker does (/etc/ld.so.cache, then
 * the standard directories). Offsets handed to the kernel are file offsets:
 * symbol value - segment vaddr + segment file offset. Attaching goes through the uprobe
 * PMU (perf_event_open + a BPF link) or a uprobe_multi link (probe_uprobe_multi.c), so the
 * kernel removes the probe if we die; `-l uprobe:BINARY:GLOB`; the uprobe/uretprobe rows.
 * Must not: load programs, or print: every failure is one sentence naming the probe in an
 * err buffer.
 */
#include "runtime_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "elf_symbols.h"

#define UPROBE_PMU_DIR "/sys/bus/event_source/devices/uprobe"

static bool is_regular(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* ---- finding the binary ------------------------------------------------------------- */

/* A program name on $PATH, like the shell (and bpftrace) would find it. */
static bool find_on_path(const char *name, char *out, size_t len)
{
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");
		if (n && (size_t)snprintf(out, len, "%.*s/%s", (int)n, path, name) < len &&
		    is_regular(out) && access(out, X_OK) == 0)
			return true;
		path += n;
		if (*path == ':')
			path++;
	}
	return false;
}

/* Does a library file name ("libc.so.6") answer to the name the user wrote ("libc",
 * "c" is not accepted, "libc.so", "libc.so.6")? As bcc/bpftrace: "lib" + name + ".so". */
static bool lib_matches(const char *file, const char *want)
{
	size_t wl = strlen(want);
	if (strncmp(want, "lib", 3) != 0)
		return false;
	if (strchr(want, '.')) /* an exact soname or file name */
		return strcmp(file, want) == 0 ||
		       (strncmp(file, want, wl) == 0 && file[wl] == '.');
	return strncmp(file, want, wl) == 0 && strncmp(file + wl, ".so", 3) == 0 &&
	       (file[wl + 3] == '\0' || file[wl + 3] == '.');
}

/* /etc/ld.so.cache, "glibc-ld.so.cache1.1" format (the only one Debian 12 writes): a 48-byte
 * header (magic+version, nlibs, len_strings, ...) then nlibs entries of
 * {i32 flags, u32 key, u32 value, u32 osversion, u64 hwcap}; key/value are offsets of the
 * soname and the full path from the start of the file. */
#define LDCACHE_MAGIC "glibc-ld.so.cache1.1"
#define LDCACHE_X86_64 0x0303 /* FLAG_ELF_LIBC6 | FLAG_X8664_LIB64 */
static bool find_in_ldcache(const char *want, char *out, size_t len)
{
	FILE *f = fopen("/etc/ld.so.cache", "re");
	if (!f)
		return false;
	bool found = false;
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = size > 48 && size < (64 << 20) ? malloc((size_t)size + 1) : NULL;
	if (buf && fread(buf, 1, (size_t)size, f) == (size_t)size &&
	    memcmp(buf, LDCACHE_MAGIC, sizeof(LDCACHE_MAGIC) - 1) == 0) {
		buf[size] = '\0';
		uint32_t nlibs;
		memcpy(&nlibs, buf + 20, 4);
		for (uint32_t i = 0; i < nlibs && !found; i++) {
			size_t at = 48 + (size_t)i * 24;
			if (at + 24 > (size_t)size)
				break;
			int32_t flags;
			uint32_t key, value;
			memcpy(&flags, buf + at, 4);
			memcpy(&key, buf + at + 4, 4);
			memcpy(&value, buf + at + 8, 4);
			if (key >= size || value >= size || (flags & 0xffff) != LDCACHE_X86_64)
				continue;
			if (lib_matches(buf + key, want) && strlen(buf + value) < len) {
				strcpy(out, buf + value);
				found = is_regular(out);
			}
		}
	}
	free(buf);
	fclose(f);
	return found;
}

static const char *const lib_dirs[] = {
	"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64",
	"/lib", "/usr/lib", "/usr/local/lib",
};

static bool find_in_lib_dirs(const char *want, char *out, size_t len)
{
	for (size_t i = 0; i < sizeof(lib_dirs) / sizeof(lib_dirs[0]); i++) {
		/* exact file first (libfoo.so.1), then libfoo.so, then any libfoo.so.N */
		if ((size_t)snprintf(out, len, "%s/%s", lib_dirs[i], want) < len && is_regular(out) &&
		    strchr(want, '.'))
			return true;
		if ((size_t)snprintf(out, len, "%s/%s.so", lib_dirs[i], want) < len &&
		    is_regular(out))
			return true;
	}
	return false;
}

/* Resolves PATH as written into a file to open (abs) and the text for probe names
 * (shown: as written when it is a path, else the resolved path, as bpftrace does). */
int uprobe_find_binary(const char *written, char *abs, size_t alen, char *shown, size_t slen,
		       char *err, size_t errlen, const char *probe)
{
	char found[PATH_MAX];
	if (strchr(written, '/')) {
		if (!is_regular(written))
			return provider_fail(err, errlen,
				    "uprobe target file '%s' does not exist or is not a regular file",
				    written);
		snprintf(found, sizeof(found), "%s", written);
		snprintf(shown, slen, "%s", written);
	} else if (find_on_path(written, found, sizeof(found)) ||
		   find_in_ldcache(written, found, sizeof(found)) ||
		   find_in_lib_dirs(written, found, sizeof(found))) {
		snprintf(shown, slen, "%s", found);
	} else {
		return provider_fail(err, errlen,
			    "uprobe target '%s' not found: it is neither a file, a program on $PATH, "
			    "nor a library known to the dynamic linker (%s)",
			    written, probe);
	}
	if (!realpath(found, abs) || strlen(abs) >= alen)
		return provider_fail(err, errlen, "cannot resolve the path of uprobe target '%s': %s",
			    written, strerror(errno));
	return 0;
}

/* ---- expansion ------------------------------------------------------------------------ */

static int add_point(const struct provider *pv, struct probe_point **pts, int *n,
		     const char *shown, const char *abs, const char *func, const char *suffix,
		     uint64_t file_off)
{
	struct probe_point *p = probe_points_add(pts, n);
	if (!p)
		return -ENOMEM;
	p->kind = pv->kind;
	p->target = strdup(abs);
	p->func = strdup(func);
	p->offset = file_off;
	if (asprintf(&p->name, "%s:%s:%s", pv->name, shown, suffix) < 0)
		p->name = NULL;
	if (!p->target || !p->func || !p->name)
		return -ENOMEM;
	return 0;
}

static bool has_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

/* "FUNC+OFF" / "0xADDR" / "1234" → parts. Returns -1 on a malformed number. */
static int parse_func(const char *spec, char *func, size_t flen, uint64_t *off, bool *is_addr)
{
	*off = 0;
	*is_addr = false;
	if (spec[0] >= '0' && spec[0] <= '9') {
		char *end;
		errno = 0;
		*off = strtoull(spec, &end, 0);
		if (*end || errno)
			return -1;
		*is_addr = true;
		func[0] = '\0';
		return 0;
	}
	const char *name = spec, *plus;
	size_t fl;
	if (spec[0] == '"') { /* "echo_builtin"+0, "ns::f(int)": the name as quoted */
		const char *q = strchr(spec + 1, '"');
		if (!q)
			return -1;
		name = spec + 1;
		fl = (size_t)(q - name);
		plus = q[1] == '+' ? q + 1 : NULL;
		if (q[1] && !plus)
			return -1;
	} else {
		plus = strchr(spec, '+');
		fl = plus ? (size_t)(plus - spec) : strlen(spec);
	}
	if (fl >= flen || !fl)
		return -1;
	memcpy(func, name, fl);
	func[fl] = '\0';
	if (plus) {
		char *end;
		errno = 0;
		if (!plus[1])
			return -1;
		*off = strtoull(plus + 1, &end, 0);
		if (*end || errno)
			return -1;
	}
	return 0;
}

static int uprobe_expand(const struct provider *pv, const char *text, struct probe_point **pts,
		  int *n, char *err, size_t errlen)
{
	const char *rest = strchr(text, ':');
	/* the last ':' outside a quoted function name ("ns::f") */
	const char *last = NULL;
	bool quoted = false;
	for (const char *c = rest ? rest + 1 : ""; *c; c++) {
		if (*c == '"')
			quoted = !quoted;
		else if (*c == ':' && !quoted)
			last = c;
	}
	if (!rest || !last || last == rest + 1 || !last[1])
		return provider_fail(err, errlen,
			    "%s probes are written %s:BINARY:FUNCTION (or +OFFSET, or an address), "
			    "e.g. %s:/bin/bash:readline, not '%s'",
			    pv->name, pv->name, pv->name, text);
	char written[PATH_MAX], abs[PATH_MAX], shown[PATH_MAX], func[512];
	size_t wl = (size_t)(last - rest - 1);
	if (wl >= sizeof(written))
		return provider_fail(err, errlen, "uprobe target path is too long in '%s'", text);
	memcpy(written, rest + 1, wl);
	written[wl] = '\0';
	const char *spec = last + 1;
	uint64_t off;
	bool is_addr;
	if (parse_func(spec, func, sizeof(func), &off, &is_addr))
		return provider_fail(err, errlen,
			    "invalid function in '%s': expected FUNCTION, FUNCTION+OFFSET or an "
			    "address",
			    text);
	if (has_glob(written))
		return provider_fail(err, errlen, "wildcards in the uprobe binary path are not supported: '%s'",
			    text);
	if (uprobe_find_binary(written, abs, sizeof(abs), shown, sizeof(shown), err, errlen, text))
		return -1;

	struct elf_file ef;
	char why[PATH_MAX + 64];
	int e = elf_file_load(abs, &ef, why, sizeof(why));
	if (e == -ENOEXEC)
		return provider_fail(err, errlen, "cannot probe %s: %s is not an ELF file", text, written);
	if (e)
		return provider_fail(err, errlen, "cannot probe %s: cannot read %s: %s", text, written,
			    strerror(-e));

	int first = *n, ret = 0;
	char suffix[600];
	uint64_t foff;
	if (is_addr) {
		const struct elf_sym *s = elf_sym_by_addr(&ef, off);
		if (!s || off - s->addr >= (s->size ? s->size : 1)) {
			/* as bpftrace: only an address inside a known function, so the probe
			 * lands on an instruction boundary the symbol vouches for */
			ret = provider_fail(err, errlen,
				   "cannot probe %s: Could not resolve address: %s:0x%" PRIx64
				   " (no function of the binary contains it)",
				   text, written, off);
			goto out;
		}
		if (pv->kind == PROBE_URETPROBE && off != s->addr) {
			ret = provider_fail(err, errlen,
				   "cannot probe %s: uretprobes cannot be attached at function offset "
				   "(address resolved to: %s+%" PRIu64 ")",
				   text, s->name, off - s->addr);
			goto out;
		}
		if (elf_vaddr_to_offset(&ef, off, &foff)) {
			ret = provider_fail(err, errlen,
				   "cannot probe %s: address 0x%" PRIx64 " is not in a loaded segment of %s",
				   text, off, written);
			goto out;
		}
		char hex[32];
		snprintf(hex, sizeof(hex), "0x%" PRIx64, off);
		snprintf(suffix, sizeof(suffix), "%" PRIu64, off); /* bpftrace: decimal */
		if (add_point(pv, pts, n, shown, abs, s ? s->name : hex, suffix, foff))
			goto oom;
	} else if (has_glob(func)) {
		if (off) {
			ret = provider_fail(err, errlen, "cannot combine a wildcard with an offset in %s", text);
			goto out;
		}
		/* one point per matching name, in name order like bpftrace's listing */
		const struct elf_sym **m = calloc((size_t)ef.nsyms + 1, sizeof(*m));
		int nm = 0;
		if (!m)
			goto oom;
		for (int i = 0; i < ef.nsyms; i++)
			if (fnmatch(func, ef.syms[i].name, 0) == 0)
				m[nm++] = &ef.syms[i];
		for (int i = 1; i < nm; i++) /* insertion sort by name: matches are few */
			for (int j = i; j > 0 && strcmp(m[j - 1]->name, m[j]->name) > 0; j--) {
				const struct elf_sym *t = m[j];
				m[j] = m[j - 1];
				m[j - 1] = t;
			}
		for (int i = 0; i < nm && !ret; i++) {
			if (elf_vaddr_to_offset(&ef, m[i]->addr, &foff))
				continue;
			if (add_point(pv, pts, n, shown, abs, m[i]->name, m[i]->name, foff))
				ret = -ENOMEM;
		}
		free(m);
		if (ret)
			goto oom;
		if (*n == first)
			ret = provider_fail(err, errlen, "no function in %s matches '%s' (%s)", written, func,
				   text);
	} else {
		const struct elf_sym *s = elf_sym_by_name(&ef, func);
		if (!s) {
			ret = provider_fail(err, errlen, "cannot probe %s: function '%s' not found in %s", text,
				   func, written);
			goto out;
		}
		if (s->size && off >= s->size) {
			ret = provider_fail(err, errlen,
				   "cannot probe %s: Offset outside the function bounds ('%s' size is %"
				   PRIu64 ")",
				   text, func, s->size);
			goto out;
		}
		if (elf_vaddr_to_offset(&ef, s->addr + off, &foff)) {
			ret = provider_fail(err, errlen, "cannot probe %s: %s is not in a loaded segment of %s",
				   text, func, written);
			goto out;
		}
		if (off)
			snprintf(suffix, sizeof(suffix), "%s+%" PRIu64, func, off);
		else
			snprintf(suffix, sizeof(suffix), "%s", func);
		if (add_point(pv, pts, n, shown, abs, func, suffix, foff))
			goto oom;
	}
	goto out;
oom:
	ret = provider_fail(err, errlen, "out of memory");
out:
	if (ret) {
		while (*n > first) {
			struct probe_point *p = &(*pts)[--*n];
			free(p->name);
			free(p->target);
			free(p->func);
			memset(p, 0, sizeof(*p));
		}
	}
	elf_file_free(&ef);
	return ret ? -1 : 0;
}

/* ---- attaching -------------------------------------------------------------------------- */

static int read_sysfs_int(const char *path, const char *prefix, int *out)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return -errno;
	char buf[64] = "";
	int ok = fgets(buf, sizeof(buf), f) != NULL;
	fclose(f);
	size_t pl = strlen(prefix);
	if (!ok || strncmp(buf, prefix, pl) != 0)
		return -EINVAL;
	*out = atoi(buf + pl);
	return 0;
}

int rt_uprobe_open(const struct probe_point *p, int pid)
{
	int type, bit = 0, err;
	if ((err = read_sysfs_int(UPROBE_PMU_DIR "/type", "", &type)))
		return err == -ENOENT ? -EOPNOTSUPP : err;
	if (p->kind == PROBE_URETPROBE &&
	    (err = read_sysfs_int(UPROBE_PMU_DIR "/format/retprobe", "config:", &bit)))
		return err == -ENOENT ? -EOPNOTSUPP : err;
	struct perf_event_attr attr = {
		.type = (uint32_t)type,
		.size = sizeof(attr),
		.config = p->kind == PROBE_URETPROBE ? 1ull << bit : 0,
		.config1 = (uint64_t)(uintptr_t)p->target,
		.config2 = p->offset,
		.sample_period = 1,
		.wakeup_events = 1,
		.disabled = 1,
	};
	/* system-wide: pid -1 on CPU 0 still fires everywhere (the program hangs off the
	 * probe itself); with -p only that process's hits run it */
	int fd = (int)syscall(__NR_perf_event_open, &attr, pid > 0 ? pid : -1, pid > 0 ? -1 : 0,
			      -1, PERF_FLAG_FD_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

const char *rt_uprobe_reason(int err)
{
	switch (err) {
	case -EOPNOTSUPP:
		return "this kernel has no uprobe PMU (/sys/bus/event_source/devices/uprobe)";
	case -ESRCH:
		return "the process given with -p does not exist";
	case -EINVAL:
		return "the kernel refused the address (not an instruction boundary?)";
	default:
		return NULL;
	}
}

bool rt_pid_gone(int pid)
{
	char path[64], buf[256];
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return true;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	const char *rp = strrchr(buf, ')'); /* "pid (comm) S ...": comm may hold spaces */
	return !rp || rp[1] != ' ' || rp[2] == 'Z' || rp[2] == 'X';
}

/* ---- -l ---------------------------------------------------------------------------------- */

/* `-l uprobe:BINARY:GLOB`: the binary's function symbols. */
static int list_uprobes(const struct provider *pv, const char *spec, const char *full_glob,
			bool verbose, struct probe_list *out)
{
	const char *kind = pv->name;
	if (!spec)
		return 0; /* a bare pattern names no binary */
	const char *last = strrchr(spec, ':');
	char written[PATH_MAX], abs[PATH_MAX], shown[PATH_MAX], err[PATH_MAX + 256];
	const char *glob = last ? last + 1 : "*";
	size_t wl = last ? (size_t)(last - spec) : strlen(spec);
	if (wl >= sizeof(written) || !wl) {
		fprintf(stderr, "ERROR: list %s probes as %s:BINARY:PATTERN\n", kind, kind);
		return 1;
	}
	memcpy(written, spec, wl);
	written[wl] = '\0';
	if (uprobe_find_binary(written, abs, sizeof(abs), shown, sizeof(shown), err, sizeof(err),
			       spec)) {
		fprintf(stderr, "ERROR: %s\n", err);
		return 1;
	}
	struct elf_file ef;
	int e = elf_file_load(abs, &ef, err, sizeof(err));
	if (e) {
		fprintf(stderr, "ERROR: cannot list %s probes of %s: %s\n", kind, written,
			e == -ENOEXEC ? "not an ELF file" : strerror(-e));
		return 1;
	}
	for (int i = 0; i < ef.nsyms; i++) {
		if (fnmatch(glob, ef.syms[i].name, 0) != 0)
			continue;
		char *s;
		probe_list_add(out, asprintf(&s, "%s:%s:%s", kind, shown, ef.syms[i].name) < 0 ? NULL : s);
	}
	elf_file_free(&ef);
	return 0;
}

/* ---- attach ------------------------------------------------------------------------------ */

/* A uprobe_multi BPF link straight to the uprobe where the kernel has them, else a perf
 * event of the uprobe PMU (with -p, only that process's hits run the program). */
static int attach_uprobe(const struct probe_point *p, int prog_fd, struct rt_links *l, char *why,
			 size_t whylen)
{
	int err;
	if (rt_uprobe_multi()) {
		err = rt_push_link(l, rt_uprobe_multi_attach(p, prog_fd));
	} else {
		int pfd = rt_uprobe_open(p, l->pid);
		err = pfd < 0 ? pfd : rt_link_perf(prog_fd, pfd, 0, l);
	}
	const char *w = err ? rt_uprobe_reason(err) : NULL;
	if (w)
		snprintf(why, whylen, "%s", w);
	return err;
}

/* Both attach in reverse: uprobe consumers run newest first. */
const struct provider provider_uprobe = {
	.name = "uprobe", .aliases = { "u" }, .kind = PROBE_UPROBE,
	.prog_type = BPF_PROG_TYPE_KPROBE,
	.caps = PV_REGS | PV_ARGN | PV_FUNC_NAME | PV_USER | PV_ENTRY,
	.expand = uprobe_expand, .list = list_uprobes, .attach = attach_uprobe,
	.load_attach_type = rt_uprobe_attach_type, .attach_reverse = true,
};
const struct provider provider_uretprobe = {
	.name = "uretprobe", .aliases = { "ur" }, .kind = PROBE_URETPROBE,
	.prog_type = BPF_PROG_TYPE_KPROBE,
	.caps = PV_REGS | PV_RETVAL | PV_FUNC_NAME | PV_USER,
	.expand = uprobe_expand, .list = list_uprobes, .attach = attach_uprobe,
	.load_attach_type = rt_uprobe_attach_type, .attach_reverse = true,
};
