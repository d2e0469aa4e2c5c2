/*
 * runtime/probe_fentry.c — kprobe and kretprobe run as fentry/fexit programs, for kernels
 * without kprobes that accept BPF trampolines (or when BPFSCRIPT_KPROBE_ATTACH=fentry).
 *
 * Owns: the BTF lookups this needs (the run's kinfo: a point's FUNC and argument count
 * from the BTF that describes types, $BPFTRACE_BTF too; its id from the running kernel's),
 * dropping wildcard matches the BTF does not describe (and refusing a named function it
 * does not describe, or FUNC+OFFSET, which a trampoline cannot do), the per-point facts
 * the loader (attach_btf_id, expected attach type) and codegen (argument counts) need,
 * kept in the session's struct rt_fentry_plan,
 * attaching with a BPF link, and the argument lines of `-lv kprobe:FUNC`.
 * Must not: decide whether kprobes run through fentry (probe_kprobe.c does), generate
 * code, or print except the -v note about skipped functions: errors go to struct diag.
 */
#include "runtime_internal.h"
#include "../common/kinfo.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


/* The id the kernel knows func by (attach_btf_id): in its own BTF, which is kinfo_btf's
 * unless $BPFTRACE_BTF named another file. <= 0 when it has none. */
static int kernel_func_id(struct kinfo *ki, const struct btf *btf, int id, const char *func)
{
	int err;
	const struct btf *kernel = kinfo_kernel_btf(ki, &err);
	if (kernel == btf || id <= 0)
		return id;
	return kernel ? btf__find_by_name_kind(kernel, func, BTF_KIND_FUNC) : -ENOENT;
}

void rt_fentry_free(struct rt_fentry_plan *plan)
{
	free(plan->btf_id);
	free(plan->nargs);
	memset(plan, 0, sizeof(*plan));
}

static bool is_kprobe(const struct probe_point *p)
{
	return p->kind == PROBE_KPROBE || p->kind == PROBE_KRETPROBE;
}

/* Points the plan covers: every kprobe (no kprobes here, or forced), else kfunc/kretfunc. */
static bool planned(const struct probe_point *p, bool all)
{
	return is_kprobe(p) && (all || p->fentry);
}

/* The function's FUNC_PROTO argument count, or -1. */
static int func_nargs(const struct btf *btf, int id)
{
	const struct btf_type *fn = btf__type_by_id(btf, (uint32_t)id);
	const struct btf_type *proto = fn ? btf__type_by_id(btf, fn->type) : NULL;
	if (!proto || !btf_is_func_proto(proto))
		return -1;
	int n = btf_vlen(proto);
	/* a trailing "..." is a parameter with type 0 that the trampoline does not pass */
	if (n > 0 && btf_params(proto)[n - 1].type == 0)
		n--;
	return n;
}

static void point_clear(struct probe_point *p)
{
	free(p->name);
	free(p->func);
	free(p->target);
	memset(p, 0, sizeof(*p));
}

int rt_fentry_plan(struct rt_probe_state *ps, struct sema_result *sr, int verbose, bool all,
		   const char *why_fentry, struct diag *d)
{
	struct kinfo *ki = ps->kinfo;
	int n = sr->npoints;
	rt_fentry_free(&ps->fentry);
	int btf_err;
	const char *btf_path;
	struct btf *btf = kinfo_btf(ki, &btf_err, &btf_path);
	const struct probe_point *first = NULL;
	for (int i = 0; i < n && !first; i++)
		if (planned(&sr->points[i], all))
			first = &sr->points[i];
	if (!first)
		return 0;
	if (!btf) {
		diag_error_noloc(d, "%s: %s, so kprobes run as fentry programs, which need the "
				    "kernel's BTF, and %s cannot be read (%s)",
				 first->name, why_fentry, btf_path, strerror(btf_err));
		return -btf_err;
	}
	int *ids = calloc((size_t)(n ? n : 1), sizeof(int));
	int *nargs = calloc((size_t)(n ? n : 1), sizeof(int));
	int *kept = calloc((size_t)(sr->nprobes > 0 ? sr->nprobes : 1), sizeof(int));
	int *dropped = calloc((size_t)(sr->nprobes > 0 ? sr->nprobes : 1), sizeof(int));
	int err = 0;
	if (!ids || !nargs || !kept || !dropped) {
		diag_error_noloc(d, "out of memory");
		err = -ENOMEM;
		goto out;
	}
	/* First every refusal, so independent errors are reported together. */
	for (int i = 0; i < n; i++) {
		struct probe_point *p = &sr->points[i];
		nargs[i] = -1;
		if (!planned(p, all))
			continue;
		if (p->offset) {
			diag_error_noloc(d, "%s: %s, so kprobes run as fentry programs, which can "
					    "attach only at a function's entry, not at an offset",
					 p->name, why_fentry);
			err = -EOPNOTSUPP;
			continue;
		}
		int id = btf__find_by_name_kind(btf, p->func, BTF_KIND_FUNC);
		int na = id > 0 ? func_nargs(btf, id) : -1;
		if (na >= 0)
			id = kernel_func_id(ki, btf, id, p->func);
		if (id > 0 && na >= 0) {
			ids[i] = id;
			nargs[i] = na;
			if (p->probe >= 0 && p->probe < sr->nprobes)
				kept[p->probe]++;
			continue;
		}
		if (!p->wildcard) {
			diag_error_noloc(d, "%s: %s, so kprobes run as fentry programs, which need "
					    "the function in the kernel's BTF, and BTF does not "
					    "describe %s",
					 p->name, why_fentry, p->func);
			err = -ENOENT;
			continue;
		}
		if (verbose)
			fprintf(stderr, "%s: skipped: kprobes run as fentry programs here and BTF "
					"does not describe %s\n", p->name, p->func);
		if (p->probe >= 0 && p->probe < sr->nprobes)
			dropped[p->probe]++;
		ids[i] = -1;
	}
	for (int i = 0; i < n; i++) {
		const struct probe_point *p = &sr->points[i];
		if (ids[i] == -1 && p->probe >= 0 && p->probe < sr->nprobes && !kept[p->probe] &&
		    dropped[p->probe] > 0) {
			diag_error_noloc(d, "%s: %s, so kprobes run as fentry programs, and BTF "
					    "describes none of the %d function%s this wildcard "
					    "matched",
					 p->name, why_fentry, dropped[p->probe],
					 dropped[p->probe] == 1 ? "" : "s");
			dropped[p->probe] = 0; /* once per probe */
			err = -ENOENT;
		}
	}
	if (err)
		goto out;
	/* Drop the skipped matches; `probe` values are positions, so renumber. */
	int w = 0;
	for (int i = 0; i < n; i++) {
		if (ids[i] == -1) {
			point_clear(&sr->points[i]);
			continue;
		}
		if (w != i) {
			sr->points[w] = sr->points[i];
			memset(&sr->points[i], 0, sizeof(sr->points[i]));
		}
		sr->points[w].index = w;
		ids[w] = ids[i];
		nargs[w] = nargs[i];
		w++;
	}
	sr->npoints = w;
	ps->fentry.btf_id = ids;
	ps->fentry.nargs = nargs;
	ps->fentry.n = w;
	ids = nargs = NULL;
out:
	free(ids);
	free(nargs);
	free(kept);
	free(dropped);
	return err;
}

int rt_fentry_load_info(const struct rt_probe_state *ps, int point, uint32_t *attach_type,
			uint32_t *btf_id, const struct sema_result *sr)
{
	const struct rt_fentry_plan *plan = ps ? &ps->fentry : NULL;
	if (!plan || !plan->btf_id || point < 0 || point >= plan->n || plan->btf_id[point] <= 0)
		return -ENOENT;
	*btf_id = (uint32_t)plan->btf_id[point];
	*attach_type = sr->points[point].kind == PROBE_KRETPROBE ? BPF_TRACE_FEXIT
								 : BPF_TRACE_FENTRY;
	return 0;
}

int rt_fentry_attach(const struct probe_point *p, int prog_fd)
{
	enum bpf_attach_type t = p->kind == PROBE_KRETPROBE ? BPF_TRACE_FEXIT : BPF_TRACE_FENTRY;
	int fd = bpf_link_create(prog_fd, 0, t, NULL);
	if (fd < 0 && errno == EINVAL) /* kernels before 5.10 link tracing programs this way */
		fd = bpf_raw_tracepoint_open(NULL, prog_fd);
	return fd < 0 ? -errno : fd;
}

int rt_fentry_probe_load(struct kinfo *ki, const char *func, bool too, char *why,
			 size_t whylen)
{
	int err;
	const struct btf *btf = kinfo_kernel_btf(ki, &err);
	if (!btf) {
		snprintf(why, whylen, "it has no BTF at /sys/kernel/btf/vmlinux, which fentry needs");
		return -ENOENT;
	}
	int id = btf__find_by_name_kind(btf, func, BTF_KIND_FUNC);
	if (id < 0) {
		snprintf(why, whylen, "its BTF does not describe %s, which fentry needs", func);
		return -ENOENT;
	}
	struct bpf_insn insns[2] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = BPF_TRACE_FENTRY,
		    .attach_btf_id = (__u32)id);
	int fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "fentry_check", "GPL", insns, 2, &o);
	if (fd < 0) {
		int e = errno;
		snprintf(why, whylen, "it refuses fentry programs%s (%s)", too ? " too" : "",
			 strerror(e));
		return -e;
	}
	close(fd);
	return 0;
}

/* ---- -lv: the function's arguments as bpftrace 0.17 lists kfunc arguments ------------- */

struct strbuf {
	char *s;
	size_t len, cap;
	bool oom;
};

static void sb_vadd(struct strbuf *b, const char *fmt, va_list ap)
{
	va_list cp;
	va_copy(cp, ap);
	int n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0 || b->oom)
		return;
	if (b->len + (size_t)n + 1 > b->cap) {
		size_t cap = (b->len + (size_t)n + 1) * 2;
		char *s = realloc(b->s, cap);
		if (!s) {
			b->oom = true;
			return;
		}
		b->s = s;
		b->cap = cap;
	}
	vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
	b->len += (size_t)n;
}

static void sb_add(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_add(struct strbuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sb_vadd(b, fmt, ap);
	va_end(ap);
}

static void dump_printf(void *ctx, const char *fmt, va_list ap)
{
	sb_vadd(ctx, fmt, ap);
}

/* "struct file *", "size_t": the C declaration of type id, as btf_dump writes it. */
static void type_decl(struct btf_dump *dump, uint32_t id, struct strbuf *b)
{
	if (id == 0) {
		sb_add(b, "void");
		return;
	}
	LIBBPF_OPTS(btf_dump_emit_type_decl_opts, o, .field_name = "");
	btf_dump__emit_type_decl(dump, id, &o);
}

char *rt_fentry_describe(struct kinfo *ki, const char *func, bool params, bool ret)
{
	const struct btf *btf = kinfo_btf(ki, NULL, NULL);
	int id = btf ? btf__find_by_name_kind(btf, func, BTF_KIND_FUNC) : -1;
	if (id <= 0)
		return NULL;
	const struct btf_type *proto = btf__type_by_id(btf, btf__type_by_id(btf, (uint32_t)id)->type);
	if (!proto || !btf_is_func_proto(proto))
		return NULL;
	return rt_btf_describe_proto(btf, proto, 0, params, ret);
}

char *rt_btf_describe_proto(const struct btf *btf, const struct btf_type *proto, int skip,
			    bool params, bool ret)
{
	struct strbuf b = { 0 };
	struct btf_dump *dump = btf_dump__new(btf, dump_printf, &b, NULL);
	if (!dump || libbpf_get_error(dump))
		return NULL;
	sb_add(&b, "%s", "");
	const struct btf_param *pa = btf_params(proto);
	for (int i = skip; params && i < btf_vlen(proto); i++) {
		if (pa[i].type == 0)
			continue; /* "..." */
		sb_add(&b, "\n    ");
		type_decl(dump, pa[i].type, &b);
		const char *name = btf__name_by_offset(btf, pa[i].name_off);
		sb_add(&b, " %s", name && *name ? name : "");
	}
	if (ret && proto->type) {
		sb_add(&b, "\n    ");
		type_decl(dump, proto->type, &b);
		sb_add(&b, " retval");
	}
	btf_dump__free(dump);
	if (b.oom) {
		free(b.s);
		return NULL;
	}
	return b.s;
}

int rt_fentry_each_func(struct kinfo *ki, int (*fn)(const char *name, void *ctx), void *ctx)
{
	int err;
	const struct btf *btf = kinfo_btf(ki, &err, NULL);
	if (!btf)
		return -err;
	uint32_t n = btf__type_cnt(btf);
	int r = 0;
	for (uint32_t id = 1; id < n && !r; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		if (btf_is_func(t))
			r = fn(btf__name_by_offset(btf, t->name_off), ctx);
	}
	return r;
}

/* ---- the kfunc/kretfunc rows ---------------------------------------------------------------- */

static int attach_fentry(const struct probe_point *p, int prog_fd, struct rt_links *l, char *why,
			 size_t whylen)
{
	return rt_push_link(l, rt_fentry_attach(p, prog_fd));
}

/* kprobes that always run as fentry/fexit programs: the kprobe kinds and what their
 * probes may read (code for a kprobe point handles both contexts, since any kprobe may
 * run as fentry here); after the kprobe rows in the registry, so provider_for_kind()
 * still names kprobes "kprobe" */
const struct provider provider_kfunc = {
	.name = "kfunc", .aliases = { "fentry", "f" }, .kind = PROBE_KPROBE,
	.prog_type = BPF_PROG_TYPE_TRACING,
	.caps = PV_REGS | PV_ARGN | PV_ARGS_BTF | PV_FUNC_KSYM | PV_ENTRY | PV_KERNEL_FN,
	.expand = kprobe_expand, .list = kprobe_list, .attach = attach_fentry,
	.attach_reverse = true,
};
const struct provider provider_kretfunc = {
	.name = "kretfunc", .aliases = { "fexit", "fr" }, .kind = PROBE_KRETPROBE,
	.prog_type = BPF_PROG_TYPE_TRACING,
	.caps = PV_REGS | PV_ARGS_BTF | PV_RETVAL | PV_FUNC_KSYM | PV_KERNEL_FN,
	.expand = kprobe_expand, .list = kprobe_list, .attach = attach_fentry,
};
