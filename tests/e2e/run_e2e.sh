#!/usr/bin/env bash
# tests/e2e/run_e2e.sh — run the end-to-end tests: tests/e2e/*.test against real kernel events.
#
# Owns: the .test directive format (see tests/README.md), running one tracer per test with
# a time limit, and comparing its stdout/stderr/exit status/output file with the test.
# Must not: build anything, or rely on processes it did not start (every test traces its
# own -c workload or its own BEGIN/END/interval probes).
#
#   tests/e2e/run_e2e.sh [--bin PATH] [--oracle] [-k] [TEST.test | NAME ...]
#     --bin PATH   tracer to run (default build/asan/bpfscript)
#     --oracle     run bpftrace instead, skipping tests marked NO_ORACLE: this is how
#                  every expectation was confirmed against bpftrace 0.17
#     -k           keep each test's temporary directory and print its path
# Prints "ok NAME" / "not ok NAME: reason" (+ details) per test, then, as the very last
# line, "N passed, N failed". Exit status 1 when anything failed.
set -u
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh

BIN=build/asan/bpfscript
ORACLE=0
KEEP=0
sel=()
while [ $# -gt 0 ]; do
	case $1 in
	--bin) BIN=$2; shift 2 ;;
	--oracle) ORACLE=1; BIN=${BPFTRACE:-bpftrace}; shift ;;
	-k) KEEP=1; shift ;;
	*) sel+=("$1"); shift ;;
	esac
done

# match_in_order REGEXES FILE: every line of REGEXES (ERE) must match a line of FILE,
# each after the line the previous one matched. Prints the first unmatched regex.
match_in_order() {
	local re line n=0 found
	local -a lines
	mapfile -t lines <"$2"
	while IFS= read -r re; do
		[ -z "$re" ] && continue
		found=0
		while [ $n -lt ${#lines[@]} ]; do
			line=${lines[$n]}
			n=$((n + 1))
			if [[ $line =~ $re ]]; then
				found=1
				break
			fi
		done
		if [ $found = 0 ]; then
			printf '%s\n' "$re"
			return 1
		fi
	done <<<"$1"
	return 0
}

sigint_sent=0
sigint_re=''
sigint_out=''
# RL_ON_TICK hook: once stdout shows SIGINT_WHEN's regex, interrupt the tracer (only
# the tracer, as a user's kill -INT would; its -c child is its own business).
sigint_tick() {
	[ $sigint_sent = 1 ] && return
	if grep -Eq -- "$sigint_re" "$sigint_out" 2>/dev/null; then
		kill -INT "$1" 2>/dev/null
		sigint_sent=1
	fi
}

indent() { sed 's/^/    /'; }

passed=0
failed=0
fail() {
	failed=$((failed + 1))
	echo "not ok $name: $1"
	[ -n "${2:-}" ] && printf '%s\n' "$2" | head -60 | indent
	return 0
}

tests=()
if [ ${#sel[@]} -eq 0 ]; then
	tests=(tests/e2e/*.test)
	[ -e "${tests[0]}" ] || tests=()
else
	for t in "${sel[@]}"; do
		[ -f "$t" ] || t=tests/e2e/$t.test
		tests+=("$t")
	done
fi
if [ ${#tests[@]} -eq 0 ]; then
	echo "not ok e2e: no tests found in tests/e2e/"
	echo "0 passed, 1 failed"
	exit 1
fi
if ! ensure_tracefs; then
	echo "# warning: tracefs is not mounted and could not be mounted at /sys/kernel/tracing"
fi

for t in "${tests[@]}"; do
	name=$(basename "$t" .test)
	if [ ! -f "$t" ]; then
		fail "no such test file: $t"
		continue
	fi
	parse_test "$t"
	[ -n "$T_NAME" ] && name=$T_NAME
	if [ $ORACLE = 1 ] && [ -n "$T_NO_ORACLE" ]; then
		echo "# skip $name under the oracle: $T_NO_ORACLE"
		continue
	fi
	if ! command -v "$BIN" >/dev/null 2>&1 && [ ! -x "$BIN" ]; then
		fail "tracer '$BIN' not found (make build/asan/bpfscript)"
		continue
	fi
	if [ -z "${T_HAS[EXPECT]:-}${T_HAS[EXPECT_REGEX]:-}${T_HAS[EXPECT_FILE]:-}${T_HAS[EXPECT_STDERR_REGEX]:-}" ]; then
		fail "the test expects nothing (add EXPECT, EXPECT_REGEX, EXPECT_STDERR_REGEX or EXPECT_FILE)"
		continue
	fi

	tmp=$(mktemp -d /tmp/bpfscript-e2e.XXXXXX)
	sub() { printf '%s' "${1//@TMP@/$tmp}"; }
	test_command "$BIN" "$tmp"
	cmd=("${T_CMD[@]}")

	sigint_sent=0
	sigint_re=$T_SIGINT_WHEN
	sigint_out=$tmp/stdout
	RL_ON_TICK=
	[ -n "$T_SIGINT_WHEN" ] && RL_ON_TICK=sigint_tick
	run_limited "$T_TIMEOUT" "$tmp/stdout" "$tmp/stderr" "${cmd[@]}"
	RL_ON_TICK=
	# bpftrace 0.17 prints "Attaching N probes..." on stdout; bpfscript prints it on stderr
	# (the issue asks for stderr, so stdout holds only the script's output).
	[ $ORACLE = 1 ] && sed -i -E '/^Attaching [0-9]+ probes?\.\.\.$/d' "$tmp/stdout"

	why='' details=''
	if [ "$RL_TIMED_OUT" = 1 ]; then
		why="timed out after ${T_TIMEOUT}s"
		details="stdout:"$'\n'"$(head -20 "$tmp/stdout")"$'\n'"stderr:"$'\n'"$(head -20 "$tmp/stderr")"
	elif [ -n "$T_SIGINT_WHEN" ] && [ $sigint_sent = 0 ]; then
		why="exited before stdout matched SIGINT_WHEN /$T_SIGINT_WHEN/"
		details="stdout:"$'\n'"$(head -20 "$tmp/stdout")"$'\n'"stderr:"$'\n'"$(head -20 "$tmp/stderr")"
	elif has_sanitizer_report "$tmp/stderr"; then
		why="sanitizer report"
		details=$(grep -E -A30 "$SANITIZER_RE" "$tmp/stderr" | head -40)
	elif [ "$RL_STATUS" != "$T_EXIT" ]; then
		why="exit status $RL_STATUS, expected $T_EXIT"
		details="stderr:"$'\n'"$(head -20 "$tmp/stderr")"$'\n'"stdout:"$'\n'"$(head -20 "$tmp/stdout")"
	fi
	if [ -z "$why" ] && [ -n "${T_HAS[EXPECT]:-}" ]; then
		sub "${T_BLOCK[EXPECT]}" >"$tmp/expected"
		if ! cmp -s "$tmp/expected" "$tmp/stdout"; then
			why="stdout differs (--- expected, +++ actual)"
			details=$(diff -u "$tmp/expected" "$tmp/stdout" | tail -n +3)
			[ -s "$tmp/stderr" ] && details+=$'\n'"stderr:"$'\n'"$(head -10 "$tmp/stderr")"
		fi
	fi
	if [ -z "$why" ] && [ -n "${T_HAS[EXPECT_REGEX]:-}" ]; then
		if miss=$(match_in_order "$(sub "${T_BLOCK[EXPECT_REGEX]}")" "$tmp/stdout"); then :; else
			why="stdout has no line matching /$miss/ (in order)"
			details="stdout:"$'\n'"$(head -40 "$tmp/stdout")"
		fi
	fi
	if [ -z "$why" ] && [ -n "${T_HAS[EXPECT_STDERR_REGEX]:-}" ]; then
		if miss=$(match_in_order "$(sub "${T_BLOCK[EXPECT_STDERR_REGEX]}")" "$tmp/stderr"); then :; else
			why="stderr has no line matching /$miss/ (in order)"
			details="stderr:"$'\n'"$(head -40 "$tmp/stderr")"
		fi
	fi
	if [ -z "$why" ] && [ -n "${T_HAS[EXPECT_FILE]:-}" ]; then
		path=$(sub "$T_EXPECT_FILE_PATH")
		sub "${T_BLOCK[EXPECT_FILE]}" >"$tmp/expected_file"
		if [ ! -f "$path" ]; then
			why="output file $T_EXPECT_FILE_PATH was not written"
		elif ! cmp -s "$tmp/expected_file" "$path"; then
			why="output file $T_EXPECT_FILE_PATH differs (--- expected, +++ actual)"
			details=$(diff -u "$tmp/expected_file" "$path" | tail -n +3)
		fi
	fi

	if [ -n "$why" ]; then
		fail "$why" "$details"
	else
		passed=$((passed + 1))
		echo "ok $name"
	fi
	if [ $KEEP = 1 ]; then
		echo "# kept $tmp"
	else
		rm -rf "$tmp"
	fi
done

echo "$passed passed, $failed failed"
[ $failed = 0 ]
