/*
 * runtime/target_files.c — the files uprobe and usdt attach points name (target_files.h).
 *
 * Owns: globbing BINARY, the -p process's executable and libraries (/proc/PID/maps),
 * and /proc/PID/root paths for processes in another mount namespace. Shared by
 * probe_uprobe.c and probe_usdt.c.
 * Must not: read ELF, know probe kinds, or print.
 */
#include "target_files.h"

#include <errno.h>
#include <fnmatch.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "provider.h"
#include "runtime_internal.h"

int files_add(struct file_list *f, const char *open, const char *shown)
{
	for (int i = 0; i < f->n; i++)
		if (strcmp(f->open[i], open) == 0)
			return 0;
	if (f->n == f->cap) {
		int cap = f->cap ? f->cap * 2 : 8;
		char **o = realloc(f->open, sizeof(char *) * (size_t)cap);
		if (!o)
			return -ENOMEM;
		f->open = o;
		char **s = realloc(f->shown, sizeof(char *) * (size_t)cap);
		if (!s)
			return -ENOMEM;
		f->shown = s;
		f->cap = cap;
	}
	f->open[f->n] = strdup(open);
	f->shown[f->n] = strdup(shown);
	if (!f->open[f->n] || !f->shown[f->n]) {
		free(f->open[f->n]);
		free(f->shown[f->n]);
		return -ENOMEM;
	}
	f->n++;
	return 0;
}

void files_free(struct file_list *f)
{
	for (int i = 0; i < f->n; i++) {
		free(f->open[i]);
		free(f->shown[i]);
	}
	free(f->open);
	free(f->shown);
	memset(f, 0, sizeof(*f));
}

bool files_has_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

/* Is pid in a mount namespace other than ours? */
static bool other_mountns(int pid)
{
	char p[64], a[64] = "", b[64] = "";
	snprintf(p, sizeof(p), "/proc/%d/ns/mnt", pid);
	ssize_t la = readlink("/proc/self/ns/mnt", a, sizeof(a) - 1);
	ssize_t lb = readlink(p, b, sizeof(b) - 1);
	return la > 0 && lb > 0 && strcmp(a, b) != 0;
}

void pid_path(int pid, const char *path, char *out, size_t len)
{
	struct stat st;
	if (pid > 0 && path[0] == '/' && (other_mountns(pid) || stat(path, &st) != 0)) {
		char via[PATH_MAX + 64];
		snprintf(via, sizeof(via), "/proc/%d/root%s", pid, path);
		if (stat(via, &st) == 0 && (size_t)snprintf(out, len, "%s", via) < len)
			return;
	}
	snprintf(out, len, "%s", path);
}

int process_files(int pid, const char *glob_pat, struct file_list *out)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return -errno;
	char line[PATH_MAX + 128];
	int err = 0;
	bool other = other_mountns(pid);
	while (!err && fgets(line, sizeof(line), f)) {
		char perms[8];
		int off = 0;
		if (sscanf(line, "%*x-%*x %7s %*x %*x:%*x %*u %n", perms, &off) < 1 || !off)
			continue;
		char *file = line + off;
		file[strcspn(file, "\n")] = '\0';
		if (file[0] != '/' || !strchr(perms, 'x') || strstr(file, " (deleted)"))
			continue;
		if (glob_pat && fnmatch(glob_pat, file, 0) != 0)
			continue;
		char open_path[PATH_MAX + 64];
		if (other)
			snprintf(open_path, sizeof(open_path), "/proc/%d/root%s", pid, file);
		else
			snprintf(open_path, sizeof(open_path), "%s", file);
		err = files_add(out, open_path, file);
	}
	fclose(f);
	return err;
}

int target_files(const char *written, int pid, struct file_list *out, char *err,
		 size_t errlen, const char *text, const char *kind, const char *form)
{
	if (!*written || (strcmp(written, "*") == 0 && pid > 0)) {
		if (pid <= 0)
			return provider_fail(err, errlen,
					     "%s probe '%s' names no binary: give one (%s) or a "
					     "process with -p",
					     kind, text, form);
		int e = process_files(pid, NULL, out);
		if (e)
			return provider_fail(err, errlen, "cannot read the mappings of process %d: %s",
					     pid, strerror(-e));
		if (!out->n) /* a zombie's maps are empty */
			return provider_fail(err, errlen, "process %d maps no executable file: has it "
					     "exited? (%s)", pid, text);
		return 0;
	}
	if (files_has_glob(written)) {
		if (pid > 0 && written[0] == '/' && process_files(pid, written, out) == 0 && out->n)
			return 0;
		glob_t g;
		int r = glob(written, 0, NULL, &g);
		if (r == 0)
			for (size_t i = 0; i < g.gl_pathc; i++) {
				struct stat st;
				if (stat(g.gl_pathv[i], &st) == 0 && S_ISREG(st.st_mode) &&
				    files_add(out, g.gl_pathv[i], g.gl_pathv[i])) {
					globfree(&g);
					return provider_fail(err, errlen, "out of memory");
				}
			}
		if (r == 0)
			globfree(&g);
		if (!out->n)
			return provider_fail(err, errlen, "no file matches '%s' in '%s'", written, text);
		return 0;
	}
	char abs[PATH_MAX + 64], shown[PATH_MAX], via[PATH_MAX + 64];
	const char *w = written;
	if (pid > 0 && written[0] == '/') { /* the path as the -p process sees it */
		pid_path(pid, written, via, sizeof(via));
		w = via;
	}
	if (w != written && strcmp(w, written) != 0) { /* /proc/PID/root/...: keep it so */
		struct stat st;
		if (stat(w, &st) != 0 || !S_ISREG(st.st_mode))
			return provider_fail(err, errlen, "%s target file '%s' does not exist or is "
					     "not a regular file (in process %d either)", kind,
					     written, pid);
		snprintf(abs, sizeof(abs), "%s", w);
		snprintf(shown, sizeof(shown), "%s", written);
	} else if (uprobe_find_binary(written, abs, sizeof(abs), shown, sizeof(shown), err,
				      errlen, text)) {
		return -1;
	}
	if (files_add(out, abs, shown))
		return provider_fail(err, errlen, "out of memory");
	return 0;
}
