/*
 * runtime/tracefs.h — reading tracepoint names and formats from tracefs.
 *
 * Owns: finding tracefs (/sys/kernel/tracing, else /sys/kernel/debug/tracing), listing
 * events matching shell-style wildcards, and parsing events/CAT/NAME/format into fields.
 * Must not: attach anything or know about the AST.
 */
#ifndef BPFSCRIPT_TRACEFS_H
#define BPFSCRIPT_TRACEFS_H

#include <stdbool.h>
#include <stdint.h>

struct tp_field {
	char *name;          /* "filename" */
	char *type;          /* C type text as in the format file: "const char *", "int" */
	uint32_t offset;
	uint32_t size;
	bool is_signed;
	bool data_loc;       /* "__data_loc char[] name": value is u32 (len << 16 | offset) */
	bool is_pointer;     /* type text ends in '*' */
	int array_len;       /* "char comm[16]" → 16; -1 when not an array */
};

struct tp_format {
	char *category;
	char *event;
	int id;              /* events/CAT/NAME/id */
	struct tp_field *fields; /* common_* fields excluded */
	int nfields;
};

const char *tracefs_root(void); /* NULL when tracefs is not mounted */
/* 0 or -errno (-ENOENT when the tracepoint does not exist). */
int tracefs_format_load(const char *category, const char *event, struct tp_format *out);
/* Parses the text of a format file (what tracefs_format_load reads); -EINVAL if malformed. */
int tracefs_format_parse(const char *text, const char *category, const char *event,
			 struct tp_format *out);
void tracefs_format_free(struct tp_format *f);
const struct tp_field *tp_format_field(const struct tp_format *f, const char *name);
/* Calls fn for every "category:event" whose parts match the globs (fnmatch), in sorted
 * order. Returns the number of matches or -errno. */
int tracefs_match(const char *cat_glob, const char *event_glob,
		  int (*fn)(const char *category, const char *event, void *ctx), void *ctx);

#endif
