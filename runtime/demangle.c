/*
 * runtime/demangle.c — demangling C++ symbols with libstdc++'s __cxa_demangle.
 *
 * Owns: cxx_demangle, cxx_strip_params, cxx_sym_match (see demangle.h). libstdc++ is
 * linked anyway (LLVM needs it), so its demangler costs nothing and follows the compiler's
 * ABI exactly (README, "Dependencies").
 * Must not: read files, cache names, or print.
 */
#include "demangle.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

/* libstdc++ (cxxabi.h), callable from C */
extern char *__cxa_demangle(const char *mangled, char *buf, size_t *len, int *status);

bool cxx_is_mangled(const char *sym)
{
	return strncmp(sym, "_Z", 2) == 0 || strncmp(sym, "____Z", 5) == 0;
}

char *cxx_demangle(const char *sym)
{
	if (!cxx_is_mangled(sym))
		return NULL;
	int status = 0;
	char *d = __cxa_demangle(sym, NULL, NULL, &status);
	if (status != 0) {
		free(d);
		return NULL;
	}
	return d;
}

void cxx_strip_params(char *d)
{
	char *close = strrchr(d, ')');
	if (!close)
		return;
	int depth = 0;
	for (char *c = close; c >= d; c--) {
		if (*c == ')')
			depth++;
		else if (*c == '(' && --depth == 0) {
			*c = '\0';
			return;
		}
	}
}

bool cxx_sym_match(const char *sym, const char *demangled, const char *pat)
{
	if (fnmatch(pat, sym, 0) == 0)
		return true;
	if (!demangled)
		return false;
	if (strchr(pat, '('))
		return fnmatch(pat, demangled, 0) == 0;
	char *bare = strdup(demangled);
	if (!bare)
		return false;
	cxx_strip_params(bare);
	bool ok = fnmatch(pat, bare, 0) == 0;
	free(bare);
	return ok;
}
