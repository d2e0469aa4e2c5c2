/*
 * sema/kfunc_args.c — `args` in kprobes: `kprobe:vfs_read { @[args.count] = count(); }`,
 * and in uprobes from the binary's DWARF (sema/dwarf_args.c).
 *
 * Owns: kfunc_param() (a parameter of a kernel function by name, from its BTF FUNC_PROTO)
 * and the type of `args.NAME` / `args->NAME` in a kprobe action, merged over every point of
 * the probe as tracepoint fields are (wildcards). Pointer parameters are typed like casts
 * ("struct file *"), so `args.file->f_inode` works.
 * Must not: load BTF for scripts that do not use kprobe `args`, or emit code (codegen reads
 * the argument through emit_probe.c, from pt_regs or the fentry context).
 */
#include "kfunc.h"

#include <stdio.h>
#include <string.h>

#include <bpf/btf.h>

#include "dwarf_args.h"
#include "btf.h"
#include "sema_int.h"

/* Parameter `name` of proto (from index skip on, numbered from there): its index and type,
 * or -1 with the sentence listing what `what` has. */
static int proto_param(struct ctypes *reg, const struct btf *btf, const struct btf_type *proto,
		       int skip, const char *what, const char *name, const struct ctype **type,
		       char *err, size_t errlen)
{
	const struct btf_param *pa = btf_params(proto);
	int n = btf_vlen(proto);
	for (int i = skip; i < n; i++) {
		const char *pn = btf__name_by_offset(btf, pa[i].name_off);
		if (pa[i].type && pn && strcmp(pn, name) == 0) {
			*type = btf_ctype(reg, pa[i].type);
			return *type ? i - skip : -1;
		}
	}
	size_t used = (size_t)snprintf(err, errlen, "%s has no parameter named '%s'", what, name);
	for (int i = skip, k = 0; i < n && used < errlen; i++) {
		const char *pn = btf__name_by_offset(btf, pa[i].name_off);
		if (!pa[i].type || !pn || !*pn)
			continue;
		used += (size_t)snprintf(err + used, errlen - used, "%s%s", k++ ? ", " : "; it has: ",
					 pn);
	}
	if (n <= skip && used < errlen)
		snprintf(err + used, errlen - used, "; it takes no arguments");
	return -1;
}

int kfunc_param(struct ctypes *reg, const char *func, const char *name,
		const struct ctype **type, char *err, size_t errlen)
{
	const struct btf *btf = btf_handle(reg, err, errlen);
	if (!btf)
		return -1;
	int id = btf__find_by_name_kind(btf, func, BTF_KIND_FUNC);
	const struct btf_type *fn = id > 0 ? btf__type_by_id(btf, (uint32_t)id) : NULL;
	const struct btf_type *proto = fn ? btf__type_by_id(btf, fn->type) : NULL;
	if (!proto || !btf_is_func_proto(proto)) {
		snprintf(err, errlen, "the kernel's BTF does not describe %s, so its arguments have "
			 "no names or types: use arg0, arg1, ...", func);
		return -1;
	}
	return proto_param(reg, btf, proto, 0, func, name, type, err, errlen);
}

static int rawtp_param(struct ctypes *reg, const char *event, const char *name,
		       const struct ctype **type, char *err, size_t errlen)
{
	const struct btf *btf = btf_handle(reg, err, errlen);
	if (!btf)
		return -1;
	static const char *const prefixes[] = { "__probestub_", "__traceiter_" };
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		char fname[256];
		snprintf(fname, sizeof(fname), "%s%s", prefixes[i], event);
		int id = btf__find_by_name_kind(btf, fname, BTF_KIND_FUNC);
		const struct btf_type *fn = id > 0 ? btf__type_by_id(btf, (uint32_t)id) : NULL;
		const struct btf_type *proto = fn ? btf__type_by_id(btf, fn->type) : NULL;
		if (proto && btf_is_func_proto(proto))
			return proto_param(reg, btf, proto, 1, event, name, type, err, errlen);
	}
	snprintf(err, errlen, "the kernel's BTF does not name the arguments of raw tracepoint %s "
		 "(no __probestub_%s or __traceiter_%s): use arg0, arg1, ...", event, event, event);
	return -1;
}

int point_param(struct ctypes *reg, const struct probe_point *pt, const char *name,
		const struct ctype **type, char *err, size_t errlen)
{
	if (provider_of(pt)->caps & PV_CTX_U64)
		return rawtp_param(reg, pt->func, name, type, err, errlen);
	if (provider_of(pt)->caps & PV_ARGS_DWARF) /* uprobes: the binary's DWARF */
		return dwarf_param(reg, pt->target, pt->func, name, type, err, errlen);
	return kfunc_param(reg, pt->func, name, type, err, errlen);
}

void sema_kprobe_field(struct sema *s, struct node *n)
{
	const struct sema_result *r = s->r;
	struct type t = type_none();
	bool first = true;
	char err[512];
	uint32_t caps_seen = 0;
	if (s->probes[s->probe].attach_failed)
		return;
	for (int i = 0; i < r->npoints; i++) {
		const struct probe_point *pt = &r->points[i];
		if (pt->probe != s->probe)
			continue;
		uint32_t caps = provider_of(pt)->caps;
		if (!(caps & (PV_ARGS_BTF | PV_ARGS_DWARF))) {
			diag_error(s->d, n->loc, "args cannot be used in an action shared by %s and "
				   "%s probes", (caps_seen & PV_ARGS_DWARF) ? "uprobe" : "kprobe",
				   sema_probe_word(provider_of_kind(pt)));
			return;
		}
		caps_seen |= caps;
		const struct ctype *ct = NULL;
		if (point_param(sema_ctypes(s), pt, n->str, &ct, err, sizeof(err)) < 0) {
			diag_error(s->d, n->loc, "%s: %s", pt->name, err);
			return;
		}
		/* a uprobe's pointers point into the traced process */
		struct type ft = ctype_value_type(ct, (caps & PV_USER) != 0, err, sizeof(err));
		if (ft.kind == TY_NONE || ft.kind == TY_RECORD) {
			diag_error(s->d, n->loc, "%s: argument '%s' cannot be read: %s", pt->name,
				   n->str, ft.kind == TY_NONE ? err : "it is passed by value as a "
				   "struct, union or array, which BPF programs cannot read from "
				   "registers");
			return;
		}
		if (first) {
			t = ft;
			first = false;
		} else if (ft.kind != t.kind || ft.ct != t.ct) {
			if (ft.kind == TY_INT && t.kind == TY_INT && !ft.ct && !t.ct) {
				t = type_int(8, t.is_signed);
			} else {
				diag_error(s->d, n->loc, "argument '%s' has a different type in %s than "
					   "in the other probes of this action", n->str, pt->name);
				return;
			}
		}
	}
	n->type = t;
	n->off = 0; /* codegen finds the argument again for each point */
}

bool sema_kretfunc_only(struct sema *s)
{
	bool any = false;
	for (int i = 0; i < s->r->npoints; i++) {
		const struct probe_point *pt = &s->r->points[i];
		if (pt->probe != s->probe)
			continue;
		uint32_t caps = provider_of(pt)->caps; /* kretfunc: fexit has the arguments too */
		if ((caps & (PV_RETVAL | PV_ARGS_BTF)) != (PV_RETVAL | PV_ARGS_BTF))
			return false;
		any = true;
	}
	return any;
}

void sema_kretfunc_retval(struct sema *s, struct node *n)
{
	if (!sema_kretfunc_only(s))
		return;
	const struct btf *btf = NULL;
	struct type t = type_none();
	char err[320];
	for (int i = 0; i < s->r->npoints; i++) {
		const struct probe_point *pt = &s->r->points[i];
		if (pt->probe != s->probe)
			continue;
		if (!btf && !(btf = btf_handle(sema_ctypes(s), err, sizeof(err))))
			return;
		int id = btf__find_by_name_kind(btf, pt->func, BTF_KIND_FUNC);
		const struct btf_type *fn = id > 0 ? btf__type_by_id(btf, (uint32_t)id) : NULL;
		const struct btf_type *proto = fn ? btf__type_by_id(btf, fn->type) : NULL;
		if (!proto || !btf_is_func_proto(proto) || !proto->type)
			return; /* not described, or void: the plain 64-bit value */
		const struct ctype *ct = btf_ctype(sema_ctypes(s), proto->type);
		struct type ft = ct ? ctype_value_type(ct, false, err, sizeof(err)) : type_none();
		if (ft.kind != TY_INT)
			return;
		if (t.kind == TY_NONE)
			t = ft;
		else if (ft.ct != t.ct || ft.size != t.size || ft.is_signed != t.is_signed)
			return; /* the matches disagree: the plain 64-bit value */
	}
	if (t.kind == TY_INT)
		n->type = t;
}
