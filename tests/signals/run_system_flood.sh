#!/usr/bin/env bash
# tests/signals/run_system_flood.sh — Ctrl-C while system() commands flood in (bpftrace
# 0.17's other."sigint under heavy load").
#
# Owns: one run against build/asan/bpfscript whose program calls system("true") on every
# getppid() of build/workloads/getppid_loop (200000 calls: far more commands than a shell
# per event can run, so the ring fills with queued ones). The -c child (a shell) sends
# SIGINT to the tracer once the loop is done. Proves: the tracer does not run the queued
# commands after the signal (bpftrace drops every queued event then): END runs and the
# process exits within 10 s of the signal with status 0, -v reports how many queued
# system() commands were not run (more than 0), and the commands run before the signal
# printed their output. A second run with system("echo x") and -c ending normally (no
# signal) shows the queued commands all still run when the child just exits: as many
# "x" lines as the predicate's getppid() calls (300).
# Must not: signal anything but the tracer it started (the shell sends to its own parent).
# Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh

suite_start system_flood

suite_need system_flood "$BIN" build/workloads/getppid_loop

PROG='tracepoint:syscalls:sys_enter_getppid /comm == "getppid_loop"/ { system("echo x"); }
END { printf("end\n"); }'

start=$(date +%s%N)
timeout -s KILL 120 "$BIN" --unsafe -v -c "build/workloads/getppid_loop 200000; kill -INT \$PPID; date +%s%N >$tmp/sent; sleep 30" \
	-e "$PROG" </dev/null >"$tmp/out" 2>"$tmp/err"
st=$?
end=$(date +%s%N)
sent=$(cat "$tmp/sent" 2>/dev/null || echo "$start")
why=''
if [ "$st" != 0 ]; then
	why="exit status $st: $(grep -v '^x$' "$tmp/err" | head -c 300)"
elif has_sanitizer_report "$tmp/err"; then
	why="sanitizer report: $(grep -E -m1 "$SANITIZER_RE" "$tmp/err")"
elif [ $(((end - sent) / 1000000)) -gt 10000 ]; then
	why="the tracer took $(((end - sent) / 1000000)) ms to exit after SIGINT"
elif [ "$(tail -n 3 "$tmp/out" | head -n 1)" != end ]; then
	why="END did not print last: $(tail -n 3 "$tmp/out" | tr '\n' '|')"
elif ! grep -q '^x$' "$tmp/out"; then
	why="no command ran before the signal"
elif ! grep -Eq '^Interrupt: [1-9][0-9]* queued system\(\) commands? w(as|ere) not run$' "$tmp/err"; then
	why="no report of the commands left queued: $(grep -v '^x$' "$tmp/err" | tail -n 3 | tr '\n' '|')"
fi
if [ -n "$why" ]; then fail sigint_system_flood_stops "$why"; else pass sigint_system_flood_stops; fi

# Without a signal, every queued command still runs: 300 getppid() calls, 300 lines.
timeout -s KILL 60 "$BIN" --unsafe -c "build/workloads/getppid_loop 300" -e "$PROG" \
	</dev/null >"$tmp/out" 2>"$tmp/err"
st=$?
n=$(grep -c '^x$' "$tmp/out")
if [ "$st" != 0 ]; then
	fail child_exit_runs_queued_system "exit status $st: $(head -c 300 "$tmp/err")"
elif [ "$n" != 300 ]; then
	fail child_exit_runs_queued_system "$n commands ran, not 300"
else
	pass child_exit_runs_queued_system
fi

suite_end
