/*
 * runtime/tracefs.c — tracepoint names and formats from tracefs.
 *
 * Owns: locating tracefs, listing events by walking events/CAT/NAME directories (cheap:
 * no format file is opened while listing), and parsing one events/CAT/NAME/format file
 * into struct tp_format when asked.
 * Must not: attach anything, know about the AST, or print (callers word the errors).
 */
#include "tracefs.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/mount.h>
#include <unistd.h>

const char *tracefs_root(void)
{
	static const char *const candidates[] = { "/sys/kernel/tracing",
						  "/sys/kernel/debug/tracing" };
	/* where tracefs is mounted is a fact of the machine, not of one session: found (or
	 * mounted) once per process */
	static const char *cached;
	if (cached)
		return cached;
	for (int attempt = 0; attempt < 2; attempt++) {
		for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++) {
			char path[PATH_MAX];
			snprintf(path, sizeof(path), "%s/events", candidates[i]);
			if (access(path, R_OK | X_OK) == 0) {
				cached = candidates[i];
				return cached;
			}
		}
		/* Some machines boot without tracefs mounted; as root we can mount it at
		 * its standard place ourselves rather than fail with "not found". */
		if (attempt == 0 &&
		    mount("nodev", candidates[0], "tracefs", 0, NULL) != 0)
			break;
	}
	return NULL;
}

static int read_file(const char *path, char **out)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return -errno;
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	if (!buf) {
		fclose(f);
		return -ENOMEM;
	}
	for (;;) {
		if (len + 1 >= cap) {
			char *n = realloc(buf, cap * 2);
			if (!n) {
				free(buf);
				fclose(f);
				return -ENOMEM;
			}
			buf = n;
			cap *= 2;
		}
		size_t got = fread(buf + len, 1, cap - 1 - len, f);
		if (got == 0)
			break;
		len += got;
	}
	int err = ferror(f) ? -EIO : 0;
	fclose(f);
	if (err) {
		free(buf);
		return err;
	}
	buf[len] = '\0';
	*out = buf;
	return 0;
}

/* Trim trailing blanks in place. */
static void rtrim(char *s)
{
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
}

/* "field:TYPE NAME[LEN]" declaration → type text, name, array length. The name is the
 * last identifier; everything before it is the type (kept as the kernel wrote it). */
static int parse_decl(char *decl, struct tp_field *fld)
{
	rtrim(decl);
	while (*decl == ' ' || *decl == '\t')
		decl++;
	fld->array_len = -1;
	char *end = decl + strlen(decl);
	char *br = strchr(decl, '[');
	char *name_end = end;
	if (br) {
		/* The name precedes '[' unless the brackets belong to the type, as in
		 * "__data_loc char[] name" where the name comes after. */
		char *close = strchr(br, ']');
		if (!close)
			return -EINVAL;
		if (close[1] == '\0') {
			name_end = br;
			fld->array_len = (int)strtol(br + 1, NULL, 0);
		}
	}
	char *p = name_end;
	while (p > decl && (p[-1] == '_' || (p[-1] >= '0' && p[-1] <= '9') ||
			    (p[-1] >= 'a' && p[-1] <= 'z') || (p[-1] >= 'A' && p[-1] <= 'Z')))
		p--;
	if (p == name_end || p == decl)
		return -EINVAL;
	fld->name = strndup(p, (size_t)(name_end - p));
	char *tend = p;
	while (tend > decl && (tend[-1] == ' ' || tend[-1] == '\t'))
		tend--;
	fld->type = strndup(decl, (size_t)(tend - decl));
	if (!fld->name || !fld->type)
		return -ENOMEM;
	if (strncmp(fld->type, "__data_loc ", 11) == 0) {
		fld->data_loc = true;
		fld->array_len = -1;
	}
	size_t tl = strlen(fld->type);
	fld->is_pointer = tl && fld->type[tl - 1] == '*';
	return 0;
}

/* One "\tfield:...;\toffset:N;\tsize:N;\tsigned:N;" line. Returns 1 if a field was
 * added, 0 if the line is not a field or is a common_* field, -errno on error. */
static int parse_field_line(char *line, struct tp_field *fld)
{
	char *p = strstr(line, "field:");
	if (!p)
		return 0;
	p += 6;
	char *semi = strchr(p, ';');
	if (!semi)
		return -EINVAL;
	*semi = '\0';
	char *rest = semi + 1;
	memset(fld, 0, sizeof(*fld));
	int err = parse_decl(p, fld);
	if (err)
		goto fail;
	char *o = strstr(rest, "offset:"), *s = strstr(rest, "size:"), *g = strstr(rest, "signed:");
	if (!o || !s) {
		err = -EINVAL;
		goto fail;
	}
	fld->offset = (uint32_t)strtoul(o + 7, NULL, 10);
	fld->size = (uint32_t)strtoul(s + 5, NULL, 10);
	fld->is_signed = g && strtol(g + 7, NULL, 10) != 0;
	if (strncmp(fld->name, "common_", 7) == 0) {
		free(fld->name);
		free(fld->type);
		memset(fld, 0, sizeof(*fld));
		return 0;
	}
	return 1;
fail:
	free(fld->name);
	free(fld->type);
	memset(fld, 0, sizeof(*fld));
	return err;
}

static int valid_component(const char *s)
{
	return *s && !strchr(s, '/') && strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

int tracefs_format_parse(const char *text, const char *category, const char *event,
			 struct tp_format *out)
{
	memset(out, 0, sizeof(*out));
	char *copy = strdup(text);
	int err = 0;
	out->category = strdup(category);
	out->event = strdup(event);
	out->id = -1;
	if (!copy || !out->category || !out->event) {
		err = -ENOMEM;
		goto fail;
	}
	int cap = 0;
	char *save = NULL;
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "ID:", 3) == 0) {
			out->id = (int)strtol(line + 3, NULL, 10);
			continue;
		}
		if (strncmp(line, "print fmt:", 10) == 0)
			break;
		if (out->nfields == cap) {
			cap = cap ? cap * 2 : 8;
			struct tp_field *n = realloc(out->fields, sizeof(*n) * cap);
			if (!n) {
				err = -ENOMEM;
				goto fail;
			}
			out->fields = n;
		}
		int r = parse_field_line(line, &out->fields[out->nfields]);
		if (r < 0) {
			err = r;
			goto fail;
		}
		out->nfields += r;
	}
	if (out->id < 0) {
		err = -EINVAL;
		goto fail;
	}
	free(copy);
	return 0;
fail:
	free(copy);
	tracefs_format_free(out);
	return err;
}

int tracefs_format_load(const char *category, const char *event, struct tp_format *out)
{
	memset(out, 0, sizeof(*out));
	const char *root = tracefs_root();
	if (!root)
		return -ENODEV;
	if (!valid_component(category) || !valid_component(event))
		return -ENOENT;
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/events/%s/%s/format", root, category, event);
	char *text = NULL;
	int err = read_file(path, &text);
	if (err)
		return err;
	err = tracefs_format_parse(text, category, event, out);
	free(text);
	return err;
}

void tracefs_format_free(struct tp_format *f)
{
	if (!f)
		return;
	for (int i = 0; i < f->nfields; i++) {
		free(f->fields[i].name);
		free(f->fields[i].type);
	}
	free(f->fields);
	free(f->category);
	free(f->event);
	memset(f, 0, sizeof(*f));
}

const struct tp_field *tp_format_field(const struct tp_format *f, const char *name)
{
	for (int i = 0; i < f->nfields; i++)
		if (strcmp(f->fields[i].name, name) == 0)
			return &f->fields[i];
	return NULL;
}

struct name_list {
	char **v;
	int n, cap;
};

static int name_list_add(struct name_list *l, const char *s)
{
	if (l->n == l->cap) {
		int cap = l->cap ? l->cap * 2 : 64;
		char **n = realloc(l->v, sizeof(*n) * cap);
		if (!n)
			return -ENOMEM;
		l->v = n;
		l->cap = cap;
	}
	if (!(l->v[l->n] = strdup(s)))
		return -ENOMEM;
	l->n++;
	return 0;
}

static void name_list_free(struct name_list *l)
{
	for (int i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int has_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

/* Subdirectories of dir whose names match glob, sorted. A literal glob is checked with one
 * stat instead of a directory scan. */
static int list_dirs(const char *dir, const char *glob, struct name_list *out)
{
	char path[PATH_MAX + NAME_MAX + 2];
	struct stat st;
	if (!has_glob(glob)) {
		if (!valid_component(glob))
			return 0;
		snprintf(path, sizeof(path), "%s/%s", dir, glob);
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
			return name_list_add(out, glob);
		return 0;
	}
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	struct dirent *de;
	int err = 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (fnmatch(glob, de->d_name, 0) != 0)
			continue;
		int is_dir = de->d_type == DT_DIR;
		if (de->d_type == DT_UNKNOWN) {
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			is_dir = stat(path, &st) == 0 && S_ISDIR(st.st_mode);
		}
		if (!is_dir)
			continue;
		if ((err = name_list_add(out, de->d_name)))
			break;
	}
	closedir(d);
	if (!err && out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), cmp_str);
	return err;
}

int tracefs_match(const char *cat_glob, const char *event_glob,
		  int (*fn)(const char *category, const char *event, void *ctx), void *ctx)
{
	const char *root = tracefs_root();
	if (!root)
		return -ENODEV;
	char events[PATH_MAX];
	snprintf(events, sizeof(events), "%s/events", root);
	struct name_list cats = { 0 };
	int err = list_dirs(events, cat_glob, &cats);
	int count = 0;
	for (int i = 0; !err && i < cats.n; i++) {
		char cdir[PATH_MAX + NAME_MAX + 2];
		snprintf(cdir, sizeof(cdir), "%s/%s", events, cats.v[i]);
		struct name_list evs = { 0 };
		err = list_dirs(cdir, event_glob, &evs);
		for (int j = 0; !err && j < evs.n; j++) {
			count++;
			if (fn)
				err = fn(cats.v[i], evs.v[j], ctx);
		}
		name_list_free(&evs);
	}
	name_list_free(&cats);
	return err ? (err < 0 ? err : -EINVAL) : count;
}
