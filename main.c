/*
 * main.c — the command line: options, loading the script, running the stages in order.
 *
 * Owns: argv parsing (-e, FILE [ARG...], -c, -o, -q, -v, -h, --version, --dry-run,
 * --dump=ast|ir), environment knobs (BPFTRACE_MAP_KEYS, BPFTRACE_STRLEN), and the exit code.
 * Must not: parse the language, type-check, generate code or touch the kernel itself; each
 * stage lives in its own directory and reports through struct diag.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/abi.h"
#include "common/diag.h"
#include "parser/ast.h"
#include "parser/parse.h"
#include "runtime/session.h"
#include "sema/sema.h"

#define BPFSCRIPT_VERSION "0.1.0"

static void usage(FILE *out)
{
	fputs("USAGE:\n"
	      "    bpfscript [options] filename [arg ...]\n"
	      "    bpfscript [options] -e 'program' [arg ...]\n"
	      "\n"
	      "OPTIONS:\n"
	      "    -e 'program'   run this program\n"
	      "    -c 'CMD'       run CMD (its pid is `cpid`) and stop when it exits\n"
	      "    -o FILE        write printf output and maps to FILE\n"
	      "    -q             quiet: do not print \"Attaching N probes...\"\n"
	      "    -v             verbose: show libbpf messages and the verifier log\n"
	      "    --dry-run      parse, check and compile, but load nothing\n"
	      "    --dump=ast     print the syntax tree (after checks, with types) and stop\n"
	      "    --dump=ir      print the optimised LLVM IR (implies --dry-run)\n"
	      "    -h, --help     show this help\n"
	      "    --version      show the version\n"
	      "\n"
	      "ENVIRONMENT:\n"
	      "    BPFTRACE_MAP_KEYS   maximum keys per map (default 4096)\n"
	      "    BPFTRACE_STRLEN     bytes per str() buffer (default 64, at most 200)\n"
	      "\n"
	      "EXAMPLES:\n"
	      "    bpfscript -e 'tracepoint:syscalls:sys_enter_read { @reads[comm] = count(); }'\n"
	      "    bpfscript scripts/readlat.bt\n",
	      out);
}

static int env_u32(const char *name, uint32_t def, uint32_t lo, uint32_t hi, uint32_t *out)
{
	const char *v = getenv(name);
	*out = def;
	if (!v || !*v)
		return 0;
	char *end;
	errno = 0;
	unsigned long long n = strtoull(v, &end, 10);
	if (errno || *end || n < lo || n > hi) {
		fprintf(stderr, "ERROR: %s must be a number from %u to %u, got '%s'\n", name, lo,
			hi, v);
		return -1;
	}
	*out = (uint32_t)n;
	return 0;
}

enum { OPT_VERSION = 256, OPT_DRY_RUN, OPT_DUMP };

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "dump", required_argument, NULL, OPT_DUMP },
		{ NULL, 0, NULL, 0 },
	};
	const char *program = NULL, *out_path = NULL;
	struct session_opts so = { .out = stdout, .child_gate_fd = -1 };
	bool dump_ast = false;
	int opt;

	/* '+' stops at the first non-option so script arguments pass through untouched. */
	while ((opt = getopt_long(argc, argv, "+e:c:o:qvh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'e':
			program = optarg;
			break;
		case 'c':
			so.child_cmd = optarg;
			break;
		case 'o':
			out_path = optarg;
			break;
		case 'q':
			so.quiet = true;
			break;
		case 'v':
			so.verbose++;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case OPT_VERSION:
			printf("bpfscript v%s\n", BPFSCRIPT_VERSION);
			return 0;
		case OPT_DRY_RUN:
			so.dry_run = true;
			break;
		case OPT_DUMP:
			if (strcmp(optarg, "ast") == 0) {
				dump_ast = true;
			} else if (strcmp(optarg, "ir") == 0) {
				so.dump_ir = stdout;
				so.dry_run = true;
			} else {
				fprintf(stderr, "ERROR: --dump takes 'ast' or 'ir', not '%s'\n", optarg);
				return 1;
			}
			break;
		default:
			usage(stderr);
			return 1;
		}
	}

	struct source src;
	int err;
	if (program) {
		err = src_from_string(&src, "stdin", program, strlen(program));
	} else if (optind < argc) {
		const char *path = argv[optind++];
		err = src_from_file(&src, path);
		if (err) {
			fprintf(stderr, "ERROR: cannot read '%s': %s\n", path, strerror(-err));
			return 1;
		}
	} else {
		fputs("ERROR: no program given: use -e 'program' or a script file\n\n", stderr);
		usage(stderr);
		return 1;
	}
	if (err) {
		fprintf(stderr, "ERROR: %s\n", strerror(-err));
		return 1;
	}

	struct sema_opts sopts = {
		.npos = argc - optind,
		.pos = argv + optind,
		.have_cpid = so.child_cmd != NULL,
	};
	int rc = 1;
	struct diag d;
	struct sema_result sr = { 0 };
	struct node *prog = NULL;
	diag_init(&d, &src);

	if (env_u32("BPFTRACE_MAP_KEYS", ABI_MAP_KEYS_DEFAULT, 1, 1u << 24, &so.max_map_keys) ||
	    env_u32("BPFTRACE_STRLEN", ABI_STRLEN_DEFAULT, 1, 200, &sopts.strlen))
		goto out;

	prog = parse_program(&src, &d);
	if (!prog || diag_count(&d))
		goto out_diag;
	if (sema_run(prog, &sopts, &d, &sr) || diag_count(&d))
		goto out_diag;
	if (dump_ast) {
		ast_dump(stdout, prog, true);
		rc = 0;
		goto out_diag;
	}
	if (out_path && !so.dry_run) {
		so.out = fopen(out_path, "w");
		if (!so.out) {
			fprintf(stderr, "ERROR: cannot open '%s' for writing: %s\n", out_path,
				strerror(errno));
			goto out_diag;
		}
	}
	if (so.child_cmd && !so.dry_run && session_child_spawn(&so, &d))
		goto out_diag;
	rc = session_run(prog, &sr, &so, &d);

out_diag:
	diag_print(&d, stderr);
	if (diag_count(&d))
		rc = 1;
out:
	if (so.out && so.out != stdout)
		fclose(so.out);
	sema_result_free(&sr);
	if (prog)
		ast_free(prog);
	diag_free(&d);
	src_free(&src);
	return rc;
}
