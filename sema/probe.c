/*
 * sema/probe.c — the pure half of the probe-kind interface (sema/probe.h): finding a row
 * in the registry it is given, expanding an attach point through its row, and the points
 * array.
 *
 * Owns: provider_expand's contract (the row's hook fills points; each new point gets its
 * probe index, position and rows here), the points array's growth and freeing.
 * Must not: name a kind's row or reach the runtime except through the rows' hooks.
 */
#include "probe.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The array grows geometrically (capacity 16, then doubling at each power of two), so a
 * wildcard matching every kernel function costs linear, not quadratic, time. */
struct probe_point *probe_points_add(struct probe_point **pts, int *n)
{
	if (*n == 0 || (*n >= 16 && (*n & (*n - 1)) == 0)) {
		size_t cap = *n ? (size_t)*n * 2 : 16;
		struct probe_point *v = realloc(*pts, sizeof(**pts) * cap);
		if (!v)
			return NULL;
		*pts = v;
	}
	struct probe_point *v = *pts;
	struct probe_point *p = &v[*n];
	memset(p, 0, sizeof(*p));
	p->index = *n;
	(*n)++;
	return p;
}

void probe_point_clear(struct probe_point *p)
{
	free(p->name);
	free(p->usdt_args);
	free(p->usdt_args_err);
	free(p->target);
	free(p->func);
	free(p->func_label);
	if (p->tp) {
		tracefs_format_free(p->tp);
		free(p->tp);
	}
	memset(p, 0, sizeof(*p));
}

void probe_points_free(struct probe_point *pts, int n)
{
	for (int i = 0; i < n; i++)
		probe_point_clear(&pts[i]);
	free(pts);
}

/* Writes the one-sentence reason into err and returns -1 (every expander's failure path). */
int provider_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (err && errlen)
		vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

int provider_missing(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (err && errlen)
		vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -ESRCH;
}

/* The text after "prefix:"; NULL when the attach point has no ':' at all. */
const char *provider_after_prefix(const char *text)
{
	const char *c = strchr(text, ':');
	return c ? c + 1 : NULL;
}

/* ---- the registry ------------------------------------------------------------------------ */

static int name_is(const char *name, const char *s, size_t len)
{
	return name && strlen(name) == len && memcmp(name, s, len) == 0;
}

const struct provider *probe_registry_find(const struct probe_registry *reg,
					   const char *prefix, size_t len)
{
	for (size_t i = 0; reg && i < reg->n; i++) {
		const struct provider *p = reg->rows[i];
		if (name_is(p->name, prefix, len))
			return p;
		for (size_t a = 0; a < sizeof(p->aliases) / sizeof(p->aliases[0]); a++)
			if (name_is(p->aliases[a], prefix, len))
				return p;
	}
	return NULL;
}

const struct provider *probe_registry_kind(const struct probe_registry *reg,
					   enum probe_kind kind)
{
	for (size_t i = 0; reg && i < reg->n; i++)
		if (reg->rows[i]->kind == kind)
			return reg->rows[i];
	return NULL;
}

int provider_expand(const struct probe_env *env, const char *text, int probe_idx,
		    struct probe_point **pts, int *n, char *err, size_t errlen)
{
	size_t len = strcspn(text, ":");
	const struct provider *pv = probe_registry_find(env->probes, text, len);
	if (!pv)
		return provider_fail(err, errlen, "Invalid probe type: %.*s", (int)len, text);
	int first = *n;
	int rc = pv->expand(pv, env, text, pts, n, err, errlen);
	if (rc)
		/* -ENOENT: the kernel function does not exist; -ESRCH: another target */
		return rc == -ENOENT || rc == -ESRCH ? rc : -1;
	const struct provider *kind_row = probe_registry_kind(env->probes, pv->kind);
	for (int i = first; i < *n; i++) {
		(*pts)[i].probe = probe_idx;
		(*pts)[i].index = i;
		(*pts)[i].row = pv;
		(*pts)[i].kind_row = kind_row ? kind_row : pv;
	}
	return 0;
}
