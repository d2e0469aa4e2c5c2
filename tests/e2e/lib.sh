# shellcheck shell=bash
# tests/e2e/lib.sh — shell helpers shared by tests/run.sh and its suite runners.
#
# Owns: the sanitizer environment (any ASan/UBSan/LSan report must fail a test), the one
# pattern that recognises a sanitizer report, mounting tracefs when it is missing, and
# run_limited (run a command with a time limit, INT then KILL), and reading a .test file
# (parse_test, test_command: tests/e2e/run_e2e.sh and tests/json/run_json.sh share them).
# Must not: print results or count tests; each runner does its own bookkeeping.
# Sourced, never executed; callers are bash and cd to the repository root first.
# shellcheck disable=SC2034  # RL_* are results for the sourcing script

# exitcode=99 makes a report visible even when a caller ignores stderr; halt_on_error
# stops at the first report so its text is not buried under follow-on damage.
export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:exitcode=99:abort_on_error=0:detect_stack_use_after_return=0"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:exitcode=99"
export LSAN_OPTIONS="exitcode=99"

SANITIZER_RE='(ERROR|WARNING): (Address|Leak|Memory|Thread|UndefinedBehavior)Sanitizer|SUMMARY: [A-Za-z]+Sanitizer|runtime error: '

# has_sanitizer_report FILE: true when FILE holds sanitizer output.
has_sanitizer_report() {
	grep -Eq "$SANITIZER_RE" "$1" 2>/dev/null
}

# Tracepoint tests need tracefs; some machines boot without it mounted.
ensure_tracefs() {
	[ -d /sys/kernel/tracing/events ] && return 0
	mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null
	[ -d /sys/kernel/tracing/events ]
}

# run_limited SECONDS OUT ERR CMD...: run CMD in its own process group (stdin from
# /dev/null), stdout to OUT, stderr to ERR. On timeout: SIGINT to the group, 2 s grace,
# then SIGKILL. Sets RL_STATUS (exit status, 128+signal when killed) and RL_TIMED_OUT.
run_limited() {
	local secs=$1 out=$2 err=$3 pid waited=0
	shift 3
	setsid "$@" </dev/null >"$out" 2>"$err" &
	pid=$!
	RL_TIMED_OUT=0
	while kill -0 "$pid" 2>/dev/null; do
		# Poll every 50 ms; a process that exits fast costs at most one tick.
		if [ "$waited" -ge $((secs * 20)) ]; then
			RL_TIMED_OUT=1
			kill -INT -- "-$pid" 2>/dev/null
			local g=0
			while kill -0 "$pid" 2>/dev/null && [ $g -lt 40 ]; do
				sleep 0.05
				g=$((g + 1))
			done
			kill -KILL -- "-$pid" 2>/dev/null
			break
		fi
		if [ -n "${RL_ON_TICK:-}" ]; then
			"$RL_ON_TICK" "$pid"
		fi
		sleep 0.05
		waited=$((waited + 1))
	done
	# Braces so bash's "Killed" job notice goes to /dev/null, not the report.
	{ wait "$pid"; } 2>/dev/null
	RL_STATUS=$?
}

DIRECTIVES='NAME|PROG|FILE|ARGS|PARAMS|ENV|EXPECT|EXPECT_REGEX|EXPECT_STDERR_REGEX|EXPECT_FILE|EXIT|TIMEOUT|SIGINT_WHEN|NO_ORACLE'
BLOCKS=' PROG EXPECT EXPECT_REGEX EXPECT_STDERR_REGEX EXPECT_FILE '

# parse_test FILE: fill the T_* variables. Block directives take the rest of their line
# (if any) and every following line up to the next directive, verbatim: trailing blank
# lines in EXPECT are significant. Lines before the first directive are comments.
parse_test() {
	local line cur='' rest
	T_NAME='' T_PROG='' T_FILE='' T_ARGS='' T_PARAMS='' T_ENV=() T_EXIT=0 T_TIMEOUT=10
	T_SIGINT_WHEN='' T_NO_ORACLE='' T_EXPECT_FILE_PATH=''
	declare -gA T_BLOCK=() T_HAS=()
	while IFS= read -r line || [ -n "$line" ]; do
		if [[ $line =~ ^($DIRECTIVES)(\ (.*))?$ ]]; then
			cur=${BASH_REMATCH[1]}
			rest=${BASH_REMATCH[3]}
			T_HAS[$cur]=1
			case $cur in
			NAME) T_NAME=$rest ;;
			FILE) T_FILE=$rest ;;
			ARGS) T_ARGS=$rest ;;
			PARAMS) T_PARAMS=$rest ;;
			ENV) T_ENV+=("$rest") ;;
			EXIT) T_EXIT=$rest ;;
			TIMEOUT) T_TIMEOUT=$rest ;;
			SIGINT_WHEN) T_SIGINT_WHEN=$rest ;;
			NO_ORACLE) T_NO_ORACLE=${rest:-yes} ;;
			EXPECT_FILE) T_EXPECT_FILE_PATH=$rest; T_BLOCK[$cur]='' ;;
			*) T_BLOCK[$cur]=''; [ -n "$rest" ] && T_BLOCK[$cur]+="$rest"$'\n' ;;
			esac
			[[ $BLOCKS == *" $cur "* ]] || cur=''
		elif [ -n "$cur" ]; then
			T_BLOCK[$cur]+="$line"$'\n'
		fi
	done <"$1"
	T_PROG=${T_BLOCK[PROG]:-}
}

# test_command BIN TMP [OPTION...]: the command line of the parsed test in T_CMD: env with
# its ENV, BIN, the given OPTIONs (e.g. -f json), its ARGS, -e PROG or FILE, its PARAMS;
# @TMP@ becomes TMP.
test_command() {
	local bin=$1 tmp=$2 e
	shift 2
	local -a opts params
	T_CMD=(env)
	for e in "${T_ENV[@]}"; do T_CMD+=("${e//@TMP@/$tmp}"); done
	T_CMD+=("$bin" "$@")
	eval "opts=( ${T_ARGS//@TMP@/$tmp} )"
	eval "params=( ${T_PARAMS//@TMP@/$tmp} )"
	T_CMD+=("${opts[@]}")
	if [ -n "$T_FILE" ]; then
		T_CMD+=("$T_FILE")
	else
		T_CMD+=(-e "${T_PROG//@TMP@/$tmp}")
	fi
	T_CMD+=("${params[@]}")
}

# suite_start NAME: how a runner of the "ok X / not ok X: why" protocol begins: BIN is
# build/asan/bpfscript unless the caller set it, the passed/failed counters start at 0,
# $tmp is a scratch directory (/tmp/bpfscript-NAME.*) removed at exit, and tracefs is
# mounted. pass NAME and fail NAME WHY count and print one line each (a runner may redefine
# them); suite_end prints the last line, "N passed, N failed", and returns 0 only if none failed.
suite_start() {
	BIN=${BIN:-build/asan/bpfscript}
	passed=0
	failed=0
	tmp=$(mktemp -d "/tmp/bpfscript-$1.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	ensure_tracefs >/dev/null 2>&1
}
# suite_need NAME FILE...: every FILE must be an executable that make test-build built;
# otherwise the suite NAME ends at once with one failure saying which one is missing.
suite_need() {
	local name=$1 f
	shift
	for f in "$@"; do
		if [ ! -x "$f" ]; then
			echo "not ok $name: $f not built (make test-build)"
			echo "0 passed, 1 failed"
			exit 1
		fi
	done
}
pass() { passed=$((passed + 1)); echo "ok $1"; }
fail() { failed=$((failed + 1)); echo "not ok $1: $2"; }
suite_end() {
	echo "$passed passed, $failed failed"
	[ "$failed" = 0 ]
}
