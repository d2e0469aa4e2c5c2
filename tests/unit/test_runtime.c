/*
 * tests/unit/test_runtime.c — the runtime against the real kernel, without codegen.
 *
 * Owns: checks of maps.c, maps_read.c (per-CPU merging, hist regrouping, clear, zero),
 * loader.c (verifier refusal wording), attach.c (tracepoint link, BEGIN test run) and
 * events.c (printf dispatch, dropping events after exit()) using hand-written BPF
 * instructions and a hand-built sema_result. Needs root; prints one "not ok" otherwise.
 * Must not: depend on the parser, sema or codegen.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"
#include "runtime/runtime_internal.h"

/* ---- a few instruction builders (the kernel's filter.h is not uapi) ---- */
#define I(c, d, s, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define MOV_IMM(d, i) I(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define MOV_REG(d, s) I(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define ADD_IMM(d, i) I(BPF_ALU64 | BPF_ADD | BPF_K, d, 0, 0, i)
#define ST_DW(d, o, i) I(BPF_ST | BPF_MEM | BPF_DW, d, 0, o, i)
#define ST_W(d, o, i) I(BPF_ST | BPF_MEM | BPF_W, d, 0, o, i)
#define LDX_DW(d, s, o) I(BPF_LDX | BPF_MEM | BPF_DW, d, s, o, 0)
#define STX_DW(d, s, o) I(BPF_STX | BPF_MEM | BPF_DW, d, s, o, 0)
#define JEQ_IMM(d, i, o) I(BPF_JMP | BPF_JEQ | BPF_K, d, 0, o, i)
#define CALL(f) I(BPF_JMP | BPF_CALL, 0, 0, 0, f)
#define EXIT() I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define LD_MAP(d, fd) I(BPF_LD | BPF_DW | BPF_IMM, d, BPF_PSEUDO_MAP_FD, 0, fd), I(0, 0, 0, 0, 0)

static int ncpu;

static struct sema_result sr;
static struct rt_maps maps;

static void put_percpu(int fd, const void *key, const void *vals, size_t each)
{
	size_t stride = abi_align((uint32_t)each);
	uint8_t *buf = calloc((size_t)ncpu, stride);
	for (int c = 0; c < ncpu; c++)
		memcpy(buf + (size_t)c * stride, (const uint8_t *)vals + (size_t)c * each, each);
	bpf_map_update_elem(fd, key, buf, BPF_ANY);
	free(buf);
}

static struct snap_entry *find_key(struct map_snapshot *s, uint64_t k)
{
	for (int i = 0; i < s->n; i++)
		if (s->entries[i].key && memcmp(s->entries[i].key, &k, 8) == 0)
			return &s->entries[i];
	return NULL;
}

enum { M_C, M_H, M_M, M_A, M_S, M_K, NMAPS };

static void test_maps(void)
{
	struct map_snapshot s;
	struct snap_entry *e;

	/* @h[7]: slot 3 = 1+2, slot 5 = 0+4; @h[9]: slot 3 = 1 */
	struct {
		uint64_t k, slot;
	} hk;
	/* hist slots: struct abi_hist_slot { count, sum of values } per CPU */
	struct abi_hist_slot v2[2];
	hk.k = 7, hk.slot = 3, v2[0] = (struct abi_hist_slot){ 1, 5 };
	v2[1] = (struct abi_hist_slot){ 2, 13 };
	put_percpu(maps.fds[M_H], &hk, v2, sizeof(v2[0]));
	hk.k = 7, hk.slot = 5, v2[0] = (struct abi_hist_slot){ 0, 0 };
	v2[1] = (struct abi_hist_slot){ 4, 100 };
	put_percpu(maps.fds[M_H], &hk, v2, sizeof(v2[0]));
	hk.k = 9, hk.slot = 3, v2[0] = (struct abi_hist_slot){ 1, 4 };
	v2[1] = (struct abi_hist_slot){ 0, 0 };
	put_percpu(maps.fds[M_H], &hk, v2, sizeof(v2[0]));

	struct abi_minmax mm[2];
	uint64_t k = 1;
	mm[0] = (struct abi_minmax){ 5, 1 }, mm[1] = (struct abi_minmax){ -3, 1 };
	put_percpu(maps.fds[M_M], &k, mm, sizeof(mm[0]));
	k = 2;
	mm[0] = (struct abi_minmax){ 10, 1 }, mm[1] = (struct abi_minmax){ -100, 0 };
	put_percpu(maps.fds[M_M], &k, mm, sizeof(mm[0]));

	struct abi_avg av[2] = { { 10, 2 }, { 20, 3 } };
	uint32_t zero = 0, two = 2;
	put_percpu(maps.fds[M_A], &zero, av, sizeof(av[0]));

	uint64_t sk = 4, sv = 44;
	bpf_map_update_elem(maps.fds[M_S], &sk, &sv, BPF_ANY);

	v2[0] = (struct abi_hist_slot){ 1, 1 }, v2[1] = (struct abi_hist_slot){ 1, 1 };
	put_percpu(maps.fds[M_K], &two, v2, sizeof(v2[0]));

	TEST_BEGIN("runtime: keyed hist regrouped by user key, CPUs summed");
	CHECK_EQ_INT(rt_map_read(&maps, &sr, M_H, &s), 0);
	CHECK_EQ_INT(s.n, 2);
	CHECK_EQ_INT(s.nslots, ABI_HIST_SLOTS);
	e = find_key(&s, 7);
	CHECK(e && e->slots && e->slots[3] == (ncpu > 1 ? 3 : 1) && e->slots[5] == (ncpu > 1 ? 4 : 0));
	CHECK(e && e->total == (ncpu > 1 ? 118 : 5)); /* the sums of every slot and CPU */
	e = find_key(&s, 9);
	CHECK(e && e->slots[3] == 1 && e->slots[5] == 0 && e->total == 4);
	snapshot_free(&s);
	TEST_END();

	TEST_BEGIN("runtime: min over CPUs that saw a value");
	CHECK_EQ_INT(rt_map_read(&maps, &sr, M_M, &s), 0);
	CHECK_EQ_INT(s.n, 2);
	e = find_key(&s, 1);
	CHECK(e && e->value == (ncpu > 1 ? -3 : 5));
	e = find_key(&s, 2);
	CHECK(e && e->value == 10); /* -100 was never set */
	snapshot_free(&s);
	TEST_END();

	TEST_BEGIN("runtime: avg adds totals and counts; count keyless always shown");
	CHECK_EQ_INT(rt_map_read(&maps, &sr, M_A, &s), 0);
	CHECK_EQ_INT(s.n, 1);
	CHECK(s.n == 1 && s.entries[0].key == NULL);
	if (ncpu > 1)
		CHECK(s.n == 1 && s.entries[0].total == 30 && s.entries[0].count == 5);
	snapshot_free(&s);
	CHECK_EQ_INT(rt_map_read(&maps, &sr, M_C, &s), 0);
	CHECK(s.n == 1 && s.entries[0].value == 0);
	snapshot_free(&s);
	TEST_END();

	TEST_BEGIN("runtime: int map and keyless hist");
	CHECK_EQ_INT(rt_map_read(&maps, &sr, M_S, &s), 0);
	CHECK(s.n == 1 && find_key(&s, 4) && find_key(&s, 4)->value == 44);
	snapshot_free(&s);
	CHECK_EQ_INT(rt_map_read(&maps, &sr, M_K, &s), 0);
	CHECK(s.n == 1 && s.entries[0].slots && s.entries[0].slots[2] == (uint64_t)(ncpu > 1 ? 2 : 1));
	CHECK(s.n == 1 && s.entries[0].total == (ncpu > 1 ? 2 : 1));
	snapshot_free(&s);
	TEST_END();

	TEST_BEGIN("runtime: clear empties, zero keeps keys");
	CHECK_EQ_INT(rt_map_clear(&maps, &sr, M_H), 0);
	CHECK_EQ_INT(rt_map_read(&maps, &sr, M_H, &s), 0);
	CHECK_EQ_INT(s.n, 0);
	snapshot_free(&s);
	CHECK_EQ_INT(rt_map_zero(&maps, &sr, M_S), 0);
	CHECK_EQ_INT(rt_map_read(&maps, &sr, M_S, &s), 0);
	CHECK(s.n == 1 && s.entries[0].value == 0);
	snapshot_free(&s);
	CHECK_EQ_INT(rt_map_clear(&maps, &sr, M_K), 0);
	CHECK_EQ_INT(rt_map_read(&maps, &sr, M_K, &s), 0);
	CHECK_EQ_INT(s.n, 0);
	snapshot_free(&s);
	TEST_END();
}

static struct cg_prog make_prog(int point, uint32_t type, const struct bpf_insn *insns, size_t n)
{
	struct cg_prog p = { .point = point, .prog_type = type, .insn_cnt = n };
	p.insns = malloc(n * sizeof(*insns));
	memcpy(p.insns, insns, n * sizeof(*insns));
	snprintf(p.name, sizeof(p.name), "p%d", point);
	return p;
}

static void test_programs(void)
{
	struct diag d;
	diag_init(&d, NULL);
	/* point 0: BEGIN → printf(fmt 0, 42); exit(); printf(fmt 0, 43) */
	struct bpf_insn begin[] = {
		ST_DW(10, -16, ABI_EV_PRINTF), ST_DW(10, -8, 42),
		LD_MAP(1, maps.ringbuf_fd), MOV_REG(2, 10), ADD_IMM(2, -16), MOV_IMM(3, 16),
		MOV_IMM(4, 0), CALL(BPF_FUNC_ringbuf_output),
		ST_DW(10, -16, ABI_EV_EXIT),
		LD_MAP(1, maps.ringbuf_fd), MOV_REG(2, 10), ADD_IMM(2, -16), MOV_IMM(3, 8),
		MOV_IMM(4, 0), CALL(BPF_FUNC_ringbuf_output),
		ST_DW(10, -16, ABI_EV_PRINTF), ST_DW(10, -8, 43),
		LD_MAP(1, maps.ringbuf_fd), MOV_REG(2, 10), ADD_IMM(2, -16), MOV_IMM(3, 16),
		MOV_IMM(4, 0), CALL(BPF_FUNC_ringbuf_output),
		MOV_IMM(0, 0), EXIT(),
	};
	/* point 1: tracepoint → @c (keyless count) += 1 */
	struct bpf_insn tp[] = {
		ST_W(10, -4, 0), LD_MAP(1, maps.fds[M_C]), MOV_REG(2, 10), ADD_IMM(2, -4),
		CALL(BPF_FUNC_map_lookup_elem), JEQ_IMM(0, 0, 3), LDX_DW(1, 0, 0), ADD_IMM(1, 1),
		STX_DW(0, 1, 0), MOV_IMM(0, 0), EXIT(),
	};
	struct cg_prog progs[2] = {
		make_prog(0, BPF_PROG_TYPE_RAW_TRACEPOINT, begin, sizeof(begin) / sizeof(begin[0])),
		make_prog(1, BPF_PROG_TYPE_TRACEPOINT, tp, sizeof(tp) / sizeof(tp[0])),
	};
	struct cg_result cg = { .progs = progs, .nprogs = 2 };
	int fds[2];

	TEST_BEGIN("runtime: load, BEGIN test run, printf events, drop after exit()");
	CHECK_EQ_INT(rt_load_all(NULL, &cg, &sr, 0, fds, &d), 0);
	CHECK_EQ_INT(diag_count(&d), 0);
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	const char *names[2] = { sr.points[0].name, sr.points[1].name };
	struct print_ctx pctx = { .probe_names = names, .nprobes = 2 };
	struct rt_events ev = { .out = out, .sr = &sr, .maps = &maps, .pctx = &pctx };
	CHECK_EQ_INT(rt_events_open(&ev, &d), 0);
	CHECK_EQ_INT(rt_run_once(&sr.points[0], fds[0], &d), 0);
	rt_events_drain(&ev);
	fflush(out);
	CHECK_EQ_STR(buf, "v=42\n");
	CHECK(ev.exit_seen && ev.ignoring && ev.err == 0);
	TEST_END();

	TEST_BEGIN("runtime: tracepoint attach counts, detach stops");
	struct rt_links links = { 0 };
	CHECK_EQ_INT(rt_attach_point(&sr.points[1], fds[1], &links, &d), 0);
	for (int i = 0; i < 5; i++)
		syscall(SYS_getppid);
	struct map_snapshot s;
	CHECK_EQ_INT(rt_map_read(&maps, &sr, M_C, &s), 0);
	int64_t seen = s.n == 1 ? s.entries[0].value : -1;
	CHECK(seen >= 5);
	snapshot_free(&s);
	rt_links_close(&links);
	for (int i = 0; i < 5; i++)
		syscall(SYS_getppid);
	CHECK_EQ_INT(rt_map_read(&maps, &sr, M_C, &s), 0);
	CHECK(s.n == 1 && s.entries[0].value == seen);
	snapshot_free(&s);
	TEST_END();

	rt_events_close(&ev);
	fclose(out);
	free(buf);
	close(fds[0]);
	close(fds[1]);

	TEST_BEGIN("runtime: verifier refusal is one sentence naming the probe");
	struct bpf_insn bad[] = { EXIT() }; /* r0 never set */
	struct cg_prog bp = make_prog(1, BPF_PROG_TYPE_TRACEPOINT, bad, 1);
	struct cg_result bcg = { .progs = &bp, .nprogs = 1 };
	struct diag d2;
	diag_init(&d2, NULL);
	CHECK(rt_load_all(NULL, &bcg, &sr, 0, fds, &d2) < 0);
	CHECK_EQ_INT(d2.n, 1);
	CHECK_EQ_STR(d2.n ? d2.msgs[0].text : NULL,
		     "the kernel's BPF verifier rejected the program for probe "
		     "tracepoint:syscalls:sys_enter_getppid: R0 !read_ok "
		     "(use -v to see the verifier log)");
	CHECK_EQ_INT(fds[0], -1);
	diag_free(&d2);
	free(bp.insns);
	TEST_END();

	free(progs[0].insns);
	free(progs[1].insns);
	diag_free(&d);
}

int main(void)
{
	if (geteuid() != 0) {
		printf("not ok runtime: needs root\n");
		return 1;
	}
	ncpu = libbpf_num_possible_cpus();
	rt_libbpf_quiet(0);

	struct map_info mi[NMAPS];
	memset(mi, 0, sizeof(mi));
	mi[M_C] = (struct map_info){ .name = "@c", .key = type_none(), .val = type_agg(TY_COUNT, false) };
	mi[M_H] = (struct map_info){ .name = "@h", .key = type_u64(), .val = type_agg(TY_HIST, false) };
	mi[M_M] = (struct map_info){ .name = "@m", .key = type_u64(), .val = type_agg(TY_MIN, true) };
	mi[M_A] = (struct map_info){ .name = "@a", .key = type_none(), .val = type_agg(TY_AVG, false) };
	mi[M_S] = (struct map_info){ .name = "@s", .key = type_u64(), .val = type_u64() };
	mi[M_K] = (struct map_info){ .name = "@k", .key = type_none(), .val = type_agg(TY_HIST, false) };
	sr.maps = mi;
	sr.nmaps = NMAPS;
	char err[256];
	struct probe_env env = { .probes = &rt_probes, .kinfo = kinfo_new(NULL) };
	provider_expand(&env, "BEGIN", 0, &sr.points, &sr.npoints, err, sizeof(err));
	provider_expand(&env, "t:syscalls:sys_enter_getppid", 1, &sr.points, &sr.npoints, err,
			sizeof(err));
	kinfo_free(env.kinfo);
	struct fmt_info fi = { .kind = FMT_PRINTF, .fmt = "v=%d\n", .nargs = 1 };
	struct type argt = type_u64();
	uint32_t off0 = 0;
	fi.args = &argt;
	fi.offs = &off0;
	fi.size = 8;
	sr.fmts = &fi;
	sr.nfmts = 1;

	struct diag d;
	diag_init(&d, NULL);
	TEST_BEGIN("runtime: maps created per abi layout");
	CHECK_EQ_INT(rt_maps_create(&sr, 0, &maps, &d), 0);
	CHECK_EQ_INT(diag_count(&d), 0);
	for (int i = 0; i < NMAPS; i++)
		CHECK(maps.fds[i] >= 0);
	CHECK(maps.ringbuf_fd >= 0 && maps.lost_fd >= 0 && maps.scratch_fd >= 0);
	CHECK_EQ_INT(maps.layouts[M_H].map_type, ABI_MAP_PERCPU_HASH);
	CHECK_EQ_INT(maps.layouts[M_H].max_entries, ABI_MAP_KEYS_DEFAULT * ABI_HIST_SLOTS);
	struct bpf_map_info info = { 0 };
	uint32_t ilen = sizeof(info);
	CHECK_EQ_INT(bpf_obj_get_info_by_fd(maps.fds[M_H], &info, &ilen), 0);
	CHECK_EQ_STR(info.name, "AT_h");
	CHECK_EQ_INT(rt_lost_count(&maps), 0);
	TEST_END();
	diag_free(&d);

	test_maps();
	test_programs();

	rt_maps_close(&maps);
	probe_points_free(sr.points, sr.npoints);
	return check_summary();
}
