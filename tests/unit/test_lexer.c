/*
 * tests/unit/test_lexer.c — scanner: token kinds and exact spans, attach point lexing in
 * the top-level state, literal decoding, and lexical errors with exact line/column.
 *
 * Owns: tests of lex_dump() and of the literal helpers in lexer/lex_literal.h.
 * Must not: depend on the grammar beyond token names (test_parser.c covers that).
 */
#include <stdlib.h>
#include <string.h>

#include "lexer/lex_literal.h"
#include "parser/parse.h"
#include "tests/unit/check.h"

struct collect {
	FILE *out;
	int with_spans;
};

/* "name" when the text is the name (punctuation, keywords), else "name(text)". */
static void on_token(const char *tok, struct span loc, const char *text, void *ctx)
{
	struct collect *c = ctx;
	if (strcmp(tok, text) == 0)
		fprintf(c->out, "%s", tok);
	else
		fprintf(c->out, "%s(%s)", tok, text);
	if (c->with_spans)
		fprintf(c->out, "@%u-%u", loc.start, loc.end);
	fputc(' ', c->out);
}

/* Token stream of text as one line, or "ERR n: " + rendered diagnostics. */
static char *lex_len(const char *text, size_t len, int with_spans)
{
	struct source src;
	struct diag d;
	char *buf = NULL;
	size_t sz = 0;
	struct collect c = { open_memstream(&buf, &sz), with_spans };
	src_from_string(&src, "stdin", text, len);
	diag_init(&d, &src);
	int n = lex_dump(&src, &d, on_token, &c);
	if (n < 0) {
		fprintf(c.out, "ERR\n");
		diag_print(&d, c.out);
	}
	fclose(c.out);
	diag_free(&d);
	src_free(&src);
	return buf;
}

static char *lex(const char *text)
{
	return lex_len(text, strlen(text), 0);
}

/* A string literal and its length (inputs may contain NULs, so no strlen). */
#define S(lit) lit, sizeof(lit) - 1

static void expect_tokens(const char *name, const char *text, const char *want)
{
	TEST_BEGIN(name);
	char *got = lex(text);
	CHECK_EQ_STR(got, want);
	free(got);
	TEST_END();
}

static void check_tokens(void)
{
	expect_tokens("lexer: probe with map, call, string",
		      "BEGIN { @x[pid] = count(); printf(\"%d\\n\", $1); }",
		      "attach point(BEGIN) { map(@x) [ identifier(pid) ] = identifier(count) ( ) ; "
		      "identifier(printf) ( string(\"%d\\n\") , positional parameter($1) ) ; } ");
	expect_tokens("lexer: operators, longest match",
		      "BEGIN { a <<= b >>= c << d >> e <= f >= g == h != i && j || k -> l ++ -- "
		      "+= -= *= /= %= &= |= ^= ! ~ ? : . % ^ | & * / - + < > = }",
		      "attach point(BEGIN) { identifier(a) <<= identifier(b) >>= identifier(c) << "
		      "identifier(d) >> identifier(e) <= identifier(f) >= identifier(g) == "
		      "identifier(h) != identifier(i) && identifier(j) || identifier(k) -> "
		      "identifier(l) ++ -- += -= *= /= %= &= |= ^= ! ~ ? : . % ^ | & * / - + < > "
		      "= } ");
	expect_tokens("lexer: keywords, types, variables",
		      "BEGIN { if else while unroll return break continue struct union enum "
		      "uint8 int64 uint32x $x $10 $# @ @_a1 ifx }",
		      "attach point(BEGIN) { if else while unroll return break continue struct "
		      "union enum integer type(uint8) integer type(int64) identifier(uint32x) "
		      "variable($x) positional parameter($10) $# map(@) map(@_a1) identifier(ifx) } ");
	expect_tokens("lexer: comments and shebang are skipped",
		      "#!/usr/bin/bpftrace -q\n// line\nBEGIN /* a { b */ { /* } */ 1 // }\n}",
		      "attach point(BEGIN) { integer(1) } ");
	expect_tokens("lexer: identifiers inside bodies are not attach points",
		      "BEGIN { kprobe:x }", "attach point(BEGIN) { identifier(kprobe) : identifier(x) } ");
	expect_tokens("lexer: nested braces return to the top level once",
		      "BEGIN { if (a) { { } } } kprobe:f { }",
		      "attach point(BEGIN) { if ( identifier(a) ) { { } } } attach point(kprobe:f) { } ");
	expect_tokens("lexer: predicate end needs a following '{'",
		      "k:f / a / b / { }",
		      "attach point(k:f) / identifier(a) / identifier(b) end predicate(/) { } ");
	expect_tokens("lexer: predicate end across newline and comment",
		      "BEGIN /1/ /* x */\n{ }",
		      "attach point(BEGIN) / integer(1) end predicate(/) { } ");
	expect_tokens("lexer: member access and tuple index",
		      "BEGIN { args.count; args->buf; $t.0 }",
		      "attach point(BEGIN) { identifier(args) . identifier(count) ; identifier(args) "
		      "-> identifier(buf) ; variable($t) . integer(0) } ");
}

static void check_spans(void)
{
	TEST_BEGIN("lexer: spans are byte offsets");
	char *got = lex_len(S("BEGIN {\n\t@x = \"a\\n\";\n}"), 1);
	CHECK_EQ_STR(got, "attach point(BEGIN)@0-5 {@6-7 map(@x)@9-11 =@12-13 "
			  "string(\"a\\n\")@14-19 ;@19-20 }@21-22 ");
	free(got);
	TEST_END();

	TEST_BEGIN("lexer: spans of attach list and predicate");
	got = lex_len(S("i:s:1,BEGIN/x/{}"), 1);
	CHECK_EQ_STR(got, "attach point(i:s:1)@0-5 ,@5-6 attach point(BEGIN)@6-11 /@11-12 "
			  "identifier(x)@12-13 end predicate(/)@13-14 {@14-15 }@15-16 ");
	free(got);
	TEST_END();
}

static void check_attach_points(void)
{
	static const char *const points[] = {
		"BEGIN", "END", "begin", "end",
		"tracepoint:syscalls:sys_enter_read", "t:syscalls:sys_enter_*",
		"interval:s:1", "i:ms:100", "profile:hz:99", "kprobe:vfs_read",
		"kretprobe:vfs_*", "kprobe:f+0x10", "uprobe:/bin/bash:readline",
		"u:libc:malloc", "uprobe:/usr/lib/x.so:0x1234", "software:cpu-clock:1000",
		"usdt:/bin/x:prov:probe", "uprobe:$1:func", "hardware:cache-misses:1000000",
	};
	char text[256], want[512], name[128];
	for (size_t i = 0; i < sizeof(points) / sizeof(points[0]); i++) {
		snprintf(name, sizeof(name), "lexer: attach point %s", points[i]);
		snprintf(text, sizeof(text), "%s { }", points[i]);
		snprintf(want, sizeof(want), "attach point(%s) { } ", points[i]);
		expect_tokens(name, text, want);
		snprintf(name, sizeof(name), "lexer: attach point %s{ without space", points[i]);
		snprintf(text, sizeof(text), "%s{}", points[i]);
		snprintf(want, sizeof(want), "attach point(%s) { } ", points[i]);
		expect_tokens(name, text, want);
	}
	expect_tokens("lexer: uprobe path then predicate after space",
		      "uprobe:/bin/bash:readline /pid == 1/ {",
		      "attach point(uprobe:/bin/bash:readline) / identifier(pid) == integer(1) "
		      "end predicate(/) { ");
	expect_tokens("lexer: predicate glued to a plain attach point",
		      "kprobe:f/pid/{}",
		      "attach point(kprobe:f) / identifier(pid) end predicate(/) { } ");
	expect_tokens("lexer: several probes per line",
		      "BEGIN{}END{}i:s:1{} t:a:b,t:c:d{}",
		      "attach point(BEGIN) { } attach point(END) { } attach point(i:s:1) { } "
		      "attach point(t:a:b) , attach point(t:c:d) { } ");
}

static void check_literals(void)
{
	static const struct {
		const char *text;
		int err;
		uint64_t v;
	} ints[] = {
		{ "0", 0, 0 }, { "42", 0, 42 }, { "0x1F", 0, 31 }, { "0XfF", 0, 255 },
		{ "0777", 0, 511 }, { "1_000_000", 0, 1000000 }, { "0x_ff", 0, 255 },
		{ "1e3", 0, 1000 }, { "0e5", LEX_INT_INVALID, 0 }, { "5e0", 0, 5 },
		{ "18446744073709551615", 0, UINT64_MAX },
		{ "18446744073709551616", LEX_INT_OVERFLOW, 0 },
		{ "0xffffffffffffffff", 0, UINT64_MAX },
		{ "0x10000000000000000", LEX_INT_OVERFLOW, 0 },
		{ "1e19", 0, 10000000000000000000ull }, { "1e20", LEX_INT_OVERFLOW, 0 },
		{ "2e99999999999999999999", LEX_INT_OVERFLOW, 0 }, { "0e99", LEX_INT_INVALID, 0 },
		{ "08", LEX_INT_INVALID, 0 }, { "0x", LEX_INT_INVALID, 0 },
		{ "1abc", LEX_INT_INVALID, 0 }, { "1e", LEX_INT_INVALID, 0 },
		{ "1e3x", LEX_INT_INVALID, 0 }, { "0xfg", LEX_INT_INVALID, 0 },
	};
	char name[96];
	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		snprintf(name, sizeof(name), "lexer: integer literal %s", ints[i].text);
		TEST_BEGIN(name);
		uint64_t v = 0;
		int err = lex_integer(ints[i].text, strlen(ints[i].text), &v);
		CHECK_EQ_INT(err, ints[i].err);
		if (!ints[i].err)
			CHECK(v == ints[i].v);
		TEST_END();
	}

	static const struct {
		const char *lit;
		const char *bytes;
		uint32_t len;
	} strs[] = {
		{ "\"\"", "", 0 },
		{ "\"plain\"", "plain", 5 },
		{ "\"\\n\\t\\r\\\\\\\"\\'\"", "\n\t\r\\\"'", 6 },
		{ "\"\\0\"", "\0", 1 },
		{ "\"a\\0b\"", "a\0b", 3 },
		{ "\"\\x41\\x4a\\x7\"", "AJ\x07", 3 },
		{ "\"\\101\\60\\0012\"", "A0\0012", 4 },
		{ "\"\\377\"", "\377", 1 },
		{ "\"caf\xc3\xa9\"", "caf\xc3\xa9", 5 },
	};
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		snprintf(name, sizeof(name), "lexer: string escapes #%zu", i);
		TEST_BEGIN(name);
		struct source src;
		struct diag d;
		src_from_string(&src, "stdin", strs[i].lit, strlen(strs[i].lit));
		diag_init(&d, &src);
		struct span loc = { 0, (uint32_t)strlen(strs[i].lit) };
		struct node *n = lex_string(&d, loc, strs[i].lit, strlen(strs[i].lit));
		CHECK(n != NULL);
		if (n) {
			CHECK_EQ_INT(n->slen, strs[i].len);
			CHECK(memcmp(n->str, strs[i].bytes, strs[i].len) == 0);
			CHECK(n->str[n->slen] == '\0');
			CHECK_EQ_INT(n->kind, AST_STR);
		}
		CHECK_EQ_INT(diag_count(&d), 0);
		ast_free(n);
		diag_free(&d);
		src_free(&src);
		TEST_END();
	}
}

static void expect_lex_error(const char *name, const char *text, size_t len, const char *want)
{
	TEST_BEGIN(name);
	char *got = lex_len(text, len, 0);
	/* Only the diagnostics matter here; the tokens before them are tested elsewhere. */
	char *err = strstr(got, "ERR\n");
	CHECK_EQ_STR(err ? err : got, want);
	free(got);
	TEST_END();
}

static void check_errors(void)
{
	expect_lex_error("lexer: invalid character with line and column",
			 S("BEGIN {\n  @x = 1 ` 2;\n}"),
			 "ERR\n"
			 "stdin:2:10: ERROR: invalid character '`'\n"
			 "  @x = 1 ` 2;\n"
			 "         ^\n");
	expect_lex_error("lexer: NUL byte", S("BEGIN {\n\0}"),
			 "ERR\n"
			 "stdin:2:1: ERROR: invalid character '\\x00'\n"
			 " }\n"
			 "^\n");
	expect_lex_error("lexer: invalid UTF-8 run is one error", S("BEGIN { \xe2\x82\xac \xff }"),
			 "ERR\n"
			 "stdin:1:9: ERROR: invalid character '\\xe2'\n"
			 "BEGIN { \xe2\x82\xac \xff }\n"
			 "        ^~~\n"
			 "stdin:1:13: ERROR: invalid character '\\xff'\n"
			 "BEGIN { \xe2\x82\xac \xff }\n"
			 "            ^\n");
	expect_lex_error("lexer: unterminated string at its opening quote",
			 S("BEGIN {\n\t@s = \"abc\n}\n"),
			 "ERR\n"
			 "stdin:2:7: ERROR: unterminated string\n"
			 "    @s = \"abc\n"
			 "         ^~~~\n");
	expect_lex_error("lexer: unterminated comment at its opening",
			 S("BEGIN { }\n  /* open\n more"),
			 "ERR\n"
			 "stdin:2:3: ERROR: unterminated comment\n"
			 "  /* open\n"
			 "  ^~~~~~~\n");
	expect_lex_error("lexer: unknown escape",
			 S("BEGIN { \"a\\qb\" }"),
			 "ERR\n"
			 "stdin:1:11: ERROR: invalid escape character '\\q'\n"
			 "BEGIN { \"a\\qb\" }\n"
			 "          ^~\n");
	expect_lex_error("lexer: integer too large",
			 S("BEGIN { 0x1ffffffffffffffff }"),
			 "ERR\n"
			 "stdin:1:9: ERROR: integer literal too large\n"
			 "BEGIN { 0x1ffffffffffffffff }\n"
			 "        ^~~~~~~~~~~~~~~~~~~\n");
	expect_lex_error("lexer: bad positional parameter",
			 S("BEGIN { $0 $99999999999 }"),
			 "ERR\n"
			 "stdin:1:9: ERROR: invalid positional parameter $0 (must be 1 to 2147483647)\n"
			 "BEGIN { $0 $99999999999 }\n"
			 "        ^~\n"
			 "stdin:1:12: ERROR: invalid positional parameter $99999999999 (must be 1 to "
			 "2147483647)\n"
			 "BEGIN { $0 $99999999999 }\n"
			 "           ^~~~~~~~~~~~\n");

	TEST_BEGIN("lexer: tokens after an error are still produced");
	struct source src;
	struct diag d;
	int n;
	src_from_string(&src, "stdin", S("BEGIN { ` x }"));
	diag_init(&d, &src);
	n = lex_dump(&src, &d, NULL, NULL);
	CHECK_EQ_INT(n, -1);
	CHECK_EQ_INT(diag_count(&d), 1);
	diag_free(&d);
	src_free(&src);
	src_from_string(&src, "stdin", S("BEGIN { x }"));
	diag_init(&d, &src);
	n = lex_dump(&src, &d, NULL, NULL);
	CHECK_EQ_INT(n, 4);
	diag_free(&d);
	src_free(&src);
	TEST_END();
}

int main(void)
{
	check_tokens();
	check_spans();
	check_attach_points();
	check_literals();
	check_errors();
	return check_summary();
}
