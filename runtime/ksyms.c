/*
 * runtime/ksyms.c — /proc/kallsyms, loaded once on first use and sorted by address.
 *
 * Owns: the kernel symbol table for stack/ksym printing and kaddr(). Modules' symbols
 * ("name [mod]") are included under their plain name, as bpftrace prints them.
 * Must not: attach, or print anything.
 */
#include "ksyms.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ksym {
	uint64_t addr;
	char *name;
};

static struct ksym *syms;
static int nsyms;
static bool loaded;

static int ksym_cmp(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static void load(void)
{
	if (loaded)
		return;
	loaded = true;
	FILE *f = fopen("/proc/kallsyms", "re");
	if (!f)
		return;
	char line[512], name[256];
	int cap = 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long a;
		char t;
		if (sscanf(line, "%llx %c %255s", &a, &t, name) != 3 || !a)
			continue;
		/* absolute and per-cpu symbols are not code addresses a stack can hold */
		if (t == 'a' || t == 'A')
			continue;
		if (nsyms == cap) {
			int nc = cap ? cap * 2 : 65536;
			struct ksym *v = realloc(syms, sizeof(*v) * (size_t)nc);
			if (!v)
				break;
			syms = v;
			cap = nc;
		}
		if (!(syms[nsyms].name = strdup(name)))
			break;
		syms[nsyms++].addr = a;
	}
	fclose(f);
	if (nsyms)
		qsort(syms, (size_t)nsyms, sizeof(*syms), ksym_cmp);
}

bool ksyms_resolve(uint64_t addr, bool with_off, char *buf, size_t len)
{
	load();
	int lo = 0, hi = nsyms - 1, best = -1;
	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;
		if (syms[mid].addr <= addr) {
			best = mid;
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	if (best < 0)
		return false;
	uint64_t off = addr - syms[best].addr;
	if (with_off)
		snprintf(buf, len, "%s+%" PRIu64, syms[best].name, off);
	else
		snprintf(buf, len, "%s", syms[best].name);
	return true;
}

uint64_t ksyms_addr(const char *name)
{
	load();
	for (int i = 0; i < nsyms; i++)
		if (strcmp(syms[i].name, name) == 0)
			return syms[i].addr;
	return 0;
}

bool ksyms_listed(const char *name)
{
	FILE *f = fopen("/proc/kallsyms", "re");
	if (!f)
		return false;
	char line[512], sym[256];
	bool found = false;
	while (!found && fgets(line, sizeof(line), f)) {
		unsigned long long a;
		char t;
		found = sscanf(line, "%llx %c %255s", &a, &t, sym) == 3 && strcmp(sym, name) == 0;
	}
	fclose(f);
	return found;
}

void ksyms_free(void)
{
	for (int i = 0; i < nsyms; i++)
		free(syms[i].name);
	free(syms);
	syms = NULL;
	nsyms = 0;
	loaded = false;
}
