/*
 * sema/config.c — `config = { max_strlen = 128; max_map_keys = 4096; ... }`, current
 * bpftrace's settings block.
 *
 * Owns: reading the block's keys and values (integers, true/false, words) into struct
 * config_values, and one located error for an unknown key, a wrong value or a block not
 * called `config`. Keys that tune something bpfscript does not have (perf ring pages,
 * log sizes, demangling) are accepted and change nothing; README "config" lists them.
 * Must not: apply the values (main.c does, after the BPFTRACE_* environment, which takes
 * precedence as in bpftrace).
 */
#include "config.h"

#include <string.h>
#include <strings.h>

static const char *const no_effect[] = {
	"log_size", "perf_rb_pages", "max_bpf_progs", "max_type_res_iterations", "cpp_demangle",
	"lazy_symbolication", "symbol_source", "on_stack_limit", "license", "show_debug_info",
	"unstable_macro", "unstable_map_decl", "unstable_import", "unstable_tseries",
	"unstable_addr", "str_trunc_trailer", "use_blazesym", "cache_user_symbols",
	"unstable_import_statement", "unstable_typeinfo",
	/* used (below), listed so that config_other reports the block's value too */
	"missing_probes",
};

#define NO_EFFECT_N (sizeof(no_effect) / sizeof(no_effect[0]))
_Static_assert(NO_EFFECT_N <= sizeof(((struct config_values *)0)->other) /
			       sizeof(((struct config_values *)0)->other[0]),
	       "config_values.other holds every ignored key");

const struct node *config_other(const struct config_values *cv, const char *key)
{
	for (size_t i = 0; i < NO_EFFECT_N; i++)
		if (!strcmp(key, no_effect[i]))
			return cv->other[i];
	return NULL;
}

int config_stack_mode(const char *word)
{
	if (!strcmp(word, "bpftrace"))
		return 0;
	if (!strcmp(word, "perf"))
		return SUB_STACK_PERF;
	if (!strcmp(word, "raw"))
		return SUB_STACK_RAW;
	if (!strcmp(word, "build_id"))
		return SUB_STACK_BUILD_ID;
	return -1;
}

/* An integer value (INT, or -INT), or true/false. */
static bool int_value(const struct node *v, int64_t *out)
{
	if (v->kind == AST_INT) {
		*out = v->ival;
		return true;
	}
	if (v->kind == AST_UNOP && v->op == OP_NEG && v->a && v->a->kind == AST_INT) {
		*out = -v->a->ival;
		return true;
	}
	if (v->kind == AST_BOOL) {
		*out = v->ival;
		return true;
	}
	if (v->kind == AST_IDENT && v->str && (!strcmp(v->str, "true") || !strcmp(v->str, "false"))) {
		*out = !strcmp(v->str, "true");
		return true;
	}
	return false;
}

static bool set_u32(struct diag *d, const struct node *it, int64_t lo, int64_t hi, uint32_t *out,
		    bool *set)
{
	int64_t v;
	if (!int_value(it->b, &v) || v < lo || v > hi) {
		diag_error(d, it->b->loc, "config %s must be a number from %lld to %lld",
			   it->a->str, (long long)lo, (long long)hi);
		return false;
	}
	*out = (uint32_t)v;
	*set = true;
	return true;
}

/* The keys current bpftrace renamed, by their new names (its RENAMED table) */
static const char *canonical_key(const char *k)
{
	static const char *const renamed[][2] = {
		{ "strlen", "max_strlen" },
		{ "no_cpp_demangle", "cpp_demangle" },
		{ "cat_bytes_max", "max_cat_bytes" },
		{ "map_keys_max", "max_map_keys" },
	};
	for (size_t i = 0; i < sizeof(renamed) / sizeof(renamed[0]); i++)
		if (!strcmp(k, renamed[i][0]))
			return renamed[i][1];
	return k;
}

/* The accepted keys whose value is one of a few words (bpftrace's parsers of those keys):
 * a word or string outside the list, or another kind of value, is an error. true when k is
 * not such a key or its value is fine. */
static bool check_word_value(struct diag *d, const char *k, const struct node *v)
{
	static const struct {
		const char *key, *words[4], *wording;
	} words[] = {
		{ "cache_user_symbols", { "PER_PROGRAM", "PER_PID", "NONE" },
		  "Invalid value for cache_user_symbols: valid values are PER_PID, PER_PROGRAM, "
		  "and NONE." },
		{ "unstable_import_statement", { "enable", "warn", "error" },
		  "Invalid value for unstable config: valid values are enable, warn, and error." },
		{ "unstable_typeinfo", { "enable", "warn", "error" },
		  "Invalid value for unstable config: valid values are enable, warn, and error." },
		{ "unstable_tseries", { "enable", "warn", "error" },
		  "Invalid value for unstable config: valid values are enable, warn, and error." },
	};
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (strcmp(k, words[i].key))
			continue;
		const char *w = v && (v->kind == AST_IDENT || v->kind == AST_STR) ? v->str : "";
		int64_t b;
		if (strncmp(k, "unstable_", 9) == 0 && int_value(v, &b) && (b == 0 || b == 1))
			return true; /* true/false: enable/error */
		for (int j = 0; j < 4 && words[i].words[j]; j++)
			if (!strcasecmp(w, words[i].words[j]))
				return true;
		diag_error(d, v->loc, "%s", words[i].wording);
		return false;
	}
	return true;
}

int config_read(const struct node *prog, struct diag *d, struct config_values *out)
{
	memset(out, 0, sizeof(*out));
	int before = diag_count(d);
	for (const struct node *c = prog ? prog->list : NULL; c; c = c->next) {
		if (c->kind != AST_CONFIG)
			continue;
		if (!c->str || strcmp(c->str, "config") != 0) {
			diag_error(d, c->loc, "a settings block is written config = { key = value; "
					      "... }, not '%s = { ... }'", c->str ? c->str : "");
			continue;
		}
		for (const struct node *it = c->list; it; it = it->next) {
			const char *k = canonical_key(it->a && it->a->str ? it->a->str : "");
			int64_t v;
			if (!check_word_value(d, k, it->b))
				continue;
			if (!strcmp(k, "max_strlen")) {
				set_u32(d, it, 1, 200, &out->max_strlen, &out->has_max_strlen);
			} else if (!strcmp(k, "max_map_keys")) {
				set_u32(d, it, 1, 1 << 24, &out->max_map_keys, &out->has_max_map_keys);
			} else if (!strcmp(k, "max_probes")) {
				set_u32(d, it, 1, 1 << 20, &out->max_probes, &out->has_max_probes);
			} else if (!strcmp(k, "max_cat_bytes")) {
				set_u32(d, it, 1, 1 << 20, &out->max_cat_bytes, &out->has_max_cat_bytes);
			} else if (!strcmp(k, "stack_mode")) {
				int m = it->b->kind == AST_IDENT || it->b->kind == AST_STR
						? config_stack_mode(it->b->str) : -1;
				if (m < 0) {
					diag_error(d, it->b->loc, "config stack_mode must be bpftrace, "
								  "perf, raw or build_id");
				} else {
					out->stack_mode = (uint32_t)m;
					out->has_stack_mode = true;
				}
			} else if (!strcmp(k, "missing_probes")) {
				/* error | warn | ignore, as a word or a string */
				const char *w = it->b && (it->b->kind == AST_IDENT ||
							  it->b->kind == AST_STR) ? it->b->str : "";
				if (!strcmp(w, "error"))
					out->missing_probes = 0;
				else if (!strcmp(w, "warn"))
					out->missing_probes = 1;
				else if (!strcmp(w, "ignore"))
					out->missing_probes = 2;
				else
					diag_error(d, it->b->loc, "config missing_probes must be error, "
								  "warn or ignore");
				for (size_t i = 0; i < NO_EFFECT_N; i++)
					if (!strcmp(k, no_effect[i]))
						out->other[i] = it->b;
			} else if (!strcmp(k, "unstable_dw_ustack")) {
				/* as bpftrace: a word, or true (enable) / false (error) */
				const char *w = it->b->kind == AST_IDENT || it->b->kind == AST_STR
							? it->b->str : "";
				int64_t b;
				if (!strcmp(w, "warn"))
					out->unstable_dw_ustack = 0;
				else if (!strcmp(w, "enable"))
					out->unstable_dw_ustack = 1;
				else if (!strcmp(w, "error"))
					out->unstable_dw_ustack = 2;
				else if (int_value(it->b, &b) && (b == 0 || b == 1))
					out->unstable_dw_ustack = b ? 1 : 2;
				else
					diag_error(d, it->b->loc, "Invalid value for unstable config: "
								  "valid values are enable, warn, and "
								  "error.");
			} else if (!strcmp(k, "print_maps_on_exit")) {
				if (!int_value(it->b, &v) || (v != 0 && v != 1))
					diag_error(d, it->b->loc, "config print_maps_on_exit must be "
								  "true or false");
				else
					out->no_print_maps = v == 0;
			} else {
				bool known = false;
				for (size_t i = 0; i < NO_EFFECT_N; i++)
					if (!strcmp(k, no_effect[i])) {
						known = true;
						out->other[i] = it->b;
					}
				if (!known)
					diag_error(d, it->a->loc, "unknown config key '%s' (bpfscript "
								  "knows max_strlen, max_map_keys, "
								  "max_probes, max_cat_bytes, "
								  "stack_mode, print_maps_on_exit, "
								  "missing_probes, unstable_dw_ustack; "
								  "accepted without effect: log_size, "
								  "perf_rb_pages, license, cpp_demangle, "
								  "cache_user_symbols ...)", k);
			}
		}
	}
	return diag_count(d) > before ? -1 : 0;
}
