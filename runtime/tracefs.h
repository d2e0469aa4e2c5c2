/*
 * runtime/tracefs.h — reading tracepoint names and formats from tracefs.
 *
 * Owns: finding tracefs (/sys/kernel/tracing, else /sys/kernel/debug/tracing), listing
 * events matching shell-style wildcards, and reading events/CAT/NAME/format (parsed by
 * common/tp_format.c).
 * Must not: attach anything or know about the AST.
 */
#ifndef BPFSCRIPT_TRACEFS_H
#define BPFSCRIPT_TRACEFS_H

#include <stdbool.h>
#include <stdint.h>

#include "../common/tp_format.h" /* struct tp_format, parsing and freeing it */

const char *tracefs_root(void); /* NULL when tracefs is not mounted */
/* 0 or -errno (-ENOENT when the tracepoint does not exist). */
int tracefs_format_load(const char *category, const char *event, struct tp_format *out);
/* Calls fn for every "category:event" whose parts match the globs (fnmatch), in sorted
 * order. Returns the number of matches or -errno. */
int tracefs_match(const char *cat_glob, const char *event_glob,
		  int (*fn)(const char *category, const char *event, void *ctx), void *ctx);

#endif
