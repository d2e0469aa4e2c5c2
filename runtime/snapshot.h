/*
 * runtime/snapshot.h — neutral, kernel-free snapshots of map contents for printing.
 *
 * Owns: the data the printer consumes. runtime/maps_read.c fills these from BPF maps
 * (merging per-CPU values per abi.h); runtime/print.c turns them into bpftrace's text.
 * Unit tests build snapshots by hand, so printing is tested without a kernel.
 * Must not: include libbpf.
 */
#ifndef BPFSCRIPT_SNAPSHOT_H
#define BPFSCRIPT_SNAPSHOT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../sema/types.h"
#include "../stdlib/format.h"

struct snap_entry {
	uint8_t *key;        /* user key bytes (abi layout of map key type); NULL if keyless */
	/* value, by map value kind (already merged across CPUs): */
	int64_t value;       /* COUNT, SUM, MIN, MAX, INT (sign per type) */
	uint64_t count;      /* AVG, STATS: number of samples */
	int64_t total;       /* AVG, STATS, HIST, LHIST: sum of samples */
	uint64_t *slots;     /* HIST, LHIST: nslots counts; TSERIES: nslots pairs [interval
	                        number (0: none), value] */
	uint8_t *bytes;      /* STR, TUPLE values: raw bytes */
};

struct map_snapshot {
	const char *name;    /* "@x" / "@" */
	struct type key;     /* TY_NONE if keyless */
	struct type val;
	uint32_t nslots;     /* HIST/LHIST */
	struct snap_entry *entries;
	int n;
};

/* Frees entries[] and each entry's key, slots and bytes (each its own malloc() block, or
 * NULL); name is borrowed and not freed. Leaves *s zeroed. */
void snapshot_free(struct map_snapshot *s);

/* The order bpftrace 0.17 prints entries in: order[0..n-1] receives entry indexes.
 * count/sum/int/min/max: by value ascending (ties by key bytes, where bpftrace's tie order
 * follows kernel hash order); str/tuple/probe values: by key (ints as unsigned, strings
 * by strncmp, first key element first); hist/lhist/avg/stats: by total count (hist) or
 * average (avg/stats), with libstdc++ std::sort applied to key-byte order as bpftrace
 * does, so ties come out exactly as bpftrace prints them. Returns 0 or -ENOMEM. */
int snapshot_order(const struct map_snapshot *s, int *order);

/* Walking a snapshot as the printers do (text and JSON alike): the entries in
 * snapshot_order (unsorted if that runs out of memory), only the last `top` when top > 0,
 * and the byte offset of each element of a tuple key. */
struct snapshot_walk {
	int *order;      /* entry indexes in print order, or NULL: snapshot order */
	uint32_t *koffs; /* offsets of a tuple key's elements, or NULL */
	int start;       /* the first position to print */
};
/* Returns 0, or -ENOMEM when a tuple key's offsets cannot be allocated (print nothing). */
int snapshot_walk_begin(const struct map_snapshot *s, int64_t top, struct snapshot_walk *w);
const struct snap_entry *snapshot_walk_entry(const struct map_snapshot *s,
					     const struct snapshot_walk *w, int i);
void snapshot_walk_end(struct snapshot_walk *w);
/* Each element of e's key (a tuple key's elements, else the key itself) through elem, with
 * sep between them: "a, b" in text, "a,b" in JSON. elem gets ctx marked as in a key
 * (in_key, stack frames indented by 4). */
void snapshot_key_each(FILE *out, const struct map_snapshot *s, const struct snap_entry *e,
		       const struct snapshot_walk *w, const char *sep,
		       void (*elem)(FILE *, const struct type *, const uint8_t *,
				    const struct print_ctx *),
		       const struct print_ctx *ctx);

/* hist/lhist bodies: one "[lo, hi)   count |@@@...|" row per bucket between the first and
 * last non-empty one, as bpftrace 0.17 prints them (nothing if all buckets are empty).
 * hist counts are divided by div (bars are not); lhist ignores div like bpftrace. */
void print_hist_rows(FILE *out, const uint64_t *slots, uint32_t nslots, uint64_t div);
/* k of hist(v, k) for a histogram of nslots slots (abi_hist_slots(k)); 0 for plain hist */
int hist_bits_of(uint32_t nslots);
void print_lhist_rows(FILE *out, const uint64_t *slots, uint32_t nslots, int64_t min,
		      int64_t max, int64_t step);

/* Print one map exactly as bpftrace 0.17 does (entries sorted as bpftrace sorts them,
 * hist/lhist bars, avg/stats lines), followed by the newline bpftrace prints after
 * each map. top > 0 keeps only the top N entries; div > 1 divides values.
 * Byte-exact 0.17 framing: count/sum/min/max/int/str/tuple maps end with one "\n" after
 * the last entry (no blank line; an empty map prints just "\n"); avg/stats maps end
 * with "\n\n"; each hist/lhist entry is "@h[k]: \n" + rows, entries joined by "\n",
 * then "\n". (At exit bpftrace prints "\n\n" once before the maps — the caller's job.)
 * stats ignores top and div, lhist ignores div, as 0.17 does. */
void print_map(FILE *out, const struct map_snapshot *s, const struct print_ctx *ctx,
	       int64_t top, int64_t div);

/* -f json (runtime/print_json.c): one line per map as bpftrace 0.17 writes it
 * ({"type": "map"|"hist"|"stats", "data": {"@name": ...}}); nothing for an empty map. */
/* print_tseries.c: a tseries map's graphs (top: the last keys), and one key's series as
 * the JSON list bpftrace writes. */
void print_tseries(FILE *out, const struct map_snapshot *s, const struct print_ctx *ctx,
		   int64_t top);
void print_tseries_json_value(FILE *out, const struct map_snapshot *s,
			      const struct snap_entry *e);
void print_map_json(FILE *out, const struct map_snapshot *s, const struct print_ctx *ctx,
		    int64_t top, int64_t div);
/* One value in JSON: numbers, "escaped strings", tuples as [a,b]. */
void print_json_value(FILE *out, const struct type *t, const uint8_t *bytes,
		      const struct print_ctx *ctx);
/* {"type": "<type>", "data": "<data escaped>"} and a newline. */
void print_json_message(FILE *out, const char *type, const char *data, size_t n);
/* {"type": "lost_events", "data": {"events": N}} (bpftrace 0.17's JSON for lost events) */
void print_json_lost(FILE *out, uint64_t lost);

/* -f folded and stack labels (runtime/print_folded.c) */
bool type_is_stack(const struct type *t);
/* A stack value as "outer;...;inner" (frames without offsets). */
/* A value's plain text (as text output prints it), malloc'd with its length in *n; NULL
 * when out of memory. */
char *print_value_text(const struct type *t, const uint8_t *bytes, const struct print_ctx *ctx,
		       size_t *n);
void print_folded_stack(FILE *out, const struct type *t, const uint8_t *bytes,
			const struct print_ctx *ctx);
/* Maps whose key holds a stack: "part;...;outer;...;inner COUNT" lines (other key parts
 * first); other maps as print_map. */
void print_map_folded(FILE *out, const struct map_snapshot *s, const struct print_ctx *ctx,
		      int64_t top, int64_t div);

/* Prometheus 0.0.4 (om false) / OpenMetrics 1.0 (om true) (runtime/print_metrics.c) */
void metrics_family(char *buf, size_t len, const char *map_name);
/* A label value's text escaped (\\ \" \n; invalid UTF-8 → U+FFFD), up to a NUL or n. */
void metrics_escape(FILE *out, const char *s, size_t n);
/* One map as one metric family: # HELP, # TYPE and its samples. */
void print_map_metrics(FILE *out, const struct map_snapshot *s, const struct print_ctx *ctx,
		       bool om);
/* -f openmetrics' print_map (top and div are ignored). */
void print_map_openmetrics(FILE *out, const struct map_snapshot *s, const struct print_ctx *ctx,
			   int64_t top, int64_t div);
/* -f prometheus' print_map (0.0.4; top and div are ignored). */
void print_map_prometheus(FILE *out, const struct map_snapshot *s, const struct print_ctx *ctx,
			  int64_t top, int64_t div);
/* A counter family fam (without _total): n samples fam_total{label="lvals[i]"} vals[i]
 * (no label when label is NULL). */
void print_metrics_counter(FILE *out, const char *fam, const char *help, const char *label,
			   const char *const *lvals, const uint64_t *vals, int n, bool om);

#endif
