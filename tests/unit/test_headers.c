/*
 * tests/unit/test_headers.c — the header reader (lexer/headers.c, hdr_expr.c): integer
 * constants of written headers (literal types, casts, conversions, macros of macros,
 * function-like macros with ##, conditionals, nested and guarded includes, enums) and of
 * the system's own headers (errno.h, linux/icmp.h, dirent.h, stdint.h, limits.h).
 * Must not: need a kernel.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../lexer/headers.h"
#include "check.h"

#define MAXC 8192
static struct { char name[64]; int64_t v; } got[MAXC];
static int ngot;

static void collect(void *ctx, const char *name, int64_t v)
{
	(void)ctx;
	for (int i = 0; i < ngot; i++)
		if (!strcmp(got[i].name, name)) {
			got[i].v = v;
			return;
		}
	if (ngot < MAXC && strlen(name) < sizeof(got[0].name)) {
		strcpy(got[ngot].name, name);
		got[ngot++].v = v;
	}
}

static bool has(const char *name, int64_t *v)
{
	for (int i = 0; i < ngot; i++)
		if (!strcmp(got[i].name, name)) {
			*v = got[i].v;
			return true;
		}
	return false;
}

#define CHECK_CONST(name, val)                                                             \
	do {                                                                               \
		int64_t v_ = 0;                                                            \
		if (!has(name, &v_))                                                       \
			CHECK_FAIL_("%s:%d: %s not read", __FILE__, __LINE__, name);        \
		else                                                                       \
			CHECK_EQ_INT(v_, (int64_t)(val));                                  \
	} while (0)

static char dir[] = "/tmp/bpfscript-hdr.XXXXXX";

static void write_file(const char *name, const char *text)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void read_written(const char *name)
{
	char path[256];
	const char *dirs[1] = { dir };
	struct hdr_dirs o = { .include_dirs = dirs, .ninclude_dirs = 1 };
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ngot = 0;
	CHECK_EQ_INT(hdr_read_consts(&o, path, collect, NULL), 0);
}

static char decls[8][256];
static int ndecls;

static void collect_decl(void *ctx, const char *text)
{
	(void)ctx;
	if (ndecls < 8)
		snprintf(decls[ndecls++], sizeof(decls[0]), "%s", text);
}

static void read_system(const char *name)
{
	char path[4096];
	ngot = 0;
	CHECK(hdr_find(NULL, NULL, name, strlen(name), false, path, sizeof(path)));
	CHECK_EQ_INT(hdr_read_consts(NULL, path, collect, NULL), 0);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		printf("not ok headers: mkdtemp failed\n");
		return 1;
	}
	write_file("a.h",
		   "#ifndef A_H\n#define A_H\n"
		   "/* comment */ #define ONE 1 // trailing\n"
		   "#define TWO (ONE + ONE)\n"
		   "#define SHIFTED (1 << 4)\n"
		   "#define HEX 0x80000000\n"
		   "#define NEG -5\n"
		   "#define CASTI ((int)0xffffffff)\n"
		   "#define CASTU8 ((__u8)0x1ff)\n"
		   "#define CASTUL ((unsigned long)-1)\n"
		   "#define NOTU (~0U)\n"
		   "#define NOTUL (~0UL)\n"
		   "#define CHR 'A'\n"
		   "#define COND (TWO > 1 ? 10 : 20)\n"
		   "#define LONG_EXPR \\\n  (TWO * 3 - 1)\n"
		   "#define FUNC(x) ((x) * 2)\n"
		   "#define USES_FUNC FUNC(21)\n"
		   "#define PASTE(c) c ## L\n"
		   "#define PASTED PASTE(7)\n"
		   "#define STR \"text\"\n"
		   "#define FLOAT 1.5\n"
		   "#define EMPTY\n"
		   "#define SELF SELF\n"
		   "#define DIVZERO (1 / 0)\n"
		   "#define SIZE sizeof(int)\n"
		   "#define GONE 3\n#undef GONE\n"
		   "#if defined(ONE) && TWO == 2\n#define IF_TAKEN 1\n#else\n#define IF_NOT 1\n#endif\n"
		   "#ifdef NOPE\n#define IFDEF_NOPE 1\n#elif __x86_64__ && __GNUC__ >= 4\n"
		   "#define ELIF_TAKEN 1\n#endif\n"
		   "#if 0\n#if 1\n#define NESTED_DEAD 1\n#endif\n#define DEAD 1\n#else\n#define LIVE 1\n#endif\n"
		   "enum e { E0, E1, E5 = 5, E6, EX = E5 << 2 };\n"
		   "#define E6 E6\n"
		   "#include \"b.h\"\n#include <b.h>\n"
		   "#endif\n");
	write_file("b.h", "#pragma once\n#define FROM_B (TWO + 40)\n#define COUNT_B 1\n");

	TEST_BEGIN("headers: integer defines and their C types");
	read_written("a.h");
	CHECK_CONST("ONE", 1);
	CHECK_CONST("TWO", 2);
	CHECK_CONST("SHIFTED", 16);
	CHECK_CONST("HEX", 0x80000000LL);
	CHECK_CONST("NEG", -5);
	CHECK_CONST("CASTI", -1);
	CHECK_CONST("CASTU8", 0xff);
	CHECK_CONST("CASTUL", -1);
	CHECK_CONST("NOTU", 0xffffffffLL);
	CHECK_CONST("NOTUL", -1);
	CHECK_CONST("CHR", 65);
	CHECK_CONST("COND", 10);
	CHECK_CONST("LONG_EXPR", 5);
	CHECK_CONST("USES_FUNC", 42);
	CHECK_CONST("PASTED", 7);
	TEST_END();

	TEST_BEGIN("headers: what is not an integer is skipped");
	int64_t v;
	CHECK(!has("FUNC", &v));
	CHECK(!has("STR", &v));
	CHECK(!has("FLOAT", &v));
	CHECK(!has("EMPTY", &v));
	CHECK(!has("SELF", &v));
	CHECK(!has("DIVZERO", &v));
	CHECK(!has("SIZE", &v));
	CHECK(!has("GONE", &v));
	TEST_END();

	TEST_BEGIN("headers: conditionals, includes, enums");
	CHECK(!has("A_H", &v)); /* empty: defined, but no value */
	CHECK_CONST("IF_TAKEN", 1);
	CHECK(!has("IF_NOT", &v));
	CHECK(!has("IFDEF_NOPE", &v));
	CHECK_CONST("ELIF_TAKEN", 1);
	CHECK(!has("NESTED_DEAD", &v));
	CHECK(!has("DEAD", &v));
	CHECK_CONST("LIVE", 1);
	CHECK_CONST("FROM_B", 42);
	CHECK_CONST("E0", 0);
	CHECK_CONST("E1", 1);
	CHECK_CONST("E5", 5);
	CHECK_CONST("E6", 6);
	CHECK_CONST("EX", 20);
	TEST_END();

	TEST_BEGIN("headers: a missing file is an error, a missing nested one is skipped");
	ngot = 0;
	CHECK(hdr_read_consts(NULL, "/nonexistent/x.h", collect, NULL) < 0);
	write_file("c.h", "#include <does/not/exist.h>\n#define AFTER 3\n");
	read_written("c.h");
	CHECK_CONST("AFTER", 3);
	TEST_END();

	TEST_BEGIN("headers: errno.h");
	read_system("errno.h");
	CHECK_CONST("EPERM", 1);
	CHECK_CONST("ENOENT", 2);
	CHECK_CONST("EAGAIN", 11);
	CHECK_CONST("EWOULDBLOCK", 11);
	CHECK_CONST("ENOTSUP", 95);
	TEST_END();

	TEST_BEGIN("headers: linux/icmp.h, dirent.h, fcntl.h");
	read_system("linux/icmp.h");
	CHECK_CONST("ICMP_ECHO", 8);
	CHECK_CONST("ICMP_ECHOREPLY", 0);
	read_system("dirent.h");
	CHECK_CONST("DT_REG", 8);
	CHECK_CONST("DT_DIR", 4);
	CHECK_CONST("DT_LNK", 10);
	read_system("fcntl.h");
	CHECK_CONST("O_CREAT", 64);
	CHECK_CONST("O_DIRECTORY", 65536);
	CHECK_CONST("AT_FDCWD", -100);
	TEST_END();

	TEST_BEGIN("headers: stdint.h and limits.h");
	read_system("stdint.h");
	CHECK_CONST("INT64_MIN", INT64_MIN);
	CHECK_CONST("UINT32_MAX", 4294967295LL);
	CHECK_CONST("INT8_MIN", -128);
	read_system("limits.h");
	CHECK_CONST("INT_MAX", 2147483647);
	CHECK_CONST("UINT_MAX", 4294967295LL);
	CHECK_CONST("LONG_MIN", INT64_MIN);
	TEST_END();

	TEST_BEGIN("headers: a user header's struct, union and typedef definitions");
	write_file("d.h",
		   "#define LEN (4 * 2)\n#define W 3\n"
		   "struct rec { int id; char name[LEN]; unsigned f : W; };\n"
		   "typedef struct rec rec_t;\n"
		   "static inline int f(struct rec *r) { return r->id; }\n"
		   "extern struct rec *g;\nint h(struct rec *r);\n"
		   "enum { ONLY_CONSTANTS = 1 };\n"
		   "union u { int a; long b; };\n"
		   "#if 0\nstruct dead { int x; };\n#endif\n"
		   "typedef struct {\n  int x;\n} anon_t;\n");
	{
		char path[256];
		snprintf(path, sizeof(path), "%s/d.h", dir);
		ngot = ndecls = 0;
		CHECK_EQ_INT(hdr_read(NULL, path, collect, collect_decl, NULL), 0);
		CHECK_EQ_INT(ndecls, 4);
		CHECK_EQ_STR(decls[0], "struct rec { int id; char name[8]; unsigned f : 3; };");
		CHECK_EQ_STR(decls[1], "typedef struct rec rec_t;");
		CHECK_EQ_STR(decls[2], "union u { int a; long b; };");
		CHECK_EQ_STR(decls[3], "typedef struct {\nint x;\n} anon_t;");
		CHECK_CONST("LEN", 8);
		/* a system header's structs are BTF's business: none handed on */
		char sys[4096];
		ndecls = 0;
		CHECK(hdr_find(NULL, NULL, "sys/time.h", 10, false, sys, sizeof(sys)));
		CHECK_EQ_INT(hdr_read(NULL, sys, collect, collect_decl, NULL), 0);
		CHECK_EQ_INT(ndecls, 0);
	}
	TEST_END();

	TEST_BEGIN("headers: syscall names");
	CHECK_EQ_STR(hdr_syscall_name(0), "read");
	CHECK_EQ_STR(hdr_syscall_name(39), "getpid");
	CHECK_EQ_STR(hdr_syscall_name(110), "getppid");
	CHECK(hdr_syscall_name(-1) == NULL);
	CHECK(hdr_syscall_name(100000) == NULL);
	TEST_END();

	const char *names[] = { "a.h", "b.h", "c.h", "d.h" };
	for (int i = 0; i < 4; i++) {
		char path[256];
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
	return check_summary();
}
