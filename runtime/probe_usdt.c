/*
 * runtime/probe_usdt.c — the usdt probe kind (`usdt:BINARY:[PROVIDER:]NAME`, `U:`):
 * SystemTap SDT probes compiled into programs and libraries (<sys/sdt.h>).
 *
 * Owns: expanding an attach point into one point per call site (several sites of one
 * probe are several points, as bpftrace counts them), over a binary or library as
 * written, a glob of files, or with -p the process's executable and mapped libraries
 * (`usdt::PROVIDER:NAME`, `usdt:*:NAME`, `usdt:*`); each point carries its parsed
 * argument specs (codegen reads arg0..N from them) and its semaphore's file offset;
 * `-l usdt:BINARY:*`, `-l usdt:* -p PID` and a bare `-l -p PID`; attaching through the
 * uprobe PMU with the semaphore as the uprobe's reference counter (ref_ctr_offset), so
 * the kernel switches `*_ENABLED()` on in every process that maps the file while the
 * probe is attached, and off after.
 * Must not: parse notes or operand specs itself (usdt_notes.c, usdt_args.c), or emit code.
 */
#include "runtime_internal.h"

#include <errno.h>
#include <fnmatch.h>
#include <glob.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "target_files.h"
#include "usdt_notes.h"

#define UPROBE_PMU_DIR "/sys/bus/event_source/devices/uprobe"

/* Splits rest at ':' outside double quotes into at most 3 parts, each unquoted
 * ("\"probe1\"" names a probe whose name holds quotes). The number of parts, or -1. */
static int split_parts(const char *rest, char parts[3][PATH_MAX])
{
	int np = 0;
	size_t len = 0;
	bool quoted = false;
	parts[0][0] = '\0';
	for (const char *c = rest;; c++) {
		if (*c == '\0' || (*c == ':' && !quoted)) {
			parts[np][len] = '\0';
			np++;
			if (!*c)
				break;
			if (np == 3)
				return -1;
			len = 0;
			continue;
		}
		if (*c == '"') {
			quoted = !quoted;
			continue;
		}
		if (quoted && *c == '\\' && c[1])
			c++;
		if (len + 1 >= PATH_MAX)
			return -1;
		parts[np][len++] = *c;
	}
	return quoted ? -1 : np;
}

/* "BINARY:PROVIDER:NAME", "BINARY:NAME" or (with -p) "NAME"/"*" after "usdt:": the
 * binary part and the [PROVIDER:]NAME pattern (an empty provider matches any). */
static int split_spec(const char *rest, char *bin, size_t binlen, char *pat, size_t patlen)
{
	char (*parts)[PATH_MAX] = malloc(3 * PATH_MAX);
	int np = parts ? split_parts(rest, parts) : -1;
	int rc = -1;
	if (np == 1) { /* usdt:* or usdt:NAME: the -p process's files */
		bin[0] = '\0';
		snprintf(pat, patlen, "%s", parts[0]);
		rc = parts[0][0] ? 0 : -1;
	} else if (np > 1 && strlen(parts[0]) < binlen) {
		snprintf(bin, binlen, "%s", parts[0]);
		if (np == 2)
			snprintf(pat, patlen, "%s", parts[1]);
		else
			snprintf(pat, patlen, "%s:%s", parts[1][0] ? parts[1] : "*", parts[2]);
		rc = parts[np - 1][0] ? 0 : -1;
	}
	free(parts);
	return rc;
}

/* ---- expansion ---------------------------------------------------------------------- */

static int add_site(const struct provider *pv, struct probe_point **pts, int *n,
		    const char *open, const char *shown, const struct usdt_note *note)
{
	struct probe_point *p = probe_points_add(pts, n);
	if (!p)
		return -ENOMEM;
	p->kind = PROBE_USDT;
	p->target = strdup(open);
	if (asprintf(&p->func, "%s:%s", note->provider, note->name) < 0)
		p->func = NULL;
	if (asprintf(&p->name, "%s:%s:%s:%s", pv->name, shown, note->provider, note->name) < 0)
		p->name = NULL;
	p->offset = note->pc_offset;
	p->ref_ctr_offset = note->sema_offset;
	p->usdt_nargs = note->nargs;
	if (note->nargs > 0) {
		p->usdt_args = malloc(sizeof(*p->usdt_args) * (size_t)note->nargs);
		if (p->usdt_args)
			memcpy(p->usdt_args, note->arg, sizeof(*p->usdt_args) * (size_t)note->nargs);
	}
	if (note->args_err)
		p->usdt_args_err = strdup(note->args_err);
	if (!p->target || !p->func || !p->name || (note->nargs > 0 && !p->usdt_args))
		return -ENOMEM;
	return 0;
}

static int expand_usdt(const struct provider *pv, const struct probe_env *env, const char *text,
		       struct probe_point **pts, int *n, char *err, size_t errlen)
{
	const char *rest = provider_after_prefix(text);
	char bin[PATH_MAX], pat[2 * PATH_MAX + 2];
	if (!rest || split_spec(rest, bin, sizeof(bin), pat, sizeof(pat)))
		return provider_fail(err, errlen,
				     "usdt probes are written usdt:BINARY:[PROVIDER:]NAME (e.g. "
				     "usdt:/usr/bin/python3:python:function__entry), or with -p "
				     "usdt::PROVIDER:NAME, not '%s'",
				     text);
	int pid = env->target_pid;
	struct file_list files = { 0 };
	if (target_files(bin, pid, &files, err, errlen, text, "usdt",
			 "usdt:BINARY:PROVIDER:NAME")) {
		files_free(&files);
		return -1;
	}
	int first = *n, ret = 0;
	char why[512] = "";
	for (int i = 0; i < files.n && !ret; i++) {
		struct usdt_note *notes = NULL;
		int nn = 0;
		int e = usdt_notes_read(files.open[i], &notes, &nn, why, sizeof(why));
		if (e) {
			/* a glob or a process's libraries: a file that is not ELF is no match */
			if (files.n == 1)
				ret = provider_fail(err, errlen, "cannot read the USDT probes of %s: %s",
						    files.shown[i], why);
			continue;
		}
		for (int k = 0; k < nn && !ret; k++)
			if (usdt_note_match(&notes[k], pat) &&
			    add_site(pv, pts, n, files.open[i], files.shown[i], &notes[k]))
				ret = provider_fail(err, errlen, "out of memory");
		usdt_notes_free(notes, nn);
	}
	if (!ret && *n == first)
		ret = provider_fail(err, errlen, "no USDT probe matches '%s'%s", text,
				    files.n == 1 ? "" : " in any of the files");
	if (ret)
		while (*n > first)
			probe_point_clear(&(*pts)[--*n]);
	files_free(&files);
	return ret;
}

/* ---- -l ---------------------------------------------------------------------------------- */

static int list_usdt(const struct provider *pv, const struct probe_env *env, const char *rest,
		     const char *full_glob, bool verbose, struct probe_list *out)
{
	int pid = env->target_pid;
	char bin[PATH_MAX] = "", pat[2 * PATH_MAX + 2] = "*:*";
	if (rest && *rest && split_spec(rest, bin, sizeof(bin), pat, sizeof(pat))) {
		fprintf(stderr, "ERROR: list usdt probes as usdt:BINARY:[PROVIDER:]NAME\n");
		return 1;
	}
	if (!strchr(pat, ':') && strcmp(pat, "*") == 0)
		snprintf(pat, sizeof(pat), "*:*");
	if (!rest && pid <= 0)
		return 0; /* a bare -l lists usdt probes only of a process given with -p */
	struct file_list files = { 0 };
	char err[PATH_MAX + 256];
	if (target_files(bin, pid, &files, err, sizeof(err), rest ? rest : "usdt:*", "usdt",
			 "usdt:BINARY:PROVIDER:NAME")) {
		files_free(&files);
		if (!rest)
			return 0;
		fprintf(stderr, "ERROR: %s\n", err);
		return 1;
	}
	for (int i = 0; i < files.n; i++) {
		struct usdt_note *notes = NULL;
		int nn = 0;
		if (usdt_notes_read(files.open[i], &notes, &nn, err, sizeof(err)))
			continue;
		for (int k = 0; k < nn; k++) {
			if (!usdt_note_match(&notes[k], pat))
				continue;
			char *s;
			if (asprintf(&s, "%s:%s:%s:%s", pv->name, files.shown[i], notes[k].provider,
				     notes[k].name) < 0) {
				probe_list_add(out, NULL);
				break;
			}
			if (full_glob && fnmatch(full_glob, s, 0) != 0) {
				free(s);
				continue;
			}
			probe_list_add(out, s);
		}
		usdt_notes_free(notes, nn);
	}
	files_free(&files);
	return 0;
}

/* ---- attach ------------------------------------------------------------------------------ */

static int read_format_bit(const char *file, int *bit)
{
	char path[256], buf[64] = "";
	snprintf(path, sizeof(path), UPROBE_PMU_DIR "/format/%s", file);
	FILE *f = fopen(path, "re");
	if (!f)
		return -errno;
	bool ok = fgets(buf, sizeof(buf), f) != NULL;
	fclose(f);
	if (!ok || strncmp(buf, "config:", 7) != 0)
		return -EINVAL;
	*bit = atoi(buf + 7);
	return 0;
}

/* A uprobe at the call site whose reference counter is the probe's semaphore: the kernel
 * adds 1 to it in each process mapping the file while the uprobe is attached. */
static int attach_usdt(const struct probe_point *p, int prog_fd, struct rt_links *l, char *why,
		       size_t whylen)
{
	char tbuf[32] = "";
	FILE *tf = fopen(UPROBE_PMU_DIR "/type", "re");
	if (!tf) {
		snprintf(why, whylen, "this kernel has no uprobe PMU (%s)", UPROBE_PMU_DIR);
		return -EOPNOTSUPP;
	}
	bool ok = fgets(tbuf, sizeof(tbuf), tf) != NULL;
	fclose(tf);
	if (!ok)
		return -EINVAL;
	uint64_t config = 0;
	if (p->ref_ctr_offset) {
		int bit = 0;
		if (read_format_bit("ref_ctr_offset", &bit)) {
			snprintf(why, whylen, "the probe has a semaphore, and this kernel's uprobes "
					      "cannot set one (no ref_ctr_offset in %s/format)",
				 UPROBE_PMU_DIR);
			return -EOPNOTSUPP;
		}
		config = p->ref_ctr_offset << bit;
	}
	struct perf_event_attr attr = {
		.type = (uint32_t)atoi(tbuf),
		.size = sizeof(attr),
		.config = config,
		.config1 = (uint64_t)(uintptr_t)p->target,
		.config2 = p->offset,
		.sample_period = 1,
		.wakeup_events = 1,
		.disabled = 1,
	};
	int pid = l->pid > 0 ? l->pid : -1;
	int pfd = rt_perf_open(&attr, pid, pid > 0 ? -1 : 0);
	if (pfd == -ESRCH)
		snprintf(why, whylen, "the process given with -p does not exist");
	return pfd < 0 ? pfd : rt_link_perf(prog_fd, pfd, 0, l);
}

const struct provider provider_usdt = {
	.name = "usdt", .aliases = { "U" }, .kind = PROBE_USDT,
	.prog_type = BPF_PROG_TYPE_KPROBE, .caps = PV_REGS | PV_ARGN | PV_USER | PV_USDT,
	.expand = expand_usdt, .list = list_usdt, .attach = attach_usdt,
	/* in script order, as bpftrace 0.17: with -p on a running process, the first
	 * probe written is live first */
	.list_all = true,
};
