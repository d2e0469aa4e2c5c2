/*
 * lexer/headers.c — reading C headers for their integer constants (see headers.h).
 *
 * Owns: finding headers on the search path, reading them (line splices, comments), the
 * directives that decide which #defines exist — #include/#include_next (nested, depth
 * capped), #pragma once, #define/#undef, #ifdef/#ifndef/#if/#elif/#else/#endif with the
 * predefined macros of gcc on x86-64 Linux — and reporting every object-like define whose
 * body evaluates (hdr_expr.c) to an integer. The syscall-number table is built the same
 * way.
 * Must not: report diagnostics (a header's own problems are skipped, as its constants
 * are all the script takes from it) or know the script's tokens.
 */
#include "headers.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hdr_int.h"

#define MAX_DEPTH 64         /* include nesting */
#define MAX_FILES 4096       /* files one read may open */
#define MAX_FILE_SIZE (8 << 20)
#define MAX_COND 256         /* nested conditionals in one file */

/* gcc's own include directory first (limits.h, stddef.h, ...), when gcc is installed,
 * then the directories every Debian system has, in gcc's order */
static const char *system_dirs[] = {
	NULL, "/usr/local/include", "/usr/include/x86_64-linux-gnu", "/usr/include",
};
#define NSYSTEM_DIRS (sizeof(system_dirs) / sizeof(system_dirs[0]))
static char gcc_dir[256];
static pthread_once_t gcc_once = PTHREAD_ONCE_INIT;

static void gcc_dir_find(void)
{
	DIR *d = opendir("/usr/lib/gcc/x86_64-linux-gnu");
	int best = -1;
	struct dirent *e;
	while (d && (e = readdir(d))) {
		char *end;
		long v = strtol(e->d_name, &end, 10);
		char path[sizeof(gcc_dir)];
		snprintf(path, sizeof(path), "/usr/lib/gcc/x86_64-linux-gnu/%.32s/include", e->d_name);
		if (*end == 0 && end != e->d_name && v > best && v < 1000 && access(path, R_OK) == 0) {
			best = (int)v;
			memcpy(gcc_dir, path, sizeof(gcc_dir));
		}
	}
	if (d)
		closedir(d);
	system_dirs[0] = best >= 0 ? gcc_dir : "/usr/local/include";
}

static void dirs_init(void)
{
	pthread_once(&gcc_once, gcc_dir_find);
}

/* gcc's predefined macros that glibc and the kernel's uapi headers test */
static const char *const predefined[][2] = {
	{ "__x86_64__", "1" }, { "__x86_64", "1" }, { "__amd64__", "1" }, { "__linux__", "1" },
	{ "__linux", "1" }, { "__unix__", "1" }, { "__unix", "1" }, { "__gnu_linux__", "1" },
	{ "__ELF__", "1" }, { "__GNUC__", "12" }, { "__GNUC_MINOR__", "2" },
	{ "__GNUC_PATCHLEVEL__", "0" }, { "__STDC__", "1" }, { "__STDC_VERSION__", "201710L" },
	{ "__STDC_HOSTED__", "1" }, { "__CHAR_BIT__", "8" }, { "__SIZEOF_INT__", "4" },
	{ "__SIZEOF_LONG__", "8" }, { "__SIZEOF_LONG_LONG__", "8" }, { "__SIZEOF_SHORT__", "2" },
	{ "__SIZEOF_POINTER__", "8" }, { "__SIZEOF_SIZE_T__", "8" }, { "__LP64__", "1" },
	{ "_LP64", "1" }, { "__ORDER_LITTLE_ENDIAN__", "1234" }, { "__ORDER_BIG_ENDIAN__", "4321" },
	{ "__ORDER_PDP_ENDIAN__", "3412" }, { "__BYTE_ORDER__", "1234" },
	{ "__INT_MAX__", "0x7fffffff" }, { "__LONG_MAX__", "0x7fffffffffffffffL" },
	{ "__SCHAR_MAX__", "0x7f" }, { "__SHRT_MAX__", "0x7fff" },
	{ "__LONG_LONG_MAX__", "0x7fffffffffffffffLL" },
};

/* ---- the macro table ------------------------------------------------------------- */

static uint32_t hash_name(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

static int slot_of(const struct hstate *st, const char *name, size_t len)
{
	uint32_t mask = (uint32_t)st->hcap - 1;
	for (uint32_t h = hash_name(name, len) & mask;; h = (h + 1) & mask) {
		int i = st->hash[h];
		if (i < 0 || (strlen(st->defs[i].name) == len && !memcmp(st->defs[i].name, name, len)))
			return (int)h;
	}
}

struct hdef *hdr_lookup(struct hstate *st, const char *name, size_t len)
{
	if (!st->hcap)
		return NULL;
	int i = st->hash[slot_of(st, name, len)];
	return i >= 0 && !st->defs[i].dead ? &st->defs[i] : NULL;
}

static void def_clear(struct hdef *d)
{
	free(d->body);
	for (int i = 0; i < d->nparams; i++)
		free(d->params[i]);
	free(d->params);
	d->body = NULL;
	d->params = NULL;
	d->nparams = 0;
}

static bool grow_hash(struct hstate *st)
{
	int cap = st->hcap ? st->hcap * 2 : 1024;
	int *h = malloc(sizeof(int) * (size_t)cap);
	if (!h)
		return false;
	for (int i = 0; i < cap; i++)
		h[i] = -1;
	free(st->hash);
	st->hash = h;
	st->hcap = cap;
	for (int i = 0; i < st->ndefs; i++)
		st->hash[slot_of(st, st->defs[i].name, strlen(st->defs[i].name))] = i;
	return true;
}

/* The entry for name, created (dead, no body) when new; NULL when out of memory. */
static struct hdef *def_slot(struct hstate *st, const char *name, size_t len)
{
	if ((st->ndefs + 1) * 2 > st->hcap && !grow_hash(st))
		return NULL;
	int h = slot_of(st, name, len);
	if (st->hash[h] >= 0)
		return &st->defs[st->hash[h]];
	if (st->ndefs == st->cap) {
		int cap = st->cap ? st->cap * 2 : 512;
		struct hdef *d = realloc(st->defs, sizeof(*d) * (size_t)cap);
		if (!d)
			return NULL;
		st->defs = d;
		st->cap = cap;
	}
	char *nm = strndup(name, len);
	if (!nm)
		return NULL;
	st->defs[st->ndefs] = (struct hdef){ .name = nm, .dead = true };
	st->hash[h] = st->ndefs;
	return &st->defs[st->ndefs++];
}

/* #define line text after the directive word: NAME body, or NAME(params) body */
static void define(struct hstate *st, const char *p, const char *end, bool builtin)
{
	while (p < end && isspace((unsigned char)*p))
		p++;
	const char *name = p;
	while (p < end && (isalnum((unsigned char)*p) || *p == '_'))
		p++;
	if (p == name)
		return;
	struct hdef *d = def_slot(st, name, (size_t)(p - name));
	if (!d || d->busy)
		return;
	def_clear(d);
	d->func = p < end && *p == '('; /* no space before '(': function-like */
	d->builtin = builtin;
	if (d->func) {
		p++;
		for (;;) {
			while (p < end && (isspace((unsigned char)*p) || *p == ','))
				p++;
			if (p >= end || *p == ')')
				break;
			const char *a = p;
			while (p < end && *p != ',' && *p != ')' && !isspace((unsigned char)*p))
				p++;
			char **np = realloc(d->params, sizeof(char *) * (size_t)(d->nparams + 1));
			if (!np)
				break;
			d->params = np;
			if (!(d->params[d->nparams] = strndup(a, (size_t)(p - a))))
				break;
			d->nparams++;
		}
		if (p < end)
			p++;
	}
	while (p < end && isspace((unsigned char)*p))
		p++;
	while (end > p && isspace((unsigned char)end[-1]))
		end--;
	d->body = strndup(p, (size_t)(end - p));
	d->dead = d->body == NULL;
}

/* ---- finding and reading files ---------------------------------------------------- */

static bool try_path(const char *dir, size_t dlen, const char *name, size_t nlen, char *path,
		     size_t plen)
{
	if (dlen + 1 + nlen + 1 > plen)
		return false;
	snprintf(path, plen, "%.*s%s%.*s", (int)dlen, dir, dlen ? "/" : "", (int)nlen, name);
	return access(path, R_OK) == 0;
}

/* skip_dir: #include_next — search only the directories after this one */
static bool find_from(const struct hdr_dirs *o, const char *dir, const char *name,
		      size_t nlen, bool quoted, const char *skip_dir, char *path, size_t plen)
{
	if (nlen && name[0] == '/')
		return try_path("", 0, name, nlen, path, plen);
	if (quoted && dir && try_path(dir, strlen(dir), name, nlen, path, plen))
		return true;
	bool skipping = skip_dir != NULL;
	for (int i = 0; o && i < o->ninclude_dirs; i++) {
		if (skipping) {
			skipping = strcmp(o->include_dirs[i], skip_dir) != 0;
			continue;
		}
		if (try_path(o->include_dirs[i], strlen(o->include_dirs[i]), name, nlen, path, plen))
			return true;
	}
	dirs_init();
	for (size_t i = 0; i < NSYSTEM_DIRS; i++) {
		if (skipping) {
			skipping = strcmp(system_dirs[i], skip_dir) != 0;
			continue;
		}
		if (try_path(system_dirs[i], strlen(system_dirs[i]), name, nlen, path, plen))
			return true;
	}
	return false;
}

bool hdr_find(const struct hdr_dirs *o, const char *dir, const char *name, size_t nlen,
	      bool quoted, char *path, size_t plen)
{
	return find_from(o, dir, name, nlen, quoted, NULL, path, plen);
}

/* The file with backslash-newlines spliced and comments replaced by a space. */
static char *read_clean(const char *path, size_t *len)
{
	struct stat sb;
	if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) /* no FIFOs, devices, directories */
		return NULL;
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	long size = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
	rewind(f);
	if (size < 0 || size > MAX_FILE_SIZE) {
		fclose(f);
		return NULL;
	}
	char *raw = malloc((size_t)size + 1);
	size_t n = raw ? fread(raw, 1, (size_t)size, f) : 0;
	fclose(f);
	if (!raw)
		return NULL;
	char *out = malloc(n + 1);
	if (!out) {
		free(raw);
		return NULL;
	}
	size_t o = 0;
	char quote = 0;
	for (size_t i = 0; i < n; i++) {
		char c = raw[i];
		if (c == '\\' && i + 1 < n && raw[i + 1] == '\n') {
			i++;
			continue;
		}
		if (quote) {
			out[o++] = c;
			if (c == '\\' && i + 1 < n)
				out[o++] = raw[++i];
			else if (c == quote || c == '\n')
				quote = 0;
			continue;
		}
		if (c == '"' || c == '\'') {
			quote = c;
		} else if (c == '/' && i + 1 < n && raw[i + 1] == '*') {
			for (i += 2; i + 1 < n && !(raw[i] == '*' && raw[i + 1] == '/'); i++)
				if (raw[i] == '\n')
					out[o++] = '\n'; /* directives end at newlines */
			i++;
			out[o++] = ' ';
			continue;
		} else if (c == '/' && i + 1 < n && raw[i + 1] == '/') {
			while (i + 1 < n && raw[i + 1] != '\n')
				i++;
			continue;
		}
		out[o++] = c;
	}
	out[o] = 0;
	free(raw);
	*len = o;
	return out;
}

static bool seen_once(struct hstate *st, const char *path)
{
	for (int i = 0; i < st->nonce; i++)
		if (strcmp(st->once[i], path) == 0)
			return true;
	return false;
}

static void mark_once(struct hstate *st, const char *path)
{
	char **v = realloc(st->once, sizeof(char *) * (size_t)(st->nonce + 1));
	if (!v)
		return;
	st->once = v;
	if ((v[st->nonce] = strdup(path)))
		st->nonce++;
}

static void read_file(struct hstate *st, const char *path);

/* #include / #include_next argument: <x.h> or "x.h" (a macro naming a header is skipped) */
static void include(struct hstate *st, const char *cur, const char *p, const char *end,
		    bool next)
{
	while (p < end && isspace((unsigned char)*p))
		p++;
	char close = p < end && *p == '<' ? '>' : p < end && *p == '"' ? '"' : 0;
	const char *e = close ? memchr(p + 1, close, (size_t)(end - p - 1)) : NULL;
	if (!e)
		return;
	char dir[4096], path[4096];
	const char *slash = strrchr(cur, '/');
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - cur) : 1, slash ? cur : ".");
	const char *skip = NULL;
	if (next) { /* the search directory cur was found in */
		dirs_init();
		for (size_t i = 0; i < NSYSTEM_DIRS; i++) {
			size_t l = strlen(system_dirs[i]);
			if (strncmp(cur, system_dirs[i], l) == 0 && cur[l] == '/')
				skip = system_dirs[i];
		}
		for (int i = 0; st->o && i < st->o->ninclude_dirs; i++) {
			size_t l = strlen(st->o->include_dirs[i]);
			if (strncmp(cur, st->o->include_dirs[i], l) == 0 && cur[l] == '/')
				skip = st->o->include_dirs[i];
		}
		if (!skip)
			return;
	}
	if (find_from(st->o, dir, p + 1, (size_t)(e - p - 1), close == '"' && !next, skip, path,
		      sizeof(path)))
		read_file(st, path);
}

struct cond {
	bool parent;  /* the enclosing region is active */
	bool taken;   /* some branch of this conditional was (or can no longer be) taken */
	bool active;
};

static bool if_cond(struct hstate *st, const char *p, const char *end)
{
	struct hval v;
	return hdr_eval(st, p, (size_t)(end - p), true, &v) && v.v != 0;
}

static void directive(struct hstate *st, const char *path, const char *p, const char *end,
		      struct cond *cs, int *ncs)
{
	while (p < end && isspace((unsigned char)*p))
		p++;
	const char *w = p;
	while (p < end && isalpha((unsigned char)*p))
		p++;
	size_t n = (size_t)(p - w);
	bool active = *ncs == 0 || cs[*ncs - 1].active;
#define IS(s) (n == sizeof(s) - 1 && memcmp(w, s, n) == 0)
	if (IS("if") || IS("ifdef") || IS("ifndef")) {
		if (*ncs == MAX_COND)
			return;
		bool c = false;
		if (active && IS("if")) {
			c = if_cond(st, p, end);
		} else if (active) {
			while (p < end && isspace((unsigned char)*p))
				p++;
			const char *nm = p;
			while (p < end && (isalnum((unsigned char)*p) || *p == '_'))
				p++;
			c = (hdr_lookup(st, nm, (size_t)(p - nm)) != NULL) == IS("ifdef");
		}
		cs[(*ncs)++] = (struct cond){ active, !active || c, active && c };
		return;
	}
	if (IS("elif") || IS("else")) {
		if (!*ncs)
			return;
		struct cond *c = &cs[*ncs - 1];
		bool take = c->parent && !c->taken && (IS("else") || if_cond(st, p, end));
		c->active = take;
		c->taken = c->taken || take;
		return;
	}
	if (IS("endif")) {
		if (*ncs)
			(*ncs)--;
		return;
	}
	if (!active)
		return;
	if (IS("define")) {
		define(st, p, end, false);
	} else if (IS("undef")) {
		while (p < end && isspace((unsigned char)*p))
			p++;
		const char *nm = p;
		while (p < end && (isalnum((unsigned char)*p) || *p == '_'))
			p++;
		struct hdef *d = hdr_lookup(st, nm, (size_t)(p - nm));
		if (d && !d->busy) {
			def_clear(d);
			d->dead = true;
		}
	} else if (IS("include") || (n == 12 && memcmp(w, "include_next", 12) == 0)) {
		/* isalpha stopped at '_': look again for include_next */
		bool next = end - w >= 12 && memcmp(w, "include_next", 12) == 0;
		include(st, path, next ? w + 12 : p, end, next);
	} else if (IS("pragma")) {
		while (p < end && isspace((unsigned char)*p))
			p++;
		if (end - p >= 4 && memcmp(p, "once", 4) == 0)
			mark_once(st, path);
	}
#undef IS
}

const struct henum *hdr_enum(const struct hstate *st, const char *name, size_t len)
{
	for (int i = st->nenums - 1; i >= 0; i--)
		if (st->enums[i].name[0] == name[0] && strlen(st->enums[i].name) == len &&
		    memcmp(st->enums[i].name, name, len) == 0)
			return &st->enums[i];
	return NULL;
}

static void add_enum(struct hstate *st, const char *name, size_t len, int64_t v)
{
	if (st->nenums == st->ecap) {
		int cap = st->ecap ? st->ecap * 2 : 64;
		struct henum *e = realloc(st->enums, sizeof(*e) * (size_t)cap);
		if (!e)
			return;
		st->enums = e;
		st->ecap = cap;
	}
	char *nm = strndup(name, len);
	if (nm)
		st->enums[st->nenums++] = (struct henum){ nm, v };
}

static const char *skip_space(const char *p, const char *end)
{
	while (p < end && isspace((unsigned char)*p))
		p++;
	return p;
}

static const char *ident_end(const char *p, const char *end)
{
	while (p < end && (isalnum((unsigned char)*p) || *p == '_'))
		p++;
	return p;
}

/* `enum [tag] { A, B = 5, C = B << 1 }` in the (active) declarations of a file: the
 * enumerators become constants too (dirent.h's DT_REG is one, #defined as itself). An
 * enumerator whose value cannot be computed ends its enum. */
static void scan_enums(struct hstate *st, const char *p, const char *end)
{
	while ((p = memmem(p, (size_t)(end - p), "enum", 4))) {
		bool word = (p == end - (end - p) || !(isalnum((unsigned char)p[-1]) || p[-1] == '_'));
		p += 4;
		if (!word || (p < end && (isalnum((unsigned char)*p) || *p == '_')))
			continue;
		p = skip_space(p, end);
		p = skip_space(ident_end(p, end), end); /* the tag */
		if (p >= end || *p != '{')
			continue;
		p++;
		int64_t next = 0;
		for (;;) {
			p = skip_space(p, end);
			const char *nm = p, *ne = ident_end(p, end);
			if (ne == nm)
				break;
			p = skip_space(ne, end);
			int64_t v = next;
			if (p < end && *p == '=') {
				const char *x = ++p;
				int depth = 0;
				while (p < end && !((*p == ',' || *p == '}') && depth == 0)) {
					depth += *p == '(' ? 1 : *p == ')' ? -1 : 0;
					p++;
				}
				struct hval hv;
				if (!hdr_eval(st, x, (size_t)(p - x), false, &hv))
					break;
				v = hv.v;
			}
			add_enum(st, nm, (size_t)(ne - nm), v);
			next = v + 1;
			if (p >= end || *p != ',')
				break;
			p++;
		}
	}
}

/* ---- user headers' definitions ---------------------------------------------------- */

/* A header of the system (the C library's, the kernel's uapi, gcc's): its structs are the
 * kernel's or libc's, which BTF describes; only the user's own headers define types. */
static bool system_header(const char *path)
{
	dirs_init();
	for (size_t i = 0; i < NSYSTEM_DIRS; i++) {
		size_t l = strlen(system_dirs[i]);
		if (strncmp(path, system_dirs[i], l) == 0 && path[l] == '/')
			return true;
	}
	return strncmp(path, "/usr/include/", 13) == 0 || strncmp(path, "/usr/lib/gcc/", 13) == 0;
}

/* text[0..len) with every identifier that is an object-like macro of an integer value
 * replaced by that value; NULL when out of memory. */
static char *expand_ints(struct hstate *st, const char *text, size_t len)
{
	size_t cap = len * 2 + 64, o = 0;
	char *out = malloc(cap);
	for (size_t i = 0; out && i < len;) {
		char num[32];
		const char *add = text + i;
		size_t n = 1, used = 1; /* bytes copied, bytes of text consumed */
		if (isalpha((unsigned char)text[i]) || text[i] == '_') {
			n = used = (size_t)(ident_end(text + i, text + len) - (text + i));
			struct hdef *d = hdr_lookup(st, text + i, n);
			struct hval v;
			if (d && !d->func && !d->busy && d->body) {
				d->busy = true;
				bool ok = hdr_eval(st, d->body, strlen(d->body), false, &v);
				d->busy = false;
				if (ok) {
					snprintf(num, sizeof(num), "%lld", (long long)v.v);
					add = num;
					n = strlen(num);
				}
			}
		}
		i += used;
		if (o + n + 1 > cap) {
			cap = (o + n + 1) * 2;
			char *m = realloc(out, cap);
			if (!m) {
				free(out);
				return NULL;
			}
			out = m;
		}
		memcpy(out + o, add, n);
		o += n;
	}
	if (out)
		out[o] = '\0';
	return out;
}

/* A top-level declaration d[0..n) worth handing on: `typedef ...;`, or `struct X {...};` /
 * `union X {...};` (a definition, not a declaration of a variable or function). */
static bool wanted_decl(const char *d, const char *end)
{
	d = skip_space(d, end);
	const char *w = ident_end(d, end);
	size_t wl = (size_t)(w - d);
	if (wl == 7 && memcmp(d, "typedef", 7) == 0)
		return true;
	if (!((wl == 6 && memcmp(d, "struct", 6) == 0) || (wl == 5 && memcmp(d, "union", 5) == 0)))
		return false;
	const char *t = skip_space(w, end);
	const char *te = ident_end(t, end);
	if (te == t)
		return false;
	t = skip_space(te, end);
	if (t >= end || *t != '{')
		return false;
	/* after the closing brace only the ';' */
	const char *close = end - 1;
	while (close > t && *close != '}')
		close--;
	return skip_space(close + 1, end) == end - 1 && end[-1] == ';';
}

/* The declarations of a user header's active lines, split at ';' outside braces (a
 * function body, `) { ... }` without a ';', ends its declaration at its '}'). */
static void scan_decls(struct hstate *st, const char *p, const char *end)
{
	const char *start = p;
	int depth = 0;
	bool func = false; /* a ')' came before the declaration's first '{' */
	for (; p < end; p++) {
		char c = *p;
		if (c == '"' || c == '\'') { /* literals (read_clean kept them whole) */
			for (p++; p < end && *p != c && *p != '\n'; p++)
				if (*p == '\\')
					p++;
			continue;
		}
		if (c == ')' && depth == 0)
			func = true;
		if (c == '{') {
			depth++;
		} else if (c == '}' && depth > 0 && --depth == 0 && func) {
			start = p + 1; /* a function definition: dropped */
			func = false;
		} else if (c == ';' && depth == 0) {
			if (!func && wanted_decl(start, p + 1)) {
				const char *s = skip_space(start, p + 1);
				char *text = expand_ints(st, s, (size_t)(p + 1 - s));
				if (text)
					st->decl_fn(st->decl_ctx, text);
				free(text);
			}
			start = p + 1;
			func = false;
		}
	}
}

static void read_file(struct hstate *st, const char *path)
{
	if (st->depth >= MAX_DEPTH || st->files >= MAX_FILES || seen_once(st, path))
		return;
	size_t len;
	char *text = read_clean(path, &len);
	if (!text)
		return;
	st->files++;
	st->depth++;
	struct cond *cs = malloc(sizeof(*cs) * MAX_COND);
	char *decl = malloc(len + 1); /* the active lines that are not directives */
	size_t dlen = 0;
	int ncs = 0;
	for (const char *p = text, *end = text + len; cs && decl && p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		const char *q = p;
		while (q < le && isspace((unsigned char)*q))
			q++;
		if (q < le && *q == '#') {
			directive(st, path, q + 1, le, cs, &ncs);
		} else if (q < le && (ncs == 0 || cs[ncs - 1].active)) {
			memcpy(decl + dlen, q, (size_t)(le - q));
			dlen += (size_t)(le - q);
			decl[dlen++] = '\n';
		}
		p = nl ? nl + 1 : end;
	}
	if (decl)
		scan_enums(st, decl, decl + dlen);
	if (decl && st->decl_fn && !system_header(path))
		scan_decls(st, decl, decl + dlen);
	free(decl);
	free(cs);
	free(text);
	st->depth--;
}

static void state_init(struct hstate *st, const struct hdr_dirs *o)
{
	memset(st, 0, sizeof(*st));
	st->o = o;
	for (size_t i = 0; i < sizeof(predefined) / sizeof(predefined[0]); i++) {
		char line[128];
		int n = snprintf(line, sizeof(line), "%s %s", predefined[i][0], predefined[i][1]);
		define(st, line, line + n, true);
	}
}

static void state_free(struct hstate *st)
{
	for (int i = 0; i < st->ndefs; i++) {
		def_clear(&st->defs[i]);
		free(st->defs[i].name);
	}
	for (int i = 0; i < st->nonce; i++)
		free(st->once[i]);
	for (int i = 0; i < st->nenums; i++)
		free(st->enums[i].name);
	free(st->enums);
	free(st->once);
	free(st->defs);
	free(st->hash);
}

int hdr_read_consts(const struct hdr_dirs *o, const char *path, hdr_const_fn fn, void *ctx)
{
	return hdr_read(o, path, fn, NULL, ctx);
}

int hdr_read(const struct hdr_dirs *o, const char *path, hdr_const_fn fn, hdr_decl_fn decl_fn,
	     void *ctx)
{
	struct stat sb;
	if (stat(path, &sb) != 0)
		return -errno;
	if (!S_ISREG(sb.st_mode))
		return -EINVAL;
	struct hstate st;
	state_init(&st, o);
	st.decl_fn = decl_fn;
	st.decl_ctx = ctx;
	read_file(&st, path);
	for (int i = 0; i < st.nenums; i++)
		fn(ctx, st.enums[i].name, st.enums[i].v);
	for (int i = 0; i < st.ndefs; i++) {
		struct hdef *d = &st.defs[i];
		struct hval v;
		if (d->dead || d->func || d->builtin)
			continue;
		d->busy = true;
		bool ok = hdr_eval(&st, d->body, strlen(d->body), false, &v);
		d->busy = false;
		if (ok)
			fn(ctx, d->name, v.v);
	}
	state_free(&st);
	return 0;
}

/* ---- syscall names ---------------------------------------------------------------- */

static struct {
	char **names; /* by number */
	int n;
} syscalls;
static pthread_once_t syscalls_once = PTHREAD_ONCE_INIT;

static void syscall_const(void *ctx, const char *name, int64_t v)
{
	(void)ctx;
	if (strncmp(name, "__NR_", 5) != 0 || v < 0 || v >= 4096)
		return;
	if (v >= syscalls.n) {
		char **nv = realloc(syscalls.names, sizeof(char *) * (size_t)(v + 1));
		if (!nv)
			return;
		memset(nv + syscalls.n, 0, sizeof(char *) * (size_t)(v + 1 - syscalls.n));
		syscalls.names = nv;
		syscalls.n = (int)v + 1;
	}
	if (!syscalls.names[v])
		syscalls.names[v] = strdup(name + 5);
}

static void syscalls_load(void)
{
	char path[4096];
	if (hdr_find(NULL, NULL, "asm/unistd_64.h", 15, false, path, sizeof(path)))
		hdr_read_consts(NULL, path, syscall_const, NULL);
}

const char *hdr_syscall_name(int64_t nr)
{
	pthread_once(&syscalls_once, syscalls_load);
	return nr >= 0 && nr < syscalls.n ? syscalls.names[nr] : NULL;
}

int64_t hdr_syscall_number(const char *name)
{
	pthread_once(&syscalls_once, syscalls_load);
	for (int i = 0; i < syscalls.n; i++)
		if (syscalls.names[i] && strcmp(syscalls.names[i], name) == 0)
			return i;
	return syscalls.n ? -1 : -2;
}
