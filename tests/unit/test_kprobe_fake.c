/*
 * tests/unit/test_kprobe_fake.c — kprobe attach-point expansion against a fake kernel: the
 * provider asks the run's kinfo (common/kinfo.h) for the traceable functions, so a kinfo
 * over files the test writes decides exactly what `kprobe:GLOB` matches, whatever the host.
 *
 * Owns: wildcard matches sorted and unique, the __pfx_/__cfi_ filter from either source,
 * kprobe:MODULE:GLOB, a named function found or not (from available_filter_functions and
 * from kallsyms' text symbols), and the one sentence for each miss.
 * Must not: touch the host's kallsyms or tracefs (every kinfo here is over test files).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "common/kinfo.h"
#include "runtime/provider.h"

static char dir[] = "/tmp/bpfscript-kfake.XXXXXX";
static char ks_path[128], tr_path[128], none_path[128];
static struct probe_env env;
static struct probe_point *pts;
static int npts;
static char err[256];

static const char kallsyms[] =
	"ffffffff81001000 t __pfx_vfs_read\n"
	"ffffffff81001010 T vfs_read\n"
	"ffffffff81001300 T vfs_write\n"
	"ffffffff81002100 t __cfi_vfs_stub\n"
	"ffffffff81003000 D vfs_data\n"
	"ffffffffc0001000 t ext4_read\t[ext4]\n";

static const char traceable[] =
	"vfs_write\n"
	"vfs_read\n"
	"__pfx_vfs_read\n"
	"vfs_read\n"
	"ext4_read [ext4]\n"
	"ext4_write [ext4]\n";

static void write_file(const char *path, const char *data)
{
	FILE *f = fopen(path, "w");
	if (f) {
		fputs(data, f);
		fclose(f);
	}
}

static int expand(const char *text)
{
	err[0] = '\0';
	return provider_expand(&env, text, 0, &pts, &npts, err, sizeof(err));
}

static void reset(void)
{
	probe_points_free(pts, npts);
	pts = NULL;
	npts = 0;
}

static void use(const char *traceable_path)
{
	kinfo_free(env.kinfo);
	env.kinfo = kinfo_new(&(struct kinfo_files){ .kallsyms = ks_path,
						      .traceable = traceable_path,
						      .btf = none_path });
}

static void test_ftrace_list(void)
{
	use(tr_path);
	TEST_BEGIN("kprobe (fake kernel): a wildcard, sorted, unique, without __pfx_");
	CHECK_EQ_INT(expand("kprobe:*vfs_*"), 0);
	CHECK_EQ_INT(npts, 2);
	if (npts == 2) {
		CHECK_EQ_STR(pts[0].name, "kprobe:vfs_read");
		CHECK_EQ_STR(pts[1].name, "kprobe:vfs_write");
		CHECK(pts[0].wildcard && pts[1].wildcard);
	}
	reset();
	CHECK_EQ_INT(expand("kprobe:__pfx_*"), -1);
	CHECK_EQ_STR(err, "no traceable kernel function matches __pfx_* (in 'kprobe:__pfx_*')");
	reset();
	TEST_END();

	TEST_BEGIN("kprobe (fake kernel): kprobe:MODULE:GLOB");
	CHECK_EQ_INT(expand("kprobe:ext4:*"), 0);
	CHECK_EQ_INT(npts, 2);
	if (npts == 2) {
		CHECK_EQ_STR(pts[0].name, "kprobe:ext4:ext4_read");
		CHECK_EQ_STR(pts[0].target, "ext4");
		CHECK_EQ_STR(pts[1].func, "ext4_write");
	}
	reset();
	CHECK_EQ_INT(expand("kprobe:vmlinux:vfs_w*"), 0);
	CHECK_EQ_INT(npts, 1);
	if (npts == 1)
		CHECK_EQ_STR(pts[0].name, "kprobe:vmlinux:vfs_write");
	reset();
	TEST_END();

	TEST_BEGIN("kprobe (fake kernel): a named function, listed or only a text symbol");
	CHECK_EQ_INT(expand("kretprobe:vfs_write"), 0);
	CHECK_EQ_INT(npts, 1);
	reset();
	/* not traceable, but a text symbol (an alias the compiler made): accepted */
	CHECK_EQ_INT(expand("kprobe:__cfi_vfs_stub"), 0);
	CHECK_EQ_INT(npts, 1);
	reset();
	CHECK_EQ_INT(expand("kprobe:vfs_data"), -ENOENT);
	CHECK_EQ_STR(err, "kernel function not found: vfs_data (no such symbol in "
			  "/proc/kallsyms: misspelt, inlined, or in a module that is not loaded)");
	CHECK_EQ_INT(npts, 0);
	reset();
	TEST_END();
}

static void test_kallsyms_list(void)
{
	use(none_path);
	TEST_BEGIN("kprobe (fake kernel): kallsyms' text symbols when tracefs has no list");
	CHECK_EQ_INT(expand("kprobe:*"), 0);
	CHECK_EQ_INT(npts, 3);
	if (npts == 3) {
		CHECK_EQ_STR(pts[0].func, "ext4_read");
		CHECK_EQ_STR(pts[1].func, "vfs_read");
		CHECK_EQ_STR(pts[2].func, "vfs_write");
	}
	reset();
	CHECK_EQ_INT(expand("kprobe:__cfi_vfs_stub"), -ENOENT);
	CHECK_EQ_INT(expand("kprobe:vfs_data"), -ENOENT);
	CHECK_EQ_INT(npts, 0);
	reset();
	TEST_END();

	TEST_BEGIN("kprobe (fake kernel): neither list readable");
	kinfo_free(env.kinfo);
	env.kinfo = kinfo_new(&(struct kinfo_files){ .kallsyms = none_path,
						      .traceable = none_path });
	CHECK_EQ_INT(expand("kprobe:vfs_*"), -1);
	CHECK_EQ_STR(err, "cannot list kernel functions for 'kprobe:vfs_*': No such file or "
			  "directory");
	reset();
	TEST_END();
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(ks_path, sizeof(ks_path), "%s/kallsyms", dir);
	snprintf(tr_path, sizeof(tr_path), "%s/available_filter_functions", dir);
	snprintf(none_path, sizeof(none_path), "%s/missing", dir);
	write_file(ks_path, kallsyms);
	write_file(tr_path, traceable);

	env.probes = &rt_probes;
	test_ftrace_list();
	test_kallsyms_list();

	kinfo_free(env.kinfo);
	unlink(ks_path);
	unlink(tr_path);
	rmdir(dir);
	return check_summary();
}
