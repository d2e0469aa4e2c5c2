/*
 * sema/check_kinfo.c — typing of kernel and probe facts: `probetype`, `nsecs(boot|
 * monotonic|tai|sw_tai)`, `syscall_name(nr)`, `cgroupid("path")`, `percpu_kaddr("sym"[,
 * cpu])` and `path(p[, size])` (current bpftrace's stdlib).
 *
 * Owns: the sema_family_kinfo hooks: which probes each may appear in, their types, and
 * the compile-time parts: cgroupid's id (name_to_handle_at on cgroup2), the BTF id of
 * percpu_kaddr's variable (n->ival), nsecs' clock (n->ival, enum kinfo_clock).
 * Must not: emit code (codegen/emit_kinfo.c) or print (stdlib/symfmt.c prints
 * syscall_name's SUB_SYSCALL_NAME).
 */
#include <bpf/btf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "btf.h"
#include "ctypes.h"
#include "sema_int.h"

const char *sema_probetype_name(const struct probe_point *pt)
{
	if (pt->kind == PROBE_BEGIN || pt->kind == PROBE_END)
		return "special"; /* bpftrace's word for begin/end */
	if (pt->fentry)
		return pt->kind == PROBE_KRETPROBE ? "fexit" : "fentry";
	const struct provider *pv = provider_of_kind(pt);
	return pv ? pv->name : "unknown";
}

/* probetype: a string as long as the longest name among this probe's points. */
static void check_probetype(struct sema *s, struct node *n)
{
	uint32_t size = 8;
	for (int i = 0; i < s->r->npoints; i++) {
		const struct probe_point *pt = &s->r->points[i];
		size_t l = pt->probe == s->probe ? strlen(sema_probetype_name(pt)) + 1 : 0;
		if (l > size)
			size = (uint32_t)l;
	}
	n->type = type_str(size);
}

static void check_nsecs(struct sema *s, struct node *n)
{
	static const struct { const char *name; enum kinfo_clock clock; } modes[] = {
		{ "monotonic", KINFO_CLOCK_MONOTONIC }, { "boot", KINFO_CLOCK_BOOT },
		{ "tai", KINFO_CLOCK_TAI }, { "sw_tai", KINFO_CLOCK_SW_TAI },
	};
	struct node *a = n->list;
	n->ival = KINFO_CLOCK_PLAIN; /* nsecs(): the clock plain nsecs reads */
	n->type = type_u64();
	if (!a)
		return;
	for (size_t i = 0; a->kind == AST_IDENT && i < sizeof(modes) / sizeof(modes[0]); i++)
		if (strcmp(a->str, modes[i].name) == 0) {
			n->ival = modes[i].clock;
			a->type = type_void();
			return;
		}
	diag_error(s->d, a->loc, "nsecs() takes a clock: boot, monotonic, tai or sw_tai");
	n->type = type_none();
}

static bool int_value(struct sema *s, struct node *a, const char *fn)
{
	sema_expr(s, a);
	if (a->type.kind == TY_INT || a->type.kind == TY_NONE)
		return a->type.kind == TY_INT;
	diag_error(s->d, a->loc, "%s() expects an integer, got %s", fn, sema_kind_word(&a->type));
	return false;
}

/* cgroupid("/sys/fs/cgroup/x"): the cgroup2 id is the directory's file handle (8 bytes),
 * read now, as bpftrace does at compile time. */
static void check_cgroupid(struct sema *s, struct node *n)
{
	struct node *a = n->list;
	if (a->kind != AST_STR) {
		diag_error(s->d, a->loc, "cgroupid() takes a path as a string literal (or str($N))");
		return;
	}
	a->type = type_str(a->slen + 1);
	struct {
		struct file_handle fh;
		unsigned char bytes[64];
	} h;
	int mount_id;
	h.fh.handle_bytes = sizeof(h.bytes);
	if (name_to_handle_at(AT_FDCWD, a->str, &h.fh, &mount_id, 0) != 0) {
		diag_error(s->d, a->loc, "cgroupid(): cannot resolve \"%s\": %s", a->str,
			   strerror(errno));
		return;
	}
	if (h.fh.handle_bytes != 8) {
		diag_error(s->d, a->loc, "cgroupid(): \"%s\" is not a cgroup2 directory", a->str);
		return;
	}
	uint64_t id;
	memcpy(&id, h.fh.f_handle, 8);
	ast_free_list(n->list);
	n->list = NULL;
	free(n->str);
	n->str = NULL;
	n->kind = AST_INT;
	n->ival = (int64_t)id;
	n->sym = -1;
	n->type = type_u64();
}

/* percpu_kaddr("runqueues"[, cpu]): the variable's BTF id (a VAR of vmlinux BTF, which
 * describes the per-CPU variables); the value is a pointer to uint64, as in bpftrace. */
static void check_percpu_kaddr(struct sema *s, struct node *n)
{
	struct node *a = n->list;
	if (a->kind != AST_STR) {
		diag_error(s->d, a->loc, "percpu_kaddr() takes a symbol name as a string literal");
		return;
	}
	a->type = type_str(a->slen + 1);
	if (a->next && !int_value(s, a->next, "percpu_kaddr"))
		return;
	char err[256];
	const struct btf *btf = btf_handle(sema_ctypes(s), err, sizeof(err));
	if (!btf) {
		diag_error(s->d, a->loc, "percpu_kaddr(): %s", err);
		return;
	}
	int id = btf__find_by_name_kind(btf, a->str, BTF_KIND_VAR);
	if (id <= 0) {
		diag_error(s->d, a->loc, "percpu_kaddr(): the kernel has no per-CPU variable "
					 "'%s' (none in its BTF)", a->str);
		return;
	}
	n->ival = id;
	n->type = type_int(8, true);
	n->type.ct = ctypes_int(sema_ctypes(s), 8, false);
}

/* path(p[, size]): bpf_d_path, which the kernel lets only tracing programs call: fentry/
 * fexit ones in the functions of its btf_allowlist_d_path, and iterators. p is a struct
 * path pointer, or (as in bpftrace's path(ctx->file->f_path)) the struct itself, whose
 * value is its address. */
static void check_path(struct sema *s, struct node *n)
{
	struct node *a = n->list, *size = a->next;
	sema_expr(s, a);
	bool record = a->type.kind == TY_RECORD && a->type.ct && a->type.ct->name &&
		      strcmp(a->type.ct->name, "path") == 0;
	if (!record && !int_value(s, a, "path"))
		return;
	uint32_t len = s->opts->strlen ? s->opts->strlen : 64;
	if (size) {
		if (size->kind != AST_INT || size->ival < 1 || size->ival > 4096) {
			diag_error(s->d, size->loc, "path(): the size must be an integer literal "
						    "from 1 to 4096");
			return;
		}
		size->type = type_s64();
		len = (uint32_t)size->ival;
	}
	for (int i = 0; i < s->r->npoints; i++) {
		const struct probe_point *pt = &s->r->points[i];
		if (pt->probe == s->probe && !pt->fentry && !(provider_of(pt)->caps & PV_ITER)) {
			diag_error(s->d, n->loc, "path() is not allowed in %s probes: the kernel lets "
						 "only iter and kfunc/kretfunc (fentry/fexit) programs "
						 "of a few functions call bpf_d_path",
				   sema_probetype_name(pt));
			return;
		}
	}
	n->type = type_str(len);
}

static bool kinfo_ident(struct sema *s, struct node *n, enum builtin_legacy b)
{
	if (b != BI_PROBETYPE)
		return false;
	check_probetype(s, n);
	return true;
}

static bool kinfo_call(struct sema *s, struct node *n, enum builtin_legacy b)
{
	switch (b) {
	case BI_PROBETYPE_F:
		check_probetype(s, n);
		return true;
	case BI_NSECS_F:
		check_nsecs(s, n);
		return true;
	case BI_SYSCALL_NAME:
		if (int_value(s, n->list, "syscall_name")) {
			n->type = type_u64();
			n->type.sub = SUB_SYSCALL_NAME;
		}
		return true;
	case BI_CGROUPID:
		check_cgroupid(s, n);
		return true;
	case BI_PERCPU_KADDR:
		check_percpu_kaddr(s, n);
		return true;
	case BI_PATH:
		check_path(s, n);
		return true;
	default:
		return false;
	}
}

const struct sema_family sema_family_kinfo = { kinfo_ident, kinfo_call };
