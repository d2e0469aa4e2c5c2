/*
 * codegen/llvm_fatal.c — LLVM's fatal-error path, turned into one located error.
 *
 * Owns: the handler LLVM calls instead of printing "LLVM ERROR: ..." and aborting, and the
 * record of which probe point codegen is working on (cg_fatal_point, set while a point's
 * IR is built and while its function is optimised). The handler reports
 *
 *     FILE:LINE:COL: ERROR: internal compiler error in probe P: <LLVM's message>
 *
 * with the probe's source line and caret, then ends the process with status 1.
 * Must not: return to LLVM (LLVM would exit or abort after it), call back into LLVM, or
 * run exit handlers: LLVM's state is broken by then, so the process ends with _exit after
 * flushing stdio. Nothing is attached yet at this stage; the -c child, held on its gate
 * pipe, sees EOF and exits unrun.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <llvm-c/ErrorHandling.h>

#include "codegen_internal.h"

static struct cg *fatal_cg;   /* the compilation in progress, or NULL */
static int fatal_point = -1;  /* point being built or optimised; -1: unknown */

/* LLVM names our functions p<N> (a point) and p<N>_<what><K> (its callbacks); backend
 * errors often say "In function: p3". The first such name in the message, or -1. */
static int point_in_message(const char *msg, int npoints)
{
	for (const char *s = msg; s && *s; s++) {
		if (*s != 'p' || !isdigit((unsigned char)s[1]))
			continue;
		if (s > msg && (isalnum((unsigned char)s[-1]) || s[-1] == '_'))
			continue;
		long v = strtol(s + 1, NULL, 10);
		if (v >= 0 && v < npoints)
			return (int)v;
	}
	return -1;
}

/* The probe point and its probe node LLVM's message names (p<N>), else the only one. */
static const struct probe_point *point_of_message(struct cg *c, const char *msg, int hint,
						  struct node **probe)
{
	int pt = hint >= 0 ? hint : point_in_message(msg, c->sr->npoints);
	if (pt < 0 && c->sr->npoints == 1)
		pt = 0;
	const struct probe_point *p = pt >= 0 ? &c->sr->points[pt] : NULL;
	*probe = p && p->probe >= 0 && p->probe < c->nprobes ? c->probes[p->probe] : NULL;
	if (!*probe && c->nprobes > 0)
		*probe = c->probes[0];
	return p;
}

void cg_stack_exceeded(struct cg *c, const char *llvm_msg)
{
	struct node *probe;
	const struct probe_point *p = point_of_message(c, llvm_msg, -1, &probe);
	static const char what[] =
		"needs more than the 512 bytes of BPF stack: LLVM's register spills do not fit "
		"even with every temporary in the per-CPU scratch map (split its work over "
		"several probes, or unroll less; -v shows LLVM's message)";
	if (c->opts->verbose)
		fprintf(stderr, "LLVM: %s\n", llvm_msg);
	if (probe && p)
		diag_error(c->d, p->loc.end > p->loc.start ? p->loc : probe->loc, "probe %s %s",
			   p->name, what);
	else
		diag_error_noloc(c->d, "the program %s", what);
}

static void on_llvm_fatal(const char *reason)
{
	struct cg *c = fatal_cg;
	const char *msg = reason && *reason ? reason : "unknown LLVM failure";
	if (!c || !c->d) {
		fprintf(stderr, "ERROR: internal compiler error: %s\n", msg);
		fflush(NULL);
		_exit(1);
	}
	struct node *probe;
	const struct probe_point *p = point_of_message(c, msg, fatal_point, &probe);
	if (probe && p)
		/* the attach point as written, else the whole probe */
		diag_error(c->d, p->loc.end > p->loc.start ? p->loc : probe->loc,
			   "internal compiler error in probe %s: %s", p->name, msg);
	else if (probe)
		diag_error(c->d, probe->loc, "internal compiler error in this program: %s", msg);
	else
		diag_error_noloc(c->d, "internal compiler error: %s", msg);
	fflush(stdout);
	diag_print(c->d, stderr);
	fflush(NULL);
	_exit(1);
}

void cg_fatal_begin(struct cg *c)
{
	static int installed;
	if (!installed) {
		/* once per process: LLVM keeps one handler, and resetting it races nothing here */
		LLVMInstallFatalErrorHandler(on_llvm_fatal);
		installed = 1;
	}
	fatal_cg = c;
	fatal_point = -1;
}

void cg_fatal_point(int point)
{
	fatal_point = point;
}

void cg_fatal_end(void)
{
	fatal_cg = NULL;
	fatal_point = -1;
}
