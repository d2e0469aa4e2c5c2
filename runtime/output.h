/*
 * runtime/output.h — the output formats (-f text|json|openmetrics|folded) as rows of hooks.
 *
 * Owns: struct output_ops, one row per format, that every place printing a map, a value or
 * a message (printf, time, join, cat, system, errorf/warnf, -k helper errors, the probe
 * count, lost events) calls instead of branching on the format. Rows live in
 * runtime/output.c and point at the printers (runtime/print*.c).
 * Must not: read BPF maps, include libbpf, or render anything itself.
 */
#ifndef BPFSCRIPT_OUTPUT_H
#define BPFSCRIPT_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../common/diag.h"
#include "snapshot.h"

/* Where an errorf()/warnf() call is in the script, for its run-time message. */
struct output_where {
	const char *file;    /* "stdin" or the script's path */
	int line, col;       /* the call's start */
	int end_line, end_col;
};

struct output_ops {
	const char *name; /* as given to -f */
	/* One map (print(@m, top, div), SIGUSR1 and the maps at exit). */
	void (*print_map)(FILE *out, const struct map_snapshot *s, const struct print_ctx *ctx,
			  int64_t top, int64_t div);
	/* print(value) */
	void (*print_value)(FILE *out, const struct type *t, const uint8_t *bytes,
			    const struct print_ctx *ctx);
	/* A rendered message of a kind ("printf", "time", "join", "cat", "syscall"). NULL:
	 * the text is written as is (printf renders straight to the output then). */
	void (*message)(FILE *out, const char *type, const char *data, size_t n);
	/* "Lost N events" at exit: on stderr (text), or a message on the output (json). */
	void (*lost)(FILE *out, uint64_t lost);
	/* the probe count: "Attaching N probes..." on stderr (text), or a message on the
	 * output (json) */
	void (*attached)(FILE *out, int nprobes);
	/* errorf()/warnf() (error: which) as they run: bpftrace's "FILE:L:C-E: ERROR: text"
	 * on stderr after what the output holds (text), or an object on the output (json) */
	void (*script_message)(FILE *out, const struct output_where *w, bool error,
			       const char *text, size_t n);
	/* -k/-kk: a helper call at loc (in src; NULL loc: unknown) failed with ret: a
	 * WARNING with the source line on the output (text), or an object (json) */
	void (*helper_error)(FILE *out, const struct source *src, const struct span *loc,
			     const char *helper, int64_t ret);
	/* --test: test index of n (name, the run's ns, passed, the output it printed) as it
	 * ends, and the summary after the last (NULL: none); --bench: one bench's row (width:
	 * the name column, the average ns per run, the repeat count), index 0 first */
	void (*test_result)(FILE *out, const char *name, int index, int n, uint64_t ns,
			    bool passed, const char *text, size_t len);
	void (*test_summary)(FILE *out, const char *const *names, const bool *passed, int n);
	void (*bench_result)(FILE *out, const char *name, int index, int width, uint64_t ns,
			     uint64_t iters);
	/* before the maps at exit ("\n\n" on stdout, bpftrace's framing), NULL: nothing */
	const char *exit_preamble;
	/* after all the maps at exit (OpenMetrics' "# EOF\n"), NULL: nothing */
	const char *exit_trailer;
	/* every line of the output is one write(2) (JSON lines), so a -c child writing to
	 * the same stdout never lands inside one */
	bool whole_lines;
};

/* The row for -f NAME, or NULL. */
const struct output_ops *output_find(const char *name);
/* "'text', 'json', ..." for the error message */
const char *output_names(void);
extern const struct output_ops output_text;
/* The text rows' --test/--bench report (runtime/testmode.c) */
void text_test_result(FILE *out, const char *name, int index, int n, uint64_t ns, bool passed,
		      const char *text, size_t len);
void text_test_summary(FILE *out, const char *const *names, const bool *passed, int n);
void text_bench_result(FILE *out, const char *name, int index, int width, uint64_t ns,
		       uint64_t iters);

#endif
