/*
 * common/usdt_args.h — the operand specs of SystemTap SDT (USDT) probe arguments, x86-64.
 *
 * Owns: parsing one spec ("-4@%edi", "8@-8(%rbp)", "4@$5", "8@16(%rax,%rbx,8)",
 * "8@foo+8(%rip)") or a probe's whole argument string into struct usdt_arg: size,
 * signedness, kind, and every register as its byte offset in the kernel's x86-64
 * struct pt_regs; and the reference semantics of reading an argument (usdt_arg_eval),
 * which BPF code generation must reproduce. At the bottom layer because a probe point
 * (sema/probe.h) carries its specs to codegen, which reads them.
 * Must not: read ELF files (runtime/usdt_notes.c resolves %rip symbols), touch processes,
 * emit BPF, or print (errors are -errno + one sentence).
 *
 * How an argument is read in BPF (ctx is the uprobe's struct pt_regs *):
 *   REG    v = *(u64 *)(ctx + reg.off); v >>= reg.shift (8 for %ah/%bh/%ch/%dh)
 *   MEM    addr = *(u64 *)(ctx + base.off) (0 without a base)
 *               + *(u64 *)(ctx + index.off) * scale (without an index: nothing)
 *               + disp;
 *          v = 0; bpf_probe_read_user(&v, size, addr)
 *   RIP    addr = ctx->ip + rip_delta  (in a uprobe handler ctx->ip is the probe's own
 *          run-time address, so no load bias is needed, PIE or not; rip_delta is set by
 *          usdt_notes.c from the symbol table); v = 0; bpf_probe_read_user(&v, size, addr)
 *   CONST  v = value
 * then sign-extend (is_signed) or zero-extend v from size bytes to 64 bits. The register
 * width in the name (%al vs %rax) does not matter: the spec's size decides, as in libbpf.
 */
#ifndef BPFSCRIPT_USDT_ARGS_H
#define BPFSCRIPT_USDT_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* <sys/sdt.h> has STAP_PROBE1..STAP_PROBE12. */
#define USDT_MAX_ARGS 12

/* Byte offsets in the kernel's x86-64 struct pt_regs (arch/x86/include/asm/ptrace.h);
 * user_regs_struct (ptrace) has the same first 21 slots in the same order. */
enum usdt_pt_regs_off {
	USDT_PT_R15 = 0, USDT_PT_R14 = 8, USDT_PT_R13 = 16, USDT_PT_R12 = 24,
	USDT_PT_BP = 32, USDT_PT_BX = 40, USDT_PT_R11 = 48, USDT_PT_R10 = 56,
	USDT_PT_R9 = 64, USDT_PT_R8 = 72, USDT_PT_AX = 80, USDT_PT_CX = 88,
	USDT_PT_DX = 96, USDT_PT_SI = 104, USDT_PT_DI = 112, USDT_PT_ORIG_AX = 120,
	USDT_PT_IP = 128, USDT_PT_CS = 136, USDT_PT_FLAGS = 144, USDT_PT_SP = 152,
	USDT_PT_SS = 160,
	USDT_PT_REGS_SIZE = 168,
};

enum usdt_arg_kind {
	USDT_ARG_REG,         /* in a register */
	USDT_ARG_MEM,         /* in memory at base + index*scale + disp */
	USDT_ARG_CONST,       /* a literal */
	USDT_ARG_RIP,         /* in memory at symbol + disp ("sym+8(%rip)") */
	USDT_ARG_UNSUPPORTED, /* only from usdt_args_parse: why says why */
};

struct usdt_reg {
	int off;   /* byte offset of the 8-byte slot in struct pt_regs; -1: no register */
	int width; /* bytes the name denotes: 8 (%rax), 4 (%eax), 2 (%ax), 1 (%al, %ah) */
	int shift; /* 8 for %ah/%bh/%ch/%dh (bits 8..15 of the slot), else 0 */
};

struct usdt_arg {
	enum usdt_arg_kind kind;
	int size;              /* 1, 2, 4 or 8 bytes */
	bool is_signed;
	struct usdt_reg reg;   /* REG: the register; MEM: the base (off -1: none) */
	struct usdt_reg index; /* MEM: the index register (off -1: none) */
	int scale;             /* MEM: 1, 2, 4 or 8 (1 without an index) */
	int64_t disp;          /* MEM, RIP: displacement; CONST: the value */
	char sym[128];         /* RIP: the symbol ("" for a numeric %rip displacement) */
	bool resolved;         /* RIP: rip_delta is set (by usdt_notes.c) */
	int64_t rip_delta;     /* RIP: run-time address = probe's run-time ip + rip_delta */
	char spec[64];         /* the spec as written (truncated), for messages */
	char why[160];         /* UNSUPPORTED: one sentence */
};

/* Register name without '%' ("rax", "r8d", "sil", "ah") → its pt_regs slot. 0 or
 * -ENOENT (not a general-purpose register, or %rip). */
int usdt_reg_by_name(const char *name, struct usdt_reg *out);
/* The 64-bit name of a pt_regs slot offset ("rax", "r15", "rip"), or NULL. */
const char *usdt_reg_slot_name(int off);

/* One spec, e.g. "-4@-20(%rbp)". 0, or -EINVAL with one sentence in err that quotes the
 * spec. Never returns kind UNSUPPORTED. A spec without a size prefix ("%eax", old SDT
 * notes) is 8 bytes signed, as SystemTap reads it. */
int usdt_arg_parse(const char *spec, struct usdt_arg *out, char *err, size_t errlen);

/* A probe's whole argument string (specs separated by blanks; "" for none) into
 * out[0..*n). A spec that cannot be read becomes kind UNSUPPORTED with its sentence in
 * why, so one exotic argument does not make the probe's other arguments unusable.
 * 0, or -E2BIG (more than max specs) with err set. */
int usdt_args_parse(const char *args, struct usdt_arg *out, int max, int *n, char *err,
		    size_t errlen);

/* raw's low size bytes, sign- or zero-extended to 64 bits. */
uint64_t usdt_extend(uint64_t raw, int size, bool is_signed);

/* A readable description, e.g. "s4 mem [rbp(32)-20]", "u8 reg rdi(112)", "s4 const -3",
 * "u8 rip [foo+8]", for tests and -lv style listings. */
void usdt_arg_describe(const struct usdt_arg *a, char *buf, size_t len);

/* The reference semantics of reading an argument (the comment at the top): regs is a
 * struct pt_regs image (USDT_PT_REGS_SIZE bytes), read_mem reads len bytes of the traced
 * process at addr into buf (0 or -errno). 0 with *out, -EINVAL for UNSUPPORTED or an
 * unresolved RIP, or read_mem's error. */
typedef int (*usdt_read_mem_fn)(void *ctx, uint64_t addr, void *buf, size_t len);
int usdt_arg_eval(const struct usdt_arg *a, const void *regs, usdt_read_mem_fn read_mem,
		  void *ctx, uint64_t *out);

#endif
