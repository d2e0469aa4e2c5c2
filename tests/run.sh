#!/usr/bin/env bash
# tests/run.sh — run every test suite; the last line is "N passed, N failed".
#
# Owns: the order of the suites and the one total.
#   1. unit    build/asan/tests/test_* (the check.h protocol: "ok X" / "not ok X: why")
#   2. errors  tests/errors/run_errors.sh (X.bt → exact stderr X.err, --dry-run)
#   3. e2e     tests/e2e/run_e2e.sh (tests/e2e/*.test against real kernel events)
#   4. later   every other tests/*/run_*.sh, e.g. tests/vm/run_vm.sh: the hook for new
#              suites. Each prints "ok X" / "not ok X: ..." lines and ends with
#              "N passed, N failed"; anything else on its last line counts as a failure.
# Must not: build (make test builds first) or hide a failure: a crash, a sanitizer
# report, or a suite that finds no tests each count as failed.
#
#   tests/run.sh [-v]     -v also prints the "ok" lines
set -u
cd "$(dirname "$0")/.." || exit 2
. tests/e2e/lib.sh

VERBOSE=0
[ "${1:-}" = "-v" ] && VERBOSE=1

total_pass=0
total_fail=0
tmp=$(mktemp -d /tmp/bpfscript-run.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# show FILE: a suite's report without the noise of passing tests.
show() {
	if [ $VERBOSE = 1 ]; then cat "$1"; else grep -v '^ok ' "$1"; fi
}

# A binary's report is trusted only if the binary itself ended cleanly: a crash or a
# sanitizer report after some "ok" lines must not pass as "all ok".
run_unit() {
	local bin name ok nok extra pass=0 fail=0 nbins=0
	echo "== unit"
	for bin in "${UNIT_DIR:-build/asan/tests}"/test_*; do
		[ -x "$bin" ] || continue
		nbins=$((nbins + 1))
		name=$(basename "$bin")
		run_limited 120 "$tmp/u.out" "$tmp/u.err" "$bin"
		ok=$(grep -c '^ok ' "$tmp/u.out")
		nok=$(grep -c '^not ok ' "$tmp/u.out")
		pass=$((pass + ok))
		fail=$((fail + nok))
		extra=''
		if [ "$RL_TIMED_OUT" = 1 ]; then
			extra="timed out after 120s"
		elif has_sanitizer_report "$tmp/u.err"; then
			extra="sanitizer report"
		elif [ "$RL_STATUS" -gt 128 ]; then
			extra="killed by signal $((RL_STATUS - 128))"
		elif [ "$RL_STATUS" != 0 ] && [ "$nok" = 0 ]; then
			extra="exit status $RL_STATUS without a 'not ok' line"
		elif [ $((ok + nok)) = 0 ]; then
			extra="ran no tests"
		fi
		if [ $VERBOSE = 1 ]; then cat "$tmp/u.out"; else grep '^not ok ' "$tmp/u.out"; fi
		if [ -n "$extra" ]; then
			fail=$((fail + 1))
			echo "not ok $name: $extra"
			{ tail -n 5 "$tmp/u.out"; grep -E -A30 "$SANITIZER_RE" "$tmp/u.err" ||
				tail -n 20 "$tmp/u.err"; } | head -50 | sed 's/^/    /'
		fi
	done
	if [ $nbins = 0 ]; then
		echo "not ok unit: no build/asan/tests/test_* binaries (make test-build)"
		fail=$((fail + 1))
	fi
	echo "unit: $pass passed, $fail failed"
	total_pass=$((total_pass + pass))
	total_fail=$((total_fail + fail))
}

# run_suite LABEL SCRIPT: a runner that ends with "N passed, N failed".
run_suite() {
	local label=$1 script=$2 last p f
	echo "== $label"
	"$script" >"$tmp/s.out" 2>&1
	last=$(tail -n 1 "$tmp/s.out")
	show "$tmp/s.out" | grep -Ev '^[0-9]+ passed, [0-9]+ failed$'
	if [[ $last =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
		p=${BASH_REMATCH[1]}
		f=${BASH_REMATCH[2]}
	else
		echo "not ok $label: runner $script did not end with 'N passed, N failed'"
		tail -n 10 "$tmp/s.out" | sed 's/^/    /'
		p=0
		f=1
	fi
	echo "$label: $p passed, $f failed"
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
}

ensure_tracefs || echo "# warning: tracefs is not mounted at /sys/kernel/tracing"
run_unit
run_suite errors tests/errors/run_errors.sh
run_suite e2e tests/e2e/run_e2e.sh
for runner in tests/*/run_*.sh; do
	case $runner in
	tests/e2e/* | tests/errors/* | tests/bench/*) continue ;;
	esac
	[ -x "$runner" ] || continue
	# the suite's name: run_NAME.sh (tests/faults/ holds both faults and privileges)
	name=$(basename "$runner" .sh)
	run_suite "${name#run_}" "$runner"
done

echo "$total_pass passed, $total_fail failed"
[ "$total_fail" = 0 ]
