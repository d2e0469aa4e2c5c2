/*
 * common/ast.c — AST node construction, list helpers, cloning, freeing and the generic
 * walker: the plain functions of the tree every stage shares.
 *
 * Owns: node allocation (zeroed, sym = fmt = -1), the basic constructors (ast_new, ast_int,
 * ast_str, ast_binop, ast_unop), kind and operator names, ast_clone, ast_free (iterative,
 * so a degenerate tree of any depth frees without recursion) and ast_walk.
 * Must not: print (ast_dump.c does), know about tokens or the grammar (the grammar's own
 * builders are parser/ast_build.c), or validate semantics.
 */
#include "ast.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An AST node is a few dozen bytes; failing to get one means the process cannot do
 * anything useful, and threading NULL through every grammar action would hide bugs. */
static void *xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n, sz);
	if (!p) {
		fputs("bpfscript: out of memory\n", stderr);
		abort();
	}
	return p;
}

struct node *ast_new(enum ast_kind kind, struct span loc)
{
	struct node *n = xcalloc(1, sizeof(*n));
	n->kind = kind;
	n->loc = loc;
	n->sym = -1;
	n->fmt = -1;
	return n;
}

struct node *ast_int(struct span loc, int64_t v)
{
	struct node *n = ast_new(AST_INT, loc);
	n->ival = v;
	return n;
}

struct node *ast_str(enum ast_kind kind, struct span loc, const char *s, uint32_t len)
{
	struct node *n = ast_new(kind, loc);
	n->str = xcalloc(1, (size_t)len + 1);
	if (len && s) /* s NULL: len zero bytes for the caller to fill */
		memcpy(n->str, s, len);
	n->slen = len;
	return n;
}

struct node *ast_binop(struct span loc, enum ast_op op, struct node *a, struct node *b)
{
	struct node *n = ast_new(AST_BINOP, loc);
	n->op = op;
	n->a = a;
	n->b = b;
	return n;
}

struct node *ast_unop(struct span loc, enum ast_op op, struct node *a)
{
	struct node *n = ast_new(AST_UNOP, loc);
	n->op = op;
	n->a = a;
	return n;
}

struct node *ast_append(struct node *a, struct node *b)
{
	if (!a)
		return b;
	struct node *t = a;
	while (t->next)
		t = t->next;
	t->next = b;
	return a;
}

struct node *ast_clone(const struct node *n)
{
	if (!n)
		return NULL;
	struct node *c = xcalloc(1, sizeof(*c));
	*c = *n;
	c->next = NULL;
	if (n->str) { /* slen counts embedded NULs; names set by strdup have slen 0 */
		size_t len = strlen(n->str);
		if (len < n->slen)
			len = n->slen;
		c->str = xcalloc(1, len + 1);
		memcpy(c->str, n->str, len);
	}
	c->a = ast_clone(n->a);
	c->b = ast_clone(n->b);
	c->c = ast_clone(n->c);
	struct node **tail = &c->list;
	*tail = NULL;
	for (const struct node *e = n->list; e; e = e->next) {
		*tail = ast_clone(e);
		tail = &(*tail)->next;
	}
	return c;
}

int ast_list_len(const struct node *list)
{
	int n = 0;
	for (; list; list = list->next)
		n++;
	return n;
}

/* Frees without recursion: every child pointer and list element is pushed on a heap
 * stack. Parse errors can leave trees far deeper than any C stack allows (a 100k-term
 * chain of binary operators), and the bison destructors free those through here. */
struct free_stack {
	struct node **v;
	size_t n, cap;
};

static void fs_push(struct free_stack *s, struct node *n)
{
	if (!n)
		return;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct node **v = realloc(s->v, cap * sizeof(*v));
		if (!v) {
			fputs("bpfscript: out of memory\n", stderr);
			abort();
		}
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = n;
}

static void free_all(struct free_stack *s)
{
	while (s->n) {
		struct node *n = s->v[--s->n];
		fs_push(s, n->a);
		fs_push(s, n->b);
		fs_push(s, n->c);
		for (struct node *l = n->list, *next; l; l = next) {
			next = l->next;
			fs_push(s, l);
		}
		free(n->str);
		free(n);
	}
	free(s->v);
}

void ast_free(struct node *n)
{
	struct free_stack s = { 0 };
	fs_push(&s, n);
	free_all(&s);
}

void ast_free_list(struct node *list)
{
	struct free_stack s = { 0 };
	for (struct node *next; list; list = next) {
		next = list->next;
		fs_push(&s, list);
	}
	free_all(&s);
}

const char *ast_kind_name(enum ast_kind k)
{
	/* Lower-case forms of the X-macro names, for messages and dumps. */
	static const char *const upper[] = {
#define X(k) #k,
		AST_KINDS(X)
#undef X
	};
	static char lower[AST__COUNT][16];
	if ((unsigned)k >= AST__COUNT)
		return "?";
	if (!lower[k][0]) {
		size_t i;
		for (i = 0; upper[k][i] && i < sizeof(lower[k]) - 1; i++) {
			char c = upper[k][i];
			lower[k][i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
		}
		lower[k][i] = '\0';
	}
	return lower[k];
}

const char *ast_op_str(enum ast_op op)
{
	static const char *const s[] = {
#define X(o, str) str,
		AST_OPS(X)
#undef X
	};
	if ((unsigned)op >= OP__COUNT)
		return "?";
	return s[op];
}

int ast_walk(struct node *n, ast_visit_fn pre, ast_visit_fn post, void *ctx)
{
	int r;
	if (!n)
		return 0;
	if (pre && (r = pre(n, ctx)))
		return r;
	if ((r = ast_walk(n->a, pre, post, ctx)) || (r = ast_walk(n->b, pre, post, ctx)) ||
	    (r = ast_walk(n->c, pre, post, ctx)))
		return r;
	for (struct node *l = n->list; l; l = l->next)
		if ((r = ast_walk(l, pre, post, ctx)))
			return r;
	if (post && (r = post(n, ctx)))
		return r;
	return 0;
}
