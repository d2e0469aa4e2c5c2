/*
 * tests/unit/test_parser.c — parser: exact AST dumps, node spans, error recovery and
 * robustness on hostile input (run under ASan + UBSan).
 *
 * Owns: the golden AST table for ~40 programs, span checks for each construct, exact
 * multi-error diagnostics, and the never-crash/never-leak inputs (NULs, invalid UTF-8,
 * deep nesting, huge tokens, unterminated constructs).
 * Must not: depend on sema, codegen or the kernel.
 */
#include <stdlib.h>
#include <string.h>

#include "parser/ast.h"
#include "parser/parse.h"
#include "tests/unit/check.h"

/* Parses text; returns the AST dump, or "ERR\n" + rendered diagnostics. Caller frees. */
static char *run_len(const char *text, size_t len)
{
	struct source src;
	struct diag d;
	char *buf = NULL;
	size_t sz = 0;
	FILE *out = open_memstream(&buf, &sz);
	if (src_from_string(&src, "stdin", text, len)) {
		fclose(out);
		free(buf);
		return strdup("src failed");
	}
	diag_init(&d, &src);
	struct node *p = parse_program(&src, &d);
	if (p) {
		ast_dump(out, p, false);
		ast_free(p);
	} else {
		fputs("ERR\n", out);
	}
	diag_print(&d, out);
	fclose(out);
	diag_free(&d);
	src_free(&src);
	return buf;
}

static char *run(const char *text)
{
	return run_len(text, strlen(text));
}

static void check_golden(void)
{
	static const struct {
		const char *prog, *dump;
	} cases[] = {
	{
		"BEGIN { printf(\"hello\\n\"); exit(); }",
		"program\n"
		"  probe\n"
		"    attach \"BEGIN\"\n"
		"    block\n"
		"      expr_stmt\n"
		"        call printf\n"
		"          str \"hello\\n\"\n"
		"      expr_stmt\n"
		"        call exit\n",
	},
	{
		"kprobe:vfs_read { @[comm] = count(); }",
		"program\n"
		"  probe\n"
		"    attach \"kprobe:vfs_read\"\n"
		"    block\n"
		"      assign =\n"
		"        map @\n"
		"          ident comm\n"
		"        call count\n",
	},
	{
		"tracepoint:syscalls:sys_enter_openat { printf(\"%s %s\\n\", comm, str(args.filename)); }",
		"program\n"
		"  probe\n"
		"    attach \"tracepoint:syscalls:sys_enter_openat\"\n"
		"    block\n"
		"      expr_stmt\n"
		"        call printf\n"
		"          str \"%s %s\\n\"\n"
		"          ident comm\n"
		"          call str\n"
		"            field .filename\n"
		"              ident args\n",
	},
	{
		"t:syscalls:sys_enter_read /pid == 123/ { @bytes = hist(args.count); }",
		"program\n"
		"  probe\n"
		"    attach \"t:syscalls:sys_enter_read\"\n"
		"    pred\n"
		"      binop ==\n"
		"        ident pid\n"
		"        int 123\n"
		"    block\n"
		"      assign =\n"
		"        map @bytes\n"
		"        call hist\n"
		"          field .count\n"
		"            ident args\n",
	},
	{
		"tracepoint:syscalls:sys_enter_read { @start[tid] = nsecs; } tracepoint:syscalls:sys_exit_read /@start[tid]/ { @ns[comm] = hist(nsecs - @start[tid]); delete(@start[tid]); }",
		"program\n"
		"  probe\n"
		"    attach \"tracepoint:syscalls:sys_enter_read\"\n"
		"    block\n"
		"      assign =\n"
		"        map @start\n"
		"          ident tid\n"
		"        ident nsecs\n"
		"  probe\n"
		"    attach \"tracepoint:syscalls:sys_exit_read\"\n"
		"    pred\n"
		"      map @start\n"
		"        ident tid\n"
		"    block\n"
		"      assign =\n"
		"        map @ns\n"
		"          ident comm\n"
		"        call hist\n"
		"          binop -\n"
		"            ident nsecs\n"
		"            map @start\n"
		"              ident tid\n"
		"      expr_stmt\n"
		"        call delete\n"
		"          map @start\n"
		"            ident tid\n",
	},
	{
		"interval:s:1 { print(@x); clear(@x); }",
		"program\n"
		"  probe\n"
		"    attach \"interval:s:1\"\n"
		"    block\n"
		"      expr_stmt\n"
		"        call print\n"
		"          map @x\n"
		"      expr_stmt\n"
		"        call clear\n"
		"          map @x\n",
	},
	{
		"BEGIN, END { @a = 1 + 2 * 3 - 4 / 2 % 3; }",
		"program\n"
		"  probe\n"
		"    attach \"BEGIN\"\n"
		"    attach \"END\"\n"
		"    block\n"
		"      assign =\n"
		"        map @a\n"
		"        binop -\n"
		"          binop +\n"
		"            int 1\n"
		"            binop *\n"
		"              int 2\n"
		"              int 3\n"
		"          binop %\n"
		"            binop /\n"
		"              int 4\n"
		"              int 2\n"
		"            int 3\n",
	},
	{
		"BEGIN { @a = (1 + 2) * 3; @b = 1 << 2 >> 1; @c = 1 & 2 | 3 ^ 4; }",
		"program\n"
		"  probe\n"
		"    attach \"BEGIN\"\n"
		"    block\n"
		"      assign =\n"
		"        map @a\n"
		"        binop *\n"
		"          binop +\n"
		"            int 1\n"
		"            int 2\n"
		"          int 3\n"
		"      assign =\n"
		"        map @b\n"
		"        binop >>\n"
		"          binop <<\n"
		"            int 1\n"
		"            int 2\n"
		"          int 1\n"
		"      assign =\n"
		"        map @c\n"
		"        binop |\n"
		"          binop &\n"
		"            int 1\n"
		"            int 2\n"
		"          binop ^\n"
		"            int 3\n"
		"            int 4\n",
	},
	{
		"BEGIN { @a = 1 < 2 && 3 >= 4 || !(5 != 6) && 7 == 7 && 1 <= 2 && 3 > 1; }",
		"program\n"
		"  probe\n"
		"    attach \"BEGIN\"\n"
		"    block\n"
		"      assign =\n"
		"        map @a\n"
		"        binop ||\n"
		"          binop &&\n"
		"            binop <\n"
		"              int 1\n"
		"              int 2\n"
		"            binop >=\n"
		"              int 3\n"
		"              int 4\n"
		"          binop &&\n"
		"            binop &&\n"
		"              binop &&\n"
		"                unop !\n"
		"                  binop !=\n"
		"                    int 5\n"
		"                    int 6\n"
		"                binop ==\n"
		"                  int 7\n"
		"                  int 7\n"
		"              binop <=\n"
		"                int 1\n"
		"                int 2\n"
		"            binop >\n"
		"              int 3\n"
		"              int 1\n",
	},
	{
		"BEGIN { $x = -1; $y = ~$x; $z = !$x; $w = - -1; }",
		"program\n"
		"  probe\n"
		"    attach \"BEGIN\"\n"
		"    block\n"
		"      assign =\n"
		"        var $x\n"
		"        unop -\n"
		"          int 1\n"
		"      assign =\n"
		"        var $y\n"
		"        unop ~\n"
		"          var $x\n"
		"      assign =\n"
		"        var $z\n"
		"        unop !\n"
		"          var $x\n"
		"      assign =\n"
		"        var $w\n"
		"        unop -\n"
		"          unop -\n"
		"            int 1\n",
	},
	{
		"BEGIN { $x = 1; $x += 2; $x -= 1; $x *= 3; $x /= 2; $x %= 5; $x &= 1; $x |= 2; $x ^= 3; $x <<= 1; $x >>= 1; }",
		"program\n"
		"  probe\n"
		"    attach \"BEGIN\"\n"
		"    block\n"
		"      assign =\n"
		"        var $x\n"
		"        int 1\n"
		"      assign +=\n"
		"        var $x\n"
		"        int 2\n"
		"      assign -=\n"
		"        var $x\n"
		"        int 1\n"
		"      assign *=\n"
		"        var $x\n"
		"        int 3\n"
		"      assign /=\n"
		"        var $x\n"
		"        int 2\n"
		"      assign %=\n"
		"        var $x\n"
		"        int 5\n"
		"      assign &=\n"
		"        var $x\n"
		"        int 1\n"
		"      assign |=\n"
		"        var $x\n"
		"        int 2\n"
		"      assign ^=\n"
		"        var $x\n"
		"        int 3\n"
		"      assign <<=\n"
		"        var $x\n"
		"        int 1\n"
		"      assign >>=\n"
		"        var $x\n"
		"        int 1\n",
	},
	{
		"BEGIN { @x++; @y--; ++@z; --@w; $i++; @m[1]++; }",
		"program\n"
		"  probe\n"
		"    attach \"BEGIN\"\n"
		"    block\n"
		"      expr_stmt\n"
		"        unop post++\n"
		"          map @x\n"
		"      expr_stmt\n"
		"        unop post--\n"
		"          map @y\n"
		"      expr_stmt\n"
		"        unop pre++\n"
		"          map @z\n"
		"      expr_stmt\n"
		"        unop pre--\n"
		"          map @w\n"
		"      expr_stmt\n"
		"        unop post++\n"
		"          var $i\n"
		"      expr_stmt\n"
		"        unop post++\n"
		"          map @m\n"
		"            int 1\n",
	},
	{
		"BEGIN { if (pid > 0) { @a = 1; } }",
		"program\n"
		"  probe\n"
		"    attach \"BEGIN\"\n"
		"    block\n"
		"      if\n"
		"        binop >\n"
		"          ident pid\n"
		"          int 0\n"
		"        block\n"
		"          assign =\n"
		"            map @a\n"
		"            int 1\n",
	},
	{
		"BEGIN { if (pid > 0) { @a = 1; } else { @a = 2; } }",
		"program\n"
		"  probe\n"
		"    attach \"BEGIN\"\n"
		"    block\n"
		"      if\n"
		"        binop >\n"
		"          ident pid\n"
		"          int 0\n"
		"        block\n"
		"          assign =\n"
		"            map @a\n"
		"            int 1\n"
		"        else\n"
		"          block\n"
		"            assign =\n"
		"              map @a\n"
		"              int 2\n",
	},
	{
		"BEGIN { if (pid == 1) { @a = 1 } else if (pid == 2) { @a = 2 } else { @a = 3 } }",
		"program\n"
		"  probe\n"
		"    attach \"BEGIN\"\n"
		"    block\n"
		"      if\n"
		"        binop ==\n"
		"          ident pid\n"
		"          int 1\n"
		"        block\n"
		"          assign =\n"
		"            map @a\n"
		"            int 1\n"
		"        else\n"
		"          if\n"
		"            binop ==\n"
		"              ident pid\n"
		"              int 2\n"
		"            block\n"
		"              assign =\n"
		"                map @a\n"
		"                int 2\n"
		"            else\n"
		"              block\n"
		"                assign =\n"
		"                  map @a\n"
		"                  int 3\n",
	},
	{
		"BEGIN { $i = 0; while ($i < 10) { $i++; if ($i == 5) { break; } if ($i == 3) { continue; } } }",
		"program\n"
		"  probe\n"
		"    attach \"BEGIN\"\n"
		"    block\n"
		"      assign =\n"
		"        var $i\n"
		"        int 0\n"
		"      while\n"
		"        binop <\n"
		"          var $i\n"
		"          int 10\n"
		"        block\n"
		"          expr_stmt\n"
		"            unop post++\n"
		"              var $i\n"
		"          if\n"
		"            binop ==\n"
		"              var $i\n"
		"              int 5\n"
		"            block\n"
		"              break\n"
		"          if\n"
		"            binop ==\n"
		"              var $i\n"
		"              int 3\n"
		"            block\n"
		"              continue\n",
	},
	{
		"BEGIN { unroll (5) { @x++; } unroll ($1) { @y++ } }",
		"program\n"
		"  probe\n"
		"    attach \"BEGIN\"\n"
		"    block\n"
		"      unroll\n"
		"        int 5\n"
		"        block\n"
		"          expr_stmt\n"
		"            unop post++\n"
		"              map @x\n"
		"      unroll\n"
		"        posparam $1\n"
		"        block\n"
		"          expr_stmt\n"
		"            unop post++\n"
		"              map @y\n",
	},
	{
		"BEGIN { return; }",
		"program\n"
		"  probe\n"
		"    attach \"BEGIN\"\n"
		"    block\n"
		"      return\n",
	},
	{
		"BEGIN { $t = (1, \"two\", pid); @x = $t.1; }",
		"program\n"
		"  probe\n"
		"    attach \"BEGIN\"\n"
		"    block\n"
		"      assign =\n"
		"        var $t\n"
		"        tuple\n"
		"          int 1\n"
		"          str \"two\"\n"
		"          ident pid\n"
		"      assign =\n"
		"        map @x\n"
		"        field .1\n"
		"          var $t\n",
	},
	{
		"BEGIN { @x = (1); @y = ((2)); }",
		"program\n"
		"  probe\n"
		"    attach \"BEGIN\"\n"
		"    block\n"
		"      assign =\n"
		"        map @x\n"
		"        int 1\n"
		"      assign =\n"
		"        map @y\n"
		"        int 2\n",
	},
	{
		"BEGIN { $a = (uint32)1; $b = (int8)-1; $c = (struct task_struct *)curtask; $d = (uint64 **)0; }",
		"program\n"
		"  probe\n"
		"    attach \"BEGIN\"\n"
		"    block\n"
		"      assign =\n"
		"        var $a\n"
		"        cast uint32\n"
		"          int 1\n"
		"      assign =\n"
		"        var $b\n"
		"        cast int8\n"
		"          unop -\n"
		"            int 1\n"
		"      assign =\n"
		"        var $c\n"
		"        cast struct task_struct *\n"
		"          ident curtask\n"
		"      assign =\n"
		"        var $d\n"
		"        cast uint64 **\n"
		"          int 0\n",
	},
	{
		"kprobe:do_nanosleep { $task = (struct task_struct *)curtask; @[$task->pid] = $task->parent->comm; }",
		"program\n"
		"  probe\n"
		"    attach \"kprobe:do_nanosleep\"\n"
		"    block\n"
		"      assign =\n"
		"        var $task\n"
		"        cast struct task_struct *\n"
		"          ident curtask\n"
		"      assign =\n"
		"        map @\n"
		"          field ->pid\n"
		"            var $task\n"
		"        field ->comm\n"
		"          field ->parent\n"
		"            var $task\n",
	},
	{
		"BEGIN { @x = $1; @y = $#; @z = $10 + $2; printf(\"%s\\n\", str($1)); }",
		"program\n"
		"  probe\n"
		"    attach \"BEGIN\"\n"
		"    block\n"
		"      assign =\n"
		"        map @x\n"
		"        posparam $1\n"
		"      assign =\n"
		"        map @y\n"
		"        posparam $#\n"
		"      assign =\n"
		"        map @z\n"
		"        binop +\n"
		"          posparam $10\n"
		"          posparam $2\n"
		"      expr_stmt\n"
		"        call printf\n"
		"          str \"%s\\n\"\n"
		"          call str\n"
		"            posparam $1\n",
	},
	{
		"BEGIN { @x[1, \"a\", pid] = 1; @y[(1, 2)] = 2; }",
		"program\n"
		"  probe\n"
		"    attach \"BEGIN\"\n"
		"    block\n"
		"      assign =\n"
		"        map @x\n"
		"          int 1\n"
		"          str \"a\"\n"
		"          ident pid\n"
		"        int 1\n"
		"      assign =\n"
		"        map @y\n"
		"          tuple\n"
		"            int 1\n"
		"            int 2\n"
		"        int 2\n",
	},
	{
		"BEGIN { @ = 1; @[1] = 2; }",
		"program\n"
		"  probe\n"
		"    attach \"BEGIN\"\n"
		"    block\n"
		"      assign =\n"
		"        map @\n"
		"        int 1\n"
		"      assign =\n"
		"        map @\n"
		"          int 1\n"
		"        int 2\n",
	},
	{
		"BEGIN { $x = pid > 10 ? 1 : 2; $y = 1 ? 2 : 3 ? 4 : 5; }",
		"program\n"
		"  probe\n"
		"    attach \"BEGIN\"\n"
		"    block\n"
		"      assign =\n"
		"        var $x\n"
		"        ternary\n"
		"          binop >\n"
		"            ident pid\n"
		"            int 10\n"
		"          int 1\n"
		"          int 2\n"
		"      assign =\n"
		"        var $y\n"
		"        ternary\n"
		"          int 1\n"
		"          int 2\n"
		"          ternary\n"
		"            int 3\n"
		"            int 4\n"
		"            int 5\n",
	},
	{
		"BEGIN { $p = *(uint64 *)arg0; $q = &$p; $r = $arr[1][2]; }",
		"program\n"
		"  probe\n"
		"    attach \"BEGIN\"\n"
		"    block\n"
		"      assign =\n"
		"        var $p\n"
		"        unop *\n"
		"          cast uint64 *\n"
		"            ident arg0\n"
		"      assign =\n"
		"        var $q\n"
		"        unop &\n"
		"          var $p\n"
		"      assign =\n"
		"        var $r\n"
		"        index\n"
		"          index\n"
		"            var $arr\n"
		"            int 1\n"
		"          int 2\n",
	},
	{
		"uprobe:/bin/bash:readline /pid == 1/ { @[retval] = count(); }",
		"program\n"
		"  probe\n"
		"    attach \"uprobe:/bin/bash:readline\"\n"
		"    pred\n"
		"      binop ==\n"
		"        ident pid\n"
		"        int 1\n"
		"    block\n"
		"      assign =\n"
		"        map @\n"
		"          ident retval\n"
		"        call count\n",
	},
	{
		"u:libc:malloc, uretprobe:/lib/x.so:0x1234 { @s = sum(arg0); }",
		"program\n"
		"  probe\n"
		"    attach \"u:libc:malloc\"\n"
		"    attach \"uretprobe:/lib/x.so:0x1234\"\n"
		"    block\n"
		"      assign =\n"
		"        map @s\n"
		"        call sum\n"
		"          ident arg0\n",
	},
	{
		"profile:hz:99 /cpu == 0/ { @[kstack] = count(); }",
		"program\n"
		"  probe\n"
		"    attach \"profile:hz:99\"\n"
		"    pred\n"
		"      binop ==\n"
		"        ident cpu\n"
		"        int 0\n"
		"    block\n"
		"      assign =\n"
		"        map @\n"
		"          ident kstack\n"
		"        call count\n",
	},
	{
		"i:ms:100{@x=1}BEGIN{@y=2}",
		"program\n"
		"  probe\n"
		"    attach \"i:ms:100\"\n"
		"    block\n"
		"      assign =\n"
		"        map @x\n"
		"        int 1\n"
		"  probe\n"
		"    attach \"BEGIN\"\n"
		"    block\n"
		"      assign =\n"
		"        map @y\n"
		"        int 2\n",
	},
	{
		"begin { printf(\"lower\\n\"); } end { exit() }",
		"program\n"
		"  probe\n"
		"    attach \"begin\"\n"
		"    block\n"
		"      expr_stmt\n"
		"        call printf\n"
		"          str \"lower\\n\"\n"
		"  probe\n"
		"    attach \"end\"\n"
		"    block\n"
		"      expr_stmt\n"
		"        call exit\n",
	},
	{
		"BEGIN { ; ; @x = 1;; @y = 2; ; }",
		"program\n"
		"  probe\n"
		"    attach \"BEGIN\"\n"
		"    block\n"
		"      assign =\n"
		"        map @x\n"
		"        int 1\n"
		"      assign =\n"
		"        map @y\n"
		"        int 2\n",
	},
	{
		"BEGIN { printf(\"%d %s %x\\n\", 1, \"a\\tb\\\"c\\\\d\\x41\\101\\0e\", 0x10); }",
		"program\n"
		"  probe\n"
		"    attach \"BEGIN\"\n"
		"    block\n"
		"      expr_stmt\n"
		"        call printf\n"
		"          str \"%d %s %x\\n\"\n"
		"          int 1\n"
		"          str \"a\\tb\\\"c\\\\dAA\\x00e\"\n"
		"          int 16\n",
	},
	{
		"BEGIN { @a = 0x1F + 0777 + 1_000_000 + 1e3 + 18446744073709551615; }",
		"program\n"
		"  probe\n"
		"    attach \"BEGIN\"\n"
		"    block\n"
		"      assign =\n"
		"        map @a\n"
		"        binop +\n"
		"          binop +\n"
		"            binop +\n"
		"              binop +\n"
		"                int 31\n"
		"                int 511\n"
		"              int 1000000\n"
		"            int 1000\n"
		"          int 18446744073709551615\n",
	},
	{
		"kretprobe:vfs_* { @r = stats(retval); @l = lhist(retval, 0, 100, 10); @m = min(retval); @M = max(retval); @v = avg(retval); }",
		"program\n"
		"  probe\n"
		"    attach \"kretprobe:vfs_*\"\n"
		"    block\n"
		"      assign =\n"
		"        map @r\n"
		"        call stats\n"
		"          ident retval\n"
		"      assign =\n"
		"        map @l\n"
		"        call lhist\n"
		"          ident retval\n"
		"          int 0\n"
		"          int 100\n"
		"          int 10\n"
		"      assign =\n"
		"        map @m\n"
		"        call min\n"
		"          ident retval\n"
		"      assign =\n"
		"        map @M\n"
		"        call max\n"
		"          ident retval\n"
		"      assign =\n"
		"        map @v\n"
		"        call avg\n"
		"          ident retval\n",
	},
	{
		"BEGIN { @x = args.count + args->count; }",
		"program\n"
		"  probe\n"
		"    attach \"BEGIN\"\n"
		"    block\n"
		"      assign =\n"
		"        map @x\n"
		"        binop +\n"
		"          field .count\n"
		"            ident args\n"
		"          field ->count\n"
		"            ident args\n",
	},
	{
		"BEGIN { @x = 1 + 2 + 3; @y = 2 * 3 * 4; @z = 1 - 2 - 3; }",
		"program\n"
		"  probe\n"
		"    attach \"BEGIN\"\n"
		"    block\n"
		"      assign =\n"
		"        map @x\n"
		"        binop +\n"
		"          binop +\n"
		"            int 1\n"
		"            int 2\n"
		"          int 3\n"
		"      assign =\n"
		"        map @y\n"
		"        binop *\n"
		"          binop *\n"
		"            int 2\n"
		"            int 3\n"
		"          int 4\n"
		"      assign =\n"
		"        map @z\n"
		"        binop -\n"
		"          binop -\n"
		"            int 1\n"
		"            int 2\n"
		"          int 3\n",
	},
	{
		"BEGIN { $a = 1 + 2 == 3 & 4; $b = 1 | 2 && 3; }",
		"program\n"
		"  probe\n"
		"    attach \"BEGIN\"\n"
		"    block\n"
		"      assign =\n"
		"        var $a\n"
		"        binop &\n"
		"          binop ==\n"
		"            binop +\n"
		"              int 1\n"
		"              int 2\n"
		"            int 3\n"
		"          int 4\n"
		"      assign =\n"
		"        var $b\n"
		"        binop &&\n"
		"          binop |\n"
		"            int 1\n"
		"            int 2\n"
		"          int 3\n",
	},
	{
		"BEGIN { if (@x[1] == 2) { } while (1) { } }",
		"program\n"
		"  probe\n"
		"    attach \"BEGIN\"\n"
		"    block\n"
		"      if\n"
		"        binop ==\n"
		"          map @x\n"
		"            int 1\n"
		"          int 2\n"
		"        block\n"
		"      while\n"
		"        int 1\n"
		"        block\n",
	},
	{
		"kprobe:f+0x10 { } kprobe:f { } /* c */ // d",
		"program\n"
		"  probe\n"
		"    attach \"kprobe:f+0x10\"\n"
		"    block\n"
		"  probe\n"
		"    attach \"kprobe:f\"\n"
		"    block\n",
	},
	{
		"BEGIN { @x = -1 * 2; @y = (uint8)1 + 2; }",
		"program\n"
		"  probe\n"
		"    attach \"BEGIN\"\n"
		"    block\n"
		"      assign =\n"
		"        map @x\n"
		"        binop *\n"
		"          unop -\n"
		"            int 1\n"
		"          int 2\n"
		"      assign =\n"
		"        map @y\n"
		"        binop +\n"
		"          cast uint8\n"
		"            int 1\n"
		"          int 2\n",
	},
	};
	char name[64];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(name, sizeof(name), "parser: golden AST #%zu", i);
		TEST_BEGIN(name);
		char *got = run(cases[i].prog);
		CHECK_EQ_STR(got, cases[i].dump);
		free(got);
		TEST_END();
	}
}

/* Parse prog (which must succeed) and keep source + tree for span checks. */
struct parsed {
	struct source src;
	struct diag d;
	struct node *prog;
};

static struct node *parse_ok(struct parsed *ps, const char *text)
{
	src_from_string(&ps->src, "stdin", text, strlen(text));
	diag_init(&ps->d, &ps->src);
	ps->prog = parse_program(&ps->src, &ps->d);
	return ps->prog;
}

static void parsed_free(struct parsed *ps)
{
	ast_free(ps->prog);
	diag_free(&ps->d);
	src_free(&ps->src);
}

/* The source text a node's span covers, into a static buffer. */
static const char *span_text(const struct parsed *ps, const struct node *n)
{
	static char buf[256];
	if (!n)
		return "(null node)";
	size_t len = n->loc.end - n->loc.start;
	if (len >= sizeof(buf))
		len = sizeof(buf) - 1;
	memcpy(buf, ps->src.text + n->loc.start, len);
	buf[len] = '\0';
	return buf;
}

/* First statement of the first probe's block. */
static struct node *stmt(struct node *prog, int i)
{
	struct node *s = prog->list->b->list;
	while (s && i--)
		s = s->next;
	return s;
}

static void check_spans(void)
{
	struct parsed ps;
	TEST_BEGIN("parser: spans of probes, blocks, statements");
	const char *text = "// c\nBEGIN, t:a:b /pid == 1/ {\n\t@x[1, 2] = count();\n}\n";
	if (parse_ok(&ps, text)) {
		struct node *probe = ps.prog->list;
		CHECK_EQ_STR(span_text(&ps, ps.prog), "BEGIN, t:a:b /pid == 1/ {\n\t@x[1, 2] = count();\n}");
		CHECK_EQ_STR(span_text(&ps, probe), "BEGIN, t:a:b /pid == 1/ {\n\t@x[1, 2] = count();\n}");
		CHECK_EQ_STR(span_text(&ps, probe->list), "BEGIN");
		CHECK_EQ_STR(span_text(&ps, probe->list->next), "t:a:b");
		CHECK_EQ_STR(span_text(&ps, probe->a), "pid == 1");
		CHECK_EQ_STR(span_text(&ps, probe->b), "{\n\t@x[1, 2] = count();\n}");
		struct node *as = stmt(ps.prog, 0);
		CHECK_EQ_STR(span_text(&ps, as), "@x[1, 2] = count()");
		CHECK_EQ_STR(span_text(&ps, as->a), "@x[1, 2]");
		CHECK_EQ_STR(span_text(&ps, as->a->list->next), "2");
		CHECK_EQ_STR(span_text(&ps, as->b), "count()");
		CHECK_EQ_INT(probe->loc.start, 5);
	} else {
		CHECK(!"parse failed");
	}
	parsed_free(&ps);
	TEST_END();

	TEST_BEGIN("parser: spans of expressions");
	text = "BEGIN { $a = (uint32)-x + f(1, (2)) * @m[k]; $b = (1, \"s\"); "
	       "$c = c ? $d->e.f : a[1]; $e++; if (1) { } else { } }";
	if (parse_ok(&ps, text)) {
		struct node *a = stmt(ps.prog, 0), *e = a->b;
		CHECK_EQ_STR(span_text(&ps, e), "(uint32)-x + f(1, (2)) * @m[k]");
		CHECK_EQ_STR(span_text(&ps, e->a), "(uint32)-x");
		CHECK_EQ_STR(span_text(&ps, e->a->a), "-x");
		CHECK_EQ_STR(span_text(&ps, e->b), "f(1, (2)) * @m[k]");
		CHECK_EQ_STR(span_text(&ps, e->b->a), "f(1, (2))");
		CHECK_EQ_STR(span_text(&ps, e->b->a->list->next), "2");
		CHECK_EQ_STR(span_text(&ps, e->b->b), "@m[k]");
		struct node *b = stmt(ps.prog, 1);
		CHECK_EQ_STR(span_text(&ps, b->b), "(1, \"s\")");
		CHECK_EQ_STR(span_text(&ps, b->b->list->next), "\"s\"");
		struct node *c = stmt(ps.prog, 2);
		CHECK_EQ_STR(span_text(&ps, c->b), "c ? $d->e.f : a[1]");
		CHECK_EQ_STR(span_text(&ps, c->b->b), "$d->e.f");
		CHECK_EQ_STR(span_text(&ps, c->b->b->a), "$d->e");
		CHECK_EQ_STR(span_text(&ps, c->b->c), "a[1]");
		CHECK_EQ_STR(span_text(&ps, stmt(ps.prog, 3)), "$e++");
		CHECK_EQ_STR(span_text(&ps, stmt(ps.prog, 4)), "if (1) { } else { }");
		CHECK_EQ_INT(stmt(ps.prog, 4)->kind, AST_IF);
		CHECK_EQ_INT(c->b->b->a->ival, 1);
		CHECK_EQ_INT(c->b->b->ival, 0);
		CHECK_EQ_INT(e->a->sym, -1);
		CHECK_EQ_INT(e->a->fmt, -1);
	} else {
		CHECK(!"parse failed");
	}
	parsed_free(&ps);
	TEST_END();

	TEST_BEGIN("parser: string node holds unescaped bytes with inner NUL");
	if (parse_ok(&ps, "BEGIN { @ = \"a\\0b\\x41\\101\\\\\"; }")) {
		struct node *s = stmt(ps.prog, 0)->b;
		CHECK_EQ_INT(s->kind, AST_STR);
		CHECK_EQ_INT(s->slen, 6);
		CHECK(memcmp(s->str, "a\0bAA\\", 7) == 0);
		CHECK_EQ_STR(span_text(&ps, s), "\"a\\0b\\x41\\101\\\\\"");
	} else {
		CHECK(!"parse failed");
	}
	parsed_free(&ps);
	TEST_END();
}

struct error_case {
	const char *prog, *want;
};

static void check_errors(void)
{
	static const struct error_case cases[] = {
		{ "BEGIN { @x = ; }",
		  "ERR\n"
		  "stdin:1:14: ERROR: syntax error, unexpected ;\n"
		  "BEGIN { @x = ; }\n"
		  "             ^\n" },
		{ "BEGIN { if 1 { } }",
		  "ERR\n"
		  "stdin:1:12: ERROR: syntax error, unexpected integer, expecting (\n"
		  "BEGIN { if 1 { } }\n"
		  "           ^\n" },
		/* Several errors in one run: statement-level and probe-level recovery. */
		{ "BEGIN { $x = 1; $y = ; $z = ; }\n"
		  "kprobe:a, { if (x) { @x = 1 } }\n"
		  "END { @y = )); @ok = 1; @z = (1 +; }\n",
		  "ERR\n"
		  "stdin:1:22: ERROR: syntax error, unexpected ;\n"
		  "BEGIN { $x = 1; $y = ; $z = ; }\n"
		  "                     ^\n"
		  "stdin:1:29: ERROR: syntax error, unexpected ;\n"
		  "BEGIN { $x = 1; $y = ; $z = ; }\n"
		  "                            ^\n"
		  "stdin:2:11: ERROR: syntax error, unexpected {, expecting attach point\n"
		  "kprobe:a, { if (x) { @x = 1 } }\n"
		  "          ^\n"
		  "stdin:3:12: ERROR: syntax error, unexpected )\n"
		  "END { @y = )); @ok = 1; @z = (1 +; }\n"
		  "           ^\n"
		  "stdin:3:34: ERROR: syntax error, unexpected ;\n"
		  "END { @y = )); @ok = 1; @z = (1 +; }\n"
		  "                                 ^\n" },
		/* A discarded nested group must not end the enclosing block early. */
		{ "BEGIN { @x = 1 if (x) { @a = 1; } @b = 2; } END { @c = ; }",
		  "ERR\n"
		  "stdin:1:16: ERROR: syntax error, unexpected if, expecting } or ;\n"
		  "BEGIN { @x = 1 if (x) { @a = 1; } @b = 2; } END { @c = ; }\n"
		  "               ^~\n"
		  "stdin:1:56: ERROR: syntax error, unexpected ;\n"
		  "BEGIN { @x = 1 if (x) { @a = 1; } @b = 2; } END { @c = ; }\n"
		  "                                                       ^\n" },
		{ "BEGIN { @x = 1 { @y = 2; } } END { @z = ; }",
		  "ERR\n"
		  "stdin:1:16: ERROR: syntax error, unexpected {, expecting } or ;\n"
		  "BEGIN { @x = 1 { @y = 2; } } END { @z = ; }\n"
		  "               ^\n"
		  "stdin:1:41: ERROR: syntax error, unexpected ;\n"
		  "BEGIN { @x = 1 { @y = 2; } } END { @z = ; }\n"
		  "                                        ^\n" },
		{ "BEGIN { printf(\"hi\") ",
		  "ERR\n"
		  "stdin:1:21: ERROR: syntax error, unexpected end of file, expecting } or ;\n"
		  "BEGIN { printf(\"hi\") \n"
		  "                    ^\n" },
		{ "",
		  "ERR\n"
		  "stdin:1:1: ERROR: syntax error, unexpected end of file, expecting attach point\n"
		  "\n"
		  "^\n" },
		{ "BEGIN { } }",
		  "ERR\n"
		  "stdin:1:11: ERROR: syntax error, unexpected }, expecting end of file or attach point\n"
		  "BEGIN { } }\n"
		  "          ^\n" },
		{ "BEGIN /1 + / { @x = 1; }",
		  "ERR\n"
		  "stdin:1:12: ERROR: syntax error, unexpected end predicate\n"
		  "BEGIN /1 + / { @x = 1; }\n"
		  "           ^\n" },
		{ "BEGIN { @x = 1, 2; }",
		  "ERR\n"
		  "stdin:1:15: ERROR: syntax error, unexpected \",\", expecting } or ;\n"
		  "BEGIN { @x = 1, 2; }\n"
		  "              ^\n" },
		{ "BEGIN { `; @x = 1; }",
		  "ERR\n"
		  "stdin:1:9: ERROR: invalid character '`'\n"
		  "BEGIN { `; @x = 1; }\n"
		  "        ^\n" },
		{ "BEGIN {\n  @x = \"abc;\n}\n",
		  "ERR\n"
		  "stdin:2:8: ERROR: unterminated string\n"
		  "  @x = \"abc;\n"
		  "       ^~~~~\n" },
		{ "BEGIN { /* never closed }\n",
		  "ERR\n"
		  "stdin:1:9: ERROR: unterminated comment\n"
		  "BEGIN { /* never closed }\n"
		  "        ^~~~~~~~~~~~~~~~~\n" },
		{ "BEGIN { @x = 123456789012345678901; @y = \"\\q\"; @z = 08; }",
		  "ERR\n"
		  "stdin:1:14: ERROR: integer literal too large\n"
		  "BEGIN { @x = 123456789012345678901; @y = \"\\q\"; @z = 08; }\n"
		  "             ^~~~~~~~~~~~~~~~~~~~~\n"
		  "stdin:1:43: ERROR: invalid escape character '\\q'\n"
		  "BEGIN { @x = 123456789012345678901; @y = \"\\q\"; @z = 08; }\n"
		  "                                          ^~\n"
		  "stdin:1:53: ERROR: invalid integer literal '08'\n"
		  "BEGIN { @x = 123456789012345678901; @y = \"\\q\"; @z = 08; }\n"
		  "                                                    ^~\n" },
	};
	char name[64];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(name, sizeof(name), "parser: error output #%zu", i);
		TEST_BEGIN(name);
		char *got = run(cases[i].prog);
		CHECK_EQ_STR(got, cases[i].want);
		free(got);
		TEST_END();
	}
}

/* Builds prefix + unit*n + middle + unit2*n + suffix. */
static char *repeat(const char *prefix, const char *unit, int n, const char *middle,
		    const char *unit2, const char *suffix, size_t *len)
{
	size_t ul = strlen(unit), u2 = strlen(unit2);
	size_t total = strlen(prefix) + ul * n + strlen(middle) + u2 * n + strlen(suffix);
	char *s = malloc(total + 1), *p = s;
	p = stpcpy(p, prefix);
	for (int i = 0; i < n; i++)
		p = stpcpy(p, unit);
	p = stpcpy(p, middle);
	for (int i = 0; i < n; i++)
		p = stpcpy(p, unit2);
	stpcpy(p, suffix);
	*len = total;
	return s;
}

/* The result must be an error whose first line contains want. */
static void expect_error(const char *name, const char *text, size_t len, const char *want)
{
	TEST_BEGIN(name);
	char *got = run_len(text, len);
	CHECK(strncmp(got, "ERR\n", 4) == 0);
	char *nl = strchr(got + 4, '\n');
	if (nl)
		*nl = '\0';
	if (!strstr(got + 4, want))
		CHECK_EQ_STR(got + 4, want);
	free(got);
	TEST_END();
}

static void expect_ok(const char *name, const char *text, size_t len)
{
	TEST_BEGIN(name);
	char *got = run_len(text, len);
	if (strncmp(got, "program\n", 8) != 0)
		CHECK_EQ_STR(got, "program ...");
	free(got);
	TEST_END();
}

/* A string literal and its length (inputs may contain NULs, so no strlen). */
#define S(lit) lit, sizeof(lit) - 1

static void check_robustness(void)
{
	size_t len;
	char *s;

	s = repeat("BEGIN { @x = ", "(", 100000, "1", ")", "; }", &len);
	expect_error("robust: 100k nested parens", s, len,
		     "1:213: ERROR: brackets nested too deeply (limit is 200 levels)");
	free(s);
	s = repeat("BEGIN { @x = ", "(", 199, "1", ")", "; }", &len);
	expect_ok("robust: 199 nested parens parse", s, len);
	free(s);
	s = repeat("BEGIN { ", "if (1) { ", 300, "", "}", " }", &len);
	expect_error("robust: 300 nested blocks", s, len, "brackets nested too deeply");
	free(s);
	s = repeat("BEGIN { @x = ", "!", 100000, "1", "", "; }", &len);
	expect_error("robust: 100k unary operators (bison stack)", s, len,
		     "program nested too deeply (parser stack exhausted)");
	free(s);
	s = repeat("BEGIN { @x = ", "-", 5000, "1", "", "; }", &len);
	expect_error("robust: 5000 unary operators (AST depth)", s, len,
		     "nested too deeply (limit is 1000 levels)");
	free(s);
	s = repeat("BEGIN { @x = 1", " + 1", 100000, "", "", "; }", &len);
	expect_error("robust: 100k-term operator chain", s, len,
		     "nested too deeply (limit is 1000 levels)");
	free(s);
	s = repeat("BEGIN { @x = 1", " + 1", 100000, "", "", "", &len);
	expect_error("robust: 100k-term chain then EOF", s, len, "unexpected end of file");
	free(s);
	s = repeat("BEGIN { ", "@x = 1; ", 50000, "", "", "}", &len);
	expect_ok("robust: 50k statements", s, len);
	free(s);
	s = repeat("BEGIN { @x = ", "a", 100000, "", "", "; }", &len);
	expect_ok("robust: 100k-char identifier", s, len);
	free(s);
	s = repeat("BEGIN { @x = \"", "x", 100000, "", "", "\"; }", &len);
	expect_ok("robust: 100k-char string", s, len);
	free(s);
	s = repeat("BEGIN { @x = ", "9", 100000, "", "", "; }", &len);
	expect_error("robust: 100k-digit literal", s, len, "integer literal too large");
	free(s);
	s = repeat("", "BEGIN { @x = ; }\n", 1000, "", "", "", &len);
	expect_error("robust: 1000 syntax errors stop at 20", s, len, "unexpected ;");
	{
		char *got = run_len(s, len);
		int n = 0;
		for (char *p = got; (p = strstr(p, ": ERROR: ")); p++)
			n++;
		TEST_BEGIN("robust: error count capped");
		CHECK_EQ_INT(n, 20);
		TEST_END();
		free(got);
	}
	free(s);
	s = repeat("BEGIN { ", "{", 150, "", "", "", &len);
	expect_error("robust: unbalanced open braces", s, len, "syntax error");
	free(s);
	s = repeat("", "}", 1000, "BEGIN { }", "", "", &len);
	expect_error("robust: stray closing braces", s, len, "unexpected }");
	free(s);
	s = repeat("", "BEGIN { @x = 1 ", 1000, "", "", "", &len);
	expect_error("robust: 1000 unclosed probes", s, len, "syntax error");
	free(s);

	static const char nul_in[] = "BEGIN { @x = 1\0; }\0";
	expect_error("robust: NUL bytes outside strings", nul_in, sizeof(nul_in) - 1,
		     "1:15: ERROR: invalid character '\\x00'");
	static const char nul_str[] = "BEGIN { @x = \"a\0b\"; }";
	expect_ok("robust: NUL byte inside a string", nul_str, sizeof(nul_str) - 1);
	static const char nul_attach[] = "BEG\0IN { }";
	expect_error("robust: NUL inside an attach point", nul_attach, sizeof(nul_attach) - 1,
		     "invalid character '\\x00'");
	expect_error("robust: invalid UTF-8", S("BEGIN { @x = \xc3\xa9\xff\xfe; }"),
		     "1:14: ERROR: invalid character '\\xc3'");
	expect_ok("robust: UTF-8 in strings and comments",
		  S("// caf\xc3\xa9\nBEGIN { printf(\"\xe2\x82\xac\\n\"); /* \xff */ }"));
	expect_error("robust: only a comment", S("/* x */ // y"), "unexpected end of file");
	expect_error("robust: lone quote", S("\""), "unterminated string");
	expect_error("robust: lone slash-star", S("/*"), "unterminated comment");
	expect_error("robust: lone dollar", S("BEGIN { $ }"), "invalid character '$'");
	expect_error("robust: $0", S("BEGIN { @ = $0; }"), "invalid positional parameter $0");
	expect_error("robust: predicate without block", S("BEGIN /1/"), "syntax error");
	expect_error("robust: backslash at end of string", S("BEGIN { \"\\"),
		     "unterminated string");
	expect_error("robust: bad \\x escape", S("BEGIN { @ = \"\\xg\"; }"),
		     "invalid escape: '\\x' needs hex digits");
	expect_error("robust: octal escape out of range", S("BEGIN { @ = \"\\777\"; }"),
		     "octal escape out of range");
	expect_ok("robust: shebang line", S("#!/usr/bin/env bpftrace\nBEGIN { }"));
	expect_error("robust: shebang not on first line", S("BEGIN { }\n#!x\n"),
		     "invalid character '#'");
	expect_ok("robust: CRLF line ends", S("BEGIN {\r\n @x = 1;\r\n}\r\n"));
}

static int count_pre(struct node *n, void *ctx)
{
	(void)n;
	(*(int *)ctx)++;
	return 0;
}

static int stop_at_int(struct node *n, void *ctx)
{
	(void)ctx;
	return n->kind == AST_INT ? 7 : 0;
}

static void check_helpers(void)
{
	struct parsed ps;
	TEST_BEGIN("ast: walk visits every node and stops on request");
	if (parse_ok(&ps, "BEGIN { @x[1] = 2 + 3; }")) {
		int n = 0, m = 0;
		CHECK_EQ_INT(ast_walk(ps.prog, count_pre, NULL, &n), 0);
		/* program probe attach block assign map int binop int int */
		CHECK_EQ_INT(n, 10);
		CHECK_EQ_INT(ast_walk(ps.prog, NULL, count_pre, &m), 0);
		CHECK_EQ_INT(m, 10);
		CHECK_EQ_INT(ast_walk(ps.prog, stop_at_int, NULL, NULL), 7);
	} else {
		CHECK(!"parse failed");
	}
	parsed_free(&ps);
	TEST_END();

	TEST_BEGIN("ast: lists, names, typed dump");
	struct span z = { 0, 0 };
	struct node *l = ast_append(NULL, ast_int(z, 1));
	l = ast_append(l, ast_int(z, 2));
	l = ast_append(l, NULL);
	CHECK_EQ_INT(ast_list_len(l), 2);
	CHECK_EQ_INT(ast_list_len(NULL), 0);
	struct node *b = ast_binop(z, OP_SHL, l, NULL);
	CHECK_EQ_INT(b->sym, -1);
	CHECK_EQ_INT(b->fmt, -1);
	l->type = type_u64();
	char *buf = NULL;
	size_t sz = 0;
	FILE *out = open_memstream(&buf, &sz);
	ast_dump(out, b, true);
	fclose(out);
	CHECK_EQ_STR(buf, "binop <<\n  int 1 :: uint64\n");
	free(buf);
	ast_free(b->a->next); /* the list tail is not owned through ->a */
	b->a->next = NULL;
	ast_free(b);
	CHECK_EQ_STR(ast_kind_name(AST_EXPR_STMT), "expr_stmt");
	CHECK_EQ_STR(ast_kind_name(AST_TUPLE), "tuple");
	CHECK_EQ_STR(ast_op_str(OP_SHR), ">>");
	CHECK_EQ_STR(ast_op_str(OP_POSTINC), "++");
	CHECK_EQ_STR(ast_op_str(OP_NONE), "");
	struct node *s = ast_str(AST_STR, z, "a\0b", 3);
	CHECK_EQ_INT(s->slen, 3);
	CHECK(s->str[1] == '\0' && s->str[2] == 'b' && s->str[3] == '\0');
	ast_free(s);
	TEST_END();
}

int main(void)
{
	check_golden();
	check_spans();
	check_errors();
	check_robustness();
	check_helpers();
	return check_summary();
}
