/*
 * runtime/maps.c — creating a session's BPF maps before codegen needs their fds.
 *
 * Owns: one BPF map per sema map, shaped by abi_map_layout (sema/abi.h), plus the
 * runtime-owned ring buffer, lost-event counter and scratch maps; closing them all.
 * Must not: read or print map contents (maps_read.c), or know about the AST.
 */
#include "runtime_internal.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Kernel map names: at most 15 characters of [A-Za-z0-9_.]. "@" becomes "AT_" as in
 * bpftrace, so `bpftool map` shows recognisable names. */
static void map_obj_name(const char *user, char out[16])
{
	size_t o = 0;
	const char *p = user;
	if (*p == '@') {
		memcpy(out, "AT_", 3);
		o = 3;
		p++;
	}
	for (; *p && o < 15; p++) {
		char c = *p;
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			 c == '_' || c == '.';
		out[o++] = ok ? c : '_';
	}
	out[o] = '\0';
}

/* Hash maps bigger than this allocate elements on demand: preallocating a keyed hist
 * (keys x 66 slots, per CPU) costs ~0.15 s at start-up by default and seconds with a large
 * BPFTRACE_MAP_KEYS. Smaller maps keep preallocation, the fastest update path. */
#define PREALLOC_MAX_ENTRIES 65536u

static int create_one(const char *what, enum bpf_map_type type, const char *name,
		      uint32_t key_size, uint32_t value_size, uint32_t max_entries,
		      struct diag *d)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts);
	if ((type == BPF_MAP_TYPE_HASH || type == BPF_MAP_TYPE_PERCPU_HASH) &&
	    max_entries > PREALLOC_MAX_ENTRIES)
		opts.map_flags = BPF_F_NO_PREALLOC;
	int fd = bpf_map_create(type, name, key_size, value_size, max_entries, &opts);
	if (fd >= 0)
		return fd;
	int err = -errno;
	if (err == -EPERM || err == -EACCES)
		diag_error_noloc(d, "permission denied creating BPF maps: run as root or with "
				    "CAP_BPF and CAP_PERFMON");
	else
		diag_error_noloc(d, "the kernel refused to create the BPF map for %s: %s", what,
				 strerror(-err));
	return err;
}

int rt_maps_create(const struct sema_result *sr, uint32_t max_keys, struct rt_maps *m,
		   struct diag *d)
{
	memset(m, 0, sizeof(*m));
	m->ringbuf_fd = m->lost_fd = m->scratch_fd = m->control_fd = m->perf_fd = -1;
	if (!max_keys)
		max_keys = ABI_MAP_KEYS_DEFAULT;
	m->n = sr->nmaps;
	m->fds = malloc(sizeof(int) * (size_t)(sr->nmaps ? sr->nmaps : 1));
	m->layouts = calloc((size_t)(sr->nmaps ? sr->nmaps : 1), sizeof(*m->layouts));
	m->zeroed = calloc((size_t)(sr->nmaps ? sr->nmaps : 1), sizeof(*m->zeroed));
	if (!m->fds || !m->layouts || !m->zeroed) {
		diag_error_noloc(d, "out of memory creating maps");
		rt_maps_close(m);
		return -ENOMEM;
	}
	for (int i = 0; i < m->n; i++)
		m->fds[i] = -1;
	int fd;
	for (int i = 0; i < m->n; i++) {
		const struct map_info *mi = &sr->maps[i];
		struct abi_map_layout *l = &m->layouts[i];
		abi_map_layout(&mi->key, &mi->val, max_keys, l);
		if (mi->decl != MAP_DECL_NONE) /* let @m = lruhash(N); */
			abi_map_declare(l, mi->decl == MAP_DECL_LRU_HASH ||
						   mi->decl == MAP_DECL_PERCPU_LRU_HASH,
					mi->decl_max);
		char name[16];
		map_obj_name(mi->name, name);
		fd = create_one(mi->name, (enum bpf_map_type)l->map_type, name, l->key_size,
				l->value_size, l->max_entries, d);
		if (fd < 0)
			goto fail;
		m->fds[i] = fd;
	}
	/* Without any format (printf, time, print of a value) only rare control events
	 * (exit, clear, zero, print of a map) use the ring: a small one is created faster
	 * and, being mapped by the consumer, costs 2 MB less resident memory. */
	fd = create_one("events", BPF_MAP_TYPE_RINGBUF, "ringbuf", 0, 0,
			sr->nfmts ? ABI_RINGBUF_SIZE_DEFAULT : ABI_RINGBUF_SIZE_CONTROL, d);
	if (fd < 0)
		goto fail;
	m->ringbuf_fd = fd;
	fd = create_one("lost events", BPF_MAP_TYPE_PERCPU_ARRAY, "lost", 4, 8,
			ABI_LOST_SLOTS(sr->nmaps, sr->nprobes), d);
	if (fd < 0)
		goto fail;
	m->lost_fd = fd;
	fd = create_one("scratch space", BPF_MAP_TYPE_PERCPU_ARRAY, "scratch", 4,
			ABI_SCRATCH_SIZE, 1, d);
	if (fd < 0)
		goto fail;
	m->scratch_fd = fd;
	fd = create_one("control", BPF_MAP_TYPE_ARRAY, "control", 4, sizeof(struct abi_control),
			1, d);
	if (fd < 0)
		goto fail;
	m->control_fd = fd;
	for (int i = 0; i < sr->nfmts; i++)
		if (sr->fmts[i].kind == FMT_SKBOUTPUT) { /* bpf_skb_output writes only here */
			int ncpus = libbpf_num_possible_cpus();
			fd = create_one("skboutput packets", BPF_MAP_TYPE_PERF_EVENT_ARRAY, "skb_out",
					4, 4, ncpus > 0 ? (uint32_t)ncpus : 1, d);
			if (fd < 0)
				goto fail;
			m->perf_fd = fd;
			break;
		}
	return 0;
fail:
	rt_maps_close(m);
	return fd;
}

void rt_maps_close(struct rt_maps *m)
{
	for (int i = 0; m->fds && i < m->n; i++)
		if (m->fds[i] >= 0)
			close(m->fds[i]);
	if (m->ringbuf_fd >= 0)
		close(m->ringbuf_fd);
	if (m->perf_fd >= 0)
		close(m->perf_fd);
	if (m->lost_fd >= 0)
		close(m->lost_fd);
	if (m->scratch_fd >= 0)
		close(m->scratch_fd);
	if (m->control_fd >= 0)
		close(m->control_fd);
	free(m->fds);
	free(m->layouts);
	free(m->zeroed);
	memset(m, 0, sizeof(*m));
	m->ringbuf_fd = m->lost_fd = m->scratch_fd = m->control_fd = m->perf_fd = -1;
}

void rt_maps_stop_events(const struct rt_maps *m)
{
	uint32_t key = 0;
	struct abi_control v = { .stopped = 1 };
	if (m->control_fd >= 0)
		bpf_map_update_elem(m->control_fd, &key, &v, BPF_ANY);
}

size_t rt_percpu_value_size(uint32_t vsize)
{
	int ncpu = libbpf_num_possible_cpus();
	if (ncpu < 1)
		ncpu = 1;
	return (size_t)abi_align(vsize) * (size_t)ncpu;
}

uint64_t rt_lost_count(const struct rt_maps *m)
{
	return rt_lost_slot(m, ABI_LOST_RINGBUF);
}

uint64_t rt_lost_slot(const struct rt_maps *m, uint32_t key)
{
	if (m->lost_fd < 0)
		return 0;
	int ncpu = libbpf_num_possible_cpus();
	if (ncpu < 1)
		return 0;
	uint64_t *v = calloc((size_t)ncpu, sizeof(uint64_t));
	uint64_t total = 0;
	if (v && bpf_map_lookup_elem(m->lost_fd, &key, v) == 0)
		for (int i = 0; i < ncpu; i++)
			total += v[i];
	free(v);
	return total;
}
