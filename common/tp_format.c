/*
 * common/tp_format.c — parsing a tracepoint's format file (tracefs events/CAT/NAME/format)
 * into struct tp_format, and looking its fields up.
 *
 * Owns: the format text → fields (name, C type text, offset, size, signedness,
 * __data_loc, pointer, array length), common_* fields left out.
 * Must not: read files (runtime/tracefs.c reads them), or print.
 */
#include "tp_format.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Trim trailing blanks in place. */
static void rtrim(char *s)
{
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
}

/* "field:TYPE NAME[LEN]" declaration → type text, name, array length. The name is the
 * last identifier; everything before it is the type (kept as the kernel wrote it). */
static int parse_decl(char *decl, struct tp_field *fld)
{
	rtrim(decl);
	while (*decl == ' ' || *decl == '\t')
		decl++;
	fld->array_len = -1;
	char *end = decl + strlen(decl);
	char *br = strchr(decl, '[');
	char *name_end = end;
	if (br) {
		/* The name precedes '[' unless the brackets belong to the type, as in
		 * "__data_loc char[] name" where the name comes after. */
		char *close = strchr(br, ']');
		if (!close)
			return -EINVAL;
		if (close[1] == '\0') {
			name_end = br;
			fld->array_len = (int)strtol(br + 1, NULL, 0);
		}
	}
	char *p = name_end;
	while (p > decl && (p[-1] == '_' || (p[-1] >= '0' && p[-1] <= '9') ||
			    (p[-1] >= 'a' && p[-1] <= 'z') || (p[-1] >= 'A' && p[-1] <= 'Z')))
		p--;
	if (p == name_end || p == decl)
		return -EINVAL;
	fld->name = strndup(p, (size_t)(name_end - p));
	char *tend = p;
	while (tend > decl && (tend[-1] == ' ' || tend[-1] == '\t'))
		tend--;
	fld->type = strndup(decl, (size_t)(tend - decl));
	if (!fld->name || !fld->type)
		return -ENOMEM;
	if (strncmp(fld->type, "__data_loc ", 11) == 0) {
		fld->data_loc = true;
		fld->array_len = -1;
	}
	size_t tl = strlen(fld->type);
	fld->is_pointer = tl && fld->type[tl - 1] == '*';
	return 0;
}

/* One "\tfield:...;\toffset:N;\tsize:N;\tsigned:N;" line. Returns 1 if a field was
 * added, 0 if the line is not a field or is a common_* field, -errno on error. */
static int parse_field_line(char *line, struct tp_field *fld)
{
	char *p = strstr(line, "field:");
	if (!p)
		return 0;
	p += 6;
	char *semi = strchr(p, ';');
	if (!semi)
		return -EINVAL;
	*semi = '\0';
	char *rest = semi + 1;
	memset(fld, 0, sizeof(*fld));
	int err = parse_decl(p, fld);
	if (err)
		goto fail;
	char *o = strstr(rest, "offset:"), *s = strstr(rest, "size:"), *g = strstr(rest, "signed:");
	if (!o || !s) {
		err = -EINVAL;
		goto fail;
	}
	fld->offset = (uint32_t)strtoul(o + 7, NULL, 10);
	fld->size = (uint32_t)strtoul(s + 5, NULL, 10);
	fld->is_signed = g && strtol(g + 7, NULL, 10) != 0;
	if (strncmp(fld->name, "common_", 7) == 0) {
		free(fld->name);
		free(fld->type);
		memset(fld, 0, sizeof(*fld));
		return 0;
	}
	return 1;
fail:
	free(fld->name);
	free(fld->type);
	memset(fld, 0, sizeof(*fld));
	return err;
}

int tracefs_format_parse(const char *text, const char *category, const char *event,
			 struct tp_format *out)
{
	memset(out, 0, sizeof(*out));
	char *copy = strdup(text);
	int err = 0;
	out->category = strdup(category);
	out->event = strdup(event);
	out->id = -1;
	if (!copy || !out->category || !out->event) {
		err = -ENOMEM;
		goto fail;
	}
	int cap = 0;
	char *save = NULL;
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "ID:", 3) == 0) {
			out->id = (int)strtol(line + 3, NULL, 10);
			continue;
		}
		if (strncmp(line, "print fmt:", 10) == 0)
			break;
		if (out->nfields == cap) {
			cap = cap ? cap * 2 : 8;
			struct tp_field *n = realloc(out->fields, sizeof(*n) * cap);
			if (!n) {
				err = -ENOMEM;
				goto fail;
			}
			out->fields = n;
		}
		int r = parse_field_line(line, &out->fields[out->nfields]);
		if (r < 0) {
			err = r;
			goto fail;
		}
		out->nfields += r;
	}
	if (out->id < 0) {
		err = -EINVAL;
		goto fail;
	}
	free(copy);
	return 0;
fail:
	free(copy);
	tracefs_format_free(out);
	return err;
}

void tracefs_format_free(struct tp_format *f)
{
	if (!f)
		return;
	for (int i = 0; i < f->nfields; i++) {
		free(f->fields[i].name);
		free(f->fields[i].type);
	}
	free(f->fields);
	free(f->category);
	free(f->event);
	memset(f, 0, sizeof(*f));
}

const struct tp_field *tp_format_field(const struct tp_format *f, const char *name)
{
	for (int i = 0; i < f->nfields; i++)
		if (strcmp(f->fields[i].name, name) == 0)
			return &f->fields[i];
	return NULL;
}
