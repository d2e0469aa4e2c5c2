/*
 * sema/config.h — `config = { ... }` blocks (sema/config.c).
 */
#ifndef BPFSCRIPT_CONFIG_H
#define BPFSCRIPT_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "../common/diag.h"
#include "../common/ast.h"

struct config_values {
	uint32_t max_strlen, max_map_keys, max_probes, max_cat_bytes;
	bool has_max_strlen, has_max_map_keys, has_max_probes, has_max_cat_bytes;
	bool no_print_maps; /* print_maps_on_exit = false */
	uint32_t stack_mode; /* stack_mode = perf|raw|build_id: a SUB_STACK_* bit, 0 bpftrace */
	bool has_stack_mode;
	/* The value nodes (in the program's tree) of the keys bpfscript accepts and ignores,
	 * by their index in config.c's list; NULL when the block does not set one. */
	const struct node *other[24];
	int missing_probes; /* 0 error, 1 warn, 2 ignore (sema_opts.missing_probes) */
	uint8_t unstable_dw_ustack; /* unstable_dw_ustack = warn (0, default), enable (1), error (2) */
};

/* The value node the config block gave a key bpfscript ignores (log_size, license ...),
 * or NULL (not set, or not such a key): what `config.KEY` reports. */
const struct node *config_other(const struct config_values *cv, const char *key);

/* "bpftrace", "perf", "raw", "build_id" → the mode's SUB_STACK_* bit (0 for bpftrace);
 * -1 for any other word (BPFTRACE_STACK_MODE is read with it too). */
int config_stack_mode(const char *word);

/* Every config block of prog into out; 0, or -1 after located errors in d. */
int config_read(const struct node *prog, struct diag *d, struct config_values *out);

#endif
