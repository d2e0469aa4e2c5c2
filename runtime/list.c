/*
 * runtime/list.c — `bpfscript -l [PATTERN]` and `-lv`: the probes this machine offers.
 *
 * Owns: turning a listing pattern ("t:syscalls:sys_enter_*", "kprobe:vfs_*",
 * "uprobe:/bin/bash:*", "*getppid*") into sorted lines in bpftrace 0.17's format
 * ("tracepoint:CAT:EVENT", "kprobe:FUNC", "uprobe:BINARY:FUNC"), and with -v the
 * tracepoint fields ("    unsigned int fd") as the format files declare them and kprobe
 * function arguments from BTF ("    struct file * file"). Without kprobes, `-l kprobe:X`
 * lists the functions BTF describes (kprobes then run as fentry programs).
 * Must not: attach or load anything; probe kinds this tool cannot run are not listed.
 */
#include "list.h"

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "elf_symbols.h"
#include "provider.h"
#include "runtime_internal.h"
#include "tracefs.h"

struct lines {
	char **v;
	int n, cap;
	bool oom;
};

static void lines_add(struct lines *l, char *s)
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

static void lines_free(struct lines *l)
{
	for (int i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

/* ---- tracepoints ------------------------------------------------------------------------ */

struct tp_ctx {
	struct lines *out;
	const char *full_glob; /* match "tracepoint:cat:event" against this, or NULL */
	bool verbose;
};

static int tp_line(const char *cat, const char *ev, void *ctx)
{
	struct tp_ctx *c = ctx;
	char *name, path[PATH_MAX];
	/* ftrace's own events (ftrace:function...) have a format but no "enable": they are
	 * not tracepoints one can attach to, and available_events leaves them out too */
	snprintf(path, sizeof(path), "%s/events/%s/%s/enable", tracefs_root(), cat, ev);
	if (access(path, F_OK) != 0)
		return 0;
	if (asprintf(&name, "tracepoint:%s:%s", cat, ev) < 0)
		return -ENOMEM;
	if (c->full_glob && fnmatch(c->full_glob, name, 0) != 0) {
		free(name);
		return 0;
	}
	if (c->verbose) {
		struct tp_format f;
		if (tracefs_format_load(cat, ev, &f) == 0) {
			for (int i = 0; i < f.nfields; i++) {
				const struct tp_field *fl = &f.fields[i];
				char *ext, arr[24] = "";
				if (fl->array_len >= 0)
					snprintf(arr, sizeof(arr), "[%d]", fl->array_len);
				if (asprintf(&ext, "%s\n    %s %s%s", name, fl->type, fl->name, arr) < 0)
					break;
				free(name);
				name = ext;
			}
			tracefs_format_free(&f);
		}
	}
	lines_add(c->out, name);
	return 0;
}

static void list_tracepoints(struct lines *out, const char *cat, const char *ev,
			     const char *full_glob, bool verbose)
{
	if (!tracefs_root())
		return;
	struct tp_ctx c = { out, full_glob, verbose };
	tracefs_match(cat, ev, tp_line, &c);
}

/* ---- kprobes ---------------------------------------------------------------------------- */

static bool kprobes_available(void)
{
	const char *root = tracefs_root();
	char path[PATH_MAX];
	if (root) {
		snprintf(path, sizeof(path), "%s/kprobe_events", root);
		if (access(path, F_OK) == 0)
			return true;
	}
	return access("/sys/bus/event_source/devices/kprobe", F_OK) == 0;
}

/* -lv: a kprobe lists the function's parameters, a kretprobe its return type, kfunc and
 * kretfunc both, from BTF (bpftrace 0.17's `-lv kfunc:` lines, "    struct file * file",
 * "    ssize_t retval"); nothing without BTF. */
static char *with_btf_args(char *line, const char *kind, const char *func)
{
	bool kfunc = kind[0] == 'k' && strstr(kind, "func"); /* kfunc, kretfunc: both */
	bool ret = strcmp(kind, "kretprobe") == 0;
	char *args = line ? rt_fentry_describe(func, !ret || kfunc, ret || kfunc) : NULL;
	if (!args)
		return line;
	char *s;
	if (asprintf(&s, "%s%s", line, args) < 0)
		s = NULL;
	free(args);
	free(line);
	return s;
}

struct btf_list {
	struct lines *out;
	const char *kind, *func_glob, *full_glob;
	bool verbose;
};

static int btf_list_one(const char *name, void *ctx)
{
	struct btf_list *b = ctx;
	if (fnmatch(b->func_glob, name, 0) != 0)
		return 0;
	char *s;
	if (asprintf(&s, "%s:%s", b->kind, name) < 0)
		s = NULL;
	if (s && b->full_glob && fnmatch(b->full_glob, s, 0) != 0) {
		free(s);
		return 0;
	}
	lines_add(b->out, b->verbose ? with_btf_args(s, b->kind, name) : s);
	return b->out->oom ? -ENOMEM : 0;
}

/* Without kprobes, kprobes run as fentry programs where the kernel allows them: the
 * functions the kernel's BTF describes (sorted and made unique by the caller). */
static void list_btf_functions(struct lines *out, const char *kind, const char *func_glob,
			       const char *full_glob, bool verbose)
{
	struct btf_list b = { out, kind, func_glob ? func_glob : "*", full_glob, verbose };
	int r = rt_fentry_each_func(btf_list_one, &b);
	if (r < 0 && r != -ENOMEM)
		fprintf(stderr, "WARNING: no %s probes to list: this kernel was built without "
				"kprobes, and its BTF (which kprobes run as fentry programs need) "
				"cannot be read: %s\n", kind, strerror(-r));
}

/* Traceable functions: tracefs available_filter_functions ("name [module]" lines), else
 * the text symbols of /proc/kallsyms; without kprobes, the functions BTF describes. */
static void list_kprobes(struct lines *out, const char *kind, const char *func_glob,
			 const char *full_glob, bool explicit, bool verbose)
{
	if (!kprobes_available()) {
		/* a bare pattern ("*do_nanosleep*") lists them too, as bpftrace does; a plain
		 * -l does not list the kernel's 50000 functions */
		if (explicit || full_glob)
			list_btf_functions(out, kind, func_glob, explicit ? NULL : full_glob,
					   verbose);
		return;
	}
	char path[PATH_MAX];
	const char *root = tracefs_root();
	snprintf(path, sizeof(path), "%s/available_filter_functions", root ? root : "/nonexistent");
	FILE *f = fopen(path, "re");
	bool kallsyms = !f;
	if (kallsyms)
		f = fopen("/proc/kallsyms", "re");
	if (!f) {
		if (explicit)
			fprintf(stderr, "WARNING: cannot read the traceable kernel functions: %s\n",
				strerror(errno));
		return;
	}
	char line[512], name[256], prev[256] = "";
	while (fgets(line, sizeof(line), f)) {
		if (kallsyms) {
			char t;
			unsigned long long a;
			if (sscanf(line, "%llx %c %255s", &a, &t, name) != 3 || (t != 't' && t != 'T'))
				continue;
		} else if (sscanf(line, "%255s", name) != 1) {
			continue;
		}
		if (strcmp(name, prev) == 0 || (func_glob && fnmatch(func_glob, name, 0) != 0))
			continue;
		snprintf(prev, sizeof(prev), "%s", name);
		char *s;
		if (asprintf(&s, "%s:%s", kind, name) < 0) {
			out->oom = true;
			break;
		}
		if (full_glob && fnmatch(full_glob, s, 0) != 0) {
			free(s);
			continue;
		}
		lines_add(out, verbose ? with_btf_args(s, kind, name) : s);
	}
	fclose(f);
}

/* ---- uprobes ------------------------------------------------------------------------------ */

static int list_uprobes(struct lines *out, const char *kind, const char *spec)
{
	const char *last = strrchr(spec, ':');
	char written[PATH_MAX], abs[PATH_MAX], shown[PATH_MAX], err[PATH_MAX + 256];
	const char *glob = last ? last + 1 : "*";
	size_t wl = last ? (size_t)(last - spec) : strlen(spec);
	if (wl >= sizeof(written) || !wl) {
		fprintf(stderr, "ERROR: list %s probes as %s:BINARY:PATTERN\n", kind, kind);
		return 1;
	}
	memcpy(written, spec, wl);
	written[wl] = '\0';
	if (uprobe_find_binary(written, abs, sizeof(abs), shown, sizeof(shown), err, sizeof(err),
			       spec)) {
		fprintf(stderr, "ERROR: %s\n", err);
		return 1;
	}
	struct elf_file ef;
	int e = elf_file_load(abs, &ef, err, sizeof(err));
	if (e) {
		fprintf(stderr, "ERROR: cannot list %s probes of %s: %s\n", kind, written,
			e == -ENOEXEC ? "not an ELF file" : strerror(-e));
		return 1;
	}
	for (int i = 0; i < ef.nsyms; i++) {
		if (fnmatch(glob, ef.syms[i].name, 0) != 0)
			continue;
		char *s;
		lines_add(out, asprintf(&s, "%s:%s:%s", kind, shown, ef.syms[i].name) < 0 ? NULL : s);
	}
	elf_file_free(&ef);
	return 0;
}

/* ---- entry -------------------------------------------------------------------------------- */

int list_probes(const char *pattern, bool verbose, FILE *out)
{
	struct lines l = { 0 };
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
		/* everything, or a glob over full names ("*getppid*") */
		list_tracepoints(&l, "*", "*", pattern, verbose);
		list_kprobes(&l, "kprobe", NULL, pattern, false, false);
	} else {
		const struct provider *pv = provider_find(pattern, (size_t)(colon - pattern));
		const char *rest = colon + 1;
		if (!pv) {
			fprintf(stderr, "ERROR: Invalid probe type: %.*s\n", (int)(colon - pattern),
				pattern);
			return 1;
		}
		switch (pv->kind) {
		case PROBE_TRACEPOINT: {
			const char *c2 = strchr(rest, ':');
			char *cat = c2 ? strndup(rest, (size_t)(c2 - rest)) : strdup("*");
			if (!cat)
				return 1;
			list_tracepoints(&l, cat, c2 ? c2 + 1 : rest, NULL, verbose);
			free(cat);
			break;
		}
		case PROBE_KPROBE:
		case PROBE_KRETPROBE:
			list_kprobes(&l, pv->name, rest, NULL, true, verbose);
			break;
		case PROBE_UPROBE:
		case PROBE_URETPROBE:
			rc = list_uprobes(&l, pv->name, rest);
			break;
		default:
			/* BEGIN, END, profile, interval: nothing to enumerate */
			break;
		}
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
	rt_fentry_free();
	lines_free(&l);
	return rc;
}
