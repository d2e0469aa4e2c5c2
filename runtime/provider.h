/*
 * runtime/provider.h — the runtime's probe kinds: the registry of rows (one per kind, each
 * defined at the end of its runtime/probe_KIND.c) that the driver hands to sema, and what
 * the kinds' files share.
 *
 * Owns: the registry (rt_probes, providers[]), the row declarations, lookups over the
 * runtime's own registry, the kprobe rows' shared expansion and listing, and the `-l`
 * line list the list hooks fill. The interface itself (struct provider, struct
 * probe_point, the capability bits) is sema/probe.h's, so sema needs no runtime header.
 * Must not: load or attach anything (runtime/attach.c does that).
 */
#ifndef BPFSCRIPT_PROVIDER_H
#define BPFSCRIPT_PROVIDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/diag.h"
#include "../sema/probe.h"
#include "tracefs.h"

/* Lines for `-l`: a provider's list hook adds "kind:...:name" lines (ownership passes). */
void probe_list_add(struct probe_list *l, char *line);
bool probe_list_oom(const struct probe_list *l);

/* The registry (runtime/provider.c): every probe kind, one row each, in `-l` order; the
 * driver hands rt_probes to sema (sema_opts.probes) and to `-l` (probe_env.probes). */
extern const struct provider *const providers[];
extern const size_t nproviders;
extern const struct probe_registry rt_probes;

/* The rows, each defined at the end of its kind's file. */
extern const struct provider provider_begin, provider_end;               /* probe_special.c */
extern const struct provider provider_tracepoint;                         /* probe_tracepoint.c */
extern const struct provider provider_kprobe, provider_kretprobe;         /* probe_kprobe.c */
extern const struct provider provider_kfunc, provider_kretfunc;           /* probe_fentry.c */
extern const struct provider provider_uprobe, provider_uretprobe;         /* probe_uprobe.c */
extern const struct provider provider_profile, provider_interval;         /* probe_timer.c */
extern const struct provider provider_software;                           /* probe_software.c */
extern const struct provider provider_hardware;                           /* probe_hardware.c */
extern const struct provider provider_rawtracepoint;                      /* probe_rawtracepoint.c */
extern const struct provider provider_self;                               /* probe_self.c */
extern const struct provider provider_usdt;                               /* probe_usdt.c */
extern const struct provider provider_watchpoint, provider_asyncwatchpoint; /* probe_watchpoint.c */
extern const struct provider provider_iter;                               /* probe_iter.c */
extern const struct provider provider_test, provider_bench;               /* probe_test.c */

/* Lookups in rt_probes (sema/probe.h has them for any registry). */
const struct provider *provider_find(const char *prefix, size_t len);
const struct provider *provider_for_kind(enum probe_kind kind);
/* kprobe rows (runtime/probe_kprobe.c): expansion against the traceable kernel functions
 * (shared with the kfunc rows). */
int kprobe_expand(const struct provider *p, const struct probe_env *env, const char *text,
		  struct probe_point **pts, int *n, char *err, size_t errlen);
/* -l for the kprobe and kfunc rows: traceable functions (BTF's without kprobes). */
int kprobe_list(const struct provider *pv, const struct probe_env *env, const char *func_glob,
		const char *full_glob, bool verbose, struct probe_list *out);

#endif
