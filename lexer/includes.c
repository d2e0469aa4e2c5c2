/*
 * lexer/includes.c — `#include` lines and `--include FILE`: the header must exist, and
 * its integer constants become the script's.
 *
 * Owns: finding a header the way a C preprocessor would (`"x.h"` next to the script
 * first, then -I directories, /usr/local/include, the multiarch and plain /usr/include)
 * and reporting one that exists nowhere, as bpftrace does through clang ("file not
 * found"). Headers of the kernel's own tree (<linux/...>, <net/...>, <asm/...>, ...) that
 * no installed package provides are accepted: their struct types come from the kernel's
 * BTF, which is what scripts written for BTF kernels rely on.
 * Once found, a header's integer constants are read (lexer/headers.c) and handed to the
 * caller, which makes them macros of the script.
 * A user header's (not a system header's) struct, union and typedef definitions are handed
 * on too, as text (sema/struct_types.c reads them).
 * Must not: parse C declarations (sema does) or take types from system headers (kernel
 * and libc types come from BTF; README "Preprocessor").
 */
#include "includes.h"

#include <stdio.h>
#include <string.h>

/* Top-level directories of the kernel's include/ and arch include/ trees. */
static const char *const kernel_dirs[] = {
	"linux", "net", "uapi", "asm", "asm-generic", "trace", "crypto", "scsi", "sound",
	"video", "xen", "rdma", "kvm", "keys", "media", "misc", "drm", "acpi", "clocksource",
	"dt-bindings", "generated", "math-emu", "pcmcia", "ras", "soc", "target", "vdso",
};

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

/* The -I directories of the options (none without options), as the header reader takes
 * them */
static struct hdr_dirs dirs_of(const struct pp_opts *o)
{
	return o ? o->dirs : (struct hdr_dirs){ 0 };
}

/* The directory of the script for quoted headers ("." for a bare file name) */
static const char *script_dir(const char *script, char *buf, size_t len)
{
	if (!script)
		return NULL;
	const char *slash = strrchr(script, '/');
	snprintf(buf, len, "%.*s", slash ? (int)(slash - script) : 1, slash ? script : ".");
	return buf;
}

bool pp_header_found(const struct pp_opts *o, const char *script, const char *name,
		     size_t nlen, bool quoted)
{
	char dir[4096], path[4096];
	struct hdr_dirs hd = dirs_of(o);
	return hdr_find(&hd, script_dir(script, dir, sizeof(dir)), name, nlen, quoted, path,
			sizeof(path)) ||
	       kernel_header(name, nlen);
}

void pp_include_line(const struct pp_opts *o, const struct source *src, struct diag *d,
		     struct span loc, const char *arg, size_t alen, hdr_const_fn fn,
		     hdr_decl_fn decl_fn, void *ctx)
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
	char dir[4096], path[4096];
	struct hdr_dirs hd = dirs_of(o);
	if (nlen && hdr_find(&hd, script_dir(script, dir, sizeof(dir)), name, nlen, close == '"',
			     path, sizeof(path))) {
		if (hdr_read(&hd, path, fn, decl_fn, ctx))
			diag_error(d, loc, "#include %c%.*s%c: cannot read %s", arg[0], (int)nlen,
				   name, close, path);
		return;
	}
	if (!nlen || !kernel_header(name, nlen))
		diag_error(d, loc, "#include %c%.*s%c: file not found (searched -I directories, "
				   "/usr/local/include, /usr/include)", arg[0], (int)nlen, name, close);
}

void pp_include_file(const struct pp_opts *o, struct diag *d, const char *file,
		     hdr_const_fn fn, hdr_decl_fn decl_fn, void *ctx)
{
	char path[4096];
	struct hdr_dirs hd = dirs_of(o);
	if (hdr_find(&hd, ".", file, strlen(file), true, path, sizeof(path)))
		hdr_read(&hd, path, fn, decl_fn, ctx);
	else if (!kernel_header(file, strlen(file)))
		diag_error_noloc(d, "--include %s: file not found (searched the current "
				    "directory, -I directories, /usr/local/include, /usr/include)",
				 file);
}
