#!/usr/bin/env bash
# tests/errors/run_errors.sh — the error-message suite: tests/errors/X.bt against X.err.
#
# Owns: running `BIN --dry-run tests/errors/X.bt` from the repository root for every .bt
# and requiring a non-zero exit, stderr byte-for-byte equal to X.err, and no sanitizer
# report. The .bt/.err pairs themselves are written by whoever owns each message.
# Must not: load anything into the kernel (--dry-run), or rewrite .err files.
#
#   tests/errors/run_errors.sh [--bin PATH] [X.bt ...]   (default build/asan/bpfscript)
# Prints "ok X" / "not ok X: reason" (+ diff), then, as the last line, "N passed, N failed".
set -u
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh

BIN=build/asan/bpfscript
cases=()
while [ $# -gt 0 ]; do
	case $1 in
	--bin) BIN=$2; shift 2 ;;
	*) cases+=("$1"); shift ;;
	esac
done
if [ ${#cases[@]} -eq 0 ]; then
	cases=(tests/errors/*.bt)
	[ -e "${cases[0]}" ] || cases=()
fi

passed=0
failed=0
if [ ${#cases[@]} -eq 0 ]; then
	echo "not ok errors: no tests/errors/*.bt cases found"
	echo "0 passed, 1 failed"
	exit 1
fi

tmp=$(mktemp -d /tmp/bpfscript-errors.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
for bt in "${cases[@]}"; do
	name=$(basename "$bt" .bt)
	err=${bt%.bt}.err
	why='' details=''
	if [ ! -x "$BIN" ]; then
		why="tracer '$BIN' not built"
	elif [ ! -f "$err" ]; then
		why="missing expected stderr file $err"
	else
		run_limited 20 "$tmp/out" "$tmp/err" "$BIN" --dry-run "$bt"
		if [ "$RL_TIMED_OUT" = 1 ]; then
			why="timed out"
		elif has_sanitizer_report "$tmp/err"; then
			why="sanitizer report"
			details=$(grep -E -A30 "$SANITIZER_RE" "$tmp/err" | head -40)
		elif [ "$RL_STATUS" = 0 ]; then
			why="exit status 0, expected an error"
			details="stderr:"$'\n'"$(head -20 "$tmp/err")"
		elif ! cmp -s "$err" "$tmp/err"; then
			why="stderr differs (--- expected $err, +++ actual)"
			details=$(diff -u "$err" "$tmp/err" | tail -n +3)
		fi
	fi
	if [ -n "$why" ]; then
		failed=$((failed + 1))
		echo "not ok $name: $why"
		[ -n "$details" ] && printf '%s\n' "$details" | head -60 | sed 's/^/    /'
	else
		passed=$((passed + 1))
		echo "ok $name"
	fi
done
echo "$passed passed, $failed failed"
[ $failed = 0 ]
