/*
 * tests/unit/test_tuple_layout.c — tuples laid out like C structs, as bpftrace 0.17 lays
 * them out (abi_tuple_layout, type_elem_size/type_elem_align), and the printers reading
 * their narrow integer elements back, without a kernel.
 *
 * Owns: element offsets and total sizes for mixed widths, strings, nested tuples, structs
 * and arrays (each size checked against `bpftrace -e 'BEGIN { print(sizeof($t)) }'`
 * v0.17.0 on this machine), the event-payload layout that stays 8-aligned
 * (abi_args_layout), abi_elem_int's sign and zero extension, and fmt_value /
 * print_json_value of a hand-built mixed tuple.
 * Must not: need a kernel.
 */
#include <stdlib.h>
#include <string.h>

#include "../../sema/abi.h"
#include "../../runtime/snapshot.h"
#include "../../sema/ctypes.h"
#include "../../stdlib/format.h"
#include "check.h"

static struct type_pool pool;

static struct type i(uint32_t size, bool sg) { return type_int(size, sg); }

static char *text(const struct type *t, const void *bytes, bool json)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (json)
		print_json_value(f, t, bytes, NULL);
	else
		fmt_value(f, t, bytes, NULL);
	fclose(f);
	return buf;
}

int main(void)
{
	uint32_t offs[16];

	TEST_BEGIN("tuple layout: integers keep their width, aligned to it");
	{
		struct type a[3] = { i(1, true), i(2, true), i(4, true) };
		CHECK_EQ_INT(abi_tuple_layout(a, 3, offs), 8);
		CHECK_EQ_INT(offs[1], 2);
		CHECK_EQ_INT(offs[2], 4);
		struct type b[3] = { i(4, true), i(2, true), i(1, true) };
		CHECK_EQ_INT(abi_tuple_layout(b, 3, offs), 8);
		CHECK_EQ_INT(offs[2], 6);
		struct type c[4] = { i(1, true), i(8, true), i(1, true), i(8, true) };
		CHECK_EQ_INT(abi_tuple_layout(c, 4, offs), 32);
		CHECK_EQ_INT(offs[3], 24);
		struct type d[2] = { i(1, false), i(2, false) };
		CHECK_EQ_INT(abi_tuple_layout(d, 2, offs), 4); /* rounded to 2, not 8 */
	}
	TEST_END();

	TEST_BEGIN("tuple layout: strings align to 1, nested tuples to their widest element");
	{
		/* ((int8)-100, (int8)100, "abcdef", 3, (int32)1, (int64)-10, (int8)10,
		 *  (int16)-555, "abc"): 48 in 0.17 */
		struct type a[9] = { i(1, true), i(1, true), type_str(7), i(8, true), i(4, true),
				     i(8, true), i(1, true), i(2, true), type_str(4) };
		CHECK_EQ_INT(abi_tuple_layout(a, 9, offs), 48);
		CHECK_EQ_INT(offs[2], 2);
		CHECK_EQ_INT(offs[3], 16);
		CHECK_EQ_INT(offs[7], 42);
		CHECK_EQ_INT(offs[8], 44);
		struct type in[3] = { i(1, true), type_str(3), i(4, true) };
		struct type nested = type_tuple(&pool, in, 3);
		CHECK_EQ_INT(nested.size, 8);
		CHECK_EQ_INT(type_elem_align(&nested), 4);
		struct type o[4] = { i(1, true), type_str(3), i(2, true), nested };
		CHECK_EQ_INT(abi_tuple_layout(o, 4, offs), 16);
		CHECK_EQ_INT(offs[3], 8);
		struct type s[3] = { type_str(2), type_str(3), i(2, false) };
		CHECK_EQ_INT(abi_tuple_layout(s, 3, offs), 8);
		CHECK_EQ_INT(offs[2], 6);
	}
	TEST_END();

	TEST_BEGIN("tuple layout: structs align to 1, arrays to their element (0.17)");
	{
		struct ctypes *reg = ctypes_new();
		struct ctype *inner = ctypes_add(reg, CT_STRUCT, "inner");
		inner->state = CT_COMPLETE;
		inner->size = 8;
		inner->align = 4;
		struct type rec = { .kind = TY_RECORD, .ct = inner };
		const struct ctype *arr = ctypes_array(reg, ctypes_int(reg, 2, true), 3);
		struct type ar = { .kind = TY_RECORD, .ct = arr };
		/* ((int8)-1, struct inner, (int8)7, short[3], "z", char[8] as a string): 26 */
		struct type a[6] = { i(1, true), rec, i(1, true), ar, type_str(2), type_str(8) };
		CHECK_EQ_INT(abi_tuple_layout(a, 6, offs), 26);
		CHECK_EQ_INT(offs[1], 1);
		CHECK_EQ_INT(offs[2], 9);
		CHECK_EQ_INT(offs[3], 10);
		CHECK_EQ_INT(offs[4], 16);
		/* ((int32)1, struct Foo { int m; int n; }) is 12, (int32, int[4]) 20 */
		struct type b[2] = { i(4, true), rec };
		CHECK_EQ_INT(abi_tuple_layout(b, 2, offs), 12);
		struct type ar4 = { .kind = TY_RECORD,
				    .ct = ctypes_array(reg, ctypes_int(reg, 4, true), 4) };
		struct type c[2] = { i(4, true), ar4 };
		CHECK_EQ_INT(abi_tuple_layout(c, 2, offs), 20);
		ctypes_free(reg);
	}
	TEST_END();

	TEST_BEGIN("tuple layout: event payloads stay in 8-byte slots");
	{
		struct type a[3] = { i(1, true), type_str(3), i(2, true) };
		CHECK_EQ_INT(abi_args_layout(a, 3, offs), 24);
		CHECK_EQ_INT(offs[1], 8);
		CHECK_EQ_INT(offs[2], 16);
	}
	TEST_END();

	TEST_BEGIN("tuple layout: narrow integer elements extend by their sign");
	{
		uint8_t b[8] = { 0x9c, 0xd5, 0xfd, 0xff, 0x11, 0x22, 0x33, 0x44 };
		struct type s8 = i(1, true), u8 = i(1, false), s16 = i(2, true), s32 = i(4, true);
		CHECK(abi_elem_int(&s8, b) == (uint64_t)-100);
		CHECK(abi_elem_int(&u8, b) == 156);
		CHECK(abi_elem_int(&s16, b) == (uint64_t)(int64_t)(int16_t)0xd59c);
		CHECK(abi_elem_int(&s32, b) == (uint64_t)(int64_t)(int32_t)0xfffdd59c);
		struct type s64 = i(8, true);
		CHECK(abi_elem_int(&s64, b) == 0x44332211fffdd59cull);
	}
	TEST_END();

	TEST_BEGIN("tuple layout: text and JSON of a hand-built mixed tuple");
	{
		/* ((int8)-1, "ab", (int16)-300, ((int8)5, "de", (int32)-7), (uint8)255) */
		struct type in[3] = { i(1, true), type_str(3), i(4, true) };
		struct type nested = type_tuple(&pool, in, 3);
		struct type el[5] = { i(1, true), type_str(3), i(2, true), nested, i(1, false) };
		struct type t = type_tuple(&pool, el, 5);
		CHECK_EQ_INT(t.size, 20);
		uint8_t b[20] = { 0 };
		int16_t m300 = -300;
		int32_t m7 = -7;
		b[0] = 0xff;
		memcpy(b + 1, "ab", 3);
		memcpy(b + 4, &m300, 2);
		b[8] = 5;
		memcpy(b + 9, "de", 3);
		memcpy(b + 12, &m7, 4);
		b[16] = 255;
		char *got = text(&t, b, false);
		CHECK_EQ_STR(got, "(-1, ab, -300, (5, de, -7), 255)");
		free(got);
		got = text(&t, b, true);
		CHECK_EQ_STR(got, "[-1,\"ab\",-300,[5,\"de\",-7],255]");
		free(got);
	}
	TEST_END();

	type_pool_free(&pool);
	return check_summary();
}
