/*
 * tests/unit/test_lang_imports.c — the front end of current bpftrace's imports, discard
 * statement, `return N`, sizeof's array types and the "Return value discarded." warning:
 * segments of a source (offsets of an appended file located in that file), the nodes the
 * parser makes, and sema's values and messages.
 * Must not: load or attach anything, or read files (imports are parse_program_imports's,
 * tested end to end in tests/e2e/import_*.test and tests/errors/import_*.bt).
 */
#include <stdlib.h>
#include <string.h>

#include "../../parser/parse.h"
#include "../../runtime/provider.h"
#include "../../sema/abi.h"
#include "../../sema/sema.h"
#include "../../stdlib/builtins.h"
#include "check.h"
#include "sema_helper.h"

static void run(struct run *x, const char *text)
{
	struct sema_opts o = { .strlen = ABI_STRLEN_DEFAULT, .builtins = &builtin_set,
			       .probes = &rt_probes };
	sema_text(x, text, &o);
}

static void test_segments(void)
{
	TEST_BEGIN("imports: appended files are located in themselves");
	struct source src;
	CHECK_EQ_INT(src_from_string(&src, "root.bt", "a\nbb", 4), 0);
	CHECK_EQ_INT(src_append(&src, "lib/h.bt", "x\nyy\nzzz", 8), 0);
	/* the root did not end in '\n': one was added, so h.bt starts on a line of its own */
	CHECK_EQ_INT(src.nsegs, 1);
	CHECK_EQ_INT((int)src.segs[0].start, 5);
	int line, col;
	src_locate(&src, 3, &line, &col);
	CHECK_EQ_INT(line, 2);
	CHECK_EQ_INT(col, 2);
	CHECK_EQ_STR(src_name_at(&src, 3), "root.bt");
	src_locate(&src, 5 + 5, &line, &col); /* the first 'z' */
	CHECK_EQ_INT(line, 3);
	CHECK_EQ_INT(col, 1);
	CHECK_EQ_STR(src_name_at(&src, 10), "lib/h.bt");
	CHECK_EQ_INT(src_segment_at(&src, 4), -1);
	CHECK_EQ_INT(src_segment_at(&src, 5), 0);
	/* a message there names the file and shows its line */
	struct diag d;
	diag_init(&d, &src);
	diag_error(&d, (struct span){ 10, 13 }, "bad");
	char buf[256];
	diag_snprint(&d, buf, sizeof(buf));
	CHECK_EQ_STR(buf, "lib/h.bt:3:1: ERROR: bad\nzzz\n^~~\n");
	diag_free(&d);
	src_free(&src);
	TEST_END();
}

static void test_import_node(void)
{
	struct run x;
	TEST_BEGIN("imports: import \"p\"; is an IMPORT node with the unescaped path");
	struct source src;
	struct diag d;
	const char *t = "import /* \" */ \"a\\\"b.bt\" ;\nBEGIN { }";
	src_from_string(&src, "stdin", t, strlen(t));
	diag_init(&d, &src);
	struct node *p = parse_program(&src, &d);
	CHECK(p != NULL);
	CHECK(p && p->list && p->list->kind == AST_IMPORT);
	if (p && p->list && p->list->kind == AST_IMPORT) {
		CHECK_EQ_STR(p->list->str, "a\"b.bt");
		CHECK_EQ_INT((int)p->list->loc.start, 0);
		CHECK_EQ_INT((int)p->list->loc.end, 26);
	}
	ast_free(p);
	diag_free(&d);
	src_free(&src);
	(void)x;
	TEST_END();
}

static void test_discard_and_return(void)
{
	struct run x;
	TEST_BEGIN("imports: an IMPORT node left by parse_program is passed over by sema");
	run(&x, "import \"lib.bt\";\nBEGIN { @a = 1; }");
	CHECK_EQ_INT(x.rc, 0);
	CHECK_EQ_STR(x.errs, "");
	done(&x);
	TEST_END();

	TEST_BEGIN("discard: _ = x is an expression statement flagged discard");
	run(&x, "BEGIN { _ = 1 + 2; return 3; }");
	CHECK_EQ_INT(x.rc, 0);
	struct node *st = find(&x, AST_EXPR_STMT, 0);
	CHECK(st && (st->flags & NODE_F_DISCARD));
	struct node *ret = find(&x, AST_RETURN, 0);
	CHECK(ret && ret->a && ret->a->kind == AST_INT && ret->a->ival == 3);
	CHECK_EQ_STR(x.errs, "");
	done(&x);
	TEST_END();

	TEST_BEGIN("discard: a dropped value is warned about, ++, void calls and _ = are not");
	run(&x, "BEGIN { @a[1] = 1; has_key(@a, 1); $i = 0; $i++; print(1); _ = $i; delete(@a, 1); }");
	CHECK_EQ_INT(x.rc, 0);
	CHECK_EQ_STR(x.errs, "stdin:1:20: WARNING: Return value discarded.\n"
			     "BEGIN { @a[1] = 1; has_key(@a, 1); $i = 0; $i++; print(1); _ = $i; "
			     "delete(@a, 1); }\n"
			     "                   ^~~~~~~~~~~~~~\n");
	done(&x);
	TEST_END();

	TEST_BEGIN("return: only an integer, not inside a loop");
	run(&x, "BEGIN { return comm; }");
	CHECK_EQ_STR(x.errs, "stdin:1:16: ERROR: return value must be an integer, not string\n"
			     "BEGIN { return comm; }\n"
			     "               ^~~~\n");
	done(&x);
	TEST_END();
}

static void test_sizeof_types(void)
{
	struct run x;
	TEST_BEGIN("sizeof: postfix array types and a block's value type");
	run(&x, "BEGIN { @a = sizeof(uint32*[10]); @b = sizeof(int16[2][3]); "
		"@c = sizeof({ $v = (int8)1; $v }); @d = sizeof(uint64[0]); }");
	CHECK_EQ_INT(x.rc, 0);
	int vals[4] = { 80, 12, 1, 0 };
	for (int i = 0; i < 4; i++) {
		struct node *as = find(&x, AST_ASSIGN, i);
		CHECK(as && as->b && as->b->kind == AST_INT);
		if (as && as->b && as->b->kind == AST_INT)
			CHECK_EQ_INT((int)as->b->ival, vals[i]);
	}
	done(&x);
	TEST_END();
}

int main(void)
{
	test_segments();
	test_import_node();
	test_discard_and_return();
	test_sizeof_types();
	return check_summary();
}
