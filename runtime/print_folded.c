/*
 * runtime/print_folded.c — `-f folded`: maps keyed by stacks as folded-stack lines
 * (`comm;outer;...;inner COUNT`), the input of flamegraph.pl, inferno and speedscope; and
 * the folded text of one stack, which the metrics writer uses for stack labels too.
 *
 * Owns: turning a stack value's frames (rendered by stdlib/symfmt.c, innermost first) into
 * `outer;...;inner` (offsets dropped so frames of one function merge), and the line layout.
 * Maps without a stack in their key print as text (print_map).
 * Must not: read BPF maps, resolve symbols itself, or include libbpf.
 */
#include <stdlib.h>
#include <string.h>

#include "snapshot.h"

bool type_is_stack(const struct type *t)
{
	return (t->kind == TY_INT && (t->sub == SUB_KSTACK || t->sub == SUB_USTACK)) ||
	       (t->kind == TY_STR && t->sub == SUB_DWSTACK); /* dw_ustack's frames */
}

static bool key_has_stack(const struct type *k)
{
	if (type_is_stack(k))
		return true;
	if (k->kind == TY_TUPLE)
		for (int i = 0; i < k->nelems; i++)
			if (type_is_stack(&k->elems[i]))
				return true;
	return false;
}

/* A frame line as symfmt prints it ("    sym+off", perf "\t<hex> sym+off (mod)") →
 * "sym" into out (no ';', no blanks). */
static void frame_name(FILE *out, const char *line, size_t n)
{
	while (n && (*line == ' ' || *line == '\t')) {
		line++;
		n--;
	}
	/* perf mode: "<hex> sym+off (module)" → drop the address and the module */
	const char *sp = memchr(line, ' ', n);
	if (sp && sp > line && strspn(line, "0123456789abcdef") == (size_t)(sp - line)) {
		n -= (size_t)(sp + 1 - line);
		line = sp + 1;
	}
	const char *mod = memchr(line, ' ', n);
	if (mod)
		n = (size_t)(mod - line);
	/* "name+123" → "name" (addresses "0x..." stay whole) */
	for (size_t i = n; i > 0; i--) {
		if (line[i - 1] == '+') {
			n = i - 1;
			break;
		}
	}
	for (size_t i = 0; i < n; i++)
		fputc(line[i] == ';' ? ':' : line[i], out);
}

void print_folded_stack(FILE *out, const struct type *t, const uint8_t *bytes,
			const struct print_ctx *ctx)
{
	size_t n = 0;
	char *buf = print_value_text(t, bytes, ctx, &n);
	if (!buf)
		return;
	/* lines, innermost first: print them from the last */
	size_t nl = 0, cap = 0;
	struct span { size_t off, len; } *lines = NULL;
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && buf[j] != '\n')
			j++;
		if (j > i) {
			if (nl == cap) {
				cap = cap ? cap * 2 : 32;
				struct span *nlines = realloc(lines, cap * sizeof(*lines));
				if (!nlines)
					break;
				lines = nlines;
			}
			lines[nl].off = i;
			lines[nl].len = j - i;
			nl++;
		}
		i = j + 1;
	}
	for (size_t i = nl; i > 0; i--) {
		frame_name(out, buf + lines[i - 1].off, lines[i - 1].len);
		if (i > 1)
			fputc(';', out);
	}
	free(lines);
	free(buf);
}

/* A non-stack key part as text, with ';' and line breaks (the folded syntax) replaced. */
static void folded_part(FILE *out, const struct type *t, const uint8_t *bytes,
			const struct print_ctx *ctx)
{
	size_t n = 0;
	char *buf = print_value_text(t, bytes, ctx, &n);
	for (size_t i = 0; buf && i < n; i++)
		fputc(buf[i] == ';' ? ':' : buf[i] == '\n' ? ' ' : buf[i], out);
	free(buf);
}

/* The number a folded line ends with: counts, sums and values; samples of hist/stats. */
static int64_t folded_value(const struct map_snapshot *s, const struct snap_entry *e,
			    int64_t div)
{
	int64_t v;
	switch (s->val.kind) {
	case TY_HIST:
	case TY_LHIST:
		v = 0;
		for (uint32_t i = 0; i < s->nslots; i++)
			v += (int64_t)e->slots[i];
		break;
	case TY_AVG:
	case TY_STATS:
		v = (int64_t)e->count;
		break;
	default:
		v = e->value;
	}
	return div > 1 ? v / div : v;
}

struct folded_line {
	char *text;
	int64_t value;
};

static int cmp_lines(const void *a, const void *b)
{
	return strcmp(((const struct folded_line *)a)->text, ((const struct folded_line *)b)->text);
}

void print_map_folded(FILE *out, const struct map_snapshot *s, const struct print_ctx *ctx,
		      int64_t top, int64_t div)
{
	if (!key_has_stack(&s->key)) {
		print_map(out, s, ctx, top, div);
		return;
	}
	struct snapshot_walk w;
	if (snapshot_walk_begin(s, top, &w))
		return;
	bool tuple = s->key.kind == TY_TUPLE;
	int nel = tuple ? s->key.nelems : 1;
	struct folded_line *lines = calloc((size_t)(s->n ? s->n : 1), sizeof(*lines));
	int nl = 0;
	for (int i = w.start; lines && i < s->n; i++) {
		const struct snap_entry *e = snapshot_walk_entry(s, &w, i);
		char *buf = NULL;
		size_t n = 0;
		FILE *m = open_memstream(&buf, &n);
		if (!m)
			break;
		bool first = true;
		/* other key parts first, then the stacks (outermost frame first) */
		for (int pass = 0; pass < 2; pass++) {
			for (int k = 0; k < nel; k++) {
				const struct type *t = tuple ? &s->key.elems[k] : &s->key;
				const uint8_t *b = e->key + (tuple ? w.koffs[k] : 0);
				if (type_is_stack(t) != (pass == 1))
					continue;
				long at = ftell(m);
				if (!first)
					fputc(';', m);
				if (pass)
					print_folded_stack(m, t, b, ctx);
				else
					folded_part(m, t, b, ctx);
				if (pass && ftell(m) == at + !first)
					fseek(m, at, SEEK_SET); /* an empty stack adds nothing */
				else
					first = false;
			}
		}
		if (first) /* nothing at all: every stack empty and no other part */
			fputs("[unknown]", m);
		fclose(m);
		lines[nl].text = buf;
		lines[nl].value = folded_value(s, e, div);
		nl++;
	}
	/* frames differing only in their offsets fold into one line: merge equal texts */
	qsort(lines, (size_t)nl, sizeof(*lines), cmp_lines);
	for (int i = 0; i < nl;) {
		int64_t v = 0;
		int j = i;
		for (; j < nl && strcmp(lines[j].text, lines[i].text) == 0; j++)
			v += lines[j].value;
		fprintf(out, "%s %lld\n", lines[i].text, (long long)v);
		i = j;
	}
	for (int i = 0; i < nl; i++)
		free(lines[i].text);
	free(lines);
	snapshot_walk_end(&w);
}
