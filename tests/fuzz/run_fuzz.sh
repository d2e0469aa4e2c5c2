#!/usr/bin/env bash
# tests/fuzz/run_fuzz.sh — run the libFuzzer harnesses (build/fuzz/fuzz_parse, fuzz_compile).
#
# Owns: the fuzz suite of `make test` and the long runs of `make fuzz`.
#   tests/fuzz/run_fuzz.sh            (make test) for each harness: replay every saved input
#                                     in tests/fuzz/regressions/, then fuzz FUZZ_SHORT (15) s
#                                     from a fresh seed corpus. A crash, leak, sanitizer
#                                     report or timeout is a failure.
#   tests/fuzz/run_fuzz.sh --long N   (make fuzz) fuzz each harness N s, keeping the corpus in
#                                     build/fuzz/corpus-NAME and crashes in build/fuzz/crashes/.
# Seeds: tests/fuzz/seed.sh (every .bt and e2e PROG block in the tree).
# Must not: load anything into the kernel (the harnesses stop at BPF instructions), or
# run more than one fuzzing job at a time (the machine's cores are shared).
# Prints "ok X" / "not ok X" and ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh

LONG=0
SECS=${FUZZ_SHORT:-15}
if [ "${1:-}" = "--long" ]; then
	LONG=1
	SECS=${2:-60}
fi
HARNESSES="fuzz_parse fuzz_compile"
suite_start fuzz
tests/fuzz/seed.sh "$tmp/seed" >/dev/null
# libFuzzer has its own crash handling; keep leak detection (a leak is a finding).
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:detect_stack_use_after_return=0"
FLAGS=(-timeout=30 -rss_limit_mb=2048 -max_len=4096 -dict=tests/fuzz/bpfscript.dict
	-print_final_stats=1)

pass() { passed=$((passed + 1)); echo "ok $1"; }
fail() {
	failed=$((failed + 1))
	echo "not ok $1: $2"
	[ -n "${3:-}" ] && grep -E -A25 "$SANITIZER_RE|ERROR: libFuzzer|==[0-9]+== ERROR" "$3" |
		head -40 | sed 's/^/    /'
}

for h in $HARNESSES; do
	bin=build/fuzz/$h
	if [ ! -x "$bin" ]; then
		fail "$h" "$bin not built (make $bin; needs clang-14 and libclang-rt-14-dev)"
		continue
	fi
	# 1. Saved regression inputs: each must run cleanly (libFuzzer runs files given as args).
	regs=(tests/fuzz/regressions/*)
	if [ -e "${regs[0]}" ]; then
		if "$bin" "${FLAGS[@]}" "${regs[@]}" >"$tmp/$h.reg" 2>&1; then
			pass "$h regressions (${#regs[@]} inputs)"
		else
			fail "$h regressions" "a saved input crashes again" "$tmp/$h.reg"
		fi
	fi
	# 2. Fuzz for SECS seconds.
	if [ $LONG = 1 ]; then
		corpus=build/fuzz/corpus-$h
		art=build/fuzz/crashes/
	else
		corpus=$tmp/corpus-$h
		art=$tmp/
	fi
	mkdir -p "$corpus" "$art"
	"$bin" "${FLAGS[@]}" -max_total_time="$SECS" -artifact_prefix="$art" \
		"$corpus" "$tmp/seed" >"$tmp/$h.log" 2>&1
	st=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$tmp/$h.log" | tail -1)
	cov=$(grep -oE 'cov: [0-9]+' "$tmp/$h.log" | tail -1)
	echo "# $h: ${runs:-?} executions in ${SECS}s, $cov, corpus $(find "$corpus" -type f | wc -l) files"
	if [ $st = 0 ]; then
		pass "$h fuzz ${SECS}s"
	else
		crash=$(grep -oE "Test unit written to [^ ]+" "$tmp/$h.log" | awk '{print $5}')
		fail "$h fuzz ${SECS}s" "exit $st, input ${crash:-?}" "$tmp/$h.log"
		if [ -n "$crash" ] && [ -f "$crash" ]; then
			echo "    input (base64): $(head -c 600 "$crash" | base64 -w0)"
		fi
	fi
done
suite_end
