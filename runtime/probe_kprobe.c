/*
 * runtime/probe_kprobe.c — kprobe and kretprobe: attach-point expansion, the kernel
 * capability check, opening the perf events, and cleaning up legacy tracefs entries.
 *
 * Owns: "kprobe:FUNC", "kprobe:FUNC+OFFSET", "kprobe:GLOB", "kretprobe:FUNC" (and k:/kr:)
 * expanded against the traceable kernel functions (the run's kinfo, common/kinfo.h:
 * tracefs available_filter_functions, else the text symbols of /proc/kallsyms); deciding
 * once per session how kprobes reach the kernel (kprobe PMU, else legacy kprobe_events,
 * else fentry/fexit programs, probe_fentry.c, if the kernel accepts them), kept in the
 * session's struct rt_kprobe_state; opening one perf event per point; and
 * removing every bpfscript_<pid> kprobe_events entry we created, plus those left by a
 * killed earlier run; `-l kprobe:GLOB` (with -v the BTF arguments); attaching a point;
 * and the kprobe/kretprobe rows.
 * Must not: load programs (loader.c); print, except `-l`'s warnings: every failure is one
 * sentence in an err buffer or struct diag.
 */
#include "runtime_internal.h"

#include <bpf/bpf.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "tracefs.h"
#include "../common/kinfo.h"

#define KPROBE_PMU_DIR "/sys/bus/event_source/devices/kprobe"
#define LEGACY_PREFIX "bpfscript_"

/* ---- the list of traceable functions ------------------------------------------------ */

struct fn_list {
	char **v;
	int n, cap;
};

static void fn_list_free(struct fn_list *l)
{
	for (int i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int fn_list_add(struct fn_list *l, const char *s, size_t len)
{
	if (l->n == l->cap) {
		int cap = l->cap ? l->cap * 2 : 256;
		char **v = realloc(l->v, sizeof(*v) * (size_t)cap);
		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	if (!(l->v[l->n] = strndup(s, len)))
		return -ENOMEM;
	l->n++;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted, without duplicates (static functions of the same name appear more than once). */
static void fn_list_sort_unique(struct fn_list *l)
{
	if (l->n < 2)
		return;
	qsort(l->v, (size_t)l->n, sizeof(*l->v), cmp_str);
	int w = 1;
	for (int i = 1; i < l->n; i++) {
		if (strcmp(l->v[i], l->v[w - 1]) == 0)
			free(l->v[i]);
		else
			l->v[w++] = l->v[i];
	}
	l->n = w;
}

/* Calls fn(name, module, ctx) for every function in the kernel's list of traceable
 * functions (common/kinfo.h: tracefs available_filter_functions, else kallsyms' text
 * symbols; module NULL for vmlinux). *from_kallsyms tells which. Returns 0, a non-zero
 * value fn returned, or -errno when neither list can be read. */
typedef int (*kfn_fn)(const char *name, const char *mod, void *ctx);

struct each_ctx {
	kfn_fn fn;
	void *ctx;
};

static int each_one(const struct kinfo_func *f, void *ctx)
{
	const struct each_ctx *e = ctx;
	return e->fn(f->name, f->module, e->ctx);
}

/* Reads the list only as far as fn goes (a named function stops at its line). */
static int each_kernel_function(struct kinfo *ki, kfn_fn fn, void *ctx, bool *from_kallsyms)
{
	struct each_ctx e = { fn, ctx };
	return kinfo_traceable_each(ki, each_one, &e, from_kallsyms);
}

struct match_ctx {
	const char *glob;
	const char *mod_glob; /* kprobe:MODULE:FUNC: the module's name (a glob), else NULL */
	struct fn_list *out;
};

/* Does a listed function's module match kprobe:MODULE:FUNC's MODULE ("vmlinux": none)? */
static bool module_matches(const char *mod_glob, const char *mod)
{
	return !mod_glob || fnmatch(mod_glob, mod ? mod : "vmlinux", 0) == 0;
}

static int match_one(const char *name, const char *mod, void *ctx)
{
	struct match_ctx *m = ctx;
	if (strlen(name) >= 256 || !module_matches(m->mod_glob, mod) ||
	    fnmatch(m->glob, name, 0) != 0)
		return 0;
	if (m->mod_glob) { /* "MODULE:FUNC", the module each match is in */
		char full[400];
		int fl = snprintf(full, sizeof(full), "%s:%s", mod ? mod : "vmlinux", name);
		if (fl < 0 || (size_t)fl >= sizeof(full))
			return 0;
		return fn_list_add(m->out, full, (size_t)fl) ? -ENOMEM : 0;
	}
	return fn_list_add(m->out, name, strlen(name)) ? -ENOMEM : 0;
}

struct find_ctx {
	const char *name;
	const char *mod_glob;
};

static int find_one(const char *name, const char *mod, void *ctx)
{
	struct find_ctx *fc = ctx;
	return strcmp(name, fc->name) == 0 && module_matches(fc->mod_glob, mod);
}

/* ---- expansion ---------------------------------------------------------------------- */

static bool has_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

static bool valid_func_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("_.*?[]!-", *s))
			return false;
	return true;
}

static int add_point(const struct provider *pv, struct probe_point **pts, int *n,
		     const char *module, const char *func, uint64_t offset)
{
	struct probe_point *p = probe_points_add(pts, n);
	if (!p)
		return -ENOMEM;
	p->kind = pv->kind;
	p->offset = offset;
	p->fentry = pv->prog_type == BPF_PROG_TYPE_TRACING; /* the kfunc/kretfunc rows */
	p->func = strdup(func);
	if (module && !(p->target = strdup(module)))
		return -ENOMEM;
	char mod[140] = "";
	if (module)
		snprintf(mod, sizeof(mod), "%s:", module);
	int r = offset ? asprintf(&p->name, "%s:%s%s+%" PRIu64, pv->name, mod, func, offset)
		       : asprintf(&p->name, "%s:%s%s", pv->name, mod, func);
	if (r < 0)
		p->name = NULL;
	return p->func && p->name ? 0 : -ENOMEM;
}

static void drop_from(struct probe_point *pts, int *n, int first)
{
	while (*n > first) {
		struct probe_point *p = &pts[--*n];
		free(p->name);
		free(p->func);
		free(p->target);
		memset(p, 0, sizeof(*p));
	}
}

int kprobe_expand(const struct provider *pv, const struct probe_env *env, const char *text,
		  struct probe_point **pts, int *n, char *err, size_t errlen)
{
	const char *rest = strchr(text, ':');
	bool ret = pv->kind == PROBE_KRETPROBE;
	/* kprobe:MODULE:FUNC: a function of that module (a glob too; "vmlinux" the kernel) */
	char module[128] = "";
	const char *c2 = rest ? strchr(rest + 1, ':') : NULL;
	if (c2 && !strchr(c2 + 1, ':') && c2 > rest + 1 && (size_t)(c2 - rest - 1) < sizeof(module) &&
	    pv->prog_type != BPF_PROG_TYPE_TRACING) {
		memcpy(module, rest + 1, (size_t)(c2 - rest - 1));
		module[c2 - rest - 1] = '\0';
		rest = c2;
	}
	if (!rest || !rest[1] || strchr(rest + 1, ':'))
		return provider_fail(err, errlen,
			    "%s probe type requires 1 argument: %s:FUNCTION%s, e.g. %s:vfs_read, "
			    "not '%s'",
			    pv->name, pv->name, ret ? "" : " or kprobe:FUNCTION+OFFSET", pv->name,
			    text);
	rest++;
	char func[256];
	const char *plus = strchr(rest, '+');
	size_t flen = plus ? (size_t)(plus - rest) : strlen(rest);
	if (flen >= sizeof(func))
		return provider_fail(err, errlen, "kernel function name too long in '%s'", text);
	memcpy(func, rest, flen);
	func[flen] = '\0';
	if (!valid_func_name(func))
		return provider_fail(err, errlen, "'%s' is not a kernel function name (in '%s')", func,
			    text);
	/* bpftrace's list, checked before anything else: a return probe on these spin-lock
	 * functions can deadlock the kernel (the kretprobe handler takes the same lock) */
	static const char *const banned[] = { "_raw_spin_lock", "_raw_spin_lock_irqsave",
					      "_raw_spin_unlock_irqrestore",
					      "queued_spin_lock_slowpath" };
	for (size_t i = 0; ret && i < sizeof(banned) / sizeof(banned[0]); i++)
		if (strcmp(func, banned[i]) == 0)
			return provider_fail(err, errlen, "banned probe, error: kretprobe:%s can't be "
					     "used as it might lock up your system.", func);
	uint64_t offset = 0;
	if (plus) {
		char *end;
		errno = 0;
		offset = strtoull(plus + 1, &end, 0);
		if (ret)
			return provider_fail(err, errlen,
				    "kretprobe probes take no offset: a return probe fires when "
				    "the function returns ('%s')",
				    text);
		if (!plus[1] || *end || errno || plus[1] == '-')
			return provider_fail(err, errlen, "invalid offset in '%s': write FUNCTION+N, N a "
					  "decimal or 0x hex number", text);
		if (has_glob(func))
			return provider_fail(err, errlen, "a wildcard cannot be combined with an offset "
					  "('%s')", text);
	}

	int first = *n;
	bool from_kallsyms;
	if (has_glob(func) || has_glob(module)) {
		struct fn_list l = { 0 };
		struct match_ctx m = { func, module[0] ? module : NULL, &l };
		int r = each_kernel_function(env->kinfo, match_one, &m, &from_kallsyms);
		if (r) {
			fn_list_free(&l);
			return provider_fail(err, errlen, "cannot list kernel functions for '%s': %s", text,
				    strerror(r < 0 ? -r : ENOMEM));
		}
		fn_list_sort_unique(&l);
		int e = 0;
		for (int i = 0; i < l.n && !e; i++) {
			if (module[0]) { /* l.v[i] is "MODULE:FUNC" */
				char *colon = strchr(l.v[i], ':');
				*colon = '\0';
				e = add_point(pv, pts, n, l.v[i], colon + 1, 0);
				*colon = ':';
			} else {
				e = add_point(pv, pts, n, NULL, l.v[i], 0);
			}
			if (!e)
				(*pts)[*n - 1].wildcard = true;
		}
		int matched = l.n;
		fn_list_free(&l);
		if (e) {
			drop_from(*pts, n, first);
			return provider_fail(err, errlen, "out of memory");
		}
		if (!matched)
			return provider_fail(err, errlen, "no traceable kernel function matches %s (in '%s')",
				    func, text);
		return 0;
	}

	/* One function: listed as traceable, or at least a text symbol. An alias the compiler
	 * made (__x64_sys_getppid for __do_sys_getppid) is missing from the ftrace list but
	 * probes fine; a function kprobes refuse gets its sentence when attaching. One that
	 * was inlined everywhere has no symbol at all. */
	struct find_ctx fc = { func, module[0] ? module : NULL };
	int found = each_kernel_function(env->kinfo, find_one, &fc, &from_kallsyms);
	if (found < 0)
		return provider_fail(err, errlen, "cannot list kernel functions for '%s': %s", text,
			    strerror(-found));
	if (!found && module[0]) {
		char mdir[200];
		snprintf(mdir, sizeof(mdir), "/sys/module/%s", module);
		if (strcmp(module, "vmlinux") != 0 && access(mdir, F_OK) != 0)
			/* bpftrace 0.17's words first: it knows only kprobe:FUNCTION */
			return provider_fail(err, errlen,
					     "%s probe type requires 1 argument (%s:FUNCTION), "
					     "or 2 for a module's function (%s:MODULE:FUNCTION), "
					     "and no module '%s' is loaded ('%s')", pv->name, pv->name,
					     pv->name, module, text);
		provider_fail(err, errlen, "kernel function not found: %s in module %s (is the "
			      "module loaded? it is not in the kernel's list of traceable "
			      "functions)", func, module);
		return -ENOENT;
	}
	if (!found && (from_kallsyms || !kinfo_kfunc_addr(env->kinfo, func))) {
		provider_fail(err, errlen,
			      "kernel function not found: %s (no such symbol in /proc/kallsyms: "
			      "misspelt, inlined, or in a module that is not loaded)",
			      func);
		return -ENOENT; /* the caller may skip it when other probes remain */
	}
	if (add_point(pv, pts, n, module[0] ? module : NULL, func, offset)) {
		drop_from(*pts, n, first);
		return provider_fail(err, errlen, "out of memory");
	}
	return 0;
}

/* ---- how kprobes reach this kernel ------------------------------------------------------ */

/* The session's decision (struct rt_kprobe_state, runtime_internal.h), with the PMU's
 * facts and the legacy entries it created, which rt_kprobe_cleanup removes. */
enum kp_mode { KP_UNKNOWN, KP_PMU, KP_LEGACY, KP_FENTRY };

static int read_small(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t r = read(fd, buf, len - 1);
	int e = errno;
	close(fd);
	if (r < 0)
		return -e;
	buf[r] = '\0';
	return 0;
}

/* The kprobe PMU: its dynamic type number and the config bit that makes it a return probe
 * (format/retprobe reads "config:0"). */
static bool pmu_available(struct rt_kprobe_state *ks)
{
	char buf[64];
	ks->pmu_type = ks->pmu_retprobe_bit = -1;
	if (read_small(KPROBE_PMU_DIR "/type", buf, sizeof(buf)))
		return false;
	ks->pmu_type = atoi(buf);
	if (read_small(KPROBE_PMU_DIR "/format/retprobe", buf, sizeof(buf)) == 0 &&
	    strncmp(buf, "config:", 7) == 0)
		ks->pmu_retprobe_bit = atoi(buf + 7);
	return ks->pmu_type > 0 && ks->pmu_retprobe_bit >= 0;
}

static bool legacy_available(void)
{
	const char *root = tracefs_root();
	char path[512];
	if (!root)
		return false;
	snprintf(path, sizeof(path), "%s/kprobe_events", root);
	return access(path, W_OK) == 0;
}

/* BPFSCRIPT_KPROBE_ATTACH=legacy forces the tracefs path on a kernel that has the PMU,
 * and =fentry the fentry/fexit path (probe_fentry.c), so the tests can exercise every
 * path on one kernel (tests/vm). Without either kprobe interface, fentry is the only way
 * left; preflight finds out whether the kernel accepts it. */
static enum kp_mode detect_mode(struct rt_kprobe_state *ks)
{
	if (ks->mode != KP_UNKNOWN)
		return ks->mode;
	const char *force = getenv("BPFSCRIPT_KPROBE_ATTACH");
	bool want_legacy = force && strcmp(force, "legacy") == 0;
	ks->fentry_forced = force && strcmp(force, "fentry") == 0;
	if (ks->fentry_forced)
		ks->mode = KP_FENTRY;
	else if (!want_legacy && pmu_available(ks))
		ks->mode = KP_PMU;
	else if (legacy_available())
		ks->mode = KP_LEGACY;
	else
		ks->mode = KP_FENTRY;
	return ks->mode;
}

bool rt_kprobe_fentry(const struct rt_probe_state *ps, const struct probe_point *p)
{
	return (ps && ps->kprobe.mode == KP_FENTRY) || p->fentry;
}

/* A legacy group name is "bpfscript_<pid>"; a group whose process is gone was left by a run
 * killed with SIGKILL. Its entries can be removed now that nothing holds them. */
static void legacy_remove_stale(void)
{
	const char *root = tracefs_root();
	char path[512];
	if (!root)
		return;
	snprintf(path, sizeof(path), "%s/kprobe_events", root);
	FILE *f = fopen(path, "re");
	if (!f)
		return;
	struct fn_list stale = { 0 };
	char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, f) > 0) {
		/* "p:bpfscript_123/k0 vfs_read" */
		char *g = strchr(line, ':');
		if (!g || strncmp(g + 1, LEGACY_PREFIX, strlen(LEGACY_PREFIX)) != 0)
			continue;
		g++;
		long pid = strtol(g + strlen(LEGACY_PREFIX), NULL, 10);
		if (pid <= 0 || pid == getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		fn_list_add(&stale, g, strcspn(g, " \t\n"));
	}
	free(line);
	fclose(f);
	int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	for (int i = 0; fd >= 0 && i < stale.n; i++) {
		char cmd[300];
		int len = snprintf(cmd, sizeof(cmd), "-:%s\n", stale.v[i]);
		if (write(fd, cmd, (size_t)len) < 0) {
			/* still in use or already gone: nothing more we can do about it */
		}
	}
	if (fd >= 0)
		close(fd);
	fn_list_free(&stale);
}

int rt_kprobe_preflight(struct rt_probe_state *ps, struct sema_result *sr, int verbose,
			bool dry_run, struct diag *d)
{
	struct rt_kprobe_state *ks = &ps->kprobe;
	const struct probe_point *first = NULL;
	for (int i = 0; i < sr->npoints && !first; i++)
		if (sr->points[i].kind == PROBE_KPROBE || sr->points[i].kind == PROBE_KRETPROBE)
			first = &sr->points[i];
	if (!first)
		return 0;
	bool all = false; /* every kprobe as fentry, or only kfunc/kretfunc points */
	switch (detect_mode(ks)) {
	case KP_PMU:
		rt_kprobe_multi_plan(ps, sr, verbose);
		break;
	case KP_LEGACY:
		if (!dry_run)
			legacy_remove_stale();
		break;
	default:
		all = true;
		break;
	}
	bool any = all;
	for (int i = 0; i < sr->npoints; i++)
		any |= sr->points[i].fentry;
	if (!any)
		return 0;
	int e = rt_fentry_plan(ps, sr, verbose, all,
			       !all ? "this probe type always uses fentry"
			       : ks->fentry_forced ? "BPFSCRIPT_KPROBE_ATTACH=fentry"
					       : "this kernel has no kprobes",
			       d);
	if (e || dry_run)
		return e;
	first = NULL;
	for (int i = 0; i < sr->npoints && !first; i++)
		if ((sr->points[i].kind == PROBE_KPROBE || sr->points[i].kind == PROBE_KRETPROBE) &&
		    (all || sr->points[i].fentry))
			first = &sr->points[i];
	if (!first)
		return 0;
	char why[200];
	if (!(e = rt_fentry_probe_load(ps->kinfo, first->func,
				       all && !ks->fentry_forced && !first->fentry, why,
				       sizeof(why))))
		return 0;
	if (!all || first->fentry)
		diag_error_noloc(d, "%s: this kernel cannot run fentry programs: %s", first->name,
				 why);
	else if (ks->fentry_forced)
		diag_error_noloc(d, "%s: BPFSCRIPT_KPROBE_ATTACH=fentry, but this kernel cannot "
				    "run kprobes as fentry programs: %s", first->name, why);
	else
		diag_error_noloc(d,
				 "%s: this kernel was built without kprobe support "
				 "(CONFIG_KPROBES is not set: no kprobe PMU, no kprobe_events), "
				 "and %s",
				 first->name, why);
	return e;
}

/* ---- opening the events ----------------------------------------------------------------- */

static int perf_open(struct perf_event_attr *attr)
{
	/* pid -1 with one CPU: the program runs wherever the function is called. */
	int fd = (int)syscall(__NR_perf_event_open, attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* The symbol the kernel resolves: "MODULE:FUNC" for a module's function (kallsyms
 * lookup understands that form), FUNC otherwise. */
static const char *kprobe_symbol(const struct probe_point *p, char *buf, size_t len)
{
	if (!p->target || strcmp(p->target, "vmlinux") == 0)
		return p->func;
	snprintf(buf, len, "%s:%s", p->target, p->func);
	return buf;
}

static int open_pmu(const struct rt_kprobe_state *ks, const struct probe_point *p)
{
	char sym[400];
	struct perf_event_attr attr = {
		.type = (uint32_t)ks->pmu_type,
		.size = sizeof(attr),
		.sample_period = 1,
		.wakeup_events = 1,
		.disabled = 1,
	};
	if (p->kind == PROBE_KRETPROBE)
		attr.config |= 1ull << ks->pmu_retprobe_bit;
	attr.kprobe_func = (uint64_t)(uintptr_t)kprobe_symbol(p, sym, sizeof(sym)); /* config1 */
	attr.probe_offset = p->offset;                    /* config2 */
	return perf_open(&attr);
}

static int legacy_write(const char *cmd)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/kprobe_events", tracefs_root());
	int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int r = write(fd, cmd, strlen(cmd)) < 0 ? -errno : 0;
	close(fd);
	return r;
}

static int open_legacy(struct rt_kprobe_state *ks, const struct probe_point *p)
{
	if (ks->nlegacy == ks->caplegacy) {
		int cap = ks->caplegacy ? ks->caplegacy * 2 : 16;
		char **v = realloc(ks->legacy, sizeof(*v) * (size_t)cap);
		if (!v)
			return -ENOMEM;
		ks->legacy = v;
		ks->caplegacy = cap;
	}
	char ev[64], cmd[1024], path[600], buf[32], sym[400];
	snprintf(ev, sizeof(ev), LEGACY_PREFIX "%d/k%d", (int)getpid(), p->index);
	snprintf(cmd, sizeof(cmd), "%c:%s %s+%" PRIu64 "\n",
		 p->kind == PROBE_KRETPROBE ? 'r' : 'p', ev, kprobe_symbol(p, sym, sizeof(sym)),
		 p->offset);
	int err = legacy_write(cmd);
	if (err)
		return err;
	/* Recorded before anything else can fail, so cleanup removes it on every path. */
	if (!(ks->legacy[ks->nlegacy] = strdup(ev))) {
		snprintf(cmd, sizeof(cmd), "-:%s\n", ev);
		legacy_write(cmd);
		return -ENOMEM;
	}
	ks->nlegacy++;
	snprintf(path, sizeof(path), "%s/events/%s/id", tracefs_root(), ev);
	if ((err = read_small(path, buf, sizeof(buf))))
		return err;
	struct perf_event_attr attr = {
		.type = PERF_TYPE_TRACEPOINT,
		.size = sizeof(attr),
		.config = strtoull(buf, NULL, 10),
		.sample_period = 1,
		.wakeup_events = 1,
		.disabled = 1,
	};
	return perf_open(&attr);
}

int rt_kprobe_open(struct rt_probe_state *ps, const struct probe_point *p)
{
	switch (detect_mode(&ps->kprobe)) {
	case KP_PMU:
		return open_pmu(&ps->kprobe, p);
	case KP_LEGACY:
		return open_legacy(&ps->kprobe, p);
	default: /* fentry programs are attached by rt_fentry_attach, not through perf */
		return -EOPNOTSUPP;
	}
}

const char *rt_kprobe_reason(const struct probe_point *p, int err)
{
	switch (err) {
	case -ENOENT:
	case -EINVAL:
		return p->offset ? "the kernel refuses this function and offset (not a known "
				   "function, blacklisted for kprobes, or the offset is not on an "
				   "instruction boundary)"
				 : "the kernel refuses to probe this function (not a known "
				   "function, or blacklisted for kprobes)";
	case -EADDRNOTAVAIL:
		return "the kernel has several functions of this name and cannot tell which "
		       "one is meant";
	case -EILSEQ:
		return "the offset is not on an instruction boundary";
	case -EOPNOTSUPP:
		return "this kernel has no way to attach kprobes";
	default:
		return NULL;
	}
}

/* The kernel refuses to delete an event that a perf fd still holds (EBUSY), and our fds
 * may be closing in a helper process (attach.c closes many in the background), so wait a
 * little for them. */
void rt_kprobe_cleanup(struct rt_kprobe_state *ks)
{
	for (int i = 0; i < ks->nlegacy; i++) {
		char cmd[100];
		snprintf(cmd, sizeof(cmd), "-:%s\n", ks->legacy[i]);
		for (int tries = 0; tries < 300; tries++) {
			int r = legacy_write(cmd);
			if (r != -EBUSY)
				break;
			struct timespec ts = { 0, 10 * 1000 * 1000 };
			nanosleep(&ts, NULL);
		}
		free(ks->legacy[i]);
	}
	free(ks->legacy);
	ks->legacy = NULL;
	ks->nlegacy = ks->caplegacy = 0;
}

/* ---- -l ---------------------------------------------------------------------------------- */

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
static char *with_btf_args(struct kinfo *ki, char *line, const char *kind, const char *func)
{
	bool kfunc = kind[0] == 'k' && strstr(kind, "func"); /* kfunc, kretfunc: both */
	bool ret = strcmp(kind, "kretprobe") == 0;
	char *args = line ? rt_fentry_describe(ki, func, !ret || kfunc, ret || kfunc) : NULL;
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
	struct kinfo *ki;
	struct probe_list *out;
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
	probe_list_add(b->out, b->verbose ? with_btf_args(b->ki, s, b->kind, name) : s);
	return probe_list_oom(b->out) ? -ENOMEM : 0;
}

/* Without kprobes, kprobes run as fentry programs where the kernel allows them: the
 * functions the kernel's BTF describes (sorted and made unique by the caller). */
static void list_btf_functions(struct kinfo *ki, struct probe_list *out, const char *kind,
			       const char *func_glob, const char *full_glob, bool verbose)
{
	struct btf_list b = { ki, out, kind, func_glob ? func_glob : "*", full_glob, verbose };
	int r = rt_fentry_each_func(ki, btf_list_one, &b);
	if (r < 0 && r != -ENOMEM)
		fprintf(stderr, "WARNING: no %s probes to list: this kernel was built without "
				"kprobes, and its BTF (which kprobes run as fentry programs need) "
				"cannot be read: %s\n", kind, strerror(-r));
}

/* Traceable functions (common/kinfo.h: tracefs available_filter_functions, else the text
 * symbols of /proc/kallsyms); without kprobes, the functions BTF describes. */
int kprobe_list(const struct provider *pv, const struct probe_env *env, const char *func_glob,
		const char *full_glob, bool verbose, struct probe_list *out)
{
	const char *kind = pv->name;
	bool explicit = func_glob != NULL;
	if (!explicit) /* a bare pattern lists names only */
		verbose = false;
	if (!kprobes_available()) {
		/* a bare pattern ("*do_nanosleep*") lists them too, as bpftrace does; a plain
		 * -l does not list the kernel's 50000 functions */
		if (explicit || full_glob)
			list_btf_functions(env->kinfo, out, kind, func_glob,
					   explicit ? NULL : full_glob, verbose);
		return 0;
	}
	const struct kinfo_func *f;
	size_t n;
	bool from_kallsyms;
	int err = kinfo_traceable(env->kinfo, &f, &n, &from_kallsyms);
	if (err) {
		if (explicit)
			fprintf(stderr, "WARNING: cannot read the traceable kernel functions: %s\n",
				strerror(-err));
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		const char *name = f[i].name;
		if ((i && strcmp(name, f[i - 1].name) == 0) ||
		    (func_glob && fnmatch(func_glob, name, 0) != 0))
			continue;
		char *s;
		if (asprintf(&s, "%s:%s", kind, name) < 0) {
			probe_list_add(out, NULL);
			break;
		}
		if (full_glob && fnmatch(full_glob, s, 0) != 0) {
			free(s);
			continue;
		}
		probe_list_add(out, verbose ? with_btf_args(env->kinfo, s, kind, name) : s);
	}
	return 0;
}

/* ---- attach ------------------------------------------------------------------------------ */

/* A kprobe point runs as a kprobe (perf event of the kprobe PMU or a legacy kprobe_events
 * entry) or, planned so by rt_kprobe_preflight, as a fentry/fexit program (a BPF link). */
static int attach_kprobe(const struct probe_point *p, int prog_fd, struct rt_links *l, char *why,
			 size_t whylen)
{
	if (rt_kprobe_fentry(l->ps, p))
		return rt_push_link(l, rt_fentry_attach(p, prog_fd));
	if (p->multi_group)
		return rt_kprobe_multi_attach(p, prog_fd, l);
	int pfd = rt_kprobe_open(l->ps, p);
	int err = pfd < 0 ? pfd : rt_link_perf(prog_fd, pfd, 0, l);
	const char *w = err ? rt_kprobe_reason(p, err) : NULL;
	if (w)
		snprintf(why, whylen, "%s", w);
	return err;
}

/* attach_reverse as bpftrace 0.17 orders attachment: kprobes fire newest first,
 * kretprobes in order. */
const struct provider provider_kprobe = {
	.name = "kprobe", .aliases = { "k" }, .kind = PROBE_KPROBE,
	.prog_type = BPF_PROG_TYPE_KPROBE,
	.caps = PV_REGS | PV_ARGN | PV_ARGS_BTF | PV_FUNC_KSYM | PV_ENTRY | PV_KERNEL_FN,
	.expand = kprobe_expand, .list = kprobe_list, .attach = attach_kprobe,
	.load_attach_type = rt_kprobe_multi_attach_type, .attach_reverse = true, .list_all = true,
};
const struct provider provider_kretprobe = {
	.name = "kretprobe", .aliases = { "kr" }, .kind = PROBE_KRETPROBE,
	.prog_type = BPF_PROG_TYPE_KPROBE,
	.caps = PV_REGS | PV_RETVAL | PV_FUNC_KSYM | PV_KERNEL_FN,
	.expand = kprobe_expand, .list = kprobe_list, .attach = attach_kprobe,
	.load_attach_type = rt_kprobe_multi_attach_type,
};
