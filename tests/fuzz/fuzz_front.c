/*
 * tests/fuzz/fuzz_front.c — libFuzzer harnesses over the whole front end.
 *
 * Owns: one LLVMFuzzerTestOneInput built in two flavours (chosen by -DFUZZ_STAGE):
 *   FUZZ_STAGE=1  "parse":   lexer (lex_dump) + parser + AST dump + diagnostic rendering
 *   FUZZ_STAGE=2  "compile": parse + sema + codegen to BPF instructions with stand-in map
 *                 fds (the --dry-run path): nothing is loaded into the kernel.
 * The input is the script text, byte for byte (NUL bytes and invalid UTF-8 included).
 * Must not: load or attach anything, exit the process, or keep state between inputs
 * (every allocation is freed, so LeakSanitizer findings are real leaks).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/codegen.h"
#include "common/diag.h"
#include "common/ast.h"
#include "parser/parse.h"
#include "runtime/provider.h"
#include "sema/abi.h"
#include "sema/sema.h"
#include "stdlib/builtins.h"

#ifndef FUZZ_STAGE
#define FUZZ_STAGE 2
#endif

/* Scripts that expand to many probe points (tracepoint:syscalls:*) are valid but make one
 * input cost seconds of codegen; the per-point code is the same, so skip codegen past this. */
#define FUZZ_MAX_POINTS 16

static FILE *sink;

static void count_tok(const char *tok, struct span loc, const char *text, void *ctx)
{
	(void)tok;
	(void)loc;
	(void)text;
	(*(int *)ctx)++;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	sink = fopen("/dev/null", "w");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 64 * 1024)
		return -1;
	struct source src;
	if (src_from_string(&src, "stdin", (const char *)data, size))
		return 0;
	struct diag d;
	diag_init(&d, &src);

	int ntok = 0;
	lex_dump(&src, &d, count_tok, &ntok);
	diag_print(&d, sink);
	diag_free(&d);
	diag_init(&d, &src);

	struct node *prog = parse_program(&src, &d);
	if (prog && !diag_count(&d)) {
#if FUZZ_STAGE == 1
		ast_dump(sink, prog, NULL);
#else
		static char *pos[] = { "1", "abc", "-5" };
		struct sema_opts so = { .npos = 3, .pos = pos, .have_cpid = true,
					.strlen = ABI_STRLEN_DEFAULT, .builtins = &builtin_set };
		so.probes = &rt_probes;
		struct sema_result sr = { 0 };
		if (sema_run(prog, &so, &d, &sr) == 0 && !diag_count(&d)) {
			ast_dump(sink, prog, type_name);
			if (sr.npoints <= FUZZ_MAX_POINTS) {
				int fds[sr.nmaps ? sr.nmaps : 1];
				for (int i = 0; i < sr.nmaps; i++)
					fds[i] = 100 + i;
				struct cg_opts cg = { .map_fds = fds, .ringbuf_fd = 97, .lost_fd = 98,
						      .scratch_fd = 99, .start_ns = 1, .cpid = 42 };
				struct cg_result res = { 0 };
				codegen_run(prog, &sr, &cg, &d, &res);
				cg_result_free(&res);
			}
		}
		sema_result_free(&sr);
#endif
	}
	diag_print(&d, sink);
	if (prog)
		ast_free(prog);
	diag_free(&d);
	src_free(&src);
	return 0;
}
