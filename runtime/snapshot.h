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

#include <stdint.h>
#include <stdio.h>

#include "../sema/types.h"
#include "../stdlib/format.h"

struct snap_entry {
	uint8_t *key;        /* user key bytes (abi layout of map key type); NULL if keyless */
	/* value, by map value kind (already merged across CPUs): */
	int64_t value;       /* COUNT, SUM, MIN, MAX, INT (sign per type) */
	uint64_t count;      /* AVG, STATS: number of samples */
	int64_t total;       /* AVG, STATS: sum of samples */
	uint64_t *slots;     /* HIST, LHIST: nslots counts */
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

void snapshot_free(struct map_snapshot *s);

/* Print one map exactly as bpftrace 0.17 does (entries sorted as bpftrace sorts them,
 * hist/lhist bars, avg/stats lines), followed by the blank line bpftrace prints after
 * each map. top > 0 keeps only the top N entries; div > 1 divides values. */
void print_map(FILE *out, const struct map_snapshot *s, const struct print_ctx *ctx,
	       int64_t top, int64_t div);

#endif
