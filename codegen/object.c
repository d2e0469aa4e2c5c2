/*
 * codegen/object.c — from the finished LLVM module to raw BPF instruction arrays.
 *
 * Owns: IR verification, the one -O2 pass pipeline, --dump=ir, emitting the ELF object to
 * memory and cutting the prog_N sections out of it with libelf, refusing any object that
 * carries data sections or relocations other than for-loop callback addresses (resolved
 * here into BPF_PSEUDO_FUNC loads; the function list goes to BTF func_info) and calls of
 * kernel functions (into BPF_PSEUDO_KFUNC_CALLs of their BTF ids).
 * Must not: write files or load anything into the kernel.
 */
#include <bpf/btf.h>
#include <gelf.h>
#include <libelf.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>

#include <llvm-c/Analysis.h>
#include <llvm-c/Transforms/PassBuilder.h>

#include "codegen_internal.h"

/* Function symbols of section shndx, by address: the program's entry (offset 0) and its
 * callbacks. Only programs with callbacks get a list (BTF func_info is then required). */
static int collect_funcs(struct cg *c, Elf *e, Elf_Scn *symtab, size_t shndx,
			 struct cg_prog *p)
{
	GElf_Shdr sh;
	Elf_Data *d = symtab ? elf_getdata(symtab, NULL) : NULL;
	if (!d || !gelf_getshdr(symtab, &sh) || !sh.sh_entsize)
		return 0;
	size_t n = sh.sh_size / sh.sh_entsize, cnt = 0;
	for (size_t i = 0; i < n; i++) {
		GElf_Sym sym;
		if (gelf_getsym(d, (int)i, &sym) && GELF_ST_TYPE(sym.st_info) == STT_FUNC &&
		    sym.st_shndx == shndx)
			cnt++;
	}
	if (cnt < 2)
		return 0;
	p->funcs = calloc(cnt, sizeof(*p->funcs));
	if (!p->funcs) {
		diag_error_noloc(c->d, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		GElf_Sym sym;
		if (!gelf_getsym(d, (int)i, &sym) || GELF_ST_TYPE(sym.st_info) != STT_FUNC ||
		    sym.st_shndx != shndx)
			continue;
		struct cg_func f = { (uint32_t)(sym.st_value / sizeof(struct bpf_insn)),
				     GELF_ST_BIND(sym.st_info) == STB_LOCAL };
		int j = p->nfuncs++;
		for (; j > 0 && p->funcs[j - 1].insn_off > f.insn_off; j--)
			p->funcs[j] = p->funcs[j - 1];
		p->funcs[j] = f;
	}
	(void)e;
	if (p->funcs[0].insn_off != 0 || p->funcs[0].is_callback) {
		diag_error_noloc(c->d, "internal error: program section does not start with its "
				       "entry function");
		return -1;
	}
	return 0;
}

/* A call of an undefined function (bpfb_kfunc: a kernel function the program calls, e.g.
 * bpf_task_from_pid) becomes the kernel's BPF_PSEUDO_KFUNC_CALL of its id in the running
 * kernel's BTF. false when it is not such a call or the kernel has no such function. */
static bool kfunc_call(struct cg *c, Elf *e, const GElf_Shdr *ssh, const GElf_Sym *sym,
		       struct bpf_insn *in)
{
	const char *fn = elf_strptr(e, ssh->sh_link, sym->st_name);
	int err = 0;
	struct btf *btf = c->opts->kinfo ? kinfo_kernel_btf(c->opts->kinfo, &err) : NULL;
	int id = fn && btf ? btf__find_by_name_kind(btf, fn, BTF_KIND_FUNC) : -1;
	if (sym->st_shndx != SHN_UNDEF || in->code != (BPF_JMP | BPF_CALL) || id <= 0)
		return false;
	in->src_reg = BPF_PSEUDO_KFUNC_CALL;
	in->off = 0; /* vmlinux's BTF */
	in->imm = id;
	return true;
}

/* The relocations our objects may carry: a callback's address (ld_imm64 against a
 * function, or its section symbol plus offset, in the same section) becomes the kernel's
 * BPF_PSEUDO_FUNC load, imm = instructions from the next one to the callback; a kernel
 * function's call (kfunc_call). */
static int apply_relocs(struct cg *c, Elf *e, Elf_Scn *rel, Elf_Scn *symtab, size_t target,
			struct cg_prog *p, const char *name)
{
	GElf_Shdr rsh, ssh;
	Elf_Data *rd = elf_getdata(rel, NULL), *sd = symtab ? elf_getdata(symtab, NULL) : NULL;
	if (!rd || !sd || !gelf_getshdr(rel, &rsh) || !gelf_getshdr(symtab, &ssh) ||
	    !rsh.sh_entsize)
		goto bad;
	struct bpf_insn *in = p->insns;
	for (size_t i = 0; i < rsh.sh_size / rsh.sh_entsize; i++) {
		GElf_Rel r;
		GElf_Sym sym;
		if (!gelf_getrel(rd, (int)i, &r) ||
		    !gelf_getsym(sd, (int)GELF_R_SYM(r.r_info), &sym))
			goto bad;
		size_t at = r.r_offset / sizeof(struct bpf_insn);
		int st = GELF_ST_TYPE(sym.st_info);
		if (GELF_R_TYPE(r.r_info) == 10 /* R_BPF_64_32 */ && at < p->insn_cnt &&
		    kfunc_call(c, e, &ssh, &sym, &in[at]))
			continue;
		if (GELF_R_TYPE(r.r_info) != 1 /* R_BPF_64_64 */ || sym.st_shndx != target ||
		    (st != STT_FUNC && st != STT_SECTION) || at + 1 >= p->insn_cnt ||
		    in[at].code != (BPF_LD | BPF_IMM | BPF_DW) || in[at].src_reg)
			goto bad;
		uint64_t byte = sym.st_value + (uint64_t)(int64_t)in[at].imm;
		size_t to = byte / sizeof(struct bpf_insn);
		bool is_func = false;
		for (int f = 0; f < p->nfuncs; f++)
			is_func |= p->funcs[f].insn_off == to && p->funcs[f].is_callback;
		if (byte % sizeof(struct bpf_insn) || !is_func)
			goto bad;
		in[at].src_reg = BPF_PSEUDO_FUNC;
		in[at].imm = (int32_t)((int64_t)to - (int64_t)at - 1);
		in[at + 1].imm = 0;
	}
	return 0;
bad:
	diag_error_noloc(c->d, "internal error: generated BPF object has a relocation other "
			       "than a callback address or a kernel function call (section %s)",
			 name);
	return -1;
}

static int copy_prog(struct cg *c, struct cg_prog *to, const struct cg_prog *from)
{
	size_t bytes = from->insn_cnt * sizeof(struct bpf_insn);
	to->insns = malloc(bytes);
	to->funcs = from->nfuncs ? calloc((size_t)from->nfuncs, sizeof(*to->funcs)) : NULL;
	if (!to->insns || (from->nfuncs && !to->funcs)) {
		diag_error_noloc(c->d, "out of memory");
		return -1;
	}
	memcpy(to->insns, from->insns, bytes);
	to->insn_cnt = from->insn_cnt;
	if (from->nfuncs)
		memcpy(to->funcs, from->funcs, sizeof(*to->funcs) * (size_t)from->nfuncs);
	to->nfuncs = from->nfuncs;
	return 0;
}

static int extract(struct cg *c, const char *data, size_t size, struct cg_result *out)
{
	int npoints = c->sr->npoints, err = -1;
	int *prog_of = NULL; /* section index → point index, -1 */
	if (elf_version(EV_CURRENT) == EV_NONE) {
		diag_error_noloc(c->d, "libelf initialisation failed");
		return -1;
	}
	Elf *e = elf_memory((char *)data, size);
	size_t shstrndx, nsec;
	if (!e || elf_getshdrstrndx(e, &shstrndx) || elf_getshdrnum(e, &nsec)) {
		diag_error_noloc(c->d, "LLVM produced an unreadable ELF object: %s",
				 elf_errmsg(-1));
		goto out;
	}
	prog_of = malloc(sizeof(int) * (nsec ? nsec : 1));
	if (!prog_of) {
		diag_error_noloc(c->d, "out of memory");
		goto out;
	}
	Elf_Scn *symtab = NULL;
	for (size_t i = 0; i < nsec; i++)
		prog_of[i] = -1;
	for (Elf_Scn *s = elf_nextscn(e, NULL); s; s = elf_nextscn(e, s)) {
		GElf_Shdr sh;
		if (!gelf_getshdr(s, &sh))
			continue;
		if (sh.sh_type == SHT_SYMTAB)
			symtab = s;
	}
	for (Elf_Scn *s = elf_nextscn(e, NULL); s; s = elf_nextscn(e, s)) {
		GElf_Shdr sh;
		if (!gelf_getshdr(s, &sh))
			continue;
		const char *name = elf_strptr(e, shstrndx, sh.sh_name);
		if (!name)
			continue;
		if (sh.sh_type == SHT_RELA) {
			diag_error_noloc(c->d, "internal error: generated BPF object has "
					       "relocations (section %s)", name);
			goto out;
		}
		if ((!strncmp(name, ".rodata", 7) || !strncmp(name, ".data", 5) ||
		     !strncmp(name, ".bss", 4)) && sh.sh_size) {
			diag_error_noloc(c->d, "internal error: generated BPF object has a data "
					       "section (%s)", name);
			goto out;
		}
		if (strncmp(name, "prog_", 5))
			continue;
		int idx = atoi(name + 5);
		if (idx < 0 || idx >= npoints)
			continue;
		Elf_Data *d = elf_getdata(s, NULL);
		if (!d || !d->d_size || d->d_size % sizeof(struct bpf_insn)) {
			diag_error_noloc(c->d, "internal error: empty or odd program section %s",
					 name);
			goto out;
		}
		struct cg_prog *p = &out->progs[idx];
		p->insns = malloc(d->d_size);
		if (!p->insns) {
			diag_error_noloc(c->d, "out of memory");
			goto out;
		}
		memcpy(p->insns, d->d_buf, d->d_size);
		p->insn_cnt = d->d_size / sizeof(struct bpf_insn);
		prog_of[elf_ndxscn(s)] = idx;
		/* only callbacks make a second function (the common case skips the symtab) */
		if (c->ncallbacks && collect_funcs(c, e, symtab, elf_ndxscn(s), p))
			goto out;
	}
	/* relocations only after every program section is copied: .relprog_N may come first */
	for (Elf_Scn *s = elf_nextscn(e, NULL); s; s = elf_nextscn(e, s)) {
		GElf_Shdr sh;
		if (!gelf_getshdr(s, &sh) || sh.sh_type != SHT_REL)
			continue;
		const char *name = elf_strptr(e, shstrndx, sh.sh_name);
		int idx = sh.sh_info < nsec ? prog_of[sh.sh_info] : -1;
		if (idx < 0) {
			diag_error_noloc(c->d, "internal error: generated BPF object has "
					       "relocations (section %s)", name ? name : "?");
			goto out;
		}
		if (apply_relocs(c, e, s, symtab, sh.sh_info, &out->progs[idx], name ? name : "?"))
			goto out;
	}
	for (int i = 0; i < npoints; i++) {
		int from = c->share_of ? c->share_of[i] : -1;
		if (from < 0 || out->progs[i].insns || !out->progs[from].insns)
			continue;
		if (copy_prog(c, &out->progs[i], &out->progs[from]))
			goto out;
	}
	for (int i = 0; i < npoints; i++) {
		if (!out->progs[i].insns) {
			diag_error_noloc(c->d, "internal error: no code for probe %s",
					 c->sr->points[i].name);
			goto out;
		}
	}
	err = 0;
out:
	free(prog_of);
	if (e)
		elf_end(e);
	return err;
}

static int is_loop(struct node *n, void *ctx)
{
	(void)ctx;
	return n->kind == AST_WHILE || n->kind == AST_FOR; /* for: percpu sum loops */
}

/* Straight-line probe code needs only these passes: promote the stack slots codegen uses
 * for everything, fold, merge blocks, drop repeated loads and dead stores. On our programs
 * they give the same instruction counts as default<O2>, while building and running the
 * full O2 pipeline touches most of LLVM's optimiser (about 1 MB more resident memory at
 * start-up; tests/bench/RESULTS.md). `while` loops keep O2: its loop passes shape what
 * the verifier accepts.
 *
 * `instcombine<no-verify-fixpoint>`: a textual `instcombine` in LLVM 19 runs one iteration
 * and then *verifies* that it reached a fixpoint, calling LLVM's fatal-error path when a
 * second iteration would still change something (common with our select/compare chains:
 * "Instruction Combining did not reach a fixpoint after 1 iterations"). That check is a
 * debugging aid for LLVM's own developers; default<O2> turns it off for its instcombine
 * runs, and so do we. An unfinished fold only costs an instruction, never correctness. */
static const char *pass_pipeline(struct cg *c)
{
	/* BPFSCRIPT_LLVM_PASSES: a pipeline of one's own, to experiment with passes (and for
	 * the test that LLVM's fatal errors come out located: tests/e2e/llvm_fatal_located) */
	const char *force = getenv("BPFSCRIPT_LLVM_PASSES");
	if (force && *force)
		return force;
	if (ast_walk(c->prog, is_loop, NULL, NULL))
		return "default<O2>";
	return "function(bpf-preserve-static-offset,sroa,early-cse<memssa>,"
	       "instcombine<no-verify-fixpoint>,simplifycfg,gvn,"
	       "memcpyopt,dse,instcombine<no-verify-fixpoint>,simplifycfg)";
}

/* The point a function belongs to: p<N> is point N's program, p<N>_<what><K> one of its
 * callbacks (emit_loops.c); -1 for declarations (helpers, intrinsics). */
static int point_of_function(LLVMValueRef f)
{
	if (LLVMIsDeclaration(f))
		return -1;
	size_t len;
	const char *name = LLVMGetValueName2(f, &len);
	if (len < 2 || name[0] != 'p' || name[1] < '0' || name[1] > '9')
		return -1;
	return atoi(name + 1);
}

static void set_optnone(struct cg *c, LLVMValueRef f, bool on)
{
	static unsigned optnone, noinline;
	if (!optnone) {
		optnone = LLVMGetEnumAttributeKindForName("optnone", 7);
		noinline = LLVMGetEnumAttributeKindForName("noinline", 8);
	}
	if (on) {
		LLVMAddAttributeAtIndex(f, LLVMAttributeFunctionIndex,
					LLVMCreateEnumAttribute(c->ctx, noinline, 0));
		LLVMAddAttributeAtIndex(f, LLVMAttributeFunctionIndex,
					LLVMCreateEnumAttribute(c->ctx, optnone, 0));
	} else {
		LLVMRemoveEnumAttributeAtIndex(f, LLVMAttributeFunctionIndex, optnone);
		LLVMRemoveEnumAttributeAtIndex(f, LLVMAttributeFunctionIndex, noinline);
	}
}

/* Optimise one point's functions at a time, the others marked optnone (which the pass
 * manager's instrumentation skips), so that should LLVM fail fatally inside a pass,
 * llvm_fatal.c names the probe whose code it was working on. With one point (the usual
 * script) this is a single run, exactly as before; several points cost one pipeline set-up
 * each, not more optimisation work. */
static LLVMErrorRef run_passes(struct cg *c, const char *pipeline)
{
	int npoints = c->sr->npoints;
	int ngroups = 0, only = -1;
	for (int pt = 0; pt < npoints; pt++)
		if (c->share_of[pt] < 0) {
			ngroups++;
			only = pt;
		}
	LLVMErrorRef err = NULL;
	LLVMPassBuilderOptionsRef po = LLVMCreatePassBuilderOptions();
	if (ngroups <= 1) {
		cg_fatal_point(only);
		err = LLVMRunPasses(c->mod, pipeline, c->tm, po);
	} else {
		for (int pt = 0; pt < npoints && !err; pt++) {
			if (c->share_of[pt] >= 0)
				continue;
			for (LLVMValueRef f = LLVMGetFirstFunction(c->mod); f;
			     f = LLVMGetNextFunction(f)) {
				int owner = point_of_function(f);
				if (owner >= 0)
					set_optnone(c, f, owner != pt);
			}
			cg_fatal_point(pt);
			err = LLVMRunPasses(c->mod, pipeline, c->tm, po);
		}
		for (LLVMValueRef f = LLVMGetFirstFunction(c->mod); f; f = LLVMGetNextFunction(f))
			if (point_of_function(f) >= 0)
				set_optnone(c, f, false);
	}
	cg_fatal_point(-1); /* the backend: llvm_fatal.c looks for the function's name */
	LLVMDisposePassBuilderOptions(po);
	return err;
}

/* A for-loop or len() callback whose call the optimiser removed (`if (0) { len(@m) }`,
 * a predicate that folds to false) would still be emitted into its program's section:
 * the kernel would count one subprogram fewer than our BTF func_info lists ("number of
 * funcs in func_info doesn't match number of subprogs"). Callbacks are internal, so one
 * without a use is dead. */
static void drop_dead_callbacks(struct cg *c)
{
	LLVMValueRef f = LLVMGetFirstFunction(c->mod);
	while (f) {
		LLVMValueRef next = LLVMGetNextFunction(f);
		if (!LLVMIsDeclaration(f) && LLVMGetLinkage(f) == LLVMInternalLinkage &&
		    !LLVMGetFirstUse(f))
			LLVMDeleteFunction(f);
		f = next;
	}
}

/* -d codegen[-opt] and --emit-llvm: the module's IR, after a title when one is given */
static void dump_ir(struct cg *c, const struct cg_dump *dumps)
{
	for (int i = 0; i < 2; i++) {
		if (!dumps[i].out)
			continue;
		if (dumps[i].title)
			fputs(dumps[i].title, dumps[i].out);
		char *ir = LLVMPrintModuleToString(c->mod);
		fputs(ir, dumps[i].out);
		LLVMDisposeMessage(ir);
		fflush(dumps[i].out);
	}
}

int cg_object(struct cg *c, struct cg_result *out)
{
	char *msg = NULL;
	if (LLVMVerifyModule(c->mod, LLVMReturnStatusAction, &msg)) {
		diag_error_noloc(c->d, "internal error: invalid LLVM IR: %s", msg ? msg : "?");
		LLVMDisposeMessage(msg);
		return -1;
	}
	LLVMDisposeMessage(msg);

	dump_ir(c, c->opts->ir_orig);
	LLVMErrorRef perr = run_passes(c, pass_pipeline(c));
	if (perr) {
		char *m = LLVMGetErrorMessage(perr);
		diag_error_noloc(c->d, "internal error: LLVM optimisation failed: %s", m);
		LLVMDisposeErrorMessage(m);
		return -1;
	}
	drop_dead_callbacks(c);
	if (c->opts->dump_ir) {
		char *ir = LLVMPrintModuleToString(c->mod);
		fputs(ir, c->opts->dump_ir);
		LLVMDisposeMessage(ir);
	}
	dump_ir(c, c->opts->ir_opt);

	LLVMMemoryBufferRef buf = NULL;
	if (LLVMTargetMachineEmitToMemoryBuffer(c->tm, c->mod, LLVMObjectFile, &msg, &buf)) {
		diag_error_noloc(c->d, "LLVM could not generate BPF code: %s",
				 c->llvm_error ? c->llvm_error : msg ? msg : "?");
		LLVMDisposeMessage(msg);
		return -1;
	}
	if (c->llvm_error && c->stack_retry && strstr(c->llvm_error, "BPF stack limit")) {
		/* LLVM's own spills passed 512 bytes: codegen_run tries a larger reserve */
		LLVMDisposeMemoryBuffer(buf);
		return CG_RETRY_STACK;
	}
	if (c->llvm_error && strstr(c->llvm_error, "BPF stack limit")) {
		cg_stack_exceeded(c, c->llvm_error); /* located, one sentence */
		LLVMDisposeMemoryBuffer(buf);
		return -1;
	}
	if (c->llvm_error) {
		diag_error_noloc(c->d, "LLVM could not generate BPF code: %s", c->llvm_error);
		LLVMDisposeMemoryBuffer(buf);
		return -1;
	}
	if (c->opts->elf_out) /* --emit-elf: the object as LLVM wrote it */
		fwrite(LLVMGetBufferStart(buf), 1, LLVMGetBufferSize(buf), c->opts->elf_out);
	int err = extract(c, LLVMGetBufferStart(buf), LLVMGetBufferSize(buf), out);
	LLVMDisposeMemoryBuffer(buf);
	return err;
}
