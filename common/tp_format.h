/*
 * common/tp_format.h — a tracepoint's record layout, as its tracefs format file gives it.
 *
 * Owns: struct tp_format (the fields of one events/CAT/NAME, common_* excluded), parsing
 * the format text, and looking a field up. At the bottom layer because a probe point
 * (sema/probe.h) carries its format from expansion to sema's `args` types and codegen's
 * reads. runtime/tracefs.c finds and reads the files.
 * Must not: read files, or print.
 */
#ifndef BPFSCRIPT_TP_FORMAT_H
#define BPFSCRIPT_TP_FORMAT_H

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

/* Parses the text of a format file (what tracefs_format_load reads); -EINVAL if malformed. */
int tracefs_format_parse(const char *text, const char *category, const char *event,
			 struct tp_format *out);
void tracefs_format_free(struct tp_format *f);
const struct tp_field *tp_format_field(const struct tp_format *f, const char *name);

#endif
