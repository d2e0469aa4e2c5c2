/*
 * main.c — the command line: options, loading the script, running the stages in order.
 *
 * Owns: argv parsing (-e, FILE [ARG...], -c, -o, -q, -v, -h, --version, --dry-run,
 * --dump=ast|ir, -d, --emit-llvm, --emit-elf, -B, --no-warnings), environment knobs (BPFTRACE_MAP_KEYS, BPFTRACE_STRLEN), and the exit code.
 * Must not: parse the language, type-check, generate code or touch the kernel itself; each
 * stage lives in its own directory and reports through struct diag.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/version.h"
#include "common/diag.h"
#include "common/kinfo.h"
#include "common/ast.h"
#include "parser/parse.h"
#include "runtime/info.h"
#include "runtime/list.h"
#include "runtime/provider.h"
#include "runtime/session.h"
#include "sema/abi.h"
#include "sema/config.h"
#include "sema/sema.h"
#include "stdlib/builtins.h"


static void usage(FILE *out)
{
	fputs("USAGE:\n"
	      "    bpfscript [options] filename [arg ...]\n"
	      "    bpfscript [options] -e 'program' [arg ...]\n"
	      "    bpfscript [options] - [arg ...]      (the program from standard input)\n"
	      "\n"
	      "OPTIONS:\n"
	      "    -e 'program'   run this program\n"
	      "    -c 'CMD'       run CMD (its pid is `cpid`) and stop when it exits\n"
	      "    -o FILE        write printf output and maps to FILE\n"
	      "    -p PID         probes fire only in process PID; stop when it exits\n"
	      "    --dwarf-pid PID  one more process dw_ustack reads unwind tables of\n"
	      "    -l [PATTERN]   list probes (tracepoints, kprobes, uprobe:BINARY:*); -lv: details\n"
	      "    -q             quiet: do not print \"Attaching N probes...\"\n"
	      "    -v             verbose: show libbpf messages and the verifier log\n"
	      "    -k             warn, with the source location, when a BPF helper fails\n"
	      "                   (map updates and deletes, stacks, signals); -kk: also\n"
	      "                   probe reads and map lookups of missing keys\n"
	      "    -f FORMAT      output format: text (default), json, openmetrics, prometheus,\n"
	      "                   folded (maps keyed by stacks as flame-graph lines)\n"
	      "    --metrics HOST:PORT  serve every map at http://HOST:PORT/metrics while running\n"
	      "    -I DIR         look for #include headers in DIR too\n"
	      "    --include FILE as if the script began with #include <FILE>\n"
	      "    --info         what this build and the running kernel support\n"
	      "    --unsafe       allow system() and signal()\n"
	      "    --usdt-file-activation  accepted for bpftrace; USDT semaphores are always on\n"
	      "                   in every process that maps the probed file\n"
	      "    --dry-run      parse, check and compile, but load nothing\n"
	      "    --dump=ast     print the syntax tree (after checks, with types) and stop\n"
	      "    --dump=ir      print the optimised LLVM IR (implies --dry-run)\n"
	      "    -d STAGE       debug output, then run: parse (the parser's trace), ast (the\n"
	      "                   tree after each stage, on stderr), types (the checked tree),\n"
	      "                   codegen (LLVM IR before optimisation), codegen-opt (after),\n"
	      "                   dis (the BPF instructions), libbpf or verifier (as -v), all\n"
	      "                   (all but parse); comma-separated\n"
	      "    --emit-llvm FILE  write the LLVM IR to FILE.original.ll and FILE.optimized.ll\n"
	      "    --emit-elf FILE   write the BPF ELF object to FILE (implies --dry-run)\n"
	      "    -B MODE        stdout buffering: line, full (written at exit) or none\n"
	      "    --no-warnings  print no warnings\n"
	      "    --test         run the test:NAME probes (between BEGIN and END) and report\n"
	      "                   which passed; nothing is attached\n"
	      "    --bench        time the bench:NAME probes and print their table\n"
	      "    -h, --help     show this help\n"
	      "    -V, --version  show the version\n"
	      "\n"
	      "ENVIRONMENT:\n"
	      "    BPFTRACE_MAP_KEYS   maximum keys per map (default 4096)\n"
	      "    BPFTRACE_STRLEN     bytes per str() buffer (default 64, at most 200)\n"
	      "    BPFTRACE_MAX_STRLEN, BPFTRACE_MAP_KEYS_MAX, BPFTRACE_MAX_MAP_KEYS   the same\n"
	      "    BPFTRACE_CAT_BYTES_MAX  bytes cat() prints per call (default 10240)\n"
	      "    BPFTRACE_MAX_PROBES most probes one program may attach (default 512)\n"
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

/* Like env_u32, but leaves *out alone when the variable is unset. */
static int env_alias(const char *name, uint32_t lo, uint32_t hi, uint32_t *out)
{
	const char *v = getenv(name);
	if (!v || !*v)
		return 0;
	return env_u32(name, *out, lo, hi, out);
}

/* Is any of these environment variables set (non-empty)? */
static bool env_given(const char *a, const char *b, const char *c)
{
	const char *names[3] = { a, b, c };
	for (int i = 0; i < 3; i++) {
		const char *v = names[i] ? getenv(names[i]) : NULL;
		if (v && *v)
			return true;
	}
	return false;
}

enum { OPT_VERSION = 256, OPT_DRY_RUN, OPT_DUMP, OPT_UNSAFE, OPT_INFO, OPT_INCLUDE, OPT_METRICS,
       OPT_USDT_FILE_ACTIVATION, OPT_EMIT_LLVM, OPT_EMIT_ELF, OPT_NO_WARNINGS,
       OPT_TEST, OPT_BENCH, OPT_DWARF_PID };

/* -d STAGE[,STAGE...]: bpftrace's debug stages, on bpfscript's pipeline: parse (bison's
 * trace), ast (the tree after each stage, on stderr as bpftrace prints it), types (the
 * checked tree with types), codegen / codegen-opt (LLVM IR), dis (the BPF instructions),
 * libbpf / verifier (as -v). */
enum { DBG_AST = 1, DBG_CODEGEN = 2, DBG_CODEGEN_OPT = 4, DBG_VERBOSE = 8, DBG_TYPES = 16,
       DBG_DIS = 32, DBG_PARSE = 64 };

static int debug_stages(const char *arg, unsigned *mask)
{
	static const struct { const char *name; unsigned bits; } stages[] = {
		{ "parse", DBG_PARSE }, { "ast", DBG_AST }, { "types", DBG_TYPES },
		{ "codegen", DBG_CODEGEN }, { "codegen-opt", DBG_CODEGEN_OPT }, { "dis", DBG_DIS },
		{ "libbpf", DBG_VERBOSE }, { "verifier", DBG_VERBOSE },
		{ "all", DBG_AST | DBG_TYPES | DBG_CODEGEN | DBG_CODEGEN_OPT | DBG_DIS |
			 DBG_VERBOSE }, /* as bpftrace's all: not parse */
	};
	const char *p = arg;
	while (*p) {
		size_t n = strcspn(p, ",");
		size_t i = 0;
		for (; n && i < sizeof(stages) / sizeof(stages[0]); i++)
			if (strlen(stages[i].name) == n && memcmp(stages[i].name, p, n) == 0)
				break;
		if (n && i == sizeof(stages) / sizeof(stages[0])) {
			fprintf(stderr, "ERROR: invalid stage for -d: '%.*s' (parse, ast, types, "
					"codegen, codegen-opt, dis, libbpf, verifier, all)\n", (int)n, p);
			return -1;
		}
		if (n)
			*mask |= stages[i].bits;
		p += n;
		if (*p)
			p++;
	}
	return 0;
}

/* -d ast: the tree after a stage, on stderr with bpftrace's heading */
static void print_stage(void *ctx, const char *stage, const struct node *prog)
{
	(void)ctx;
	fprintf(stderr, "AST after: %s\n-------------------\n", stage);
	ast_dump(stderr, prog, strcmp(stage, "semantic-analysis") == 0 ? type_name : NULL);
	fputc('\n', stderr);
}

/* --emit-llvm FILE: FILE.original.ll / FILE.optimized.ll, as bpftrace names them */
static FILE *open_emit(const char *base, const char *suffix)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s%s", base, suffix);
	FILE *f = fopen(path, "w");
	if (!f)
		fprintf(stderr, "ERROR: cannot open '%s' for writing: %s\n", path, strerror(errno));
	return f;
}

/* `-- --help`: the script's getopt() options, in bpftrace's words (its hint after an
 * unknown option), each with its description and, which bpftrace leaves out, its default.
 * Asked for, so on stdout (stderr with -f json) and exit status 0 (bpftrace: stderr, 1). */
static void print_opts_help(const struct sema_result *sr, FILE *out)
{
	if (!sr->nopts) {
		fputs("HINT: no custom program options defined.\n", out);
		return;
	}
	fputs("HINT: expected program options:\n", out);
	for (int i = 0; i < sr->nopts; i++) {
		const struct getopt_opt *o = &sr->opts[i];
		fprintf(out, "--%s", o->name);
		if (o->desc && *o->desc)
			fprintf(out, ": %s", o->desc);
		fprintf(out, " (default: %s)\n", o->def);
	}
}

#define PID_MAX_LIMIT (4 * 1024 * 1024) /* the kernel's PID_MAX_LIMIT on 64-bit */
#define MAX_INCLUDES 64

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "dump", required_argument, NULL, OPT_DUMP },
		{ "unsafe", no_argument, NULL, OPT_UNSAFE },
		{ "info", no_argument, NULL, OPT_INFO },
		{ "include", required_argument, NULL, OPT_INCLUDE },
		{ "metrics", required_argument, NULL, OPT_METRICS },
		{ "usdt-file-activation", no_argument, NULL, OPT_USDT_FILE_ACTIVATION },
		{ "emit-llvm", required_argument, NULL, OPT_EMIT_LLVM },
		{ "emit-elf", required_argument, NULL, OPT_EMIT_ELF },
		{ "no-warnings", no_argument, NULL, OPT_NO_WARNINGS },
		{ "test", no_argument, NULL, OPT_TEST },
		{ "bench", no_argument, NULL, OPT_BENCH },
		{ "dwarf-pid", required_argument, NULL, OPT_DWARF_PID },
		{ NULL, 0, NULL, 0 },
	};
	const char *program = NULL, *out_path = NULL;
	struct session_opts so = { .out = stdout, .child_gate_fd = -1 };
	bool list_mode = false;
	bool dump_ast = false, unsafe = false;
	const char *include_dirs[MAX_INCLUDES], *includes[MAX_INCLUDES];
	int ninclude_dirs = 0, nincludes = 0;
	int opt;
	unsigned debug = 0;
	const char *emit_llvm = NULL, *emit_elf = NULL;
	bool no_warnings = false;
	int dwarf_pids[62], ndwarf_pids = 0; /* --dwarf-pid */
	/* words after the first `--` (named parameters may be among them): getopt_long
	 * stops there and leaves them at the end of argv */
	int nafter = -1;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			nafter = argc - i - 1;
			break;
		}

	/* Options may come anywhere before `--`, as bpftrace's getopt takes them
	 * (`bpfscript x.bt -c CMD`); the first non-option is the script (without -e), the
	 * rest and everything after `--` are its positional parameters. */
	while ((opt = getopt_long(argc, argv, "e:c:o:qvhf:p:lkI:d:B:V", longopts, NULL)) != -1) {
		switch (opt) {
		case 'e':
			program = optarg;
			break;
		case 'c':
			so.child_cmd = optarg;
			break;
		case 'p':
		case OPT_DWARF_PID: {
			/* bpftrace's checks and words: a decimal number within the kernel's
			 * largest pid_max */
			char *end;
			errno = 0;
			long pid = strtol(optarg, &end, 10);
			if (!*optarg || *end || end == optarg || errno == ERANGE) {
				fprintf(stderr, "ERROR: pid '%s' is not a valid decimal number\n",
					optarg);
				return 1;
			}
			if (pid < 1 || pid > PID_MAX_LIMIT) {
				fprintf(stderr, "ERROR: pid '%s' out of valid pid range [1,%d]\n",
					optarg, PID_MAX_LIMIT);
				return 1;
			}
			if (opt == 'p') {
				so.target_pid = (int)pid;
			} else if (ndwarf_pids < (int)(sizeof(dwarf_pids) / sizeof(dwarf_pids[0]))) {
				dwarf_pids[ndwarf_pids++] = (int)pid; /* more processes for dw_ustack */
			} else {
				fputs("ERROR: too many --dwarf-pid options (at most 62)\n", stderr);
				return 1;
			}
			break;
		}
		case 'I':
			if (ninclude_dirs < MAX_INCLUDES)
				include_dirs[ninclude_dirs++] = optarg;
			break;
		case OPT_INCLUDE:
			if (nincludes < MAX_INCLUDES)
				includes[nincludes++] = optarg;
			break;
		case OPT_INFO:
			return print_info(stdout);
		case 'l':
			list_mode = true;
			break;
		case 'o':
			out_path = optarg;
			break;
		case 'q':
			so.quiet = true;
			break;
		case 'k': /* -k: failing helpers warn where they fail; -kk: probe reads too */
			if (++so.helper_check > 2) {
				fputs("ERROR: -k may be given at most twice (-kk)\n", stderr);
				return 1;
			}
			break;
		case 'v':
			so.verbose++;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'd':
			if (debug_stages(optarg, &debug))
				return 1;
			break;
		case 'B':
			if (strcmp(optarg, "line") == 0) {
				so.buffering = SESSION_BUF_LINE;
			} else if (strcmp(optarg, "full") == 0) {
				so.buffering = SESSION_BUF_FULL;
			} else if (strcmp(optarg, "none") == 0) {
				so.buffering = SESSION_BUF_NONE;
			} else {
				fprintf(stderr, "ERROR: -B takes 'line', 'full' or 'none', not '%s'\n",
					optarg);
				return 1;
			}
			break;
		case OPT_EMIT_LLVM:
			emit_llvm = optarg;
			break;
		case OPT_EMIT_ELF:
			emit_elf = optarg;
			so.dry_run = true;
			break;
		case OPT_NO_WARNINGS:
			no_warnings = true;
			break;
		case OPT_TEST:
		case OPT_BENCH:
			if (so.test_mode) {
				fputs("USAGE: --test and --bench cannot be used together\n", stderr);
				return 1;
			}
			so.test_mode = opt == OPT_TEST ? SESSION_TEST : SESSION_BENCH;
			break;
		case 'V':
		case OPT_VERSION:
			printf("bpfscript v%s\n", BPFSCRIPT_VERSION_STRING);
			return 0;
		case OPT_DRY_RUN:
			so.dry_run = true;
			break;
		case OPT_METRICS:
			so.metrics_addr = optarg;
			break;
		case OPT_UNSAFE:
			unsafe = true;
			break;
		case OPT_USDT_FILE_ACTIVATION:
			/* always so: a usdt probe's semaphore is the uprobe's reference counter,
			 * which the kernel sets in every process mapping the file */
			break;
		case 'f':
			if (!(so.fmt = output_find(optarg))) {
				fprintf(stderr, "ERROR: Invalid output format \"%s\"\n"
						"Valid formats: %s\n", optarg, output_names());
				return 1;
			}
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

	if (no_warnings && so.helper_check) {
		fputs("ERROR: -k conflicts with --no-warnings\n", stderr);
		return 1;
	}
	so.no_warnings = no_warnings;
	so.dwarf_pids = dwarf_pids;
	so.ndwarf_pids = ndwarf_pids;
	if (debug & DBG_VERBOSE)
		so.verbose++;
	if (debug & DBG_CODEGEN)
		so.ir_orig[0] = (struct cg_dump){ stdout, "LLVM IR before optimization\n"
							   "---------------------------\n\n" };
	if (debug & DBG_CODEGEN_OPT)
		so.ir_opt[0] = (struct cg_dump){ stdout, "\nLLVM IR after optimization\n"
							  "----------------------------\n\n" };
	if (debug & DBG_DIS)
		so.dis_out = stdout;

	if (list_mode) {
		struct probe_env env = { .probes = &rt_probes, .kinfo = session_kinfo_new(),
					 .target_pid = so.target_pid };
		int lrc = env.kinfo ? list_probes(&env, optind < argc ? argv[optind] : NULL,
						  so.verbose > 0, stdout)
				    : (fputs("ERROR: out of memory\n", stderr), 1);
		kinfo_free(env.kinfo);
		return lrc;
	}
	if (so.target_pid > 0 && !so.dry_run && kill(so.target_pid, 0) < 0 && errno == ESRCH) {
		fprintf(stderr, "ERROR: process %d given with -p does not exist\n", so.target_pid);
		return 1;
	}

	struct source src;
	int err;
	if (program) {
		err = src_from_string(&src, "stdin", program, strlen(program));
	} else if (optind < argc) {
		const char *path = argv[optind++];
		/* "-": the program comes from standard input, as in bpftrace */
		err = strcmp(path, "-") == 0 ? src_from_stream(&src, "stdin", stdin)
					     : src_from_file(&src, path);
		if (err) {
			fprintf(stderr, "ERROR: failed to open file '%s': %s\n", path,
				strerror(-err));
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

	/* kernel facts, read only as the script needs them, the same for every stage */
	struct sema_opts sopts = {
		.have_cpid = so.child_cmd != NULL,
		.child_cmd = so.child_cmd,
		.target_pid = so.target_pid,
		.unsafe = unsafe,
		.kinfo = session_kinfo_new(),
		.probes = &rt_probes, /* the runtime's probe kinds */
		.files = session_files_new(), /* NULL: uaddr() stays a plain uint64 */
		.builtins = &builtin_set,
	};
	if (!sopts.kinfo) {
		fputs("ERROR: out of memory\n", stderr);
		session_files_free((struct sema_files *)sopts.files);
		src_free(&src);
		return 1;
	}
	/* positional parameters, and named ones after `--` (getopt()) */
	char **pos_words = NULL, **named_words = NULL;
	if (sema_split_params(argc - optind, argv + optind, nafter, &sopts, &pos_words, &named_words)) {
		fputs("ERROR: out of memory\n", stderr);
		kinfo_free(sopts.kinfo);
		session_files_free((struct sema_files *)sopts.files);
		src_free(&src);
		return 1;
	}
	int rc = 1;
	struct diag d;
	struct sema_result sr = { 0 };
	struct node *prog = NULL;
	diag_init(&d, &src);
	d.no_warnings = no_warnings;
	if (emit_llvm && (!(so.ir_orig[1].out = open_emit(emit_llvm, ".original.ll")) ||
			  !(so.ir_opt[1].out = open_emit(emit_llvm, ".optimized.ll"))))
		goto out;
	if (emit_elf && !(so.elf_out = open_emit(emit_elf, "")))
		goto out;

	if (env_u32("BPFTRACE_MAP_KEYS", ABI_MAP_KEYS_DEFAULT, 1, 1u << 24, &so.max_map_keys) ||
	    env_u32("BPFTRACE_STRLEN", ABI_STRLEN_DEFAULT, 1, 200, &sopts.strlen))
		goto out;
	/* bpftrace's other names for the same knobs (0.17's *_MAX, newer BPFTRACE_MAX_*);
	 * a later name in this list wins when several are set. */
	if (env_alias("BPFTRACE_MAP_KEYS_MAX", 1, 1u << 24, &so.max_map_keys) ||
	    env_alias("BPFTRACE_MAX_MAP_KEYS", 1, 1u << 24, &so.max_map_keys) ||
	    env_alias("BPFTRACE_MAX_STRLEN", 1, 200, &sopts.strlen) ||
	    env_u32("BPFTRACE_CAT_BYTES_MAX", 10240, 1, 1u << 20, &so.cat_bytes_max) ||
	    env_u32("BPFTRACE_MAX_PROBES", SEMA_MAX_PROBES_DEFAULT, 1, 1u << 20,
		    &sopts.max_probes) ||
	    env_alias("BPFTRACE_MAX_CAT_BYTES", 1, 1u << 20, &so.cat_bytes_max))
		goto out;
	so.strlen = sopts.strlen; /* named in the -v report of truncated strings */

	/* Without CAP_BPF/CAP_PERFMON nothing below can work: say which one is missing
	 * rather than fail later on a tracefs read or bpf() call. Dry runs need neither,
	 * nor does `-- --help` (it only lists the script's options). */
	bool opts_help = sema_wants_opts_help(&sopts);
	if (!so.dry_run && !dump_ast && !opts_help && session_check_privileges(&d))
		goto out_diag;
	struct parse_opts popts = {
		.pp = { .dirs = { .include_dirs = include_dirs, .ninclude_dirs = ninclude_dirs },
			.includes = includes, .nincludes = nincludes },
		.trace = (debug & DBG_PARSE) != 0,
	};
	prog = parse_program_imports(&src, &popts, &d);
	if (!prog || diag_count(&d))
		goto out_diag;
	if (debug & DBG_AST) {
		print_stage(NULL, "parse", prog);
		sopts.on_stage = print_stage;
	}
	/* config = { ... }: the BPFTRACE_* environment takes precedence, as in bpftrace */
	struct config_values cfg;
	if (config_read(prog, &d, &cfg))
		goto out_diag;
	if (cfg.has_max_strlen && !env_given("BPFTRACE_STRLEN", "BPFTRACE_MAX_STRLEN", NULL))
		sopts.strlen = so.strlen = cfg.max_strlen;
	if (cfg.has_max_map_keys &&
	    !env_given("BPFTRACE_MAP_KEYS", "BPFTRACE_MAP_KEYS_MAX", "BPFTRACE_MAX_MAP_KEYS"))
		so.max_map_keys = cfg.max_map_keys;
	if (cfg.has_max_probes && !env_given("BPFTRACE_MAX_PROBES", NULL, NULL))
		sopts.max_probes = cfg.max_probes;
	if (cfg.has_max_cat_bytes &&
	    !env_given("BPFTRACE_CAT_BYTES_MAX", "BPFTRACE_MAX_CAT_BYTES", NULL))
		so.cat_bytes_max = cfg.max_cat_bytes;
	so.no_print_maps = cfg.no_print_maps;
	sopts.missing_probes = cfg.missing_probes; /* SEMA_MISSING_* in the same order */
	/* stack_mode: BPFTRACE_STACK_MODE over the config block, as bpftrace */
	const char *sm_env = getenv("BPFTRACE_STACK_MODE");
	if (sm_env && *sm_env) {
		int m = config_stack_mode(sm_env);
		if (m < 0) {
			fprintf(stderr, "ERROR: BPFTRACE_STACK_MODE must be bpftrace, perf, raw or "
					"build_id, got '%s'\n", sm_env);
			goto out_diag;
		}
		sopts.stack_mode = (uint32_t)m;
	} else if (cfg.has_stack_mode) {
		sopts.stack_mode = cfg.stack_mode;
	}
	/* what `config` reports (stdlib/builtin_meta.c) */
	sopts.max_map_keys = so.max_map_keys;
	sopts.max_cat_bytes = so.cat_bytes_max;
	sopts.no_print_maps = so.no_print_maps;
	sopts.config = &cfg;
	sopts.unstable_dw_ustack = cfg.unstable_dw_ustack;
	if (sema_run(prog, &sopts, &d, &sr) || diag_count(&d))
		goto out_diag;
	diag_flush(&d, stderr); /* warnings from the checks, before anything runs */
	if (sr.opts_help) {
		/* with -f json (or another machine format) stdout stays that format's */
		print_opts_help(&sr, so.fmt && strcmp(so.fmt->name, "text") ? stderr : stdout);
		rc = 0;
		goto out_diag;
	}
	if (dump_ast) {
		ast_dump(stdout, prog, type_name);
		rc = 0;
		goto out_diag;
	}
	if (debug & DBG_AST)
		print_stage(NULL, "semantic-analysis", prog);
	if (debug & DBG_TYPES) { /* the checked tree, then the run goes on */
		fputs("// Program\n", stdout);
		ast_dump(stdout, prog, type_name);
		fflush(stdout);
	}
	if (out_path && !so.dry_run) {
		so.out = fopen(out_path, "w");
		if (!so.out) {
			fprintf(stderr, "ERROR: cannot open '%s' for writing: %s\n", out_path,
				strerror(errno));
			goto out_diag;
		}
	}
	if (so.buffering) /* -B: bpftrace's stdout buffering modes, also for -o FILE */
		setvbuf(so.out, NULL, so.buffering == SESSION_BUF_LINE ? _IOLBF
				      : so.buffering == SESSION_BUF_FULL ? _IOFBF : _IONBF, 0);
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
	for (int i = 0; i < 2; i++) {
		if (so.ir_orig[i].out && so.ir_orig[i].out != stdout)
			fclose(so.ir_orig[i].out);
		if (so.ir_opt[i].out && so.ir_opt[i].out != stdout)
			fclose(so.ir_opt[i].out);
	}
	if (so.elf_out)
		fclose(so.elf_out);
	sema_result_free(&sr);
	kinfo_free(sopts.kinfo);
	session_files_free((struct sema_files *)sopts.files);
	if (prog)
		ast_free(prog);
	diag_free(&d);
	src_free(&src);
	free(pos_words);
	free(named_words);
	return rc;
}
