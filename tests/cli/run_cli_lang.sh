#!/usr/bin/env bash
# tests/cli/run_cli_lang.sh — language features whose checks need more than one script's
# output: --test's exact report (times replaced), --test/--bench refusals, and imports
# from world-writable places (which a git checkout cannot hold).
#
# Owns: these cases only. Each runs build/asan/bpfscript (BIN) on BEGIN/END/test/bench
# probes and compares exit status and exact output. Ends with "N passed, N failed".
# Must not: trace anything.
set -u
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh

suite_start cli_lang

# check NAME WANT_STATUS WANT_STDOUT_FILE WANT_STDERR -- CMD...: stdout (times like "(12 μs)"
# replaced by "(T)") must equal the file, stderr the text exactly.
check() {
	local name=$1 want_st=$2 want_out=$3 want_err=$4 why=''
	shift 5
	timeout -s KILL 60 "$@" </dev/null >"$tmp/out" 2>"$tmp/err"
	local st=$?
	sed -E 's/ \([0-9]+ (ns|μs|ms|s)\)$/ (T)/' "$tmp/out" >"$tmp/out.t"
	if [ "$st" != "$want_st" ]; then
		why="exit status $st, expected $want_st; stderr: $(head -c 300 "$tmp/err")"
	elif has_sanitizer_report "$tmp/err"; then
		why="sanitizer report"
	elif ! cmp -s "$tmp/out.t" "$want_out"; then
		why="stdout differs: $(diff "$want_out" "$tmp/out.t" | head -20 | tr '\n' '|')"
	elif [ "$(cat "$tmp/err")" != "$want_err" ]; then
		why="stderr was: $(head -c 300 "$tmp/err" | tr '\n' '|')"
	fi
	if [ -n "$why" ]; then fail "$name" "$why"; else pass "$name"; fi
}

G=$'\033[32m' R=$'\033[31m' N=$'\033[0m'

# --test: only a failed test's output shows (without empty lines), then the summary
cat >"$tmp/t.bt" <<'BT'
BEGIN { printf("begin\n"); }
test:quiet { printf("never shown\n"); }
test:loud { printf("line one\n\nline two\n"); return 7; }
test:exit_one { exit(1); }
END { printf("end\n"); }
BT
cat >"$tmp/t.want" <<OUT
begin
${G}[==========]${N} Running 3 tests.
${G}[ RUN      ]${N} quiet
${G}[       OK ]${N} quiet (T)
${G}[ RUN      ]${N} loud
line one
line two
${R}[  FAILED  ]${N} loud (T)
${G}[ RUN      ]${N} exit_one
${R}[  FAILED  ]${N} exit_one (T)
${G}[==========]${N} 3 tests ran.
${G}[  PASSED  ]${N} 1 test.
${R}[  FAILED  ]${N} 2 tests, listed below:
${R}[  FAILED  ]${N} loud
${R}[  FAILED  ]${N} exit_one
end
OUT
check test_report_exact 1 "$tmp/t.want" '' -- "$BIN" --test "$tmp/t.bt"

printf 'test:one { $x = 2; return $x * 2 - 4; }\n' >"$tmp/one.bt"
cat >"$tmp/one.want" <<OUT
${G}[==========]${N} Running 1 test.
${G}[ RUN      ]${N} one
${G}[       OK ]${N} one (T)
${G}[==========]${N} 1 test ran.
${G}[  PASSED  ]${N} 1 test.
OUT
check test_single_pass 0 "$tmp/one.want" '' -- "$BIN" --test "$tmp/one.bt"

# -f json: bpftrace's test_result objects, the output kept as text (durations replaced)
cat >"$tmp/json.want" <<'OUT'
{"type": "test_result", "data": {"a": {"duration": D, "passed": false, "output": "x\n"}}}
{"type": "test_result", "data": {"b": {"duration": D, "passed": true, "output": ""}}}
OUT
"$BIN" -f json --test -e 'test:a { printf("x\n"); return 1; } test:b { }' >"$tmp/json.out" 2>"$tmp/json.err"
st=$?
sed -E 's/"duration": [0-9]+/"duration": D/' "$tmp/json.out" >"$tmp/json.t"
if [ "$st" = 1 ] && cmp -s "$tmp/json.t" "$tmp/json.want" && [ ! -s "$tmp/json.err" ]; then
	pass test_report_json
else
	fail test_report_json "status $st; stdout: $(tr '\n' '|' <"$tmp/json.out"); stderr: $(head -c 200 "$tmp/json.err")"
fi
"$BIN" -f json --bench -e 'bench:a { @ = count(); }' >"$tmp/bj.out" 2>"$tmp/bj.err"
if grep -Eqx '\{"type": "benchmark_result", "data": \{"a": \{"average": [0-9]+, "iters": [0-9]+\}\}\}' "$tmp/bj.out" &&
	[ "$(wc -l <"$tmp/bj.out")" = 1 ]; then
	pass bench_report_json
else
	fail bench_report_json "stdout: $(tr '\n' '|' <"$tmp/bj.out")"
fi

# without --test / --bench their probes are not run; a script of nothing else says so
: >"$tmp/empty.want"
check test_probes_need_mode 1 "$tmp/empty.want" \
	'ERROR: No probes to attach; use --test to run test probes.' -- "$BIN" "$tmp/one.bt"
check bench_probes_need_mode 1 "$tmp/empty.want" \
	'ERROR: No probes to attach; use --bench to run bench probes.' -- "$BIN" -e 'bench:b { }'
check test_and_bench 1 "$tmp/empty.want" 'USAGE: --test and --bench cannot be used together' \
	-- "$BIN" --test --bench -e 'test:a { }'
# BEGIN and END still run beside test probes without --test; the tests do not
printf 'begin\n\n\n' >"$tmp/b.want"
check test_probes_ignored 0 "$tmp/b.want" '' -- "$BIN" -q -e 'BEGIN { printf("begin\n"); exit(); } test:t { printf("no\n"); }'

# imports refuse world-writable directories and files
mkdir -p "$tmp/lib/ww"
chmod 755 "$tmp" "$tmp/lib"
printf 'macro m() { 1 }\n' >"$tmp/lib/ok.bt"
cp "$tmp/lib/ok.bt" "$tmp/lib/ww/m.bt"
chmod 777 "$tmp/lib/ww"
printf 'import "ww/m.bt";\nBEGIN { exit(); }\n' >"$tmp/lib/root_ww.bt"
check import_world_writable_dir 1 "$tmp/empty.want" \
	"$tmp/lib/root_ww.bt:1:1: ERROR: cowardly refusing to import from a directory with global write permissions: $tmp/lib/ww/m.bt
import \"ww/m.bt\";
^~~~~~~~~~~~~~~~~" -- "$BIN" --dry-run "$tmp/lib/root_ww.bt"
cp "$tmp/lib/ok.bt" "$tmp/lib/open.bt"
chmod 666 "$tmp/lib/open.bt"
printf 'import "open.bt";\nBEGIN { exit(); }\n' >"$tmp/lib/root_open.bt"
check import_world_writable_file 1 "$tmp/empty.want" \
	"$tmp/lib/root_open.bt:1:1: ERROR: cowardly refusing to import from a directory with global write permissions: $tmp/lib/open.bt
import \"open.bt\";
^~~~~~~~~~~~~~~~~" -- "$BIN" --dry-run "$tmp/lib/root_open.bt"
printf 'import "ok.bt";\nBEGIN { printf("%%d\\n", m()); exit(); }\n' >"$tmp/lib/root_ok.bt"
printf '1\n\n\n' >"$tmp/one_line.want"
check import_private_dir 0 "$tmp/one_line.want" '' -- "$BIN" -q "$tmp/lib/root_ok.bt"

suite_end
