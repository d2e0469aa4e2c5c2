/*
 * tests/unit/sema_helper.h — the parse-and-check helper the sema unit tests share.
 *
 * Owns: struct run (source, diagnostics, AST, sema result, rendered errors), sema_text()
 * (parse a text and run sema with the caller's options), done(), and the lookups the tests
 * use on the result: find() (the nth node of a kind, pre-order), tname() (a node's type),
 * first_err() (the first error line) and var_type() (a scratch variable's type).
 * Must not: assert anything (the tests do) or choose sema options (each test does).
 */
#ifndef BPFSCRIPT_TEST_SEMA_HELPER_H
#define BPFSCRIPT_TEST_SEMA_HELPER_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/ast.h"
#include "common/diag.h"
#include "parser/parse.h"
#include "sema/sema.h"

struct run {
	struct source src;
	struct diag d;
	struct node *prog;
	struct sema_result r;
	int rc;     /* sema_run's result; -2 when the text did not parse */
	char *errs; /* rendered diagnostics */
};

static inline void sema_text(struct run *x, const char *text, const struct sema_opts *o)
{
	memset(x, 0, sizeof(*x));
	src_from_string(&x->src, "stdin", text, strlen(text));
	diag_init(&x->d, &x->src);
	x->prog = parse_program(&x->src, &x->d);
	x->rc = -2;
	if (x->prog)
		x->rc = sema_run(x->prog, o, &x->d, &x->r);
	size_t len;
	FILE *f = open_memstream(&x->errs, &len);
	diag_print(&x->d, f);
	fclose(f);
}

static inline void done(struct run *x)
{
	sema_result_free(&x->r);
	if (x->prog)
		ast_free(x->prog);
	diag_free(&x->d);
	src_free(&x->src);
	free(x->errs);
}

/* The nth (0-based) node of `kind` in pre-order, or NULL. */
static inline struct node *find_in(struct node *n, enum ast_kind kind, int *nth)
{
	for (; n; n = n->next) {
		if (n->kind == kind && (*nth)-- == 0)
			return n;
		struct node *kids[4] = { n->a, n->b, n->c, n->list };
		for (int i = 0; i < 4; i++) {
			struct node *f = find_in(kids[i], kind, nth);
			if (f)
				return f;
		}
	}
	return NULL;
}

static inline struct node *find(struct run *x, enum ast_kind kind, int nth)
{
	return x->prog ? find_in(x->prog, kind, &nth) : NULL;
}

static inline const char *tname(const struct node *n)
{
	static char buf[256];
	if (!n)
		return "(no node)";
	return type_name(&n->type, buf, sizeof(buf));
}

/* The first diagnostic header line ("stdin:1:9: ERROR: ..."), "" without one. */
static inline const char *first_err(struct run *x)
{
	static char line[300];
	line[0] = '\0';
	if (x->errs) {
		size_t n = strcspn(x->errs, "\n");
		if (n >= sizeof(line))
			n = sizeof(line) - 1;
		memcpy(line, x->errs, n);
		line[n] = '\0';
	}
	return line;
}

/* The type sema gave the scratch variable `name` ("$x"), as its messages name it. */
static inline const char *var_type(struct run *x, const char *name)
{
	static char buf[256];
	for (int i = 0; i < x->r.nvars; i++)
		if (strcmp(x->r.vars[i].name, name) == 0)
			return type_name(&x->r.vars[i].type, buf, sizeof(buf));
	return "(no variable)";
}

#endif
