/*
 * sema/abi.h — the one contract between generated BPF code and the userspace runtime.
 *
 * Owns: how map keys and values are laid out in bytes, which BPF map type backs each map,
 * histogram slot numbering, the ring-buffer event header and async action ids, and the
 * runtime-owned helper maps. codegen writes these bytes; runtime/maps_read.c and
 * runtime/events.c read them; the printer sees only decoded snapshots.
 * Must not: include libbpf or LLVM headers (plain integers only).
 *
 * It lives in sema/ because sema sizes values by these layouts (tuple sizes, the
 * str()/comm buffers, what fits the scratch map) and everything above reads them:
 * codegen writes the bytes, stdlib and runtime read them. abi_tuple_layout is defined in
 * sema/types.c, the map layouts in sema/abi.c.
 */
#ifndef BPFSCRIPT_ABI_H
#define BPFSCRIPT_ABI_H

#include <stdint.h>

#include "types.h"

/* ---- scalar layout ------------------------------------------------------------------
 * Every integer (any declared width) is stored as 8 bytes, sign- or zero-extended, in
 * keys, values and event payloads. Strings are stored as their full buffer (size bytes,
 * NUL-padded). PROBE is 8 bytes (probe index). A tuple value is laid out like a C struct,
 * as bpftrace 0.17 lays it out: its elements in order, each type_elem_size bytes (an
 * integer element keeps its own width: ((int8)1, (int16)1, (int32)1) is 8 bytes) at a
 * multiple of type_elem_align, the total rounded up to the widest alignment
 * (abi_tuple_layout). A slot holding a whole value (map key or value, variable, event
 * argument) is still rounded up to 8 and zero-filled. */
#define ABI_ALIGN 8u
static inline uint32_t abi_align(uint32_t n) { return (n + ABI_ALIGN - 1) & ~(ABI_ALIGN - 1); }

/* Offsets of each tuple element; returns the tuple's size. offs may be NULL.
 * (sema/types.c) */
uint32_t abi_tuple_layout(const struct type *elems, int n, uint32_t *offs);
/* Event payloads (printf arguments, print() and async calls' values): each argument in
 * its own 8-aligned slot of type_storage_size bytes (integers as 8); returns the total. */
uint32_t abi_args_layout(const struct type *elems, int n, uint32_t *offs);
/* An integer element of a tuple at p (type_elem_size bytes), sign- or zero-extended to the
 * 8-byte form every other reader takes. */
uint64_t abi_elem_int(const struct type *t, const uint8_t *p);

/* ---- histograms ----------------------------------------------------------------------
 * hist(): 66 slots like bpftrace 0.17: slot 0 = negative values, slot 1 = 0,
 * slot k+2 = [2^k, 2^(k+1)) for k = 0..63.
 * lhist(v, min, max, step): slot 0 = v < min, slot i+1 = [min + i*step, min + (i+1)*step),
 * last slot = v >= max; nslots = (max - min) / step + 2. */
#define ABI_HIST_SLOTS 66u
/* hist(v, k), k = 1..5 (current bpftrace): each power of 2 split into 2^k linear
 * sub-buckets. Slot 0 = negative, slot v+1 = v for v < 2^k, then for v >= 2^k with top
 * bit l: slot ((l - k + 1) << k) + ((v >> (l - k)) & (2^k - 1)) + 1. k = 0 is the above. */
#define ABI_HIST_MAX_BITS 5
static inline uint32_t abi_hist_slots(int64_t bits)
{
	return bits <= 0 ? ABI_HIST_SLOTS : ((65u - (uint32_t)bits) << bits) + 1;
}
static inline uint32_t abi_lhist_slots(int64_t min, int64_t max, int64_t step)
{
	return (uint32_t)((max - min) / step + 2);
}

/* ---- maps ----------------------------------------------------------------------------
 * Key: abi key bytes of the user key ([] → none). Keyless maps use a u32 index 0 key.
 *
 *   value kind      user key   BPF map                     key bytes            value bytes
 *   count/sum        none      PERCPU_ARRAY (1)            u32 0                s64/u64
 *   count/sum        yes       PERCPU_HASH                 key                  s64/u64
 *   min/max          either    (as above)                  ...                  struct abi_minmax
 *   avg/stats        either    (as above)                  ...                  struct abi_avg
 *   hist/lhist       none      PERCPU_ARRAY (nslots)       u32 slot             struct abi_hist_slot
 *   hist/lhist       yes       PERCPU_HASH                 key ++ u64 slot      struct abi_hist_slot
 *   tseries          none/yes  as hist/lhist (nslots = intervals)                 struct abi_tseries_slot
 *   int/str/tuple    either    HASH                        key (none: u64 0)    value bytes
 *
 * Per-CPU values are merged in userspace: counts and sums add; min/max take the min/max
 * of CPUs whose `set` is non-zero; avg/stats add count and total. */
struct abi_minmax {
	int64_t value;
	uint64_t set;
};
struct abi_avg {
	int64_t total;
	uint64_t count;
};
/* One hist/lhist slot: its count and the exact sum of the values it counted (the sum of all
 * slots is the histogram's _sum in --metrics); the same element the count lives in, so
 * keeping the sum is one more add and store, no extra lookup. */
struct abi_hist_slot {
	uint64_t count;
	int64_t sum;
};

/* tseries(): one element per (key, interval slot), per CPU: the interval's value, what
 * its aggregation keeps beside it (none: the time of the value; avg: the count; min/max:
 * set), and the interval (epoch = time / interval) the slot holds now. */
struct abi_tseries_slot {
	int64_t val;
	int64_t meta;
	uint64_t epoch;
};

#define ABI_MAP_KEYS_DEFAULT 4096u /* BPFTRACE_MAP_KEYS */
#define ABI_STRLEN_DEFAULT 64u     /* BPFTRACE_STRLEN: str() buffer size */
#define ABI_COMM_LEN 16u
#define ABI_JOIN_ARGS 16u     /* join(): arguments read, as bpftrace's join_argnum */
#define ABI_INET_SIZE 24u     /* ntop(): u64 family + 16 address bytes */

enum abi_map_type { /* mirrors enum bpf_map_type values we use */
	ABI_MAP_HASH = 1,
	ABI_MAP_ARRAY = 2,
	ABI_MAP_PERCPU_HASH = 5,
	ABI_MAP_PERCPU_ARRAY = 6,
	ABI_MAP_LRU_HASH = 9,
	ABI_MAP_LRU_PERCPU_HASH = 10,
	ABI_MAP_RINGBUF = 27,
};

struct abi_map_layout {
	enum abi_map_type map_type;
	uint32_t key_size;    /* BPF key size */
	uint32_t value_size;  /* per-CPU element size for PERCPU maps */
	uint32_t max_entries;
	uint32_t user_key_size; /* bytes of the user key inside the BPF key (0 = keyless) */
	uint32_t nslots;      /* hist/lhist: slots per user key, else 0 */
};

/* key: user key type (TY_NONE if keyless); val: value type (agg kind or INT/STR/TUPLE). */
void abi_map_layout(const struct type *key, const struct type *val, uint32_t max_keys,
		    struct abi_map_layout *out);
/* A keyed map declared `let @m = KIND(max)`: max keys instead of the default, and the LRU
 * variant of its hash type when lru (keyless maps keep their layout). */
void abi_map_declare(struct abi_map_layout *l, bool lru, uint32_t max);
/* Does the map keep one value per CPU (read and merged per CPU)? */
static inline bool abi_map_percpu(const struct abi_map_layout *l)
{
	return l->map_type == ABI_MAP_PERCPU_ARRAY || l->map_type == ABI_MAP_PERCPU_HASH ||
	       l->map_type == ABI_MAP_LRU_PERCPU_HASH;
}

/* ---- ring buffer events ---------------------------------------------------------------
 * Every record starts with struct abi_event (8 bytes), then a payload by id:
 *   ABI_EV_EXIT         s64 exit status (exit(code); exit() sends 0)
 *   ABI_EV_PRINT_MAP    u64 map id, s64 top (0 = all), s64 div (0/1 = none)
 *   ABI_EV_CLEAR_MAP    u64 map id
 *   ABI_EV_ZERO_MAP     u64 map id
 *   ABI_EV_TIME         u64 fmt index (sema fmts[i].fmt is the strftime format)
 *   ABI_EV_PRINT_VALUE  u64 fmt index, then the value bytes laid out per fmts[i]
 *   id >= ABI_EV_PRINTF  printf with fmt index (id - ABI_EV_PRINTF); args follow, laid out
 *                        by abi_args_layout
 */
struct abi_event {
	uint64_t id;
};
enum {
	ABI_EV_EXIT = 1,
	ABI_EV_PRINT_MAP = 2,
	ABI_EV_CLEAR_MAP = 3,
	ABI_EV_ZERO_MAP = 4,
	ABI_EV_TIME = 5,
	ABI_EV_PRINT_VALUE = 6,
	ABI_EV_ASYNC = 7,    /* u64 fmt index, then args per fmts[i]: system/cat/join */
	ABI_EV_HELPER_ERROR = 8, /* -k/-kk: u64 call site (cg_result.sites), s64 helper's return */
	ABI_EV_WATCHPOINT = 9, /* u64 point, u64 address, u64 pid_tgid: arm a FUNC+argN
	                          watchpoint (sent by runtime/probe_watchpoint.c's program) */
	ABI_EV_UNWATCH = 10,   /* u64 address: unwatch(), detach every watchpoint on it */
	ABI_EV_PRINTF = 1000,
};

/* skboutput()'s perf-buffer record (not the ring buffer's: bpf_skb_output writes only to a
 * PERF_EVENT_ARRAY, codegen's cg_opts.perf_fd): this header, then the len bytes of the
 * skb's data the kernel appends (runtime/skb_output.c writes them to the pcap file of the
 * FMT_SKBOUTPUT entry fmt). */
struct abi_skb_hdr {
	uint64_t fmt;     /* the call's format-table index */
	uint64_t boot_ns; /* bpf_ktime_get_boot_ns() */
	uint64_t len;     /* bytes asked for (and appended, when the helper succeeds) */
};

/* ---- runtime-owned maps passed to codegen -------------------------------------------
 * ringbuf: the event ring buffer.
 * lost:    PERCPU_ARRAY, ABI_LOST_SLOTS(nmaps) entries, u32 key, u64 value:
 *          [ABI_LOST_RINGBUF] events that bpf_ringbuf_output could not queue (the runtime
 *          prints "Lost N events"); [ABI_LOST_STRTRUNC] strings that str(), join() or a
 *          __data_loc field copied cut short: the source did not fit the buffer (-v prints
 *          "N strings were truncated ..."); [ABI_LOST_MAP(id)] updates of user map id that
 *          failed, i.e. the map was full (the runtime prints a "Map full" warning naming
 *          the map and BPFTRACE_MAP_KEYS); then ABI_LOST_PROBE slots (below).
 * scratch: PERCPU_ARRAY, 1 entry, u32 key 0, value ABI_SCRATCH_SIZE bytes: room for event
 *          payloads and string buffers too big for the 512-byte BPF stack.
 * control: ARRAY, 1 entry, u32 key 0, value struct abi_control, read by the programs
 *          through a direct map-value address (no helper call). */
struct abi_control {
	/* Set by the runtime when the session stops (Ctrl-C, exit(), the child's exit): every
	 * probe but BEGIN and END stops sending events, so the ring drains in bounded time
	 * even while a flood of events goes on until the probes are closed. */
	uint8_t stopped;
	uint8_t pad[7];
};
#define ABI_RINGBUF_SIZE_DEFAULT (1u << 20)
#define ABI_RINGBUF_SIZE_CONTROL (1u << 14) /* programs with no formats */
#define ABI_SCRATCH_SIZE 4096u
#define ABI_LOST_RINGBUF 0u
#define ABI_LOST_STRTRUNC 1u
#define ABI_LOST_MAP(id) (2u + (uint32_t)(id))
/* After the maps' slots, two per probe (program order): probe reads that failed (their
 * value read as 0) and map updates that failed (the element was dropped). The runtime
 * reports them at exit, one line per probe (codegen/emit_checks.c counts them). */
#define ABI_FAIL_READ 0u
#define ABI_FAIL_MAP_UPDATE 1u
#define ABI_LOST_PROBE(nmaps, probe, kind) \
	(ABI_LOST_MAP(nmaps) + 2u * (uint32_t)(probe) + (uint32_t)(kind))
#define ABI_LOST_SLOTS(nmaps, nprobes) ABI_LOST_PROBE(nmaps, nprobes, 0)


/* ---- dw_ustack: unwind tables (runtime/dw_unwind.c fills, stdlib/builtin_dwstack.c
 * reads) ----
 * dw_rows (ARRAY): every target process's rows, each process's sorted by absolute pc; a
 * row holds from its pc up to the next row's. dw_pids (HASH, u32 tgid → abi_dw_pid): a
 * process's rows [first, first + count). The value of dw_ustack (SUB_DWSTACK): u64 pid,
 * u64 frame count, then one u64 address per frame up to the limit, the rest zero. */
#define ABI_DW_STOP 0u /* no rule here (or the return address is undefined): stop */
#define ABI_DW_RSP 1u  /* CFA = rsp + cfa_off */
#define ABI_DW_RBP 2u  /* CFA = rbp + cfa_off */
#define ABI_DW_PLT 3u  /* a PLT's expression: CFA = rsp + 8, + 8 when (rip & 15) >=
			cfa_off (11, or 10) */
#define ABI_DW_RBP_SAME 0u  /* rbp is unchanged */
#define ABI_DW_RBP_AT 1u    /* rbp was saved at CFA + rbp_off */
#define ABI_DW_RBP_LOST 2u  /* rbp cannot be recovered: 0 from there on */
struct abi_dw_row {
	uint64_t pc;
	int32_t cfa_off;
	uint8_t cfa_rule;
	uint8_t rbp_rule;
	int16_t rbp_off;
};
struct abi_dw_pid {
	uint32_t first, count;
};
#define ABI_DW_HDR 16u /* pid, frame count */
#define ABI_DW_SEARCH_STEPS 24u /* binary search steps: 2^24 rows */

#endif
