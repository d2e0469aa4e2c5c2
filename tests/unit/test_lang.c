/*
 * tests/unit/test_lang.c — current bpftrace's language forms in the front end: the AST the
 * parser builds for macros, map declarations, records, ?:, ranges, true/false, typeof and
 * block expressions; sema's types for them, macro expansion and hygiene, getopt() and the
 * split of the command line's parameters, and the position of each error.
 * Must not: load or attach anything (sema only; BEGIN probes need no kernel).
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


static void run_named(struct run *x, const char *text, int nnamed, char **named)
{
	struct sema_opts o = { .strlen = ABI_STRLEN_DEFAULT, .nnamed = nnamed, .named = named,
			       .builtins = &builtin_set, .probes = &rt_probes };
	sema_text(x, text, &o);
}

static void run(struct run *x, const char *text) { run_named(x, text, 0, NULL); }





static void expect_err(const char *name, const char *prog, const char *want)
{
	struct run x;
	TEST_BEGIN(name);
	run(&x, prog);
	CHECK(x.rc != 0);
	CHECK_EQ_STR(first_err(&x), want);
	TEST_END();
	done(&x);
}

int main(void)
{
	struct run x;

	TEST_BEGIN("lang: top-level macro and map declaration nodes");
	run(&x, "let @m = lruhash(7);\nmacro add($a, @b, c) { $a + c }\nBEGIN { @m[1] = 1; }");
	CHECK_EQ_INT(x.rc, 0);
	{
		struct node *d = find(&x, AST_MAPDECL, 0), *m = find(&x, AST_MACRO, 0);
		CHECK(d && d->a->kind == AST_MAP && strcmp(d->a->str, "@m") == 0);
		CHECK(d && d->b->kind == AST_CALL && strcmp(d->b->str, "lruhash") == 0);
		CHECK(m && strcmp(m->str, "add") == 0 && ast_list_len(m->list) == 3);
		CHECK(m && m->list->kind == AST_VAR && m->list->next->kind == AST_MAP &&
		      m->list->next->next->kind == AST_IDENT);
		CHECK(m && (m->b->flags & NODE_F_LASTVAL));
		CHECK_EQ_INT(x.r.maps[0].decl, MAP_DECL_LRU_HASH);
		CHECK_EQ_INT(x.r.maps[0].decl_max, 7);
	}
	TEST_END();
	done(&x);

	TEST_BEGIN("lang: true/false, ?:, records, ranges and block expressions are typed");
	run(&x, "BEGIN { $t = true; $n = !$t; $e = 0 ?: 5; $b = $t ?: false; "
		"$r = (a=1, b=\"xy\"); $f = $r.b; $s = { $q = 2; $q * 3 }; "
		"for ($i : 0..3) { $k = $i; } @v[(x=1, y=2)] = (b=\"z\", a=3); }");
	CHECK_EQ_INT(x.rc, 0);
	CHECK_EQ_STR(var_type(&x, "$t"), "bool");
	CHECK_EQ_STR(var_type(&x, "$n"), "bool");
	CHECK_EQ_STR(var_type(&x, "$e"), "int64");
	CHECK_EQ_STR(var_type(&x, "$b"), "bool");
	CHECK_EQ_STR(var_type(&x, "$r"), "(a=int64, b=string[3])");
	CHECK_EQ_STR(var_type(&x, "$f"), "string[3]");
	CHECK_EQ_STR(var_type(&x, "$s"), "int64");
	CHECK_EQ_STR(tname(find(&x, AST_BLOCKEXPR, 0)), "int64");
	CHECK(find(&x, AST_RANGE, 0) != NULL);
	CHECK_EQ_STR(tname(find(&x, AST_TERNARY, 0)), "int64");
	{
		char kb[128], vb[128];
		CHECK_EQ_STR(type_name(&x.r.maps[0].key, kb, sizeof(kb)), "(x=int64, y=int64)");
		CHECK_EQ_STR(type_name(&x.r.maps[0].val, vb, sizeof(vb)), "(b=string[2], a=int64)");
	}
	TEST_END();
	done(&x);

	TEST_BEGIN("lang: comparisons are bools; a bool slot given an integer holds integers");
	run(&x, "BEGIN { $c = 1 < 2; $l = pid > 3 && pid < 9; $i = (1 < 2) + (3 < 4); "
		"$m = 1 == 1; $m = 5; $p = pid != 1; $p++; $t = pid ? (1 < 2) : false; "
		"@k[1 < 2] = 1; @k[7] = 2; $z = (typeof(1 < 2))pid; }");
	CHECK_EQ_INT(x.rc, 0);
	CHECK_EQ_STR(var_type(&x, "$c"), "bool");
	CHECK_EQ_STR(var_type(&x, "$l"), "bool");
	CHECK_EQ_STR(var_type(&x, "$i"), "uint64");
	CHECK_EQ_STR(var_type(&x, "$m"), "int64");
	CHECK_EQ_STR(var_type(&x, "$p"), "uint64");
	CHECK_EQ_STR(var_type(&x, "$t"), "bool");
	CHECK_EQ_STR(var_type(&x, "$z"), "bool");
	{
		char kb[128];
		CHECK_EQ_STR(type_name(&x.r.maps[0].key, kb, sizeof(kb)), "int64");
	}
	TEST_END();
	done(&x);

	TEST_BEGIN("lang: typeof/sizeof of a variable is its first stored type");
	run(&x, "BEGIN { $x = (uint8)1; $x = 1000; $s = sizeof($x); $y = (typeof($x))300; "
		"$b = 1 < 2; $bs = sizeof($b); $u = (typeof($b))7; }");
	CHECK_EQ_INT(x.rc, 0);
	CHECK_EQ_STR(var_type(&x, "$x"), "uint64");
	CHECK_EQ_INT(find(&x, AST_INT, 2)->ival, 1); /* sizeof($x), folded */
	CHECK_EQ_STR(tname(find(&x, AST_CAST, 1)), "uint8");
	CHECK_EQ_STR(tname(find(&x, AST_CAST, 2)), "bool");
	TEST_END();
	done(&x);

	TEST_BEGIN("lang: & of a tuple, record or bool is a pointer to that type");
	run(&x, "BEGIN { $t = (1, \"ab\"); $p = &$t; $v = *$p; $e = $p.1; $r = (k=2); "
		"$q = &$r; $k = $q.k; $b = true; $pb = &$b; @m[1] = (3, \"c\"); $pm = &@m[1]; }");
	CHECK_EQ_INT(x.rc, 0);
	CHECK_EQ_STR(var_type(&x, "$p"), "(int64, string[3]) *");
	CHECK_EQ_STR(var_type(&x, "$v"), "(int64, string[3])");
	CHECK_EQ_STR(var_type(&x, "$e"), "string[3]");
	CHECK_EQ_STR(var_type(&x, "$q"), "(k=int64) *");
	CHECK_EQ_STR(var_type(&x, "$k"), "int64");
	CHECK_EQ_STR(var_type(&x, "$pb"), "bool *");
	CHECK_EQ_STR(var_type(&x, "$pm"), "(int64, string[2]) *");
	TEST_END();
	done(&x);

	TEST_BEGIN("lang: if comptime types only its chosen branch; prune leaves literals");
	run(&x, "BEGIN { $x = 1; if comptime (typeinfo($x).base_type == \"string\") "
		"{ $x = \"s\"; $gone = 1; } else if comptime (sizeof($x) == 8) { $x = 2; } "
		"$k = comptime (3 * 4); $t = is_integer($x) && !is_str($x); }");
	CHECK_EQ_INT(x.rc, 0);
	CHECK_EQ_STR(var_type(&x, "$x"), "int64");
	CHECK_EQ_STR(var_type(&x, "$gone"), "(no variable)");
	CHECK(find(&x, AST_COMPTIME, 0) == NULL);
	CHECK_EQ_INT(find(&x, AST_IF, 0)->a->kind, AST_BOOL);
	CHECK_EQ_INT(find(&x, AST_IF, 0)->c == NULL, 1);
	{
		struct node *k = NULL; /* $k's folded 3 * 4 */
		for (int i = 0; (k = find(&x, AST_INT, i)) && k->ival != 12; i++)
			;
		CHECK(k != NULL);
		if (k)
			CHECK_EQ_STR(tname(k), "int64");
	}
	TEST_END();
	done(&x);

	TEST_BEGIN("lang: a record written in another order is the same record");
	run(&x, "BEGIN { $r = (a=1, b=\"x\"); $r = (b=\"yyy\", a=2); }");
	CHECK_EQ_INT(x.rc, 0);
	CHECK_EQ_STR(var_type(&x, "$r"), "(a=int64, b=string[4])");
	TEST_END();
	done(&x);

	TEST_BEGIN("lang: macro expansion is hygienic");
	run(&x, "macro m($a, @b, c) { $local = c; $a = $local + 1; @b = $a; $local }\n"
		"BEGIN { $local = 100; $x = 1; $y = m($x, @out, $local * 2); }");
	CHECK_EQ_INT(x.rc, 0);
	{
		/* the body's $local is its own; the argument's $local is the caller's */
		int own = 0;
		for (int i = 0; i < x.r.nvars; i++)
			if (strncmp(x.r.vars[i].name, "$local@m.", 9) == 0)
				own++;
		CHECK_EQ_INT(own, 1);
		CHECK(find(&x, AST_BLOCKEXPR, 0) != NULL);
		CHECK_EQ_INT(x.r.nmaps, 1);
		CHECK_EQ_STR(x.r.maps[0].name, "@out");
		CHECK_EQ_STR(var_type(&x, "$y"), "int64");
	}
	TEST_END();
	done(&x);

	TEST_BEGIN("lang: getopt() becomes the literal of its named parameter");
	{
		char *named[] = { "n=12", "flag", "s=hi", "off=false" };
		run_named(&x, "BEGIN { $a = getopt(\"n\", 1); $b = getopt(\"flag\"); "
			      "$c = getopt(\"s\", \"x\"); $d = getopt(\"off\", true); "
			      "$e = getopt(\"missing\", -4); }", 4, named);
		CHECK_EQ_INT(x.rc, 0);
		CHECK_EQ_INT(find(&x, AST_INT, 0)->ival, 12);
		CHECK_EQ_INT(find(&x, AST_BOOL, 0)->ival, 1);
		CHECK_EQ_STR(find(&x, AST_STR, 0)->str, "hi");
		CHECK_EQ_INT(find(&x, AST_BOOL, 1)->ival, 0);
		CHECK_EQ_INT(find(&x, AST_INT, 1)->ival, -4);
		CHECK_EQ_STR(var_type(&x, "$b"), "bool");
	}
	TEST_END();
	done(&x);

	TEST_BEGIN("lang: positional and named parameters split at --");
	{
		/* as getopt_long leaves them: it may move the `--` among the positional words */
		char *argv[] = { "--", "p1", "20", "--aa=5", "x", "--bb" };
		struct sema_opts o = { 0 };
		char **pos = NULL, **named = NULL;
		CHECK_EQ_INT(sema_split_params(6, argv, 4, &o, &pos, &named), 0);
		CHECK_EQ_INT(o.npos, 3);
		CHECK_EQ_STR(o.pos[0], "p1");
		CHECK_EQ_STR(o.pos[1], "20");
		CHECK_EQ_STR(o.pos[2], "x");
		CHECK_EQ_INT(o.nnamed, 2);
		CHECK_EQ_STR(o.named[0], "aa=5");
		CHECK_EQ_STR(o.named[1], "bb");
		free(pos);
		free(named);
		char *argv2[] = { "a", "--b" };
		CHECK_EQ_INT(sema_split_params(2, argv2, -1, &o, &pos, &named), 0);
		CHECK_EQ_INT(o.npos, 2); /* without `--`, nothing is named */
		CHECK_EQ_INT(o.nnamed, 0);
		free(pos);
		free(named);
	}
	TEST_END();

	TEST_BEGIN("lang: typeof() in casts and declarations; sizeof of expressions");
	run(&x, "BEGIN { $c = (int16)1; let $a: typeof((uint8)1) = 300; $b = (typeof($c))7; "
		"$s = sizeof(typeof((1, \"ab\"))); static_assert(sizeof((uint32)1) == 4, \"x\"); }");
	CHECK_EQ_INT(x.rc, 0);
	CHECK_EQ_STR(tname(find(&x, AST_CAST, 1)), "uint8");
	for (int i = 0; i < 8; i++) { /* $s = sizeof((int64, string[3])) */
		struct node *as = find(&x, AST_ASSIGN, i);
		if (as && as->a->kind == AST_VAR && strcmp(as->a->str, "$s") == 0) {
			CHECK_EQ_INT(as->b->kind, AST_INT);
			CHECK_EQ_INT(as->b->ival, 16);
		}
	}
	TEST_END();
	done(&x);

	expect_err("lang: recursive macro", "macro a() { b() }\nmacro b() { a }\nBEGIN { a(); }",
		   "stdin:2:13: ERROR: Recursive macro call detected: a -> b -> a");
	expect_err("lang: unhygienic map", "macro a() { @x = 1 }\nBEGIN { a(); }",
		   "stdin:1:13: ERROR: Unhygienic access to map @x in macro 'a': maps must be "
		   "passed to a macro as arguments");
	expect_err("lang: static_assert fails", "BEGIN { static_assert(1 > 2, \"no\"); }",
		   "stdin:1:9: ERROR: no");
	expect_err("lang: record field", "BEGIN { $r = (a=1); print($r.b); }",
		   "stdin:1:27: ERROR: Record does not contain a field named 'b' (its type is "
		   "(a=int64))");
	expect_err("lang: bool is not an int slot", "BEGIN { @x = true; @x = 1; }",
		   "stdin:1:20: ERROR: Type mismatch for @x: trying to assign value of type "
		   "'int64' when map already contains a value of type 'bool'");
	expect_err("lang: range of strings", "BEGIN { for ($i : 0..\"a\") { } }",
		   "stdin:1:22: ERROR: Loop range requires an integer for the end value, not "
		   "string[2]");
	expect_err("lang: range variable is scoped", "BEGIN { for ($i : 0..2) { } print($i); }",
		   "stdin:1:35: ERROR: Undefined or undeclared variable: $i");
	expect_err("lang: declared map type must fit",
		   "let @a = percpuhash(3);\nBEGIN { @a[1] = 1; }",
		   "stdin:1:1: ERROR: Incompatible map types. Type from declaration: percpuhash. "
		   "Type from value/key type: hash");
	return check_summary();
}
