/*
 * lexer/includes.c — `#include` lines and `--include FILE`: the header must exist.
 *
 * Owns: finding a header the way a C preprocessor would (`"x.h"` next to the script
 * first, then -I directories, /usr/local/include, the multiarch and plain /usr/include)
 * and reporting one that exists nowhere, as bpftrace does through clang ("file not
 * found"). Headers of the kernel's own tree (<linux/...>, <net/...>, <asm/...>, ...) that
 * no installed package provides are accepted: their struct types come from the kernel's
 * BTF, which is what scripts written for BTF kernels rely on.
 * Must not: read the headers (bpfscript takes types from BTF and constants from its own
 * tables; README "Preprocessor").
 */
#include "includes.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *const system_dirs[] = {
	"/usr/local/include", "/usr/include/x86_64-linux-gnu", "/usr/include",
};

/* Top-level directories of the kernel's include/ and arch include/ trees. */
static const char *const kernel_dirs[] = {
	"linux", "net", "uapi", "asm", "asm-generic", "trace", "crypto", "scsi", "sound",
	"video", "xen", "rdma", "kvm", "keys", "media", "misc", "drm", "acpi", "clocksource",
	"dt-bindings", "generated", "math-emu", "pcmcia", "ras", "soc", "target", "vdso",
};

static bool exists_in(const char *dir, size_t dlen, const char *name, size_t nlen)
{
	char path[4096];
	if (dlen + 1 + nlen + 1 > sizeof(path))
		return false;
	snprintf(path, sizeof(path), "%.*s%s%.*s", (int)dlen, dir, dlen ? "/" : "", (int)nlen,
		 name);
	return access(path, R_OK) == 0;
}

static bool kernel_header(const char *name, size_t nlen)
{
	const char *slash = memchr(name, '/', nlen);
	if (!slash)
		return false;
	size_t l = (size_t)(slash - name);
	for (size_t i = 0; i < sizeof(kernel_dirs) / sizeof(kernel_dirs[0]); i++)
		if (strlen(kernel_dirs[i]) == l && memcmp(kernel_dirs[i], name, l) == 0)
			return true;
	return false;
}

bool pp_header_found(const struct parse_opts *o, const char *script, const char *name,
		     size_t nlen, bool quoted)
{
	if (nlen && name[0] == '/')
		return exists_in("", 0, name, nlen);
	if (quoted && script) { /* "x.h": the script's own directory first */
		const char *slash = strrchr(script, '/');
		if (exists_in(slash ? script : ".", slash ? (size_t)(slash - script) : 1, name,
			      nlen))
			return true;
	}
	for (int i = 0; o && i < o->ninclude_dirs; i++)
		if (exists_in(o->include_dirs[i], strlen(o->include_dirs[i]), name, nlen))
			return true;
	for (size_t i = 0; i < sizeof(system_dirs) / sizeof(system_dirs[0]); i++)
		if (exists_in(system_dirs[i], strlen(system_dirs[i]), name, nlen))
			return true;
	return kernel_header(name, nlen);
}

void pp_include_line(const struct parse_opts *o, const struct source *src, struct diag *d,
		     struct span loc, const char *arg, size_t alen)
{
	char close = alen && arg[0] == '<' ? '>' : alen && arg[0] == '"' ? '"' : 0;
	const char *end = close ? memchr(arg + 1, close, alen - 1) : NULL;
	if (!end) {
		diag_error(d, loc, "#include expects <FILE> or \"FILE\"");
		return;
	}
	const char *name = arg + 1;
	size_t nlen = (size_t)(end - name);
	const char *script = src && src->name && strcmp(src->name, "stdin") ? src->name : NULL;
	if (!nlen || !pp_header_found(o, script, name, nlen, close == '"'))
		diag_error(d, loc, "#include %c%.*s%c: file not found (searched -I directories, "
				   "/usr/local/include, /usr/include)", arg[0], (int)nlen, name, close);
}
