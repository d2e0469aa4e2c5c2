/*
 * tests/unit/test_json_values.c — "JSON always parses": the JSON string escaper
 * (stdlib/strings.c) and the -f json value printers (runtime/print_json.c,
 * stdlib/record_fmt.c) for the value kinds bpftrace 0.17 wrote as invalid JSON, without a
 * kernel.
 *
 * Owns: exact expected bytes for control characters, well-formed and malformed UTF-8,
 * NUL in messages, symbols/stacks/strftime/ntop/buf/probe values as JSON strings, tuples
 * of them, non-finite floats in records, and the lost_events message.
 * Must not: need a kernel; values that 0.17 prints as valid JSON are test_json.c's.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../runtime/snapshot.h"
#include "../../sema/abi.h"
#include "../../sema/ctypes.h"
#include "../../stdlib/format.h"
#include "../../stdlib/record_fmt.h"
#include "../../stdlib/strings.h"
#include "../../stdlib/symfmt.h"
#include "check.h"

static char *esc(const char *s, size_t n, bool bytes)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (bytes)
		str_json_escape_bytes(f, s, n);
	else
		str_json_escape(f, s, n);
	fclose(f);
	return buf;
}

#define CHECK_ESC(lit, bytes, exp)                                                          \
	do {                                                                                \
		char *got_ = esc(lit, sizeof(lit) - 1, bytes);                              \
		CHECK_EQ_STR(got_, exp);                                                    \
		free(got_);                                                                 \
	} while (0)

static char *value(const struct type *t, const void *bytes, const struct print_ctx *ctx)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	print_json_value(f, t, bytes, ctx);
	fclose(f);
	return buf;
}

#define CHECK_VALUE(t, bytes, ctx, exp)                                                     \
	do {                                                                                \
		char *got_ = value(t, bytes, ctx);                                          \
		CHECK_EQ_STR(got_, exp);                                                    \
		free(got_);                                                                 \
	} while (0)

static bool fake_ksym(void *ctx, uint64_t addr, bool with_off, char *buf, size_t len)
{
	const char *name = addr >= 0xffffffff81000100 ? "do_sys_open\"x" : "vfs_read";
	uint64_t base = addr >= 0xffffffff81000100 ? 0xffffffff81000100 : 0xffffffff81000000;
	if (with_off)
		snprintf(buf, len, "%s+%llu", name, (unsigned long long)(addr - base));
	else
		snprintf(buf, len, "%s", name);
	return true;
}

static int fake_stack(void *ctx, bool user, uint32_t frames, int64_t id, uint64_t *ips, int max)
{
	ips[0] = 0xffffffff81000010;
	ips[1] = 0xffffffff81000104;
	return max < 2 ? max : 2;
}

static struct type sub_int(uint8_t sub, int32_t fmt_id)
{
	struct type t = type_u64();
	t.sub = sub;
	t.fmt_id = fmt_id;
	return t;
}

int main(void)
{
	TEST_BEGIN("json escape: quotes, backslash, every control character");
	CHECK_ESC("a\"b\\c/d", false, "a\\\"b\\\\c/d");
	CHECK_ESC("\b\f\n\r\t", false, "\\b\\f\\n\\r\\t");
	CHECK_ESC("\x01\x02\x1b\x1f\x7f", false, "\\u0001\\u0002\\u001b\\u001f\x7f");
	TEST_END();

	TEST_BEGIN("json escape: well-formed UTF-8 is kept as is");
	CHECK_ESC("\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf", false,
		  "\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf");
	TEST_END();

	TEST_BEGIN("json escape: bytes outside UTF-8 are \\u00NN (0.17: \\uffffffNN)");
	CHECK_ESC("\xff", false, "\\u00ff");
	CHECK_ESC("\x80x", false, "\\u0080x");         /* lone continuation byte */
	CHECK_ESC("\xc0\x80", false, "\\u00c0\\u0080"); /* overlong NUL */
	CHECK_ESC("\xc3", false, "\\u00c3");            /* cut short at the end */
	CHECK_ESC("\xe2\x82", false, "\\u00e2\\u0082");  /* cut short */
	CHECK_ESC("\xe2\x28\xa1", false, "\\u00e2(\\u00a1");
	CHECK_ESC("\xed\xa0\x80", false, "\\u00ed\\u00a0\\u0080"); /* a surrogate */
	CHECK_ESC("\xe0\x80\xaf", false, "\\u00e0\\u0080\\u00af"); /* overlong */
	CHECK_ESC("\xf0\x8f\xbf\xbf", false, "\\u00f0\\u008f\\u00bf\\u00bf");
	CHECK_ESC("\xf4\x90\x80\x80", false, "\\u00f4\\u0090\\u0080\\u0080"); /* > U+10FFFF */
	CHECK_ESC("\xf5\xfe", false, "\\u00f5\\u00fe");
	TEST_END();

	TEST_BEGIN("json escape: strings end at NUL, message text escapes it");
	CHECK_ESC("ab\0cd", false, "ab");
	CHECK_ESC("ab\0cd", true, "ab\\u0000cd");
	TEST_END();

	TEST_BEGIN("json values: strftime, ksym, stacks without symbols are strings");
	const char *fmts[] = { "%H:%M \"q\"\t" };
	struct print_ctx ctx = { .strftime_fmts = fmts, .nfmts = 1 };
	uint64_t v = 0;
	struct type ts = sub_int(SUB_TSTAMP, 0);
	char *got = value(&ts, &v, &ctx);
	/* "HH:MM \"q\"\t": whatever the time zone, quoted and escaped */
	CHECK(got && strlen(got) == 15 && got[0] == '"' && got[3] == ':' &&
	      strcmp(got + 6, " \\\"q\\\"\\t\"") == 0);
	free(got);
	struct type ks = sub_int(SUB_KSYM, 0);
	v = 0xffffffff81000000ull;
	CHECK_VALUE(&ks, &v, &ctx, "\"0xffffffff81000000\"");
	struct type kst = sub_int(SUB_KSTACK, 127);
	v = (uint64_t)-1;
	CHECK_VALUE(&kst, &v, &ctx, "\"\"");
	struct type plain = type_s64();
	int64_t neg = -7;
	CHECK_VALUE(&plain, &neg, &ctx, "-7");
	TEST_END();

	TEST_BEGIN("json values: ntop, buf, probe, string with bytes outside UTF-8");
	uint8_t inet[ABI_INET_SIZE] = { 2, 0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 1 };
	struct type in = type_str(ABI_INET_SIZE);
	in.sub = SUB_INET;
	CHECK_VALUE(&in, inet, &ctx, "\"10.0.0.1\"");
	uint8_t b[6] = { 4, 'a', '"', 0x01, 0xff };
	struct type bt = type_str(6);
	bt.sub = SUB_BUF;
	CHECK_VALUE(&bt, b, &ctx, "\"a\\\"\\\\x01\\\\xff\"");
	const char *names[] = { "tracepoint:a:b" };
	struct print_ctx pctx = { .probe_names = names, .nprobes = 1 };
	struct type pr = { .kind = TY_PROBE, .size = 8 };
	v = 0;
	CHECK_VALUE(&pr, &v, &pctx, "\"tracepoint:a:b\"");
	struct type st = type_str(8);
	CHECK_VALUE(&st, "x\xff\tz", &ctx, "\"x\\u00ff\\tz\"");
	TEST_END();

	TEST_BEGIN("json values: a tuple of int, strftime, ksym is [n,\"..\",\"..\"]");
	struct type_pool pool = { 0 };
	struct type el[3] = { type_s64(), sub_int(SUB_TSTAMP, 0), sub_int(SUB_KSYM, 0) };
	const char *hfmt[] = { "x" };
	struct print_ctx hctx = { .strftime_fmts = hfmt, .nfmts = 1 };
	struct type tup = type_tuple(&pool, el, 3);
	uint8_t tb[24] = { 5 };
	tb[16] = 0x10;
	CHECK_VALUE(&tup, tb, &hctx, "[5,\"x\",\"0x10\"]");
	type_pool_free(&pool);
	TEST_END();

	TEST_BEGIN("json records: nan/inf floats are strings, char arrays escaped");
	struct ctypes *reg = ctypes_new();
	struct ctype *rec = ctypes_add(reg, CT_STRUCT, "f");
	struct ctype *fl = ctypes_add(reg, CT_FLOAT, "double");
	fl->size = fl->align = 8;
	const struct ctype *chars = ctypes_array(reg, ctypes_int(reg, 1, true), 4);
	rec->members = calloc(4, sizeof(*rec->members));
	const char *mn[4] = { "a", "b", "c", "s" };
	for (int i = 0; i < 4; i++) {
		rec->members[i].name = strdup(mn[i]);
		rec->members[i].type = i < 3 ? fl : chars;
		rec->members[i].bit_off = (uint64_t)i * 64;
	}
	rec->nmembers = 4;
	rec->size = 28;
	uint8_t rb[28] = { 0 };
	double d[3] = { NAN, -INFINITY, 1.5 };
	memcpy(rb, d, sizeof(d));
	memcpy(rb + 24, "\x01\xfe\"", 3);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	fmt_record(f, rec, rb, sizeof(rb), true);
	fclose(f);
	CHECK_EQ_STR(buf, "{ \"a\": \"nan\", \"b\": \"-inf\", \"c\": 1.5, "
			  "\"s\": \"\\u0001\\u00fe\\\"\" }");
	free(buf);
	ctypes_free(reg);
	TEST_END();

	TEST_BEGIN("json maps: a kstack key (4-space frames) with ksym values, escaped");
	struct print_syms syms = { .ksym = fake_ksym, .stack = fake_stack };
	struct print_ctx sctx = { .syms = &syms };
	struct map_snapshot m = { .name = "@m", .key = sub_int(SUB_KSTACK, 2),
				  .val = sub_int(SUB_KSYM, 0), .n = 1 };
	m.entries = calloc(1, sizeof(*m.entries));
	m.entries[0].key = calloc(1, 16);
	m.entries[0].value = (int64_t)0xffffffff81000100ull;
	buf = NULL;
	f = open_memstream(&buf, &len);
	print_map_json(f, &m, &sctx, 0, 0);
	fclose(f);
	snapshot_free(&m);
	CHECK_EQ_STR(buf, "{\"type\": \"map\", \"data\": {\"@m\": {\"\\n    vfs_read+16\\n"
			  "    do_sys_open\\\"x+4\\n\": \"do_sys_open\\\"x\"}}}\n");
	free(buf);
	TEST_END();

	TEST_BEGIN("json messages: lost events as 0.17's lost_events");
	buf = NULL;
	f = open_memstream(&buf, &len);
	print_json_lost(f, 42);
	fclose(f);
	CHECK_EQ_STR(buf, "{\"type\": \"lost_events\", \"data\": {\"events\": 42}}\n");
	free(buf);
	TEST_END();

	return check_summary();
}
