#!/usr/bin/env bash
# tests/signals/run_signals.sh — what every catchable signal does to a run (README "Signals").
#
# Owns: one run per signal against build/asan/bpfscript. The -c child (a shell) makes
# exactly 500 getppid() calls through build/workloads/getppid_loop, sends the signal to the
# tracer ($PPID), waits 1 s, then makes 300 more. Proves:
#   - SIGUSR1 prints every map as it is then (@: 500) and tracing goes on: END runs after
#     the child's exit and the final print says @: 800 (text and -f json);
#   - every other catchable signal whose default would end the process ends the run the
#     way Ctrl-C does: END runs, the maps print (@: 500), exit status 0, no sanitizer
#     report — including SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGSYS and SIGABRT when
#     another process sends them, and the real-time signals.
# Must not: signal anything but the tracer it started (the shell sends to its own parent).
# Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh

suite_start signals


suite_need signals "$BIN" build/workloads/getppid_loop

PROG='tracepoint:syscalls:sys_enter_getppid /comm == "getppid_loop" && (pid == cpid || curtask->real_parent->tgid == cpid)/ { @ = count(); } END { printf("end\n"); }'

# run SIG [ARGS...]: the tracer's stdout in $tmp/out, stderr in $tmp/err, status in $st
run() {
	local sig=$1
	shift
	timeout -s KILL 60 "$BIN" -q "$@" -c "build/workloads/getppid_loop 500; kill -$sig \$PPID; sleep 1; build/workloads/getppid_loop 300" \
		-e "$PROG" </dev/null >"$tmp/out" 2>"$tmp/err"
	st=$?
}

check() {
	local name=$1 want=$2 why=''
	if [ "$st" != 0 ]; then
		why="exit status $st: $(head -c 300 "$tmp/err")"
	elif has_sanitizer_report "$tmp/err"; then
		why="sanitizer report: $(grep -E -m1 "$SANITIZER_RE" "$tmp/err")"
	elif [ "$(cat "$tmp/out")" != "$want" ]; then
		why="stdout was: $(tr '\n' '|' <"$tmp/out")"
	fi
	if [ -n "$why" ]; then fail "$name" "$why"; else pass "$name"; fi
}

run USR1
check sigusr1_prints_maps_and_continues "$(printf '@: 500\nend\n\n\n@: 800')"
run USR1 -f json
check sigusr1_prints_maps_json "$(printf '{"type": "map", "data": {"@": 500}}\n{"type": "printf", "data": "end\\n"}\n\n\n{"type": "map", "data": {"@": 800}}')"

for sig in INT TERM HUP QUIT PIPE USR2 ALRM VTALRM PROF XCPU XFSZ PWR IO 16 \
	SEGV BUS ILL FPE TRAP SYS ABRT RTMIN RTMIN+7 RTMAX-1; do
	run "$sig"
	check "sig${sig,,}_ends_like_ctrl_c" "$(printf 'end\n\n\n@: 500')"
done

suite_end
