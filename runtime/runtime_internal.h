/*
 * runtime/runtime_internal.h — interfaces between the runtime's own files.
 *
 * Owns: the small structs session.c threads through maps.c, loader.c, attach.c, events.c,
 * maps_read.c and child.c. Kernel errors are worded here as one sentence into struct diag.
 * Must not: be included outside runtime/ (session.h is the public face).
 */
#ifndef BPFSCRIPT_RUNTIME_INTERNAL_H
#define BPFSCRIPT_RUNTIME_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../codegen/abi.h"
#include "../codegen/codegen.h"
#include "../common/diag.h"
#include "../sema/sema.h"
#include "snapshot.h"

/* ---- maps.c: every BPF map of a session ---------------------------------------------- */
struct rt_maps {
	int n;                          /* = sema nmaps */
	int *fds;                       /* user maps, -1 when not created */
	struct abi_map_layout *layouts; /* per user map */
	int ringbuf_fd, lost_fd, scratch_fd;
};

int rt_maps_create(const struct sema_result *sr, uint32_t max_keys, struct rt_maps *m,
		   struct diag *d);
void rt_maps_close(struct rt_maps *m);
/* Sum of the per-CPU lost-event counters. */
uint64_t rt_lost_count(const struct rt_maps *m);

/* ---- maps_read.c: BPF map contents → snapshots; clear and zero ----------------------- */
int rt_map_read(const struct rt_maps *m, const struct sema_result *sr, int id,
		struct map_snapshot *out);
int rt_map_clear(const struct rt_maps *m, const struct sema_result *sr, int id);
int rt_map_zero(const struct rt_maps *m, const struct sema_result *sr, int id);
/* Bytes the kernel copies per element for a per-CPU value of size vsize. */
size_t rt_percpu_value_size(uint32_t vsize);

/* ---- loader.c ----------------------------------------------------------------------- */
/* Loads every program; fds[i] for cg->progs[i]. On failure closes what it loaded, adds one
 * sentence to d (and prints the verifier log to stderr when verbose) and returns -errno. */
int rt_load_all(const struct cg_result *cg, const struct sema_result *sr, int verbose,
		int *fds, struct diag *d);
/* libbpf's own messages: shown only with -v. */
void rt_libbpf_quiet(int verbose);

/* ---- attach.c ------------------------------------------------------------------------- */
struct rt_links {
	int *fds;       /* link fds and perf event fds */
	bool *is_perf;  /* fds[i] is a perf event (can be disabled without closing) */
	int n, cap;
};

int rt_attach_point(const struct probe_point *p, int prog_fd, struct rt_links *l,
		    struct diag *d);
/* Stops every perf event at once (fast); the programs stay linked until close. */
void rt_links_disable(struct rt_links *l);
/* Detaches and closes everything (slow per fd in the kernel, so done in parallel). */
void rt_links_close(struct rt_links *l);
/* Run a BEGIN/END program once in the calling context. */
int rt_run_once(const struct probe_point *p, int prog_fd, struct diag *d);

/* ---- events.c ------------------------------------------------------------------------- */
struct ring_buffer;
struct rt_events {
	struct ring_buffer *rb;
	FILE *out;
	const struct sema_result *sr;
	const struct rt_maps *maps;
	const struct print_ctx *pctx;
	bool exit_seen;   /* an exit() event arrived: stop the session */
	bool ignoring;    /* after exit(): drop events until END runs */
	int err;          /* first error while handling an event */
};

int rt_events_open(struct rt_events *ev, struct diag *d);
/* Waits up to timeout_ms; returns events handled or -errno (-EINTR on a signal). */
int rt_events_poll(struct rt_events *ev, int timeout_ms);
/* Handles whatever is queued without waiting. */
int rt_events_drain(struct rt_events *ev);
void rt_events_close(struct rt_events *ev);

/* ---- child.c -------------------------------------------------------------------------- */
int rt_child_spawn(const char *cmd, int *pid, int *gate_fd, struct diag *d);
/* Lets the held child exec its command. */
void rt_child_release(int *gate_fd);
/* 1 once the child has exited (reaped), 0 while it runs. */
int rt_child_exited(int pid);
/* Terminate (if still running) and reap. */
void rt_child_finish(int pid);

#endif
