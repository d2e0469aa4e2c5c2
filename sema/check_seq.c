/*
 * sema/check_seq.c — printf in iter probes, which the kernel formats itself
 * (bpf_seq_printf into the iterator's seq_file) instead of bpfscript's printer.
 *
 * Owns: the part of printf both agree on: conversions %d %i %u %x %X %c %s with the flags
 * 0 + - and space, a width, and l or ll; %s followed by a space, punctuation or the end
 * (the kernel refuses "%sx"); printable ASCII text; at most 12 arguments; and arguments the
 * kernel can print as they are (integers, and strings, which it reads through a pointer).
 * Everything else is one sentence at the format or the argument, at compile time, where
 * the kernel would only fail the call at run time.
 * Must not: emit code (codegen/emit_seq.c does) or add a printf event format.
 */
#include <ctype.h>
#include <string.h>

#include "sema_int.h"

#define SEQ_MAX_ARGS 12 /* the kernel's MAX_BPRINTF_VARARGS */
#define WHY "printf in an iter probe is formatted by the kernel's bpf_seq_printf, which"

/* The first conversion of fmt the kernel cannot do, described in err; false if none. The
 * conversion characters go to convs (at most max, *n counts them all). */
static bool bad_format(const char *fmt, char *convs, int max, int *n, char *err, size_t errlen)
{
	*n = 0;
	for (size_t i = 0; fmt[i]; i++) {
		unsigned char ch = (unsigned char)fmt[i];
		if (ch >= 0x80 || (!isprint(ch) && !isspace(ch))) {
			snprintf(err, errlen, WHY " takes only printable ASCII text (byte 0x%02x at "
				 "offset %zu)", ch, i);
			return true;
		}
		if (ch != '%')
			continue;
		size_t start = i++;
		if (fmt[i] == '%')
			continue;
		while (fmt[i] && strchr("0+- ", fmt[i]))
			i++;
		while (fmt[i] >= '0' && fmt[i] <= '9')
			i++;
		int ls = 0;
		while (fmt[i] == 'l' && ls < 2) {
			ls++;
			i++;
		}
		char conv = fmt[i];
		if (!conv || !strchr("diuxXcs", conv) || ((conv == 'c' || conv == 's') && ls)) {
			size_t end = start + 1; /* the whole conversion as printf parsed it */
			while (fmt[end] && strchr("0123456789.+- #hljzt", fmt[end]))
				end++;
			if (fmt[end])
				end++;
			snprintf(err, errlen, WHY " knows only %%d %%i %%u %%x %%X %%c %%s (with the "
				 "flags 0 + - and space, a width, l and ll), not %.*s",
				 (int)(end - start), fmt + start);
			return true;
		}
		unsigned char next = (unsigned char)fmt[i + 1];
		if (conv == 's' && next && !isspace(next) && !ispunct(next)) {
			snprintf(err, errlen, WHY " needs %%s to be followed by a space, punctuation "
				 "or the end of the format, not '%c'", next);
			return true;
		}
		if (*n < max)
			convs[*n] = conv;
		(*n)++;
	}
	return false;
}

void sema_seq_printf(struct sema *s, struct node *call, struct node *const *argn, int nargs)
{
	char err[400];
	if (s->nfor_vars > 0) {
		diag_error(s->d, call->loc, "printf cannot be used inside a for loop in an iter "
					    "probe: the loop's body runs as a function of its own, "
					    "without the iterator's output");
		return;
	}
	char convs[SEQ_MAX_ARGS + 1];
	int nconv;
	if (bad_format(call->list->str, convs, SEQ_MAX_ARGS + 1, &nconv, err, sizeof(err))) {
		diag_error(s->d, call->list->loc, "%s", err);
		return;
	}
	if (nargs > SEQ_MAX_ARGS) {
		diag_error(s->d, argn[SEQ_MAX_ARGS]->loc, WHY " takes at most %d arguments (%d "
			   "given)", SEQ_MAX_ARGS, nargs);
		return;
	}
	for (int i = 0; i < nargs && i < nconv; i++) { /* printf's own check paired them */
		const struct type *t = &argn[i]->type;
		bool plain_str = t->kind == TY_STR && t->sub == SUB_NONE;
		if (convs[i] == 's' ? plain_str : t->kind == TY_INT)
			continue;
		if (convs[i] == 's' && t->kind == TY_INT)
			diag_error(s->d, argn[i]->loc, WHY " prints with %%s only strings (str(), "
				   "comm, char arrays): this value is a number bpfscript would show as "
				   "a name; print it with %%d or %%x");
		else
			diag_error(s->d, argn[i]->loc, WHY " prints with %%s only strings (str(), "
				   "comm, char arrays), which this value is not: bpfscript's printer "
				   "would format it");
	}
	call->fmt = -1; /* no event: the kernel writes the text */
}
