/*
 * stdlib/format.c — bpftrace's printf: parsing a format, checking it against argument
 * types, rendering events, and printing single values as map output shows them.
 *
 * Owns: the conversion grammar (%[flags][width][.prec][hh|h|l|ll|j|z|t](d|i|u|o|x|X|c|s|p)
 * and %%), bpftrace 0.17's messages, and 0.17's run-time conversions: every integer reaches
 * libc as a 64-bit value, so %d/%u/%x/%o without l/ll/j/z/t print the low 32 bits, h/hh
 * narrow further, %p prints "(nil)" for 0, and a "%%" after the last conversion stays "%%".
 * Must not: hand user text to libc as a format. Each conversion is re-assembled from the
 * parsed, validated pieces (flags from a fixed set, bounded numbers, a known conversion).
 */
#include "format.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record_fmt.h"
#include "../sema/abi.h"
#include "strings.h"
#include "symfmt.h"

#define FMT_MAX_NUM 100000 /* widths/precisions beyond this are refused, not rendered */

enum fmt_len { LEN_NONE, LEN_HH, LEN_H, LEN_L, LEN_LL, LEN_J, LEN_Z, LEN_T };

struct fmt_spec {
	size_t start, end;  /* fmt[start..end) is the whole "%..." text */
	bool pct;           /* "%%" */
	char flags[8];      /* subset of "-+ #0", NUL-terminated, no repeats */
	int width, prec;    /* -1: absent */
	enum fmt_len len;
	char conv;
	char rmode;         /* %rx: every byte \xNN; %rh: hex bytes "48 65"; else 0 */
};

static const char *const len_text[] = { "", "hh", "h", "l", "ll", "j", "z", "t" };

/* Parses the conversion starting at fmt[pos] == '%'. Returns 0, or -1 with a message. */
static int parse_spec(const char *fmt, size_t pos, struct fmt_spec *sp, char *err,
		      size_t errlen)
{
	size_t i = pos + 1;
	int nflags = 0;

	memset(sp, 0, sizeof(*sp));
	sp->start = pos;
	sp->width = sp->prec = -1;
	if (fmt[i] == '%') {
		sp->pct = true;
		sp->end = i + 1;
		return 0;
	}
	while (fmt[i] && strchr("-+ #0", fmt[i])) {
		if (!strchr(sp->flags, fmt[i]) && nflags < 5)
			sp->flags[nflags++] = fmt[i];
		i++;
	}
	if (fmt[i] >= '0' && fmt[i] <= '9') {
		sp->width = 0;
		while (fmt[i] >= '0' && fmt[i] <= '9') {
			if (sp->width <= FMT_MAX_NUM)
				sp->width = sp->width * 10 + (fmt[i] - '0');
			i++;
		}
	}
	if (fmt[i] == '.') {
		i++;
		sp->prec = 0;
		while (fmt[i] >= '0' && fmt[i] <= '9') {
			if (sp->prec <= FMT_MAX_NUM)
				sp->prec = sp->prec * 10 + (fmt[i] - '0');
			i++;
		}
	}
	if (fmt[i] == '*' || (fmt[i] == '.' && fmt[i + 1] == '*')) {
		snprintf(err, errlen,
			 "printf: '*' width and precision are not supported (use a fixed number)");
		return -1;
	}
	if (fmt[i] == 'h') {
		sp->len = fmt[i + 1] == 'h' ? LEN_HH : LEN_H;
		i += sp->len == LEN_HH ? 2 : 1;
	} else if (fmt[i] == 'l') {
		sp->len = fmt[i + 1] == 'l' ? LEN_LL : LEN_L;
		i += sp->len == LEN_LL ? 2 : 1;
	} else if (fmt[i] == 'j' || fmt[i] == 'z' || fmt[i] == 't') {
		sp->len = fmt[i] == 'j' ? LEN_J : fmt[i] == 'z' ? LEN_Z : LEN_T;
		i++;
	}
	sp->conv = fmt[i];
	sp->end = fmt[i] ? i + 1 : i;
	if (sp->conv == 'r' && (fmt[i + 1] == 'x' || fmt[i + 1] == 'h')) { /* bpftrace 0.17 */
		sp->rmode = fmt[i + 1];
		sp->end++;
	}
	if (sp->width > FMT_MAX_NUM || sp->prec > FMT_MAX_NUM) {
		snprintf(err, errlen, "printf: width or precision too large in %.*s",
			 (int)(sp->end - pos), fmt + pos);
		return -1;
	}
	if (sp->conv && strchr("diuoxXp", sp->conv))
		return 0;
	if (sp->conv && strchr("csr", sp->conv) && sp->len == LEN_NONE)
		return 0;
	snprintf(err, errlen, "printf: Unknown format string token: %.*s", (int)(sp->end - pos),
		 fmt + pos);
	return -1;
}

/* Type names as bpftrace 0.17 prints them in printf errors. */
static const char *printf_type_name(const struct type *t)
{
	switch (t->kind) {
	case TY_INT:
		return "integer";
	case TY_STR:
		return t->sub == SUB_BUF ? "buffer" : "string";
	case TY_PROBE:
		return "string";
	case TY_VOID:
	case TY_NONE:
		return "none";
	case TY_TUPLE:
		return "tuple";
	case TY_CTX:
		return "ctx";
	default: {
		static char buf[32];
		return type_name(t, buf, sizeof(buf));
	}
	}
}

int fmt_check(const char *fmt, const struct type *args, int nargs, char *err, size_t errlen,
	      int *bad_arg)
{
	struct fmt_spec sp;
	int nconv = 0;

	*bad_arg = -1;
	for (size_t i = 0; fmt[i]; i++) {
		if (fmt[i] != '%')
			continue;
		if (parse_spec(fmt, i, &sp, err, errlen))
			return -1;
		if (!sp.pct)
			nconv++;
		i = sp.end - 1;
	}
	if (nargs < nconv) {
		snprintf(err, errlen,
			 "printf: Not enough arguments for format string (%d supplied, %d expected)",
			 nargs, nconv);
		return -1;
	}
	if (nargs > nconv) {
		snprintf(err, errlen,
			 "printf: Too many arguments for format string (%d supplied, %d expected)",
			 nargs, nconv);
		return -1;
	}
	int a = 0;
	for (size_t i = 0; fmt[i]; i++) {
		if (fmt[i] != '%')
			continue;
		parse_spec(fmt, i, &sp, err, errlen);
		i = sp.end - 1;
		if (sp.pct)
			continue;
		const struct type *t = &args[a];
		bool want_str = sp.conv == 's', want_buf = sp.conv == 'r';
		bool is_buf = t->kind == TY_STR && t->sub == SUB_BUF;
		bool ok = t->kind == TY_NONE ||
			  (want_buf ? is_buf
			   : want_str ? ((t->kind == TY_STR && !is_buf) || t->kind == TY_PROBE ||
					 (t->kind == TY_INT && symfmt_handles(t)))
				      : t->kind == TY_INT);
		if (!ok) {
			snprintf(err, errlen,
				 "printf: %%%s%c specifier expects a value of type %s (%s supplied)",
				 len_text[sp.len], sp.conv,
				 want_buf ? "buffer" : want_str ? "string" : "integer",
				 printf_type_name(t));
			*bad_arg = a;
			return -1;
		}
		a++;
	}
	err[0] = '\0';
	return 0;
}

/* ---- rendering ------------------------------------------------------------------------ */

static void put_padded(FILE *out, const char *s, size_t n, const struct fmt_spec *sp)
{
	size_t pad = sp->width > 0 && (size_t)sp->width > n ? (size_t)sp->width - n : 0;
	bool left = strchr(sp->flags, '-') != NULL;

	if (!left)
		for (size_t i = 0; i < pad; i++)
			fputc(' ', out);
	fwrite(s, 1, n, out);
	if (left)
		for (size_t i = 0; i < pad; i++)
			fputc(' ', out);
}

static void render_str(FILE *out, const struct fmt_spec *sp, const char *s, size_t max)
{
	size_t n = strnlen(s, max);
	if (sp->prec >= 0 && (size_t)sp->prec < n)
		n = (size_t)sp->prec;
	put_padded(out, s, n, sp);
}

/* Builds "%<flags><width>.<prec><ll?><conv>" from parsed pieces only. */
static void build_spec(char *buf, size_t len, const struct fmt_spec *sp, const char *lenmod,
		       char conv, bool with_prec)
{
	int n = snprintf(buf, len, "%%%s", sp->flags);
	if (sp->width >= 0)
		n += snprintf(buf + n, len - (size_t)n, "%d", sp->width);
	if (with_prec && sp->prec >= 0)
		n += snprintf(buf + n, len - (size_t)n, ".%d", sp->prec);
	snprintf(buf + n, len - (size_t)n, "%s%c", lenmod, conv);
}

static void render_int(FILE *out, const struct fmt_spec *sp, uint64_t v)
{
	char spec[48];
	char conv = sp->conv == 'i' ? 'd' : sp->conv;
	bool is_signed = conv == 'd';
	bool wide = sp->len == LEN_L || sp->len == LEN_LL || sp->len == LEN_J ||
		    sp->len == LEN_Z || sp->len == LEN_T;

	if (conv == 'p') {
		/* glibc: "(nil)" for NULL, else 0x + hex; width and '-' apply to the whole. */
		char tmp[32];
		int n = v ? snprintf(tmp, sizeof(tmp), "0x%llx", (unsigned long long)v)
			  : snprintf(tmp, sizeof(tmp), "(nil)");
		put_padded(out, tmp, (size_t)n, sp);
		return;
	}
	if (conv == 'c') {
		build_spec(spec, sizeof(spec), sp, "", 'c', false);
		fprintf(out, spec, (int)(unsigned char)v);
		return;
	}
	if (wide) {
		build_spec(spec, sizeof(spec), sp, "ll", conv, true);
		if (is_signed)
			fprintf(out, spec, (long long)v);
		else
			fprintf(out, spec, (unsigned long long)v);
		return;
	}
	/* A 64-bit value read as int by libc: the low 32 bits, then h/hh narrowing. */
	build_spec(spec, sizeof(spec), sp, "", conv, true);
	if (is_signed) {
		int x = (int)(uint32_t)v;
		if (sp->len == LEN_HH)
			x = (signed char)x;
		else if (sp->len == LEN_H)
			x = (short)x;
		fprintf(out, spec, x);
	} else {
		unsigned x = (uint32_t)v;
		if (sp->len == LEN_HH)
			x = (unsigned char)x;
		else if (sp->len == LEN_H)
			x = (unsigned short)x;
		fprintf(out, spec, x);
	}
}

static const char *probe_name(const struct print_ctx *ctx, uint64_t idx)
{
	if (ctx && ctx->probe_names && idx < (uint64_t)ctx->nprobes && ctx->probe_names[idx])
		return ctx->probe_names[idx];
	return NULL;
}

void fmt_render(FILE *out, const char *fmt, const struct type *args, const uint32_t *offs,
		int nargs, const uint8_t *payload, size_t len, const struct print_ctx *ctx)
{
	struct fmt_spec sp;
	char err[160];
	size_t last_conv_end = 0;
	int a = 0;

	/* bpftrace prints the text after the last conversion verbatim ("%%" stays "%%");
	 * text up to it went through snprintf ("%%" became "%"). */
	if (nargs > 0) {
		for (size_t i = 0; fmt[i]; i++) {
			if (fmt[i] != '%')
				continue;
			if (parse_spec(fmt, i, &sp, err, sizeof(err)))
				return; /* fmt_check refused this format at compile time */
			if (!sp.pct)
				last_conv_end = sp.end;
			i = sp.end - 1;
		}
	}
	for (size_t i = 0; fmt[i];) {
		size_t lit = strcspn(fmt + i, "%");
		if (lit) {
			fwrite(fmt + i, 1, lit, out);
			i += lit;
			continue;
		}
		if (parse_spec(fmt, i, &sp, err, sizeof(err)))
			return;
		i = sp.end;
		if (sp.pct) {
			fputs(sp.start >= last_conv_end ? "%%" : "%", out);
			continue;
		}
		if (a >= nargs)
			return;
		const struct type *t = &args[a];
		uint32_t off = offs[a];
		a++;
		/* values that print specially (stdlib/symfmt.c: the print hooks of the builtin
		 * families, enums, bools; %r: a buffer): their text, padded like a string */
		if ((sp.conv == 's' || (sp.conv == 'r' && !sp.rmode)) && symfmt_handles(t)) {
			char *txt = NULL;
			size_t tl = 0;
			FILE *m = open_memstream(&txt, &tl);
			if (m) {
				if (off <= len && type_storage_size(t) <= len - off)
					symfmt_print(m, t, payload + off, ctx, 8);
				fclose(m);
			}
			if (txt)
				render_str(out, &sp, txt, tl);
			free(txt);
			continue;
		}
		if (sp.rmode && t->kind == TY_STR && t->sub == SUB_BUF) {
			/* %rx: "\x48\x65"; %rh: "48 65" */
			char txt[4 * 256 + 1];
			size_t used = 0;
			const uint8_t *b = payload + off;
			uint32_t need = type_storage_size(t);
			if (off <= len && need <= len - off) {
				size_t n = b[0] < t->size ? b[0] : (t->size ? t->size - 1 : 0);
				for (size_t k = 0; k < n && used + 5 < sizeof(txt); k++) {
					if (sp.rmode == 'x')
						used += (size_t)snprintf(txt + used, sizeof(txt) - used,
									 "\\x%02x", b[k + 1]);
					else
						used += (size_t)snprintf(txt + used, sizeof(txt) - used,
									 "%s%02x", k ? " " : "", b[k + 1]);
				}
				render_str(out, &sp, txt, used);
			}
			continue;
		}
		if (sp.conv == 'r' || (sp.conv == 's' && t->sub != SUB_NONE))
			continue; /* a sub without text of its own (pton's bytes) prints nothing */
		if (sp.conv == 's') {
			if (t->kind == TY_PROBE) {
				uint64_t idx = 0;
				if (off + 8 <= len)
					memcpy(&idx, payload + off, 8);
				const char *name = probe_name(ctx, idx);
				render_str(out, &sp, name ? name : "", strlen(name ? name : ""));
			} else if (off <= len) {
				size_t max = len - off;
				if (t->size < max)
					max = t->size;
				render_str(out, &sp, (const char *)payload + off, max);
			}
			continue;
		}
		uint64_t v = 0;
		if (off + 8 <= len)
			memcpy(&v, payload + off, 8);
		render_int(out, &sp, v);
	}
}

/* ---- single values --------------------------------------------------------------------- */

void fmt_elem(FILE *out, const struct type *t, const uint8_t *bytes,
	      const struct print_ctx *ctx,
	      void (*print)(FILE *, const struct type *, const uint8_t *,
			    const struct print_ctx *))
{
	uint8_t b[8];
	if (t->kind == TY_INT && type_elem_size(t) < 8) {
		/* an integer element keeps its own width in the tuple (abi.h) */
		uint64_t v = abi_elem_int(t, bytes);
		memcpy(b, &v, 8);
		bytes = b;
	}
	print(out, t, bytes, ctx);
}

void fmt_value(FILE *out, const struct type *t, const uint8_t *bytes,
	       const struct print_ctx *ctx)
{
	uint64_t v = 0;

	if (symfmt_handles(t)) { /* the builtins' print hooks, enums, bools */
		symfmt_print(out, t, bytes, ctx, ctx && ctx->stack_indent ? ctx->stack_indent : 8);
		return;
	}
	switch (t->kind) {
	case TY_STR:
		fwrite(bytes, 1, strnlen((const char *)bytes, t->size), out);
		return;
	case TY_TUPLE: {
		uint32_t offs[t->nelems ? t->nelems : 1];
		abi_tuple_layout(t->elems, t->nelems, offs);
		fputs(t->names ? "{ " : "(", out); /* a record as bpftrace: { .a = 1, .b = x } */
		for (int i = 0; i < t->nelems; i++) {
			if (i)
				fputs(", ", out);
			if (t->names)
				fprintf(out, ".%s = ", t->names[i]);
			fmt_elem(out, &t->elems[i], bytes + offs[i], ctx, fmt_value);
		}
		fputs(t->names ? " }" : ")", out);
		return;
	}
	case TY_RECORD: /* struct/union/array copied by value (stdlib/record_fmt.c) */
		if (ctx && ctx->in_key) /* bpftrace's key form: {.m=2,.n=3} */
			fmt_record_compact(out, t->ct, bytes, type_storage_size(t));
		else
			fmt_record(out, t->ct, bytes, type_storage_size(t), false);
		return;
	case TY_PROBE: {
		memcpy(&v, bytes, 8);
		const char *name = probe_name(ctx, v);
		if (name)
			fputs(name, out);
		else
			fprintf(out, "%llu", (unsigned long long)v);
		return;
	}
	case TY_INT:
	case TY_COUNT:
	case TY_SUM:
	case TY_MIN:
	case TY_MAX:
	case TY_AVG:
		memcpy(&v, bytes, 8);
		if (t->kind != TY_COUNT && t->is_signed)
			fprintf(out, "%lld", (long long)v);
		else
			fprintf(out, "%llu", (unsigned long long)v);
		return;
	default:
		return;
	}
}
