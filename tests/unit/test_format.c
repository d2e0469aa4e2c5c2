/*
 * tests/unit/test_format.c — printf checking/rendering and fmt_value against bpftrace 0.17.
 *
 * Owns: expected messages and output captured from `bpftrace -e 'BEGIN { printf(...);
 * exit(); }'` (v0.17.0) on this machine; each case shows the printf call it came from.
 * Must not: need a kernel.
 */
#include <stdlib.h>
#include <string.h>

#include "../../sema/abi.h"
#include "../../stdlib/format.h"
#include "check.h"

static struct type_pool pool;

static const char *const probes[] = { "BEGIN", "END" };
static const struct print_ctx pctx = { .probe_names = probes, .nprobes = 2 };

/* An argument for a rendered printf: integer or string. */
struct arg {
	struct type t;
	int64_t i;
	const char *s;
};

#define I(v) ((struct arg){ .t = { .kind = TY_INT, .size = 8, .is_signed = true }, .i = (v) })
#define S(v) ((struct arg){ .t = { .kind = TY_STR, .size = 64 }, .s = (v) })
#define P(v) ((struct arg){ .t = { .kind = TY_PROBE, .size = 8 }, .i = (v) })

static char *render(const char *fmt, const struct arg *a, int n)
{
	struct type t[16] = { { 0 } };
	uint32_t offs[16];
	uint8_t payload[1024] = { 0 };
	char *buf = NULL;
	size_t len = 0;

	for (int i = 0; i < n; i++)
		t[i] = a[i].t;
	uint32_t size = abi_args_layout(t, n, offs);
	for (int i = 0; i < n; i++) {
		if (a[i].t.kind == TY_STR)
			strncpy((char *)payload + offs[i], a[i].s, a[i].t.size - 1);
		else
			memcpy(payload + offs[i], &a[i].i, 8);
	}
	FILE *f = open_memstream(&buf, &len);
	fmt_render(f, fmt, t, offs, n, payload, size, &pctx);
	fclose(f);
	return buf;
}

#define CHECK_RENDER(fmt, expected, ...)                                                    \
	do {                                                                                \
		const struct arg args_[] = { I(0), __VA_ARGS__ };                               \
		char *got_ = render(fmt, args_ + 1, (int)(sizeof(args_) / sizeof(args_[0])) - 1);     \
		CHECK_EQ_STR(got_, expected);                                               \
		free(got_);                                                                 \
	} while (0)

static char msg[256];
static int bad;

static int check(const char *fmt, const struct type *t, int n)
{
	return fmt_check(fmt, t, n, msg, sizeof(msg), &bad);
}

static char *value(const struct type *t, const void *bytes)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	fmt_value(f, t, bytes, &pctx);
	fclose(f);
	return buf;
}

int main(void)
{
	const struct type s64 = type_s64(), str = type_str(64);
	const struct type probe = { .kind = TY_PROBE, .size = 8 };

	/* printf("%d\n", "a") / printf("%s\n", 1) */
	TEST_BEGIN("format: type mismatch messages");
	CHECK_EQ_INT(check("%d\n", &str, 1), -1);
	CHECK_EQ_STR(msg, "printf: %d specifier expects a value of type integer (string supplied)");
	CHECK_EQ_INT(bad, 0);
	CHECK_EQ_INT(check("%s\n", &s64, 1), -1);
	CHECK_EQ_STR(msg, "printf: %s specifier expects a value of type string (integer supplied)");
	TEST_END();

	/* printf("%d %d\n", 1) / printf("%d\n", 1, 2) */
	TEST_BEGIN("format: argument count messages");
	struct type two[2] = { s64, s64 };
	CHECK_EQ_INT(check("%d %d\n", two, 1), -1);
	CHECK_EQ_STR(msg, "printf: Not enough arguments for format string (1 supplied, 2 expected)");
	CHECK_EQ_INT(bad, -1);
	CHECK_EQ_INT(check("%d\n", two, 2), -1);
	CHECK_EQ_STR(msg, "printf: Too many arguments for format string (2 supplied, 1 expected)");
	TEST_END();

	/* printf("%s\n", (1,2)); printf("%d\n", (1,2)); @c = count(); printf("%d\n", @c); */
	TEST_BEGIN("format: tuple and aggregation arguments");
	{
		struct type el[2] = { s64, s64 };
		struct type tup = type_tuple(&pool, el, 2);
		struct type cnt = type_agg(TY_COUNT, false);
		CHECK_EQ_INT(check("%s\n", &tup, 1), -1);
		CHECK_EQ_STR(msg,
			     "printf: %s specifier expects a value of type string (tuple supplied)");
		CHECK_EQ_INT(check("%d\n", &tup, 1), -1);
		CHECK_EQ_STR(msg,
			     "printf: %d specifier expects a value of type integer (tuple supplied)");
		CHECK_EQ_INT(check("%d\n", &cnt, 1), -1);
		CHECK_EQ_STR(msg,
			     "printf: %d specifier expects a value of type integer (count supplied)");
	}
	TEST_END();

	TEST_BEGIN("format: accepted forms");
	{
		struct type eight[8] = { s64, s64, s64, s64, s64, s64, s64, s64 };
		CHECK_EQ_INT(check("%lld %hhd %hd %ld %zd %jd %llu %lx\n", eight, 8), 0);
		CHECK_EQ_INT(check("%-8d|%08d|%8.3d|%.3d|%-08d|\n", eight, 5), 0);
		CHECK_EQ_INT(check("%s|%-10s|\n", (struct type[]){ probe, probe }, 2), 0);
		CHECK_EQ_INT(check("100%%\n", NULL, 0), 0);
		CHECK_EQ_INT(check("%c %p %o %X %x %u %i\n", eight, 7), 0);
	}
	TEST_END();

	TEST_BEGIN("format: unsupported conversions are clear errors");
	CHECK_EQ_INT(check("%*d\n", two, 2), -1);
	CHECK(strstr(msg, "'*'") != NULL);
	CHECK_EQ_INT(check("%q\n", &s64, 1), -1);
	CHECK_EQ_STR(msg, "printf: Unknown format string token: %q");
	CHECK_EQ_INT(check("%ls\n", &str, 1), -1);
	CHECK_EQ_STR(msg, "printf: Unknown format string token: %ls");
	CHECK_EQ_INT(check("50%", NULL, 0), -1);
	TEST_END();

	/* printf("%d|%u|%x|%X|%ld|%lu\n", 5000000000, 5000000000, 5000000000, -1, 5000000000, -1) */
	TEST_BEGIN("format: plain %d/%u/%x see the low 32 bits, l forms all 64");
	CHECK_RENDER("%d|%u|%x|%X|%ld|%lu\n",
		     "705032704|705032704|2a05f200|FFFFFFFF|5000000000|18446744073709551615\n",
		     I(5000000000LL), I(5000000000LL), I(5000000000LL), I(-1), I(5000000000LL),
		     I(-1));
	/* printf("%d\n", -5); printf("%u\n", -5); printf("%x\n", -1); */
	CHECK_RENDER("%d\n", "-5\n", I(-5));
	CHECK_RENDER("%u\n", "4294967291\n", I(-5));
	CHECK_RENDER("%x\n", "ffffffff\n", I(-1));
	TEST_END();

	/* printf("%hd|%hhd|%hu|%hhu|%c|\n", 70000, 200, -1, -1, 321) */
	TEST_BEGIN("format: h/hh narrowing and %c");
	CHECK_RENDER("%hd|%hhd|%hu|%hhu|%c|\n", "4464|-56|65535|255|A|\n", I(70000), I(200),
		     I(-1), I(-1), I(321));
	/* printf("%c%c\n", 65, 66) */
	CHECK_RENDER("%c%c\n", "AB\n", I(65), I(66));
	TEST_END();

	/* printf("%p|%p\n", 0, -1); printf("%p\n", 4096); printf("%o|\n", 8); */
	TEST_BEGIN("format: %p and %o");
	CHECK_RENDER("%p|%p\n", "(nil)|0xffffffffffffffff\n", I(0), I(-1));
	CHECK_RENDER("%p\n", "0x1000\n", I(4096));
	CHECK_RENDER("%o|\n", "10|\n", I(8));
	TEST_END();

	/* printf("%-8d|%08d|%8.3d|%.3d|%-08d|\n", -5, -5, -5, 7, 3) */
	TEST_BEGIN("format: flags, width, precision on integers");
	CHECK_RENDER("%-8d|%08d|%8.3d|%.3d|%-08d|\n", "-5      |-0000005|    -005|007|3       |\n",
		     I(-5), I(-5), I(-5), I(7), I(3));
	/* printf("%lld %hhd %hd %ld %zd %jd %llu %lx\n", 1,2,3,4,5,6,7,8) */
	CHECK_RENDER("%lld %hhd %hd %ld %zd %jd %llu %lx\n", "1 2 3 4 5 6 7 8\n", I(1), I(2),
		     I(3), I(4), I(5), I(6), I(7), I(8));
	TEST_END();

	/* printf("%s|%10s|%-10s|%.2s\n", "abc", "abc", "abc", "abc");
	 * printf("%5c|%-3c|%5s|%.1s|%x|%jd|%zd|%td\n", 65, 66, comm, comm, 255, -1, -1, -1)
	 * (comm was "bpftrace") */
	TEST_BEGIN("format: strings with width and precision");
	CHECK_RENDER("%s|%10s|%-10s|%.2s\n", "abc|       abc|abc       |ab\n", S("abc"), S("abc"),
		     S("abc"), S("abc"));
	CHECK_RENDER("%5c|%-3c|%5s|%.1s|%x|%jd|%zd|%td\n", "    A|B  |bpftrace|b|ff|-1|-1|-1\n",
		     I(65), I(66), S("bpftrace"), S("bpftrace"), I(255), I(-1), I(-1), I(-1));
	TEST_END();

	/* printf("%s|%-10s|\n", probe, probe) */
	TEST_BEGIN("format: probe as %s");
	CHECK_RENDER("%s|%-10s|\n", "BEGIN|BEGIN     |\n", P(0), P(0));
	TEST_END();

	/* printf("100%%\n"); printf("%d%%|\n", 5); printf("%% %d|\n", 5); */
	TEST_BEGIN("format: %% is '%' before the last conversion, kept after it");
	{
		char *got = render("100%%\n", NULL, 0);
		CHECK_EQ_STR(got, "100%%\n");
		free(got);
	}
	CHECK_RENDER("%d%%|\n", "5%%|\n", I(5));
	CHECK_RENDER("%% %d|\n", "% 5|\n", I(5));
	TEST_END();

	TEST_BEGIN("format: user text never reaches libc as a format");
	CHECK_RENDER("%s\n", "%n%s%x%p\n", S("%n%s%x%p"));
	TEST_END();

	/* print(5); print("abc"); print((1, "ab")); print(-3); print(probe);
	 * print((1, (2, "x"))); → 5 / abc / (1, ab) / -3 / BEGIN / (1, (2, x)) */
	TEST_BEGIN("format: fmt_value");
	{
		int64_t v = 5, m = -3, z = 0;
		char *got = value(&s64, &v);
		CHECK_EQ_STR(got, "5");
		free(got);
		got = value(&s64, &m);
		CHECK_EQ_STR(got, "-3");
		free(got);
		struct type u64 = type_u64();
		got = value(&u64, &m);
		CHECK_EQ_STR(got, "18446744073709551613");
		free(got);
		char s[64] = "abc";
		got = value(&str, s);
		CHECK_EQ_STR(got, "abc");
		free(got);
		got = value(&probe, &z);
		CHECK_EQ_STR(got, "BEGIN");
		free(got);
		struct type el[2] = { s64, str };
		struct type t1 = type_tuple(&pool, el, 2);
		uint8_t b1[72] = { 0 };
		int64_t one = 1, two_ = 2;
		memcpy(b1, &one, 8);
		strcpy((char *)b1 + 8, "ab");
		got = value(&t1, b1);
		CHECK_EQ_STR(got, "(1, ab)");
		free(got);
		struct type inner_el[2] = { s64, type_str(16) };
		struct type inner = type_tuple(&pool, inner_el, 2);
		struct type outer_el[2] = { s64, inner };
		struct type outer = type_tuple(&pool, outer_el, 2);
		uint8_t b2[32] = { 0 };
		memcpy(b2, &one, 8);
		memcpy(b2 + 8, &two_, 8);
		b2[16] = 'x';
		got = value(&outer, b2);
		CHECK_EQ_STR(got, "(1, (2, x))");
		free(got);
	}
	TEST_END();

	type_pool_free(&pool);
	return check_summary();
}
