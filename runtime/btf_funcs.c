/*
 * runtime/btf_funcs.c — the minimal BTF the kernel demands from programs with callbacks.
 *
 * Owns: building one small BTF blob (an int, a void pointer, two function prototypes and
 * two FUNCs: the global entry `bpfscript_probe(ctx)` and the static callback
 * `bpfscript_for_each(map, key, value, ctx)`), loading it once per session, and the
 * per-program func_info arrays ({insn_off, type_id} per subprogram) that point into it.
 * The verifier refuses a BPF_PSEUDO_FUNC callback address without func_info, and requires
 * the callback's FUNC to have static linkage.
 * Must not: be used for programs without callbacks (their load stays BTF-free: start-up
 * time), or describe anything beyond function boundaries (no line info, no types).
 */
#include "runtime_internal.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The two FUNC type ids, or a negative error. */
static int build(struct btf *btf, int *entry_id, int *cb_id)
{
	int lng = btf__add_int(btf, "long", 8, BTF_INT_SIGNED);
	int vptr = lng > 0 ? btf__add_ptr(btf, 0) : lng;
	if (vptr < 0)
		return vptr;
	int proto = btf__add_func_proto(btf, lng);
	if (proto < 0 || btf__add_func_param(btf, "ctx", vptr) < 0)
		return -EINVAL;
	*entry_id = btf__add_func(btf, "bpfscript_probe", BTF_FUNC_GLOBAL, proto);
	if (*entry_id < 0)
		return *entry_id;
	static const char *const params[] = { "map", "key", "value", "ctx" };
	proto = btf__add_func_proto(btf, lng);
	if (proto < 0)
		return proto;
	for (int i = 0; i < 4; i++)
		if (btf__add_func_param(btf, params[i], vptr) < 0)
			return -EINVAL;
	*cb_id = btf__add_func(btf, "bpfscript_for_each", BTF_FUNC_STATIC, proto);
	return *cb_id < 0 ? *cb_id : 0;
}

int rt_func_btf_load(const struct cg_result *cg, struct rt_func_btf *out, struct diag *d)
{
	memset(out, 0, sizeof(*out));
	out->fd = -1;
	bool needed = false;
	for (int i = 0; i < cg->nprogs; i++)
		needed |= cg->progs[i].nfuncs > 0;
	if (!needed)
		return 0;
	out->info = calloc((size_t)cg->nprogs, sizeof(*out->info));
	if (!out->info) {
		diag_error_noloc(d, "out of memory");
		return -ENOMEM;
	}
	struct btf *btf = btf__new_empty();
	int entry_id = 0, cb_id = 0;
	int err = btf ? build(btf, &entry_id, &cb_id) : -ENOMEM;
	if (!err)
		err = btf__load_into_kernel(btf);
	if (err) {
		diag_error_noloc(d, "the kernel refused the BTF function information that for "
				    "loops and len() need: %s", strerror(err < 0 ? -err : err));
		btf__free(btf);
		rt_func_btf_free(out, cg->nprogs);
		return err < 0 ? err : -err;
	}
	/* the fd outlives the btf object: programs keep their own reference once loaded */
	out->fd = dup(btf__fd(btf));
	btf__free(btf);
	if (out->fd < 0) {
		err = -errno;
		diag_error_noloc(d, "cannot keep the BTF function information: %s", strerror(-err));
		rt_func_btf_free(out, cg->nprogs);
		return err;
	}
	for (int i = 0; i < cg->nprogs; i++) {
		const struct cg_prog *p = &cg->progs[i];
		if (!p->nfuncs)
			continue;
		out->info[i] = calloc((size_t)p->nfuncs, sizeof(**out->info));
		if (!out->info[i]) {
			diag_error_noloc(d, "out of memory");
			rt_func_btf_free(out, cg->nprogs);
			return -ENOMEM;
		}
		for (int f = 0; f < p->nfuncs; f++) {
			out->info[i][f].insn_off = p->funcs[f].insn_off;
			out->info[i][f].type_id = (uint32_t)(p->funcs[f].is_callback ? cb_id
										: entry_id);
		}
	}
	return 0;
}

void rt_func_btf_free(struct rt_func_btf *b, int nprogs)
{
	if (b->info)
		for (int i = 0; i < nprogs; i++)
			free(b->info[i]);
	free(b->info);
	if (b->fd >= 0)
		close(b->fd);
	b->info = NULL;
	b->fd = -1;
}
