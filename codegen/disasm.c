/*
 * codegen/disasm.c — `-d dis`: the BPF instructions of each program as text, in the
 * notation of the kernel verifier's log and `bpftool prog dump xlated`
 * (`0: (bf) r6 = r1`, `3: (85) call map_lookup_elem#1`, `r1 = map[fd:5] ll`).
 *
 * Owns: decoding struct bpf_insn (every class, ALU/JMP op, load/store size and mode,
 * 64-bit immediates, atomics, calls of helpers by name, BPF-to-BPF calls and kfuncs).
 * Must not: change the instructions or know what produced them.
 */
#include <inttypes.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <string.h>

#include "codegen_internal.h"

#ifndef BPF_MEMSX /* sign-extending loads (Linux 6.6), newer than Debian 12's header */
#define BPF_MEMSX 0x80
#endif

#define HELPER_NAME(x) #x
static const char *const helper_names[] = { __BPF_FUNC_MAPPER(HELPER_NAME) };
#undef HELPER_NAME

static const char *size_name(uint8_t code, bool sign)
{
	switch (BPF_SIZE(code)) {
	case BPF_B: return sign ? "s8" : "u8";
	case BPF_H: return sign ? "s16" : "u16";
	case BPF_W: return sign ? "s32" : "u32";
	default: return sign ? "s64" : "u64";
	}
}

static const char *alu_op(uint8_t op, int16_t off)
{
	switch (op) {
	case BPF_ADD: return "+=";
	case BPF_SUB: return "-=";
	case BPF_MUL: return "*=";
	case BPF_DIV: return off ? "s/=" : "/=";
	case BPF_OR: return "|=";
	case BPF_AND: return "&=";
	case BPF_LSH: return "<<=";
	case BPF_RSH: return ">>=";
	case BPF_MOD: return off ? "s%=" : "%=";
	case BPF_XOR: return "^=";
	case BPF_MOV: return "=";
	case BPF_ARSH: return "s>>=";
	default: return "?=";
	}
}

static const char *jmp_op(uint8_t op)
{
	switch (op) {
	case BPF_JEQ: return "==";
	case BPF_JGT: return ">";
	case BPF_JGE: return ">=";
	case BPF_JSET: return "&";
	case BPF_JNE: return "!=";
	case BPF_JSGT: return "s>";
	case BPF_JSGE: return "s>=";
	case BPF_JLT: return "<";
	case BPF_JLE: return "<=";
	case BPF_JSLT: return "s<";
	case BPF_JSLE: return "s<=";
	default: return "?";
	}
}

/* One instruction (two for a 64-bit immediate load); returns how many it used. */
static int one(FILE *out, const struct bpf_insn *in, size_t left)
{
	uint8_t code = in->code, cls = BPF_CLASS(code), op = BPF_OP(code);
	char r = (cls == BPF_ALU || cls == BPF_JMP32) ? 'w' : 'r';
	switch (cls) {
	case BPF_ALU:
	case BPF_ALU64:
		if (op == BPF_NEG) {
			fprintf(out, "%c%d = -%c%d", r, in->dst_reg, r, in->dst_reg);
		} else if (op == BPF_END) {
			const char *k = cls == BPF_ALU64 ? "bswap"
					: BPF_SRC(code) == BPF_TO_BE ? "be" : "le";
			fprintf(out, "r%d = %s%d r%d", in->dst_reg, k, in->imm, in->dst_reg);
		} else if (op == BPF_MOV && in->off && BPF_SRC(code) == BPF_X) { /* movsx */
			fprintf(out, "%c%d = (s%d)%c%d", r, in->dst_reg, in->off, r, in->src_reg);
		} else if (BPF_SRC(code) == BPF_X) {
			fprintf(out, "%c%d %s %c%d", r, in->dst_reg, alu_op(op, in->off), r,
				in->src_reg);
		} else {
			fprintf(out, "%c%d %s %d", r, in->dst_reg, alu_op(op, in->off), in->imm);
		}
		return 1;
	case BPF_LDX:
		fprintf(out, "r%d = *(%s *)(r%d %+d)", in->dst_reg,
			size_name(code, BPF_MODE(code) == BPF_MEMSX), in->src_reg, in->off);
		return 1;
	case BPF_ST:
		fprintf(out, "*(%s *)(r%d %+d) = %d", size_name(code, false), in->dst_reg, in->off,
			in->imm);
		return 1;
	case BPF_STX:
		if (BPF_MODE(code) == BPF_ATOMIC) {
			const char *w = BPF_SIZE(code) == BPF_DW ? "64" : "";
			if (in->imm == BPF_ADD || in->imm == BPF_AND || in->imm == BPF_OR ||
			    in->imm == BPF_XOR)
				fprintf(out, "lock *(%s *)(r%d %+d) %s r%d", size_name(code, false),
					in->dst_reg, in->off, alu_op((uint8_t)in->imm, 0), in->src_reg);
			else if (in->imm == BPF_XCHG)
				fprintf(out, "r%d = atomic%s_xchg((%s *)(r%d %+d), r%d)", in->src_reg,
					w, size_name(code, false), in->dst_reg, in->off, in->src_reg);
			else if (in->imm == BPF_CMPXCHG)
				fprintf(out, "r0 = atomic%s_cmpxchg((%s *)(r%d %+d), r0, r%d)", w,
					size_name(code, false), in->dst_reg, in->off, in->src_reg);
			else
				fprintf(out, "r%d = atomic%s_fetch_op(0x%x, (%s *)(r%d %+d), r%d)",
					in->src_reg, w, (unsigned)in->imm, size_name(code, false),
					in->dst_reg, in->off, in->src_reg);
		} else {
			fprintf(out, "*(%s *)(r%d %+d) = r%d", size_name(code, false), in->dst_reg,
				in->off, in->src_reg);
		}
		return 1;
	case BPF_LD:
		if (code == (BPF_LD | BPF_IMM | BPF_DW) && left >= 2) {
			uint64_t v = (uint32_t)in->imm | (uint64_t)(uint32_t)in[1].imm << 32;
			if (in->src_reg == BPF_PSEUDO_MAP_FD)
				fprintf(out, "r%d = map[fd:%d] ll", in->dst_reg, in->imm);
			else if (in->src_reg == BPF_PSEUDO_MAP_VALUE)
				fprintf(out, "r%d = map[fd:%d][0]+%d ll", in->dst_reg, in->imm,
					in[1].imm);
			else if (in->src_reg == BPF_PSEUDO_BTF_ID)
				fprintf(out, "r%d = btf_id[%d] ll", in->dst_reg, in->imm);
			else
				fprintf(out, "r%d = 0x%" PRIx64 " ll", in->dst_reg, v);
			return 2;
		}
		fprintf(out, "(legacy load 0x%02x)", code);
		return 1;
	case BPF_JMP:
	case BPF_JMP32:
		if (op == BPF_EXIT) {
			fputs("exit", out);
		} else if (op == BPF_CALL) {
			if (in->src_reg == BPF_PSEUDO_CALL)
				fprintf(out, "call pc%+d", in->imm);
			else if (in->src_reg == BPF_PSEUDO_KFUNC_CALL)
				fprintf(out, "call kernel-function#%d", in->imm);
			else if (in->imm >= 0 &&
				 (size_t)in->imm < sizeof(helper_names) / sizeof(helper_names[0]))
				fprintf(out, "call bpf_%s#%d", helper_names[in->imm], in->imm);
			else
				fprintf(out, "call #%d", in->imm);
		} else if (op == BPF_JA) {
			fprintf(out, "goto pc%+d", cls == BPF_JMP32 ? in->imm : in->off);
		} else if (BPF_SRC(code) == BPF_X) {
			fprintf(out, "if %c%d %s %c%d goto pc%+d", r, in->dst_reg, jmp_op(op), r,
				in->src_reg, in->off);
		} else {
			fprintf(out, "if %c%d %s 0x%x goto pc%+d", r, in->dst_reg, jmp_op(op),
				(unsigned)in->imm, in->off);
		}
		return 1;
	default:
		fprintf(out, "(unknown 0x%02x)", code);
		return 1;
	}
}

void cg_disasm(FILE *out, const void *insns, size_t n)
{
	const struct bpf_insn *in = insns;
	for (size_t i = 0; i < n;) {
		fprintf(out, "%4zu: (%02x) ", i, in[i].code);
		i += (size_t)one(out, &in[i], n - i);
		fputc('\n', out);
	}
}
