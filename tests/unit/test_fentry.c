/*
 * tests/unit/test_fentry.c — kprobes as fentry/fexit programs, without loading anything:
 * the plan (BTF ids and argument counts, wildcard matches without BTF dropped and the
 * points renumbered, named functions without BTF and FUNC+OFFSET refused with one
 * sentence each), `-lv kprobe:vfs_read` from BTF, and a kprobe's `args` through sema.
 * Needs the kernel's BTF (/sys/kernel/btf/vmlinux), which this machine has without kprobes.
 * Must not: load or attach programs (tests/vm runs them for real).
 */
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "../../common/kinfo.h"
#include "../../runtime/list.h"
#include "../../runtime/runtime_internal.h"

static void add(struct sema_result *sr, enum probe_kind kind, const char *func, uint64_t off,
		bool wildcard, int probe)
{
	struct probe_point *p = probe_points_add(&sr->points, &sr->npoints);
	p->kind = kind;
	p->func = strdup(func);
	p->offset = off;
	p->wildcard = wildcard;
	p->probe = probe;
	if (asprintf(&p->name, "%s:%s", kind == PROBE_KPROBE ? "kprobe" : "kretprobe", func) < 0)
		p->name = NULL;
}

static char *diag_text(struct diag *d, FILE *f, char **buf, size_t *len)
{
	diag_print(d, f);
	fflush(f);
	return *buf;
}

int main(void)
{
	struct sema_result sr;
	struct diag d;
	char *buf = NULL;
	size_t len = 0;
	struct kinfo *ki = kinfo_new(NULL);
	struct probe_env env = { .probes = &rt_probes, .kinfo = ki };
	struct rt_probe_state ps;
	rt_probe_state_init(&ps, ki);

	TEST_BEGIN("fentry: plan keeps BTF functions, drops wildcard matches without BTF");
	memset(&sr, 0, sizeof(sr));
	sr.nprobes = 3;
	add(&sr, PROBE_TRACEPOINT, "sys_enter_read", 0, false, 0);
	add(&sr, PROBE_KPROBE, "vfs_read", 0, true, 1);
	add(&sr, PROBE_KPROBE, "no_btf_function_xyz", 0, true, 1);
	add(&sr, PROBE_KRETPROBE, "vfs_write", 0, false, 2);
	diag_init(&d, NULL);
	CHECK_EQ_INT(rt_fentry_plan(&ps, &sr, 0, true, "test", &d), 0);
	CHECK_EQ_INT(diag_count(&d), 0);
	CHECK_EQ_INT(sr.npoints, 3);
	CHECK_EQ_STR(sr.points[1].func, "vfs_read");
	CHECK_EQ_STR(sr.points[2].func, "vfs_write");
	CHECK_EQ_INT(sr.points[2].index, 2);
	const int *na = ps.fentry.nargs;
	CHECK(na != NULL);
	if (na) {
		CHECK_EQ_INT(na[0], -1);
		CHECK_EQ_INT(na[1], 4); /* vfs_read(file, buf, count, pos) */
		CHECK_EQ_INT(na[2], 4);
	}
	uint32_t type = 0, id = 0;
	CHECK_EQ_INT(rt_fentry_load_info(&ps, 2, &type, &id, &sr), 0);
	CHECK(type == BPF_TRACE_FEXIT && id > 0);
	CHECK_EQ_INT(rt_fentry_load_info(&ps, 1, &type, &id, &sr), 0);
	CHECK(type == BPF_TRACE_FENTRY && id > 0);
	CHECK(rt_fentry_load_info(&ps, 0, &type, &id, &sr) < 0);
	rt_probe_state_free(&ps);
	diag_free(&d);
	probe_points_free(sr.points, sr.npoints);
	TEST_END();

	TEST_BEGIN("fentry: named function without BTF, offset, all-dropped wildcard");
	memset(&sr, 0, sizeof(sr));
	sr.nprobes = 3;
	add(&sr, PROBE_KPROBE, "no_btf_function_xyz", 0, false, 0);
	add(&sr, PROBE_KPROBE, "vfs_read", 16, false, 1);
	add(&sr, PROBE_KPROBE, "no_btf_function_abc", 0, true, 2);
	FILE *f = open_memstream(&buf, &len);
	diag_init(&d, NULL);
	CHECK(rt_fentry_plan(&ps, &sr, 0, true, "this kernel has no kprobes", &d) < 0);
	diag_text(&d, f, &buf, &len);
	CHECK(strstr(buf, "ERROR: kprobe:no_btf_function_xyz: this kernel has no kprobes, so "
			  "kprobes run as fentry programs, which need the function in the "
			  "kernel's BTF, and BTF does not describe no_btf_function_xyz\n") != NULL);
	CHECK(strstr(buf, "ERROR: kprobe:vfs_read: this kernel has no kprobes, so kprobes run "
			  "as fentry programs, which can attach only at a function's entry, not "
			  "at an offset\n") != NULL);
	CHECK(strstr(buf, "ERROR: kprobe:no_btf_function_abc: this kernel has no kprobes, so "
			  "kprobes run as fentry programs, and BTF describes none of the 1 "
			  "function this wildcard matched\n") != NULL);
	CHECK(ps.fentry.nargs == NULL);
	fclose(f);
	free(buf);
	buf = NULL;
	rt_probe_state_free(&ps);
	diag_free(&d);
	probe_points_free(sr.points, sr.npoints);
	TEST_END();

	TEST_BEGIN("fentry: -lv kprobe:vfs_read lists the BTF arguments");
	char *a = rt_fentry_describe(ki, "vfs_read", true, false);
	char *r = rt_fentry_describe(ki, "vfs_read", false, true);
	CHECK_EQ_STR(a ? a : "(null)", "\n    struct file * file\n    char * buf\n    size_t count"
				  "\n    loff_t * pos");
	CHECK_EQ_STR(r ? r : "(null)", "\n    ssize_t retval");
	CHECK(rt_fentry_describe(ki, "no_btf_function_xyz", true, true) == NULL);
	free(a);
	free(r);
	f = open_memstream(&buf, &len);
	CHECK_EQ_INT(list_probes(&env, "kprobe:vfs_read", true, f), 0);
	fclose(f);
	CHECK_EQ_STR(buf, "kprobe:vfs_read\n    struct file * file\n    char * buf\n"
			  "    size_t count\n    loff_t * pos\n");
	free(buf);
	buf = NULL;
	f = open_memstream(&buf, &len);
	CHECK_EQ_INT(list_probes(&env, "kr:vfs_readv", true, f), 0);
	fclose(f);
	CHECK_EQ_STR(buf, "kretprobe:vfs_readv\n    ssize_t retval\n");
	free(buf);
	buf = NULL;
	rt_probe_state_free(&ps);
	TEST_END();

	kinfo_free(ki);
	return check_summary();
}
