/*
 * sema/resolve.c — binding names: positional parameters, @maps and $vars; the probe's
 * capabilities builtins ask about; and the type relations the tables rely on (widening,
 * compatibility, merging).
 *
 * Owns: rewriting $1..$N / $# / str($N) into literals, the map/var id tables in
 * sema_result, and which capabilities (enum provider_cap) the current probe's points have.
 * Must not: type-check operators or calls, or type builtins (typecheck.c; builtins through
 * their rows, check_builtins.c and stdlib/builtin_*.c).
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "abi.h"
#include "sema_int.h"

/* ---- positional parameters -------------------------------------------------------- */

/* bpftrace 0.17 accepts an integer in C's notations: decimal (optionally negative),
 * 0x hex, or 0-prefixed octal (`0775` is 509). */
static bool parse_number(const char *p, int64_t *out)
{
	const char *q = p;
	if (*q == '-')
		q++;
	bool hex = q[0] == '0' && (q[1] == 'x' || q[1] == 'X');
	bool oct = !hex && q[0] == '0' && q[1];
	const char *digits = hex ? q + 2 : q;
	if (!*digits)
		return false;
	for (const char *c = digits; *c; c++)
		if (hex ? !isxdigit((unsigned char)*c)
			: oct ? (*c < '0' || *c > '7') : !isdigit((unsigned char)*c))
			return false;
	errno = 0;
	uint64_t v = strtoull(digits, NULL, hex ? 16 : oct ? 8 : 10);
	if (errno)
		return false;
	*out = p[0] == '-' ? -(int64_t)v : (int64_t)v;
	return true;
}

static const char *pos_value(const struct sema *s, int64_t n)
{
	/* A parameter that was not given reads as "" (and as 0 numerically), like bpftrace. */
	return n >= 1 && n <= s->opts->npos ? s->opts->pos[n - 1] : "";
}

static void rewrite_str(struct node *n, const char *v, uint32_t len)
{
	ast_free_list(n->list);
	n->list = NULL;
	free(n->str);
	n->kind = AST_STR;
	n->str = strndup(v, len);
	n->slen = n->str ? len : 0;
	n->sym = -1;
}

static void positional(struct sema *s, struct node *n)
{
	for (; n; n = n->next) {
		if (n->kind == AST_CALL && n->str && strcmp(n->str, "str") == 0 && n->list &&
		    n->list->kind == AST_POSPARAM && n->list->ival > 0) {
			/* str($N): the parameter is used as text, whatever it looks like. */
			const char *v = pos_value(s, n->list->ival);
			uint32_t len = (uint32_t)strlen(v);
			struct node *lim = n->list->next;
			if (lim && lim->kind == AST_INT && lim->ival >= 0 && (uint64_t)lim->ival < len)
				len = (uint32_t)lim->ival;
			rewrite_str(n, v, len);
			continue;
		}
		struct node *sum = n->kind == AST_CALL && n->str && strcmp(n->str, "str") == 0
					   ? n->list : NULL;
		if (sum && sum->kind == AST_BINOP && sum->op == OP_ADD &&
		    ((sum->a->kind == AST_POSPARAM && sum->b->kind == AST_INT) ||
		     (sum->b->kind == AST_POSPARAM && sum->a->kind == AST_INT))) {
			/* str($N + K) of a text parameter: its text from byte K on, as bpftrace
			 * treats the parameter as a string literal there */
			struct node *pp = sum->a->kind == AST_POSPARAM ? sum->a : sum->b;
			struct node *k = pp == sum->a ? sum->b : sum->a;
			const char *v = pos_value(s, pp->ival);
			int64_t dummy;
			if (pp->ival > 0 && !parse_number(v, &dummy) && k->ival >= 0 && !sum->next) {
				size_t len = strlen(v);
				if ((uint64_t)k->ival > len) {
					diag_error(s->d, k->loc, "only addition of a single constant "
						   "less or equal to the length of $%lld (which is %zu) "
						   "is allowed inside str()", (long long)pp->ival, len);
					continue;
				}
				rewrite_str(n, v + k->ival, (uint32_t)(len - (size_t)k->ival));
				continue;
			}
		}
		if (n->kind == AST_POSPARAM) {
			int64_t v = 0;
			if (n->ival == 0) {
				v = s->opts->npos;
			} else if (n->ival <= s->opts->npos) {
				const char *p = pos_value(s, n->ival);
				if (!parse_number(p, &v))
					diag_error(s->d, n->loc,
						   "$%lld used numerically but given \"%s\". Try using "
						   "str($%lld).",
						   (long long)n->ival, p, (long long)n->ival);
			}
			n->kind = AST_INT;
			n->ival = v;
			continue;
		}
		positional(s, n->a);
		positional(s, n->b);
		positional(s, n->c);
		positional(s, n->list);
	}
}

void sema_positional(struct sema *s, struct node *prog)
{
	positional(s, prog->list);
}

/* ---- tables ------------------------------------------------------------------------ */

static bool grow_flags(bool **arr, int *cap, int need)
{
	if (need <= *cap)
		return true;
	int ncap = *cap ? *cap : 16;
	while (ncap < need)
		ncap *= 2;
	bool *v = realloc(*arr, sizeof(bool) * (size_t)ncap);
	if (!v)
		return false;
	memset(v + *cap, 0, sizeof(bool) * (size_t)(ncap - *cap));
	*arr = v;
	*cap = ncap;
	return true;
}

int sema_map_id(struct sema *s, struct node *map)
{
	struct sema_result *r = s->r;
	for (int i = 0; i < r->nmaps; i++)
		if (strcmp(r->maps[i].name, map->str) == 0)
			return i;
	struct map_info *m = realloc(r->maps, sizeof(*m) * (size_t)(r->nmaps + 1));
	if (!m || !grow_flags(&s->key_known, &s->key_known_cap, r->nmaps + 1) ||
	    !grow_flags(&s->map_bad, &s->map_bad_cap, r->nmaps + 1)) {
		if (m)
			r->maps = m;
		s->oom = true;
		return -1;
	}
	r->maps = m;
	struct map_info *mi = &m[r->nmaps];
	memset(mi, 0, sizeof(*mi));
	mi->name = strdup(map->str);
	if (!mi->name) {
		s->oom = true;
		return -1;
	}
	mi->first = map->loc;
	return r->nmaps++;
}

int sema_var_id(struct sema *s, const char *name, bool create)
{
	struct sema_result *r = s->r;
	for (int i = s->nfor_vars - 1; i >= 0; i--) /* a for loop's $kv, inside its body */
		if (strcmp(s->for_vars[i].name, name) == 0)
			return s->for_vars[i].id;
	for (int i = 0; i < r->nvars; i++)
		if (r->vars[i].probe == s->probe && strcmp(r->vars[i].name, name) == 0)
			return i;
	if (!create)
		return -1;
	struct var_info *v = realloc(r->vars, sizeof(*v) * (size_t)(r->nvars + 1));
	if (!v || !grow_flags(&s->var_set, &s->var_set_cap, r->nvars + 1)) {
		if (v)
			r->vars = v;
		s->oom = true;
		return -1;
	}
	r->vars = v;
	struct var_info *vi = &v[r->nvars];
	memset(vi, 0, sizeof(*vi));
	vi->name = strdup(name);
	vi->probe = s->probe;
	if (!vi->name) {
		s->oom = true;
		return -1;
	}
	return r->nvars++;
}

/* ---- builtin identifiers ----------------------------------------------------------- */

const struct provider *sema_lacks(const struct sema *s, uint32_t any_of)
{
	const struct sema_probe *sp = &s->probes[s->probe];
	if (!sp->has_points || (sp->caps_all & any_of))
		return NULL;
	for (int i = 0; i < s->r->npoints; i++) {
		const struct probe_point *pt = &s->r->points[i];
		const struct provider *pv = provider_of_kind(pt);
		if (pt->probe == s->probe && pv && !(pv->caps & any_of))
			return pv;
	}
	return NULL;
}

const struct provider *sema_point_with(const struct sema *s, uint32_t cap)
{
	if (!(s->probes[s->probe].caps_any & cap))
		return NULL;
	for (int i = 0; i < s->r->npoints; i++) {
		const struct probe_point *pt = &s->r->points[i];
		const struct provider *pv = provider_of_kind(pt);
		if (pt->probe == s->probe && pv && (pv->caps & cap))
			return pv;
	}
	return NULL;
}

bool sema_probe_all(const struct sema *s, uint32_t caps)
{
	const struct sema_probe *sp = &s->probes[s->probe];
	return sp->has_points && (sp->caps_all & caps) == caps;
}


/* ---- type relations ---------------------------------------------------------------- */

struct type sema_widen(struct sema *s, const struct type *t)
{
	if (t->kind == TY_INT) {
		struct type w = type_int(8, t->is_signed);
		w.sub = t->sub; /* a strftime() timestamp stays one */
		w.fmt_id = t->fmt_id;
		w.ct = t->ct; /* a pointer stays one: @p + 1 moves by sizeof(*p), as in bpftrace */
		w.user = t->user;
		w.elems = t->elems; /* &$t: what it points to (SUB_VALPTR) */
		w.nelems = t->nelems;
		return w;
	}
	if (t->kind == TY_RECORD) { /* stored by value: the copy is in BPF memory */
		struct type w = *t;
		w.user = false;
		return w;
	}
	/* A tuple keeps its elements' widths, as in bpftrace 0.17: it is laid out like a C
	 * struct (abi_tuple_layout), so ((int8)1, (int16)2) stays 4 bytes in a variable or
	 * a map value. Only a struct copied by value inside it moves to BPF memory. */
	if (t->kind != TY_TUPLE)
		return *t;
	struct type el[t->nelems ? t->nelems : 1];
	bool changed = false;
	for (int i = 0; i < t->nelems; i++) {
		el[i] = t->elems[i];
		if (el[i].kind == TY_RECORD || el[i].kind == TY_TUPLE)
			el[i] = sema_widen(s, &t->elems[i]);
		changed |= !type_equal(&el[i], &t->elems[i]) || el[i].user != t->elems[i].user;
	}
	if (!changed)
		return *t;
	if (t->names)
		return type_record(&s->r->pool, el, t->names, t->nelems);
	return type_tuple(&s->r->pool, el, t->nelems);
}

/* bpftrace lets integers of any width and strings of any size share a slot. */
/* A comparison's bool and a plain integer share a slot as an integer: a comparison was
 * an integer in 0.17 (`$x = a < b; $x = 5`). */
static bool is_cmp_bool(const struct type *t)
{
	return t->kind == TY_INT && t->sub == SUB_BOOL && t->fmt_id == BOOL_NUMERIC;
}

static bool bool_int_mix(const struct type *a, const struct type *b)
{
	return a->kind == TY_INT && b->kind == TY_INT && !a->ct && !b->ct &&
	       ((is_cmp_bool(a) && b->sub == SUB_NONE) || (a->sub == SUB_NONE && is_cmp_bool(b)));
}

/* Two bools share a slot; it prints true/false when either does. */
static bool bool_pair(const struct type *a, const struct type *b)
{
	return a->kind == TY_INT && b->kind == TY_INT && a->sub == SUB_BOOL && b->sub == SUB_BOOL;
}

bool sema_compatible(const struct type *a, const struct type *b)
{
	if (bool_int_mix(a, b) || bool_pair(a, b))
		return true;
	if (a->kind != b->kind || a->sub != b->sub || a->fmt_id != b->fmt_id)
		return false;
	if (a->kind == TY_TUPLE) {
		if (a->nelems != b->nelems || !a->names != !b->names)
			return false;
		for (int i = 0; i < a->nelems; i++) {
			/* records match fields by name, in any order */
			int j = a->names ? type_field_index(b, a->names[i]) : i;
			if (j < 0 || !sema_compatible(&a->elems[i], &b->elems[j]))
				return false;
		}
		return true;
	}
	if (a->kind == TY_LHIST || a->kind == TY_HIST || a->kind == TY_TSERIES) /* same range /
		same hist(v, k) / same tseries parameters */
		return type_equal(a, b);
	if (a->kind == TY_RECORD) /* the same C type, in the same address space */
		return a->ct == b->ct && a->user == b->user;
	if (a->kind == TY_INT && a->sub == SUB_VALPTR) /* &$t: pointers to the same type */
		return type_equal(a->elems, b->elems);
	return true;
}

/* cur widened so that a compatible t fits: strings grow to the larger buffer. */
struct type sema_merge(struct sema *s, const struct type *cur, const struct type *t)
{
	if (bool_int_mix(cur, t))
		return type_int(8, cur->is_signed || t->is_signed);
	if (bool_pair(cur, t) && cur->fmt_id != t->fmt_id) {
		struct type b = *cur;
		b.fmt_id = 0;
		return b;
	}
	if (cur->kind == TY_STR) {
		struct type m = type_str(cur->size > t->size ? cur->size : t->size);
		m.sub = cur->sub; /* compatible: same sub and fmt_id (dw_ustack's mode) */
		m.fmt_id = cur->fmt_id;
		return m;
	}
	if (cur->kind == TY_INT && t->kind == TY_INT && cur->size != t->size) {
		/* tuple elements of different widths share an 8-byte one (0.17 refuses them) */
		struct type m = *cur;
		m.size = 8;
		m.is_signed = cur->is_signed || t->is_signed;
		return m;
	}
	if (cur->kind != TY_TUPLE)
		return *cur;
	struct type el[cur->nelems ? cur->nelems : 1];
	bool changed = false;
	for (int i = 0; i < cur->nelems; i++) {
		int j = cur->names ? type_field_index(t, cur->names[i]) : i;
		el[i] = j < 0 ? cur->elems[i] : sema_merge(s, &cur->elems[i], &t->elems[j]);
		changed |= !type_equal(&el[i], &cur->elems[i]);
	}
	if (!changed)
		return *cur;
	return cur->names ? type_record(&s->r->pool, el, cur->names, cur->nelems)
			  : type_tuple(&s->r->pool, el, cur->nelems);
}

/* "[uint64, string[16]]": a map's key as bpftrace lists it in argument mismatches. */
char *sema_types_list(const struct type *t, bool keyless, char *buf, size_t len)
{
	char one[256];
	if (keyless) {
		snprintf(buf, len, "[]");
	} else if (t->kind == TY_TUPLE) {
		size_t used = (size_t)snprintf(buf, len, "[");
		for (int i = 0; i < t->nelems && used < len; i++) {
			type_name(&t->elems[i], one, sizeof(one));
			used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "", one);
		}
		if (used < len)
			snprintf(buf + used, len - used, "]");
	} else {
		snprintf(buf, len, "[%s]", type_name(t, one, sizeof(one)));
	}
	return buf;
}

const char *sema_kind_word(const struct type *t)
{
	switch (t->kind) {
	case TY_INT: return "integer";
	case TY_STR: return "string";
	case TY_TUPLE: return "tuple";
	case TY_PROBE: return "probe";
	case TY_CTX: return "args";
	case TY_VOID: return "none";
	default: return "aggregation";
	}
}
