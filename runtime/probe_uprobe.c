/*
 * runtime/probe_uprobe.c — uprobe and uretprobe: finding the binary, expanding the function
 * part of the attach point against its ELF symbols, and opening the uprobe perf events.
 *
 * Owns: "uprobe:PATH:FUNC", "uprobe:PATH:FUNC+OFFSET", "uprobe:PATH:0xADDRESS",
 * "uprobe:PATH:GLOB", C++ names demangled ("uprobe:PATH:\"ns::f(int)\"", "ns::*") and
 * bpftrace's "uprobe:PATH:cpp:PATTERN" (and u:/ur:/uretprobe:), where PATH is a path (kept
 * as written in the probe name, like bpftrace), a glob of paths, the -p process's files
 * (target_files.c), a program name looked up on $PATH, or a library name
 * ("libc", "libc.so.6") looked up the way the dynamic linker does (/etc/ld.so.cache, then
 * the standard directories). Offsets handed to the kernel are file offsets:
 * symbol value - segment vaddr + segment file offset. Attaching goes through the uprobe
 * PMU (perf_event_open + a BPF link) or a uprobe_multi link (probe_uprobe_multi.c), so the
 * kernel removes the probe if we die; `-l uprobe:BINARY:GLOB` (-lv: DWARF parameters),
 * `-l -p PID`; the uprobe/uretprobe rows.
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

#include "demangle.h"
#include "../sema/dwarf_args.h"
#include "elf_symbols.h"
#include "target_files.h"

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
		     uint64_t file_off, bool cpp)
{
	struct probe_point *p = probe_points_add(pts, n);
	if (!p)
		return -ENOMEM;
	p->kind = pv->kind;
	p->target = strdup(abs);
	p->func = strdup(func);
	p->func_label = cxx_demangle(func);
	p->offset = file_off;
	if (asprintf(&p->name, "%s:%s:%s%s", pv->name, shown, cpp ? "cpp:" : "", suffix) < 0)
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

/* An attach point after "uprobe:": BINARY, an optional "cpp" language, and the function
 * spec (which may hold "::" unquoted). With -p, "uprobe:FUNC" names the process's files. */
struct uspec {
	char bin[PATH_MAX];
	const char *func; /* into the text */
	bool cpp;
};

static int split_uspec(const char *rest, int target_pid, struct uspec *u)
{
	const char *c = rest;
	bool quoted = false;
	for (; *c && (quoted || *c != ':'); c++)
		if (*c == '"')
			quoted = !quoted;
	u->cpp = false;
	if (!*c) { /* one part: FUNC of the -p process */
		u->bin[0] = '\0';
		u->func = rest;
		return target_pid > 0 && *rest ? 0 : -1;
	}
	size_t bl = (size_t)(c - rest);
	if (bl >= sizeof(u->bin))
		return -1;
	memcpy(u->bin, rest, bl);
	u->bin[bl] = '\0';
	u->func = c + 1;
	if (strncmp(u->func, "cpp:", 4) == 0 && u->func[4]) {
		u->cpp = true;
		u->func += 4;
	}
	return *u->func ? 0 : -1;
}

static int sym_name_cmp(const void *a, const void *b)
{
	return strcmp((*(const struct elf_sym *const *)a)->name,
		      (*(const struct elf_sym *const *)b)->name);
}

/* The symbols of ef that answer to func (a C name, a mangled or demangled C++ name,
 * or a wildcard), sorted by name. *nm is their number; NULL on ENOMEM. */
static const struct elf_sym **match_syms(const struct elf_file *ef, const char *func, int *nm)
{
	const struct elf_sym **m = calloc((size_t)ef->nsyms + 1, sizeof(*m));
	*nm = 0;
	if (!m)
		return NULL;
	if (!has_glob(func)) { /* a C name or a mangled one: exactly that symbol */
		const struct elf_sym *s = elf_sym_by_name(ef, func);
		if (s) {
			m[(*nm)++] = s;
			return m;
		}
	}
	for (int i = 0; i < ef->nsyms; i++) {
		const char *name = ef->syms[i].name;
		bool ok = fnmatch(func, name, 0) == 0;
		if (!ok && cxx_is_mangled(name)) {
			char *d = cxx_demangle(name);
			ok = cxx_sym_match(name, d, func);
			free(d);
		}
		if (ok)
			m[(*nm)++] = &ef->syms[i];
	}
	qsort(m, (size_t)*nm, sizeof(*m), sym_name_cmp);
	return m;
}

/* One file's points for the spec. 0, -ENOENT (no function matches), or -1 with err. */
static int expand_file(const struct provider *pv, const char *text, const struct uspec *u,
		       const char *open, const char *shown, struct probe_point **pts, int *n,
		       char *err, size_t errlen)
{
	char func[512], suffix[600];
	uint64_t off, foff;
	bool is_addr;
	if (parse_func(u->func, func, sizeof(func), &off, &is_addr))
		return provider_fail(err, errlen,
				     "invalid function in '%s': expected FUNCTION, FUNCTION+OFFSET or an "
				     "address",
				     text);
	struct elf_file ef;
	char why[PATH_MAX + 64];
	int e = elf_file_load(open, &ef, why, sizeof(why));
	if (e == -ENOEXEC)
		return provider_fail(err, errlen, "cannot probe %s: %s is not an ELF file", text,
				     shown);
	if (e)
		return provider_fail(err, errlen, "cannot probe %s: cannot read %s: %s", text, shown,
				     strerror(-e));
	int ret = 0;
	if (is_addr) {
		const struct elf_sym *s = elf_sym_by_addr(&ef, off);
		if (!s || off - s->addr >= (s->size ? s->size : 1)) {
			/* as bpftrace: only an address inside a known function, so the probe
			 * lands on an instruction boundary the symbol vouches for */
			ret = provider_fail(err, errlen,
				   "cannot probe %s: Could not resolve address: %s:0x%" PRIx64
				   " (no function of the binary contains it)",
				   text, shown, off);
		} else if (pv->kind == PROBE_URETPROBE && off != s->addr) {
			ret = provider_fail(err, errlen,
				   "cannot probe %s: uretprobes cannot be attached at function offset "
				   "(address resolved to: %s+%" PRIu64 ")",
				   text, s->name, off - s->addr);
		} else if (elf_vaddr_to_offset(&ef, off, &foff)) {
			ret = provider_fail(err, errlen,
				   "cannot probe %s: address 0x%" PRIx64 " is not in a loaded segment of %s",
				   text, off, shown);
		} else {
			snprintf(suffix, sizeof(suffix), "%" PRIu64, off); /* bpftrace: decimal */
			if (add_point(pv, pts, n, shown, open, s->name, suffix, foff, u->cpp))
				ret = provider_fail(err, errlen, "out of memory");
		}
		elf_file_free(&ef);
		return ret;
	}
	int nm = 0;
	const struct elf_sym **m = match_syms(&ef, func, &nm);
	if (!m) {
		elf_file_free(&ef);
		return provider_fail(err, errlen, "out of memory");
	}
	if (nm == 0)
		ret = -ENOENT;
	else if (off && (nm > 1 || has_glob(func)))
		ret = provider_fail(err, errlen, "cannot combine an offset with a name that matches "
				    "%d functions in %s", nm, text);
	for (int i = 0; i < nm && !ret; i++) {
		const struct elf_sym *s = m[i];
		if (s->size && off >= s->size) {
			ret = provider_fail(err, errlen,
				   "cannot probe %s: Offset outside the function bounds ('%s' size is %"
				   PRIu64 ")",
				   text, func, s->size);
			break;
		}
		if (elf_vaddr_to_offset(&ef, s->addr + off, &foff)) {
			if (nm > 1)
				continue;
			ret = provider_fail(err, errlen, "cannot probe %s: %s is not in a loaded "
					    "segment of %s", text, func, shown);
			break;
		}
		/* the name as written for a plain symbol, the symbol for a match */
		const char *nm_s = strcmp(s->name, func) == 0 ? func : s->name;
		if (off)
			snprintf(suffix, sizeof(suffix), "%s+%" PRIu64, nm_s, off);
		else
			snprintf(suffix, sizeof(suffix), "%s", nm_s);
		if (add_point(pv, pts, n, shown, open, s->name, suffix, foff, u->cpp))
			ret = provider_fail(err, errlen, "out of memory");
	}
	free(m);
	elf_file_free(&ef);
	return ret;
}

static int uprobe_expand(const struct provider *pv, const struct probe_env *env, const char *text,
			 struct probe_point **pts, int *n, char *err, size_t errlen)
{
	const char *rest = provider_after_prefix(text);
	struct uspec u;
	if (!rest || split_uspec(rest, env->target_pid, &u))
		return provider_fail(err, errlen,
			    "%s probes are written %s:BINARY:FUNCTION (or +OFFSET, an address, or "
			    "cpp:PATTERN for C++ names), e.g. %s:/bin/bash:readline, not '%s'",
			    pv->name, pv->name, pv->name, text);
	int pid = env->target_pid;
	struct file_list files = { 0 };
	if (target_files(u.bin, pid, &files, err, errlen, text, pv->name,
			 "uprobe:BINARY:FUNCTION")) {
		files_free(&files);
		return -1;
	}
	/* the -p process's files: a name is taken from the first file that has it, as the
	 * dynamic linker finds it; a glob of paths: from every file, as bpftrace does */
	bool many = files.n > 1, wild = has_glob(u.func), first_only = !u.bin[0];
	int first = *n, ret = 0;
	for (int i = 0; i < files.n && !ret; i++) {
		int e = expand_file(pv, text, &u, files.open[i], files.shown[i], pts, n, err, errlen);
		if (e == -ENOENT)
			continue;
		if (e && many) /* a glob or the process's files: unreadable ones match nothing */
			continue;
		ret = e;
		if (!wild && first_only)
			break;
	}
	if (!ret && *n == first) {
		char func[512];
		uint64_t off;
		bool is_addr;
		if (parse_func(u.func, func, sizeof(func), &off, &is_addr))
			snprintf(func, sizeof(func), "%s", u.func);
		if (wild)
			ret = provider_fail(err, errlen, "no function in %s matches '%s' (%s)",
					    many ? "the files" : files.shown[0], func, text);
		else
			ret = provider_missing(err, errlen,
					       "cannot probe %s: function '%s' not found in %s",
					    text, func, many ? "the files" : files.shown[0]);
	}
	if (ret)
		while (*n > first)
			probe_point_clear(&(*pts)[--*n]);
	files_free(&files);
	return ret == -ESRCH ? ret : ret ? -1 : 0; /* -ESRCH: the function does not exist */
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

/* `-l uprobe:BINARY:GLOB` (BINARY may be a glob), `-l uprobe:* -p PID`, a bare `-l -p PID`:
 * the files' function symbols; `cpp:PATTERN` lists demangled names as bpftrace does;
 * -lv adds each function's parameters from DWARF. */
static int list_uprobes(const struct provider *pv, const struct probe_env *env, const char *spec,
			const char *full_glob, bool verbose, struct probe_list *out)
{
	const char *kind = pv->name;
	int pid = env->target_pid;
	struct uspec u;
	char err[PATH_MAX + 256];
	if (!spec) {
		if (pid <= 0)
			return 0; /* a bare pattern names no binary */
		spec = "*";
	}
	if (split_uspec(spec, env->target_pid, &u)) {
		if (!strchr(spec, ':')) { /* "uprobe:BINARY": all its functions */
			snprintf(u.bin, sizeof(u.bin), "%s", spec);
			u.func = "*";
			u.cpp = false;
		} else {
			fprintf(stderr, "ERROR: list %s probes as %s:BINARY:PATTERN\n", kind, kind);
			return 1;
		}
	}
	struct file_list files = { 0 };
	if (target_files(u.bin, pid, &files, err, sizeof(err), spec, kind,
			 "uprobe:BINARY:PATTERN")) {
		files_free(&files);
		fprintf(stderr, "ERROR: %s\n", err);
		return 1;
	}
	char func[512] = "*";
	uint64_t off;
	bool is_addr;
	if (strcmp(u.func, "*") != 0 && parse_func(u.func, func, sizeof(func), &off, &is_addr))
		snprintf(func, sizeof(func), "%s", u.func);
	struct dwarf_state *dws = NULL; /* -lv: this listing's debug-information handles */
	for (int f = 0; f < files.n; f++) {
		struct elf_file ef;
		int e = elf_file_load(files.open[f], &ef, err, sizeof(err));
		if (e) {
			if (files.n > 1)
				continue;
			fprintf(stderr, "ERROR: cannot list %s probes of %s: %s\n", kind,
				files.shown[f], e == -ENOEXEC ? "not an ELF file" : strerror(-e));
			dwarf_state_free(dws);
			files_free(&files);
			return 1;
		}
		int nm = 0;
		const struct elf_sym **m = match_syms(&ef, func, &nm);
		if (!m)
			probe_list_add(out, NULL);
		for (int i = 0; m && i < nm; i++) {
			char *s = NULL, *d = u.cpp ? cxx_demangle(m[i]->name) : NULL;
			int r = d ? asprintf(&s, "%s:%s:cpp:\"%s\"", kind, files.shown[f], d)
				  : asprintf(&s, "%s:%s:%s%s", kind, files.shown[f], u.cpp ? "cpp:" : "",
					     m[i]->name);
			free(d);
			if (r < 0) {
				probe_list_add(out, NULL);
				break;
			}
			if (full_glob && fnmatch(full_glob, s, 0) != 0) {
				free(s);
				continue;
			}
			probe_list_add(out, verbose ? dwarf_list_params(&dws, s, files.open[f],
									  m[i]->name)
						    : s);
		}
		free(m);
		elf_file_free(&ef);
	}
	dwarf_state_free(dws);
	files_free(&files);
	return 0;
}

/* ---- attach ------------------------------------------------------------------------------ */

/* A uprobe_multi BPF link straight to the uprobe where the kernel has them, else a perf
 * event of the uprobe PMU (with -p, only that process's hits run the program). */
static int attach_uprobe(const struct probe_point *p, int prog_fd, struct rt_links *l, char *why,
			 size_t whylen)
{
	int err;
	if (l->ps && l->ps->uprobe_multi) {
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
	.caps = PV_REGS | PV_ARGN | PV_FUNC_NAME | PV_USER | PV_ENTRY | PV_ARGS_DWARF,
	.expand = uprobe_expand, .list = list_uprobes, .attach = attach_uprobe,
	.load_attach_type = rt_uprobe_attach_type, .attach_reverse = true,
	.list_all = true, /* only with -p: a bare -l names no binary */
};
const struct provider provider_uretprobe = {
	.name = "uretprobe", .aliases = { "ur" }, .kind = PROBE_URETPROBE,
	.prog_type = BPF_PROG_TYPE_KPROBE,
	.caps = PV_REGS | PV_RETVAL | PV_FUNC_NAME | PV_USER,
	.expand = uprobe_expand, .list = list_uprobes, .attach = attach_uprobe,
	.load_attach_type = rt_uprobe_attach_type, .attach_reverse = true,
};
