#!/usr/bin/env bash
# tests/uprobe/run_attach_ready.sh — "Attaching N probes..." means every probe is attached:
# a workload started the moment the line appears is traced whole (bpftrace's test engine
# starts its AFTER workloads on that signal, through peer's notify shim; so do
# tests/metrics and tests/probes).
#
# Owns: one check, repeated: a tracer with 16 uprobes and uretprobes on
# build/workloads/uprobe_target (attached one after another), and the workload started as
# soon as the line is on stderr, once per round; each function must be counted exactly N
# times (N = 5 calls of add, mul, outer, mid, leaf each) in every round.
# Must not: trace processes it did not start (the probes are on our workload's binary and
# filter on the pid the workload reports).
#
#   tests/uprobe/run_attach_ready.sh [--bin PATH]   (default build/asan/bpfscript)
# Prints "ok X" / "not ok X: reason", then, as the last line, "N passed, N failed".
set -u
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh

[ "${1:-}" = "--bin" ] && BIN=$2
suite_start attach_ready
W=build/workloads/uprobe_target
suite_need attach_ready "$BIN" "$W"

# Every probe counts only calls from the workload's copy in this run: its binary is
# copied to a per-run path, so no other process runs the probed file.
cp "$W" "$tmp/target"
T=$tmp/target
prog=''
for fn in add mul outer mid leaf; do
	prog+="uprobe:$T:$fn { @e[\"$fn\"] = count(); } uretprobe:$T:$fn { @r[\"$fn\"] = count(); } "
done
prog+="uprobe:$T:main { @m = count(); } uretprobe:$T:main { @mr = count(); } "
prog+="uprobe:$T:sleep_ms { @s = count(); } uretprobe:$T:sleep_ms { @sr = count(); }"

want=$(for fn in add leaf mid mul outer; do echo "@e[$fn]: 5"; done
	echo "@m: 1"
	echo "@mr: 1"
	for fn in add leaf mid mul outer; do echo "@r[$fn]: 5"; done)

bad=''
for round in 1 2 3 4 5; do
	# emptied here, not only by the child's redirection: until the child has opened it,
	# the previous round's "Attaching" line would still be read below
	: >"$tmp/err"
	"$BIN" -e "$prog" >"$tmp/out" 2>"$tmp/err" &
	tpid=$!
	for _ in $(seq 1 12000); do # up to 120 s: an ASan build compiles slowly under load
		grep -q '^Attaching' "$tmp/err" && break
		kill -0 "$tpid" 2>/dev/null || break
		sleep 0.01
	done
	if ! grep -q '^Attaching' "$tmp/err"; then
		kill -KILL "$tpid" 2>/dev/null
		wait "$tpid"
		bad="round $round: no \"Attaching\" line: $(head -c 300 "$tmp/err")"
		break
	fi
	"$T" 5 # started at once, as bpftrace's engine starts AFTER
	sleep 0.3
	kill -INT "$tpid"
	wait "$tpid"
	st=$?
	got=$(grep -v '^$' "$tmp/out" | grep -v '^@s')
	if [ "$st" != 0 ] || has_sanitizer_report "$tmp/err"; then
		bad="round $round: exit status $st: $(head -c 300 "$tmp/err")"
		break
	elif [ "$got" != "$want" ]; then
		bad="round $round: counts were: $(echo "$got" | tr '\n' '|')"
		break
	fi
done
if [ -n "$bad" ]; then fail workload_after_attaching_line_traced_whole "$bad"; else
	pass workload_after_attaching_line_traced_whole; fi

suite_end
