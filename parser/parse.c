/*
 * parser/parse.c — the front-end facade: source text in, AST (or diagnostics) out.
 *
 * Owns: scanner/parser lifetime (the parse state, whose scanner part, lexer/scan.h's
 * struct scan_state, it sets up for flex and whose macros and header definitions it takes
 * back), skipping nothing but what the scanner skips, the final depth check that keeps
 * later recursive passes safe, and lex_dump for tests.
 * Must not: expose flex or bison types, type-check, or print.
 */
#include "parse.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parse_internal.h"
#include "../lexer/includes.h"
#include "../lexer/macros.h"
#include "tokens.h" /* bison's, from parser.y: token numbers, bpfs_yyparse */
#include "lexer.h"  /* flex's, from lexer/lexer.l: the scanner's lifetime */

static int scanner_open(struct parse_state *ps, const struct source *src, struct diag *d,
			yyscan_t *scanner)
{
	memset(ps, 0, sizeof(*ps));
	ps->scan.src = src;
	ps->scan.d = d;
	/* flex takes an int length and spans are 32-bit offsets. */
	if (src->len >= INT32_MAX) {
		diag_error_noloc(d, "program too large (%zu bytes)", src->len);
		return -1;
	}
	if (bpfs_yylex_init_extra(&ps->scan, scanner))
		return -1;
	/* Scan the counted bytes so inner NULs are just invalid characters. */
	if (!bpfs_yy_scan_bytes(src->text, (int)src->len, *scanner)) {
		bpfs_yylex_destroy(*scanner);
		return -1;
	}
	return 0;
}

/* Deepest node of the tree, found with an explicit stack so that the check itself cannot
 * overflow on the inputs it exists to reject. Stops at the first node past the limit. */
static const struct node *find_too_deep(const struct node *root, int limit)
{
	struct item {
		const struct node *n;
		int depth;
	};
	size_t cap = 256, sp = 0;
	struct item *st = malloc(cap * sizeof(*st));
	const struct node *bad = NULL;
	if (!st)
		return root;
	st[sp++] = (struct item){ root, 1 };
	while (sp && !bad) {
		struct item it = st[--sp];
		if (it.depth > limit) {
			bad = it.n;
			break;
		}
		const struct node *kids[3] = { it.n->a, it.n->b, it.n->c };
		size_t need = sp + 3 + (size_t)ast_list_len(it.n->list);
		if (need > cap) {
			while (need > cap)
				cap *= 2;
			struct item *nst = realloc(st, cap * sizeof(*st));
			if (!nst) {
				bad = root;
				break;
			}
			st = nst;
		}
		for (int i = 0; i < 3; i++)
			if (kids[i])
				st[sp++] = (struct item){ kids[i], it.depth + 1 };
		for (const struct node *l = it.n->list; l; l = l->next)
			st[sp++] = (struct item){ l, it.depth + 1 };
	}
	free(st);
	return bad;
}

struct node *parse_program(const struct source *src, struct diag *d)
{
	return parse_program_opts(src, NULL, d);
}

struct node *parse_program_opts(const struct source *src, const struct parse_opts *opts,
				struct diag *d)
{
	struct parse_state ps;
	yyscan_t scanner;
	int before = diag_count(d);

	if (scanner_open(&ps, src, d, &scanner)) {
		if (diag_count(d) == before)
			diag_error_noloc(d, "out of memory while parsing");
		return NULL;
	}
	ps.scan.pp = opts ? &opts->pp : NULL;
	bpfs_yydebug = opts && opts->trace; /* -d parse */
	/* --include FILE: its constants are macros before the script's first line */
	for (int i = 0; ps.scan.pp && i < ps.scan.pp->nincludes; i++)
		pp_include_file(ps.scan.pp, d, ps.scan.pp->includes[i], lex_header_const,
				lex_header_decl, &ps.scan);
	int rc = bpfs_yyparse(scanner, &ps);
	bpfs_yylex_destroy(scanner);
	pp_macros_free(ps.scan.macros);

	struct node *prog = ps.program;
	struct nlist hdr = ps.scan.hdr_defs;
	if (prog && hdr.head) { /* headers' definitions before the script's own */
		hdr.tail->next = prog->list;
		prog->list = hdr.head;
	} else {
		ast_free_list(hdr.head);
	}
	if (prog && rc == 0) {
		const struct node *deep = find_too_deep(prog, PARSE_MAX_AST_DEPTH);
		if (deep)
			diag_error(d, deep->loc,
				   "expression or block nested too deeply (limit is %d levels)",
				   PARSE_MAX_AST_DEPTH);
	}
	if (rc != 0 || diag_count(d) > before) {
		if (rc != 0 && diag_count(d) == before)
			diag_error_noloc(d, "parse failed");
		ast_free(prog);
		return NULL;
	}
	return prog;
}

int lex_dump(const struct source *src, struct diag *d,
	     void (*fn)(const char *tok, struct span loc, const char *text, void *ctx), void *ctx)
{
	struct parse_state ps;
	yyscan_t scanner;
	int before = diag_count(d), count = 0;

	if (scanner_open(&ps, src, d, &scanner)) {
		if (diag_count(d) == before)
			diag_error_noloc(d, "out of memory while scanning");
		return -1;
	}
	for (;;) {
		BPFS_YYSTYPE val;
		struct span loc = { 0, 0 };
		memset(&val, 0, sizeof(val));
		int tok = bpfs_yylex(&val, &loc, scanner);
		if (tok == TOK_END)
			break;
		if (tok == TOK_STRING)
			ast_free(val.node);
		count++;
		if (fn) {
			size_t len = loc.end > loc.start ? loc.end - loc.start : 0;
			char *text = strndup(src->text + loc.start, len);
			fn(parse_token_name(tok), loc, text ? text : "", ctx);
			free(text);
		}
	}
	bpfs_yylex_destroy(scanner);
	pp_macros_free(ps.scan.macros);
	ast_free_list(ps.scan.hdr_defs.head);
	return diag_count(d) > before ? -1 : count;
}
