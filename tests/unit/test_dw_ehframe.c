/*
 * tests/unit/test_dw_ehframe.c — runtime/dw_ehframe.c: .eh_frame bytes → dw_ustack rows.
 *
 * Owns: hand-assembled CIEs and FDEs (pcrel sdata4 pointers as gcc writes them) whose rows
 * are known: the CFA moving between rsp and rbp, %rbp's save slot, remember/restore_state,
 * the PLT's DW_OP expression, an undefined return address (_start) and a stop row at each
 * FDE's end; the workload built without frame pointers compared with the rows readelf
 * prints for it is the uprobe suite's business (it runs them).
 * Must not: read files other than its own bytes.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/dw_ehframe.h"
#include "check.h"

#define SEC_ADDR 0x2000u

static uint8_t buf[512];
static size_t len;

static void b(int n, ...)
{
	va_list ap;
	va_start(ap, n);
	for (int i = 0; i < n; i++)
		buf[len++] = (uint8_t)va_arg(ap, int);
	va_end(ap);
}

static void u32(uint32_t v)
{
	for (int i = 0; i < 4; i++)
		buf[len++] = (uint8_t)(v >> (8 * i));
}

/* an entry: its length is patched when it ends (padded with nops to 4 bytes) */
static size_t open_entry(void)
{
	size_t at = len;
	u32(0);
	return at;
}

static void close_entry(size_t at)
{
	while ((len - at) % 4)
		buf[len++] = 0; /* DW_CFA_nop */
	uint32_t l = (uint32_t)(len - at - 4);
	memcpy(buf + at, &l, 4);
}

/* an FDE of the CIE at cie for [pc, pc + range) with the instructions in ins */
static void fde(size_t cie, uint32_t pc, uint32_t range, const uint8_t *ins, size_t n)
{
	size_t at = open_entry();
	u32((uint32_t)(len - cie));                        /* back to the CIE */
	u32((uint32_t)(pc - (SEC_ADDR + (uint32_t)len))); /* pcrel sdata4 */
	u32(range);
	b(1, 0); /* augmentation data: none */
	memcpy(buf + len, ins, n);
	len += n;
	close_entry(at);
}

static bool row_is(const struct abi_dw_row *r, uint64_t pc, int rule, int off, int bprule, int bpoff)
{
	bool ok = r->pc == pc && r->cfa_rule == rule &&
		  (rule == ABI_DW_STOP ||
		   (r->cfa_off == off && r->rbp_rule == bprule && r->rbp_off == bpoff));
	if (!ok)
		printf("# row pc %#llx rule %d off %d rbp %d %d; want pc %#llx rule %d off %d rbp %d %d\n",
		       (unsigned long long)r->pc, r->cfa_rule, r->cfa_off, r->rbp_rule, r->rbp_off,
		       (unsigned long long)pc, rule, off, bprule, bpoff);
	return ok;
}

int main(void)
{
	TEST_BEGIN("dw_ehframe: CIE, FDEs, rbp frames, remember/restore, PLT, _start");
	/* CIE: version 1, "zR", code 1, data -8, RA 16, pcrel|sdata4; CFA = rsp + 8, RA at
	 * CFA - 8 */
	size_t cie = open_entry();
	u32(0);
	b(1, 1);
	b(3, 'z', 'R', 0);
	b(3, 1, 0x78, 16);
	b(2, 1, 0x1b);
	b(5, 0x0c, 7, 8, 0x90, 1);
	close_entry(cie);
	/* _start: the return address is undefined (first, so its stop row is not merged
	 * into the previous FDE's end) */
	static const uint8_t start[] = { 0x07, 0x10 };
	fde(cie, 0x0f00, 0x10, start, sizeof(start));
	/* a function with a frame pointer, and a remembered state around an early return */
	static const uint8_t f1[] = {
		0x41, 0x0e, 0x10, 0x86, 0x02, /* +1: CFA rsp+16, rbp at CFA-16 */
		0x43, 0x0d, 0x06,             /* +4: CFA rbp+16 */
		0x4a, 0x0a, 0x0c, 0x07, 0x08, /* +14: remember; CFA rsp+8 */
		0x42, 0x0b,                   /* +16: restore: CFA rbp+16 again */
		0x44,                         /* +20: nothing changes */
	};
	fde(cie, 0x1000, 0x20, f1, sizeof(f1));
	/* the PLT: rsp+16, rsp+24, then binutils' expression */
	static const uint8_t plt[] = {
		0x0e, 0x10, 0x46, 0x0e, 0x18, 0x4a, 0x0f, 11,
		0x77, 0x08, 0x80, 0x00, 0x3f, 0x1a, 0x3b, 0x2a, 0x33, 0x24, 0x22,
	};
	fde(cie, 0x1100, 0x20, plt, sizeof(plt));
	u32(0); /* terminator */

	struct abi_dw_row *rows = NULL;
	size_t n = 0;
	CHECK(dw_ehframe_parse(buf, len, SEC_ADDR, 0, &rows, &n) == 0);
	for (size_t i = 0; getenv("DW_DUMP") && i < n; i++)
		printf("# %#llx %d %d %d %d\n", (unsigned long long)rows[i].pc, rows[i].cfa_rule,
		       rows[i].cfa_off, rows[i].rbp_rule, rows[i].rbp_off);
	CHECK_EQ_INT((int)n, 11);
	if (n == 11) {
		CHECK(row_is(&rows[0], 0x0f00, ABI_DW_STOP, 0, 0, 0));
		CHECK(row_is(&rows[1], 0x1000, ABI_DW_RSP, 8, ABI_DW_RBP_SAME, 0));
		CHECK(row_is(&rows[2], 0x1001, ABI_DW_RSP, 16, ABI_DW_RBP_AT, -16));
		CHECK(row_is(&rows[3], 0x1004, ABI_DW_RBP, 16, ABI_DW_RBP_AT, -16));
		CHECK(row_is(&rows[4], 0x100e, ABI_DW_RSP, 8, ABI_DW_RBP_AT, -16));
		CHECK(row_is(&rows[5], 0x1010, ABI_DW_RBP, 16, ABI_DW_RBP_AT, -16));
		CHECK(row_is(&rows[6], 0x1020, ABI_DW_STOP, 0, 0, 0));
		CHECK(row_is(&rows[7], 0x1100, ABI_DW_RSP, 16, ABI_DW_RBP_SAME, 0));
		CHECK(row_is(&rows[8], 0x1106, ABI_DW_RSP, 24, ABI_DW_RBP_SAME, 0));
		CHECK(row_is(&rows[9], 0x1110, ABI_DW_PLT, 11, ABI_DW_RBP_SAME, 0));
		CHECK(row_is(&rows[10], 0x1120, ABI_DW_STOP, 0, 0, 0));
	}
	free(rows);
	TEST_END();

	TEST_BEGIN("dw_ehframe: truncated and unknown input gives no rows, no crash");
	for (size_t cut = 0; cut < len; cut += 3) {
		rows = NULL;
		n = 0;
		CHECK(dw_ehframe_parse(buf, cut, SEC_ADDR, 0, &rows, &n) == 0);
		free(rows);
	}
	uint8_t junk[64];
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 37 + 11);
	rows = NULL;
	CHECK(dw_ehframe_parse(junk, sizeof(junk), SEC_ADDR, 0, &rows, &n) == 0);
	free(rows);
	TEST_END();
	return check_summary();
}
