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
	LLVMErrorRef perr = LLVMRunPasses(c->mod, "default<O2>", c->tm, po);
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
