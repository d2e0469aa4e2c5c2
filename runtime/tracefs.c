/*
 * runtime/tracefs.c — tracepoint names and formats from tracefs.
 *
 * Owns: locating tracefs, listing events by walking events/CAT/NAME directories (cheap:
 * no format file is opened while listing), and reading one events/CAT/NAME/format file
 * when asked (common/tp_format.c parses it into struct tp_format).
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

static int valid_component(const char *s)
{
	return *s && !strchr(s, '/') && strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
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
