/*
 * sema/check_symbols.c — kstack/ustack (as identifiers and calls), ksym(), usym(), kaddr(),
 * uaddr() and the type of `func`.
 *
 * Owns: the stack arguments (mode bpftrace|perf|raw, build_id for ustack, and a frame
 * limit, in either order as bpftrace allows: kstack(perf), kstack(5), kstack(perf, 5); a
 * stack without a mode takes config stack_mode's), registering one STACK_TRACE map per
 * (kernel|user, frames, build_id) in sema_result.stacks, and the symbol types of symfmt.h.
 * Must not: read kallsyms or ELF files (codegen resolves kaddr/uaddr; a uaddr symbol's
 * size comes from the runtime through sema_opts.files), or emit code.
 */
#include <stdlib.h>
#include <string.h>

#include "ctypes.h"
#include "sema_int.h"

#define STACK_FRAMES_DEFAULT 127u /* bpftrace's default: the kernel's perf_event_max_stack */
#define STACK_FRAMES_MAX 1024

static void stack_register(struct sema *s, bool user, uint32_t frames, bool build_id)
{
	struct sema_result *r = s->r;
	for (int i = 0; i < r->nstacks; i++)
		if (r->stacks[i].user == user && r->stacks[i].frames == frames &&
		    r->stacks[i].build_id == build_id)
			return;
	struct stack_map_info *v = realloc(r->stacks, sizeof(*v) * (size_t)(r->nstacks + 1));
	if (!v) {
		s->oom = true;
		return;
	}
	r->stacks = v;
	r->stacks[r->nstacks++] = (struct stack_map_info){ user, frames, build_id };
}

static struct type stack_type(struct sema *s, bool user, uint32_t frames, uint32_t mode)
{
	struct type t = type_u64();
	t.sub = user ? SUB_USTACK : SUB_KSTACK;
	t.fmt_id = (int32_t)(frames | mode);
	stack_register(s, user, frames, (mode & SUB_STACK_BUILD_ID) != 0);
	if (user)
		s->r->uses_usym = true;
	return t;
}

/* The mode of a stack written without one: config stack_mode, which for kstack cannot be
 * build_id (bpftrace keeps its own default there). */
static uint32_t default_mode(const struct sema *s, bool user)
{
	uint32_t m = s->opts->stack_mode;
	return m == SUB_STACK_BUILD_ID && !user ? 0 : m;
}

/* kstack / ustack used as plain identifiers. */
void sema_stack_ident(struct sema *s, struct node *n, bool user)
{
	n->type = stack_type(s, user, STACK_FRAMES_DEFAULT, default_mode(s, user));
}

static void stack_call(struct sema *s, struct node *n, bool user)
{
	const char *name = user ? "ustack" : "kstack";
	uint32_t mode = default_mode(s, user);
	bool have_mode = false, have_limit = false;
	uint32_t frames = STACK_FRAMES_DEFAULT;
	int i = 0;
	for (struct node *a = n->list; a; a = a->next, i++) {
		if (a->kind == AST_IDENT && !have_mode && i == 0) {
			if (strcmp(a->str, "perf") == 0) {
				mode = SUB_STACK_PERF;
			} else if (strcmp(a->str, "raw") == 0) { /* current bpftrace: addresses */
				mode = SUB_STACK_RAW;
			} else if (strcmp(a->str, "build_id") == 0 && user) {
				/* current bpftrace: each frame a build id and file offset */
				mode = SUB_STACK_BUILD_ID;
			} else if (strcmp(a->str, "build_id") == 0) {
				diag_error(s->d, a->loc, "'build_id' stack mode can only be used for "
							 "ustack");
				return;
			} else if (strcmp(a->str, "bpftrace") == 0) {
				mode = 0;
			} else {
				diag_error(s->d, a->loc, "%s: invalid mode '%s': expected %s", name,
					   a->str, user ? "bpftrace, perf, raw or build_id"
							: "bpftrace, perf or raw");
				return;
			}
			have_mode = true;
			a->type = type_void();
			continue;
		}
		if (a->kind == AST_INT && !have_limit) {
			if (a->ival < 1 || a->ival > STACK_FRAMES_MAX) {
				diag_error(s->d, a->loc,
					   "%s: the frame limit must be from 1 to %d, not %lld", name,
					   STACK_FRAMES_MAX, (long long)a->ival);
				return;
			}
			frames = (uint32_t)a->ival;
			have_limit = true;
			a->type = type_s64();
			continue;
		}
		diag_error(s->d, a->loc,
			   "%s() takes a mode (bpftrace, perf, raw%s) and/or a frame limit (an "
			   "integer literal), e.g. %s(perf, 10)", user ? " or build_id" : "",
			   name, name);
		return;
	}
	n->type = stack_type(s, user, frames, mode);
}

static bool uprobe_only(const struct sema *s)
{
	return sema_probe_all(s, PV_USER);
}

/* uaddr("name") is a pointer to an integer as wide as the symbol (1, 2 or 4 bytes, else 8),
 * as in bpftrace 0.17: *uaddr("counter") reads an int variable, uaddr("x") + 1 moves by its
 * size. Every point of the probe must see the same size. The symbol's address itself is
 * codegen's (it also reports a missing symbol). */
static void uaddr_type(struct sema *s, struct node *n, const char *name)
{
	const struct sema_files *f = s->opts->files;
	if (!f || !f->user_sym_size)
		return;
	const struct probe_point *first = NULL;
	uint64_t size = 0;
	for (int i = 0; i < s->r->npoints; i++) {
		const struct probe_point *pt = &s->r->points[i];
		uint64_t sz;
		if (pt->probe != s->probe || !pt->target || f->user_sym_size(f->ctx, pt->target, name, &sz))
			continue;
		if (!first) {
			first = pt;
			size = sz;
		} else if (sz != size) {
			diag_error(s->d, n->loc,
				   "Symbol size mismatch between probes. Symbol \"%s\" has size %llu "
				   "for probe \"%s\" but size %llu for probe \"%s\"",
				   name, (unsigned long long)size, first->name,
				   (unsigned long long)sz, pt->name);
			return;
		}
	}
	if (!first)
		return;
	uint32_t w = size == 1 || size == 2 || size == 4 ? (uint32_t)size : 8;
	struct type t = type_int(8, true);
	t.ct = ctypes_int(sema_ctypes(s), w, true);
	t.user = true;
	n->type = t;
	n->flags |= NODE_F_USER_PTR;
}

/* kstack()/ustack()/ksym()/usym()/kaddr()/uaddr(); false when b is none of them. */
bool sema_sym_call(struct sema *s, struct node *n, enum builtin_legacy b)
{
	struct node *a = n->list;
	switch (b) {
	case BI_KSTACK_F:
	case BI_USTACK_F:
		stack_call(s, n, b == BI_USTACK_F);
		return true;
	case BI_KSYM:
	case BI_USYM:
		sema_expr(s, a);
		if (a->type.kind != TY_INT) {
			if (a->type.kind != TY_NONE) {
				char tb[64];
				diag_error(s->d, a->loc, "%s() expects an integer address, got %s", n->str,
					   type_name(&a->type, tb, sizeof(tb)));
			}
			return true;
		}
		if (b == BI_KSYM) {
			n->type = type_u64();
			n->type.sub = SUB_KSYM;
		} else {
			n->type = type_str(16); /* u64 address, u64 pid */
			n->type.sub = SUB_USYM;
			s->r->uses_usym = true;
		}
		return true;
	case BI_KADDR:
	case BI_UADDR:
		if (a->kind != AST_STR) {
			diag_error(s->d, a->loc, "%s() expects a string literal (a symbol name)",
				   n->str);
			return true;
		}
		a->type = type_str(a->slen + 1);
		if (b == BI_UADDR && !uprobe_only(s)) {
			diag_error(s->d, n->loc,
				   "uaddr can only be used with uprobe and uretprobe probes (the symbol "
				   "is looked up in the probed binary)");
			return true;
		}
		n->type = type_u64();
		if (b == BI_UADDR)
			uaddr_type(s, n, a->str);
		return true;
	default:
		return false;
	}
}
