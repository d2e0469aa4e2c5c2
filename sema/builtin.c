/*
 * sema/builtin.c — finding a builtin's row by name and by id (see builtin.h).
 * Must not: know any builtin by name or type anything.
 */
#include "builtin.h"

#include <ctype.h>
#include <stddef.h>
#include <string.h>

/* name is prefix followed by one or more digits and nothing else */
static bool numbered(const char *name, const char *prefix)
{
	size_t len = strlen(prefix);
	if (strncmp(name, prefix, len) != 0 || !isdigit((unsigned char)name[len]))
		return false;
	const char *p = name + len;
	while (isdigit((unsigned char)*p))
		p++;
	return *p == '\0';
}

int builtin_find(const struct builtin_set *set, const char *name, bool call)
{
	if (!set || !name)
		return -1;
	/* arg0.., sarg0.. before exact names, and never by their bare prefix */
	for (int f = 0; !call && f < set->nfamilies; f++) {
		const struct builtin_family *fam = set->families[f];
		for (int r = 0; r < fam->nrows; r++)
			if (fam->rows[r].kind == BK_VAR && (fam->rows[r].flags & BF_NUMBERED) &&
			    numbered(name, fam->rows[r].name))
				return BUILTIN_ID(f, r);
	}
	for (int f = 0; f < set->nfamilies; f++) {
		const struct builtin_family *fam = set->families[f];
		for (int r = 0; r < fam->nrows; r++) {
			const struct builtin *b = &fam->rows[r];
			if ((b->kind != BK_VAR) == call && !(b->flags & BF_NUMBERED) &&
			    strcmp(b->name, name) == 0)
				return BUILTIN_ID(f, r);
		}
	}
	return -1;
}

const struct builtin *builtin_at(const struct builtin_set *set, int id)
{
	if (!set || id < BUILTIN_ID(0, 0))
		return NULL;
	int f = (id >> 8) - 1, r = id & 0xff;
	if (f >= set->nfamilies || r >= set->families[f]->nrows)
		return NULL;
	return &set->families[f]->rows[r];
}
