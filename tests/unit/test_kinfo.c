/*
 * tests/unit/test_kinfo.c — the kernel-information service (common/kinfo.c) against a
 * fake kernel: a kallsyms file, an available_filter_functions file and a BTF file written
 * by the test, so every answer is known exactly.
 *
 * Owns: kallsyms lookups (address → symbol with and without offset, name → address,
 * text symbols, "listed" for data and zero addresses, module symbols by plain name),
 * the traceable list from either source with the __pfx_/__cfi_ filter, reading nothing
 * before it is asked (a kinfo over missing files answers without error until asked), and
 * which BTF file is meant ($BPFTRACE_BTF, files.btf, the error for a missing one).
 * Must not: depend on the host's kernel, except the one check of the running kernel's own
 * BTF, which says "skip" where /sys/kernel/btf/vmlinux is missing.
 */
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "common/kinfo.h"

static char dir[] = "/tmp/bpfscript-kinfo.XXXXXX";
static char ks_path[128], tr_path[128], btf_path[128], none_path[128];

static const char kallsyms[] =
	"0000000000000000 A fixed_percpu_data\n"
	"ffffffff81000000 T _stext\n"
	"ffffffff81000000 T startup_64\n"
	"ffffffff81001000 t __pfx_vfs_read\n"
	"ffffffff81001010 T vfs_read\n"
	"ffffffff81001200 t helper\n"
	"ffffffff81001300 T vfs_write\n"
	"ffffffff81002000 t helper\n"
	"ffffffff81002100 t __cfi_helper2\n"
	"ffffffff81003000 D jiffies\n"
	"ffffffff81004000 d data_static\n"
	"ffffffffc0001000 t ext4_read\t[ext4]\n"
	"ffffffffc0001100 T ext4_write\t[ext4]\n"
	"ffffffffc0002000 d ext4_data\t[ext4]\n";

static const char traceable[] =
	"vfs_read\n"
	"__pfx_not_a_function\n"
	"helper\n"
	"helper\n"
	"ext4_read [ext4]\n"
	"__cfi_stub [ext4]\n";

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "w");
	if (f) {
		fwrite(data, 1, len, f);
		fclose(f);
	}
}

/* A raw BTF file: int, and `int add(int a, int b)`. */
static void write_btf(const char *path)
{
	struct btf *b = btf__new_empty();
	int i32 = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
	int proto = btf__add_func_proto(b, i32);
	btf__add_func_param(b, "a", i32);
	btf__add_func_param(b, "b", i32);
	btf__add_func(b, "add", BTF_FUNC_GLOBAL, proto);
	uint32_t size;
	const void *raw = btf__raw_data(b, &size);
	write_file(path, raw, size);
	btf__free(b);
}

static void test_kallsyms(void)
{
	TEST_BEGIN("kinfo: kallsyms by address and by name");
	struct kinfo *ki = kinfo_new(&(struct kinfo_files){ .kallsyms = ks_path });
	char buf[64] = "";
	CHECK(kinfo_ksym_resolve(ki, 0xffffffff81001010ull, false, buf, sizeof(buf)));
	CHECK_EQ_STR(buf, "vfs_read");
	CHECK(kinfo_ksym_resolve(ki, 0xffffffff81001020ull, true, buf, sizeof(buf)));
	CHECK_EQ_STR(buf, "vfs_read+16");
	CHECK(kinfo_ksym_resolve(ki, 0xffffffffc0001104ull, true, buf, sizeof(buf)));
	CHECK_EQ_STR(buf, "ext4_write+4");
	CHECK(!kinfo_ksym_resolve(ki, 0x1000, false, buf, sizeof(buf))); /* below every symbol */
	CHECK_EQ_INT(kinfo_ksym_addr(ki, "vfs_write"), 0xffffffff81001300ull);
	CHECK_EQ_INT(kinfo_ksym_addr(ki, "jiffies"), 0xffffffff81003000ull);
	CHECK_EQ_INT(kinfo_ksym_addr(ki, "helper"), 0xffffffff81001200ull); /* the lowest */
	CHECK_EQ_INT(kinfo_ksym_addr(ki, "ext4_read"), 0xffffffffc0001000ull);
	CHECK_EQ_INT(kinfo_ksym_addr(ki, "fixed_percpu_data"), 0); /* absolute */
	CHECK_EQ_INT(kinfo_ksym_addr(ki, "no_such"), 0);
	CHECK_EQ_INT(kinfo_kfunc_addr(ki, "vfs_read"), 0xffffffff81001010ull);
	CHECK_EQ_INT(kinfo_kfunc_addr(ki, "jiffies"), 0); /* data, not text */
	CHECK_EQ_INT(kinfo_kfunc_addr(ki, "ext4_write"), 0xffffffffc0001100ull);
	CHECK(kinfo_ksym_listed(ki, "fixed_percpu_data"));
	CHECK(kinfo_ksym_listed(ki, "data_static"));
	CHECK(!kinfo_ksym_listed(ki, "ext4"));
	CHECK(!kinfo_ksym_listed(ki, "vfs_rea"));
	kinfo_free(ki);
	TEST_END();
}

static void test_traceable_ftrace(void)
{
	TEST_BEGIN("kinfo: traceable functions from available_filter_functions, filtered");
	struct kinfo *ki = kinfo_new(&(struct kinfo_files){ .kallsyms = none_path,
							    .traceable = tr_path });
	size_t n = 99;
	bool from_kallsyms = true;
	const struct kinfo_func *f = NULL;
	CHECK_EQ_INT(kinfo_traceable(ki, &f, &n, &from_kallsyms), 0);
	CHECK(f != NULL);
	CHECK(!from_kallsyms);
	CHECK_EQ_INT(n, 4);
	if (f && n == 4) {
		CHECK_EQ_STR(f[0].name, "vfs_read");
		CHECK(f[0].module == NULL);
		CHECK_EQ_STR(f[1].name, "helper");
		CHECK_EQ_STR(f[2].name, "helper");
		CHECK_EQ_STR(f[3].name, "ext4_read");
		CHECK_EQ_STR(f[3].module, "ext4");
	}
	/* asked again: the same list, not read again */
	size_t n2;
	const struct kinfo_func *f2 = NULL;
	CHECK(kinfo_traceable(ki, &f2, &n2, &from_kallsyms) == 0 && f2 == f && n2 == n);
	/* kallsyms was never needed, so its absence is no error */
	kinfo_free(ki);
	TEST_END();
}

static void test_traceable_kallsyms(void)
{
	TEST_BEGIN("kinfo: traceable functions from kallsyms' text symbols, filtered");
	struct kinfo *ki = kinfo_new(&(struct kinfo_files){ .kallsyms = ks_path,
							    .traceable = none_path });
	size_t n = 0;
	bool from_kallsyms = false;
	const struct kinfo_func *f = NULL;
	CHECK_EQ_INT(kinfo_traceable(ki, &f, &n, &from_kallsyms), 0);
	CHECK(f != NULL);
	CHECK(from_kallsyms);
	static const char *const want[] = { "_stext", "startup_64", "vfs_read", "helper",
					    "vfs_write", "helper", "ext4_read", "ext4_write" };
	CHECK_EQ_INT(n, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; f && i < n && i < sizeof(want) / sizeof(want[0]); i++)
		CHECK_EQ_STR(f[i].name, want[i]);
	if (f && n == 8) {
		CHECK(f[4].module == NULL);
		CHECK_EQ_STR(f[6].module, "ext4");
		CHECK_EQ_STR(f[7].module, "ext4");
	}
	kinfo_free(ki);
	TEST_END();
}

static void test_nothing_readable(void)
{
	TEST_BEGIN("kinfo: missing files are -errno when asked, nothing before");
	struct kinfo *ki = kinfo_new(&(struct kinfo_files){ .kallsyms = none_path,
							    .traceable = none_path,
							    .btf = none_path });
	char buf[32];
	CHECK(!kinfo_ksym_resolve(ki, 0xffffffff81001010ull, false, buf, sizeof(buf)));
	CHECK_EQ_INT(kinfo_ksym_addr(ki, "vfs_read"), 0);
	CHECK(!kinfo_ksym_listed(ki, "vfs_read"));
	size_t n = 5;
	bool fk;
	const struct kinfo_func *f;
	CHECK_EQ_INT(kinfo_traceable(ki, &f, &n, &fk), -ENOENT);
	CHECK_EQ_INT(n, 0);
	const char *path = NULL;
	int err = 0;
	CHECK(kinfo_btf(ki, &err, &path) == NULL);
	CHECK_EQ_INT(err, ENOENT);
	CHECK_EQ_STR(path, none_path);
	kinfo_free(ki);
	TEST_END();
}

static void test_btf_files(void)
{
	TEST_BEGIN("kinfo: BTF from files.btf, else $BPFTRACE_BTF");
	struct kinfo *ki = kinfo_new(&(struct kinfo_files){ .btf = btf_path });
	int err = -1;
	const char *path = NULL;
	struct btf *b = kinfo_btf(ki, &err, &path);
	CHECK(b != NULL);
	CHECK_EQ_INT(err, 0);
	CHECK_EQ_STR(path, btf_path);
	CHECK(b && btf__find_by_name_kind(b, "add", BTF_KIND_FUNC) > 0);
	CHECK(kinfo_btf(ki, NULL, NULL) == b); /* loaded once */
	kinfo_free(ki);

	setenv("BPFTRACE_BTF", btf_path, 1);
	ki = kinfo_new(NULL);
	b = kinfo_btf(ki, &err, &path);
	CHECK(b && btf__find_by_name_kind(b, "add", BTF_KIND_FUNC) > 0);
	CHECK_EQ_STR(path, btf_path);
	kinfo_free(ki);
	setenv("BPFTRACE_BTF", none_path, 1);
	ki = kinfo_new(NULL);
	CHECK(kinfo_btf(ki, &err, &path) == NULL);
	CHECK_EQ_INT(err, ENOENT);
	CHECK_EQ_STR(path, none_path);
	kinfo_free(ki);
	unsetenv("BPFTRACE_BTF");
	TEST_END();
}

static int stop_at(const struct kinfo_func *f, void *ctx)
{
	return strcmp(f->name, ctx) == 0 ? 7 : 0;
}

/* Files of many chunks (common/kinfo.c reads 64 KiB at a time): lines cut by a chunk's
 * end, early lookups that stop reading, then lookups that need the rest. */
static void test_big_files(void)
{
	TEST_BEGIN("kinfo: big files, read as far as needed, then to the end");
	char big_ks[160], big_tr[160];
	snprintf(big_ks, sizeof(big_ks), "%s/kallsyms.big", dir);
	snprintf(big_tr, sizeof(big_tr), "%s/functions.big", dir);
	FILE *k = fopen(big_ks, "w"), *t = fopen(big_tr, "w");
	enum { N = 60000 };
	for (int i = 0; k && t && i < N; i++) {
		fprintf(k, "%016llx %c func_number_%d_with_a_longer_name\n",
			0xffffffff81000000ull + 16ull * (unsigned)i, i % 3 ? 'T' : 't', i);
		fprintf(t, "func_number_%d_with_a_longer_name%s\n", i, i % 1000 ? "" : " [mod]");
	}
	if (k)
		fclose(k);
	if (t)
		fclose(t);
	struct kinfo *ki = kinfo_new(&(struct kinfo_files){ .kallsyms = big_ks,
							    .traceable = big_tr });
	CHECK_EQ_INT(kinfo_kfunc_addr(ki, "func_number_3_with_a_longer_name"),
		     0xffffffff81000030ull);
	CHECK(kinfo_ksym_listed(ki, "func_number_9000_with_a_longer_name"));
	CHECK_EQ_INT(kinfo_ksym_addr(ki, "func_number_59999_with_a_longer_name"),
		     0xffffffff81000000ull + 16ull * 59999);
	char buf[80] = "";
	CHECK(kinfo_ksym_resolve(ki, 0xffffffff81000000ull + 16ull * 31234 + 5, true, buf,
				 sizeof(buf)));
	CHECK_EQ_STR(buf, "func_number_31234_with_a_longer_name+5");
	CHECK(!kinfo_ksym_listed(ki, "func_number_60000_with_a_longer_name"));
	bool fk = true;
	CHECK_EQ_INT(kinfo_traceable_each(ki, stop_at, "func_number_17_with_a_longer_name", &fk),
		     7);
	CHECK(!fk);
	CHECK_EQ_INT(kinfo_traceable_each(ki, stop_at, "func_number_45000_with_a_longer_name",
					  &fk), 7);
	const struct kinfo_func *f = NULL;
	size_t n = 0;
	CHECK_EQ_INT(kinfo_traceable(ki, &f, &n, &fk), 0);
	CHECK_EQ_INT(n, N);
	if (f && n == N) {
		CHECK_EQ_STR(f[0].module, "mod");
		CHECK(f[1].module == NULL);
		CHECK_EQ_STR(f[N - 1].name, "func_number_59999_with_a_longer_name");
		CHECK_EQ_STR(f[41000].module, "mod");
	}
	CHECK_EQ_INT(kinfo_traceable_each(ki, stop_at, "no_such", &fk), 0);
	kinfo_free(ki);
	/* the kallsyms fallback, with an early stop first */
	ki = kinfo_new(&(struct kinfo_files){ .kallsyms = big_ks, .traceable = none_path });
	CHECK_EQ_INT(kinfo_traceable_each(ki, stop_at, "func_number_2_with_a_longer_name", &fk),
		     7);
	CHECK(fk);
	CHECK_EQ_INT(kinfo_traceable(ki, &f, &n, &fk), 0);
	CHECK_EQ_INT(n, N);
	CHECK_EQ_INT(kinfo_kfunc_addr(ki, "func_number_59998_with_a_longer_name"),
		     0xffffffff81000000ull + 16ull * 59998);
	kinfo_free(ki);
	unlink(big_ks);
	unlink(big_tr);
	TEST_END();
}

static void test_kernel_btf(void)
{
	if (access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
		printf("skip kinfo: the running kernel's BTF (no /sys/kernel/btf/vmlinux)\n");
		return;
	}
	TEST_BEGIN("kinfo: the kernel's own BTF beside a given file, or the same one");
	struct kinfo *ki = kinfo_new(&(struct kinfo_files){ .btf = btf_path });
	int err = -1;
	struct btf *given = kinfo_btf(ki, NULL, NULL);
	struct btf *kernel = kinfo_kernel_btf(ki, &err);
	CHECK(given && kernel && given != kernel);
	CHECK_EQ_INT(err, 0);
	CHECK(kernel && btf__find_by_name_kind(kernel, "task_struct", BTF_KIND_STRUCT) > 0);
	kinfo_free(ki);
	ki = kinfo_new(NULL);
	kernel = kinfo_kernel_btf(ki, &err);
	CHECK(kernel && kernel == kinfo_btf(ki, NULL, NULL));
	kinfo_free(ki);
	TEST_END();
}

int main(void)
{
	libbpf_set_print(NULL);
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(ks_path, sizeof(ks_path), "%s/kallsyms", dir);
	snprintf(tr_path, sizeof(tr_path), "%s/available_filter_functions", dir);
	snprintf(btf_path, sizeof(btf_path), "%s/vmlinux", dir);
	snprintf(none_path, sizeof(none_path), "%s/missing", dir);
	write_file(ks_path, kallsyms, sizeof(kallsyms) - 1);
	write_file(tr_path, traceable, sizeof(traceable) - 1);
	write_btf(btf_path);
	unsetenv("BPFTRACE_BTF");

	test_kallsyms();
	test_traceable_ftrace();
	test_traceable_kallsyms();
	test_nothing_readable();
	test_btf_files();
	test_big_files();
	test_kernel_btf();

	unlink(ks_path);
	unlink(tr_path);
	unlink(btf_path);
	rmdir(dir);
	return check_summary();
}
