#!/usr/bin/env bash
# tests/hostile/run_hostile.sh — the malformed/hostile script corpus (tests/hostile/cases/).
#
# Owns: running `BIN --dry-run tests/hostile/cases/X.bt` for every case and requiring
#   - a non-zero exit that is not a crash (no signal, no sanitizer exit code 99),
#   - no AddressSanitizer/UBSan/LeakSanitizer report, no hang (20 s),
#   - a first stderr line `tests/hostile/cases/X.bt:LINE:COL: ERROR: ...` (a location is
#     mandatory) exactly equal to X.err (one line, reviewed by hand when recorded).
# The cases come from tests/hostile/gen.py (see there for the categories).
# Must not: load anything into the kernel (--dry-run) or rewrite .err files unless asked:
#   tests/hostile/run_hostile.sh [--bin PATH] [X.bt ...]   check (default all)
#   tests/hostile/run_hostile.sh --record                   write missing X.err; delete
#       truncation cases the tracer accepts (a cut that left a valid program); list every
#       other accepted case (each is a bug or a wrong case).
# Ends with "N passed, N failed". Runs two cases at a time (two shared cores).
set -u
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh

BIN=${BIN:-build/asan/bpfscript}
if [ "${1:-}" = "--one" ]; then
	# Worker: check one case, print one result line (+ details indented).
	bt=$2 mode=$3
	name=$(basename "$bt" .bt)
	exp=${bt%.bt}.err
	d=$(mktemp -d /tmp/bpfscript-hostile.XXXXXX)
	run_limited 20 "$d/out" "$d/err" "$BIN" --dry-run "$bt"
	first=$(head -n 1 "$d/err")
	why='' details=''
	if [ "$RL_TIMED_OUT" = 1 ]; then
		why="timed out"
	elif has_sanitizer_report "$d/err"; then
		why="sanitizer report"
		details=$(grep -E -A30 "$SANITIZER_RE" "$d/err" | head -40)
	elif [ "$RL_STATUS" = 0 ]; then
		why="accepted (exit 0), expected an error"
	elif [ "$RL_STATUS" -ge 99 ]; then
		why="crashed (exit status $RL_STATUS)"
		details=$(tail -n 20 "$d/err")
	elif ! [[ $first =~ ^"$bt":[0-9]+:[0-9]+(-[0-9]+)?:\ ERROR:\  ]]; then
		why="first stderr line has no FILE:LINE:COL: ERROR: location"
		details=$first
	elif [ "$mode" = record ] && [ ! -f "$exp" ]; then
		printf '%s\n' "$first" >"$exp"
		why=''
	elif [ ! -f "$exp" ]; then
		why="missing $exp (run with --record and review it)"
		details=$first
	elif [ "$first" != "$(head -n 1 "$exp")" ]; then
		why="first stderr line differs"
		details="expected: $(head -n 1 "$exp")"$'\n'"actual:   $first"
	fi
	if [ "$mode" = record ] && [ "$RL_STATUS" = 0 ] && [ "$RL_TIMED_OUT" = 0 ] &&
		[[ $name == trunc_* ]]; then
		rm -f "$bt" "$exp"
		echo "# dropped $name (the cut left a valid program)"
	elif [ -n "$why" ]; then
		echo "not ok $name: $why"
		[ -n "$details" ] && printf '%s\n' "$details" | cut -c1-300 | sed 's/^/    /'
	else
		echo "ok $name"
	fi
	rm -rf "$d"
	exit 0
fi

mode=check
cases=()
while [ $# -gt 0 ]; do
	case $1 in
	--bin) BIN=$2; shift 2 ;;
	--record) mode=record; shift ;;
	*) cases+=("$1"); shift ;;
	esac
done
export BIN
[ ${#cases[@]} -eq 0 ] && cases=(tests/hostile/cases/*.bt)
if [ ! -e "${cases[0]}" ] || [ ! -x "$BIN" ]; then
	echo "not ok hostile: no cases or tracer '$BIN' not built"
	echo "0 passed, 1 failed"
	exit 1
fi
ensure_tracefs >/dev/null 2>&1
out=$(mktemp /tmp/bpfscript-hostile-res.XXXXXX)
trap 'rm -f "$out"' EXIT
printf '%s\0' "${cases[@]}" | xargs -0 -P2 -I{} "$0" --one {} "$mode" >"$out"
sort -k2 "$out" | grep -v '^    ' >/dev/null
cat "$out"
passed=$(grep -c '^ok ' "$out")
failed=$(grep -c '^not ok ' "$out")
echo "# $(grep -c '' <<<"$(printf '%s\n' "${cases[@]}")") hostile inputs"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
