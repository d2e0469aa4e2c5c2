/*
 * stdlib/builtins.c — the list of builtin families (see builtins.h) and the print hooks'
 * lookup.
 * Must not: hold typing, codegen or printing logic (the family files do).
 */
#include "builtins.h"

#include "builtin_family.h"

/* A new family: its file, a line here and its extern in builtin_family.h. The order does
 * not matter (names are unique per kind). */
static const struct builtin_family *const families[] = {
	&builtin_family_core,    &builtin_family_maps,   &builtin_family_strings,
	&builtin_family_symbols, &builtin_family_async,  &builtin_family_report,
	&builtin_family_process, &builtin_family_probe,  &builtin_family_kinfo,
	&builtin_family_strsearch, &builtin_family_tseries, &builtin_family_task,
	&builtin_family_unsafe,  &builtin_family_net,
	&builtin_family_meta,     &builtin_family_bytes,   &builtin_family_dwstack,
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
