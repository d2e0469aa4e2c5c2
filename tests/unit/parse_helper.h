/*
 * tests/unit/parse_helper.h — the parse-and-dump helper the parser unit tests share.
 *
 * Owns: run_len()/run(): parse a text and return its AST dump, or "ERR\n" followed by the
 * rendered diagnostics (caller frees).
 * Must not: assert anything (the tests compare what it returns).
 */
#ifndef BPFSCRIPT_TEST_PARSE_HELPER_H
#define BPFSCRIPT_TEST_PARSE_HELPER_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/diag.h"
#include "common/ast.h"
#include "parser/parse.h"

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
		ast_dump(out, p, NULL);
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

#endif
