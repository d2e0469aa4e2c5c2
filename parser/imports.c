/*
 * parser/imports.c — `import "path";` (current bpftrace's root imports).
 *
 * Owns: finding what an import names (relative to the importing file's directory; a
 * directory means its .bt and .h files, not recursively), refusing world-writable places,
 * reading each imported script once into the source as a segment of its own (so messages
 * name the imported file and its lines), handing .h files to the preprocessor as
 * `--include` does, re-parsing until no new import appears, and the rules on the merged
 * tree: imports before action blocks, macros and map declarations; no config block in an
 * imported script; imported nodes before the importer's (dependencies' BEGIN first).
 * Must not: type-check or print; the parse itself is parse.c's. `.bpf.c`/`.bpf.o` imports
 * are refused with one sentence: they need a C compiler for BPF (COMPAT.md).
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "parse.h"

/* More files than any real script imports: a bound on a runaway directory or chain. */
#define MAX_IMPORTS 256

struct imports {
	struct source *src;
	struct diag *d;
	char **seen;  /* real paths of imported scripts and headers (and the root's) */
	int nseen;
	const char **hdrs; /* .h files, as --include files after the command line's */
	int nhdrs;
	int nfiles;
};

static bool seen_add(struct imports *im, const char *path)
{
	char real[PATH_MAX];
	const char *key = realpath(path, real) ? real : path;
	for (int i = 0; i < im->nseen; i++)
		if (strcmp(im->seen[i], key) == 0)
			return false;
	char **n = realloc(im->seen, sizeof(*n) * (size_t)(im->nseen + 1));
	char *k = strdup(key);
	if (!n || !k) {
		free(k);
		if (n)
			im->seen = n;
		return false;
	}
	im->seen = n;
	im->seen[im->nseen++] = k;
	return true;
}

static bool has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);
	return n >= m && strcmp(s + n - m, suf) == 0;
}

/* Neither path nor the directory holding it may be writable by everyone. */
static bool world_writable(const char *path)
{
	struct stat st;
	if (stat(path, &st) == 0 && (st.st_mode & S_IWOTH))
		return true;
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	return stat(dir, &st) == 0 && (st.st_mode & S_IWOTH);
}

static char *read_all(const char *path, size_t *len, int *err)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		*err = errno;
		return NULL;
	}
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		if (n == cap) {
			char *b = cap < (1u << 26) ? realloc(buf, cap * 2) : NULL;
			if (!b) {
				free(buf);
				buf = NULL;
				*err = cap < (1u << 26) ? ENOMEM : EFBIG;
				break;
			}
			buf = b;
			cap *= 2;
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (buf && ferror(f)) {
		*err = EIO;
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = n;
	return buf;
}

static void import_path(struct imports *im, const struct node *at, const char *path,
			bool in_dir);

/* A directory's supported files in name order (bpftrace takes them in readdir's order). */
static void import_dir(struct imports *im, const struct node *at, const char *path)
{
	struct dirent **ents = NULL;
	int n = scandir(path, &ents, NULL, alphasort);
	if (n < 0) {
		diag_error(im->d, at->loc, "error reading import '%s': %s", path, strerror(errno));
		return;
	}
	for (int i = 0; i < n; i++) {
		const char *e = ents[i]->d_name;
		if (e[0] != '.' && diag_count(im->d) == 0) {
			char full[PATH_MAX];
			snprintf(full, sizeof(full), "%s/%s", path, e);
			struct stat st;
			if (stat(full, &st) == 0 && S_ISREG(st.st_mode))
				import_path(im, at, full, true);
		}
		free(ents[i]);
	}
	free(ents);
}

static void import_path(struct imports *im, const struct node *at, const char *path,
			bool in_dir)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		diag_error(im->d, at->loc, "Unable to find suitable path for import (checked: %s)",
			   path);
		return;
	}
	if (world_writable(path)) {
		diag_error(im->d, at->loc,
			   "cowardly refusing to import from a directory with global write "
			   "permissions: %s", path);
		return;
	}
	if (S_ISDIR(st.st_mode)) {
		if (!in_dir)
			import_dir(im, at, path);
		return;
	}
	if (has_suffix(path, ".bpf.c") || has_suffix(path, ".bpf.o")) {
		diag_error(im->d, at->loc,
			   "cannot import %s: BPF C sources and objects need a C compiler for "
			   "BPF (clang), which bpfscript does not use; write it as a macro in a "
			   ".bt file", path);
		return;
	}
	bool bt = has_suffix(path, ".bt"), h = has_suffix(path, ".h");
	if (!bt && !h) {
		if (!in_dir)
			diag_error(im->d, at->loc, "unknown import type: %s", path);
		return;
	}
	if (!seen_add(im, path))
		return; /* each file once */
	if (++im->nfiles > MAX_IMPORTS) {
		diag_error(im->d, at->loc, "too many imported files (more than %d)", MAX_IMPORTS);
		return;
	}
	if (h) {
		const char **n = realloc(im->hdrs, sizeof(*n) * (size_t)(im->nhdrs + 1));
		char *p = strdup(path);
		if (!n || !p) {
			free(p);
			if (n)
				im->hdrs = n;
			diag_error_noloc(im->d, "out of memory");
			return;
		}
		im->hdrs = n;
		im->hdrs[im->nhdrs++] = p;
		return;
	}
	size_t len = 0;
	int err = 0;
	char *text = read_all(path, &len, &err);
	if (!text) {
		diag_error(im->d, at->loc, "error reading import '%s': %s", path, strerror(err));
		return;
	}
	err = src_append(im->src, path, text, len);
	free(text);
	if (err)
		diag_error(im->d, at->loc, "error reading import '%s': %s", path, strerror(-err));
}

/* import "name" written in the file of `at`: name is taken from that file's directory. */
static void resolve(struct imports *im, const struct node *at)
{
	const char *name = at->str;
	if (!name[0] || strlen(name) != at->slen) {
		diag_error(im->d, at->loc, "invalid import path");
		return;
	}
	const char *file = src_name_at(im->src, at->loc.start);
	const char *slash = strrchr(file, '/');
	char path[PATH_MAX];
	int n;
	if (name[0] == '/' || !slash)
		n = snprintf(path, sizeof(path), "%s", name);
	else
		n = snprintf(path, sizeof(path), "%.*s/%s", (int)(slash - file), file, name);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		diag_error(im->d, at->loc, "import path too long");
		return;
	}
	import_path(im, at, path, false);
}

static bool is_body(const struct node *n)
{
	return n->kind == AST_PROBE || n->kind == AST_MACRO || n->kind == AST_MAPDECL;
}

/* The merged tree's rules; imports removed; imported files' nodes first, the files the
 * last found (the deepest dependencies) first. */
static void finish(struct imports *im, struct node *prog)
{
	int seg = -2;
	bool body = false;
	for (struct node *n = prog->list; n; n = n->next) {
		if (n->flags & NODE_F_HDRDEF)
			continue;
		int s = src_segment_at(im->src, n->loc.start);
		if (s != seg) {
			seg = s;
			body = false;
		}
		if (n->kind == AST_IMPORT && body)
			diag_error(im->d, n->loc, "import statements must come before action blocks, "
						  "macros and map declarations");
		if (n->kind == AST_CONFIG && s >= 0)
			diag_error(im->d, n->loc, "invalid `config` within import: only the root "
						  "script may have a config block");
		body |= is_body(n);
	}
	struct node *hdr = NULL, **ht = &hdr, *rest = NULL, **rt = &rest;
	struct node **segs = calloc((size_t)im->src->nsegs + 1, sizeof(*segs));
	struct node ***tails = calloc((size_t)im->src->nsegs + 1, sizeof(*tails));
	if (!segs || !tails) {
		free(segs);
		free(tails);
		diag_error_noloc(im->d, "out of memory");
		return;
	}
	for (int i = 0; i < im->src->nsegs; i++)
		tails[i] = &segs[i];
	struct node *next;
	for (struct node *n = prog->list; n; n = next) {
		next = n->next;
		n->next = NULL;
		if (n->kind == AST_IMPORT) {
			ast_free(n);
			continue;
		}
		int s = (n->flags & NODE_F_HDRDEF) ? -1 : src_segment_at(im->src, n->loc.start);
		struct node ***t = (n->flags & NODE_F_HDRDEF) ? &ht : s < 0 ? &rt : &tails[s];
		**t = n;
		*t = &n->next;
	}
	for (int i = im->src->nsegs - 1; i >= 0; i--) {
		*ht = segs[i];
		if (segs[i])
			ht = tails[i];
	}
	*ht = rest;
	prog->list = hdr;
	free(segs);
	free(tails);
}

struct node *parse_program_imports(struct source *src, const struct parse_opts *opts,
				   struct diag *d)
{
	struct imports im = { .src = src, .d = d };
	struct parse_opts o = opts ? *opts : (struct parse_opts){ 0 };
	seen_add(&im, src->name); /* a script importing itself (or a cycle back) adds nothing */
	uint32_t done = 0; /* imports before this offset are resolved */
	struct node *prog = NULL;
	const char **incl = NULL;
	for (;;) {
		/* --include files first, then the imported headers */
		int ni = (opts ? opts->pp.nincludes : 0) + im.nhdrs;
		const char **ni_list = realloc(incl, sizeof(*ni_list) * (size_t)(ni ? ni : 1));
		if (!ni_list) {
			diag_error_noloc(d, "out of memory");
			break;
		}
		incl = ni_list;
		for (int i = 0; opts && i < opts->pp.nincludes; i++)
			incl[i] = opts->pp.includes[i];
		for (int i = 0; i < im.nhdrs; i++)
			incl[ni - im.nhdrs + i] = im.hdrs[i];
		o.pp.includes = incl;
		o.pp.nincludes = ni;
		prog = parse_program_opts(src, &o, d);
		if (!prog || diag_count(d))
			break;
		uint32_t len = (uint32_t)src->len;
		int before = src->nsegs, nh = im.nhdrs;
		for (const struct node *n = prog->list; n && !diag_count(d); n = n->next)
			if (n->kind == AST_IMPORT && n->loc.start >= done)
				resolve(&im, n);
		done = len;
		if (diag_count(d) || (src->nsegs == before && im.nhdrs == nh))
			break;
		ast_free(prog); /* new files: parse the whole text again */
		prog = NULL;
	}
	if (prog && !diag_count(d))
		finish(&im, prog);
	if (prog && diag_count(d)) {
		ast_free(prog);
		prog = NULL;
	}
	free(incl);
	for (int i = 0; i < im.nseen; i++)
		free(im.seen[i]);
	free(im.seen);
	for (int i = 0; i < im.nhdrs; i++)
		free((char *)im.hdrs[i]);
	free(im.hdrs);
	return prog;
}
