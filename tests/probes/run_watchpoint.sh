#!/usr/bin/env bash
# tests/probes/run_watchpoint.sh — watchpoint FUNC+argN cases that need more than one
# script's output: -p on a workload already running, the fifth breakpoint (x86 has four
# debug registers), and the stopped workload always let go on. The -c cases with exact
# counts are e2e tests (tests/e2e/watchpoint_func_arg*.test).
#
# Owns: the cases below; each runs build/asan/bpfscript (or $BIN) against
# build/workloads/watch_target. Must not: trace any other process.
# Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh

suite_start watch
W=build/workloads
wpid=''
cleanup() {
	[ -n "$wpid" ] && kill "$wpid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

run() {
	timeout -s KILL 60 "$@" </dev/null >"$tmp/out" 2>"$tmp/err"
	st=$?
}
sane() { ! has_sanitizer_report "$tmp/err"; }

# -p: the workload runs first and calls watch_start 3 s later; the run ends with it
"$W/watch_target" 9 0 3000 &
wpid=$!
run "$BIN" -p "$wpid" -e 'watchpoint:watch_start+arg0:8:w { @hits = count(); @[probe] = count(); }'
wait "$wpid"
wst=$?
printf '\n\n@[watchpoint:/proc/%s/exe:watch_start:8:w]: 9\n@hits: 9\n' "$wpid" >"$tmp/want"
wpid=''
if [ $st = 0 ] && [ $wst = 0 ] && cmp -s "$tmp/want" "$tmp/out" && sane; then pass watchpoint_func_arg_pid
else fail watchpoint_func_arg_pid "status $st (workload $wst): $(head -c 300 "$tmp/out") $(head -c 300 "$tmp/err")"; fi

# five probes arm five breakpoints on one thread: the fifth finds no debug register, said
# once in bpftrace's words; the four armed ones each see the 7 writes (made 1 s later)
run "$BIN" -e 'w:watch_start+arg0:8:w, w:watch_start+arg0:8:rw, aw:watch_start+arg0:8:w, aw:watch_start+arg0:8:rw, w:watch_start+arg0:4:w { @armed[probe] = 1; @hits = count(); }' -c "$W/watch_target 7 1000"
full=$(grep -c '^Failed to attach watchpoint probe. You are out of watchpoint registers.$' "$tmp/out")
narmed=$(grep -c '^@armed\[' "$tmp/out")
hits=$(sed -n 's/^@hits: //p' "$tmp/out")
# rw probes also see the final read: 4 armed = 2 w + 2 rw, or 1 w + 3 rw, ...
if [ $st = 0 ] && [ "$full" = 1 ] && [ "$narmed" = 4 ] && [ -n "$hits" ] && sane &&
	[ "$hits" -ge 28 ] && [ "$hits" -le 32 ]; then
	pass watchpoint_out_of_registers
else fail watchpoint_out_of_registers "status $st: $full messages, $narmed armed, hits '$hits': $(head -c 400 "$tmp/out") $(head -c 300 "$tmp/err")"; fi

# the workload is never left stopped: exit() at the first write ends the session, and the
# -p workload (stopped for arming, then let go) still runs to its end on its own
"$W/watch_target" 7 0 2000 &
wpid=$!
run "$BIN" -p "$wpid" -e 'watchpoint:watch_start+arg0:8:w { exit(); }'
for _ in $(seq 100); do kill -0 "$wpid" 2>/dev/null || break; sleep 0.05; done
if kill -0 "$wpid" 2>/dev/null; then
	fail watchpoint_exit_resumes "the workload still runs (state $(awk '{ print $3 }' "/proc/$wpid/stat")) after the tracer ended (status $st)"
	kill -CONT "$wpid"
else
	wait "$wpid"
	wst=$?
	if [ $st = 0 ] && [ $wst = 0 ] && sane; then pass watchpoint_exit_resumes
	else fail watchpoint_exit_resumes "status $st, workload $wst: $(head -c 300 "$tmp/err")"; fi
fi
wpid=''

# FUNC+argN needs the process whose function it is
run "$BIN" -e 'watchpoint:increment+arg1:4:w { }'
if [ $st = 1 ] && grep -q "ERROR: -p PID or -c CMD required for watchpoint: watchpoint:increment+arg1:4:w watches an address FUNCTION is given in the traced process" "$tmp/err"; then
	pass watchpoint_func_arg_needs_process
else fail watchpoint_func_arg_needs_process "status $st: $(head -c 300 "$tmp/err")"; fi

run "$BIN" -e 'watchpoint:no_such_function+arg0:8:w { }' -c "$W/watch_target 1"
if [ $st = 1 ] && grep -q "ERROR: cannot probe uprobe:$W/watch_target:no_such_function: function 'no_such_function' not found in $W/watch_target" "$tmp/err"; then
	pass watchpoint_func_arg_no_function
else fail watchpoint_func_arg_no_function "status $st: $(head -c 300 "$tmp/err")"; fi

suite_end
