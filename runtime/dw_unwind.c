/*
 * runtime/dw_unwind.c — dw_ustack's unwind tables for the target processes, in BPF maps.
 *
 * Owns: for each pid (-p, the -c child once it reached its entry point, --dwarf-pid),
 * reading /proc/PID/maps, the .eh_frame rows of each executable file mapping (through
 * /proc/PID/root, each file parsed once: runtime/dw_ehframe.c) moved by the mapping's load
 * bias, sorted per process with a stop row at each mapping's end; and creating and filling
 * dw_rows (ARRAY of struct abi_dw_row), dw_pids (HASH tgid → struct abi_dw_pid) and
 * dw_frames (PERCPU_ARRAY, one value of 8 bytes per frame: the callback's buffer).
 * Must not: generate code (stdlib/builtin_dwstack.c) or decide which pids (the session).
 */
#include "runtime_internal.h"
#include "dw_ehframe.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct dw_file {
	char *path;
	struct dw_elf_info info;
	bool ok;
};

struct dw_build {
	struct dw_file *files;
	int nfiles;
	struct abi_dw_row *rows;
	size_t n, cap;
	bool oom;
};

static void add_row(struct dw_build *b, const struct abi_dw_row *r)
{
	if (b->n == b->cap) {
		size_t nc = b->cap ? b->cap * 2 : 4096;
		struct abi_dw_row *v = realloc(b->rows, nc * sizeof(*v));
		if (!v) {
			b->oom = true;
			return;
		}
		b->rows = v;
		b->cap = nc;
	}
	b->rows[b->n++] = *r;
}

static const struct dw_file *file_of(struct dw_build *b, const char *path)
{
	for (int i = 0; i < b->nfiles; i++)
		if (!strcmp(b->files[i].path, path))
			return &b->files[i];
	struct dw_file *v = realloc(b->files, sizeof(*v) * (size_t)(b->nfiles + 1));
	if (!v)
		return NULL;
	b->files = v;
	struct dw_file *f = &v[b->nfiles];
	memset(f, 0, sizeof(*f));
	f->path = strdup(path);
	if (!f->path)
		return NULL;
	char err[256];
	f->ok = dw_ehframe_file(path, &f->info, err, sizeof(err)) == 0;
	b->nfiles++;
	return f;
}

static int row_cmp(const void *a, const void *b)
{
	const struct abi_dw_row *x = a, *y = b;
	if (x->pc != y->pc)
		return x->pc < y->pc ? -1 : 1;
	/* at one pc a stop row (an FDE's or a mapping's end) goes before the rules that start
	 * there, so that the rules win */
	return (x->cfa_rule != ABI_DW_STOP) - (y->cfa_rule != ABI_DW_STOP);
}

/* The rows of process pid appended to b->rows[from..]; the number added, or -1 when the
 * process's maps cannot be read. */
static long pid_rows(struct dw_build *b, int pid)
{
	char mp[64];
	snprintf(mp, sizeof(mp), "/proc/%d/maps", pid);
	FILE *f = fopen(mp, "re");
	if (!f)
		return -1;
	size_t from = b->n;
	char line[4096 + 128];
	while (fgets(line, sizeof(line), f)) {
		uint64_t start, end, off;
		char perms[8], path[4096];
		path[0] = 0;
		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %" SCNx64 " %*s %*s %4095[^\n]", &start,
			   &end, perms, &off, path) < 4)
			continue;
		if (perms[2] != 'x' || path[0] != '/')
			continue;
		char full[4200];
		snprintf(full, sizeof(full), "/proc/%d/root%s", pid, path);
		const struct dw_file *df = file_of(b, full);
		if (!df || !df->ok)
			continue;
		/* the load bias: the segment holding this mapping's file offset */
		const struct dw_elf_info *in = &df->info;
		int seg = -1;
		for (int i = 0; i < in->nload; i++)
			if (off >= (in->load[i].offset & ~0xfffull) &&
			    off < in->load[i].offset + in->load[i].filesz)
				seg = i;
		if (seg < 0)
			continue;
		uint64_t bias = start - (in->load[seg].vaddr - in->load[seg].offset + off);
		for (size_t i = 0; i < in->nrows; i++) {
			struct abi_dw_row r = in->rows[i];
			r.pc += bias;
			if (r.pc >= start && r.pc < end)
				add_row(b, &r);
		}
		struct abi_dw_row stop = { .pc = end, .cfa_rule = ABI_DW_STOP };
		add_row(b, &stop);
	}
	fclose(f);
	if (b->oom)
		return -1;
	qsort(b->rows + from, b->n - from, sizeof(*b->rows), row_cmp);
	return (long)(b->n - from);
}

static void build_free(struct dw_build *b)
{
	for (int i = 0; i < b->nfiles; i++) {
		free(b->files[i].path);
		free(b->files[i].info.rows);
	}
	free(b->files);
	free(b->rows);
}

int rt_dw_create(const int *pids, int npids, uint32_t frames, struct rt_dw *dw, struct diag *d)
{
	dw->rows_fd = dw->pids_fd = dw->frames_fd = -1;
	struct dw_build b = { 0 };
	struct { uint32_t pid; struct abi_dw_pid r; } got[RT_DW_MAX_PIDS];
	int ngot = 0, rc = -1;
	for (int i = 0; i < npids && ngot < RT_DW_MAX_PIDS; i++) {
		bool dup = false;
		for (int k = 0; k < ngot; k++)
			dup |= got[k].pid == (uint32_t)pids[i];
		if (dup || pids[i] <= 0)
			continue;
		size_t from = b.n;
		long n = pid_rows(&b, pids[i]);
		if (b.oom) {
			diag_error_noloc(d, "out of memory");
			goto out;
		}
		if (n <= 0) {
			b.n = from;
			fprintf(stderr, "WARNING: dw_ustack: no unwind information for process %d\n",
				pids[i]);
			continue;
		}
		got[ngot].pid = (uint32_t)pids[i];
		got[ngot].r = (struct abi_dw_pid){ (uint32_t)from, (uint32_t)n };
		ngot++;
	}
	if (b.n > UINT32_MAX / 2) {
		diag_error_noloc(d, "dw_ustack: too many unwind rows (%zu)", b.n);
		goto out;
	}
	dw->rows_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "dw_rows", 4, sizeof(struct abi_dw_row),
				     (uint32_t)(b.n ? b.n : 1), NULL);
	dw->pids_fd = bpf_map_create(BPF_MAP_TYPE_HASH, "dw_pids", 8, sizeof(struct abi_dw_pid),
				     RT_DW_MAX_PIDS, NULL);
	dw->frames_fd = bpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY, "dw_frames", 4, 8u * frames, 1,
				       NULL);
	if (dw->rows_fd < 0 || dw->pids_fd < 0 || dw->frames_fd < 0) {
		diag_error_noloc(d, "cannot create dw_ustack's unwind maps (%zu rows): %s", b.n,
				 strerror(errno));
		goto out;
	}
	if (b.n) {
		/* one batch update: the rows are an array from index 0 */
		uint32_t *keys = malloc(sizeof(uint32_t) * b.n);
		if (!keys) {
			diag_error_noloc(d, "out of memory");
			goto out;
		}
		for (size_t i = 0; i < b.n; i++)
			keys[i] = (uint32_t)i;
		uint32_t count = (uint32_t)b.n;
		int err = bpf_map_update_batch(dw->rows_fd, keys, b.rows, &count, NULL);
		for (size_t i = count; err && i < b.n; i++) /* without batches: one by one */
			err = bpf_map_update_elem(dw->rows_fd, &keys[i], &b.rows[i], 0) ? -errno : 0;
		free(keys);
		if (err) {
			diag_error_noloc(d, "cannot fill dw_ustack's unwind rows: %s", strerror(-err));
			goto out;
		}
	}
	for (int k = 0; k < ngot; k++) {
		uint64_t key = got[k].pid;
		if (bpf_map_update_elem(dw->pids_fd, &key, &got[k].r, 0)) {
			diag_error_noloc(d, "cannot fill dw_ustack's process map: %s", strerror(errno));
			goto out;
		}
	}
	dw->nrows = b.n;
	rc = 0;
out:
	build_free(&b);
	if (rc)
		rt_dw_close(dw);
	return rc;
}

void rt_dw_close(struct rt_dw *dw)
{
	int *fds[3] = { &dw->rows_fd, &dw->pids_fd, &dw->frames_fd };
	for (int i = 0; i < 3; i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}
