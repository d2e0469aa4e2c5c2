/*
 * codegen/object.c — from the finished LLVM module to raw BPF instruction arrays.
 *
 * Owns: IR verification, the one -O2 pass pipeline, --dump=ir, emitting the ELF object to
 * memory and cutting the prog_N sections out of it with libelf, refusing any object that
 * carries relocations or data sections (nothing could resolve them).
 * Must not: write files or load anything into the kernel.
 */
#include <gelf.h>
#include <libelf.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>

#include <llvm-c/Analysis.h>
#include <llvm-c/Transforms/PassBuilder.h>

#include "codegen_internal.h"

/* Turn each CG_PSEUDO_PROBE placeholder load into `r = point index` (ld_imm64). */
static void patch_probe(void *insns, size_t cnt, int index)
{
	struct bpf_insn *in = insns;
	for (size_t i = 0; i + 1 < cnt; i++) {
		if (in[i].code != (BPF_LD | BPF_IMM | BPF_DW))
			continue;
		if (in[i].src_reg == CG_PSEUDO_PROBE) {
			in[i].src_reg = 0;
			in[i].imm = index;
			in[i + 1].imm = 0;
		}
		i++; /* the second half of ld_imm64 */
	}
}

static int extract(struct cg *c, const char *data, size_t size, struct cg_result *out)
{
	int npoints = c->sr->npoints, err = -1;
	if (elf_version(EV_CURRENT) == EV_NONE) {
		diag_error_noloc(c->d, "libelf initialisation failed");
		return -1;
	}
	Elf *e = elf_memory((char *)data, size);
	size_t shstrndx;
	if (!e || elf_getshdrstrndx(e, &shstrndx)) {
		diag_error_noloc(c->d, "LLVM produced an unreadable ELF object: %s",
				 elf_errmsg(-1));
		goto out;
	}
	for (Elf_Scn *s = elf_nextscn(e, NULL); s; s = elf_nextscn(e, s)) {
		GElf_Shdr sh;
		if (!gelf_getshdr(s, &sh))
			continue;
		const char *name = elf_strptr(e, shstrndx, sh.sh_name);
		if (!name)
			continue;
		if (sh.sh_type == SHT_REL || sh.sh_type == SHT_RELA) {
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
	}
	for (int i = 0; i < npoints; i++) {
		int from = c->share_of ? c->share_of[i] : -1;
		if (from < 0 || out->progs[i].insns || !out->progs[from].insns)
			continue;
		size_t bytes = out->progs[from].insn_cnt * sizeof(struct bpf_insn);
		out->progs[i].insns = malloc(bytes);
		if (!out->progs[i].insns) {
			diag_error_noloc(c->d, "out of memory");
			goto out;
		}
		memcpy(out->progs[i].insns, out->progs[from].insns, bytes);
		out->progs[i].insn_cnt = out->progs[from].insn_cnt;
	}
	for (int i = 0; i < npoints; i++) {
		if (out->progs[i].insns)
			patch_probe(out->progs[i].insns, out->progs[i].insn_cnt,
				    c->sr->points[i].index);
		if (!out->progs[i].insns) {
			diag_error_noloc(c->d, "internal error: no code for probe %s",
					 c->sr->points[i].name);
			goto out;
		}
	}
	err = 0;
out:
	if (e)
		elf_end(e);
	return err;
}

static int is_loop(struct node *n, void *ctx)
{
	(void)ctx;
	return n->kind == AST_WHILE;
}

/* Straight-line probe code needs only these passes: promote the stack slots codegen uses
 * for everything, fold, merge blocks, drop repeated loads and dead stores. On our programs
 * they give the same instruction counts as default<O2>, while building and running the
 * full O2 pipeline touches most of LLVM's optimiser (about 1 MB more resident memory at
 * start-up; tests/bench/RESULTS.md). `while` loops keep O2: its loop passes shape what
 * the verifier accepts. */
static const char *pass_pipeline(struct cg *c)
{
	if (ast_walk(c->prog, is_loop, NULL, NULL))
		return "default<O2>";
	return "function(sroa,early-cse<memssa>,instcombine,simplifycfg,gvn,memcpyopt,dse,"
	       "instcombine,simplifycfg)";
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

	LLVMPassBuilderOptionsRef po = LLVMCreatePassBuilderOptions();
	LLVMErrorRef perr = LLVMRunPasses(c->mod, pass_pipeline(c), c->tm, po);
	LLVMDisposePassBuilderOptions(po);
	if (perr) {
		char *m = LLVMGetErrorMessage(perr);
		diag_error_noloc(c->d, "internal error: LLVM optimisation failed: %s", m);
		LLVMDisposeErrorMessage(m);
		return -1;
	}
	if (c->opts->dump_ir) {
		char *ir = LLVMPrintModuleToString(c->mod);
		fputs(ir, c->opts->dump_ir);
		LLVMDisposeMessage(ir);
	}

	LLVMMemoryBufferRef buf = NULL;
	if (LLVMTargetMachineEmitToMemoryBuffer(c->tm, c->mod, LLVMObjectFile, &msg, &buf)) {
		diag_error_noloc(c->d, "LLVM could not generate BPF code: %s",
				 c->llvm_error ? c->llvm_error : msg ? msg : "?");
		LLVMDisposeMessage(msg);
		return -1;
	}
	if (c->llvm_error) {
		/* e.g. "Looks like the BPF stack limit is exceeded" for one function */
		diag_error_noloc(c->d, "LLVM could not generate BPF code: %s", c->llvm_error);
		LLVMDisposeMemoryBuffer(buf);
		return -1;
	}
	int err = extract(c, LLVMGetBufferStart(buf), LLVMGetBufferSize(buf), out);
	LLVMDisposeMemoryBuffer(buf);
	return err;
}
