/*
 * lexer/macros.c — the #define table (see macros.h).
 * Must not: lex, parse or print; the scanner wrapper in lexer.l drives expansion.
 */
#include "macros.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../common/ast.h"

int pp_find(const struct pp_macros *pm, const char *name, size_t len)
{
	if (!pm)
		return -1;
	for (int i = 0; i < pm->n; i++) {
		const char *nm = pm->m[i].name;
		if (nm && strlen(nm) == len && memcmp(nm, name, len) == 0)
			return i;
	}
	return -1;
}

void pp_tokens_free(struct pp_tok *toks, int ntoks)
{
	for (int i = 0; toks && i < ntoks; i++)
		ast_free(toks[i].str);
	free(toks);
}

int pp_define(struct pp_macros **pmp, const char *name, size_t len, struct pp_tok *toks,
	      int ntoks)
{
	struct pp_macros *pm = *pmp;
	if (!pm) {
		pm = calloc(1, sizeof(*pm));
		if (!pm)
			goto nomem;
		*pmp = pm;
	}
	int i = pp_find(pm, name, len);
	if (i < 0) {
		if (pm->n == pm->cap) {
			int cap = pm->cap ? pm->cap * 2 : 16;
			struct pp_macro *m = realloc(pm->m, (size_t)cap * sizeof(*m));
			if (!m)
				goto nomem;
			pm->m = m;
			pm->cap = cap;
		}
		char *nm = strndup(name, len);
		if (!nm)
			goto nomem;
		i = pm->n++;
		pm->m[i] = (struct pp_macro){ .name = nm };
	} else {
		pp_tokens_free(pm->m[i].toks, pm->m[i].ntoks);
	}
	pm->m[i].toks = toks;
	pm->m[i].ntoks = ntoks;
	return 0;
nomem:
	pp_tokens_free(toks, ntoks);
	return -ENOMEM;
}

void pp_undef(struct pp_macros *pm, const char *name, size_t len)
{
	int i = pp_find(pm, name, len);
	if (i < 0)
		return;
	pp_tokens_free(pm->m[i].toks, pm->m[i].ntoks);
	free(pm->m[i].name);
	pm->m[i] = (struct pp_macro){ 0 }; /* a hole: never found again */
}

void pp_macros_free(struct pp_macros *pm)
{
	if (!pm)
		return;
	for (int i = 0; i < pm->n; i++) {
		pp_tokens_free(pm->m[i].toks, pm->m[i].ntoks);
		free(pm->m[i].name);
	}
	free(pm->m);
	free(pm);
}
