/*
 * common/debug_file.c — finding a stripped ELF file's separate debug file (debug_file.h),
 * with libelf and libdw's dwelf helpers (build id, .gnu_debuglink) and zlib's crc32.
 *
 * Owns: elf_debug_file. Must not: read symbols or DWARF, reach the network, or print.
 */
#include "debug_file.h"

#include <elfutils/libdwelf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

static bool regular(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* The CRC-32 .gnu_debuglink records (zlib's polynomial and initial value). */
static bool crc_matches(const char *path, uint32_t want)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	uLong crc = crc32(0, NULL, 0);
	unsigned char buf[65536];
	ssize_t r;
	while ((r = read(fd, buf, sizeof(buf))) > 0)
		crc = crc32(crc, buf, (uInt)r);
	close(fd);
	return r == 0 && (uint32_t)crc == want;
}

static int debug_file_of(Elf *e, const char *path, char *out, size_t len)
{
	const void *id = NULL;
	ssize_t idlen = dwelf_elf_gnu_build_id(e, &id);
	if (idlen > 1 && idlen <= 64) {
		const unsigned char *b = id;
		char hex[130];
		for (ssize_t i = 0; i < idlen; i++)
			snprintf(hex + 2 * i, 3, "%02x", b[i]);
		if ((size_t)snprintf(out, len, "/usr/lib/debug/.build-id/%.2s/%s.debug", hex,
				     hex + 2) < len && regular(out))
			return 0;
	}
	GElf_Word crc = 0;
	const char *link = dwelf_elf_gnu_debuglink(e, &crc);
	if (!link || !*link || strchr(link, '/'))
		return -ENOENT;
	char dir[PATH_MAX];
	if (!realpath(path, dir))
		snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (!slash)
		return -ENOENT;
	*slash = '\0';
	static const char *const fmts[] = { "%s/%s", "%s/.debug/%s", "/usr/lib/debug%s/%s" };
	for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		if ((size_t)snprintf(out, len, fmts[i], dir, link) >= len || !regular(out))
			continue;
		if (strcmp(out, path) != 0 && crc_matches(out, crc))
			return 0;
	}
	return -ENOENT;
}

int elf_debug_file(const char *path, char *out, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -ENOENT;
	elf_version(EV_CURRENT);
	Elf *e = elf_begin(fd, ELF_C_READ, NULL);
	int r = e && elf_kind(e) == ELF_K_ELF ? debug_file_of(e, path, out, len) : -ENOENT;
	if (e)
		elf_end(e);
	close(fd);
	return r;
}

