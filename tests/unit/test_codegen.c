/*
 * tests/unit/test_codegen.c — codegen: programs through parse → sema → codegen_run.
 *
 * Owns: (1) kernel-free checks on many programs with fake map fds: codegen succeeds, one
 * program per point, every program ends in `exit`, no relocation/data leftovers (codegen
 * refuses those itself), stack overflow is a clear error naming the probe; (2) when run as
 * root with BPF available, the same code loaded into the kernel: BEGIN programs executed
 * with BPF_PROG_TEST_RUN and their map values and events checked, tracepoint and perf
 * programs put through the verifier.
 * Must not: attach probes or depend on runtime/ beyond tracefs formats.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../codegen/codegen.h"
#include "../../parser/parse.h"
#include "../../runtime/provider.h"
#include "../../sema/abi.h"
#include "../../sema/sema.h"
#include "../../stdlib/builtins.h"
#include "check.h"

struct prog_run {
	struct source src;
	struct diag d;
	struct node *ast;
	struct sema_result sr;
	struct cg_result cg;
	int sema_ok, cg_err;
	int fds[64];
	int nfds;
	int rb, lost, scratch;
	int prog_fds[16];
	char log[256 * 1024];
	char msgs[2048];
};

static int fake_fds[64];

static void collect_msgs(struct prog_run *r)
{
	diag_snprint(&r->d, r->msgs, sizeof(r->msgs));
}

/* parse + sema; 0 on success */
static int front(struct prog_run *r, const char *text, uint32_t strlen_opt)
{
	memset(r, 0, sizeof(*r));
	for (int i = 0; i < 64; i++)
		r->fds[i] = -1;
	r->rb = r->lost = r->scratch = -1;
	src_from_string(&r->src, "stdin", text, strlen(text));
	diag_init(&r->d, &r->src);
	r->ast = parse_program(&r->src, &r->d);
	if (!r->ast) {
		collect_msgs(r);
		return -1;
	}
	struct sema_opts so = { .strlen = strlen_opt ? strlen_opt : ABI_STRLEN_DEFAULT,
				 .have_cpid = true, .builtins = &builtin_set };
	so.probes = &rt_probes;
	if (sema_run(r->ast, &so, &r->d, &r->sr)) {
		collect_msgs(r);
		return -1;
	}
	r->sema_ok = 1;
	return 0;
}

static void done(struct prog_run *r)
{
	cg_result_free(&r->cg);
	for (int i = 0; i < 16; i++)
		if (r->prog_fds[i] > 0)
			close(r->prog_fds[i]);
	for (int i = 0; i < r->nfds; i++)
		if (r->fds[i] >= 0)
			close(r->fds[i]);
	if (r->rb >= 0)
		close(r->rb);
	if (r->lost >= 0)
		close(r->lost);
	if (r->scratch >= 0)
		close(r->scratch);
	sema_result_free(&r->sr);
	if (r->ast)
		ast_free(r->ast);
	diag_free(&r->d);
	src_free(&r->src);
}

static int gen(struct prog_run *r, const int *fds, int rb, int lost, int scratch)
{
	struct cg_opts o = { .map_fds = fds, .ringbuf_fd = rb, .lost_fd = lost,
			     .scratch_fd = scratch, .start_ns = 1, .cpid = 42 };
	r->cg_err = codegen_run(r->ast, &r->sr, &o, &r->d, &r->cg);
	collect_msgs(r);
	return r->cg_err;
}

/* The kernel's rule for the last instruction: an exit, or a jump back (LLVM may place the
 * return block before a loop's tail). */
static bool ends_in_exit(const struct cg_prog *p)
{
	const struct bpf_insn *in = p->insns;
	if (!p->insn_cnt)
		return false;
	uint8_t code = in[p->insn_cnt - 1].code;
	return code == (BPF_JMP | BPF_EXIT) || code == (BPF_JMP | BPF_JA);
}

/* Kernel-free: codegen with fake fds succeeds and is well formed. */
static void check_codegen(const char *name, const char *text)
{
	struct prog_run *r = calloc(1, sizeof(*r));
	TEST_BEGIN(name);
	if (front(r, text, 0)) {
		CHECK_FAIL_("front end rejected the program:\n%.400s", r->msgs);
	} else if (gen(r, fake_fds, 90, 91, 92)) {
		CHECK_FAIL_("codegen failed:\n%.400s", r->msgs);
	} else {
		CHECK_EQ_INT(r->cg.nprogs, r->sr.npoints);
		for (int i = 0; i < r->cg.nprogs; i++) {
			CHECK(ends_in_exit(&r->cg.progs[i]));
			CHECK(r->cg.progs[i].prog_type != 0);
			CHECK_EQ_INT(r->cg.progs[i].point, i);
			CHECK(r->cg.progs[i].name[0] == 'p');
		}
	}
	TEST_END();
	done(r);
	free(r);
}

static const char *programs[][2] = {
	{ "begin exit", "BEGIN { exit(); }" },
	{ "printf ints", "BEGIN { printf(\"%d %u %x\\n\", 1, 2 + 3, -4); }" },
	{ "printf strings", "BEGIN { printf(\"%s %s\\n\", comm, \"lit\"); }" },
	{ "builtins", "BEGIN { @a = pid; @b = tid; @c = uid; @d = gid; @e = nsecs; "
		      "@f = elapsed; @g = cpu; @h = curtask; @i = cgroup; @j = rand; "
		      "@k = probe; }" },
	{ "arith", "BEGIN { $a = 7; $b = -2; @r = $a / $b + $a % $b * ($a << 2) - ($a >> 1) "
		   "^ ($a & 3) | ~$a; }" },
	{ "compare signed/unsigned", "BEGIN { @x = (1 < 2) + (-1 < 1) + (3 >= 3) + (4 != 4); }" },
	{ "logic short-circuit", "BEGIN { @x = (0 && 1) || (1 && !0); }" },
	{ "ternary int and string", "BEGIN { @x = pid > 1 ? 1 : 2; @s = pid > 1 ? \"a\" : "
				    "\"bb\"; }" },
	{ "casts", "BEGIN { @x = (uint8)257 + (int16)-1 + (uint32)-1; }" },
	{ "pre/post inc dec", "BEGIN { $i = 0; $i++; ++$i; $i--; @x = $i++; @y++; @y--; "
			      "++@z[1]; }" },
	{ "compound assign", "BEGIN { $i = 1; $i += 5; $i *= 3; @m = 2; @m <<= 3; "
			     "@k[\"a\"] -= 1; }" },
	{ "if else chain", "BEGIN { if (pid == 1) { @a = 1; } else if (pid == 2) { @a = 2; } "
			   "else { @a = 3; } }" },
	{ "while break continue", "BEGIN { $i = 0; while ($i < 20) { $i++; if ($i == 3) "
				  "{ continue; } if ($i > 10) { break; } @s += $i; } }" },
	{ "unroll", "BEGIN { $i = 0; unroll(4) { $i += 2; } @u = $i; }" },
	{ "aggregations keyless", "BEGIN { @c = count(); @s = sum(5); @mi = min(-3); "
				  "@ma = max(9); @av = avg(4); @st = stats(6); }" },
	{ "aggregations keyed", "BEGIN { @c[pid] = count(); @s[comm] = sum(5); "
				"@mi[1, \"x\"] = min(-3); @av[cpu] = avg(4); }" },
	{ "hist lhist", "BEGIN { @h = hist(1000); @l = lhist(15, 0, 100, 10); "
			"@hk[comm] = hist(-5); @lk[pid] = lhist(150, 0, 100, 10); }" },
	{ "string compare", "BEGIN { if (comm == \"bash\") { @a = 1; } if (comm != comm) "
			    "{ @b = 1; } }" },
	{ "string map keys and values", "BEGIN { @s[comm] = comm; @t[\"k\", 1] = \"v\"; "
					"$x = @s[comm]; printf(\"%s\\n\", $x); }" },
	{ "tuples", "BEGIN { $t = (1, \"two\", comm); @t = $t; print($t); }" },
	{ "delete clear zero print", "BEGIN { @a[1] = 1; delete(@a[1]); @b = count(); "
				     "clear(@b); zero(@b); print(@b); print(@a, 5, 2); }" },
	{ "time", "BEGIN { time(\"%H\\n\"); time(); }" },
	{ "return and exit", "BEGIN { if (pid) { return; } @a = 1; exit(); @b = 2; }" },
	{ "predicate", "BEGIN / pid > 1 / { @a = 1; } END { @b = 2; }" },
	{ "str of integer pointer", "BEGIN { @s = str(0); @t = str(0, 4); }" },
	{ "map read missing", "BEGIN { @a[1] = 5; @b = @a[2] + @a[1]; @c = @b; }" },
	{ "cpid", "BEGIN { @c = cpid; }" },
	{ "multiple probes", "BEGIN { @a = 1; } END { @a = 2; } BEGIN { @b = 3; }" },
};

/* ---- kernel part ------------------------------------------------------------------- */

static bool kernel_ok;

static int make_maps(struct prog_run *r)
{
	for (int i = 0; i < r->sr.nmaps && i < 64; i++) {
		struct abi_map_layout l;
		abi_map_layout(&r->sr.maps[i].key, &r->sr.maps[i].val, 128, &l);
		r->fds[i] = bpf_map_create((enum bpf_map_type)l.map_type, "m", l.key_size, l.value_size,
					   l.max_entries, NULL);
		r->nfds = i + 1;
		if (r->fds[i] < 0)
			return -1;
	}
	r->rb = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "rb", 0, 0, 1 << 16, NULL);
	r->lost = bpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY, "lost", 4, 8, 1, NULL);
	r->scratch = bpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY, "scr", 4, ABI_SCRATCH_SIZE, 1,
				    NULL);
	return r->rb < 0 || r->lost < 0 || r->scratch < 0 ? -1 : 0;
}

/* Load every program; run BEGIN ones once. Returns 0 or fails the current test. */
static int load_run(struct prog_run *r, const char *text)
{
	if (front(r, text, 0)) {
		CHECK_FAIL_("front end rejected the program:\n%.400s", r->msgs);
		return -1;
	}
	if (make_maps(r)) {
		CHECK_FAIL_("map creation failed: %s", strerror(errno));
		return -1;
	}
	if (gen(r, r->fds, r->rb, r->lost, r->scratch)) {
		CHECK_FAIL_("codegen failed:\n%.400s", r->msgs);
		return -1;
	}
	for (int i = 0; i < r->cg.nprogs && i < 16; i++) {
		struct cg_prog *p = &r->cg.progs[i];
		LIBBPF_OPTS(bpf_prog_load_opts, lo, .log_buf = r->log, .log_size = sizeof(r->log),
			    .log_level = 1);
		r->log[0] = '\0';
		int fd = bpf_prog_load(p->prog_type, p->name, "GPL", p->insns, p->insn_cnt, &lo);
		if (fd < 0) {
			size_t n = strlen(r->log);
			CHECK_FAIL_("verifier rejected %s (%s): ...%.380s", p->name,
				    r->sr.points[i].name, r->log + (n > 380 ? n - 380 : 0));
			return -1;
		}
		r->prog_fds[i] = fd;
		if (r->sr.points[i].kind == PROBE_BEGIN) {
			LIBBPF_OPTS(bpf_test_run_opts, to);
			if (bpf_prog_test_run_opts(fd, &to)) {
				CHECK_FAIL_("test run of %s failed: %s", p->name, strerror(errno));
				return -1;
			}
		}
	}
	return 0;
}

static int map_id(struct prog_run *r, const char *name)
{
	for (int i = 0; i < r->sr.nmaps; i++)
		if (!strcmp(r->sr.maps[i].name, name))
			return i;
	return -1;
}

/* Value of a keyless map: plain (u64 0 key) or per-CPU aggregation (summed word `w`). */
static int64_t scalar(struct prog_run *r, const char *name, int w)
{
	int id = map_id(r, name);
	if (id < 0)
		return -999999;
	struct abi_map_layout l;
	abi_map_layout(&r->sr.maps[id].key, &r->sr.maps[id].val, 128, &l);
	if (l.map_type == ABI_MAP_HASH) {
		uint64_t k = 0;
		int64_t v[8] = { 0 };
		if (bpf_map_lookup_elem(r->fds[id], &k, v))
			return -888888;
		return v[w];
	}
	int ncpu = libbpf_num_possible_cpus();
	uint32_t words = l.value_size / 8;
	int64_t *v = calloc((size_t)ncpu * words, 8), sum = 0;
	uint32_t k = 0;
	if (!bpf_map_lookup_elem(r->fds[id], &k, v))
		for (int c = 0; c < ncpu; c++)
			sum += v[c * words + w];
	free(v);
	return sum;
}

/* A keyless hist/lhist slot's count over CPUs (struct abi_hist_slot per CPU); its sum of
 * values into *vsum when not NULL. */
static int64_t hist_slot_sum(struct prog_run *r, const char *name, uint32_t slot, int64_t *vsum)
{
	int id = map_id(r, name);
	int ncpu = libbpf_num_possible_cpus();
	struct abi_hist_slot *v = calloc((size_t)ncpu, sizeof(*v));
	int64_t count = 0, s = 0;
	if (id >= 0 && !bpf_map_lookup_elem(r->fds[id], &slot, v))
		for (int c = 0; c < ncpu; c++) {
			count += (int64_t)v[c].count;
			s += v[c].sum;
		}
	free(v);
	if (vsum)
		*vsum = s;
	return count;
}

static int64_t hist_slot(struct prog_run *r, const char *name, uint32_t slot)
{
	return hist_slot_sum(r, name, slot, NULL);
}

struct evs {
	uint8_t data[8][256];
	size_t size[8];
	int n;
};

static int on_ev(void *ctx, void *data, size_t size)
{
	struct evs *e = ctx;
	if (e->n < 8) {
		memcpy(e->data[e->n], data, size < 256 ? size : 256);
		e->size[e->n++] = size;
	}
	return 0;
}

static void read_events(struct prog_run *r, struct evs *e)
{
	memset(e, 0, sizeof(*e));
	struct ring_buffer *rb = ring_buffer__new(r->rb, on_ev, e, NULL);
	if (rb) {
		ring_buffer__consume(rb);
		ring_buffer__free(rb);
	}
}

static void kernel_tests(void)
{
	struct prog_run *r = calloc(1, sizeof(*r));
	struct evs *e = calloc(1, sizeof(*e));

	TEST_BEGIN("kernel: integer division and modulo");
	if (!load_run(r, "BEGIN { @a = 7 / 2; @b = -7 / 2; @c = -7 % 3; $z = 0; @d = 5 / $z; "
			 "@e = 5 % $z; @f = -9 / $z; @g = (uint8)300; @h = -8 >> 1; "
			 "@i = 1 << 65; }")) {
		CHECK_EQ_INT(scalar(r, "@a", 0), 3);
		CHECK_EQ_INT(scalar(r, "@b", 0), -3);
		CHECK_EQ_INT(scalar(r, "@c", 0), -1);
		CHECK_EQ_INT(scalar(r, "@d", 0), 0);
		CHECK_EQ_INT(scalar(r, "@e", 0), 0);
		CHECK_EQ_INT(scalar(r, "@f", 0), 0);
		CHECK_EQ_INT(scalar(r, "@g", 0), 44);
		CHECK_EQ_INT(scalar(r, "@h", 0), -4);
		CHECK_EQ_INT(scalar(r, "@i", 0), 2);
	}
	TEST_END();
	done(r);

	TEST_BEGIN("kernel: aggregations");
	if (!load_run(r, "BEGIN { @c = count(); @c = count(); @s = sum(5); @s = sum(7); "
			 "@mi = min(-3); @mi = min(4); @ma = max(9); @ma = max(2); "
			 "@av = avg(4); @av = avg(8); @h = hist(1024); @h = hist(0); "
			 "@h = hist(-1); @l = lhist(15, 0, 100, 10); @l = lhist(100, 0, 100, 10); "
			 "@l = lhist(-1, 0, 100, 10); }")) {
		CHECK_EQ_INT(scalar(r, "@c", 0), 2);
		CHECK_EQ_INT(scalar(r, "@s", 0), 12);
		CHECK_EQ_INT(scalar(r, "@mi", 0), -3);
		CHECK_EQ_INT(scalar(r, "@ma", 0), 9);
		CHECK_EQ_INT(scalar(r, "@av", 0), 12);
		CHECK_EQ_INT(scalar(r, "@av", 1), 2);
		CHECK_EQ_INT(hist_slot(r, "@h", 12), 1); /* 1024 = 2^10 → slot 12 */
		CHECK_EQ_INT(hist_slot(r, "@h", 1), 1);
		CHECK_EQ_INT(hist_slot(r, "@h", 0), 1);
		CHECK_EQ_INT(hist_slot(r, "@l", 2), 1);  /* 15 → [10, 20) */
		CHECK_EQ_INT(hist_slot(r, "@l", 11), 1); /* 100 → last slot */
		CHECK_EQ_INT(hist_slot(r, "@l", 0), 1);
		int64_t vs = 0; /* each slot keeps the exact sum of the values it counted */
		CHECK_EQ_INT(hist_slot_sum(r, "@h", 12, &vs), 1);
		CHECK_EQ_INT(vs, 1024);
		CHECK_EQ_INT(hist_slot_sum(r, "@l", 2, &vs), 1);
		CHECK_EQ_INT(vs, 15);
	}
	TEST_END();
	done(r);

	TEST_BEGIN("kernel: loops, strings, ternary, keyed maps");
	if (!load_run(r, "BEGIN { $i = 0; while ($i < 10) { $i++; if ($i == 5) { continue; } "
			 "@w += $i; } $j = 0; unroll(5) { $j += 2; } @u = $j; "
			 "@q = 1 > 2 ? 3 : 4; $z = 0; @o = (0 && 1 / $z) || 1; "
			 "if (comm == \"test_codegen\") { @cm = 1; } "
			 "if (\"test_codegen\" != comm) { @cm = 2; } "
			 "@k[\"ab\", 2] = 7; @r = @k[\"ab\", 2] + @k[\"x\", 1]; "
			 "@x++; @x++; @y = @x; }")) {
		CHECK_EQ_INT(scalar(r, "@w", 0), 50);
		CHECK_EQ_INT(scalar(r, "@u", 0), 10);
		CHECK_EQ_INT(scalar(r, "@q", 0), 4);
		CHECK_EQ_INT(scalar(r, "@o", 0), 1);
		CHECK_EQ_INT(scalar(r, "@cm", 0), 1);
		CHECK_EQ_INT(scalar(r, "@r", 0), 7);
		CHECK_EQ_INT(scalar(r, "@y", 0), 2);
	}
	TEST_END();
	done(r);

	TEST_BEGIN("kernel: printf and exit events");
	if (!load_run(r, "BEGIN { printf(\"%d %s\\n\", -5, comm); exit(); printf(\"no\"); }")) {
		read_events(r, e);
		CHECK_EQ_INT(e->n, 2);
		uint64_t id0;
		int64_t v;
		memcpy(&id0, e->data[0], 8);
		memcpy(&v, e->data[0] + 8 + r->sr.fmts[0].offs[0], 8);
		CHECK_EQ_INT(id0, ABI_EV_PRINTF + 0);
		CHECK_EQ_INT(v, -5);
		CHECK_EQ_STR((char *)e->data[0] + 8 + r->sr.fmts[0].offs[1], "test_codegen");
		CHECK_EQ_INT(e->size[0], 8 + r->sr.fmts[0].size);
		uint64_t id1;
		memcpy(&id1, e->data[1], 8);
		CHECK_EQ_INT(id1, ABI_EV_EXIT);
	}
	TEST_END();
	done(r);

	static const char *loads[][2] = {
		{ "kernel: tracepoint int fields + user str",
		  "t:syscalls:sys_enter_openat { @[comm, str(args->filename)] = count(); "
		  "@f[args->flags] = sum(args->dfd); }" },
		{ "kernel: tracepoint char array and data_loc",
		  "t:sched:sched_switch { @[args->prev_comm] = count(); } "
		  "t:sched:sched_process_exec { printf(\"%s %d\\n\", str(args->filename), "
		  "args->pid); }" },
		{ "kernel: tracepoint wildcard",
		  "t:syscalls:sys_enter_read, t:syscalls:sys_enter_write / args->count > 10 / "
		  "{ @[probe] = hist(args->count); }" },
		{ "kernel: profile and interval",
		  "profile:hz:99 { @[cpu] = count(); } interval:s:1 { print(@); clear(@); }" },
		{ "kernel: big strings use scratch",
		  "BEGIN { $a = str(0); $b = str(0); $c = str(0); printf(\"%s %s %s %s\\n\", "
		  "$a, $b, $c, comm); @m[$a, $b] = count(); }" },
	};
	for (size_t i = 0; i < sizeof(loads) / sizeof(loads[0]); i++) {
		TEST_BEGIN(loads[i][0]);
		load_run(r, loads[i][1]);
		TEST_END();
		done(r);
	}
	free(e);
	free(r);
}

int main(void)
{
	for (int i = 0; i < 64; i++)
		fake_fds[i] = 3 + i;
	for (size_t i = 0; i < sizeof(programs) / sizeof(programs[0]); i++)
		check_codegen(programs[i][0], programs[i][1]);

	struct prog_run *r = calloc(1, sizeof(*r));
	TEST_BEGIN("stack/scratch overflow is a clear error naming the probe");
	if (front(r, "BEGIN { $a = str(0); $b = str(0); $c = str(0); printf(\"%s%s%s\\n\", $a, "
		     "$b, $c); }", 2048)) {
		CHECK_FAIL_("front end rejected the program:\n%.400s", r->msgs);
	} else {
		CHECK(gen(r, fake_fds, 90, 91, 92) != 0);
		CHECK(strstr(r->msgs, "BEGIN") != NULL);
		CHECK(strstr(r->msgs, "stack") != NULL);
		CHECK_EQ_INT(r->cg.nprogs, 0);
	}
	TEST_END();
	done(r);
	free(r);

	int fd = geteuid() == 0 ? bpf_map_create(BPF_MAP_TYPE_ARRAY, "probe", 4, 8, 1, NULL) : -1;
	kernel_ok = fd >= 0;
	if (fd >= 0)
		close(fd);
	if (kernel_ok && !getenv("BPFSCRIPT_NO_KERNEL"))
		kernel_tests();
	else
		printf("ok kernel tests skipped (need root and BPF)\n");
	return check_summary();
}
