/*
 * common/diag.c — source text loading, line maps and diagnostic rendering.
 *
 * Owns: reading a script into memory, mapping byte offsets to line/column, and printing
 * "FILE:LINE:COL: ERROR: msg", the source line (tabs shown as 4 spaces, like bpftrace)
 * and a caret with tildes under the span.
 * Must not: decide what is an error; callers do. Never exits.
 */
#include "diag.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void abs_locate(const struct source *src, uint32_t off, int *line, int *col);

static int build_lines(struct source *src)
{
	int cap = 16;
	src->line_starts = malloc(sizeof(uint32_t) * cap);
	if (!src->line_starts)
		return -ENOMEM;
	src->nlines = 1;
	src->line_starts[0] = 0;
	for (size_t i = 0; i < src->len; i++) {
		if (src->text[i] != '\n')
			continue;
		if (src->nlines == cap) {
			cap *= 2;
			uint32_t *n = realloc(src->line_starts, sizeof(uint32_t) * cap);
			if (!n)
				return -ENOMEM;
			src->line_starts = n;
		}
		src->line_starts[src->nlines++] = (uint32_t)(i + 1);
	}
	return 0;
}

int src_from_string(struct source *src, const char *name, const char *text, size_t len)
{
	memset(src, 0, sizeof(*src));
	src->name = strdup(name);
	src->text = malloc(len + 1);
	if (!src->name || !src->text) {
		src_free(src);
		return -ENOMEM;
	}
	memcpy(src->text, text, len);
	src->text[len] = '\0';
	src->len = len;
	int err = build_lines(src);
	if (err)
		src_free(src);
	return err;
}

int src_from_file(struct source *src, const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -errno;
	int err = src_from_stream(src, path, f);
	fclose(f);
	return err;
}

int src_from_stream(struct source *src, const char *name, FILE *f)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		if (len == cap) {
			cap *= 2;
			char *n = realloc(buf, cap);
			if (!n) {
				free(buf);
				return -ENOMEM;
			}
			buf = n;
		}
		size_t got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		free(buf);
		return -EIO;
	}
	int err = src_from_string(src, name, buf, len);
	free(buf);
	return err;
}

void src_free(struct source *src)
{
	for (int i = 0; i < src->nsegs; i++)
		free(src->segs[i].name);
	free(src->segs);
	free(src->name);
	free(src->text);
	free(src->line_starts);
	memset(src, 0, sizeof(*src));
}

int src_segment_at(const struct source *src, uint32_t off)
{
	int i = src->nsegs - 1;
	while (i >= 0 && src->segs[i].start > off)
		i--;
	return i;
}

const char *src_name_at(const struct source *src, uint32_t off)
{
	int i = src_segment_at(src, off);
	return i < 0 ? src->name : src->segs[i].name;
}

int src_append(struct source *src, const char *name, const char *text, size_t len)
{
	size_t sep = src->len && src->text[src->len - 1] != '\n';
	if (src->len + sep + len >= INT32_MAX)
		return -EFBIG;
	struct src_segment *segs = realloc(src->segs, sizeof(*segs) * (size_t)(src->nsegs + 1));
	if (!segs)
		return -ENOMEM;
	src->segs = segs;
	char *t = realloc(src->text, src->len + sep + len + 1);
	char *nm = strdup(name);
	if (!t || !nm) {
		free(nm);
		if (t)
			src->text = t;
		return -ENOMEM;
	}
	src->text = t;
	if (sep)
		t[src->len++] = '\n';
	memcpy(t + src->len, text, len);
	segs[src->nsegs] = (struct src_segment){ (uint32_t)src->len, 0, nm };
	src->len += len;
	t[src->len] = '\0';
	free(src->line_starts);
	src->line_starts = NULL;
	int err = build_lines(src);
	if (err) {
		free(nm);
		return err;
	}
	int l, c;
	abs_locate(src, segs[src->nsegs].start, &l, &c);
	segs[src->nsegs].first_line = l - 1;
	src->nsegs++;
	return 0;
}

void src_locate(const struct source *src, uint32_t off, int *line, int *col)
{
	abs_locate(src, off, line, col);
	int i = src_segment_at(src, off);
	if (i >= 0)
		*line -= src->segs[i].first_line;
}

static void abs_locate(const struct source *src, uint32_t off, int *line, int *col)
{
	int lo = 0, hi = src->nlines - 1;
	if (off > src->len)
		off = (uint32_t)src->len;
	while (lo < hi) {
		int mid = (lo + hi + 1) / 2;
		if (src->line_starts[mid] <= off)
			lo = mid;
		else
			hi = mid - 1;
	}
	*line = lo + 1;
	*col = (int)(off - src->line_starts[lo]) + 1;
}

const char *src_line(const struct source *src, int line, size_t *len)
{
	if (line < 1 || line > src->nlines) {
		*len = 0;
		return "";
	}
	uint32_t s = src->line_starts[line - 1];
	uint32_t e = line < src->nlines ? src->line_starts[line] - 1 : (uint32_t)src->len;
	if (e > s && src->text[e - 1] == '\r')
		e--;
	*len = e - s;
	return src->text + s;
}

void diag_init(struct diag *d, const struct source *src)
{
	memset(d, 0, sizeof(*d));
	d->src = src;
}

void diag_free(struct diag *d)
{
	for (int i = 0; i < d->n; i++)
		free(d->msgs[i].text);
	free(d->msgs);
	d->msgs = NULL;
	d->n = d->cap = d->nerrors = 0;
}

static void diag_add(struct diag *d, enum diag_level lvl, const struct span *loc,
		     const char *fmt, va_list ap)
{
	if (lvl == DIAG_WARNING && d->no_warnings)
		return;
	if (d->n == d->cap) {
		int cap = d->cap ? d->cap * 2 : 8;
		struct diag_msg *m = realloc(d->msgs, sizeof(*m) * cap);
		if (!m)
			return;
		d->msgs = m;
		d->cap = cap;
	}
	struct diag_msg *m = &d->msgs[d->n];
	char *text = NULL;
	if (vasprintf(&text, fmt, ap) < 0)
		return;
	m->level = lvl;
	m->has_loc = loc != NULL;
	if (loc)
		m->loc = *loc;
	m->text = text;
	d->n++;
	if (lvl == DIAG_ERROR)
		d->nerrors++;
}

void diag_error(struct diag *d, struct span loc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_add(d, DIAG_ERROR, &loc, fmt, ap);
	va_end(ap);
}

void diag_warning(struct diag *d, struct span loc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_add(d, DIAG_WARNING, &loc, fmt, ap);
	va_end(ap);
}

void diag_warning_noloc(struct diag *d, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_add(d, DIAG_WARNING, NULL, fmt, ap);
	va_end(ap);
}

void diag_error_noloc(struct diag *d, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_add(d, DIAG_ERROR, NULL, fmt, ap);
	va_end(ap);
}

/* Print one source line with tabs expanded to 4 spaces; returns nothing. The marker
 * line uses the same expansion so the caret sits under the right character. */
static void print_marked_line(FILE *out, const char *line, size_t len, size_t mstart,
			      size_t mend)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];
		if (c == '\t')
			fputs("    ", out);
		else if (c < 0x20 || c == 0x7f)
			fputc(' ', out); /* keep the caret aligned for control bytes */
		else
			fputc(c, out);
	}
	fputc('\n', out);
	if (mend <= mstart)
		mend = mstart + 1;
	for (size_t i = 0; i < mend; i++) {
		int w = (i < len && line[i] == '\t') ? 4 : 1;
		char ch = i < mstart ? ' ' : (i == mstart ? '^' : '~');
		for (int k = 0; k < w; k++)
			fputc(i == mstart && k > 0 ? '~' : ch, out);
	}
	fputc('\n', out);
}

/* Like clang's -ferror-limit: past this many, the rest are only counted. */
#define DIAG_PRINT_MAX 20

void diag_render(const struct source *src, enum diag_level level, const struct span *loc,
		 const char *text, FILE *out)
{
	const char *lvl = level == DIAG_ERROR ? "ERROR" : "WARNING";
	if (!loc || !src) {
		fprintf(out, "%s: %s\n", lvl, text);
		return;
	}
	int l1, c1, l2, c2, rel, rc;
	abs_locate(src, loc->start, &l1, &c1);
	uint32_t last = loc->end > loc->start ? loc->end - 1 : loc->start;
	abs_locate(src, last, &l2, &c2);
	src_locate(src, loc->start, &rel, &rc);
	fprintf(out, "%s:%d:%d: %s: %s\n", src_name_at(src, loc->start), rel, c1, lvl, text);
	size_t len;
	const char *line = src_line(src, l1, &len);
	size_t mstart = (size_t)(c1 - 1);
	size_t mend = l2 == l1 ? (size_t)c2 : len;
	if (mstart > len)
		mstart = len;
	if (mend > len + 1)
		mend = len + 1;
	print_marked_line(out, line, len, mstart, mend);
}

static void print_one(const struct diag *d, const struct diag_msg *m, FILE *out)
{
	diag_render(d->src, m->level, m->has_loc ? &m->loc : NULL, m->text, out);
}

/* Messages in source order: the checks run in phases (attach points are expanded before
 * the actions are typed), but a reader expects line 2's error before line 6's. Messages
 * without a location come first, in the order they were made; ties keep that order too. */
static int cmp_msg(const void *a, const void *b, void *arg)
{
	const struct diag_msg *msgs = arg;
	int i = *(const int *)a, j = *(const int *)b;
	const struct diag_msg *x = &msgs[i], *y = &msgs[j];
	if (x->has_loc != y->has_loc)
		return x->has_loc ? 1 : -1;
	if (x->has_loc && x->loc.start != y->loc.start)
		return x->loc.start < y->loc.start ? -1 : 1;
	return (i > j) - (i < j);
}

/* Rendered into memory and written at once: stderr is unbuffered, and a long source line
 * printed byte by byte for each of many errors cost seconds (found by fuzzing). */
void diag_print(const struct diag *d, FILE *out)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *m = open_memstream(&buf, &n);
	FILE *to = m ? m : out;
	int shown = 0;
	int *order = malloc(sizeof(int) * (size_t)(d->n ? d->n : 1));
	for (int i = 0; order && i < d->n; i++)
		order[i] = i;
	if (order)
		qsort_r(order, (size_t)d->n, sizeof(int), cmp_msg, d->msgs);
	for (int k = 0; k < d->n; k++) {
		int i = order ? order[k] : k;
		if (d->msgs[i].level == DIAG_ERROR && shown == DIAG_PRINT_MAX)
			continue;
		shown += d->msgs[i].level == DIAG_ERROR;
		print_one(d, &d->msgs[i], to);
	}
	free(order);
	int errors = diag_count(d);
	if (errors > shown)
		fprintf(to, "ERROR: %d more error%s not shown (the first %d are above)\n",
			errors - shown, errors - shown == 1 ? "" : "s", DIAG_PRINT_MAX);
	if (m) {
		fclose(m);
		fwrite(buf, 1, n, out);
		free(buf);
	}
}

void diag_flush(struct diag *d, FILE *out)
{
	diag_print(d, out);
	diag_free(d);
}

void diag_snprint(const struct diag *d, char *buf, size_t len)
{
	char *text = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&text, &n);
	if (len)
		buf[0] = '\0';
	if (!f)
		return;
	diag_print(d, f);
	fclose(f);
	if (len)
		snprintf(buf, len, "%s", text ? text : "");
	free(text);
}
