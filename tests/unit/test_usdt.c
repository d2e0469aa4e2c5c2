/*
 * tests/unit/test_usdt.c — USDT operand specs (common/usdt_args.c) and .note.stapsdt
 * reading (runtime/usdt_notes.c).
 *
 * Owns: checks of every spec form against exact descriptions and error sentences; the
 * pt_regs offsets against the system headers; the reference reader on a synthetic register
 * image; the notes of build/workloads/usdt_target(_nopie) and libusdt_lib.so (probes, call
 * sites, argument specs, semaphores), and of system files that have notes, compared with an
 * independent computation from readelf's output. Running the workload: test_usdt_run.c.
 * Must not: use BPF or run processes other than readelf. Without the workloads built
 * (make test-build), the workload checks report one "ok ... skipped" line.
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/user.h>
#include <unistd.h>

#include <asm/ptrace.h> /* the kernel's struct pt_regs, after <sys/ptrace.h> */

#include "check.h"
/* check.h cuts a long got/expected text to its reason buffer on purpose */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif
#include "common/usdt_args.h"
#include "runtime/usdt_notes.h"

#define TARGET "build/workloads/usdt_target"
#define TARGET_NOPIE "build/workloads/usdt_target_nopie"
#define LIB "build/workloads/libusdt_lib.so"

/* ---- operand specs */

static const struct {
	const char *spec, *want;
} good_specs[] = {
	{ "-4@%edi", "s4 reg rdi(112)" },
	{ "4@%edi", "u4 reg rdi(112)" },
	{ "-8@%rax", "s8 reg rax(80)" },
	{ "1@%al", "u1 reg rax(80)" },
	{ "-1@%ah", "s1 reg rax(80)>>8" },
	{ "1@%bh", "u1 reg rbx(40)>>8" },
	{ "1@%ch", "u1 reg rcx(88)>>8" },
	{ "1@%dh", "u1 reg rdx(96)>>8" },
	{ "2@%ax", "u2 reg rax(80)" },
	{ "-2@%bx", "s2 reg rbx(40)" },
	{ "4@%ecx", "u4 reg rcx(88)" },
	{ "-8@%rdx", "s8 reg rdx(96)" },
	{ "-1@%sil", "s1 reg rsi(104)" },
	{ "1@%dil", "u1 reg rdi(112)" },
	{ "1@%bpl", "u1 reg rbp(32)" },
	{ "1@%spl", "u1 reg rsp(152)" },
	{ "2@%si", "u2 reg rsi(104)" },
	{ "-4@%esp", "s4 reg rsp(152)" },
	{ "-4@%ebp", "s4 reg rbp(32)" },
	{ "8@%r8", "u8 reg r8(72)" },
	{ "-4@%r8d", "s4 reg r8(72)" },
	{ "2@%r8w", "u2 reg r8(72)" },
	{ "-1@%r8b", "s1 reg r8(72)" },
	{ "8@%r9", "u8 reg r9(64)" },
	{ "-4@%r10d", "s4 reg r10(56)" },
	{ "2@%r11w", "u2 reg r11(48)" },
	{ "1@%r12b", "u1 reg r12(24)" },
	{ "-8@%r13", "s8 reg r13(16)" },
	{ "4@%r14d", "u4 reg r14(8)" },
	{ "-1@%r15b", "s1 reg r15(0)" },
	{ "8@-8(%rbp)", "u8 mem [rbp(32)-8]" },
	{ "-4@-20(%rbp)", "s4 mem [rbp(32)-20]" },
	{ "8@(%rsp)", "u8 mem [rsp(152)]" },
	{ "-8@8(%rsp)", "s8 mem [rsp(152)+8]" },
	{ "8@16(%rax,%rbx,8)", "u8 mem [rax(80)+rbx(40)*8+16]" },
	{ "-4@-20(%rbp,%rcx)", "s4 mem [rbp(32)+rcx(88)*1-20]" },
	{ "2@(%r12,%r13,2)", "u2 mem [r12(24)+r13(16)*2]" },
	{ "4@(,%rax,4)", "u4 mem [rax(80)*4]" },
	{ "8@0x10(%r15)", "u8 mem [r15(0)+16]" },
	{ "8@4096", "u8 mem [4096]" },
	{ "4@$5", "u4 const 5" },
	{ "-4@$-3", "s4 const -3" },
	{ "4@$-3", "u4 const 4294967293" },
	{ "-4@$42", "s4 const 42" },
	{ "8@$-1", "u8 const 18446744073709551615" },
	{ "8@$18446744073709551615", "u8 const 18446744073709551615" },
	{ "-8@$18446744073709551615", "s8 const -1" },
	{ "-2@$65535", "s2 const -1" },
	{ "4@$0x10", "u4 const 16" },
	{ "1@$256", "u1 const 0" },
	{ "8@foo(%rip)", "u8 rip [foo]" },
	{ "-4@foo+12(%rip)", "s4 rip [foo+12]" },
	{ "-8@counter.0-4(%rip)", "s8 rip [counter.0-4]" },
	{ "8@_ZL3bar(%rip)", "u8 rip [_ZL3bar]" },
	{ "-8@8+bpfs_pair(%rip)", "s8 rip [bpfs_pair+8]" },
	{ "8@-4+foo+12(%rip)", "u8 rip [foo+8]" },
	{ "4@-8-8(%rbp)", "u4 mem [rbp(32)-16]" },
	{ "%eax", "s8 reg rax(80)" },             /* old notes: no size prefix */
	{ "-8(%rbp)", "s8 mem [rbp(32)-8]" },
	{ "$7", "s8 const 7" },
};

static const struct {
	const char *spec, *why;
	int rc;
} bad_specs[] = {
	{ "8@%xmm0", "%xmm0 is a floating-point or vector register, which is not supported",
	  -EOPNOTSUPP },
	{ "-8f@%xmm1", "floating-point arguments are not supported", -EOPNOTSUPP },
	{ "4f@-4(%rbp)", "floating-point arguments are not supported", -EOPNOTSUPP },
	{ "8@%st", "%st is a floating-point or vector register, which is not supported",
	  -EOPNOTSUPP },
	{ "16@%rax", "the size 16 is not 1, 2, 4 or 8 bytes", -EOPNOTSUPP },
	{ "3@%rax", "the size 3 is not 1, 2, 4 or 8 bytes", -EOPNOTSUPP },
	{ "8@%rip", "%rip can only be the base of a memory operand", -EINVAL },
	{ "8@16(%rip)", "a %rip-relative operand without a symbol cannot be located", -EOPNOTSUPP },
	{ "8@%fs:8", "segment-relative operands (%fs) are not supported", -EOPNOTSUPP },
	{ "8@foo", "absolute symbol operands (foo without %rip) are not supported", -EOPNOTSUPP },
	{ "8@foo(%rax)", "a symbol displacement (foo) is only supported with %rip", -EOPNOTSUPP },
	{ "8@foo@GOTPCREL(%rip)", "relocation-qualified symbols (foo@...) are not supported",
	  -EOPNOTSUPP },
	{ "8@foo+bar(%rip)", "the displacement names two symbols", -EOPNOTSUPP },
	{ "8@-foo(%rip)", "a negated symbol is not supported", -EOPNOTSUPP },
	{ "8@--8(%rbp)", "expected a displacement, a register or a constant", -EINVAL },
	{ "8@$foo", "the constant is the address of symbol foo, which is not supported",
	  -EOPNOTSUPP },
	{ "8@(%eax)", "32-bit address registers are not supported", -EOPNOTSUPP },
	{ "8@(%rax,%rsp,2)", "%rsp and %rip cannot be index registers", -EINVAL },
	{ "8@foo(%rip,%rax,8)", "a %rip-relative operand cannot have an index register", -EINVAL },
	{ "8@(%rax,%rbx,3)", "the scale is not 1, 2, 4 or 8", -EINVAL },
	{ "8@(%rax,,2)", "a scale without an index register", -EINVAL },
	{ "8@()", "the memory operand names no register", -EINVAL },
	{ "8@%zz", "%zz is not an x86-64 register", -EINVAL },
	{ "8@%r16", "%r16 is not an x86-64 register", -EINVAL },
	{ "8@%r8x", "%r8x is not an x86-64 register", -EINVAL },
	{ "8@%", "'%' is not followed by a register name", -EINVAL },
	{ "8@", "the operand is missing", -EINVAL },
	{ "8@(%rax", "expected ')' in the memory operand", -EINVAL },
	{ "8@%rax+1", "unexpected \"+1\" after the operand", -EINVAL },
	{ "8@$", "'$' is not followed by a number", -EINVAL },
	{ "8@$99999999999999999999", "the constant does not fit in 64 bits", -EINVAL },
	{ "8@*%rax", "expected a displacement, a register or a constant", -EINVAL },
};

static void test_specs(void)
{
	char name[160], got[256], err[256];
	struct usdt_arg a;

	for (size_t i = 0; i < sizeof(good_specs) / sizeof(good_specs[0]); i++) {
		snprintf(name, sizeof(name), "usdt spec: %s", good_specs[i].spec);
		TEST_BEGIN(name);
		err[0] = '\0';
		CHECK_EQ_STR(usdt_arg_parse(good_specs[i].spec, &a, err, sizeof(err)) ? err : "",
			     "");
		usdt_arg_describe(&a, got, sizeof(got));
		CHECK_EQ_STR(got, good_specs[i].want);
		CHECK_EQ_STR(a.spec, good_specs[i].spec);
		TEST_END();
	}
	for (size_t i = 0; i < sizeof(bad_specs) / sizeof(bad_specs[0]); i++) {
		char want[300];
		snprintf(name, sizeof(name), "usdt spec error: %s", bad_specs[i].spec);
		snprintf(want, sizeof(want), "cannot read USDT argument \"%s\": %s", bad_specs[i].spec,
			 bad_specs[i].why);
		TEST_BEGIN(name);
		CHECK_EQ_INT(usdt_arg_parse(bad_specs[i].spec, &a, err, sizeof(err)), bad_specs[i].rc);
		CHECK_EQ_STR(err, want);
		CHECK_EQ_INT(a.kind, USDT_ARG_UNSUPPORTED);
		CHECK_EQ_STR(a.why, want);
		TEST_END();
	}
}

static void test_arg_lists(void)
{
	struct usdt_arg a[USDT_MAX_ARGS];
	char err[256], got[256];
	int n = -1;

	TEST_BEGIN("usdt args: a list separated by blanks");
	CHECK_EQ_INT(usdt_args_parse("-4@%edi  8@-8(%rbp)\t4@$5 ", a, USDT_MAX_ARGS, &n, err,
				     sizeof(err)), 0);
	CHECK_EQ_INT(n, 3);
	usdt_arg_describe(&a[1], got, sizeof(got));
	CHECK_EQ_STR(got, "u8 mem [rbp(32)-8]");
	usdt_arg_describe(&a[2], got, sizeof(got));
	CHECK_EQ_STR(got, "u4 const 5");
	TEST_END();

	TEST_BEGIN("usdt args: none");
	CHECK_EQ_INT(usdt_args_parse("", a, USDT_MAX_ARGS, &n, err, sizeof(err)), 0);
	CHECK_EQ_INT(n, 0);
	CHECK_EQ_INT(usdt_args_parse("   ", a, USDT_MAX_ARGS, &n, err, sizeof(err)), 0);
	CHECK_EQ_INT(n, 0);
	TEST_END();

	TEST_BEGIN("usdt args: one unsupported spec leaves the others usable");
	CHECK_EQ_INT(usdt_args_parse("8@%xmm0 -4@%edi", a, USDT_MAX_ARGS, &n, err, sizeof(err)),
		     0);
	CHECK_EQ_INT(n, 2);
	CHECK_EQ_INT(a[0].kind, USDT_ARG_UNSUPPORTED);
	CHECK_EQ_STR(a[0].why, "cannot read USDT argument \"8@%xmm0\": %xmm0 is a floating-point "
			       "or vector register, which is not supported");
	CHECK_EQ_INT(a[1].kind, USDT_ARG_REG);
	CHECK_EQ_INT(a[1].reg.off, USDT_PT_DI);
	TEST_END();

	TEST_BEGIN("usdt args: 12 specs fit, 13 do not");
	const char *twelve = "1@%al 1@%al 1@%al 1@%al 1@%al 1@%al 1@%al 1@%al 1@%al 1@%al "
			     "1@%al 1@%al";
	char thirteen[200];
	snprintf(thirteen, sizeof(thirteen), "%s 1@%%al", twelve);
	CHECK_EQ_INT(usdt_args_parse(twelve, a, USDT_MAX_ARGS, &n, err, sizeof(err)), 0);
	CHECK_EQ_INT(n, 12);
	CHECK_EQ_INT(usdt_args_parse(thirteen, a, USDT_MAX_ARGS, &n, err, sizeof(err)), -E2BIG);
	CHECK_EQ_STR(err, "the probe has more than 12 USDT arguments");
	TEST_END();

	TEST_BEGIN("usdt args: Intel syntax is refused as a whole");
	CHECK_EQ_INT(usdt_args_parse("8@QWORD PTR [rbp-8]", a, USDT_MAX_ARGS, &n, err,
				     sizeof(err)), -EOPNOTSUPP);
	CHECK_EQ_STR(err, "the USDT arguments \"8@QWORD PTR [rbp-8]\" are in Intel syntax, which "
			  "is not supported");
	TEST_END();

	TEST_BEGIN("usdt args: an over-long spec is unsupported, not truncated");
	char longspec[400];
	memset(longspec, 'a', sizeof(longspec) - 1);
	longspec[sizeof(longspec) - 1] = '\0';
	CHECK_EQ_INT(usdt_args_parse(longspec, a, USDT_MAX_ARGS, &n, err, sizeof(err)), 0);
	CHECK_EQ_INT(n, 1);
	CHECK_EQ_INT(a[0].kind, USDT_ARG_UNSUPPORTED);
	CHECK_EQ_STR(a[0].why, "a USDT argument spec is 399 bytes long");
	TEST_END();
}

/* ---- registers and the reference reader */

static void test_regs(void)
{
	struct usdt_reg r;

	TEST_BEGIN("usdt regs: offsets equal the kernel's struct pt_regs and user_regs_struct");
#define PT(field, off)                                                                     \
	CHECK_EQ_INT(offsetof(struct pt_regs, field), off);                                \
	CHECK_EQ_INT(offsetof(struct user_regs_struct, field), off)
	PT(r15, USDT_PT_R15); PT(r14, USDT_PT_R14); PT(r13, USDT_PT_R13); PT(r12, USDT_PT_R12);
	PT(rbp, USDT_PT_BP); PT(rbx, USDT_PT_BX); PT(r11, USDT_PT_R11); PT(r10, USDT_PT_R10);
	PT(r9, USDT_PT_R9); PT(r8, USDT_PT_R8); PT(rax, USDT_PT_AX); PT(rcx, USDT_PT_CX);
	PT(rdx, USDT_PT_DX); PT(rsi, USDT_PT_SI); PT(rdi, USDT_PT_DI); PT(orig_rax, USDT_PT_ORIG_AX);
	PT(rip, USDT_PT_IP); PT(cs, USDT_PT_CS); PT(eflags, USDT_PT_FLAGS); PT(rsp, USDT_PT_SP);
	PT(ss, USDT_PT_SS);
#undef PT
	CHECK_EQ_INT(sizeof(struct pt_regs), USDT_PT_REGS_SIZE);
	TEST_END();

	TEST_BEGIN("usdt regs: names of every width, and what is not a register");
	CHECK(usdt_reg_by_name("r11d", &r) == 0 && r.off == USDT_PT_R11 && r.width == 4);
	CHECK(usdt_reg_by_name("r11w", &r) == 0 && r.off == USDT_PT_R11 && r.width == 2);
	CHECK(usdt_reg_by_name("r11b", &r) == 0 && r.off == USDT_PT_R11 && r.width == 1);
	CHECK(usdt_reg_by_name("ch", &r) == 0 && r.off == USDT_PT_CX && r.shift == 8);
	CHECK(usdt_reg_by_name("cl", &r) == 0 && r.off == USDT_PT_CX && r.shift == 0);
	CHECK_EQ_INT(usdt_reg_by_name("rip", &r), -ENOENT);
	CHECK_EQ_INT(usdt_reg_by_name("r7", &r), -ENOENT);
	CHECK_EQ_INT(usdt_reg_by_name("r08", &r), -ENOENT);
	CHECK_EQ_INT(usdt_reg_by_name("r8dd", &r), -ENOENT);
	CHECK_EQ_INT(usdt_reg_by_name("", &r), -ENOENT);
	CHECK_EQ_STR(usdt_reg_slot_name(USDT_PT_R9), "r9");
	CHECK(usdt_reg_slot_name(3) == NULL && usdt_reg_slot_name(USDT_PT_REGS_SIZE) == NULL);
	TEST_END();
}

struct fake_mem {
	uint64_t base;
	unsigned char bytes[256];
};

static int fake_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	struct fake_mem *m = ctx;
	if (addr < m->base || addr - m->base + len > sizeof(m->bytes))
		return -EFAULT;
	memcpy(buf, m->bytes + (addr - m->base), len);
	return 0;
}

static uint64_t eval(const char *spec, const struct user_regs_struct *regs, struct fake_mem *m,
		     int *rc)
{
	struct usdt_arg a;
	uint64_t v = 0xdeadbeef;
	*rc = usdt_arg_parse(spec, &a, NULL, 0);
	if (!*rc)
		*rc = usdt_arg_eval(&a, regs, fake_read, m, &v);
	return v;
}

static void test_eval(void)
{
	struct user_regs_struct regs;
	struct fake_mem m = { .base = 0x10000 };
	int rc;

	memset(&regs, 0, sizeof(regs));
	for (size_t i = 0; i < sizeof(m.bytes); i++)
		m.bytes[i] = (unsigned char)(0x80 + i); /* byte at base+i is 0x80+i */
	regs.rax = 0x11223344556677f8ULL;
	regs.rbx = 2;
	regs.rbp = 0x10040;
	regs.r8 = 0xffffffff80000000ULL;
	regs.rip = 0x10010;

	TEST_BEGIN("usdt eval: registers are truncated, then sign- or zero-extended");
	CHECK_EQ_INT(eval("1@%al", &regs, &m, &rc), 0xf8);
	CHECK_EQ_INT(eval("-1@%al", &regs, &m, &rc), -8);
	CHECK_EQ_INT(eval("-1@%ah", &regs, &m, &rc), 0x77);
	CHECK_EQ_INT(eval("2@%ax", &regs, &m, &rc), 0x77f8);
	CHECK_EQ_INT(eval("-4@%eax", &regs, &m, &rc), 0x556677f8);
	CHECK_EQ_INT(eval("-8@%rax", &regs, &m, &rc), 0x11223344556677f8LL);
	CHECK_EQ_INT(eval("-4@%r8d", &regs, &m, &rc), -2147483648LL);
	CHECK_EQ_INT(eval("4@%r8d", &regs, &m, &rc), 2147483648LL);
	CHECK_EQ_INT(rc, 0);
	TEST_END();

	TEST_BEGIN("usdt eval: memory operands read size bytes at base+index*scale+disp");
	/* rbp - 8 = base + 0x38: bytes b8 b9 ba bb ... little-endian */
	CHECK_EQ_INT(eval("-1@-8(%rbp)", &regs, &m, &rc), (int8_t)0xb8);
	CHECK_EQ_INT(eval("2@-8(%rbp)", &regs, &m, &rc), 0xb9b8);
	CHECK_EQ_INT(eval("-4@-8(%rbp)", &regs, &m, &rc), (int32_t)0xbbbab9b8);
	CHECK_EQ_INT(eval("8@-8(%rbp)", &regs, &m, &rc), (int64_t)0xbfbebdbcbbbab9b8ULL);
	/* rbp + rbx*8 + 16 = base + 0x60 */
	CHECK_EQ_INT(eval("1@16(%rbp,%rbx,8)", &regs, &m, &rc), 0xe0);
	/* no base: rbx*4 + 0x10003 = base + 0xb */
	CHECK_EQ_INT(eval("1@0x10003(,%rbx,4)", &regs, &m, &rc), 0x8b);
	CHECK_EQ_INT(eval("1@65536", &regs, &m, &rc), 0x80);
	CHECK_EQ_INT(rc, 0);
	eval("8@-0x100(%rbp)", &regs, &m, &rc);
	CHECK_EQ_INT(rc, -EFAULT);
	TEST_END();

	TEST_BEGIN("usdt eval: constants, %rip operands and unsupported specs");
	CHECK_EQ_INT(eval("-4@$-3", &regs, &m, &rc), -3);
	CHECK_EQ_INT(eval("4@$-3", &regs, &m, &rc), 4294967293LL);
	CHECK_EQ_INT(eval("2@$65537", &regs, &m, &rc), 1);
	CHECK_EQ_INT(rc, 0);
	struct usdt_arg a;
	uint64_t v = 0;
	CHECK_EQ_INT(usdt_arg_parse("-2@sym+2(%rip)", &a, NULL, 0), 0);
	CHECK_EQ_INT(usdt_arg_eval(&a, &regs, fake_read, &m, &v), -EINVAL); /* not resolved */
	a.resolved = true;
	a.rip_delta = 0x20; /* ip 0x10010 + 0x20 = base + 0x30 */
	CHECK_EQ_INT(usdt_arg_eval(&a, &regs, fake_read, &m, &v), 0);
	CHECK_EQ_INT(v, (int16_t)0xb1b0);
	usdt_arg_parse("8@%xmm0", &a, NULL, 0);
	CHECK_EQ_INT(usdt_arg_eval(&a, &regs, fake_read, &m, &v), -EINVAL);
	CHECK_EQ_INT(usdt_extend(0x80, 1, true), -128);
	CHECK_EQ_INT(usdt_extend(0xffff8000, 2, false), 0x8000);
	CHECK_EQ_INT(usdt_extend(0x7fffffff, 4, true), 0x7fffffff);
	TEST_END();
}

/* ---- notes */

static void test_notes_errors(void)
{
	struct usdt_note *notes = NULL;
	int n = -1;
	char err[512];

	TEST_BEGIN("usdt notes: a missing file");
	CHECK_EQ_INT(usdt_notes_read("build/no/such/file", &notes, &n, err, sizeof(err)), -ENOENT);
	CHECK_EQ_STR(err, "cannot open build/no/such/file: No such file or directory");
	CHECK(notes == NULL && n == 0);
	TEST_END();

	TEST_BEGIN("usdt notes: a file that is not ELF");
	CHECK_EQ_INT(usdt_notes_read("tests/unit/check.h", &notes, &n, err, sizeof(err)), -ENOEXEC);
	CHECK_EQ_STR(err, "tests/unit/check.h is not an ELF file");
	TEST_END();

	/* this test's own objects: relocatable, so no addresses to attach to */
	const char *obj = "build/asan/runtime/usdt_notes.o";
	TEST_BEGIN("usdt notes: a relocatable object is refused");
	if (access(obj, R_OK) == 0) {
		CHECK_EQ_INT(usdt_notes_read(obj, &notes, &n, err, sizeof(err)), -ENOEXEC);
		CHECK_EQ_STR(err, "build/asan/runtime/usdt_notes.o is not an executable or a shared "
				  "library");
	}
	TEST_END();

	/* the unit test binary itself has no notes */
	TEST_BEGIN("usdt notes: an executable without notes has none");
	CHECK_EQ_INT(usdt_notes_read("/proc/self/exe", &notes, &n, err, sizeof(err)), 0);
	CHECK(notes == NULL && n == 0);
	TEST_END();
}

static int count_matching(const struct usdt_note *notes, int n, const char *pattern)
{
	int k = 0;
	for (int i = 0; i < n; i++)
		k += usdt_note_match(&notes[i], pattern);
	return k;
}

static const struct usdt_note *find_note(const struct usdt_note *notes, int n,
					 const char *name, int nth)
{
	for (int i = 0; i < n; i++)
		if (strcmp(notes[i].name, name) == 0 && nth-- == 0)
			return &notes[i];
	return NULL;
}

/* "s1 s2 s4 s8" style: each argument's signedness and size, or "bad" */
static void arg_shapes(const struct usdt_note *note, char *buf, size_t len)
{
	size_t pos = 0;
	buf[0] = '\0';
	for (int i = 0; i < note->nargs && pos < len; i++) {
		const struct usdt_arg *a = &note->arg[i];
		int k = a->kind == USDT_ARG_UNSUPPORTED
				? snprintf(buf + pos, len - pos, "%sbad", i ? " " : "")
				: snprintf(buf + pos, len - pos, "%s%c%d", i ? " " : "",
					   a->is_signed ? 's' : 'u', a->size);
		pos += k > 0 ? (size_t)k : 0;
	}
}

static void test_workload_notes(const char *exe, bool pie)
{
	struct usdt_note *notes = NULL;
	int n = 0;
	char err[512], shapes[128], name[200];
	const struct usdt_note *t;

#define TEST_BEGIN_EXE(what)                                                               \
	snprintf(name, sizeof(name), "usdt notes %s: %s", exe, what);                      \
	TEST_BEGIN(name)
	TEST_BEGIN_EXE("9 call sites of 7 probes");
	CHECK_EQ_INT(usdt_notes_read(exe, &notes, &n, err, sizeof(err)), 0);
	CHECK_EQ_INT(n, 9);
	CHECK_EQ_INT(count_matching(notes, n, "bpfs:*"), 9);
	CHECK_EQ_INT(count_matching(notes, n, "bpfs:site"), 3);
	CHECK_EQ_INT(count_matching(notes, n, "site"), 3);
	CHECK_EQ_INT(count_matching(notes, n, "*:s*"), 4); /* signed + 3 sites */
	CHECK_EQ_INT(count_matching(notes, n, "b?fs:noargs"), 1);
	CHECK_EQ_INT(count_matching(notes, n, "bpfs:[gm]*"), 3);
	CHECK_EQ_INT(count_matching(notes, n, "*"), 9);
	CHECK_EQ_INT(count_matching(notes, n, "nope:site"), 0);
	CHECK_EQ_INT(count_matching(notes, n, "bpfs:sit"), 0);
	for (int i = 0; i < n; i++) {
		CHECK_EQ_STR(notes[i].provider, "bpfs");
		CHECK(notes[i].pc_offset != 0);
		/* PIE: the linker lays code out at its file offset; non-PIE: at 0x400000 + it */
		CHECK_EQ_INT(notes[i].pc_vaddr - notes[i].pc_offset, pie ? 0 : 0x400000);
		for (int j = 0; j < i; j++)
			CHECK(notes[j].pc_offset != notes[i].pc_offset);
		for (int j = 0; j < notes[i].nargs; j++)
			CHECK_EQ_STR(notes[i].arg[j].kind == USDT_ARG_UNSUPPORTED
					     ? notes[i].arg[j].why : "", "");
	}
	TEST_END();

	TEST_BEGIN_EXE("argument sizes and signedness of every width");
	t = find_note(notes, n, "signed", 0);
	CHECK(t && t->nargs == 4);
	if (t) {
		arg_shapes(t, shapes, sizeof(shapes));
		CHECK_EQ_STR(shapes, "s1 s2 s4 s8");
	}
	t = find_note(notes, n, "unsigned", 0);
	CHECK(t && t->nargs == 4);
	if (t) {
		arg_shapes(t, shapes, sizeof(shapes));
		CHECK_EQ_STR(shapes, "u1 u2 u4 u8");
	}
	t = find_note(notes, n, "misc", 0);
	CHECK(t && t->nargs == 4);
	if (t && t->nargs == 4) {
		arg_shapes(t, shapes, sizeof(shapes));
		CHECK_EQ_STR(shapes, "u8 s4 s8 s8");
		CHECK(t->arg[1].kind == USDT_ARG_CONST && t->arg[1].disp == 42);
		CHECK(t->arg[2].kind == USDT_ARG_CONST && t->arg[2].disp == -3);
	}
	t = find_note(notes, n, "mem", 0);
	CHECK(t && t->nargs == 3);
	if (t && t->nargs == 3) {
		arg_shapes(t, shapes, sizeof(shapes));
		CHECK_EQ_STR(shapes, "s8 s8 s8");
		/* the globals are read in place, the volatile local on the stack */
		CHECK_EQ_INT(t->arg[0].kind, USDT_ARG_RIP);
		CHECK_EQ_STR(t->arg[0].sym, "bpfs_counter");
		CHECK(t->arg[0].resolved);
		CHECK_EQ_INT(t->arg[1].kind, USDT_ARG_MEM);
		CHECK_EQ_INT(t->arg[1].reg.off, USDT_PT_SP);
		CHECK_EQ_INT(t->arg[2].kind, USDT_ARG_RIP);
		CHECK_EQ_STR(t->arg[2].sym, "bpfs_pair");
		CHECK_EQ_INT(t->arg[2].disp, 8);
		CHECK(t->arg[2].resolved);
	}
	t = find_note(notes, n, "noargs", 0);
	CHECK(t && t->nargs == 0 && strcmp(t->args, "") == 0 && t->arg == NULL);
	TEST_END();

	TEST_BEGIN_EXE("the three call sites of bpfs:site");
	int sites = 0;
	for (int k = 0; k < 3; k++) {
		t = find_note(notes, n, "site", k);
		CHECK(t && t->nargs == 2);
		if (t && t->nargs == 2 && t->arg[0].kind == USDT_ARG_CONST &&
		    t->arg[0].disp >= 1 && t->arg[0].disp <= 3)
			sites |= 1 << t->arg[0].disp;
		CHECK(t && t->sema_offset == 0);
	}
	CHECK_EQ_INT(sites, 0xe); /* each of sites 1, 2, 3 once */
	TEST_END();

	TEST_BEGIN_EXE("only bpfs:guarded has a semaphore");
	for (int i = 0; i < n; i++) {
		bool g = strcmp(notes[i].name, "guarded") == 0;
		CHECK_EQ_INT(notes[i].sema_offset != 0, g);
		CHECK_EQ_INT(notes[i].sema_vaddr != 0, g);
	}
	TEST_END();
	usdt_notes_free(notes, n);
#undef TEST_BEGIN_EXE
}

static void test_lib_notes(void)
{
	struct usdt_note *notes = NULL;
	int n = 0;
	char err[512], shapes[128];

	TEST_BEGIN("usdt notes: the shared library's probe");
	CHECK_EQ_INT(usdt_notes_read(LIB, &notes, &n, err, sizeof(err)), 0);
	CHECK_EQ_INT(n, 1);
	if (n == 1) {
		CHECK_EQ_STR(notes[0].provider, "bpfslib");
		CHECK_EQ_STR(notes[0].name, "libcall");
		arg_shapes(&notes[0], shapes, sizeof(shapes));
		CHECK_EQ_STR(shapes, "s8 u8");
		CHECK(usdt_note_match(&notes[0], "bpfslib:libcall"));
		CHECK(!usdt_note_match(&notes[0], "bpfs:libcall"));
	}
	TEST_END();
	usdt_notes_free(notes, n);
}

/* ---- an independent computation from readelf's output */

struct want_note {
	char provider[64], name[64], args[512];
	uint64_t loc, base, sema;
};

struct want_seg {
	uint64_t off, vaddr, filesz, memsz;
	bool exec;
};

static FILE *readelf(const char *opt, const char *path)
{
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "readelf %s '%s' 2>/dev/null", opt, path);
	return popen(cmd, "r");
}

static void chomp(char *s)
{
	size_t l = strlen(s);
	while (l && (s[l - 1] == '\n' || s[l - 1] == ' '))
		s[--l] = '\0';
}

/* Fills w[] (up to max) from `readelf -nW`, segs from `-lW`, *base_sec from `-SW`;
 * returns the number of notes, or -1 when readelf cannot be run. */
static int readelf_notes(const char *path, struct want_note *w, int max, struct want_seg *segs,
			 int *nsegs, bool *have_base, uint64_t *base_sec)
{
	char line[1024];
	int n = 0;
	bool in_sdt = false;
	FILE *f = readelf("-nW", path);
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		chomp(line);
		if (strstr(line, "Displaying notes found in:"))
			in_sdt = strstr(line, ".note.stapsdt") != NULL;
		if (!in_sdt)
			continue;
		/* with -W, "Provider:" follows the note's header line after a tab */
		const char *p = line + strspn(line, " "), *prov = strstr(line, "Provider: ");
		if (prov && n < max) {
			memset(&w[n], 0, sizeof(w[n]));
			snprintf(w[n++].provider, sizeof(w->provider), "%s", prov + 10);
		} else if (n && strncmp(p, "Name: ", 6) == 0) {
			snprintf(w[n - 1].name, sizeof(w->name), "%s", p + 6);
		} else if (n && strncmp(p, "Location: ", 10) == 0) {
			sscanf(p, "Location: %" SCNx64 ", Base: %" SCNx64 ", Semaphore: %" SCNx64,
			       &w[n - 1].loc, &w[n - 1].base, &w[n - 1].sema);
		} else if (n && strncmp(p, "Arguments:", 10) == 0) {
			snprintf(w[n - 1].args, sizeof(w->args), "%s", p + 10 + (p[10] == ' '));
		}
	}
	int st = pclose(f);
	if (st != 0)
		return -1;

	*nsegs = 0;
	f = readelf("-lW", path);
	while (f && fgets(line, sizeof(line), f)) {
		struct want_seg s = { 0 };
		int pos = 0;
		if (sscanf(line, " LOAD %" SCNx64 " %" SCNx64 " %*x %" SCNx64 " %" SCNx64 " %n", &s.off,
			   &s.vaddr, &s.filesz, &s.memsz, &pos) == 4 && *nsegs < 16) {
			/* flags ("R E", "RW ") then the alignment */
			char *align = strstr(line + pos, "0x");
			if (align)
				*align = '\0';
			s.exec = strchr(line + pos, 'E') != NULL;
			segs[(*nsegs)++] = s;
		}
	}
	if (f)
		pclose(f);

	*have_base = false;
	f = readelf("-SW", path);
	while (f && fgets(line, sizeof(line), f)) {
		char *p = strstr(line, " .stapsdt.base ");
		if (p && sscanf(p + 15, " %*s %" SCNx64, base_sec) == 1)
			*have_base = true;
	}
	if (f)
		pclose(f);
	return n;
}

static bool to_offset(const struct want_seg *segs, int nsegs, uint64_t va, bool exec,
		      uint64_t *off)
{
	for (int i = 0; i < nsegs; i++)
		if (segs[i].exec == exec && va >= segs[i].vaddr && va < segs[i].vaddr + segs[i].memsz) {
			*off = va - segs[i].vaddr + segs[i].off;
			return true;
		}
	return false;
}

static void compare_with_readelf(const char *path, bool must_exist)
{
	static struct want_note w[512];
	struct want_seg segs[16];
	struct usdt_note *notes = NULL;
	int n = 0, nsegs = 0;
	bool have_base;
	uint64_t base_sec = 0;
	char name[300], err[512];

	if (access(path, R_OK) != 0 && !must_exist)
		return;
	snprintf(name, sizeof(name), "usdt notes: %s agrees with readelf", path);
	TEST_BEGIN(name);
	int nw = readelf_notes(path, w, 512, segs, &nsegs, &have_base, &base_sec);
	CHECK(nw >= 0);
	err[0] = '\0';
	CHECK_EQ_STR(usdt_notes_read(path, &notes, &n, err, sizeof(err)) ? err : "", "");
	CHECK_EQ_INT(n, nw);
	for (int i = 0; i < n && i < nw; i++) {
		uint64_t adj = have_base ? base_sec - w[i].base : 0, pc_off = 0, sema_off = 0;
		CHECK(to_offset(segs, nsegs, w[i].loc + adj, true, &pc_off));
		if (w[i].sema)
			CHECK(to_offset(segs, nsegs, w[i].sema + adj, false, &sema_off));
		CHECK_EQ_STR(notes[i].provider, w[i].provider);
		CHECK_EQ_STR(notes[i].name, w[i].name);
		CHECK_EQ_STR(notes[i].args, w[i].args);
		CHECK_EQ_INT(notes[i].pc_offset, pc_off);
		CHECK_EQ_INT(notes[i].sema_offset, sema_off);
		CHECK_EQ_INT(notes[i].pc_vaddr, w[i].loc + adj);
		/* every argument of real compilers' notes is readable */
		for (int j = 0; j < notes[i].nargs; j++)
			CHECK_EQ_STR(notes[i].arg[j].kind == USDT_ARG_UNSUPPORTED ? notes[i].arg[j].why
										   : "",
				     "");
		CHECK(notes[i].nargs >= 0);
	}
	TEST_END();
	usdt_notes_free(notes, n);
}

static void test_readelf_agrees(void)
{
	compare_with_readelf(TARGET, true);
	compare_with_readelf(TARGET_NOPIE, true);
	compare_with_readelf(LIB, true);
	/* system files with notes, semaphores among them, when installed */
	compare_with_readelf("/usr/lib/x86_64-linux-gnu/libstdc++.so.6", false);
	compare_with_readelf("/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0", false);
	compare_with_readelf("/usr/bin/python3.11", false);
}


int main(void)
{
	test_specs();
	test_arg_lists();
	test_regs();
	test_eval();
	test_notes_errors();
	if (access(TARGET, X_OK) != 0 || access(TARGET_NOPIE, X_OK) != 0 || access(LIB, R_OK) != 0) {
		printf("ok usdt workload checks skipped (%s not built: make test-build)\n", TARGET);
		return check_summary();
	}
	test_workload_notes(TARGET, true);
	test_workload_notes(TARGET_NOPIE, false);
	test_lib_notes();
	test_readelf_agrees();
	return check_summary();
}
