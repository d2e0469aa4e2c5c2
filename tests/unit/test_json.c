/*
 * tests/unit/test_json.c — the -f json printer, buffer/inet/timestamp text and the new
 * printf conversion %r, without a kernel.
 *
 * Owns: hand-built snapshots and values with the output bpftrace 0.17 wrote for the same
 * data (`bpftrace -f json -e 'BEGIN { ...; exit(); }'`, captured on this machine; each
 * case names its program).
 * Must not: need a kernel.
 */
#include <stdlib.h>
#include <string.h>

#include "../../runtime/snapshot.h"
#include "../../sema/abi.h"
#include "../../stdlib/format.h"
#include "../../stdlib/strings.h"
#include "check.h"

static struct type_pool pool;

static struct map_snapshot snap(const char *name, struct type key, struct type val, int n)
{
	struct map_snapshot s = { .name = name, .key = key, .val = val, .n = n };
	if (val.kind == TY_HIST)
		s.nslots = ABI_HIST_SLOTS;
	else if (val.kind == TY_LHIST)
		s.nslots = abi_lhist_slots(val.lh_min, val.lh_max, val.lh_step);
	s.entries = calloc((size_t)n, sizeof(*s.entries));
	for (int i = 0; i < n; i++) {
		if (key.kind != TY_NONE)
			s.entries[i].key = calloc(1, type_storage_size(&key) + 8);
		if (s.nslots)
			s.entries[i].slots = calloc(s.nslots, sizeof(uint64_t));
	}
	return s;
}

static char *json_of(struct map_snapshot *s, int64_t top, int64_t div)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	print_map_json(f, s, NULL, top, div);
	fclose(f);
	snapshot_free(s);
	return buf;
}

#define CHECK_JSON(s, top, div, exp)                                                        \
	do {                                                                                \
		char *got_ = json_of(&(s), top, div);                                       \
		CHECK_EQ_STR(got_, exp);                                                    \
		free(got_);                                                                 \
	} while (0)

static char *render(const char *fmt, const struct type *args, const uint32_t *offs, int n,
		    const uint8_t *payload, size_t len, const struct print_ctx *ctx)
{
	char *buf = NULL;
	size_t blen = 0;
	FILE *f = open_memstream(&buf, &blen);
	fmt_render(f, fmt, args, offs, n, payload, len, ctx);
	fclose(f);
	return buf;
}

int main(void)
{
	struct map_snapshot s;

	/* @c = count() (1 event); @mn = min(-5) */
	TEST_BEGIN("json: keyless count and signed min");
	s = snap("@c", type_none(), type_agg(TY_COUNT, false), 1);
	s.entries[0].value = 1;
	CHECK_JSON(s, 0, 0, "{\"type\": \"map\", \"data\": {\"@c\": 1}}\n");
	s = snap("@mn", type_none(), type_agg(TY_MIN, true), 1);
	s.entries[0].value = -5;
	CHECK_JSON(s, 0, 0, "{\"type\": \"map\", \"data\": {\"@mn\": -5}}\n");
	TEST_END();

	/* @x[1] = 10; @x[2] = 20; @x[3] = 30; print(@x, 2, 10) */
	TEST_BEGIN("json: keyed ints sorted by value, top and div");
	s = snap("@x", type_s64(), type_s64(), 3);
	for (int i = 0; i < 3; i++) {
		int64_t k = 3 - i;
		memcpy(s.entries[i].key, &k, 8);
		s.entries[i].value = k * 10;
	}
	CHECK_JSON(s, 2, 10, "{\"type\": \"map\", \"data\": {\"@x\": {\"2\": 2, \"3\": 3}}}\n");
	TEST_END();

	/* @m[1, "y\"q"] = count() — the key text joins with ',' and is JSON-escaped */
	TEST_BEGIN("json: multi-value key with a quote");
	struct type kel[2] = { type_s64(), type_str(8) };
	struct type kt = type_tuple(&pool, kel, 2);
	s = snap("@m", kt, type_agg(TY_COUNT, false), 1);
	int64_t one = 1;
	memcpy(s.entries[0].key, &one, 8);
	memcpy(s.entries[0].key + 8, "y\"q", 4);
	s.entries[0].value = 1;
	CHECK_JSON(s, 0, 0, "{\"type\": \"map\", \"data\": {\"@m\": {\"1,y\\\"q\": 1}}}\n");
	TEST_END();

	/* @h = hist(0); @h = hist(-1); @h = hist(1); @h = hist(5) */
	TEST_BEGIN("json: hist buckets incl. negative and zero");
	s = snap("@h", type_none(), type_agg(TY_HIST, true), 1);
	s.entries[0].slots[0] = 1, s.entries[0].slots[1] = 1, s.entries[0].slots[2] = 1;
	s.entries[0].slots[4] = 1;
	CHECK_JSON(s, 0, 0,
		   "{\"type\": \"hist\", \"data\": {\"@h\": [{\"max\": -1, \"count\": 1}, "
		   "{\"min\": 0, \"max\": 0, \"count\": 1}, {\"min\": 1, \"max\": 1, \"count\": 1}, "
		   "{\"min\": 2, \"max\": 3, \"count\": 0}, {\"min\": 4, \"max\": 7, \"count\": 1}]}}\n");
	TEST_END();

	/* @l = lhist(-1, 0, 10, 2); @l = lhist(50, 0, 10, 2) */
	TEST_BEGIN("json: lhist edges");
	struct type lt = type_agg(TY_LHIST, true);
	lt.lh_min = 0, lt.lh_max = 10, lt.lh_step = 2;
	s = snap("@l", type_none(), lt, 1);
	s.entries[0].slots[0] = 1, s.entries[0].slots[6] = 1;
	CHECK_JSON(s, 0, 0,
		   "{\"type\": \"hist\", \"data\": {\"@l\": [{\"max\": -1, \"count\": 1}, "
		   "{\"min\": 0, \"max\": 1, \"count\": 0}, {\"min\": 2, \"max\": 3, \"count\": 0}, "
		   "{\"min\": 4, \"max\": 5, \"count\": 0}, {\"min\": 6, \"max\": 7, \"count\": 0}, "
		   "{\"min\": 8, \"max\": 9, \"count\": 0}, {\"min\": 10, \"count\": 1}]}}\n");
	TEST_END();

	/* @st[3] = stats(2); @a = avg(3) — avg maps are "stats" too */
	TEST_BEGIN("json: stats and avg");
	s = snap("@st", type_s64(), type_agg(TY_STATS, true), 1);
	int64_t three = 3;
	memcpy(s.entries[0].key, &three, 8);
	s.entries[0].count = 1, s.entries[0].total = 2;
	CHECK_JSON(s, 0, 0,
		   "{\"type\": \"stats\", \"data\": {\"@st\": {\"3\": {\"count\": 1, "
		   "\"average\": 2, \"total\": 2}}}}\n");
	s = snap("@a", type_none(), type_agg(TY_AVG, true), 1);
	s.entries[0].count = 1, s.entries[0].total = 3;
	CHECK_JSON(s, 0, 0, "{\"type\": \"stats\", \"data\": {\"@a\": 3}}\n");
	TEST_END();

	/* @t = (1, "a"); @e[1] = 1; delete(@e[1]) — an empty map prints nothing */
	TEST_BEGIN("json: tuple value, empty map");
	struct type tel[2] = { type_s64(), type_str(2) };
	s = snap("@t", type_none(), type_tuple(&pool, tel, 2), 1);
	s.entries[0].bytes = calloc(1, 16);
	int64_t v1 = 1;
	memcpy(s.entries[0].bytes, &v1, 8);
	memcpy(s.entries[0].bytes + 8, "a", 2);
	CHECK_JSON(s, 0, 0, "{\"type\": \"map\", \"data\": {\"@t\": [1,\"a\"]}}\n");
	s = snap("@e", type_s64(), type_s64(), 0);
	CHECK_JSON(s, 0, 0, "");
	TEST_END();

	/* printf("q\"\\ \t tab\x01 é\n") */
	TEST_BEGIN("json: message escaping as 0.17, UTF-8 kept (0.17: \\uffffffNN)");
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	const char msg[] = "q\"\\ \t tab\x01 \xc3\xa9\n";
	print_json_message(f, "printf", msg, sizeof(msg) - 1);
	fclose(f);
	CHECK_EQ_STR(buf, "{\"type\": \"printf\", \"data\": \"q\\\"\\\\ \\t tab\\u0001 "
			  "\xc3\xa9\\n\"}\n");
	free(buf);
	TEST_END();

	/* printf("%r|%s|%-12s|\n", buf("a\x01\xffb", 4), ntop(2, 0x0101a8c0), ntop(1)) */
	TEST_BEGIN("format: %r of a buffer, ntop text with padding");
	struct type args[3] = { type_str(5), type_str(ABI_INET_SIZE), type_str(ABI_INET_SIZE) };
	args[0].sub = SUB_BUF, args[1].sub = SUB_INET, args[2].sub = SUB_INET;
	uint32_t offs[3];
	uint32_t size = abi_tuple_layout(args, 3, offs);
	uint8_t pl[128] = { 0 };
	memcpy(pl + offs[0], "\x04" "a\x01\xff" "b", 5);
	uint64_t af = 2;
	uint32_t a1 = 0x0101a8c0, a2 = 1;
	memcpy(pl + offs[1], &af, 8), memcpy(pl + offs[1] + 8, &a1, 4);
	memcpy(pl + offs[2], &af, 8), memcpy(pl + offs[2] + 8, &a2, 4);
	char *out = render("%r|%s|%-12s|\n", args, offs, 3, pl, size, NULL);
	CHECK_EQ_STR(out, "a\\x01\\xffb|192.168.1.1|1.0.0.0     |\n");
	free(out);
	char err[256];
	int bad = -1;
	CHECK(fmt_check("%s\n", args, 1, err, sizeof(err), &bad) < 0);
	CHECK_EQ_STR(err, "printf: %s specifier expects a value of type string (buffer supplied)");
	CHECK(fmt_check("%r\n", &args[1], 1, err, sizeof(err), &bad) < 0);
	TEST_END();

	TEST_BEGIN("strings: strftime %f and ntop of IPv6");
	char t[64];
	str_strftime(t, sizeof(t), "%%f=%f", 1234567890);
	CHECK_EQ_INT(strlen(t), 9);
	CHECK(strncmp(t, "%f=", 3) == 0);
	struct type it = type_str(ABI_INET_SIZE);
	it.sub = SUB_INET;
	uint8_t v6[24] = { 10 };
	v6[8 + 15] = 1;
	FILE *m = fmemopen(t, sizeof(t), "w");
	fmt_value(m, &it, v6, NULL); /* ntop's print hook (stdlib/builtin_strings.c) */
	fclose(m);
	CHECK_EQ_STR(t, "::1");
	TEST_END();

	type_pool_free(&pool);
	return check_summary();
}
