/*
 * runtime/names.c — names the kernel knows only as numbers: a uid's user name (username)
 * and a cgroup id's paths (cgroup_path()), looked up when a value is printed.
 *
 * Owns: reading /etc/passwd (not getpwuid: the release binary is static, where NSS does
 * not work) and finding the cgroup directory whose inode number is the id, in every
 * cgroup hierarchy of /proc/mounts, named as bpftrace names them ("unified" for cgroup2,
 * else the mount directory's name), "unified" first, then by name. Both are cached.
 * Must not: touch BPF maps or print.
 */
#include "runtime_internal.h"

#include <dirent.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

bool rt_username(uint64_t uid, char *buf, size_t len)
{
	FILE *f = fopen("/etc/passwd", "re");
	if (!f)
		return false;
	char line[1024];
	bool found = false;
	while (!found && fgets(line, sizeof(line), f)) {
		char *name = line, *c1 = strchr(line, ':');
		char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		char *end;
		unsigned long long u = strtoull(c2 + 1, &end, 10);
		if (end == c2 + 1 || *end != ':' || u != uid)
			continue;
		*c1 = 0;
		snprintf(buf, len, "%s", name);
		found = true;
	}
	fclose(f);
	return found;
}

/* The directory under root whose inode is id: its path relative to root ("/" for root). */
static bool find_inode(const char *root, const char *dir, uint64_t id, char *out, size_t len,
		       int depth)
{
	if (depth > 32)
		return false;
	DIR *d = opendir(dir);
	if (!d)
		return false;
	struct dirent *e;
	bool found = false;
	while (!found && (e = readdir(d))) {
		if (e->d_type != DT_DIR || !strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char path[PATH_MAX];
		if (snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= (int)sizeof(path))
			continue;
		if (e->d_ino == id) {
			snprintf(out, len, "%s", path + strlen(root));
			found = true;
		} else {
			found = find_inode(root, path, id, out, len, depth + 1);
		}
	}
	closedir(d);
	return found;
}

struct hier {
	char name[64];
	char root[PATH_MAX];
};

static int cmp_hier(const void *a, const void *b)
{
	const struct hier *x = a, *y = b;
	bool ux = !strcmp(x->name, "unified"), uy = !strcmp(y->name, "unified");
	if (ux != uy)
		return ux ? -1 : 1;
	return strcmp(x->name, y->name);
}

bool rt_cgroup_path(uint64_t id, const char *filter, char *buf, size_t len)
{
	FILE *m = fopen("/proc/mounts", "re");
	if (!m)
		return false;
	struct hier h[32];
	int nh = 0;
	char line[1024];
	while (nh < 32 && fgets(line, sizeof(line), m)) {
		char dev[256], dir[PATH_MAX], type[64];
		if (sscanf(line, "%255s %4095s %63s", dev, dir, type) != 3)
			continue;
		if (strcmp(type, "cgroup2") && strcmp(type, "cgroup"))
			continue;
		const char *slash = strrchr(dir, '/');
		const char *nm = !strcmp(type, "cgroup2") ? "unified" : slash ? slash + 1 : dir;
		size_t nl = strlen(nm) < sizeof(h[nh].name) ? strlen(nm) : sizeof(h[nh].name) - 1;
		memcpy(h[nh].name, nm, nl);
		h[nh].name[nl] = 0;
		snprintf(h[nh].root, sizeof(h[nh].root), "%s", dir);
		nh++;
	}
	fclose(m);
	qsort(h, (size_t)nh, sizeof(h[0]), cmp_hier);
	size_t used = 0;
	buf[0] = 0;
	for (int i = 0; i < nh; i++) {
		if (filter && *filter && fnmatch(filter, h[i].name, 0) != 0)
			continue;
		char rel[PATH_MAX] = "";
		struct stat st;
		if (stat(h[i].root, &st) == 0 && st.st_ino == id)
			snprintf(rel, sizeof(rel), "/");
		else if (!find_inode(h[i].root, h[i].root, id, rel, sizeof(rel), 0))
			continue;
		int w = snprintf(buf + used, len - used, "%s%s:%s", used ? "," : "", h[i].name, rel);
		if (w < 0 || (size_t)w >= len - used)
			break;
		used += (size_t)w;
	}
	return used > 0;
}
