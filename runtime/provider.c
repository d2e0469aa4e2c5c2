/*
 * runtime/provider.c — the registry of the runtime's probe kinds.
 *
 * Owns: the one list of rows (each kind's names, aliases, program type, capabilities and
 * hooks live at the end of its runtime/probe_KIND.c), in `-l` order, as the struct
 * probe_registry the driver hands to sema; lookups over it for the runtime's own use.
 * Must not: load or attach anything (runtime/attach.c does), or print.
 */
#include "provider.h"

/* ---- the registry ------------------------------------------------------------------------ */

/* One row per probe kind, each defined in its kind's file; adding a kind is one file and
 * one line here. `-l` lists in this order; provider_for_kind() returns the first row of
 * a kind, so the kprobe rows come before the kfunc rows that share their kinds. */
const struct provider *const providers[] = {
	&provider_begin,    &provider_end,       &provider_tracepoint, &provider_kprobe,
	&provider_kretprobe, &provider_uprobe,   &provider_uretprobe,  &provider_profile,
	&provider_interval, &provider_software,  &provider_hardware,   &provider_rawtracepoint,
	&provider_self,     &provider_usdt,      &provider_watchpoint, &provider_asyncwatchpoint,
	&provider_iter,     &provider_kfunc,     &provider_kretfunc,
	&provider_test,     &provider_bench,
};
const size_t nproviders = sizeof(providers) / sizeof(providers[0]);

const struct probe_registry rt_probes = { providers, sizeof(providers) / sizeof(providers[0]) };

const struct provider *provider_find(const char *prefix, size_t len)
{
	return probe_registry_find(&rt_probes, prefix, len);
}

const struct provider *provider_for_kind(enum probe_kind kind)
{
	return probe_registry_kind(&rt_probes, kind);
}
