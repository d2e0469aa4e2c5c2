/*
 * stdlib/builtins.c — the builtin registry rows (see builtins.h).
 * Must not: hold typing or codegen logic.
 */
#include "builtins.h"

#include <ctype.h>
#include <string.h>

const struct builtin_row builtin_rows[BI__COUNT] = {
#define BVAR(id, nm) [BI_##id] = { BI_##id, nm, 0, 0, 0 },
#define BFUNC(id, nm, mn, mx) [BI_##id] = { BI_##id, nm, 1, mn, mx },
	BUILTIN_VARS(BVAR) BUILTIN_FUNCS(BFUNC)
#undef BVAR
#undef BFUNC
};

enum builtin builtin_lookup(const char *name, int is_call)
{
	if (!is_call && strncmp(name, "arg", 3) == 0 && name[3] && name[3] != 's') {
		const char *p = name + 3;
		while (isdigit((unsigned char)*p))
			p++;
		if (*p == '\0')
			return BI_ARGN;
	}
	for (int i = 0; i < BI__COUNT; i++) {
		if (builtin_rows[i].is_func == is_call && strcmp(builtin_rows[i].name, name) == 0 &&
		    i != BI_ARGN)
			return (enum builtin)i;
	}
	return BI_NONE;
}
