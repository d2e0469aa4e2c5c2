/*
 * tests/unit/test_record_fmt.c — struct/union/array values printed as bpftrace 0.17 prints
 * them (stdlib/record_fmt.c, reached through fmt_value and print_json_value), without a
 * kernel.
 *
 * Owns: C types built by hand with the layout the C compiler gives the same definition
 * (offsetof), bytes made the way tests/workloads/struct_write.c makes them, and the exact
 * text bpftrace 0.17 printed on this machine for `@r = *(struct rec *)args->buf` over that
 * workload's write(2) buffer (text and -f json).
 * Must not: need a kernel or BTF.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../runtime/snapshot.h"
#include "../../sema/ctypes.h"
#include "../../stdlib/format.h"
#include "../../stdlib/record_fmt.h"
#include "check.h"

/* tests/workloads/struct_write.c's struct, filled as it fills it (next fixed) */
struct wrec {
	int32_t a;
	char name[12];
	uint64_t big;
	uint16_t arr[4];
	unsigned int f1 : 3, f2 : 9;
	int f3 : 4;
	struct {
		int x;
		int y;
	} pt;
	int8_t neg;
	uint64_t next;
};

/* the script's view of those bytes in the bpftrace run (tests the format's corners) */
union u3 {
	int i;
	unsigned char b[4];
};
struct s3 {
	int a;
	union u3 un;
	struct {
		short lo;
		short hi;
	} anon;
	struct {
		int q;
		int r;
	};
	unsigned short arr[2][2];
	char nm[2][6];
	_Bool flag;
	int *ip;
};

static void member(struct ctype *rec, const char *name, const struct ctype *t, uint32_t byte_off)
{
	rec->members = realloc(rec->members, sizeof(*rec->members) * (size_t)(rec->nmembers + 1));
	struct cmember *m = &rec->members[rec->nmembers++];
	memset(m, 0, sizeof(*m));
	m->name = strdup(name);
	m->type = t;
	m->bit_off = byte_off * 8;
}

static void fill_wrec(struct wrec *r)
{
	memset(r, 0, sizeof(*r));
	r->a = -5;
	strcpy(r->name, "hello");
	r->big = 0x1122334455667788ull;
	for (int i = 0; i < 4; i++)
		r->arr[i] = (uint16_t)(10 * (i + 1));
	r->f1 = 5;
	r->f2 = 300;
	r->f3 = -3;
	r->pt.x = 7;
	r->pt.y = 8;
	r->neg = -100;
	r->next = 93905537957984ull;
}

static const struct ctype *build_s3(struct ctypes *reg)
{
	const struct ctype *i32 = ctypes_int(reg, 4, true), *i16 = ctypes_int(reg, 2, true);
	const struct ctype *u16 = ctypes_int(reg, 2, false), *u8 = ctypes_int(reg, 1, false);
	const struct ctype *ch = ctypes_int(reg, 1, true);

	struct ctype *un = ctypes_add(reg, CT_UNION, "u");
	member(un, "i", i32, 0);
	member(un, "b", ctypes_array(reg, u8, 4), 0);
	un->size = un->align = 4;

	struct ctype *anon = ctypes_add(reg, CT_STRUCT, NULL);
	member(anon, "lo", i16, 0);
	member(anon, "hi", i16, 2);
	anon->size = 4;
	struct ctype *qr = ctypes_add(reg, CT_STRUCT, NULL);
	member(qr, "q", i32, 0);
	member(qr, "r", i32, 4);
	qr->size = 8;

	struct ctype *s = ctypes_add(reg, CT_STRUCT, "rec");
	member(s, "a", i32, offsetof(struct s3, a));
	member(s, "un", un, offsetof(struct s3, un));
	member(s, "anon", anon, offsetof(struct s3, anon));
	member(s, "", qr, offsetof(struct s3, q));
	member(s, "arr", ctypes_array(reg, ctypes_array(reg, u16, 2), 2), offsetof(struct s3, arr));
	member(s, "nm", ctypes_array(reg, ctypes_array(reg, ch, 6), 2), offsetof(struct s3, nm));
	member(s, "flag", u8, offsetof(struct s3, flag));
	member(s, "ip", ctypes_ptr(reg, i32), offsetof(struct s3, ip));
	s->size = sizeof(struct s3);
	s->align = 8;
	return s;
}

static char *render(const struct ctype *ct, const void *bytes, size_t len, bool json)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *m = open_memstream(&buf, &n);
	fmt_record(m, ct, bytes, len, json);
	fclose(m);
	return buf;
}

int main(void)
{
	struct ctypes *reg = ctypes_new();
	struct wrec w;
	fill_wrec(&w);
	_Static_assert(sizeof(struct wrec) == sizeof(struct s3), "same bytes, two views");
	const struct ctype *s3 = build_s3(reg);

	TEST_BEGIN("record: union, anonymous member, 2-d arrays, char arrays, bool, pointer");
	char *t = render(s3, &w, sizeof(w), false);
	CHECK_EQ_STR(t, "{ .a = -5, .un = { .i = 1819043176, .b = [104,101,108,108] }, .anon = "
			"{ .lo = 111, .hi = 0 }, .q = 0, .r = 1432778632, .arr = [[13124,4386],"
			"[10,20]], .nm = [\x1e,], .flag = 8, .ip = 93905537957984 }");
	free(t);
	TEST_END();

	TEST_BEGIN("record: the same value in -f json");
	t = render(s3, &w, sizeof(w), true);
	CHECK_EQ_STR(t, "{ \"a\": -5, \"un\": { \"i\": 1819043176, \"b\": [104,101,108,108] }, "
			"\"anon\": { \"lo\": 111, \"hi\": 0 }, \"q\": 0, \"r\": 1432778632, \"arr\": "
			"[[13124,4386],[10,20]], \"nm\": [\"\\u001e\",\"\"], \"flag\": 8, \"ip\": "
			"93905537957984 }");
	free(t);
	TEST_END();

	/* struct_write's own layout: nested struct, string, bitfields */
	const struct ctype *i32 = ctypes_int(reg, 4, true), *u32 = ctypes_int(reg, 4, false);
	struct ctype *pt = ctypes_add(reg, CT_STRUCT, NULL);
	member(pt, "x", i32, 0);
	member(pt, "y", i32, 4);
	pt->size = 8;
	struct ctype *wr = ctypes_add(reg, CT_STRUCT, "rec");
	member(wr, "a", i32, 0);
	member(wr, "name", ctypes_array(reg, ctypes_int(reg, 1, true), 12), 4);
	member(wr, "big", ctypes_int(reg, 8, false), 16);
	member(wr, "arr", ctypes_array(reg, ctypes_int(reg, 2, false), 4), 24);
	member(wr, "f1", u32, 32);
	member(wr, "f2", u32, 32);
	member(wr, "f3", i32, 32);
	wr->members[4].bitfield = 3;
	wr->members[5].bit_off = 32 * 8 + 3;
	wr->members[5].bitfield = 9;
	wr->members[6].bit_off = 32 * 8 + 12;
	wr->members[6].bitfield = 4;
	member(wr, "pt", pt, 36);
	member(wr, "neg", ctypes_int(reg, 1, true), 44);
	member(wr, "next", ctypes_int(reg, 8, false), 48);
	wr->size = 56;

	TEST_BEGIN("record: bitfields extracted and sign-extended (bpftrace 0.17 prints the unit)");
	t = render(wr, &w, sizeof(w), false);
	CHECK_EQ_STR(t, "{ .a = -5, .name = hello, .big = 1234605616436508552, .arr = "
			"[10,20,30,40], .f1 = 5, .f2 = 300, .f3 = -3, .pt = { .x = 7, .y = 8 }, "
			".neg = -100, .next = 93905537957984 }");
	free(t);
	TEST_END();

	TEST_BEGIN("record: map text output through print_map (@p: { .x = 7, .y = 8 })");
	struct type vt = { .kind = TY_RECORD, .ct = pt, .size = 8 };
	struct map_snapshot snap = { .name = "@p", .key = type_none(), .val = vt, .n = 1 };
	snap.entries = calloc(1, sizeof(*snap.entries));
	snap.entries[0].bytes = malloc(type_storage_size(&vt));
	memcpy(snap.entries[0].bytes, &w.pt, 8);
	char *buf = NULL;
	size_t n = 0;
	FILE *m = open_memstream(&buf, &n);
	print_map(m, &snap, NULL, 0, 0);
	fclose(m);
	CHECK_EQ_STR(buf, "@p: { .x = 7, .y = 8 }\n");
	free(buf);
	buf = NULL;
	m = open_memstream(&buf, &n);
	print_map_json(m, &snap, NULL, 0, 0);
	fclose(m);
	CHECK_EQ_STR(buf, "{\"type\": \"map\", \"data\": {\"@p\": { \"x\": 7, \"y\": 8 }}}\n");
	free(buf);
	snapshot_free(&snap);
	TEST_END();

	TEST_BEGIN("record: a short payload prints zeros, never reads past its end");
	uint8_t *few = malloc(6);
	memcpy(few, &w, 6);
	t = render(wr, few, 6, false);
	CHECK_EQ_STR(t, "{ .a = -5, .name = he, .big = 0, .arr = [0,0,0,0], .f1 = 0, .f2 = 0, "
			".f3 = 0, .pt = { .x = 0, .y = 0 }, .neg = 0, .next = 0 }");
	free(t);
	free(few);
	TEST_END();

	TEST_BEGIN("record: empty struct and zero-length array");
	struct ctype *empty = ctypes_add(reg, CT_STRUCT, "e");
	member(empty, "z", ctypes_array(reg, i32, 0), 0);
	t = render(empty, NULL, 0, false);
	CHECK_EQ_STR(t, "{ .z = [] }");
	free(t);
	struct ctype *none = ctypes_add(reg, CT_STRUCT, "n");
	t = render(none, NULL, 0, true);
	CHECK_EQ_STR(t, "{ }");
	free(t);
	TEST_END();

	ctypes_free(reg);
	return check_summary();
}
