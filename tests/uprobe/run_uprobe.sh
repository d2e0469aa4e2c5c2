#!/usr/bin/env bash
# tests/uprobe/run_uprobe.sh — uprobe, stack and -l checks whose expectations are computed
# at run time: -p with two copies of a workload, probes by address (taken from nm), user
# and kernel stacks, -l against tracefs and the workload's symbols, detach after SIGKILL.
#
# Owns: only these checks; static cases live in tests/e2e/*.test and tests/errors/.
# Must not: trace processes it did not start (every script filters on cpid or uses -p).
#
#   tests/uprobe/run_uprobe.sh [--bin PATH]   (default build/asan/bpfscript)
# Prints "ok X" / "not ok X: reason", then, as the last line, "N passed, N failed".
set -u
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh

BIN=build/asan/bpfscript
[ "${1:-}" = "--bin" ] && BIN=$2
W=build/workloads/uprobe_target
passed=0
failed=0
tmp=$(mktemp -d /tmp/uprobe-suite.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
ensure_tracefs

ok() { echo "ok $1"; passed=$((passed + 1)); }
nok() {
	echo "not ok $1: $2"
	[ -f "$tmp/out" ] && sed 's/^/    | /' "$tmp/out" | head -40
	[ -f "$tmp/err" ] && sed 's/^/    ! /' "$tmp/err" | head -20
	failed=$((failed + 1))
}

# run NAME SECS ARGS...: the tracer with a time limit; false (and "not ok") when it fails,
# times out or reports a sanitizer error.
run() {
	local name=$1 secs=$2
	shift 2
	run_limited "$secs" "$tmp/out" "$tmp/err" "$BIN" "$@"
	if [ "$RL_TIMED_OUT" = 1 ]; then
		nok "$name" "timed out"
	elif has_sanitizer_report "$tmp/err"; then
		nok "$name" "sanitizer report"
	elif [ "$RL_STATUS" != 0 ]; then
		nok "$name" "exit status $RL_STATUS"
	else
		return 0
	fi
	return 1
}

# expect NAME REGEX...: every regex must match some stdout line, in order.
expect() {
	local name=$1 re line=1
	shift
	for re in "$@"; do
		local n
		n=$(tail -n +"$line" "$tmp/out" | grep -nE -m1 -- "$re" | cut -d: -f1)
		if [ -z "$n" ]; then
			nok "$name" "no line matching /$re/ (in order)"
			return 1
		fi
		line=$((line + n))
	done
	ok "$name"
}

# ---- -p PID: two copies run (calls start after 2.5 s, time for the ASan build to attach),
# only the chosen one is counted; the run ends when it exits
"$W" 50 1500 2500 & a=$!
"$W" 50 1500 2500 & b=$!
if run p_pid 15 -q -p "$a" -e "uprobe:$W:add { @[pid] = count(); @s = sum(arg1); }"; then
	if grep -qx "@\[$a\]: 50" "$tmp/out" && ! grep -q "@\[$b\]" "$tmp/out" &&
		grep -qx "@s: 2450" "$tmp/out"; then
		ok p_pid
	else
		nok p_pid "expected @[$a]: 50, @s: 2450 and nothing for $b"
	fi
fi
wait "$a" "$b"

# ---- -p with a pid that does not exist: one sentence, non-zero exit
run_limited 10 "$tmp/out" "$tmp/err" "$BIN" -p abc -e "uprobe:$W:add { }"
if [ "$RL_STATUS" = 1 ] && grep -qx "ERROR: pid 'abc' is not a valid decimal number" "$tmp/err"; then
	ok p_bad_pid
else
	nok p_bad_pid "status $RL_STATUS"
fi
dead=$(sh -c 'echo $$') # a pid that has just exited (killing a fresh `&` child could run our EXIT trap in it)
run_limited 10 "$tmp/out" "$tmp/err" "$BIN" -p "$dead" -e "uprobe:$W:add { }"
if [ "$RL_STATUS" = 1 ] && grep -qx "ERROR: process $dead given with -p does not exist" "$tmp/err"; then
	ok p_gone_pid
else
	nok p_gone_pid "status $RL_STATUS"
fi

# ---- uprobe:PATH:0xADDRESS, address from nm; probe name in decimal like bpftrace
addr=$(nm "$W" | awk '$3 == "add" { print $1 }')
dec=$((16#$addr))
if run address 15 -q -c "$W 100" -e "uprobe:$W:0x$addr /pid == cpid/ { @[probe, func] = count(); }"; then
	expect address "^@\[uprobe:$W:$dec, add\]: 100$"
fi

# ---- ustack: the workload's own frames by name; perf mode with the module; limits. The
# workload stays alive 300 ms after its calls: user frames are resolved through its
# /proc/PID/maps, which bpfscript re-reads while it runs (a process gone before the first
# read prints hex addresses, as with bpftrace).
if run ustack 15 -q -c "$W 10 300" -e "uprobe:$W:leaf /pid == cpid/ { @[ustack] = count(); @p[ustack(perf, 2)] = count(); @t[ustack(2), comm] = count(); }"; then
	expect ustack '^@\[$' '^    leaf\+0$' '^    outer\+[0-9]+$' '^    main\+[0-9]+$' '^\]: 10$' \
		'^@p\[$' "^	[0-9a-f]+ leaf\+0 \(.*/$W\)$" "^	[0-9a-f]+ outer\+[0-9]+ \(.*/$W\)$" '^\]: 10$' \
		'^@t\[$' '^    leaf\+0$' '^    outer\+[0-9]+$' '^, uprobe_target\]: 10$'
fi

# ---- stack mode raw (current bpftrace): the addresses alone, in hex, unindented; the
# same addresses perf mode prints next to the symbols
same_addrs() { # NAME: @r's raw lines are @p's perf addresses, in order
	local perf raw
	perf=$(awk '/^@p\[/ { on = 1; next } /^\]/ { on = 0 } on && /^\t/ { print $1 }' "$tmp/out")
	raw=$(awk '/^@r\[/ { on = 1; next } /^\]/ { on = 0 } on { print }' "$tmp/out")
	if [ -n "$raw" ] && [ "$raw" = "$perf" ] && ! grep -qvE '^[0-9a-f]+$' <<<"$raw"; then
		ok "$1"
	else
		nok "$1" "raw '$(echo $raw)' is not perf's '$(echo $perf)'"
	fi
}
if run ustack_raw 15 -q -c "$W 10 300" -e "uprobe:$W:leaf /pid == cpid/ { @p[ustack(perf, 3)] = count(); @r[ustack(raw, 3)] = count(); }"; then
	expect ustack_raw_shape '^@p\[$' '^\]: 10$' '^@r\[$' '^[0-9a-f]+$' '^[0-9a-f]+$' '^[0-9a-f]+$' '^\]: 10$' &&
		same_addrs ustack_raw
fi
if run kstack_raw 15 -q -c 'build/workloads/getppid_loop 5' -e 'tracepoint:syscalls:sys_enter_getppid /pid == cpid/ { @p[kstack(perf)] = count(); @r[kstack(raw)] = count(); }'; then
	expect kstack_raw_shape '^@r\[$' '^ffff[0-9a-f]{12}$' '^\]: 5$' && same_addrs kstack_raw
fi

# ---- usym/uaddr: the probed function's own address resolves to its name
if run usym 15 -q -c "$W 10 300" -e "uprobe:$W:mid /pid == cpid/ { @[usym(uaddr(\"leaf\")), usym(uaddr(\"mid\") + 1)] = count(); }"; then
	expect usym '^@\[leaf, mid\]: 10$'
fi

# ---- kstack / ksym / kaddr on a syscall tracepoint
if run kstack 15 -q -c 'build/workloads/getppid_loop 5' -e 'tracepoint:syscalls:sys_enter_getppid /pid == cpid/ { @[kstack] = count(); @k[kstack(perf, 1)] = count(); @s[ksym(kaddr("do_syscall_64") + 3)] = count(); }'; then
	expect kstack '^@\[$' '^    do_syscall_64\+[0-9]+$' '^    entry_SYSCALL_64_after_hwframe\+[0-9]+$' '^\]: 5$' \
		'^@k\[$' '^	[0-9a-f]{16} [a-z_]+\+[0-9]+$' '^\]: 5$' '^@s\[do_syscall_64\]: 5$'
fi

# ---- -l: every tracepoint tracefs lists, the same count and names
root=/sys/kernel/tracing
if run list_tracepoints 20 -l 'tracepoint:*'; then
	if diff -q "$tmp/out" <(sed 's/^/tracepoint:/' "$root/available_events" | sort) >/dev/null; then
		ok list_tracepoints
	else
		nok list_tracepoints "differs from available_events ($(wc -l <"$tmp/out") vs $(wc -l <"$root/available_events"))"
	fi
fi
if run list_verbose 10 -lv 't:syscalls:sys_enter_read*'; then
	want=$(for ev in sys_enter_read sys_enter_readahead sys_enter_readlink sys_enter_readlinkat sys_enter_readv; do
		echo "tracepoint:syscalls:$ev"
		sed -n 's/^\tfield:\([^;]*\);.*/    \1/p' "$root/events/syscalls/$ev/format" | grep -v ' common_'
	done)
	if [ "$(cat "$tmp/out")" = "$want" ]; then ok list_verbose; else nok list_verbose "fields differ from the format files"; fi
fi
if run list_uprobes 10 -l "uprobe:$W:*"; then
	want=$(nm "$W" | awk '$2 ~ /^[Tt]$/ { print "uprobe:'"$W"':" $3 }' | sort -u)
	if [ "$(cat "$tmp/out")" = "$want" ]; then ok list_uprobes; else nok list_uprobes "differs from nm"; fi
fi
if run list_uretprobes 10 -l "ur:$W:m*"; then
	if [ "$(cat "$tmp/out")" = "$(printf 'uretprobe:%s:main\nuretprobe:%s:mid\nuretprobe:%s:mul' "$W" "$W" "$W")" ]; then
		ok list_uretprobes
	else
		nok list_uretprobes "expected main, mid, mul"
	fi
fi

# ---- both attach paths count the same: uprobe_multi links (the default on Linux 6.6+) and
# the uprobe PMU (BPFSCRIPT_UPROBE_ATTACH=perf; also what -p and older kernels use)
kv=$(uname -r)
kmaj=${kv%%.*}
kmin=${kv#*.}
kmin=${kmin%%[!0-9]*}
if [ "$kmaj" -gt 6 ] || { [ "$kmaj" = 6 ] && [ "$kmin" -ge 6 ]; }; then
	want_default="uprobes attach as uprobe_multi links: the kernel has them"
else
	want_default="uprobes attach through the uprobe PMU: the kernel has none (before Linux 6.6)"
fi
for mode in default perf; do
	name=attach_$mode
	want=$want_default
	[ "$mode" = perf ] && want="uprobes attach through the uprobe PMU: BPFSCRIPT_UPROBE_ATTACH=perf"
	if BPFSCRIPT_UPROBE_ATTACH=$([ "$mode" = perf ] && echo perf) run "$name" 20 -v -c "$W 123" \
		-e "uprobe:$W:add /pid == cpid/ { @e = count(); @a = sum(arg1); }
		    uretprobe:$W:add /pid == cpid/ { @r = count(); @ret = sum(retval); }"; then
		if ! grep -qxF "$want" "$tmp/err"; then
			nok "$name" "stderr lacks: $want"
		else
			expect "$name" '^@a: 15006$' '^@e: 123$' '^@r: 123$' '^@ret: 22509$'
		fi
	fi
done
# -p keeps the perf path: its per-process filter is right on every kernel
"$W" 20 1500 2000 & a=$!
if run attach_p_perf 15 -v -p "$a" -e "uprobe:$W:add { @ = count(); }"; then
	if grep -qxF "uprobes attach through the uprobe PMU: -p filters by process through perf events" "$tmp/err" &&
		grep -qx '@: 20' "$tmp/out"; then
		ok attach_p_perf
	else
		nok attach_p_perf "expected the perf path and @: 20"
	fi
fi
wait "$a"

# ---- SIGKILL: the kernel detaches the uprobe with our fds: no uprobe_events entry, and
# every BPF object we held (programs, maps, the uprobe_multi or perf links) is gone
before=$(wc -l <"$root/uprobe_events")
setsid "$BIN" -q -e "uprobe:$W:add { @ = count(); }" >/dev/null 2>&1 </dev/null & tr=$!
sleep 1.5
ids=$(awk '/^prog_id:/ { print "prog:" $2 } /^map_id:/ { print "map:" $2 }
	   /^link_id:/ { print "link:" $2 }' /proc/"$tr"/fdinfo/* 2>/dev/null | sort -u)
kill -KILL "$tr"
wait "$tr" 2>/dev/null
after=$(wc -l <"$root/uprobe_events")
n=0
until build/faults/bpf_alive $ids >/dev/null 2>&1 || [ $n -ge 100 ]; do sleep 0.1; n=$((n + 1)); done
if [ "$before" != "$after" ] || grep -q uprobe_target "$root/uprobe_events"; then
	nok sigkill_detach "uprobe_events changed: $before → $after lines"
elif ! echo "$ids" | grep -q '^link:' && ! echo "$ids" | grep -q '^prog:'; then
	nok sigkill_detach "no BPF objects seen while it ran: the check would prove nothing"
elif ! build/faults/bpf_alive $ids >/dev/null 2>&1; then
	nok sigkill_detach "BPF objects still alive 10 s after SIGKILL: $(build/faults/bpf_alive $ids 2>&1 | head -2 | tr '\n' ' ')"
else
	ok sigkill_detach
fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
