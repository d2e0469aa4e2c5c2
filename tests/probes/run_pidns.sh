#!/usr/bin/env bash
# tests/probes/run_pidns.sh — pid(curr_ns|init) and tid(curr_ns|init) with bpfscript in a
# PID namespace of its own (unshare -p -f --mount-proc): its -c child is then a small pid
# there and another in the initial namespace. The init-namespace cases are e2e tests
# (tests/e2e/pid_ns_forms.test).
#
# Owns: the cases below; each runs build/asan/bpfscript (or $BIN) against
# build/workloads/getppid_loop. Must not: trace any other process.
# Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh

suite_start pidns
BIN=${BIN:-build/asan/bpfscript}
suite_need pidns "$BIN" build/workloads/getppid_loop

run() {
	timeout -s KILL 60 unshare -p -f --mount-proc "$@" </dev/null >"$tmp/out" 2>"$tmp/err"
	st=$?
}
sane() { ! has_sanitizer_report "$tmp/err"; }

if ! unshare -p -f --mount-proc true 2>/dev/null; then
	fail pidns_curr_ns "unshare -p cannot make a PID namespace here: $(unshare -p -f --mount-proc true 2>&1 | head -c 200)"
else
	# the child's 10 getppid calls, filtered by its pid in bpfscript's namespace (cpid);
	# there pid(curr_ns) and tid(curr_ns) are cpid, the initial namespace's pid differs,
	# and plain pid is the initial namespace's (0.17's value)
	run "$BIN" -c 'build/workloads/getppid_loop 10' -e '
BEGIN { printf("cpid %d\n", cpid); }
tracepoint:syscalls:sys_enter_getppid /pid(curr_ns) == cpid/ {
	@[pid(curr_ns), tid(curr_ns), pid(init) != pid(curr_ns), pid(init) == pid, tid(init) == tid] = count();
}'
	c=$(sed -n 's/^cpid //p' "$tmp/out")
	if [ $st = 0 ] && [ -n "$c" ] && grep -qx "@\[$c, $c, 1, 1, 1\]: 10" "$tmp/out" &&
		[ "$(grep -c '^@\[' "$tmp/out")" = 1 ] && sane; then
		pass pidns_curr_ns
	else
		fail pidns_curr_ns "status $st, want only @[$c, $c, 1, 1, 1]: 10: $(head -c 400 "$tmp/out") $(head -c 300 "$tmp/err")"
	fi
	# a task outside bpfscript's namespace (started here, in the initial one, 2 s later):
	# the kernel's helper refuses it, so pid(curr_ns) is 0 for each of its 100 calls
	(sleep 2; exec build/workloads/getppid_loop 100) &
	opid=$!
	run "$BIN" -e "tracepoint:syscalls:sys_enter_getppid /pid(init) == $opid/ { @[pid(curr_ns), tid(curr_ns)] = count(); } interval:s:5 { exit(); }"
	wait "$opid"
	if [ $st = 0 ] && grep -qx '@\[0, 0\]: 100' "$tmp/out" && [ "$(grep -c '^@\[' "$tmp/out")" = 1 ] && sane; then
		pass pidns_outside_task
	else
		fail pidns_outside_task "status $st, want only @[0, 0]: 100: $(head -c 400 "$tmp/out") $(head -c 300 "$tmp/err")"
	fi
fi
suite_end
