/*
 * stdlib/builtin_symbols.c — the stacks and symbols family: kstack and ustack (as
 * identifiers and calls), ksym(), usym(), kaddr() and uaddr().
 *
 * Owns: the stack arguments (mode bpftrace|perf|raw, build_id for ustack, and a frame
 * limit, in either order as bpftrace allows: kstack(perf), kstack(5), kstack(perf, 5); a
 * stack without a mode takes config stack_mode's), registering one STACK_TRACE map per
 * (kernel|user, frames, build_id) in sema_result.stacks; bpf_get_stackid on that map with
 * the key layout of common/types.h (kstack: the id; ustack: pid << 32 | u32 id, so user
 * frames resolve against the right process), the 16-byte usym value (address, pid),
 * resolving names while compiling (kaddr() through the run's kinfo, common/kinfo.h;
 * uaddr() through the runtime's struct cg_symbols; its type, a pointer to an integer of
 * the symbol's size, through sema_opts.files); and the text of stacks and symbols as
 * bpftrace 0.17 prints them ("\n" then one "<indent>sym+off\n" line per frame; perf mode
 * "\t<hex addr> sym+off[ (module)]\n"; ksym/usym as "name" or "0x<hex>"; build_id stacks
 * as current bpftrace prints them: "<build id hex> 0x<offset>" or the address per frame);
 * the argument parsing and frame printing are shared with dw_ustack
 * (stdlib/builtin_dwstack.c).
 * Must not: read kallsyms, ELF files or BPF maps itself (codegen asks kinfo and cg_symbols,
 * sema asks sema_opts.files, the printer asks print_ctx->syms), or create the stack maps
 * (runtime/stacks.c).
 */
#include <inttypes.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>

#include "../common/kinfo.h"
#include "../sema/ctypes.h"
#include "builtin_family.h"
#include "symfmt.h"

/* ---- sema ----------------------------------------------------------------------------- */

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
static void check_kstack(struct sema *s, struct node *n)
{
	n->type = stack_type(s, false, STACK_FRAMES_DEFAULT, default_mode(s, false));
}

static void check_ustack(struct sema *s, struct node *n)
{
	n->type = stack_type(s, true, STACK_FRAMES_DEFAULT, default_mode(s, true));
}

bool builtin_stack_args(struct sema *s, struct node *n, const char *name, bool user,
			uint32_t *framesp, uint32_t *modep)
{
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
			} else if (strcmp(a->str, "build_id") == 0 && user &&
				   strcmp(name, "ustack") == 0) {
				/* current bpftrace: each frame a build id and file offset */
				mode = SUB_STACK_BUILD_ID;
			} else if (strcmp(a->str, "build_id") == 0) {
				diag_error(s->d, a->loc, "'build_id' stack mode can only be used for "
							 "ustack");
				return false;
			} else if (strcmp(a->str, "bpftrace") == 0) {
				mode = 0;
			} else {
				diag_error(s->d, a->loc, "%s: invalid mode '%s': expected %s", name,
					   a->str, !strcmp(name, "ustack") ? "bpftrace, perf, raw or build_id"
									   : "bpftrace, perf or raw");
				return false;
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
				return false;
			}
			frames = (uint32_t)a->ival;
			have_limit = true;
			a->type = type_s64();
			continue;
		}
		diag_error(s->d, a->loc,
			   "%s() takes a mode (bpftrace, perf, raw%s) and/or a frame limit (an "
			   "integer literal), e.g. %s(perf, 10)",
			   name, !strcmp(name, "ustack") ? " or build_id" : "", name);
		return false;
	}
	if (mode == SUB_STACK_BUILD_ID && strcmp(name, "ustack") != 0)
		mode = 0; /* config stack_mode = build_id: bpftrace's mode for the others */
	*framesp = frames;
	*modep = mode;
	return true;
}

static void stack_call(struct sema *s, struct node *n, bool user)
{
	uint32_t frames, mode;
	if (builtin_stack_args(s, n, user ? "ustack" : "kstack", user, &frames, &mode))
		n->type = stack_type(s, user, frames, mode);
}

static void check_kstack_call(struct sema *s, struct node *n)
{
	stack_call(s, n, false);
}

static void check_ustack_call(struct sema *s, struct node *n)
{
	stack_call(s, n, true);
}

/* ksym(addr) / usym(addr): an address printed as the symbol it falls in */
static bool address_arg(struct sema *s, struct node *n)
{
	struct node *a = n->list;
	sema_expr(s, a);
	if (a->type.kind == TY_INT)
		return true;
	if (a->type.kind != TY_NONE) {
		char tb[64];
		diag_error(s->d, a->loc, "%s() expects an integer address, got %s", n->str,
			   type_name(&a->type, tb, sizeof(tb)));
	}
	return false;
}

static void check_ksym(struct sema *s, struct node *n)
{
	if (!address_arg(s, n))
		return;
	n->type = type_u64();
	n->type.sub = SUB_KSYM;
}

static void check_usym(struct sema *s, struct node *n)
{
	if (!address_arg(s, n))
		return;
	n->type = type_str(16); /* u64 address, u64 pid */
	n->type.sub = SUB_USYM;
	s->r->uses_usym = true;
}

/* kaddr("sym") / uaddr("sym"): a symbol's address, resolved while compiling */
static bool symbol_arg(struct sema *s, struct node *n)
{
	struct node *a = n->list;
	if (a->kind != AST_STR) {
		diag_error(s->d, a->loc, "%s() expects a string literal (a symbol name)", n->str);
		return false;
	}
	a->type = type_str(a->slen + 1);
	return true;
}

static void check_kaddr(struct sema *s, struct node *n)
{
	if (symbol_arg(s, n))
		n->type = type_u64();
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
		if (pt->probe != s->probe || !pt->target ||
		    f->user_sym_size(f->ctx, pt->target, name, &sz))
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

static void check_uaddr(struct sema *s, struct node *n)
{
	if (!symbol_arg(s, n))
		return;
	if (!sema_probe_all(s, PV_USER)) {
		diag_error(s->d, n->loc,
			   "uaddr can only be used with uprobe and uretprobe probes (the symbol "
			   "is looked up in the probed binary)");
		return;
	}
	n->type = type_u64();
	uaddr_type(s, n, n->list->str);
}

/* ---- codegen -------------------------------------------------------------------------- */

#define REGS_IP_OFF 128u /* x86-64 struct pt_regs: ip */

static int stack_fd(struct cg *c, bool user, uint32_t frames, bool build_id)
{
	for (int i = 0; i < c->sr->nstacks; i++)
		if (c->sr->stacks[i].user == user && c->sr->stacks[i].frames == frames &&
		    c->sr->stacks[i].build_id == build_id)
			return c->opts->stack_fds ? c->opts->stack_fds[i] : -1;
	return -1;
}

static LLVMValueRef stack_emit(struct cg *c, struct node *n)
{
	bool user = n->type.sub == SUB_USTACK;
	uint32_t frames = (uint32_t)n->type.fmt_id & 0xffff;
	int fd = stack_fd(c, user, frames, (n->type.fmt_id & SUB_STACK_BUILD_ID) != 0);
	if (fd < 0) {
		cg_error(c, "internal error: no stack map for %s", user ? "ustack" : "kstack");
		return bpfb_i64(c, 0);
	}
	LLVMValueRef a[3] = { c->fn.ctx, bpfb_map_ptr(c, fd),
			      bpfb_i64(c, user ? BPF_F_USER_STACK : 0) };
	LLVMValueRef id = bpfb_helper(c, BPF_FUNC_get_stackid, c->i64, a, 3, "stackid");
	cg_helper_check(c, id, BPF_FUNC_get_stackid, n, -1);
	if (!user)
		return id;
	LLVMValueRef tgid = LLVMBuildLShr(
		c->b, bpfb_helper(c, BPF_FUNC_get_current_pid_tgid, c->i64, NULL, 0, "pid_tgid"),
		bpfb_i64(c, 32), "pid");
	return LLVMBuildOr(c->b, LLVMBuildShl(c->b, tgid, bpfb_i64(c, 32), ""),
			   LLVMBuildAnd(c->b, id, bpfb_i64(c, 0xffffffffu), ""), "ustack");
}

/* uaddr("sym"): a non-PIE binary's symbols sit at their link-time address; in a PIE
 * executable or a library the load base is only known at run time, but at a uprobe's entry
 * ip is the probed function itself, so base = ip - its link-time address. */
static LLVMValueRef uaddr(struct cg *c, struct node *n, const char *name)
{
	const struct probe_point *pt = c->fn.pt;
	const struct cg_symbols *sy = c->opts->syms;
	uint64_t addr = 0, here;
	bool pie = false;
	if (!sy || !pt->target || sy->user_addr(sy->ctx, pt->target, name, &addr, &pie)) {
		cg_error(c, "uaddr: symbol '%s' not found in %s", name,
			 pt->target ? pt->target : "the probed binary");
		return bpfb_i64(c, 0);
	}
	if (!pie)
		return bpfb_i64(c, addr);
	if ((cg_caps(c) & (PV_USER | PV_ENTRY)) != (PV_USER | PV_ENTRY) ||
	    sy->user_vaddr(sy->ctx, pt->target, pt->offset, &here)) {
		cg_error(c,
			 "uaddr(\"%s\"): %s is position-independent, so its addresses are only known "
			 "at the entry of a uprobe (not in a uretprobe)",
			 name, pt->target);
		return bpfb_i64(c, 0);
	}
	LLVMValueRef ip = cg_ctx_load(c, c->i64, REGS_IP_OFF, 8);
	return LLVMBuildAdd(c->b, LLVMBuildSub(c->b, ip, bpfb_i64(c, here), ""),
			    bpfb_i64(c, addr), "uaddr");
}

static LLVMValueRef ksym_emit(struct cg *c, struct node *n)
{
	return cg_expr(c, n->list);
}

static LLVMValueRef usym_emit(struct cg *c, struct node *n)
{
	LLVMValueRef buf = bpfb_buf(c, 16, "usym");
	bpfb_store(c, cg_expr(c, n->list), buf, 8);
	LLVMValueRef tgid = LLVMBuildLShr(
		c->b, bpfb_helper(c, BPF_FUNC_get_current_pid_tgid, c->i64, NULL, 0, "pid_tgid"),
		bpfb_i64(c, 32), "pid");
	bpfb_store(c, tgid, bpfb_gep(c, buf, 8), 8);
	return buf;
}

static LLVMValueRef kaddr_emit(struct cg *c, struct node *n)
{
	struct node *a = n->list;
	struct kinfo *ki = c->opts->kinfo;
	uint64_t addr = a && a->str && ki ? kinfo_ksym_addr(ki, a->str) : 0;
	if (!addr)
		cg_error(c, "kaddr: Failed to resolve kernel symbol '%s': it is not in "
			    "/proc/kallsyms",
			 a && a->str ? a->str : "?");
	return bpfb_i64(c, addr);
}

static LLVMValueRef uaddr_emit(struct cg *c, struct node *n)
{
	struct node *a = n->list;
	return uaddr(c, n, a && a->str ? a->str : "");
}

/* ---- printing ------------------------------------------------------------------------- */

#define SYMFMT_MAX_FRAMES 1024

static void print_stack(FILE *out, const struct type *t, uint64_t v, const struct print_ctx *ctx,
			int indent)
{
	bool user = t->sub == SUB_USTACK;
	uint32_t frames = (uint32_t)t->fmt_id & 0xffff;
	int64_t id = user ? (int64_t)(int32_t)(uint32_t)v : (int64_t)v;
	uint32_t pid = user ? (uint32_t)(v >> 32) : 0;
	const struct print_syms *ps = ctx ? ctx->syms : NULL;
	if (user && (t->fmt_id & SUB_STACK_BUILD_ID)) {
		/* current bpftrace's text: per frame the build id in hex and the file offset,
		 * or the address in hex when the kernel found no build id; not indented */
		static __thread struct symfmt_build_id bid[SYMFMT_MAX_FRAMES];
		int n = ps && ps->stack_build_id && id >= 0
				? ps->stack_build_id(ps->ctx, frames, id, bid, SYMFMT_MAX_FRAMES) : 0;
		if (n <= 0)
			return;
		fputc('\n', out);
		for (int i = 0; i < n; i++) {
			if (bid[i].status == 1) {
				for (int k = 0; k < 20; k++)
					fprintf(out, "%02x", bid[i].build_id[k]);
				fprintf(out, " 0x%02" PRIx64 "\n", bid[i].offset);
			} else {
				fprintf(out, "%" PRIx64 "\n", bid[i].offset);
			}
		}
		return;
	}
	if (!ps || !ps->stack || id < 0)
		return;
	static __thread uint64_t ips[SYMFMT_MAX_FRAMES]; /* per thread: the metrics server prints too */
	int n = ps->stack(ps->ctx, user, frames, id, ips, SYMFMT_MAX_FRAMES);
	builtin_print_frames(out, t, user, pid, ips, n, ctx, indent);
}

void builtin_print_frames(FILE *out, const struct type *t, bool user, uint32_t pid,
			  const uint64_t *ips, int n, const struct print_ctx *ctx, int indent)
{
	bool perf = (t->fmt_id & SUB_STACK_PERF) != 0;
	bool raw = (t->fmt_id & SUB_STACK_RAW) != 0;
	const struct print_syms *ps = ctx ? ctx->syms : NULL;
	if (n <= 0)
		return;
	fputc('\n', out);
	for (int i = 0; i < n; i++) {
		if (raw) { /* current bpftrace: each address in hex, not indented */
			fprintf(out, "%" PRIx64 "\n", ips[i]);
			continue;
		}
		char sym[512], mod[512];
		bool ok = user ? ps->usym && ps->usym(ps->ctx, pid, ips[i], true, sym, sizeof(sym), mod,
						      sizeof(mod))
			       : ps->ksym && ps->ksym(ps->ctx, ips[i], true, sym, sizeof(sym));
		if (!ok) {
			snprintf(sym, sizeof(sym), "0x%" PRIx64, ips[i]);
			snprintf(mod, sizeof(mod), "[unknown]");
		}
		if (perf) {
			fprintf(out, "\t%" PRIx64 " %s", ips[i], sym);
			if (user)
				fprintf(out, " (%s)", mod);
			fputc('\n', out);
		} else {
			fprintf(out, "%*s%s\n", indent, "", sym);
		}
	}
}

static void stack_print(FILE *out, const struct type *t, const uint8_t *bytes,
			const struct print_ctx *ctx, int indent)
{
	uint64_t v = 0;
	memcpy(&v, bytes, 8);
	print_stack(out, t, v, ctx, indent);
}

static void ksym_print(FILE *out, const struct type *t, const uint8_t *bytes,
		       const struct print_ctx *ctx, int indent)
{
	uint64_t v = 0;
	memcpy(&v, bytes, 8);
	const struct print_syms *ps = ctx ? ctx->syms : NULL;
	char sym[512];
	if (ps && ps->ksym && ps->ksym(ps->ctx, v, false, sym, sizeof(sym)))
		fputs(sym, out);
	else
		fprintf(out, "0x%" PRIx64, v);
}

static void usym_print(FILE *out, const struct type *t, const uint8_t *bytes,
		       const struct print_ctx *ctx, int indent)
{
	uint64_t v = 0, pid = 0;
	memcpy(&v, bytes, 8);
	memcpy(&pid, bytes + 8, 8);
	const struct print_syms *ps = ctx ? ctx->syms : NULL;
	char sym[512];
	if (ps && ps->usym && ps->usym(ps->ctx, (uint32_t)pid, v, false, sym, sizeof(sym), NULL, 0))
		fputs(sym, out);
	else
		fprintf(out, "0x%" PRIx64, v);
}

#define STACK_FLAGS (BF_CTX | BF_NO_FOR)

static const struct builtin rows[] = {
	BUILTIN_VAR("kstack", STACK_FLAGS, check_kstack, stack_emit),
	BUILTIN_VAR("ustack", STACK_FLAGS, check_ustack, stack_emit),
	BUILTIN_FUNC("kstack", 0, 2, STACK_FLAGS, check_kstack_call, stack_emit),
	BUILTIN_FUNC("ustack", 0, 2, STACK_FLAGS, check_ustack_call, stack_emit),
	BUILTIN_FUNC("ksym", 1, 1, 0, check_ksym, ksym_emit),
	BUILTIN_FUNC("usym", 1, 1, 0, check_usym, usym_emit),
	BUILTIN_FUNC("kaddr", 1, 1, 0, check_kaddr, kaddr_emit),
	BUILTIN_FUNC("uaddr", 1, 1, STACK_FLAGS, check_uaddr, uaddr_emit),
};

static const struct builtin_fmt fmts[] = {
	{ SUB_KSTACK, TY_INT, stack_print },
	{ SUB_USTACK, TY_INT, stack_print },
	{ SUB_KSYM, TY_INT, ksym_print },
	{ SUB_USYM, TY_STR, usym_print },
};

const struct builtin_family builtin_family_symbols = { "stacks and symbols", rows,
							BUILTIN_NROWS(rows), fmts,
							BUILTIN_NROWS(fmts) };
