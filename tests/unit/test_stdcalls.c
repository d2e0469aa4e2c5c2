/*
 * tests/unit/test_stdcalls.c — sema's side of current bpftrace's stdlib helpers
 * (stdlib/builtin_meta.c, builtin_bytes.c) and of the call form of builtin variables
 * (sema/check_builtins.c): the types they give, what they fold into (literals, a record,
 * strlen), the variable find() types, and their errors' text and position.
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

static void run_opts(struct run *x, const char *text, bool cpid, uint32_t strlen_v)
{
	struct sema_opts o = { .strlen = strlen_v, .have_cpid = cpid, .builtins = &builtin_set,
			       .probes = &rt_probes };
	sema_text(x, text, &o);
}

static void run(struct run *x, const char *text)
{
	run_opts(x, text, false, ABI_STRLEN_DEFAULT);
}

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

/* the value of the only INT literal assigned to $name (the folded helper) */
static int64_t assigned_int(struct run *x, const char *name, bool *found)
{
	*found = false;
	for (int i = 0;; i++) {
		struct node *as = find(x, AST_ASSIGN, i);
		if (!as)
			return 0;
		if (as->a->kind == AST_VAR && !strcmp(as->a->str, name) && as->b->kind == AST_INT) {
			*found = true;
			return as->b->ival;
		}
	}
}

int main(void)
{
	struct run x;

	TEST_BEGIN("stdcalls: call form of variables types as the variable");
	run(&x, "BEGIN { $a = uid(); $b = comm(); $c = curtask(); $d = username(); "
		"$e = pid; $f = comm; }");
	CHECK_EQ_INT(x.rc, 0);
	CHECK_EQ_STR(var_type(&x, "$a"), "uint64");
	CHECK_EQ_STR(var_type(&x, "$b"), "string[16]");
	CHECK_EQ_STR(var_type(&x, "$c"), "struct task_struct *");
	CHECK_EQ_STR(var_type(&x, "$d"), "username");
	/* the call became the identifier itself */
	CHECK(find(&x, AST_CALL, 0) == NULL);
	TEST_END();
	done(&x);

	TEST_BEGIN("stdcalls: has_cpid, default_str_length and strcap fold");
	run_opts(&x, "BEGIN { $h = has_cpid(); $l = default_str_length; $s = strcap(\"abc\"); "
		     "$c = strcap(comm); }",
		 true, 100);
	CHECK_EQ_INT(x.rc, 0);
	CHECK_EQ_STR(var_type(&x, "$h"), "bool");
	struct node *b = find(&x, AST_BOOL, 0);
	CHECK(b && b->ival == 1);
	bool f;
	CHECK_EQ_INT(assigned_int(&x, "$l", &f), 100);
	CHECK(f);
	CHECK_EQ_INT(assigned_int(&x, "$s", &f), 4);
	CHECK(f);
	CHECK_EQ_INT(assigned_int(&x, "$c", &f), 16);
	CHECK(f);
	TEST_END();
	done(&x);

	TEST_BEGIN("stdcalls: strcap of a char pointer is strlen");
	run(&x, "BEGIN { $p = strcap((int8 *)curtask->mm); }");
	CHECK_EQ_INT(x.rc, 0);
	struct node *c = find(&x, AST_CALL, 0);
	CHECK(c && !strcmp(c->str, "strlen"));
	TEST_END();
	done(&x);

	TEST_BEGIN("stdcalls: config is a record of literals");
	run_opts(&x, "BEGIN { $m = config.max_strlen; $s = config().stack_mode; }", false, 80);
	CHECK_EQ_INT(x.rc, 0);
	CHECK_EQ_STR(var_type(&x, "$m"), "int64");
	CHECK_EQ_STR(var_type(&x, "$s"), "string[9]");
	TEST_END();
	done(&x);

	TEST_BEGIN("stdcalls: find types its variable from the map's value");
	run(&x, "BEGIN { @m[1, \"k\"] = (2, \"hello\"); let $v; "
		"if (find(@m, (1, \"k\"), $v)) { print($v); } }");
	CHECK_EQ_INT(x.rc, 0);
	CHECK_EQ_STR(var_type(&x, "$v"), "(int64, string[6])");
	TEST_END();
	done(&x);

	TEST_BEGIN("stdcalls: str_concat's size, memcmp's and signal_name's types");
	run(&x, "BEGIN { $s = str_concat(comm, \"ab\"); $m = memcmp(comm, \"x\", 1); "
		"$n = signal_name(9); }");
	CHECK_EQ_INT(x.rc, 0);
	CHECK_EQ_STR(var_type(&x, "$s"), "string[18]");
	CHECK_EQ_STR(var_type(&x, "$m"), "int64");
	CHECK_EQ_STR(var_type(&x, "$n"), "signal_name");
	TEST_END();
	done(&x);

	TEST_BEGIN("stdcalls: container_of is a pointer to the container");
	run(&x, "BEGIN { $t = container_of(&curtask->tasks, struct task_struct, tasks); }");
	CHECK_EQ_INT(x.rc, 0);
	CHECK_EQ_STR(var_type(&x, "$t"), "struct task_struct *");
	TEST_END();
	done(&x);

	expect_err("stdcalls: variable called with arguments", "BEGIN { print(gid(2)); }",
		   "stdin:1:15: ERROR: gid() requires no arguments (1 provided)");
	expect_err("stdcalls: unknown function stays unknown", "BEGIN { nope(); }",
		   "stdin:1:9: ERROR: Unknown function: 'nope'");
	expect_err("stdcalls: numbered variables have no call form", "BEGIN { arg0(); }",
		   "stdin:1:9: ERROR: Unknown function: 'arg0'");
	expect_err("stdcalls: find on a scalar map", "BEGIN { @s = 1; find(@s, 0, $v); }",
		   "stdin:1:17: ERROR: call to find expects a map with explicit keys (non-scalar "
		   "map)");
	expect_err("stdcalls: assert's message", "BEGIN { assert(1, 2); }",
		   "stdin:1:19: ERROR: assert() expects a string message (integer provided)");
	expect_err("stdcalls: kfunc_exist's literal", "BEGIN { $k = kfunc_exist(comm); }",
		   "stdin:1:14: ERROR: kfunc_exist() accepts a string literal only");
	expect_err("stdcalls: strcap of an integer", "BEGIN { $k = strcap(7); }",
		   "stdin:1:14: ERROR: string-like values must be either strings, arrays or "
		   "pointers");
	expect_err("stdcalls: cpid() without -c", "BEGIN { $k = cpid(); }",
		   "stdin:1:14: ERROR: cpid cannot be used without child command");
	return check_summary();
}
