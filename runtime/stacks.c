/*
 * runtime/stacks.c — kstack/ustack maps and the symbolisation behind printing.
 *
 * Owns: one BPF_MAP_TYPE_STACK_TRACE map per sema stack_map_info (frame limit capped at the
 * kernel's perf_event_max_stack), reading a stack's addresses by id, and the print_syms
 * callbacks: kernel addresses through the run's kinfo (common/kinfo.h), user addresses
 * through /proc/PID/maps and the mapped ELF files (elf_symbols.c, cached per file). Maps
 * of -c/-p targets are re-read while they run (rt_stacks_watch), so stacks of a process
 * that has exited by the time maps print still resolve.
 * Must not: format output (stdlib/symfmt.c) or decide what keys hold (codegen).
 */
#include "runtime_internal.h"
#include "../lexer/headers.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../stdlib/symfmt.h"
#include "elf_symbols.h"
#include "../common/kinfo.h"

/* ---- STACK_TRACE maps ------------------------------------------------------------------- */

static uint32_t max_stack(void)
{
	FILE *f = fopen("/proc/sys/kernel/perf_event_max_stack", "re");
	unsigned v = 127;
	if (f) {
		if (fscanf(f, "%u", &v) != 1)
			v = 127;
		fclose(f);
	}
	return v ? v : 127;
}

int rt_stacks_create(const struct sema_result *sr, struct rt_stacks *st, struct diag *d)
{
	memset(st, 0, sizeof(*st));
	pthread_mutex_init(&st->lock, NULL);
	st->n = sr->nstacks;
	st->info = sr->stacks;
	st->kinfo = sr->kinfo;
	st->fds = malloc(sizeof(int) * (size_t)(st->n ? st->n : 1));
	if (!st->fds) {
		diag_error_noloc(d, "out of memory");
		return -ENOMEM;
	}
	uint32_t cap = max_stack();
	for (int i = 0; i < st->n; i++)
		st->fds[i] = -1;
	for (int i = 0; i < st->n; i++) {
		uint32_t frames = sr->stacks[i].frames < cap ? sr->stacks[i].frames : cap;
		/* build_id: each frame a struct bpf_stack_build_id (the kernel fills in the
		 * build id and file offset of the mapping the address is in) */
		bool bid = sr->stacks[i].build_id;
		LIBBPF_OPTS(bpf_map_create_opts, mo, .map_flags = bid ? BPF_F_STACK_BUILD_ID : 0);
		int fd = bpf_map_create(BPF_MAP_TYPE_STACK_TRACE, sr->stacks[i].user ? "ustack" : "kstack",
					4, (uint32_t)(bid ? sizeof(struct bpf_stack_build_id) : 8) * frames,
					4096, &mo);
		if (fd < 0) {
			int err = -errno;
			diag_error_noloc(d, "cannot create the %s map for %s: %s",
					 sr->stacks[i].user ? "user stack" : "kernel stack",
					 sr->stacks[i].user ? "ustack" : "kstack", strerror(-err));
			rt_stacks_close(st);
			return err;
		}
		st->fds[i] = fd;
	}
	return 0;
}

static void forget_pids(struct rt_stacks *st);

void rt_stacks_close(struct rt_stacks *st)
{
	for (int i = 0; i < st->n; i++)
		if (st->fds && st->fds[i] >= 0)
			close(st->fds[i]);
	free(st->fds);
	elf_cache_free(&st->elf);
	forget_pids(st);
	pthread_mutex_destroy(&st->lock);
	memset(st, 0, sizeof(*st));
}

/* ---- user address → symbol ---------------------------------------------------------------- */

struct vma {
	uint64_t start, end, off;
	char *path;
};
struct rt_pid_maps {
	int pid;
	struct vma *v;
	int n;
};

static void maps_clear(struct rt_pid_maps *m)
{
	for (int i = 0; i < m->n; i++)
		free(m->v[i].path);
	free(m->v);
	m->v = NULL;
	m->n = 0;
}

/* Executable file mappings of pid; 0, or -errno when the process is gone. */
static int maps_read(int pid, struct rt_pid_maps *m)
{
	char path[64], line[PATH_MAX + 128];
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return -errno;
	struct rt_pid_maps fresh = { pid, NULL, 0 };
	while (fgets(line, sizeof(line), f)) {
		unsigned long long s, e, o;
		char perms[8];
		int pos = 0;
		if (sscanf(line, "%llx-%llx %7s %llx %*s %*s %n", &s, &e, perms, &o, &pos) < 4 ||
		    !pos || perms[2] != 'x' || line[pos] != '/')
			continue;
		line[strcspn(line, "\n")] = '\0';
		struct vma *v = realloc(fresh.v, sizeof(*v) * (size_t)(fresh.n + 1));
		if (!v)
			break;
		fresh.v = v;
		if (!(v[fresh.n].path = strdup(line + pos)))
			break;
		v[fresh.n].start = s;
		v[fresh.n].end = e;
		v[fresh.n].off = o;
		fresh.n++;
	}
	fclose(f);
	if (!fresh.n) { /* a zombie has no maps: keep what we knew */
		free(fresh.v);
		return -ESRCH;
	}
	maps_clear(m);
	*m = fresh;
	return 0;
}

static struct rt_pid_maps *pid_maps_get(struct rt_stacks *st, int pid, bool refresh)
{
	for (int i = 0; i < st->npids; i++) {
		if (st->pids[i].pid == pid) {
			if (refresh)
				maps_read(pid, &st->pids[i]);
			return &st->pids[i];
		}
	}
	struct rt_pid_maps m = { pid, NULL, 0 };
	if (maps_read(pid, &m))
		return NULL;
	struct rt_pid_maps *v = realloc(st->pids, sizeof(*v) * (size_t)(st->npids + 1));
	if (!v) {
		maps_clear(&m);
		return NULL;
	}
	st->pids = v;
	st->pids[st->npids] = m;
	return &st->pids[st->npids++];
}

/* The symbol caches (pids and ELF files here, the kinfo's kallsyms) are shared by the
 * main loop and the metrics server thread (runtime/metrics_server.c): every entry point
 * takes st->lock. */
void rt_stacks_watch(struct rt_stacks *st, int pid)
{
	if (pid > 0) {
		pthread_mutex_lock(&st->lock);
		pid_maps_get(st, pid, true);
		pthread_mutex_unlock(&st->lock);
	}
}

static void forget_pids(struct rt_stacks *st)
{
	for (int i = 0; i < st->npids; i++)
		maps_clear(&st->pids[i]);
	free(st->pids);
	st->pids = NULL;
	st->npids = 0;
}

static bool usym_locked(struct rt_stacks *st, uint32_t pid, uint64_t addr, bool with_off,
			char *buf, size_t len, char *module, size_t mlen)
{
	if (module && mlen)
		snprintf(module, mlen, "[unknown]");
	struct rt_pid_maps *m = pid_maps_get(st, (int)pid, false);
	if (!m)
		return false;
	for (int i = 0; i < m->n; i++) {
		const struct vma *v = &m->v[i];
		if (addr < v->start || addr >= v->end)
			continue;
		if (module && mlen)
			snprintf(module, mlen, "%s", v->path);
		const struct elf_file *ef = elf_cache_get(&st->elf, v->path);
		uint64_t vaddr;
		if (!ef || elf_offset_to_vaddr(ef, addr - v->start + v->off, &vaddr))
			return false;
		const struct elf_sym *s = elf_sym_by_addr(ef, vaddr);
		if (!s)
			return false;
		if (with_off)
			snprintf(buf, len, "%s+%" PRIu64, s->name, vaddr - s->addr);
		else
			snprintf(buf, len, "%s", s->name);
		return true;
	}
	return false;
}

static bool usym_cb(void *ctx, uint32_t pid, uint64_t addr, bool with_off, char *buf, size_t len,
		    char *module, size_t mlen)
{
	struct rt_stacks *st = ctx;
	pthread_mutex_lock(&st->lock);
	bool ok = usym_locked(st, pid, addr, with_off, buf, len, module, mlen);
	pthread_mutex_unlock(&st->lock);
	return ok;
}

static bool ksym_cb(void *ctx, uint64_t addr, bool with_off, char *buf, size_t len)
{
	struct rt_stacks *st = ctx;
	pthread_mutex_lock(&st->lock);
	bool ok = st->kinfo && kinfo_ksym_resolve(st->kinfo, addr, with_off, buf, len);
	pthread_mutex_unlock(&st->lock);
	return ok;
}

static int stack_cb(void *ctx, bool user, uint32_t frames, int64_t id, uint64_t *ips, int max)
{
	const struct rt_stacks *st = ctx;
	for (int i = 0; i < st->n; i++) {
		if (st->info[i].user != user || st->info[i].frames != frames || st->info[i].build_id)
			continue;
		uint32_t cap = frames < (uint32_t)max ? frames : (uint32_t)max;
		uint64_t *buf = calloc(frames, 8);
		uint32_t key = (uint32_t)id;
		int n = 0;
		if (buf && bpf_map_lookup_elem(st->fds[i], &key, buf) == 0)
			for (uint32_t f = 0; f < cap && buf[f]; f++)
				ips[n++] = buf[f];
		free(buf);
		return n;
	}
	return 0;
}

static int stack_build_id_cb(void *ctx, uint32_t frames, int64_t id, struct symfmt_build_id *out,
			     int max)
{
	const struct rt_stacks *st = ctx;
	for (int i = 0; i < st->n; i++) {
		if (!st->info[i].user || st->info[i].frames != frames || !st->info[i].build_id)
			continue;
		uint32_t cap = frames < (uint32_t)max ? frames : (uint32_t)max;
		struct bpf_stack_build_id *buf = calloc(frames, sizeof(*buf));
		uint32_t key = (uint32_t)id;
		int n = 0;
		if (buf && bpf_map_lookup_elem(st->fds[i], &key, buf) == 0)
			for (uint32_t f = 0; f < cap && buf[f].status != BPF_STACK_BUILD_ID_EMPTY;
			     f++) {
				out[n].status = buf[f].status;
				memcpy(out[n].build_id, buf[f].build_id, sizeof(out[n].build_id));
				out[n].offset = buf[f].status == BPF_STACK_BUILD_ID_VALID ? buf[f].offset
											  : buf[f].ip;
				n++;
			}
		free(buf);
		return n;
	}
	return 0;
}

void rt_stacks_syms(struct rt_stacks *st, struct print_syms *ps)
{
	ps->ctx = st;
	ps->ksym = ksym_cb;
	ps->usym = usym_cb;
	ps->stack = stack_cb;
	ps->stack_build_id = stack_build_id_cb;
	ps->username = rt_username;
	ps->cgroup_path = rt_cgroup_path;
	ps->syscall_name = hdr_syscall_name; /* asm/unistd_64.h, read by lexer/headers.c */
}
