/*
 * tests/unit/test_parser_golden.c — parser: exact AST dumps (ast_dump format) for ~40
 * programs covering every construct, precedence and associativity.
 *
 * Owns: the golden table. A changed dump here means the AST shape or the dump format
 * changed, and every --dump=ast golden file elsewhere changes with it.
 * Must not: test errors or spans (test_parser.c does).
 */
#include <stdlib.h>
#include <string.h>

#include "common/ast.h"
#include "parser/parse.h"
#include "tests/unit/check.h"

#include "tests/unit/parse_helper.h"

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

int main(void)
{
	check_golden();
	return check_summary();
}
