/*
 * runtime/loader.c — handing generated programs to the kernel.
 *
 * Owns: bpf_prog_load for every codegen program (license "GPL"; BTF func_info only for
 * programs with callbacks, from btf_funcs.c; the attach target of fentry/fexit programs
 * from probe_fentry.c), capturing the verifier log only when a load
 * fails (a log buffer slows every successful load), and turning a refusal into one
 * sentence that names the probe. -v adds the raw verifier log and libbpf's chatter.
 * Must not: attach anything or decide probe order (session.c does).
 */
#include "runtime_internal.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define VERIFIER_LOG_SIZE (4u << 20)

static int libbpf_print_verbose(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return vfprintf(stderr, fmt, ap);
}

static int libbpf_print_silent(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

void rt_libbpf_quiet(int verbose)
{
	libbpf_set_print(verbose ? libbpf_print_verbose : libbpf_print_silent);
}

static const char *point_name(const struct sema_result *sr, int point)
{
	if (point >= 0 && point < sr->npoints && sr->points[point].name)
		return sr->points[point].name;
	return "(unknown)";
}

/* The verifier's own one-line reason: the last log line before the "processed N insns"
 * statistics (e.g. "The sequence of 8193 jumps is too complex."), or the "infinite loop
 * detected at insn N" line. Copied into buf. */
static void verifier_reason(const char *log, char *buf, size_t size)
{
	const char *end = log + strlen(log), *stats = strstr(log, "\nprocessed ");
	if (stats)
		end = stats;
	/* an infinite loop is followed by the two states it found equal ("cur state: ...",
	 * "old state: ..."): the reason is the line before them */
	const char *loop = strstr(log, "infinite loop detected");
	if (loop && loop < end) {
		end = strchr(loop, '\n');
		if (!end)
			end = log + strlen(log);
	}
	while (end > log && (end[-1] == '\n' || end[-1] == ' '))
		end--;
	const char *start = end;
	while (start > log && start[-1] != '\n')
		start--;
	size_t n = (size_t)(end - start);
	if (n >= size)
		n = size - 1;
	memcpy(buf, start, n);
	buf[n] = '\0';
}

/* Programs with callbacks carry BTF func_info (btf_funcs.c); others load without. */
static void func_info_opts(struct bpf_prog_load_opts *o, const struct cg_prog *p,
			   const struct rt_func_btf *fb, const struct bpf_func_info *info)
{
	if (!info)
		return;
	o->prog_btf_fd = (uint32_t)fb->fd;
	o->func_info = info;
	o->func_info_cnt = (uint32_t)p->nfuncs;
	o->func_info_rec_size = sizeof(*info);
}

/* kprobes run as fentry/fexit (probe_fentry.c): the function to attach to is part of
 * the load. Returns whether o was filled. */
static bool tracing_opts(const struct rt_probe_state *ps, struct bpf_prog_load_opts *o,
			 const struct cg_prog *p, const struct sema_result *sr)
{
	uint32_t type, id;
	if (p->prog_type != BPF_PROG_TYPE_TRACING ||
	    rt_fentry_load_info(ps, p->point, &type, &id, sr))
		return false;
	o->expected_attach_type = (enum bpf_attach_type)type;
	o->attach_btf_id = id;
	return true;
}

/* Points attached as uprobe_multi or kprobe_multi links, or as iterators, say so at load
 * (their provider's load_attach_type, and load_attach_btf_id for the kernel function an
 * iterator's context comes from). Returns whether o was filled. */
static bool attach_type_opts(const struct rt_probe_state *ps, struct bpf_prog_load_opts *o,
			     const struct cg_prog *p, const struct sema_result *sr)
{
	const struct probe_point *pt =
		p->point >= 0 && p->point < sr->npoints ? &sr->points[p->point] : NULL;
	const struct provider *pv = pt ? provider_of(pt) : NULL;
	uint32_t type = pv && pv->load_attach_type ? pv->load_attach_type(ps, pt) : 0;
	if (!type)
		return false;
	o->expected_attach_type = (enum bpf_attach_type)type;
	if (pv->load_attach_btf_id)
		o->attach_btf_id = pv->load_attach_btf_id(pt);
	return true;
}

/* A refusal of point's program: at the attach point that produced it
 * (FILE:LINE:COL: ERROR: ..., source line and caret) when sema recorded where it was
 * written, else as a bare "ERROR: ..." (programs built without a script, as in the unit
 * tests). The verifier's failing instruction is not mapped to a statement: codegen emits
 * no debug line info to map it with. */
static void refusal(struct diag *d, const struct sema_result *sr, int point, const char *fmt,
		    ...) __attribute__((format(printf, 4, 5)));
static void refusal(struct diag *d, const struct sema_result *sr, int point, const char *fmt,
		    ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	const struct probe_point *pt = point >= 0 && point < sr->npoints ? &sr->points[point]
									 : NULL;
	if (pt && d->src && pt->loc.end > pt->loc.start)
		diag_error(d, pt->loc, "%s", msg);
	else
		diag_error_noloc(d, "%s", msg);
}

/* An iterator program refused without a verifier message (a log of statistics only, or
 * none): the kernel does not let this iterator be traced, e.g. one that needs a map. */
static bool iter_refused(const struct sema_result *sr, int point, const char *log, int err,
			 struct diag *d)
{
	const struct probe_point *pt = point >= 0 && point < sr->npoints ? &sr->points[point]
									 : NULL;
	const struct provider *pv = pt ? provider_of(pt) : NULL;
	if (!pv || !(pv->caps & PV_ITER) || (log && log[0] && strncmp(log, "processed ", 10)))
		return false;
	refusal(d, sr, point, "the kernel refused to load the program for iterator %s (%s): "
		"it does not let BPF programs run as this iterator here", pt->name, strerror(-err));
	return true;
}

/* The kernel's lockdown mode ("none", "integrity", "confidentiality"), "" if unknown. */
static void lockdown_mode(char *buf, size_t size)
{
	buf[0] = '\0';
	FILE *f = fopen("/sys/kernel/security/lockdown", "r");
	char line[128];
	if (!f)
		return;
	if (fgets(line, sizeof(line), f)) {
		char *a = strchr(line, '['), *b = a ? strchr(a, ']') : NULL;
		if (a && b && (size_t)(b - a - 1) < size) {
			memcpy(buf, a + 1, (size_t)(b - a - 1));
			buf[b - a - 1] = '\0';
		}
	}
	fclose(f);
}

/* "unknown func bpf_X#N" (the kernel has no such helper) or "program of this type cannot
 * use helper bpf_X#N" (not for this program type, or forbidden): one sentence naming the
 * helper, what needs it and what the kernel lacks. false when reason is neither. */
static bool helper_refused(const struct sema_result *sr, int point, const char *probe,
			   const char *reason, int verbose, struct diag *d)
{
	const char *u = strstr(reason, "unknown func bpf_");
	const char *c = strstr(reason, "cannot use helper bpf_");
	const char *at = u ? u + 13 : c ? c + 18 : NULL;
	if (!at)
		return false;
	char name[64];
	size_t n = strcspn(at, "#");
	if (n >= sizeof(name))
		n = sizeof(name) - 1;
	memcpy(name, at, n);
	name[n] = '\0';
	const char *why = "";
	char lock[32], buf[200];
	if (strcmp(name, "bpf_probe_write_user") == 0) {
		lockdown_mode(lock, sizeof(lock));
		if (lock[0])
			snprintf(buf, sizeof(buf), "write_user() cannot run while the kernel is in "
				 "lockdown mode '%s' (/sys/kernel/security/lockdown)", lock);
		else
			snprintf(buf, sizeof(buf), "write_user() cannot run on this kernel (a kernel "
				 "in lockdown mode, integrity or confidentiality, forbids it: see "
				 "/sys/kernel/security/lockdown)");
		why = buf;
	} else if (strcmp(name, "bpf_override_return") == 0) {
		why = "override() needs a kernel built with CONFIG_BPF_KPROBE_OVERRIDE and a "
		      "function marked for error injection";
	} else if (strcmp(name, "bpf_skb_output") == 0 ||
		   strcmp(name, "bpf_get_socket_cookie") == 0) {
		why = "skboutput() and socket_cookie() work only in fentry/fexit probes";
	}
	refusal(d, sr, point, "the kernel does not let the program for probe %s call %s%s%s%s%s",
		probe, name, u ? " (this kernel has no such helper)" : "", why[0] ? ": " : "", why,
		verbose ? "" : " (use -v to see the verifier log)");
	return true;
}

/* A failed load again, this time with a verifier log, so we can say what went wrong. */
static int explain_failure(const struct rt_probe_state *ps, const struct cg_prog *p,
			   const struct rt_func_btf *fb, const struct bpf_func_info *info,
			   const struct sema_result *sr, int load_err, int verbose, bool retry_v3,
			   bool retry_lean, struct diag *d)
{
	const char *probe = point_name(sr, p->point);
	char *log = malloc(VERIFIER_LOG_SIZE);
	int err = load_err;
	if (log) {
		log[0] = '\0';
		LIBBPF_OPTS(bpf_prog_load_opts, o, .log_buf = log, .log_size = VERIFIER_LOG_SIZE,
			    .log_level = 1);
		func_info_opts(&o, p, fb, info);
		tracing_opts(ps, &o, p, sr);
		attach_type_opts(ps, &o, p, sr);
		int fd = bpf_prog_load((enum bpf_prog_type)p->prog_type, p->name, "GPL",
				       p->insns, p->insn_cnt, &o);
		if (fd >= 0) /* accepted the second time: report the first errno */
			close(fd);
		else
			err = -errno;
	}
	/* Out of fds or memory: the verifier may have accepted the program (its log then
	 * says so), so these are checked before the log. */
	if (err == -EMFILE || err == -ENFILE || err == -ENOMEM) {
		refusal(d, sr, p->point, "cannot load the program for probe %s: %s%s", probe,
			strerror(-err), err == -ENOMEM ? "" : " (raise the limit with ulimit -n)");
		free(log);
		return err;
	}
	bool have_log = log && log[0];
	if (have_log && verbose)
		fprintf(stderr, "Verifier log for probe %s:\n%s\n", probe, log);
	/* ENOTSUPP (524) after a log that is only the verifier's statistics: the program was
	 * verified, then the kernel's JIT (always on) could not compile it, e.g. when the x86
	 * JIT's image size does not settle within its passes */
	if (err == -524 && have_log && strncmp(log, "processed ", 10) == 0 && retry_v3) {
		/* the JIT trips over some v4 instruction sequences: the caller compiles
		 * again for v3, whose programs it translates */
		free(log);
		return -EAGAIN;
	}
	if (err == -524 && have_log && strncmp(log, "processed ", 10) == 0) {
		refusal(d, sr, p->point, "the kernel verified the program for probe %s, but its JIT "
			"compiler could not translate it (ENOTSUPP, a kernel limit some programs "
			"hit; -v shows the verifier's statistics)", probe);
		free(log);
		return err;
	}
	if (have_log && retry_lean && strstr(log, "combined stack size")) {
		/* a loop callback's frame on top of its caller's passed 512 bytes: the caller
		 * compiles again with every movable temporary in the scratch map */
		free(log);
		return -ENOSPC;
	}
	if (iter_refused(sr, p->point, log, err, d)) {
		free(log);
		return err;
	}
	char reason[256] = "";
	if (have_log)
		verifier_reason(log, reason, sizeof(reason));
	if (have_log && helper_refused(sr, p->point, probe, reason, verbose, d)) {
		free(log);
		return err;
	}
	/* the verifier's size limits (1M processed instructions, 8192 jumps in a branch
	 * sequence, 512 bytes of stack over a callback and its caller): a probe too big */
	bool too_big = strstr(reason, "is too large") || strstr(reason, "is too complex") ||
		       strstr(reason, "combined stack size");
	if (have_log)
		refusal(d, sr, p->point,
			"the kernel's BPF verifier rejected the program for probe %s%s%s%s%s",
			probe, reason[0] ? ": " : "", reason,
			too_big ? "; the probe is too big for the verifier's limits: split its "
				  "work over several probes, or unroll less" : "",
			verbose ? "" : " (use -v to see the verifier log)");
	else if (err == -EPERM || err == -EACCES)
		diag_error_noloc(d, "permission denied loading BPF programs: run as root or "
				    "with CAP_BPF and CAP_PERFMON");
	else if (err == -E2BIG)
		refusal(d, sr, p->point, "the program for probe %s is too large for the kernel "
			"(%zu instructions)", probe, p->insn_cnt);
	else
		refusal(d, sr, p->point, "the kernel refused to load the program for probe %s: %s",
			probe, strerror(-err));
	free(log);
	return err;
}

int rt_load_all(const struct rt_probe_state *ps, const struct cg_result *cg,
		const struct sema_result *sr, int verbose, int *fds, struct diag *d)
{
	struct rt_func_btf fb;
	for (int i = 0; i < cg->nprogs; i++)
		fds[i] = -1;
	int err = rt_func_btf_load(cg, &fb, d);
	if (err)
		return err;
	for (int i = 0; i < cg->nprogs; i++) {
		const struct cg_prog *p = &cg->progs[i];
		if (p->shared && p->same_as >= 0 && p->same_as < i && fds[p->same_as] >= 0) {
			/* a wildcard's shared code: one verified program, an fd per point */
			fds[i] = fcntl(fds[p->same_as], F_DUPFD_CLOEXEC, 0);
			if (fds[i] >= 0)
				continue;
		}
		const struct bpf_func_info *info = fb.info ? fb.info[i] : NULL;
		LIBBPF_OPTS(bpf_prog_load_opts, o);
		func_info_opts(&o, p, &fb, info);
		bool tracing = tracing_opts(ps, &o, p, sr);
		bool multi = attach_type_opts(ps, &o, p, sr);
		int fd = bpf_prog_load((enum bpf_prog_type)p->prog_type, p->name, "GPL", p->insns,
				       p->insn_cnt, info || tracing || multi ? &o : NULL);
		if (fd < 0) {
			err = explain_failure(ps, p, &fb, info, sr, -errno, verbose, cg->cpu_v4,
					      !cg->stack_lean, d);
			for (int j = 0; j < i; j++) {
				close(fds[j]);
				fds[j] = -1;
			}
			rt_func_btf_free(&fb, cg->nprogs);
			return err ? err : -EINVAL;
		}
		fds[i] = fd;
	}
	/* loaded programs hold their own reference to the BTF */
	rt_func_btf_free(&fb, cg->nprogs);
	return 0;
}
