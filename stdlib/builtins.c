/*
 * stdlib/builtins.c — the list of builtin families (see builtins.h) and the print hooks'
 * lookup; the older rows that have no family file yet.
 * Must not: hold typing, codegen or printing logic (the family files do).
 */
#include "builtins.h"

#include <ctype.h>
#include <string.h>

#include "builtin_family.h"

static const struct builtin_family *const families[] = {
	&builtin_family_core,
	&builtin_family_strings,
	&builtin_family_async,
	&builtin_family_report,
	&builtin_family_kinfo,
	&builtin_family_strsearch,
	&builtin_family_symbols,
	&builtin_family_tseries,
	&builtin_family_maps,
};

const struct builtin_set builtin_set = { families, BUILTIN_NROWS(families) };

const struct builtin_fmt *builtin_fmt_of(const struct type *t)
{
	if (t->sub == SUB_NONE)
		return NULL;
	for (int f = 0; f < BUILTIN_NROWS(families); f++)
		for (int i = 0; i < families[f]->nfmts; i++)
			if (families[f]->fmts[i].sub == t->sub && families[f]->fmts[i].kind == t->kind)
				return &families[f]->fmts[i];
	return NULL;
}

const struct builtin_row builtin_rows[BI__COUNT] = {
#define BVAR(id, nm) [BI_##id] = { BI_##id, nm, 0, 0, 0 },
#define BFUNC(id, nm, mn, mx) [BI_##id] = { BI_##id, nm, 1, mn, mx },
	BUILTIN_VARS(BVAR) BUILTIN_FUNCS(BFUNC)
#undef BVAR
#undef BFUNC
};

enum builtin_legacy builtin_lookup(const char *name, int is_call)
{
	/* arg0..argN, sarg0..sargN */
	static const struct { const char *prefix; size_t len; enum builtin_legacy id; } numbered[] = {
		{ "arg", 3, BI_ARGN }, { "sarg", 4, BI_SARGN },
	};
	for (size_t k = 0; !is_call && k < sizeof(numbered) / sizeof(numbered[0]); k++) {
		if (strncmp(name, numbered[k].prefix, numbered[k].len) != 0 ||
		    !isdigit((unsigned char)name[numbered[k].len]))
			continue;
		const char *p = name + numbered[k].len;
		while (isdigit((unsigned char)*p))
			p++;
		if (*p == '\0')
			return numbered[k].id;
	}
	for (int i = 0; i < BI__COUNT; i++) {
		if (builtin_rows[i].is_func == is_call && strcmp(builtin_rows[i].name, name) == 0 &&
		    i != BI_ARGN && i != BI_SARGN)
			return (enum builtin_legacy)i;
	}
	return BI_NONE;
}
