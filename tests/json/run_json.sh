#!/usr/bin/env bash
# tests/json/run_json.sh — "JSON always parses": every end-to-end script of tests/e2e/*.test
# run again with -f json, each stdout line (and the -o file) checked by a real parser.
#
# Owns: running each .test the way tests/e2e/run_e2e.sh does (parse_test/test_command of
# tests/e2e/lib.sh: ENV, ARGS, PROG/FILE, PARAMS, TIMEOUT, SIGINT_WHEN) with `-f json` added,
# and failing a test on a line tests/json/json_lines.py rejects, a sanitizer report, a time
# out or an exit status other than the test's EXIT.
# Must not: compare values (the e2e tests, some of them -f json, do that) or build anything.
#
#   tests/json/run_json.sh [--bin PATH] [TEST.test | NAME ...]
# Prints "ok NAME" / "not ok NAME: why" per test ("# skip NAME: why" for the few that cannot
# take -f json), then, as the very last line, "N passed, N failed".
set -u
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh

BIN=build/asan/bpfscript
sel=()
while [ $# -gt 0 ]; do
	case $1 in
	--bin) BIN=$2; shift 2 ;;
	*) sel+=("$1"); shift ;;
	esac
done

# Tests whose run cannot be checked with -f json, and why.
declare -A SKIP=(
	[usdt_semaphore]="its -c workload prints its own report line to the tracer's stdout"
	[cli_buffer_full]="its -c command runs echo, which writes to the tracer's stdout"
	[cli_buffer_line]="its -c command runs echo, which writes to the tracer's stdout"
	[tool_execsnoop]="its -c command runs /bin/echo, which writes to the tracer's stdout: not the tracer's output"
)

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
passed=0
failed=0
if [ ${#tests[@]} -eq 0 ]; then
	echo "not ok json: no tests found in tests/e2e/"
	echo "0 passed, 1 failed"
	exit 1
fi
if ! command -v python3 >/dev/null; then
	echo "not ok json: python3 is missing (make setup installs it)"
	echo "0 passed, 1 failed"
	exit 1
fi
ensure_tracefs || echo "# warning: tracefs is not mounted and could not be mounted"

# SIGINT_WHEN regexes are written against text output; under -f json they are matched
# against the text of the printf messages (their "data", \n as line breaks).
sigint_sent=0
sigint_re=''
sigint_out=''
sigint_tick() {
	[ $sigint_sent = 1 ] && return
	if sed -n 's/^{"type": "printf", "data": "\(.*\)"}$/\1/p' "$sigint_out" 2>/dev/null |
		sed 's/\\n/\n/g' | grep -Eq -- "$sigint_re"; then
		kill -INT "$1" 2>/dev/null
		sigint_sent=1
	fi
}

fail() {
	failed=$((failed + 1))
	echo "not ok $name: $1"
	[ -n "${2:-}" ] && printf '%s\n' "$2" | head -30 | sed 's/^/    /'
	return 0
}

for t in "${tests[@]}"; do
	name=json_$(basename "$t" .test)
	if [ ! -f "$t" ]; then
		fail "no such test file: $t"
		continue
	fi
	parse_test "$t"
	base=$(basename "$t" .test)
	if [ -n "${SKIP[$base]:-}" ]; then
		echo "# skip $name: ${SKIP[$base]}"
		continue
	fi
	fmt=(-f json)
	if [[ " $T_ARGS " =~ \ -f\ *json\  ]]; then
		fmt=() # already JSON (tests/e2e checks its exact bytes): only parse it here
	elif [[ " $T_ARGS " =~ \ -f ]]; then
		echo "# skip $name: the test chooses another output format itself"
		continue
	fi
	tmp=$(mktemp -d /tmp/bpfscript-json.XXXXXX)
	test_command "$BIN" "$tmp" "${fmt[@]}"
	sigint_sent=0
	sigint_re=$T_SIGINT_WHEN
	sigint_out=$tmp/stdout
	RL_ON_TICK=
	[ -n "$T_SIGINT_WHEN" ] && RL_ON_TICK=sigint_tick
	run_limited "$T_TIMEOUT" "$tmp/stdout" "$tmp/stderr" "${T_CMD[@]}"
	RL_ON_TICK=
	files=("$tmp/stdout")
	if [ -n "$T_EXPECT_FILE_PATH" ] && [ -f "${T_EXPECT_FILE_PATH//@TMP@/$tmp}" ]; then
		files+=("${T_EXPECT_FILE_PATH//@TMP@/$tmp}")
	fi
	if [ "$RL_TIMED_OUT" = 1 ]; then
		fail "timed out after ${T_TIMEOUT}s" "$(head -10 "$tmp/stderr")"
	elif [ -n "$T_SIGINT_WHEN" ] && [ $sigint_sent = 0 ]; then
		fail "exited before a printf matched SIGINT_WHEN /$T_SIGINT_WHEN/" "$(head -10 "$tmp/stdout")"
	elif has_sanitizer_report "$tmp/stderr"; then
		fail "sanitizer report" "$(grep -E -A30 "$SANITIZER_RE" "$tmp/stderr" | head -40)"
	elif [ "$RL_STATUS" != "$T_EXIT" ]; then
		fail "exit status $RL_STATUS, expected $T_EXIT" "$(head -10 "$tmp/stderr")"
	elif ! why=$(python3 tests/json/json_lines.py "${files[@]}" 2>&1); then
		fail "output lines that are not valid JSON documents" "${why//$tmp/@TMP@}"
	else
		passed=$((passed + 1))
		echo "ok $name"
	fi
	rm -rf "$tmp"
done

echo "$passed passed, $failed failed"
[ $failed = 0 ]
