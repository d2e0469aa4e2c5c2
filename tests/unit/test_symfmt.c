/*
 * tests/unit/test_symfmt.c — stacks and symbols printed as bpftrace 0.17 prints them, with
 * fake symbol callbacks (no kernel): map-key and value indentation, perf mode, unknown
 * addresses, empty stacks, usym/ksym/func, printf %s, plus the ELF helpers on our own
 * workload binary.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../runtime/elf_symbols.h"
#include "../../runtime/snapshot.h"
#include "../../stdlib/symfmt.h"
#include "check.h"

/* Stack 7 is three kernel frames; stack 8 is two user frames; others are empty. */
static int fake_stack(void *ctx, bool user, uint32_t frames, int64_t id, uint64_t *ips, int max)
{
	static const uint64_t k[] = { 0xffffffff81000010, 0xffffffff81000120, 0x1234 };
	static const uint64_t u[] = { 0x401000, 0x401234 };
	int n = 0;
	if (!user && id == 7)
		for (; n < 3 && (uint32_t)n < frames; n++)
			ips[n] = k[n];
	if (user && id == 8)
		for (; n < 2 && (uint32_t)n < frames; n++)
			ips[n] = u[n];
	return n;
}

static bool fake_ksym(void *ctx, uint64_t addr, bool with_off, char *buf, size_t len)
{
	if (addr < 0xffffffff81000000)
		return false;
	const char *name = addr >= 0xffffffff81000100 ? "do_syscall_64" : "perf_syscall_enter";
	uint64_t base = addr >= 0xffffffff81000100 ? 0xffffffff81000100 : 0xffffffff81000000;
	if (with_off)
		snprintf(buf, len, "%s+%llu", name, (unsigned long long)(addr - base));
	else
		snprintf(buf, len, "%s", name);
	return true;
}

static bool fake_usym(void *ctx, uint32_t pid, uint64_t addr, bool with_off, char *buf, size_t len,
		      char *module, size_t mlen)
{
	if (module)
		snprintf(module, mlen, "/usr/bin/app");
	if (pid != 42)
		return false;
	snprintf(buf, len, with_off ? "%s+%llu" : "%s", addr >= 0x401200 ? "outer" : "leaf",
		 (unsigned long long)(addr - (addr >= 0x401200 ? 0x401200 : 0x401000)));
	return true;
}

static bool fake_username(uint64_t uid, char *buf, size_t len)
{
	if (uid != 1000)
		return false;
	snprintf(buf, len, "alice");
	return true;
}

/* build_id stack 9: a frame with a build id, then one the kernel only had an address for */
static int fake_stack_bid(void *ctx, uint32_t frames, int64_t id, struct symfmt_build_id *out,
			  int max)
{
	(void)ctx;
	if (id != 9 || max < 2 || frames < 2)
		return 0;
	memset(out, 0, 2 * sizeof(*out));
	out[0].status = 1;
	for (int i = 0; i < 20; i++)
		out[0].build_id[i] = (uint8_t)(0xa0 + i);
	out[0].offset = 0x11cf;
	out[1].status = 2;
	out[1].offset = 0x7f0011223344;
	return 2;
}

static const struct print_syms syms = { .ksym = fake_ksym, .usym = fake_usym,
					.stack = fake_stack, .username = fake_username,
					.stack_build_id = fake_stack_bid };
static const char *const probes[] = { "uprobe:/usr/bin/app:leaf", "uprobe:/usr/bin/app:mid" };
static const char *const funcs[] = { "leaf", "mid" };
static const struct print_ctx pctx = { .probe_names = probes, .nprobes = 2, .func_names = funcs,
				       .syms = &syms };

static struct type stack_t(uint8_t sub, uint32_t frames, bool perf)
{
	struct type t = type_u64();
	t.sub = sub;
	t.fmt_id = (int32_t)(frames | (perf ? SUB_STACK_PERF : 0));
	return t;
}

static char *value_text(const struct type *t, const void *bytes, int indent)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	symfmt_print(f, t, bytes, &pctx, indent);
	fclose(f);
	return buf;
}

/* One-entry map @name[key] = count 3, printed by print_map. */
static char *map_text(const struct type *key, const void *kbytes)
{
	uint8_t kb[16];
	memcpy(kb, kbytes, type_storage_size(key));
	struct snap_entry e = { .key = kb, .value = 3 };
	struct map_snapshot s = { .name = "@", .key = *key, .val = type_agg(TY_COUNT, false),
				  .entries = &e, .n = 1 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	print_map(f, &s, &pctx, 0, 0);
	fclose(f);
	return buf;
}

static void test_sysinfo_values(void)
{
	TEST_BEGIN("symfmt: username, strerror, macaddr values");
	char buf[256];
	struct type t = type_u64();
	uint64_t v = 1000;
	t.sub = SUB_USERNAME;
	CHECK(symfmt_handles(&t));
	FILE *m = fmemopen(buf, sizeof(buf), "w");
	symfmt_print(m, &t, (const uint8_t *)&v, &pctx, 0);
	v = 1001; /* unknown: the number */
	fputc('|', m);
	symfmt_print(m, &t, (const uint8_t *)&v, &pctx, 0);
	fputc('|', m);
	t.sub = SUB_STRERROR;
	v = 2;
	symfmt_print(m, &t, (const uint8_t *)&v, &pctx, 0);
	fputc('|', m);
	t.sub = SUB_MACADDR;
	v = 0x0201020304abull; /* first byte lowest */
	symfmt_print(m, &t, (const uint8_t *)&v, &pctx, 0);
	fclose(m);
	CHECK_EQ_STR(buf, "alice|1001|No such file or directory|AB:04:03:02:01:02");
	TEST_END();
}

int main(void)
{
	char *s;
	uint64_t v;

	test_sysinfo_values();

	TEST_BEGIN("symfmt: kstack in a map key indents frames by 4");
	struct type ks = stack_t(SUB_KSTACK, 127, false);
	v = 7;
	s = map_text(&ks, &v);
	CHECK_EQ_STR(s, "@[\n    perf_syscall_enter+16\n    do_syscall_64+32\n    0x1234\n]: 3\n");
	free(s);
	TEST_END();

	TEST_BEGIN("symfmt: kstack as a value indents by 8; a limit cuts frames");
	s = value_text(&ks, &v, 8);
	CHECK_EQ_STR(s, "\n        perf_syscall_enter+16\n        do_syscall_64+32\n        0x1234\n");
	free(s);
	struct type k2 = stack_t(SUB_KSTACK, 2, false);
	s = value_text(&k2, &v, 8);
	CHECK_EQ_STR(s, "\n        perf_syscall_enter+16\n        do_syscall_64+32\n");
	free(s);
	TEST_END();

	TEST_BEGIN("symfmt: perf mode: tab, hex address, symbol (user: module)");
	struct type kp = stack_t(SUB_KSTACK, 127, true);
	s = value_text(&kp, &v, 8);
	CHECK_EQ_STR(s, "\n\tffffffff81000010 perf_syscall_enter+16\n\tffffffff81000120 "
			"do_syscall_64+32\n\t1234 0x1234\n");
	free(s);
	struct type up = stack_t(SUB_USTACK, 127, true);
	v = (42ull << 32) | 8;
	s = value_text(&up, &v, 8);
	CHECK_EQ_STR(s, "\n\t401000 leaf+0 (/usr/bin/app)\n\t401234 outer+52 (/usr/bin/app)\n");
	free(s);
	TEST_END();

	TEST_BEGIN("symfmt: ustack of an unknown process prints hex; empty stacks print nothing");
	struct type us = stack_t(SUB_USTACK, 127, false);
	v = (7ull << 32) | 8;
	s = value_text(&us, &v, 4);
	CHECK_EQ_STR(s, "\n    0x401000\n    0x401234\n");
	free(s);
	v = (uint64_t)(int64_t)-14; /* bpf_get_stackid failed: -EFAULT */
	s = map_text(&ks, &v);
	CHECK_EQ_STR(s, "@[]: 3\n");
	free(s);
	TEST_END();

	TEST_BEGIN("symfmt: ustack(build_id): build id and offset, or the address, not indented");
	struct type ubid = stack_t(SUB_USTACK, 127, false);
	ubid.fmt_id |= SUB_STACK_BUILD_ID;
	v = (7ull << 32) | 9;
	s = map_text(&ubid, &v);
	CHECK_EQ_STR(s, "@[\na0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3 0x11cf\n7f0011223344\n]: 3\n");
	free(s);
	TEST_END();

	TEST_BEGIN("symfmt: ustack and comm in a tuple key");
	struct type el[2] = { us, type_str(16) };
	struct type_pool pool = { 0 };
	struct type tup = type_tuple(&pool, el, 2);
	uint8_t kb[24] = { 0 };
	v = (42ull << 32) | 8;
	memcpy(kb, &v, 8);
	memcpy(kb + 8, "app", 4);
	uint8_t e_key[24];
	memcpy(e_key, kb, 24);
	struct snap_entry e = { .key = e_key, .value = 5 };
	struct map_snapshot snap = { .name = "@", .key = tup, .val = type_agg(TY_COUNT, false),
				     .entries = &e, .n = 1 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	print_map(f, &snap, &pctx, 0, 0);
	fclose(f);
	CHECK_EQ_STR(buf, "@[\n    leaf+0\n    outer+52\n, app]: 5\n");
	free(buf);
	type_pool_free(&pool);
	TEST_END();

	TEST_BEGIN("symfmt: ksym, usym and func");
	struct type kt = type_u64();
	kt.sub = SUB_KSYM;
	v = 0xffffffff81000123;
	s = value_text(&kt, &v, 8);
	CHECK_EQ_STR(s, "do_syscall_64");
	free(s);
	v = 0x10;
	s = value_text(&kt, &v, 8);
	CHECK_EQ_STR(s, "0x10");
	free(s);
	struct type ut = type_str(16);
	ut.sub = SUB_USYM;
	uint64_t ub[2] = { 0x401210, 42 };
	s = value_text(&ut, ub, 8);
	CHECK_EQ_STR(s, "outer");
	free(s);
	struct type ft = type_u64();
	ft.sub = SUB_FUNC;
	v = 1;
	s = value_text(&ft, &v, 8);
	CHECK_EQ_STR(s, "mid");
	free(s);
	TEST_END();

	TEST_BEGIN("symfmt: printf %s of a stack and a symbol");
	struct type args[2] = { k2, kt };
	uint32_t offs[2] = { 0, 8 };
	uint64_t payload[2] = { 7, 0xffffffff81000005 };
	buf = NULL;
	f = open_memstream(&buf, &len);
	fmt_render(f, "[%s] %s\n", args, offs, 2, (const uint8_t *)payload, sizeof(payload), &pctx);
	fclose(f);
	CHECK_EQ_STR(buf, "[\n        perf_syscall_enter+16\n        do_syscall_64+32\n] "
			  "perf_syscall_enter\n");
	free(buf);
	TEST_END();

	TEST_BEGIN("elf: symbols and offsets of the uprobe_target workload");
	struct elf_file ef;
	char err[256];
	CHECK_EQ_INT(elf_file_load("build/workloads/uprobe_target", &ef, err, sizeof(err)), 0);
	const struct elf_sym *add = elf_sym_by_name(&ef, "add");
	CHECK(add != NULL);
	CHECK(ef.is_dyn);
	if (add) {
		uint64_t off = 0, back = 0;
		CHECK_EQ_INT(elf_vaddr_to_offset(&ef, add->addr, &off), 0);
		CHECK_EQ_INT(elf_offset_to_vaddr(&ef, off, &back), 0);
		CHECK_EQ_INT(back, add->addr);
		CHECK(elf_sym_by_addr(&ef, add->addr + 1) == add);
	}
	CHECK(elf_sym_by_name(&ef, "no_such_function") == NULL);
	elf_file_free(&ef);
	CHECK_EQ_INT(elf_file_load("/etc/passwd", &ef, err, sizeof(err)), -ENOEXEC);
	CHECK_EQ_INT(elf_file_load("/nonexistent/x", &ef, err, sizeof(err)), -ENOENT);
	TEST_END();

	return check_summary();
}
