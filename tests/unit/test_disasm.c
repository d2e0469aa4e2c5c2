/*
 * tests/unit/test_disasm.c — `-d dis` (codegen/disasm.c): exact text of hand-made BPF
 * instructions of every class, in the kernel verifier log's notation.
 * Must not: need a kernel or LLVM.
 */
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../codegen/codegen_internal.h"
#include "check.h"

#define I(c, d, s, o, i) { .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) }

int main(void)
{
	static const struct bpf_insn prog[] = {
		I(BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0, 0),
		I(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -8),
		I(BPF_ALU | BPF_XOR | BPF_X, 3, 4, 0, 0),
		I(BPF_ALU64 | BPF_DIV | BPF_K, 1, 0, 1, 3),
		I(BPF_ALU64 | BPF_NEG, 5, 0, 0, 0),
		I(BPF_ALU | BPF_END | BPF_TO_BE, 1, 0, 0, 16),
		I(BPF_LDX | BPF_MEM | BPF_W, 0, 1, 8, 0),
		I(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -16, 7),
		I(BPF_STX | BPF_MEM | BPF_B, 10, 3, -1, 0),
		I(BPF_STX | BPF_ATOMIC | BPF_DW, 0, 1, 0, BPF_ADD),
		I(BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_FD, 0, 5),
		I(0, 0, 0, 0, 0),
		I(BPF_LD | BPF_IMM | BPF_DW, 2, 0, 0, 0x5678),
		I(0, 0, 0, 0, 0x1234),
		I(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 3, 0),
		I(BPF_JMP32 | BPF_JSGT | BPF_X, 1, 2, -2, 0),
		I(BPF_JMP | BPF_JA, 0, 0, 1, 0),
		I(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem),
		I(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 4),
		I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	cg_disasm(f, prog, sizeof(prog) / sizeof(prog[0]));
	fclose(f);
	TEST_BEGIN("disasm: every instruction class");
	static const char *const want[] = {
		"   0: (bf) r6 = r1",
		"   1: (07) r2 += -8",
		"   2: (ac) w3 ^= w4",
		"   3: (37) r1 s/= 3",
		"   4: (87) r5 = -r5",
		"   5: (dc) r1 = be16 r1",
		"   6: (61) r0 = *(u32 *)(r1 +8)",
		"   7: (7a) *(u64 *)(r10 -16) = 7",
		"   8: (73) *(u8 *)(r10 -1) = r3",
		"   9: (db) lock *(u64 *)(r0 +0) += r1",
		"  10: (18) r1 = map[fd:5] ll",
		"  12: (18) r2 = 0x123400005678 ll",
		"  14: (15) if r0 == 0x0 goto pc+3",
		"  15: (6e) if w1 s> w2 goto pc-2",
		"  16: (05) goto pc+1",
		"  17: (85) call bpf_map_lookup_elem#1",
		"  18: (85) call pc+4",
		"  19: (95) exit",
	};
	char *line = text;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		char *nl = line ? strchr(line, '\n') : NULL;
		if (nl)
			*nl = '\0';
		CHECK_EQ_STR(line ? line : "(missing)", want[i]);
		line = nl ? nl + 1 : NULL;
	}
	CHECK(line && !*line);
	TEST_END();
	free(text);
	return check_summary();
}
