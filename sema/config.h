/*
 * sema/config.h — `config = { ... }` blocks (sema/config.c).
 */
#ifndef BPFSCRIPT_CONFIG_H
#define BPFSCRIPT_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "../common/diag.h"
#include "../parser/ast.h"

struct config_values {
	uint32_t max_strlen, max_map_keys, max_probes, max_cat_bytes;
	bool has_max_strlen, has_max_map_keys, has_max_probes, has_max_cat_bytes;
	bool no_print_maps; /* print_maps_on_exit = false */
};

/* Every config block of prog into out; 0, or -1 after located errors in d. */
int config_read(const struct node *prog, struct diag *d, struct config_values *out);

#endif
