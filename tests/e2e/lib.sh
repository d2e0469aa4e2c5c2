# shellcheck shell=bash
# tests/e2e/lib.sh — shell helpers shared by tests/run.sh and its suite runners.
#
# Owns: the sanitizer environment (any ASan/UBSan/LSan report must fail a test), the one
# pattern that recognises a sanitizer report, mounting tracefs when it is missing, and
# run_limited (run a command with a time limit, INT then KILL).
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
