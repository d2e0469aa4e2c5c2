#!/usr/bin/env bash
# tests/probes/run_probes.sh — probe kinds whose checks need more than one script's output:
# listings, kinds this machine may or may not have (hardware counters), and the errors
# a user meets when the kernel refuses a kind.
#
# Owns: the cases below; each runs build/asan/bpfscript (or $BIN) and compares exit status
# and output. Must not: trace anything but its own -c children and BEGIN/END probes.
# Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh

suite_start probes


# run CMD...: status in $st, stdout in $tmp/out, stderr in $tmp/err; a sanitizer report
# is reported by the caller's check.
run() {
	timeout -s KILL 60 "$@" </dev/null >"$tmp/out" 2>"$tmp/err"
	st=$?
}
sane() { ! has_sanitizer_report "$tmp/err"; }

# ---- software ------------------------------------------------------------------------
run "$BIN" -l 'software:*'
want="alignment-faults bpf-output context-switches cpu-clock cpu-migrations dummy emulation-faults major-faults minor-faults page-faults task-clock"
got=$(sed -n 's/^software:\(.*\):$/\1/p' "$tmp/out" | tr '\n' ' ' | sed 's/ $//')
if [ $st = 0 ] && [ "$got" = "$want" ] && sane; then pass list_software
else fail list_software "status $st, got '$got'"; fi

run "$BIN" -l 's:*fault*'
got=$(tr '\n' ' ' <"$tmp/out" | sed 's/ $//')
want="software:alignment-faults: software:emulation-faults: software:major-faults: software:minor-faults: software:page-faults:"
if [ $st = 0 ] && [ "$got" = "$want" ]; then pass list_software_glob
else fail list_software_glob "status $st, got '$got'"; fi

run "$BIN" -l '*ware:*'
if [ $st = 0 ] && grep -q '^hardware:cpu-cycles:$' "$tmp/out" &&
	grep -q '^software:page-faults:$' "$tmp/out"; then pass list_kind_wildcard
else fail list_kind_wildcard "status $st: $(head -c 200 "$tmp/out")"; fi

run "$BIN" -l
if [ $st = 0 ] && grep -q '^software:cpu-clock:$' "$tmp/out" &&
	grep -q '^hardware:instructions:$' "$tmp/out"; then pass list_all_has_perf_kinds
else fail list_all_has_perf_kinds "status $st"; fi

run "$BIN" -e 'software:page-fault { }'
if [ $st = 1 ] && grep -q '^stdin:1:1: ERROR: software event not found: page-fault (the events are: alignment-faults, ' "$tmp/err"; then
	pass software_unknown_event
else fail software_unknown_event "status $st: $(head -c 300 "$tmp/err")"; fi

run "$BIN" -e 'software:faults:0 { }'
if [ $st = 1 ] && grep -q "ERROR: the count of software probe 'software:faults:0' must be a positive integer" "$tmp/err"; then
	pass software_zero_count
else fail software_zero_count "status $st: $(head -c 300 "$tmp/err")"; fi

# ---- software with -p: the counter follows one process ---------------------------------
build/workloads/busy_loop 2000 &
bpid=$!
sleep 0.2
run "$BIN" -p "$bpid" -e 'software:cpu-clock:1000000 { @[pid == '"$bpid"' ? "target" : "other"] = count(); } interval:ms:500 { exit(); }'
kill "$bpid" 2>/dev/null
wait "$bpid" 2>/dev/null
if [ $st = 0 ] && grep -Eq '^@\[target\]: [0-9]+$' "$tmp/out" && ! grep -q other "$tmp/out" && sane; then
	pass software_pid_filter
else fail software_pid_filter "status $st: $(head -c 300 "$tmp/out") $(head -c 300 "$tmp/err")"; fi

# ---- rawtracepoint ----------------------------------------------------------------------
run "$BIN" -lv 'rawtracepoint:vmlinux:sched_switch'
want=$'rawtracepoint:vmlinux:sched_switch\n    bool preempt\n    struct task_struct * prev\n    struct task_struct * next\n    unsigned int prev_state'
if [ $st = 0 ] && [ "$(cat "$tmp/out")" = "$want" ]; then pass list_rawtracepoint_verbose
else fail list_rawtracepoint_verbose "status $st: $(head -c 300 "$tmp/out")"; fi

run "$BIN" -l 'rt:sys_e*'
if [ $st = 0 ] && [ "$(tr '\n' ' ' <"$tmp/out")" = "rawtracepoint:vmlinux:sys_enter rawtracepoint:vmlinux:sys_exit " ]; then
	pass list_rawtracepoint_glob
else fail list_rawtracepoint_glob "status $st: $(head -c 300 "$tmp/out")"; fi

run "$BIN" -e 'rt:vmlinux:sched_switch { @a = 1; } rt:sched_switch { @b = 1; } interval:ms:300 { exit(); }'
if [ $st = 0 ] && grep -qx "@a: 1" "$tmp/out" && grep -qx "@b: 1" "$tmp/out"; then
	pass rawtracepoint_two_probes_one_event
else fail rawtracepoint_two_probes_one_event "status $st: $(head -c 300 "$tmp/err")"; fi

run "$BIN" -e 'rawtracepoint:no_such_event { }'
if [ $st = 1 ] && grep -q '^stdin:1:1: ERROR: raw tracepoint not found: no_such_event$' "$tmp/err"; then
	pass rawtracepoint_not_found
else fail rawtracepoint_not_found "status $st: $(head -c 300 "$tmp/err")"; fi

run "$BIN" -e 'rawtracepoint:sched_switch { @ = args.nope; }'
if [ $st = 1 ] && grep -q "ERROR: rawtracepoint:sched_switch: sched_switch has no parameter named 'nope'; it has: preempt, prev, next, prev_state$" "$tmp/err"; then
	pass rawtracepoint_bad_arg
else fail rawtracepoint_bad_arg "status $st: $(head -c 300 "$tmp/err")"; fi

run "$BIN" -e 'rawtracepoint:sched_switch { @ = arg12; }'
if [ $st = 1 ] && grep -q "ERROR: rawtracepoint:sched_switch: arg12 is out of range: a raw tracepoint has at most 12 arguments" "$tmp/err"; then
	pass rawtracepoint_arg_range
else fail rawtracepoint_arg_range "status $st: $(head -c 300 "$tmp/err")"; fi

# ---- self:signal:SIGUSR1 runs on each SIGUSR1, before the maps are printed ------------------
"$BIN" -e 'self:signal:SIGUSR1 { @n++; printf("usr1 %d\n", @n); } interval:ms:1500 { exit(); }' \
	>"$tmp/out" 2>"$tmp/err" &
tpid=$!
for i in 1 2; do
	for _ in $(seq 50); do grep -q "^Attaching" "$tmp/err" && break; sleep 0.05; done
	sleep 0.2
	kill -USR1 "$tpid"
done
wait "$tpid"
st=$?
want=$'usr1 1\n@n: 1\nusr1 2\n@n: 2\n\n\n@n: 2'
if [ $st = 0 ] && [ "$(cat "$tmp/out")" = "$want" ] && sane; then pass self_signal_usr1
else fail self_signal_usr1 "status $st: $(head -c 300 "$tmp/out")"; fi

run "$BIN" -e 'self:signal:SIGUSR2 { }'
if [ $st = 1 ] && grep -q "ERROR: self probes are written self:signal:SIGUSR1" "$tmp/err"; then
	pass self_other_signal
else fail self_other_signal "status $st: $(head -c 300 "$tmp/err")"; fi

# ---- usdt ------------------------------------------------------------------------------
W=build/workloads
run "$BIN" -l "usdt:$W/usdt_target:*"
want="usdt:$W/usdt_target:bpfs:guarded usdt:$W/usdt_target:bpfs:mem usdt:$W/usdt_target:bpfs:misc usdt:$W/usdt_target:bpfs:noargs usdt:$W/usdt_target:bpfs:signed usdt:$W/usdt_target:bpfs:site usdt:$W/usdt_target:bpfs:unsigned"
if [ $st = 0 ] && [ "$(tr '\n' ' ' <"$tmp/out" | sed 's/ $//')" = "$want" ]; then pass list_usdt_file
else fail list_usdt_file "status $st: $(head -c 400 "$tmp/out")"; fi

run "$BIN" -l "usdt:$W/usdt_target*:bpfs:s*"
want="usdt:$W/usdt_target:bpfs:signed usdt:$W/usdt_target:bpfs:site usdt:$W/usdt_target_nopie:bpfs:signed usdt:$W/usdt_target_nopie:bpfs:site"
if [ $st = 0 ] && [ "$(tr '\n' ' ' <"$tmp/out" | sed 's/ $//')" = "$want" ]; then pass list_usdt_glob
else fail list_usdt_glob "status $st: $(head -c 400 "$tmp/out")"; fi

run "$W/usdt_target" -r 50
if [ "$(cat "$tmp/out")" = "guarded=0 lib=1225" ]; then pass usdt_semaphore_off_untraced
else fail usdt_semaphore_off_untraced "$(cat "$tmp/out")"; fi

# -p: the process's executable and libraries; the semaphore goes on for it and only
# while traced (the same process counts its guarded hits before, during and after). It
# waits 3 s before its loop: under load two ASan start-ups (the -l and the tracer) took
# longer than the 0.6 s it used to wait, and the tracer found the process gone.
"$W/usdt_target" -r -s 3000 400 >"$tmp/child.out" &
upid=$!
sleep 0.2
run "$BIN" -l 'usdt:*' -p "$upid"
abs=$(readlink -f "$W/usdt_target")
lib=$(readlink -f "$W/libusdt_lib.so")
if [ $st = 0 ] && grep -qx "usdt:$abs:bpfs:guarded" "$tmp/out" && grep -qx "usdt:$lib:bpfslib:libcall" "$tmp/out"; then
	pass list_usdt_pid
else fail list_usdt_pid "status $st: $(head -c 400 "$tmp/out")"; fi
run "$BIN" -p "$upid" -e 'usdt::bpfs:site { @[arg0] = count(); } usdt:*:bpfslib:libcall { @lib = count(); } usdt::bpfs:guarded { @g = count(); }'
wait "$upid"
if [ $st = 0 ] && grep -qx '@\[1\]: 400' "$tmp/out" && grep -qx '@\[3\]: 400' "$tmp/out" &&
	grep -qx '@lib: 400' "$tmp/out" && grep -qx '@g: 400' "$tmp/out" &&
	[ "$(cat "$tmp/child.out")" = "guarded=400 lib=79800" ] && sane; then
	pass usdt_pid_attach
else fail usdt_pid_attach "status $st: $(tr '\n' ' ' <"$tmp/out") child: $(cat "$tmp/child.out") $(head -c 300 "$tmp/err")"; fi

run "$BIN" -e 'usdt::bpfs:site { }'
if [ $st = 1 ] && grep -q "ERROR: usdt probe 'usdt::bpfs:site' names no binary: give one (usdt:BINARY:PROVIDER:NAME) or a process with -p" "$tmp/err"; then
	pass usdt_no_binary
else fail usdt_no_binary "status $st: $(head -c 300 "$tmp/err")"; fi

run "$BIN" -e "usdt:$W/usdt_target:bpfs:nope { }"
if [ $st = 1 ] && grep -q "ERROR: no USDT probe matches 'usdt:$W/usdt_target:bpfs:nope'" "$tmp/err"; then
	pass usdt_no_match
else fail usdt_no_match "status $st: $(head -c 300 "$tmp/err")"; fi

run "$BIN" -e "usdt:$W/usdt_target:bpfs:noargs { @ = arg0; }"
if [ $st = 1 ] && grep -q "ERROR: usdt:$W/usdt_target:bpfs:noargs: arg0 does not exist: this call site of the probe has 0 arguments" "$tmp/err"; then
	pass usdt_arg_missing
else fail usdt_arg_missing "status $st: $(head -c 300 "$tmp/err")"; fi

run "$BIN" -e 'usdt:/etc/passwd:a:b { }'
if [ $st = 1 ] && grep -q "ERROR: cannot read the USDT probes of /etc/passwd: " "$tmp/err"; then
	pass usdt_not_elf
else fail usdt_not_elf "status $st: $(head -c 300 "$tmp/err")"; fi

# ---- watchpoint: once per write of a known global of a non-PIE workload -------------------
# (with -c the breakpoint follows the child from its fork, so the tracer's own pre-exec
# writes to that address are filtered out by comm)
addr=$(nm "$W/usdt_target_nopie" | awk '$3 == "bpfs_counter" { print $1 }')
wp_count() { # ITERATIONS: writes seen (w) and accesses seen (rw) to bpfs_counter
	run "$BIN" -e "watchpoint:0x$addr:8:w /comm == \"usdt_target_nop\"/ { @w = count(); } asyncwatchpoint:0x$addr:8:rw /comm == \"usdt_target_nop\"/ { @a = count(); }" -c "$W/usdt_target_nopie $1"
	echo "$(sed -n 's/^@w: //p' "$tmp/out") $(sed -n 's/^@a: //p' "$tmp/out") $st"
}
# the loader's own accesses to that page are the same in both runs: 250 iterations add
# exactly 250 writes (and no reads: the USDT operand that names it is not executed)
read -r w0 a0 st0 <<<"$(wp_count 0)"
read -r w1 a1 st1 <<<"$(wp_count 250)"
if [ "$st0" = 0 ] && [ "$st1" = 0 ] && [ -n "$w1" ] && [ $((w1 - ${w0:-0})) = 250 ] &&
	[ $((a1 - ${a0:-0})) = 250 ] && sane; then
	pass watchpoint_writes
else fail watchpoint_writes "status $st0/$st1: w $w0 -> $w1, rw $a0 -> $a1 (want +250 each) $(head -c 300 "$tmp/err")"; fi

run "$BIN" -e "watchpoint:0x$addr:8:w { }"
if [ $st = 1 ] && grep -q "a watchpoint watches one process: give -p PID or -c CMD" "$tmp/err"; then
	pass watchpoint_needs_process
else fail watchpoint_needs_process "status $st: $(head -c 300 "$tmp/err")"; fi

# FUNC+argN watchpoints: tests/probes/run_watchpoint.sh and tests/e2e/watchpoint_func_arg*
run "$BIN" -e 'watchpoint:increment+arg1:4:w { }'
if [ $st = 1 ] && grep -q "ERROR: -p PID or -c CMD required for watchpoint" "$tmp/err"; then
	pass watchpoint_func_arg_needs_process
else fail watchpoint_func_arg_needs_process "status $st: $(head -c 300 "$tmp/err")"; fi

# ---- -p restricts every kind, tracepoints and profile too (current bpftrace) ------------
build/workloads/wakeups 100 20000 &
wpid=$!
build/workloads/wakeups 100 20000 &
opid=$!
sleep 0.2
run "$BIN" -p "$wpid" -e 'tracepoint:raw_syscalls:sys_enter { @[pid == '"$wpid"' ? "target" : "other"] = count(); } interval:ms:400 { exit(); }'
kill "$wpid" "$opid" 2>/dev/null
wait "$wpid" "$opid" 2>/dev/null
if [ $st = 0 ] && grep -Eq '^@\[target\]: [0-9]+$' "$tmp/out" && ! grep -q other "$tmp/out" && sane; then
	pass pid_filter_tracepoint
else fail pid_filter_tracepoint "status $st: $(head -c 300 "$tmp/out") $(head -c 300 "$tmp/err")"; fi

# ---- hardware: counts where there is a CPU PMU, one sentence where there is none --------
if [ -e /sys/bus/event_source/devices/cpu ] || [ -e /sys/bus/event_source/devices/cpu_core ]; then
	run "$BIN" -e 'hardware:instructions:100000 /pid == cpid/ { @ = count(); }' -c 'build/workloads/busy_loop 200'
	if [ $st = 0 ] && grep -Eq '^@: [1-9][0-9]*$' "$tmp/out" && sane; then pass hardware_counts
	else fail hardware_counts "status $st: $(head -c 300 "$tmp/err")"; fi
else
	run "$BIN" -e 'hardware:cycles:1000 /pid == cpid/ { @ = count(); }' -c /bin/true
	if [ $st = 1 ] && [ "$(grep -c ERROR "$tmp/err")" = 1 ] &&
		grep -q '^ERROR: cannot attach probe hardware:cycles:1000: this machine has no CPU performance counters' "$tmp/err" && sane; then
		pass hardware_no_pmu_error
	else fail hardware_no_pmu_error "status $st: $(head -c 300 "$tmp/err")"; fi
fi

suite_end
