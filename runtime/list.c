/*
 * runtime/list.c — `bpfscript -l [PATTERN]` and `-lv`: the probes this machine offers.
 *
 * Owns: checking a listing pattern ("t:syscalls:sys_enter_*", "kprobe:vfs_*",
 * "uprobe:/bin/bash:*", "*getppid*"), handing it to its kind's list hook (probe_*.c: the
 * lines in bpftrace 0.17's format, with -v fields or BTF arguments), or a bare pattern to
 * every kind that lists itself, and printing the lines sorted and unique.
 * Must not: know any probe kind; attach or load anything.
 */
#include "list.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "provider.h"
#include "runtime_internal.h"

struct probe_list {
	char **v;
	int n, cap;
	bool oom;
};

void probe_list_add(struct probe_list *l, char *s)
{
	if (!s) {
		l->oom = true;
		return;
	}
	if (l->n == l->cap) {
		int cap = l->cap ? l->cap * 2 : 1024;
		char **v = realloc(l->v, sizeof(*v) * (size_t)cap);
		if (!v) {
			free(s);
			l->oom = true;
			return;
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = s;
}

static int cmp_line(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

bool probe_list_oom(const struct probe_list *l)
{
	return l->oom;
}

static void lines_free(struct probe_list *l)
{
	for (int i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

/* ---- entry -------------------------------------------------------------------------------- */

int list_probes(const struct probe_env *env, const char *pattern, bool verbose, FILE *out)
{
	struct probe_list l = { 0 };
	int rc = 0;
	if (pattern && !*pattern)
		pattern = NULL;
	/* what a probe name and its shell wildcards can hold; anything else (a backslash, a
	 * control character, a blank) cannot match and is a typo, as bpftrace's lexer says */
	for (const char *c = pattern; c && *c; c++) {
		if (!isalnum((unsigned char)*c) && !strchr("_-*?[]!:./+,{}@$\"\'~ ()<>&", *c)) {
			fprintf(stderr, "ERROR: invalid character '%c' in the probe pattern '%s'\n",
				isprint((unsigned char)*c) ? *c : '?', pattern);
			return 1;
		}
	}
	const char *colon = pattern ? strchr(pattern, ':') : NULL;
	if (!pattern || !colon) {
		/* everything, or a glob over full names ("*getppid*"), of the kinds that list
		 * themselves in a bare -l */
		for (size_t i = 0; i < nproviders && !rc; i++)
			if (providers[i]->list_all && providers[i]->list)
				rc = providers[i]->list(providers[i], env, NULL, pattern, verbose,
							&l);
	} else if (memchr(pattern, '*', (size_t)(colon - pattern)) ||
		   memchr(pattern, '?', (size_t)(colon - pattern))) {
		/* a wildcarded kind ("*ware:*"): every kind whose name matches, of those a
		 * bare -l lists (uprobes need a binary) */
		char *kglob = strndup(pattern, (size_t)(colon - pattern));
		if (!kglob)
			return 1;
		for (size_t i = 0; i < nproviders && !rc; i++)
			if (providers[i]->list && providers[i]->list_all &&
			    fnmatch(kglob, providers[i]->name, 0) == 0)
				rc = providers[i]->list(providers[i], env, colon + 1, NULL, verbose,
						       &l);
		free(kglob);
	} else {
		const struct provider *pv = provider_find(pattern, (size_t)(colon - pattern));
		if (!pv) {
			fprintf(stderr, "ERROR: Invalid probe type: %.*s\n", (int)(colon - pattern),
				pattern);
			return 1;
		}
		/* BEGIN, END, profile, interval: nothing to enumerate */
		if (pv->list)
			rc = pv->list(pv, env, colon + 1, NULL, verbose, &l);
	}
	if (l.oom) {
		fprintf(stderr, "ERROR: out of memory\n");
		rc = 1;
	}
	if (l.n)
		qsort(l.v, (size_t)l.n, sizeof(*l.v), cmp_line);
	for (int i = 0; i < l.n && !rc; i++)
		if (!i || strcmp(l.v[i], l.v[i - 1]) != 0) /* BTF lists some functions twice */
			fprintf(out, "%s\n", l.v[i]);
	lines_free(&l);
	return rc;
}
