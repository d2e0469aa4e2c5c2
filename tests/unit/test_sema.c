/*
 * tests/unit/test_sema.c — semantic analysis: types, tables, formats, positional
 * parameters, tracepoint fields (against the real tracefs) and every error's position.
 * Must not: load or attach anything.
 */
#include <stdlib.h>
#include <string.h>

#include "../../parser/parse.h"
#include "../../runtime/provider.h"
#include "../../runtime/tracefs.h"
#include "../../sema/abi.h"
#include "../../sema/sema.h"
#include "../../stdlib/builtins.h"
#include "check.h"
#include "sema_helper.h"


static void run_opts(struct run *x, const char *text, int npos, char **pos, bool cpid)
{
	struct sema_opts o = { .npos = npos, .pos = pos, .have_cpid = cpid,
			       .strlen = ABI_STRLEN_DEFAULT, .builtins = &builtin_set,
			       .probes = &rt_probes };
	sema_text(x, text, &o);
}

static void run(struct run *x, const char *text) { run_opts(x, text, 0, NULL, false); }





static const char *tstr(const struct type *t)
{
	static char buf[256];
	return type_name(t, buf, sizeof(buf));
}

static void expect_err(const char *name, const char *prog, const char *want)
{
	struct run x;
	TEST_BEGIN(name);
	run(&x, prog);
	CHECK_EQ_INT(x.rc, -1);
	CHECK_EQ_STR(first_err(&x), want);
	TEST_END();
	done(&x);
}

static int count_cb(const char *c, const char *e, void *ctx)
{
	(void)c;
	(void)e;
	(*(int *)ctx)++;
	return 0;
}

int main(void)
{
	struct run x;

	TEST_BEGIN("sema: issue-4 language gaps: hist bits, bswap, enums, pointer steps");
	run(&x, "enum col { RED, GREEN = 5, BLUE };\n"
		"BEGIN { @h = hist(pid, 3); @g = hist(pid); $a = bswap((uint16)pid); "
		"$b = bswap(pid); $c = BLUE; $d = (enum col)pid; $p = (int32 *)0; $p += 2; "
		"$p++; $q = $p - (int32 *)0; }");
	CHECK_EQ_INT(x.rc, 0);
	CHECK_EQ_STR(tstr(&x.r.maps[0].val), "hist(bits 3)");
	CHECK_EQ_INT(x.r.maps[0].val.lh_step, 3);
	CHECK_EQ_STR(tstr(&x.r.maps[1].val), "hist");
	CHECK_EQ_INT(x.r.maps[1].val.lh_step, 0);
	CHECK_EQ_STR(tname(find(&x, AST_CALL, 2)), "uint16");
	CHECK_EQ_STR(tname(find(&x, AST_CALL, 3)), "uint64");
	CHECK_EQ_INT(find(&x, AST_INT, 1)->ival, 6); /* BLUE became a literal */
	CHECK_EQ_STR(tname(find(&x, AST_CAST, 1)), "enum (uint32)");
	CHECK_EQ_INT(find(&x, AST_CAST, 1)->type.sub, SUB_ENUM);
	CHECK(x.r.fmts[find(&x, AST_CAST, 1)->type.fmt_id].kind == FMT_ENUM);
	CHECK_EQ_STR(x.r.fmts[find(&x, AST_CAST, 1)->type.fmt_id].fmt, "0 RED\n5 GREEN\n6 BLUE\n");
	TEST_END();
	done(&x);

	TEST_BEGIN("sema: builtin variable types");
	run(&x, "BEGIN { $a = pid; $b = comm; $c = rand; $d = probe; $e = nsecs; $f = cpu; }");
	CHECK_EQ_INT(x.rc, 0);
	CHECK_EQ_STR(tname(find(&x, AST_IDENT, 0)), "uint64");
	CHECK_EQ_STR(tname(find(&x, AST_IDENT, 1)), "string[16]");
	CHECK_EQ_STR(tname(find(&x, AST_IDENT, 2)), "uint64"); /* rand: uint64 as in 0.17 */
	CHECK_EQ_STR(tname(find(&x, AST_IDENT, 3)), "probe");
	CHECK_EQ_STR(tname(find(&x, AST_IDENT, 4)), "uint64");
	CHECK_EQ_INT(find(&x, AST_IDENT, 1)->sym, builtin_find(&builtin_set, "comm", false));
	CHECK_EQ_INT(find(&x, AST_IDENT, 5)->sym, builtin_find(&builtin_set, "cpu", false));
	TEST_END();
	done(&x);

	TEST_BEGIN("sema: literal and operator types");
	run(&x, "BEGIN { $a = 1; $b = \"ab\"; $c = pid + 1; $d = pid * pid; $e = pid < 3; "
		"$f = comm == \"x\"; $g = -pid; $h = !pid; $i = ~(uint8)1; $j = (int16)pid; }");
	CHECK_EQ_INT(x.rc, 0);
	CHECK_EQ_STR(tname(find(&x, AST_INT, 0)), "int64");
	CHECK_EQ_STR(tname(find(&x, AST_STR, 0)), "string[3]");
	CHECK_EQ_STR(tname(find(&x, AST_BINOP, 0)), "int64");
	CHECK_EQ_STR(tname(find(&x, AST_BINOP, 1)), "uint64");
	/* comparisons and ! are bools (current bpftrace; 0.17 had integers) */
	CHECK_EQ_STR(tname(find(&x, AST_BINOP, 2)), "bool");
	CHECK_EQ_STR(tname(find(&x, AST_BINOP, 3)), "bool");
	CHECK_EQ_STR(tname(find(&x, AST_UNOP, 0)), "int64");
	CHECK_EQ_STR(tname(find(&x, AST_UNOP, 1)), "bool");
	CHECK_EQ_STR(tname(find(&x, AST_CAST, 0)), "uint8");
	CHECK_EQ_STR(tname(find(&x, AST_CAST, 1)), "int16");
	TEST_END();
	done(&x);

	TEST_BEGIN("sema: ternary and tuple types");
	run(&x, "BEGIN { $a = pid ? \"a\" : \"bbb\"; $b = pid ? (uint8)1 : -1; "
		"$t = (1, comm); $u = $t.1; }");
	CHECK_EQ_INT(x.rc, 0);
	CHECK_EQ_STR(tname(find(&x, AST_TERNARY, 0)), "string[4]");
	CHECK_EQ_STR(tname(find(&x, AST_TERNARY, 1)), "int64");
	CHECK_EQ_STR(tname(find(&x, AST_TUPLE, 0)), "(int64, string[16])");
	CHECK_EQ_STR(tname(find(&x, AST_FIELD, 0)), "string[16]");
	CHECK_EQ_INT(find(&x, AST_FIELD, 0)->off, 8);
	TEST_END();
	done(&x);

	TEST_BEGIN("sema: map table keys and values");
	run(&x, "BEGIN { @c[pid, comm] = count(); @u = (uint8)1; @s = -1; @h[comm] = hist(pid); "
		"@l = lhist(pid, 0, 100, 10); @m = max(-1); @i++; }");
	CHECK_EQ_INT(x.rc, 0);
	CHECK_EQ_INT(x.r.nmaps, 7);
	CHECK_EQ_STR(x.r.maps[0].name, "@c");
	CHECK_EQ_STR(tstr(&x.r.maps[0].key), "(uint64, string[16])");
	CHECK_EQ_STR(tstr(&x.r.maps[0].val), "count");
	CHECK_EQ_STR(tstr(&x.r.maps[1].val), "uint64");
	CHECK_EQ_INT(x.r.maps[1].key.kind, TY_NONE);
	CHECK_EQ_STR(tstr(&x.r.maps[2].val), "int64");
	CHECK_EQ_STR(tstr(&x.r.maps[3].key), "string[16]");
	CHECK_EQ_STR(tstr(&x.r.maps[3].val), "hist");
	CHECK_EQ_INT(x.r.maps[4].val.kind, TY_LHIST);
	CHECK_EQ_INT(x.r.maps[4].val.lh_min, 0);
	CHECK_EQ_INT(x.r.maps[4].val.lh_max, 100);
	CHECK_EQ_INT(x.r.maps[4].val.lh_step, 10);
	CHECK(x.r.maps[5].val.kind == TY_MAX && x.r.maps[5].val.is_signed);
	CHECK_EQ_STR(tstr(&x.r.maps[6].val), "int64");
	CHECK_EQ_INT(find(&x, AST_MAP, 3)->sym, 3);
	TEST_END();
	done(&x);

	TEST_BEGIN("sema: map used before its assigning probe, strings grow");
	run(&x, "END { print(@x); printf(\"%s\\n\", @s); } BEGIN { @x = 1; @s = \"a\"; "
		"@s = \"bbbb\"; }");
	CHECK_EQ_INT(x.rc, 0);
	CHECK_EQ_STR(tstr(&x.r.maps[1].val), "string[5]");
	CHECK_EQ_INT(x.r.nfmts, 1);
	CHECK_EQ_STR(tstr(&x.r.fmts[0].args[0]), "string[5]");
	TEST_END();
	done(&x);

	TEST_BEGIN("sema: variable ids per probe");
	run(&x, "BEGIN { $x = 1; $y = \"a\"; $y = \"abc\"; } END { $x = comm; $z = $x; }");
	CHECK_EQ_INT(x.rc, 0);
	CHECK_EQ_INT(x.r.nvars, 4);
	CHECK_EQ_STR(x.r.vars[0].name, "$x");
	CHECK_EQ_INT(x.r.vars[0].probe, 0);
	CHECK_EQ_STR(tstr(&x.r.vars[0].type), "int64");
	CHECK_EQ_STR(tstr(&x.r.vars[1].type), "string[4]");
	CHECK_EQ_INT(x.r.vars[2].probe, 1);
	CHECK_EQ_STR(tstr(&x.r.vars[2].type), "string[16]");
	CHECK_EQ_INT(find(&x, AST_VAR, 4)->sym, 3);
	CHECK_EQ_INT(find(&x, AST_VAR, 5)->sym, 2);
	TEST_END();
	done(&x);

	TEST_BEGIN("sema: printf format table with offsets");
	run(&x, "BEGIN { printf(\"%s %d %u\\n\", comm, (int8)-1, (1, \"ab\").0); time(); "
		"time(\"%H\"); print(comm); exit(); }");
	CHECK_EQ_INT(x.rc, 0);
	CHECK_EQ_INT(x.r.nfmts, 4);
	CHECK_EQ_INT(x.r.fmts[0].kind, FMT_PRINTF);
	CHECK_EQ_STR(x.r.fmts[0].fmt, "%s %d %u\n");
	CHECK_EQ_INT(x.r.fmts[0].nargs, 3);
	CHECK_EQ_STR(tstr(&x.r.fmts[0].args[0]), "string[16]");
	CHECK_EQ_STR(tstr(&x.r.fmts[0].args[1]), "int64");
	CHECK_EQ_INT(x.r.fmts[0].offs[0], 0);
	CHECK_EQ_INT(x.r.fmts[0].offs[1], 16);
	CHECK_EQ_INT(x.r.fmts[0].offs[2], 24);
	CHECK_EQ_INT(x.r.fmts[0].size, 32);
	CHECK_EQ_INT(x.r.fmts[1].kind, FMT_TIME);
	CHECK_EQ_STR(x.r.fmts[1].fmt, "%H:%M:%S\n");
	CHECK_EQ_STR(x.r.fmts[2].fmt, "%H");
	CHECK_EQ_INT(x.r.fmts[3].kind, FMT_PRINT_VALUE);
	CHECK_EQ_STR(tstr(&x.r.fmts[3].args[0]), "string[16]");
	CHECK_EQ_INT(find(&x, AST_CALL, 0)->fmt, 0);
	CHECK_EQ_INT(find(&x, AST_CALL, 0)->sym, builtin_find(&builtin_set, "printf", true));
	TEST_END();
	done(&x);

	TEST_BEGIN("sema: positional parameters");
	char *pos[] = { "0x10", "hello", "-3" };
	run_opts(&x, "BEGIN { $a = $1; $b = str($2); $c = $#; $d = $3; $e = $4; $f = str($4); "
		     "unroll($1) {} }",
		 3, pos, false);
	CHECK_EQ_INT(x.rc, 0);
	CHECK_EQ_INT(find(&x, AST_INT, 0)->ival, 16);
	CHECK_EQ_STR(find(&x, AST_STR, 0)->str, "hello");
	CHECK_EQ_STR(tname(find(&x, AST_STR, 0)), "string[6]");
	CHECK_EQ_INT(find(&x, AST_INT, 1)->ival, 3);
	CHECK_EQ_INT(find(&x, AST_INT, 2)->ival, -3);
	CHECK_EQ_INT(find(&x, AST_INT, 3)->ival, 0);
	CHECK_EQ_STR(find(&x, AST_STR, 1)->str, "");
	TEST_END();
	done(&x);

	TEST_BEGIN("sema: positional parameter used numerically");
	run_opts(&x, "BEGIN { $a = $2; }", 2, pos, false);
	CHECK_EQ_INT(x.rc, -1);
	CHECK_EQ_STR(first_err(&x),
		     "stdin:1:14: ERROR: $2 used numerically but given \"hello\". Try using str($2).");
	TEST_END();
	done(&x);

	TEST_BEGIN("sema: cpid with and without -c");
	run_opts(&x, "BEGIN { $a = cpid; }", 0, NULL, true);
	CHECK_EQ_INT(x.rc, 0);
	done(&x);
	run(&x, "BEGIN { $a = cpid; }");
	CHECK_EQ_STR(first_err(&x), "stdin:1:14: ERROR: cpid cannot be used without child command");
	TEST_END();
	done(&x);

	TEST_BEGIN("sema: probe numbering and points");
	run(&x, "BEGIN { } i:s:1 { } END { }");
	CHECK_EQ_INT(x.rc, 0);
	CHECK_EQ_INT(x.r.nprobes, 3);
	CHECK_EQ_INT(x.r.npoints, 3);
	CHECK_EQ_INT(find(&x, AST_PROBE, 2)->sym, 2);
	CHECK_EQ_INT(x.r.points[1].probe, 1);
	CHECK_EQ_INT(x.r.points[2].kind, PROBE_END);
	TEST_END();
	done(&x);

	if (tracefs_root()) {
		TEST_BEGIN("sema: tracepoint fields from tracefs");
		run(&x, "t:syscalls:sys_enter_openat { $f = args->filename; $d = args.dfd; "
			"$s = str(args->filename); } "
			"t:sched:sched_switch { $c = args->prev_comm; $p = args->prev_pid; }");
		CHECK_EQ_INT(x.rc, 0);
		struct node *f = find(&x, AST_FIELD, 0);
		CHECK_EQ_STR(tname(f), "uint64");
		CHECK(f->flags & NODE_F_USER_PTR);
		CHECK_EQ_INT(f->off, 24);
		CHECK_EQ_STR(tname(find(&x, AST_FIELD, 1)), "uint64");
		CHECK_EQ_STR(tname(find(&x, AST_CALL, 0)), "string[64]");
		CHECK(find(&x, AST_CALL, 0)->flags & NODE_F_USER_PTR);
		CHECK_EQ_STR(tname(find(&x, AST_FIELD, 3)), "string[16]");
		CHECK_EQ_STR(tname(find(&x, AST_FIELD, 4)), "int32");
		CHECK(!(find(&x, AST_FIELD, 4)->flags & NODE_F_USER_PTR));
		TEST_END();
		done(&x);

		TEST_BEGIN("sema: wildcard expansion matches tracefs");
		int want = 0;
		tracefs_match("syscalls", "sys_enter_open*", count_cb, &want);
		run(&x, "t:syscalls:sys_enter_open* { @[probe] = count(); }");
		CHECK_EQ_INT(x.rc, 0);
		CHECK(want > 1);
		CHECK_EQ_INT(x.r.npoints, want);
		for (int i = 0; i < x.r.npoints; i++)
			CHECK_EQ_INT(x.r.points[i].probe, 0);
		TEST_END();
		done(&x);

		expect_err("sema: field missing in one tracepoint",
			   "t:syscalls:sys_enter_openat,t:syscalls:sys_enter_read { $x = args->filename; }",
			   "stdin:1:62: ERROR: Struct/union of type 'struct _tracepoint_syscalls_"
			   "sys_enter_read' does not contain a field named 'filename'");
		expect_err("sema: unknown tracepoint", "t:syscalls:sys_enter_nope { }",
			   "stdin:1:1: ERROR: tracepoint not found: syscalls:sys_enter_nope");
	}

	TEST_BEGIN("sema: several independent errors in one run");
	run(&x, "BEGIN { foo; bar(); $x = $y; }");
	CHECK_EQ_INT(x.rc, -1);
	CHECK_EQ_INT(diag_count(&x.d), 3);
	TEST_END();
	done(&x);

	TEST_BEGIN("sema: no cascade from an erroneous operand");
	run(&x, "BEGIN { $x = foo + 1; $y = $x * 2; printf(\"%d\\n\", $x); }");
	CHECK_EQ_INT(diag_count(&x.d), 1);
	done(&x);
	run(&x, "BEGIN { @m = hist(\"a\"); print(@m); @n = nope; @k = @n; }");
	CHECK_EQ_INT(diag_count(&x.d), 2);
	TEST_END();
	done(&x);

	expect_err("sema: unknown identifier", "BEGIN { foo; }",
		   "stdin:1:9: ERROR: Unknown identifier: 'foo'");
	expect_err("sema: unknown function", "BEGIN {\n  foo(1);\n}",
		   "stdin:2:3: ERROR: Unknown function: 'foo'");
	expect_err("sema: printf arity", "BEGIN { printf(); }",
		   "stdin:1:9: ERROR: printf() requires at least one argument (0 provided)");
	expect_err("sema: exit arity", "BEGIN { exit(1, 2); }",
		   "stdin:1:9: ERROR: exit() takes at most one argument (2 provided)");
	expect_err("sema: key mismatch", "BEGIN { @x[pid] = 1; @x[comm] = 2; }",
		   "stdin:1:22: ERROR: Argument mismatch for @x: trying to access with arguments: "
		   "[string[16]] when map expects arguments: [uint64]");
	expect_err("sema: aggregation mix", "BEGIN { @x = count(); @x = sum(1); }",
		   "stdin:1:23: ERROR: Type mismatch for @x: trying to assign value of type 'sum' "
		   "when map already contains a value of type 'count'");
	expect_err("sema: undefined map", "BEGIN { print(@x); }",
		   "stdin:1:15: ERROR: Undefined map: @x");
	expect_err("sema: undefined variable", "BEGIN { $y = $x; }",
		   "stdin:1:14: ERROR: Undefined or undeclared variable: $x");
	expect_err("sema: aggregation outside assignment", "BEGIN { printf(\"%d\", count()); }",
		   "stdin:1:22: ERROR: count() should be directly assigned to a map");
	expect_err("sema: args outside tracepoint", "i:s:1 { $a = args->x; }",
		   "stdin:1:14: ERROR: The args builtin can only be used with tracepoint probes "
		   "(interval used here)");
	expect_err("sema: retval in BEGIN", "BEGIN { $r = retval; }",
		   "stdin:1:14: ERROR: The retval builtin can only be used with 'kretprobe' and "
		   "'uretprobe' probes");
	expect_err("sema: string compared with int", "BEGIN { if (comm == 1) { } }",
		   "stdin:1:13: ERROR: Type mismatch for '==': comparing 'string[16]' with 'int64'");
	expect_err("sema: division by literal zero", "BEGIN { $x = pid % 0; }",
		   "stdin:1:20: ERROR: Division by zero");
	expect_err("sema: break outside loop", "BEGIN { unroll(2) { break; } }",
		   "stdin:1:21: ERROR: break used outside of a loop");
	expect_err("sema: unroll range", "BEGIN { unroll(101) { } }",
		   "stdin:1:9: ERROR: unroll maximum value is 100");
	expect_err("sema: lhist step", "BEGIN { @ = lhist(pid, 0, 10, 0); }",
		   "stdin:1:13: ERROR: lhist() step must be >= 1 (0 provided)");
	expect_err("sema: printf bad arg", "BEGIN { printf(\"%d\\n\", comm); }",
		   "stdin:1:24: ERROR: printf: %d specifier expects a value of type integer "
		   "(string supplied)");
	expect_err("sema: struct cast", "BEGIN { $t = (struct no_such_struct_x *)curtask; }",
		   "stdin:1:14: ERROR: Unknown struct/union: 'struct no_such_struct_x'");
	expect_err("sema: ternary kinds", "BEGIN { $x = pid ? 1 : \"a\"; }",
		   "stdin:1:14: ERROR: Ternary operator must return the same type: have 'integer' "
		   "and 'string'");
	expect_err("sema: predicate type", "BEGIN /comm/ { }",
		   "stdin:1:8: ERROR: Invalid type for predicate: string");

	return check_summary();
}
