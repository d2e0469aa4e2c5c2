/*
 * tests/unit/test_parser.c — parser: exact AST dumps, node spans, error recovery and
 * robustness on hostile input (run under ASan + UBSan).
 *
 * Owns: span checks for each construct, exact multi-error diagnostics, the
 * never-crash/never-leak inputs (NULs, invalid UTF-8, deep nesting, huge tokens,
 * unterminated constructs) and the AST helpers. The golden dumps are in
 * test_parser_golden.c.
 * Must not: depend on sema, codegen or the kernel.
 */
#include <stdlib.h>
#include <string.h>

#include "common/ast.h"
#include "parser/parse.h"
#include "sema/types.h"
#include "tests/unit/check.h"

#include "tests/unit/parse_helper.h"

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
		/* `if c {}` is fine (current bpftrace); no condition is not: `{ }` there is a
		 * block expression without its value */
		{ "BEGIN { if { } }",
		  "ERR\n"
		  "stdin:1:14: ERROR: syntax error, unexpected }\n"
		  "BEGIN { if { } }\n"
		  "             ^\n" },
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
		  "stdin:1:1: ERROR: syntax error, unexpected end of file, expecting attach point or struct definition or let or macro\n"
		  "\n"
		  "^\n" },
		{ "BEGIN { } }",
		  "ERR\n"
		  "stdin:1:11: ERROR: syntax error, unexpected }\n"
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
	expect_ok("robust: #include skipped",
		  S("#!/usr/bin/bpftrace\n#include <linux/sched.h>\nBEGIN { }"));
	expect_ok("robust: #ifndef BPFTRACE_HAVE_BTF skipped",
		  S("#ifndef BPFTRACE_HAVE_BTF\n#include <x.h>\nstruct a { b c; };\n#else\n"
		    "#include <sys/socket.h>\n#endif\nBEGIN { }"));
	expect_error("robust: preprocessor directive",
		     S("#!/usr/bin/bpftrace\n#pragma once\nBEGIN { }"),
		     "2:1: ERROR: C preprocessor directive '#pragma' is not supported");
	expect_error("robust: function-like macro", S("#define MAX(a, b) a\nBEGIN { }"),
		     "1:9: ERROR: function-like macro 'MAX' is not supported");
	expect_error("robust: brace in #define", S("#define B {\nBEGIN { }"),
		     "1:11: ERROR: a #define body may not contain '{' or '}'");
	expect_error("robust: missing #endif", S("#ifdef BPFTRACE_HAVE_BTF\nBEGIN { }"),
		     "1:1: ERROR: missing #endif");
	expect_ok("robust: CRLF line ends", S("BEGIN {\r\n @x = 1;\r\n}\r\n"));
}

/* #define NAME tokens: the tree is the one the substituted text gives (macros expand
 * inside macros, a macro is not expanded inside itself, #undef ends one, an empty macro
 * vanishes, a body may continue on the next line). */
static void test_macros(void)
{
	static const struct {
		const char *name, *with, *without;
	} cases[] = {
		{ "macro: integer", "#define N 3\nBEGIN { @x = N + 1; }", "BEGIN { @x = 3 + 1; }" },
		{ "macro: nested", "#define A (B * 2)\n#define B 7\nBEGIN { @x = A; }",
		  "BEGIN { @x = (7 * 2); }" },
		{ "macro: string and ident", "#define F \"%d\\n\"\n#define P pid\nBEGIN { printf(F, P); }",
		  "BEGIN { printf(\"%d\\n\", pid); }" },
		{ "macro: self reference", "#define pid pid + 1\nBEGIN { @x = pid; }",
		  "BEGIN { @x = pid + 1; }" },
		{ "macro: empty, undef, continued",
		  "#define E\n#define N 1 + \\\n 2\nBEGIN { E @x = N;\n#undef N\n @y = N; }",
		  "BEGIN { @x = 1 + 2; @y = N; }" },
		{ "macro: ifdef own macro", "#define D 1\n#ifdef D\nBEGIN { @x = D; }\n#else\nEND { }\n#endif",
		  "BEGIN { @x = 1; }" },
		{ "macro: ifndef unknown", "#ifndef NOT_DEFINED\nBEGIN { }\n#endif", "BEGIN { }" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		TEST_BEGIN(cases[i].name);
		char *a = run(cases[i].with), *b = run(cases[i].without);
		CHECK_EQ_STR(a, b);
		free(a);
		free(b);
		TEST_END();
	}
}

/* Types by name (current bpftrace): (name)x casts, name* before ')', `(name)` followed by
 * an operator staying an expression, types among a call's arguments, let $x: name, and
 * top-level typedefs. */
static void test_type_names(void)
{
	static const struct {
		const char *name, *prog, *want;
	} cases[] = {
		{ "types: (name)x and (name **)p", "BEGIN { $a = (foo)x; $b = (foo **)p; }",
		  "program\n  probe\n    attach \"BEGIN\"\n    block\n      assign =\n        var $a\n"
		  "        cast foo\n          ident x\n      assign =\n        var $b\n"
		  "        cast foo **\n          ident p\n" },
		{ "types: (name) then an operator is an expression",
		  "BEGIN { $d = (pid) - 1; $e = (x) * y; if (pid) { } }",
		  "program\n  probe\n    attach \"BEGIN\"\n    block\n      assign =\n        var $d\n"
		  "        binop -\n          ident pid\n          int 1\n      assign =\n"
		  "        var $e\n        binop *\n          ident x\n          ident y\n"
		  "      if\n        ident pid\n        block\n" },
		{ "types: type arguments anywhere in a call",
		  "BEGIN { m(1, typeof(uint8), struct s *, t*); }",
		  "program\n  probe\n    attach \"BEGIN\"\n    block\n      expr_stmt\n"
		  "        call m\n          int 1\n          cast typeof\n            cast uint8\n"
		  "          cast struct s *\n          cast t *\n" },
		{ "types: let with a type name", "BEGIN { let $f: foo = 1; let $g: bool; }",
		  "program\n  probe\n    attach \"BEGIN\"\n    block\n      assign =\n        var $f\n"
		  "        cast foo\n          int 1\n      assign =\n        var $g\n"
		  "        cast bool\n          int 0\n" },
		{ "types: typedef at top level", "typedef struct { int a; } t;\nBEGIN { }",
		  "program\n  cdef \"typedef struct { int a; } t;\"\n  probe\n    attach \"BEGIN\"\n"
		  "    block\n" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		TEST_BEGIN(cases[i].name);
		char *got = run(cases[i].prog);
		CHECK_EQ_STR(got, cases[i].want);
		free(got);
		TEST_END();
	}
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
	ast_dump(out, b, type_name);
	fclose(out);
	CHECK_EQ_STR(buf, "binop <<\n  int 1 :: uint64\n");
	free(buf);
	/* without a type-naming callback the dump has no types (the parser's own view) */
	buf = NULL;
	out = open_memstream(&buf, &sz);
	ast_dump(out, b, NULL);
	fclose(out);
	CHECK_EQ_STR(buf, "binop <<\n  int 1\n");
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
	check_spans();
	check_errors();
	check_robustness();
	test_macros();
	test_type_names();
	check_helpers();
	return check_summary();
}
