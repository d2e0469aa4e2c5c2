/*
 * tests/unit/test_loops.c — for ($kv : @map) and len(@map): callbacks through codegen,
 * object.c's relocation handling and the runtime's BTF func_info.
 *
 * Owns: (1) kernel-free checks of the generated programs: a program without callbacks has
 * no function list (its load stays BTF-free), a for loop or len() adds static callbacks
 * after the entry, and every callback address is a BPF_PSEUDO_FUNC ld_imm64 whose target
 * is a callback's first instruction; (2) as root: rt_func_btf_load's BTF is accepted, and
 * a BEGIN program with for loops and len() over a map filled from userspace is loaded with
 * rt_load_all, run with BPF_PROG_TEST_RUN, and leaves the exact sums in its maps.
 * Must not: attach probes.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../codegen/codegen.h"
#include "../../parser/parse.h"
#include "../../sema/abi.h"
#include "../../sema/sema.h"
#include "../../stdlib/builtins.h"
#include "check.h"
#include "runtime/runtime_internal.h"

struct run {
	struct source src;
	struct diag d;
	struct node *ast;
	struct sema_result sr;
	struct cg_result cg;
	char msgs[2048];
};

static void msgs(struct run *r)
{
	diag_snprint(&r->d, r->msgs, sizeof(r->msgs));
}

/* parse and sema; then codegen with fake map fds when with_cg */
static int build(struct run *r, const char *text, bool with_cg)
{
	static int fds[32];
	for (int i = 0; i < 32; i++)
		fds[i] = 3 + i;
	memset(r, 0, sizeof(*r));
	src_from_string(&r->src, "stdin", text, strlen(text));
	diag_init(&r->d, &r->src);
	r->ast = parse_program(&r->src, &r->d);
	struct sema_opts so = { .strlen = ABI_STRLEN_DEFAULT, .builtins = &builtin_set };
	so.probes = &rt_probes;
	if (!r->ast || sema_run(r->ast, &so, &r->d, &r->sr)) {
		msgs(r);
		return -1;
	}
	if (!with_cg)
		return 0;
	struct cg_opts o = { .map_fds = fds, .ringbuf_fd = 90, .lost_fd = 91, .scratch_fd = 92,
			     .start_ns = 1 };
	int err = codegen_run(r->ast, &r->sr, &o, &r->d, &r->cg);
	msgs(r);
	return err;
}

static void done(struct run *r)
{
	cg_result_free(&r->cg);
	sema_result_free(&r->sr);
	if (r->ast)
		ast_free(r->ast);
	diag_free(&r->d);
	src_free(&r->src);
}

/* Callback addresses: how many, and whether each points at a callback's start. */
static int pseudo_funcs(const struct cg_prog *p, bool *all_ok)
{
	const struct bpf_insn *in = p->insns;
	int n = 0;
	*all_ok = true;
	for (size_t i = 0; i + 1 < p->insn_cnt; i++) {
		if (in[i].code != (BPF_LD | BPF_IMM | BPF_DW))
			continue;
		if (in[i].src_reg == BPF_PSEUDO_FUNC) {
			int64_t to = (int64_t)i + in[i].imm + 1;
			bool hit = false;
			for (int f = 1; f < p->nfuncs; f++)
				hit |= p->funcs[f].insn_off == to && p->funcs[f].is_callback;
			*all_ok &= hit;
			n++;
		}
		i++;
	}
	return n;
}

static void check_shape(const char *name, const char *text, int nfuncs)
{
	struct run *r = calloc(1, sizeof(*r));
	TEST_BEGIN(name);
	if (build(r, text, true)) {
		CHECK_FAIL_("rejected:\n%.400s", r->msgs);
	} else {
		for (int i = 0; i < r->cg.nprogs; i++) {
			const struct cg_prog *p = &r->cg.progs[i];
			bool ok;
			CHECK_EQ_INT(p->nfuncs, nfuncs);
			CHECK_EQ_INT(pseudo_funcs(p, &ok), nfuncs ? nfuncs - 1 : 0);
			CHECK(ok);
			if (nfuncs) {
				CHECK_EQ_INT(p->funcs[0].insn_off, 0);
				CHECK(!p->funcs[0].is_callback);
				for (int f = 1; f < nfuncs; f++) {
					CHECK(p->funcs[f].is_callback);
					CHECK(p->funcs[f].insn_off > p->funcs[f - 1].insn_off);
					CHECK(p->funcs[f].insn_off < p->insn_cnt);
				}
			}
		}
	}
	TEST_END();
	done(r);
	free(r);
}

static void kernel_tests(void)
{
	struct run *r = calloc(1, sizeof(*r));
	struct rt_maps maps = { 0 };
	int fds[1] = { -1 };

	TEST_BEGIN("loops: BTF func_info only for programs with callbacks");
	{
		struct cg_func funcs[2] = { { 0, false }, { 5, true } };
		struct cg_prog progs[2] = { { .insn_cnt = 1 },
					    { .insn_cnt = 9, .funcs = funcs, .nfuncs = 2 } };
		struct cg_result one = { .progs = progs, .nprogs = 1 }, both = { .progs = progs, .nprogs = 2 };
		struct rt_func_btf fb;
		struct diag d;
		diag_init(&d, NULL);
		CHECK_EQ_INT(rt_func_btf_load(&one, &fb, &d), 0);
		CHECK_EQ_INT(fb.fd, -1);
		CHECK(fb.info == NULL);
		rt_func_btf_free(&fb, 1);
		CHECK_EQ_INT(rt_func_btf_load(&both, &fb, &d), 0);
		CHECK(fb.fd >= 0);
		CHECK(fb.info && !fb.info[0] && fb.info[1]);
		if (fb.info && fb.info[1]) {
			CHECK_EQ_INT(fb.info[1][0].insn_off, 0);
			CHECK_EQ_INT(fb.info[1][1].insn_off, 5);
			CHECK(fb.info[1][0].type_id != fb.info[1][1].type_id);
		}
		rt_func_btf_free(&fb, 2);
		CHECK_EQ_INT(diag_count(&d), 0);
		diag_free(&d);
	}
	TEST_END();

	TEST_BEGIN("loops: BEGIN for/len over a userspace-filled map, test run");
	const char *prog =
		"BEGIN { @x[0] = 5; $s = 0; $k = 0; $first = 0;"
		" for ($kv : @x) { $s += $kv.1; $k += $kv.0; }"
		" for ($kv : @x) { $first++; break; }"
		" @sum = $s; @keys = $k; @n = len(@x); @first = $first;"
		" @c[1] = count(); @c[2] = count(); @c[2] = count();"
		" $cs = 0; for ($kv : @c) { $cs += $kv.1 * $kv.0; } @csum = $cs; }";
	struct diag d;
	diag_init(&d, NULL);
	if (build(r, prog, false)) {
		CHECK_FAIL_("rejected:\n%.400s", r->msgs);
	} else if (rt_maps_create(&r->sr, 0, &maps, &d)) {
		CHECK_FAIL_("maps not created");
	} else {
		/* @x = {0: 5 (the program's own), 1: 10, 2: 20, 3: 30} */
		for (uint64_t k = 1; k <= 3; k++) {
			uint64_t v = 10 * k;
			bpf_map_update_elem(maps.fds[0], &k, &v, BPF_ANY);
		}
		struct cg_opts o = { .map_fds = maps.fds, .ringbuf_fd = maps.ringbuf_fd,
				     .lost_fd = maps.lost_fd, .scratch_fd = maps.scratch_fd,
				     .start_ns = 1 };
		int err = codegen_run(r->ast, &r->sr, &o, &r->d, &r->cg);
		msgs(r);
		CHECK_EQ_INT(err, 0);
		if (!err && rt_load_all(NULL, &r->cg, &r->sr, 0, fds, &d) == 0) {
			LIBBPF_OPTS(bpf_test_run_opts, t);
			char ctx[8] = { 0 };
			t.ctx_in = ctx;
			t.ctx_size_in = sizeof(ctx);
			CHECK_EQ_INT(bpf_prog_test_run_opts(fds[0], &t), 0);
			const char *names[] = { "@sum", "@keys", "@n", "@first", "@csum" };
			const int64_t want[] = { 65, 6, 4, 1, 5 };
			for (int i = 0; i < 5; i++) {
				int64_t v = -1;
				uint64_t zero = 0;
				for (int m = 0; m < r->sr.nmaps; m++)
					if (strcmp(r->sr.maps[m].name, names[i]) == 0)
						bpf_map_lookup_elem(maps.fds[m], &zero, &v);
				if (v != want[i])
					CHECK_FAIL_("%s = %lld, expected %lld", names[i], (long long)v,
						    (long long)want[i]);
			}
			close(fds[0]);
		} else if (!err) {
			CHECK_FAIL_("load failed");
		}
	}
	TEST_END();
	rt_maps_close(&maps);
	diag_free(&d);
	done(r);
	free(r);
}

int main(void)
{
	check_shape("loops: no callbacks, no function list",
		    "BEGIN { @x[1] = 2; $i = 0; while ($i < 3) { $i++; } }", 0);
	check_shape("loops: one for loop, one callback",
		    "BEGIN { @x[1] = 2; for ($kv : @x) { @y[$kv.0] = $kv.1; } }", 2);
	check_shape("loops: len() adds a callback",
		    "BEGIN { @x[1] = 2; @n = len(@x); }", 2);
	check_shape("loops: nested loops and len()",
		    "BEGIN { @x[1] = 2; @s[\"a\"] = 1; $t = 0;"
		    " for ($a : @x) { for ($b : @s) { $t += $a.1 + $b.1; } }"
		    " @n = len(@s); @t = $t; }",
		    4);
	check_shape("loops: per-CPU count map in a tracepoint",
		    "tracepoint:syscalls:sys_enter_getppid { @c[tid] = count();"
		    " for ($kv : @c) { if ($kv.1 > 3) { return; } } }",
		    2);
	if (geteuid() == 0 && !getenv("BPFSCRIPT_NO_KERNEL"))
		kernel_tests();
	else
		printf("ok loops: kernel tests skipped (need root)\n");
	return check_summary();
}
