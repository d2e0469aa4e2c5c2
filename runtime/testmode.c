/*
 * runtime/testmode.c — --test and --bench: running test:NAME and bench:NAME programs.
 *
 * Owns: running each test: point once with BPF_PROG_TEST_RUN in script order, its
 * verdict (passed: the program returned 0, called no exit(N) with N != 0 and printed no
 * errorf()) and its report through the output row's hooks (runtime/output.h; the text
 * rows' are here: a passed test's output is dropped, a failed one's printed between its
 * RUN and FAILED lines, then the summary; json: bpftrace's test_result and
 * benchmark_result objects); running each bench:
 * point with a growing repeat count until the runs take 1 ms, and its row of bpftrace's
 * table (its average time per run and the repeat count); a bench that returns non-zero is
 * skipped, one that calls exit(N != 0) or errorf() fails the run.
 * Must not: attach anything, or run BEGIN/END (session.c does, around this).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "output.h"
#include "runtime_internal.h"
#include "testmode.h"

#define GREEN "\033[32m"
#define RED "\033[31m"
#define PLAIN "\033[0m"

/* XDP's test run checks its packet: at least an Ethernet header's 14 bytes. */
#define PACKET_LEN 14

static int run_prog(int fd, uint32_t repeat, uint32_t *retval, uint64_t *ns)
{
	unsigned char pkt[PACKET_LEN] = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = sizeof(pkt),
		    .repeat = repeat);
	if (bpf_prog_test_run_opts(fd, &o) < 0)
		return -errno;
	*retval = o.retval;
	*ns = o.duration; /* the kernel's average per run */
	return 0;
}

/* The points of kind, in script order (the programs' order), with their program fds. */
static int collect(const struct sema_result *sr, const struct cg_result *cg, const int *fds,
		   enum probe_kind kind, int *which)
{
	int n = 0;
	for (int i = 0; i < cg->nprogs; i++)
		if (sr->points[cg->progs[i].point].kind == kind)
			which[n++] = i;
	return n;
}

/* Run prog i with the events it sends printed into a buffer; the verdict's facts. */
static int run_captured(struct rt_events *ev, int fd, uint32_t repeat, uint32_t *retval,
			uint64_t *ns, char **text, size_t *len)
{
	FILE *real = ev->out;
	const struct output_ops *fmt = ev->fmt;
	FILE *cap = open_memstream(text, len);
	if (!cap)
		return -ENOMEM;
	ev->out = cap;
	ev->fmt = &output_text; /* a test's output is kept as text, whatever -f says (bpftrace) */
	ev->exit_seen = false;
	ev->ignoring = false;
	ev->exit_code = 0;
	ev->nerrorf = 0;
	int err = run_prog(fd, repeat, retval, ns);
	if (!err)
		rt_events_drain(ev);
	fclose(cap);
	ev->out = real;
	ev->fmt = fmt;
	ev->ignoring = false;
	return err;
}

static const char *plural(int n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* bpftrace's unit for a duration: the largest of s, ms, μs, ns it reaches. */
static void print_duration(FILE *out, uint64_t ns)
{
	if (ns >= 1000000000ull)
		fprintf(out, " (%llu s)\n", (unsigned long long)(ns / 1000000000ull));
	else if (ns >= 1000000ull)
		fprintf(out, " (%llu ms)\n", (unsigned long long)(ns / 1000000ull));
	else if (ns >= 1000ull)
		fprintf(out, " (%llu \xce\xbcs)\n", (unsigned long long)(ns / 1000ull));
	else
		fprintf(out, " (%llu ns)\n", (unsigned long long)ns);
}

/* The text rows' report (runtime/output.h): bpftrace's gtest-like lines. */
void text_test_result(FILE *out, const char *name, int index, int n, uint64_t ns, bool passed,
		      const char *text, size_t len)
{
	if (index == 0)
		fprintf(out, GREEN "[==========]" PLAIN " Running %d %s.\n", n,
			plural(n, "test", "tests"));
	fprintf(out, GREEN "[ RUN      ]" PLAIN " %s\n", name);
	if (passed) {
		fprintf(out, GREEN "[       OK ]" PLAIN " %s", name);
	} else {
		/* the test's output, without its empty lines, as bpftrace shows it */
		const char *end = text ? text + len : NULL;
		for (const char *line = text, *nl; line && line < end; line = nl + 1) {
			nl = memchr(line, '\n', (size_t)(end - line));
			if (!nl)
				nl = end;
			if (nl > line)
				fprintf(out, "%.*s\n", (int)(nl - line), line);
		}
		fprintf(out, RED "[  FAILED  ]" PLAIN " %s", name);
	}
	print_duration(out, ns);
}

void text_test_summary(FILE *out, const char *const *names, const bool *passed, int n)
{
	int failed = 0;
	for (int k = 0; k < n; k++)
		failed += !passed[k];
	fprintf(out, GREEN "[==========]" PLAIN " %d %s ran.\n", n, plural(n, "test", "tests"));
	fprintf(out, GREEN "[  PASSED  ]" PLAIN " %d %s.\n", n - failed,
		plural(n - failed, "test", "tests"));
	if (!failed)
		return;
	fprintf(out, RED "[  FAILED  ]" PLAIN " %d %s, listed below:\n", failed,
		plural(failed, "test", "tests"));
	for (int k = 0; k < n; k++)
		if (!passed[k])
			fprintf(out, RED "[  FAILED  ]" PLAIN " %s\n", names[k]);
}

void text_bench_result(FILE *out, const char *name, int index, int width, uint64_t ns,
		       uint64_t iters)
{
	if (index == 0) {
		fprintf(out, "%-*s%-15s%s\n", width + 1, "Benchmark", "Time(ns)", "Iterations");
		for (int i = 0; i < width + 1 + 15 + 10; i++)
			fputc('-', out);
		fputc('\n', out);
	}
	fprintf(out, "%-*s%-15llu%llu\n", width + 1, name, (unsigned long long)ns,
		(unsigned long long)iters);
}

static int run_tests(struct rt_events *ev, const struct sema_result *sr,
		     const struct cg_result *cg, const int *fds, int *which, int n,
		     struct diag *d)
{
	FILE *out = ev->out;
	bool *passed = calloc((size_t)(n ? n : 1), sizeof(*passed));
	const char **names = calloc((size_t)(n ? n : 1), sizeof(*names));
	if (!passed || !names) {
		free(passed);
		free(names);
		diag_error_noloc(d, "out of memory");
		return -ENOMEM;
	}
	int failed = 0, rc = 0;
	for (int k = 0; k < n; k++) {
		const struct probe_point *p = &sr->points[cg->progs[which[k]].point];
		char *text = NULL;
		size_t len = 0;
		uint32_t retval = 0;
		uint64_t ns = 0;
		names[k] = p->func;
		int err = run_captured(ev, fds[which[k]], 1, &retval, &ns, &text, &len);
		if (err) {
			free(text);
			diag_error_noloc(d, "cannot run %s: %s", p->name, strerror(-err));
			rc = err;
			break;
		}
		passed[k] = retval == 0 && ev->exit_code == 0 && ev->nerrorf == 0;
		failed += !passed[k];
		if (ev->fmt->test_result)
			ev->fmt->test_result(out, p->func, k, n, ns, passed[k], text, len);
		fflush(out);
		free(text);
	}
	if (!rc && n && ev->fmt->test_summary)
		ev->fmt->test_summary(out, names, passed, n);
	fflush(out);
	free(passed);
	free(names);
	ev->exit_code = 0;
	ev->exit_seen = false;
	return rc ? rc : failed ? 1 : 0;
}

/* Each bench until its runs take 1 ms in all: x1000 below 1 us, x100 below 10 us, x10
 * below 100 us, then doubling (bpftrace's steps). */
static int run_benches(struct rt_events *ev, const struct sema_result *sr,
		       const struct cg_result *cg, const int *fds, int *which, int n,
		       struct diag *d)
{
	FILE *out = ev->out;
	size_t width = 40; /* bpftrace's name column: 40 or the longest name, plus a space */
	for (int k = 0; k < n; k++) {
		size_t l = strlen(sr->points[cg->progs[which[k]].point].func);
		if (l > width)
			width = l;
	}
	int rc = 0, shown = 0;
	for (int k = 0; k < n; k++) {
		const struct probe_point *p = &sr->points[cg->progs[which[k]].point];
		uint64_t iters = 1;
		for (;;) {
			char *text = NULL;
			size_t len = 0;
			uint32_t retval = 0;
			uint64_t ns = 0;
			int err = run_captured(ev, fds[which[k]], (uint32_t)iters, &retval, &ns,
					       &text, &len);
			free(text); /* a bench's output is dropped */
			if (err) {
				diag_error_noloc(d, "cannot run %s: %s", p->name, strerror(-err));
				return err;
			}
			if (ev->exit_code == 0 && retval != 0)
				break; /* returning non-zero skips the bench */
			uint64_t total = ns * iters;
			uint64_t grow = total < 1000 ? 1000 : total < 10000 ? 100
				      : total < 100000 ? 10 : total < 1000000 ? 2 : 1;
			if (grow > 1 && iters * grow <= UINT32_MAX) {
				iters *= grow;
				continue;
			}
			if (ev->exit_code != 0 || ev->nerrorf != 0) {
				fprintf(stderr, "ERROR: Benchmark '%s' failed.\n", p->func);
				rc = 1;
				break;
			}
			if (ev->fmt->bench_result)
				ev->fmt->bench_result(out, p->func, shown++, (int)width, ns, iters);
			fflush(out);
			break;
		}
	}
	ev->exit_code = 0;
	ev->exit_seen = false;
	return rc;
}

int rt_testmode_run(struct rt_events *ev, const struct sema_result *sr,
		    const struct cg_result *cg, const int *prog_fds, bool bench, struct diag *d)
{
	int *which = malloc(sizeof(int) * (size_t)(cg->nprogs ? cg->nprogs : 1));
	if (!which) {
		diag_error_noloc(d, "out of memory");
		return -ENOMEM;
	}
	int n = collect(sr, cg, prog_fds, bench ? PROBE_BENCH : PROBE_TEST, which);
	int rc = bench ? run_benches(ev, sr, cg, prog_fds, which, n, d)
		       : run_tests(ev, sr, cg, prog_fds, which, n, d);
	free(which);
	return rc;
}

int rt_testmode_count(const struct sema_result *sr, enum probe_kind kind)
{
	int n = 0;
	for (int i = 0; i < sr->npoints; i++)
		n += sr->points[i].kind == kind;
	return n;
}
