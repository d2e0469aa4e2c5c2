/*
 * common/diag.h — program text, byte-offset spans and the one diagnostic sink.
 *
 * Owns: struct source (script text + name, offset → line/column), struct span, and
 * struct diag which collects errors/warnings from every stage and renders them as
 *
 *     stdin:1:9: ERROR: Unknown identifier: 'foo'
 *     BEGIN { foo; }
 *             ^~~
 *
 * Must not: know about tokens, AST nodes or the kernel. Nothing here exits the process.
 */
#ifndef BPFSCRIPT_DIAG_H
#define BPFSCRIPT_DIAG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* A half-open byte range [start, end) into source->text. */
struct span {
	uint32_t start;
	uint32_t end;
};

/* A file appended to a source (an `import`ed script): its bytes start at `start`, a line
 * start, and its messages are named and numbered as the file's own. */
struct src_segment {
	uint32_t start;
	int first_line;       /* index in line_starts of its first line */
	char *name;
};

struct source {
	char *name;           /* "stdin" for -e, else the file path as given */
	char *text;           /* NUL-terminated copy of the program (may contain inner NULs) */
	size_t len;           /* bytes in text, excluding the terminating NUL */
	uint32_t *line_starts; /* byte offset where each line begins */
	int nlines;
	/* Imported files after the script's own text (none: the text is one file) */
	struct src_segment *segs;
	int nsegs;
};

/* 0 or -errno. src_from_file reads the whole file ("-" is not special). */
int src_from_file(struct source *src, const char *path);
int src_from_string(struct source *src, const char *name, const char *text, size_t len);
/* All of f (e.g. stdin for `bpfscript -`), named name in messages. */
int src_from_stream(struct source *src, const char *name, FILE *f);
void src_free(struct source *src);
/* 1-based line and column (column counts bytes, tabs count as one), within the file the
 * offset is in (an appended segment counts its own lines). */
void src_locate(const struct source *src, uint32_t off, int *line, int *col);
/* The name of the file the offset is in: src->name or an appended segment's. */
const char *src_name_at(const struct source *src, uint32_t off);
/* The segment the offset is in: -1 for the script's own text, else an index in segs. */
int src_segment_at(const struct source *src, uint32_t off);
/* Append a file's text as a new segment named name (a '\n' first when the text so far
 * does not end in one). 0 or -errno; the offsets of earlier text do not change. */
int src_append(struct source *src, const char *name, const char *text, size_t len);
/* Pointer to the start of 1-based line `line` of the whole text and its length without
 * '\n' (the line numbering of all segments together). */
const char *src_line(const struct source *src, int line, size_t *len);

enum diag_level { DIAG_ERROR, DIAG_WARNING };

struct diag_msg {
	enum diag_level level;
	struct span loc;
	int has_loc;
	char *text;
};

struct diag {
	const struct source *src;
	struct diag_msg *msgs;
	int n, cap;
	int nerrors;
	bool no_warnings; /* --no-warnings: warnings are dropped as they are added */
};

void diag_init(struct diag *d, const struct source *src);
void diag_free(struct diag *d);
void diag_error(struct diag *d, struct span loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void diag_warning(struct diag *d, struct span loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A warning with no source position: "WARNING: msg". */
void diag_warning_noloc(struct diag *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* An error with no source position (e.g. a kernel refusal): "ERROR: msg". */
void diag_error_noloc(struct diag *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static inline int diag_count(const struct diag *d) { return d->nerrors; }
/* Render one message now, as diag_print renders each: "FILE:L:C: LEVEL: text", the line
 * and a caret (loc NULL or src NULL: "LEVEL: text"). For messages made while tracing. */
void diag_render(const struct source *src, enum diag_level level, const struct span *loc,
		 const char *text, FILE *out);
/* Render every collected message in order. */
void diag_print(const struct diag *d, FILE *out);
/* Print what was collected (warnings, once the checks passed) and forget it, so the
 * messages of later stages print on their own. */
void diag_flush(struct diag *d, FILE *out);
/* diag_print into buf, NUL-terminated and cut to len bytes (tests compare messages). */
void diag_snprint(const struct diag *d, char *buf, size_t len);

#endif
