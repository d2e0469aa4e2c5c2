/*
 * sema/getopt.c — named program parameters: `getopt("name", default)` and the command
 * line words after `--` that set them (`-- --name=5 --flag`).
 *
 * Owns: splitting the words after the script into positional parameters and named ones
 * (bpftrace's rule: after the first `--`, a word starting with `--` is a named parameter;
 * every other word, before or after `--`, is positional, and `--` itself is neither), the
 * getopt() rules (a string literal name; the default's literal type — integer, string or
 * bool, none meaning bool — is the value's type; one default per name; an optional
 * description), reading each value by that type, and refusing named parameters that no
 * getopt() asks for. Every getopt() call becomes a literal (INT, STR or BOOL) here, since
 * the values are known before the program is compiled.
 * Must not: print (errors go to struct diag) or keep pointers into argv beyond sema_opts.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sema_int.h"

int sema_split_params(int argc, char **argv, int nafter, struct sema_opts *o,
		      char ***pos_out, char ***named_out)
{
	char **pos = calloc((size_t)argc + 1, sizeof(*pos));
	char **named = calloc((size_t)argc + 1, sizeof(*named));
	if (!pos || !named) {
		free(pos);
		free(named);
		return -1;
	}
	int np = 0, nn = 0;
	bool sep_seen = false;
	if (nafter > argc)
		nafter = argc;
	for (int i = 0; i < argc; i++) {
		bool after = nafter >= 0 && i >= argc - nafter;
		/* the separator itself, wherever getopt's permutation left it (if it did) */
		if (!after && nafter >= 0 && !sep_seen && strcmp(argv[i], "--") == 0) {
			sep_seen = true;
			continue;
		}
		if (after && strncmp(argv[i], "--", 2) == 0)
			named[nn++] = argv[i] + 2;
		else
			pos[np++] = argv[i];
	}
	o->pos = pos;
	o->npos = np;
	o->named = named;
	o->nnamed = nn;
	*pos_out = pos;
	*named_out = named;
	return 0;
}

/* The named parameter `name` from the command line: its value after '=', "" for a
 * bare `--name` (has_value false), or NULL when it was not given. */
static const char *named_value(const struct sema_opts *o, const char *name, bool *has_value)
{
	size_t len = strlen(name);
	const char *found = NULL;
	for (int i = 0; i < o->nnamed; i++) {
		const char *w = o->named[i];
		if (strncmp(w, name, len) != 0 || (w[len] != '\0' && w[len] != '='))
			continue;
		*has_value = w[len] == '=';
		found = w[len] == '=' ? w + len + 1 : w + len; /* the last one given wins */
	}
	return found;
}

struct used_opt {
	char *name;
	int kind;               /* the default's kind: AST_INT, AST_STR or AST_BOOL */
	char text[256];         /* the default as text, for "same default" and the message */
	char *desc;             /* getopt()'s description, NULL without one */
};

struct getopt_ctx {
	struct sema *s;
	struct used_opt *used;
	int nused, cap;
};

static bool literal_int(const struct node *v, int64_t *out)
{
	if (v->kind == AST_INT) {
		*out = v->ival;
		return true;
	}
	if (v->kind == AST_UNOP && v->op == OP_NEG && v->a && v->a->kind == AST_INT) {
		*out = -v->a->ival;
		return true;
	}
	return false;
}

static void default_text(const struct node *d, char *buf, size_t len)
{
	int64_t v;
	if (!d)
		snprintf(buf, len, "false");
	else if (d->kind == AST_BOOL)
		snprintf(buf, len, "%s", d->ival ? "true" : "false");
	else if (literal_int(d, &v))
		snprintf(buf, len, "%" PRId64, v);
	else
		snprintf(buf, len, "%.200s", d->str ? d->str : "");
}

static int default_kind(const struct node *d)
{
	int64_t v;
	if (!d)
		return AST_BOOL;
	return literal_int(d, &v) ? AST_INT : (int)d->kind;
}

/* getopt("x") and getopt("x", false) are the same default */
static bool same_default(const struct used_opt *u, const struct node *d)
{
	char x[256];
	default_text(d, x, sizeof(x));
	return u->kind == default_kind(d) && strcmp(u->text, x) == 0;
}

/* A getopt() whose error was reported: a node sema types as "already reported" (an
 * unexpandable macro call's form), so no "Unknown function" follows. */
static void failed(struct node *n)
{
	ast_free_list(n->list);
	n->list = NULL;
	free(n->str);
	n->str = NULL;
	n->kind = AST_BLOCKEXPR;
	n->ival = -1;
}

/* Remember the option getopt() call n names (once per name; its default must be the
 * same everywhere). false after an error. */
static bool note_opt(struct getopt_ctx *g, struct node *n, const struct node *name,
		     const struct node *def, const struct node *desc)
{
	struct sema *s = g->s;
	for (int i = 0; i < g->nused; i++) {
		struct used_opt *u = &g->used[i];
		if (strcmp(u->name, name->str) != 0)
			continue;
		if (!same_default(u, def)) {
			diag_error(s->d, n->loc, "Command line option '%s' needs to have the same "
						 "default value in all places it is used. Previous "
						 "default value: %s", name->str, u->text);
			return false;
		}
		if (desc && !u->desc) /* the first description given describes it */
			u->desc = strdup(desc->str);
		return true;
	}
	if (g->nused == g->cap) {
		int cap = g->cap ? g->cap * 2 : 8;
		struct used_opt *u = realloc(g->used, sizeof(*u) * (size_t)cap);
		if (!u) {
			s->oom = true;
			return false;
		}
		g->used = u;
		g->cap = cap;
	}
	struct used_opt *u = &g->used[g->nused];
	u->name = strdup(name->str);
	if (!u->name) {
		s->oom = true;
		return false;
	}
	u->kind = default_kind(def);
	default_text(def, u->text, sizeof(u->text));
	u->desc = desc ? strdup(desc->str) : NULL;
	g->nused++;
	return true;
}

/* Turn the getopt() call n into the literal of its value. */
static void rewrite(struct getopt_ctx *g, struct node *n)
{
	struct sema *s = g->s;
	struct node *name = n->list, *def = name ? name->next : NULL;
	struct node *desc = def ? def->next : NULL;
	int nargs = ast_list_len(n->list);
	if (nargs < 1 || nargs > 3) {
		diag_error(s->d, n->loc, "The 'getopt' function can take a maximum of three "
					 "arguments and a minimum of one argument.");
		failed(n);
		return;
	}
	if (name->kind != AST_STR) {
		diag_error(s->d, name->loc, "First argument to 'getopt' must be a string literal.");
		failed(n);
		return;
	}
	int64_t iv = 0;
	if (def && def->kind != AST_STR && def->kind != AST_BOOL && !literal_int(def, &iv)) {
		diag_error(s->d, def->loc, "Second argument to 'getopt' must be a string literal, "
					   "integer literal, or a boolean literal.");
		failed(n);
		return;
	}
	if (desc && desc->kind != AST_STR) {
		diag_error(s->d, desc->loc, "Function 'getopt' requires the third parameter to be "
					    "a string literal.");
		failed(n);
		return;
	}
	if (!note_opt(g, n, name, def, desc)) {
		failed(n);
		return;
	}

	bool has_value = false;
	const char *val = named_value(s->opts, name->str, &has_value);
	struct node out = { 0 };
	if (!def || def->kind == AST_BOOL) {
		out.kind = AST_BOOL;
		out.ival = def ? def->ival : 0;
		if (val && !has_value)
			out.ival = 1;
		else if (val && (!strcmp(val, "true") || !strcmp(val, "1")))
			out.ival = 1;
		else if (val && (!strcmp(val, "false") || !strcmp(val, "0")))
			out.ival = 0;
		else if (val)
			diag_error_noloc(s->d, "program command line option --%s expects a boolean "
					       "(e.g. 'true') (value: %s)", name->str, val);
	} else if (def->kind == AST_STR) {
		out.kind = AST_STR;
		if (val && !has_value)
			diag_error_noloc(s->d, "program command line option --%s expects a string "
					       "(value: true)", name->str);
		out.str = strdup(val && has_value ? val : def->str);
		out.slen = val && has_value ? (uint32_t)strlen(val) : def->slen;
		if (!out.str) {
			s->oom = true;
			return;
		}
	} else {
		out.kind = AST_INT;
		out.ival = iv;
		if (val && !has_value) {
			diag_error_noloc(s->d, "program command line option --%s expects an integer "
					       "(value: true)", name->str);
		} else if (val) {
			char *end;
			errno = 0;
			long long x = strtoll(val, &end, 0);
			if (!*val || *end || errno == ERANGE)
				diag_error_noloc(s->d, "program command line option --%s expects an "
						       "integer (value: %s)", name->str, val);
			else
				out.ival = x;
		}
	}
	/* the call node becomes the literal (its loc and sibling link stay) */
	ast_free_list(n->list);
	n->list = NULL;
	free(n->str);
	n->kind = out.kind;
	n->str = out.str;
	n->slen = out.slen;
	n->ival = out.ival;
	n->sym = -1;
}

static int visit(struct node *n, void *arg)
{
	if (n->kind == AST_CALL && n->str && strcmp(n->str, "getopt") == 0)
		rewrite(arg, n);
	return 0;
}

bool sema_wants_opts_help(const struct sema_opts *o)
{
	for (int i = 0; i < o->nnamed; i++)
		if (strcmp(o->named[i], "help") == 0)
			return true;
	return false;
}

/* The options in the result, for `-- --help`: names, defaults, descriptions. */
static void keep_opts(struct sema *s, const struct getopt_ctx *g)
{
	struct sema_result *r = s->r;
	r->opts_help = sema_wants_opts_help(s->opts);
	if (!g->nused)
		return;
	r->opts = calloc((size_t)g->nused, sizeof(*r->opts));
	if (!r->opts) {
		s->oom = true;
		return;
	}
	for (int i = 0; i < g->nused; i++) {
		struct getopt_opt *o = &r->opts[r->nopts++];
		o->name = g->used[i].name;
		o->def = strdup(g->used[i].text);
		o->desc = g->used[i].desc;
		if (!o->def)
			s->oom = true;
	}
}

void sema_getopt(struct sema *s, struct node *prog)
{
	struct getopt_ctx g = { .s = s };
	for (struct node *p = prog->list; p; p = p->next)
		if (p->kind == AST_PROBE)
			ast_walk(p, visit, NULL, &g);
	/* named parameters no getopt() asks for: bpftrace's error and its list (a bare
	 * --help asks for the list itself, main.c prints it) */
	char bad[512];
	size_t used = 0;
	bad[0] = '\0';
	for (int i = 0; i < s->opts->nnamed; i++) {
		const char *w = s->opts->named[i];
		size_t len = strcspn(w, "=");
		if (strcmp(w, "help") == 0)
			continue;
		bool known = false;
		for (int j = 0; j < g.nused && !known; j++)
			known = strlen(g.used[j].name) == len && strncmp(g.used[j].name, w, len) == 0;
		if (!known && used < sizeof(bad))
			used += (size_t)snprintf(bad + used, sizeof(bad) - used, "%s--%.*s",
						 used ? ", " : "", (int)(len > 64 ? 64 : len), w);
	}
	if (used)
		diag_error_noloc(s->d, "unexpected program command line options: %s", bad);
	keep_opts(s, &g); /* the result owns the names and descriptions from here */
	if (!s->r->opts)
		for (int i = 0; i < g.nused; i++) {
			free(g.used[i].name);
			free(g.used[i].desc);
		}
	free(g.used);
}
