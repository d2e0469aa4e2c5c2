/*
 * runtime/demangle.h — C++ symbol names for uprobes: demangling and matching.
 *
 * Owns: turning an Itanium-ABI mangled name ("_ZN2ns3addEii") into its demangled form
 * ("ns::add(int, int)") with libstdc++'s __cxa_demangle, dropping a demangled name's
 * parameter list, and deciding whether a symbol answers to a pattern written by the user
 * (mangled, demangled with or without parameters, shell wildcards).
 * Must not: read files or know probe kinds.
 */
#ifndef BPFSCRIPT_DEMANGLE_H
#define BPFSCRIPT_DEMANGLE_H

#include <stdbool.h>

/* "_Z..." (and "____Z..." block-scope statics): a name __cxa_demangle may take. */
bool cxx_is_mangled(const char *sym);
/* The demangled name (malloc'd), or NULL when sym is not a mangled C++ name. */
char *cxx_demangle(const char *sym);
/* Cut "ns::f(int) const" to "ns::f": the last balanced parenthesised list and what
 * follows it. In place. */
void cxx_strip_params(char *demangled);
/* Does symbol sym (mangled or not; demangled its demangled form or NULL) answer to pat?
 * pat matches the symbol as is, or the demangled name: with a '(' in pat the whole
 * demangled name, else the name without its parameter list (bpftrace's cpp: rule).
 * Shell wildcards as fnmatch(3). */
bool cxx_sym_match(const char *sym, const char *demangled, const char *pat);

#endif
