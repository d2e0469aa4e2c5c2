#!/usr/bin/env bash
# tests/cli/run_cli_options.sh — command-line options whose effect is a file or a stream rather
# than trace output: -V, -d STAGE (parse, ast, types, codegen, codegen-opt, dis, all), --emit-llvm, --emit-elf, --no-warnings, -B errors.
#
# Owns: exact checks of what each option writes (titles and order of the IR dumps, the
# two .ll files, an ELF object for the BPF machine with the program sections, stderr
# without warnings) against BEGIN programs and a map that overflows on purpose.
# Must not: trace anything outside its own BEGIN probes; -B's ordering against a child
# is checked in tests/e2e (cli_buffer_*).
# Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh

suite_start cli
ok() { echo "ok $1"; passed=$((passed + 1)); }
nok() { echo "not ok $1: $2"; failed=$((failed + 1)); }
# check NAME: the last command's status was 0 and its stderr had no sanitizer report
clean() { [ "$1" = 0 ] && ! has_sanitizer_report "$tmp/err"; }

PROG='BEGIN { printf("x\n"); exit(); }'

# -V is --version
"$BIN" -V >"$tmp/v" 2>"$tmp/err"; st=$?
"$BIN" --version >"$tmp/version" 2>/dev/null
if clean $st && grep -qx 'bpfscript v[0-9.]*' "$tmp/v" && cmp -s "$tmp/v" "$tmp/version"; then
	ok version_V
else
	nok version_V "$(cat "$tmp/v" "$tmp/err" | head -2 | tr '\n' ' ')"
fi

# -d codegen,codegen-opt: both IR dumps with bpftrace's titles, in order, then the run
"$BIN" -q -d codegen,codegen-opt -e "$PROG" >"$tmp/d" 2>"$tmp/err"; st=$?
order=$(grep -n -e '^LLVM IR before optimization$' -e '^LLVM IR after optimization$' \
	-e '^define i64 @p0' -e '^x$' "$tmp/d" | cut -d: -f2- | tr '\n' '|')
want='LLVM IR before optimization|define i64 @p0(ptr %0) #0 section "prog_0" {|LLVM IR after optimization|define i64 @p0(ptr %0) #0 section "prog_0" {|x|'
if clean $st && [ "$order" = "$want" ]; then
	ok debug_codegen_stages
else
	nok debug_codegen_stages "status $st, got '$order'"
fi

# -d types: "// Program" and the checked tree (as --dump=ast) on stdout, then the run goes
# on; -d ast: the tree after each stage on stderr with bpftrace's headings ("AST after:
# parse", "macro-expansion", "semantic-analysis", the last one typed); -d dis: each
# program's BPF instructions; -d all: all of them
"$BIN" --dump=ast -e "$PROG" >"$tmp/ast" 2>/dev/null
"$BIN" -q -d types -e "$PROG" >"$tmp/d" 2>"$tmp/err"; st=$?
{ echo '// Program'; cat "$tmp/ast"; echo x; echo; echo; } >"$tmp/want"
if clean $st && cmp -s "$tmp/want" "$tmp/d"; then
	ok debug_types_then_run
else
	nok debug_types_then_run "status $st: $(diff "$tmp/want" "$tmp/d" | head -3 | tr '\n' ' ')"
fi
"$BIN" -q -d ast -e "$PROG" >"$tmp/d" 2>"$tmp/err"; st=$?
heads=$(grep -A1 '^AST after: ' "$tmp/err" | tr '\n' '|')
want='AST after: parse|-------------------|--|AST after: macro-expansion|-------------------|--|AST after: semantic-analysis|-------------------|'
if clean $st && [ "$heads" = "$want" ] && [ "$(cat "$tmp/d")" = "x" ] &&
	sed -n '/^AST after: semantic-analysis$/,$p' "$tmp/err" | sed '1,2d;$d' | cmp -s - "$tmp/ast"; then
	ok debug_ast_stages
else
	nok debug_ast_stages "status $st, headings '$heads'"
fi
"$BIN" -q -d dis -e "$PROG" >"$tmp/d" 2>"$tmp/err"; st=$?
if clean $st && [ "$(sed -n 2,3p "$tmp/d" | tr '\n' '|')" = 'Disassembled bytecode|----------------------------|' ] &&
	grep -Eq '^BEGIN \(p0, [0-9]+ instructions\):$' "$tmp/d" &&
	grep -Eq '^ +[0-9]+: \(85\) call bpf_ringbuf_output#130$' "$tmp/d" &&
	grep -Eq '^ +[0-9]+: \(95\) exit$' "$tmp/d" && tail -3 "$tmp/d" | grep -qx x; then
	ok debug_dis
else
	nok debug_dis "status $st: $(head -5 "$tmp/d" | tr '\n' ' ')"
fi
"$BIN" -q -d all -e "$PROG" >"$tmp/d" 2>"$tmp/err"; st=$?
if clean $st && head -n "$(($(wc -l <"$tmp/ast") + 1))" "$tmp/d" | tail -n +2 | cmp -s - "$tmp/ast" &&
	grep -qx 'LLVM IR after optimization' "$tmp/d" && grep -qx 'Disassembled bytecode' "$tmp/d" &&
	grep -qx 'AST after: semantic-analysis' "$tmp/err" && tail -3 "$tmp/d" | grep -qx x; then
	ok debug_all
else
	nok debug_all "status $st"
fi

# -d parse: bison's trace of the parse on stderr
"$BIN" -q -d parse -e "$PROG" >"$tmp/d" 2>"$tmp/err"; st=$?
if clean $st && grep -qx 'Starting parse' "$tmp/err" && grep -q 'Now at end of input' "$tmp/err" &&
	[ "$(cat "$tmp/d")" = "x" ]; then
	ok debug_parse
else
	nok debug_parse "status $st: $(head -2 "$tmp/err" | tr '\n' ' ')"
fi

# an unknown stage is refused before anything runs
"$BIN" -d ast,bogus -e "$PROG" >"$tmp/d" 2>"$tmp/err"; st=$?
if [ $st = 1 ] && [ ! -s "$tmp/d" ] && [ "$(cat "$tmp/err")" = "ERROR: invalid stage for -d: 'bogus' (parse, ast, types, codegen, codegen-opt, dis, libbpf, verifier, all)" ]; then
	ok debug_bad_stage
else
	nok debug_bad_stage "status $st: $(head -1 "$tmp/err")"
fi

# --emit-llvm FILE: FILE.original.ll (allocas not yet promoted) and FILE.optimized.ll
# (the IR --dump=ir prints, but for the map fds), and the run goes on
nofd() { sed -E 's/pseudo\(i64 1, i64 [0-9]+\)/pseudo(i64 1, FD)/' "$1"; }
"$BIN" -q --emit-llvm "$tmp/ir" -e "$PROG" >"$tmp/out" 2>"$tmp/err"; st=$?
"$BIN" --dump=ir -e "$PROG" >"$tmp/dumpir" 2>/dev/null
if clean $st && [ "$(cat "$tmp/out")" = "x" ] && grep -q 'section "prog_0"' "$tmp/ir.original.ll" &&
	cmp -s <(nofd "$tmp/ir.optimized.ll") <(nofd "$tmp/dumpir") && ! cmp -s "$tmp/ir.original.ll" "$tmp/ir.optimized.ll"; then
	ok emit_llvm_files
else
	nok emit_llvm_files "status $st, files: $(ls "$tmp" | tr '\n' ' ')"
fi

# --emit-elf FILE: a relocatable ELF for the BPF machine with one section per program;
# a dry run, so BEGIN does not run
"$BIN" --emit-elf "$tmp/o.elf" -e 'BEGIN { printf("x\n"); } END { printf("y\n"); }' \
	>"$tmp/out" 2>"$tmp/err"; st=$?
hdr=$(readelf -h "$tmp/o.elf" 2>/dev/null | sed -n 's/^ *\(Type\|Machine\): *//p' | tr '\n' '|')
secs=$(readelf -S -W "$tmp/o.elf" 2>/dev/null | grep -o 'prog_[0-9]*' | sort | tr '\n' ' ')
if clean $st && [ ! -s "$tmp/out" ] && [ "$hdr" = "REL (Relocatable file)|Linux BPF|" ] &&
	[ "$secs" = "prog_0 prog_1 " ]; then
	ok emit_elf_object
else
	nok emit_elf_object "status $st, header '$hdr', sections '$secs'"
fi
"$BIN" --emit-elf /nonexistent/dir/o.elf -e "$PROG" >/dev/null 2>"$tmp/err"; st=$?
if [ $st = 1 ] && grep -q "^ERROR: cannot open '/nonexistent/dir/o.elf' for writing: No such file or directory$" "$tmp/err"; then
	ok emit_elf_unwritable
else
	nok emit_elf_unwritable "status $st: $(head -1 "$tmp/err")"
fi

# --no-warnings: the map-full report at exit is not printed (it is without the option)
MAPFULL='BEGIN { @m[1] = 1; @m[2] = 2; @m[3] = 3; exit(); }'
BPFTRACE_MAP_KEYS=1 "$BIN" -q -e "$MAPFULL" >"$tmp/out" 2>"$tmp/err"; st=$?
BPFTRACE_MAP_KEYS=1 "$BIN" -q --no-warnings -e "$MAPFULL" >"$tmp/out2" 2>"$tmp/err2"; st2=$?
if clean $st && [ $st2 = 0 ] && grep -q '^WARNING: Map full; ' "$tmp/err" && [ ! -s "$tmp/err2" ] &&
	[ "$(cat "$tmp/out2")" = "$(printf '\n\n@m[1]: 1')" ]; then
	ok no_warnings_quiet
else
	nok no_warnings_quiet "status $st/$st2, stderr '$(head -1 "$tmp/err2")'"
fi
"$BIN" -k --no-warnings -e "$PROG" >/dev/null 2>"$tmp/err"; st=$?
if [ $st = 1 ] && [ "$(cat "$tmp/err")" = "ERROR: -k conflicts with --no-warnings" ]; then
	ok no_warnings_k_conflict
else
	nok no_warnings_k_conflict "status $st: $(head -1 "$tmp/err")"
fi

# -B takes line, full or none
"$BIN" -B half -e "$PROG" >/dev/null 2>"$tmp/err"; st=$?
if [ $st = 1 ] && [ "$(cat "$tmp/err")" = "ERROR: -B takes 'line', 'full' or 'none', not 'half'" ]; then
	ok buffer_bad_mode
else
	nok buffer_bad_mode "status $st: $(head -1 "$tmp/err")"
fi
for m in line full none; do
	"$BIN" -q -B $m -e "$PROG" >"$tmp/out" 2>"$tmp/err"; st=$?
	if clean $st && [ "$(cat "$tmp/out")" = "x" ]; then
		ok "buffer_$m"
	else
		nok "buffer_$m" "status $st"
	fi
done

suite_end
