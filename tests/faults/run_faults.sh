#!/usr/bin/env bash
# tests/faults/run_faults.sh — cleanup under faults: nothing of ours may outlive the tracer.
#
# Owns: scenarios that start build/asan/bpfscript with every probe kind available here
# (BEGIN/END, a tracepoint, a wildcard over every sys_enter_* tracepoint — hundreds of
# programs and perf events, closed by the detached "bpfscript-detach" helper — profile,
# interval, uprobe and uretprobe on a private copy of build/workloads/uprobe_target) and end
# it with SIGINT, SIGTERM, SIGHUP or SIGKILL, or through its -c child crashing (SIGSEGV),
# being killed, or ignoring SIGTERM. Then it proves:
#   - every BPF program, map and link the tracer held (IDs read from its /proc/PID/fdinfo
#     while it ran) is gone from the kernel within 30 s (build/faults/bpf_alive), which
#     also covers its perf events (each holds its program);
#   - tracefs kprobe_events/uprobe_events name nothing of ours (our private binary path);
#   - the -c child is gone;
#   - a graceful stop (INT/TERM/HUP/child exit) exits 0 with no sanitizer report.
# It also checks that Ctrl-C is acted on under a printf flood (structurally, see below;
# the latency is reported, never asserted).
# Must not: trace anything but its own processes' events (the wildcard's predicate matches
# no pid), kill anything it did not start.
# Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh

suite_start faults
ALIVE=build/faults/bpf_alive
now_ms() { echo $(($(date +%s%N) / 1000000)); }

suite_need faults "$BIN" "$ALIVE" build/workloads/uprobe_target build/workloads/getppid_loop
cp build/workloads/uprobe_target "$tmp/ut"

# The every-kind script. BEGIN's "ready" is printed only after every probe is attached.
all_kinds() {
	cat <<EOS
BEGIN { printf("ready %d\n", cpid); }
tracepoint:syscalls:sys_enter_getppid /pid == cpid/ { @tp = count(); }
tracepoint:syscalls:sys_enter_* /pid == 999999999/ { @w = count(); }
profile:hz:99 /pid == cpid/ { @p = count(); }
interval:ms:100 { @i = count(); }
uprobe:$tmp/ut:add { @u = count(); }
uretprobe:$tmp/ut:add { @ur = count(); }
END { printf("end\n"); }
EOS
}
all_kinds >"$tmp/all.bt"
# The same without the wildcard: every probe kind still, but 7 programs instead of ~370,
# so the scenarios that do not need hundreds of perf events finish in seconds.
all_kinds | grep -v 'sys_enter_\*' >"$tmp/kinds.bt"

# ids PID: "prog:N" / "map:N" / "link:N" for every BPF object PID holds an fd of.
# One awk over all of them: a fork per fd would take seconds with ~750 fds.
ids() {
	awk '/^prog_id:/ { print "prog:" $2 } /^map_id:/ { print "map:" $2 }
	     /^link_id:/ { print "link:" $2 }' /proc/"$1"/fdinfo/* 2>/dev/null | sort -u
}

# scenario NAME HOW CHILD_CMD SCRIPT: start SCRIPT (all.bt or kinds.bt), wait for "ready", collect IDs, end it by HOW
# (INT|TERM|HUP|KILL|none), check the aftermath.
scenario() {
	local name=$1 how=$2 child=$3 script=$4 pid n st t0 t1 why='' nids nperf
	rm -f "$tmp/out" "$tmp/err"
	setsid "$BIN" -c "$child" "$tmp/$script" </dev/null >"$tmp/out" 2>"$tmp/err" &
	pid=$!
	n=0
	while ! grep -q '^ready' "$tmp/out" 2>/dev/null && kill -0 "$pid" 2>/dev/null &&
		[ $n -lt 1200 ]; do
		sleep 0.05
		n=$((n + 1))
	done
	if ! grep -q '^ready' "$tmp/out"; then
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		fail "$name" "tracer never became ready: $(head -c 300 "$tmp/err")"
		return
	fi
	ids "$pid" >"$tmp/ids"
	nids=$(wc -l <"$tmp/ids")
	nperf=$(find /proc/"$pid"/fd -lname 'anon_inode:*perf_event*' 2>/dev/null | wc -l)
	cpid=$(awk '/^ready/ { print $2; exit }' "$tmp/out")
	t0=$(now_ms)
	case $how in
	INT | TERM | HUP | KILL) kill -"$how" "$pid" ;;
	childkill) kill -KILL "$cpid" 2>/dev/null ;;
	esac
	n=0
	# Generous bound: after SIGKILL the kernel itself closes hundreds of perf events (an RCU
	# grace period each), which takes 15 s and more on a loaded machine. This checks that
	# the tracer ends and cleans up, not how fast.
	while kill -0 "$pid" 2>/dev/null && [ $n -lt 3000 ]; do sleep 0.02; n=$((n + 1)); done
	t1=$(now_ms)
	if kill -0 "$pid" 2>/dev/null; then
		why="tracer still running 60 s after $how"
		kill -KILL "$pid" 2>/dev/null
	fi
	{ wait "$pid"; } 2>/dev/null
	st=$?
	# every BPF object of ours must disappear (the detach helper may take a few seconds)
	local gone_ms=-1
	n=0
	while [ $n -lt 600 ]; do
		if "$ALIVE" $(cat "$tmp/ids") >"$tmp/alive" 2>&1; then
			gone_ms=$(($(now_ms) - t0))
			break
		fi
		sleep 0.1
		n=$((n + 1))
	done
	if [ -z "$why" ] && [ "$nids" -lt 7 ]; then
		why="only $nids BPF objects seen while running: the test would prove nothing"
	elif [ -z "$why" ] && [ "$gone_ms" -lt 0 ]; then
		why="$(wc -l <"$tmp/alive") BPF objects still alive 60 s later: $(head -3 "$tmp/alive" | tr '\n' ' ')"
	elif [ -z "$why" ] && grep -qs "$tmp" /sys/kernel/tracing/uprobe_events \
		/sys/kernel/tracing/kprobe_events; then
		why="tracefs still lists our probe: $(grep -hs "$tmp" /sys/kernel/tracing/uprobe_events | head -1)"
	elif [ -z "$why" ]; then
		# the child and anything it started (all run our private $tmp/ut or sleep)
		n=0
		while { kill -0 "$cpid" 2>/dev/null || pgrep -f "^$tmp/ut" >/dev/null; } &&
			[ $n -lt 40 ]; do
			sleep 0.05
			n=$((n + 1))
		done
		if kill -0 "$cpid" 2>/dev/null || pgrep -f "^$tmp/ut" >/dev/null; then
			why="the -c child $cpid or its children are still running: $(pgrep -af "^$tmp/ut" | head -2 | tr '\n' ' ')"
			kill -KILL "$cpid" $(pgrep -f "^$tmp/ut") 2>/dev/null
		fi
	fi
	if [ -z "$why" ] && has_sanitizer_report "$tmp/err"; then
		why="sanitizer report: $(grep -E -m1 "$SANITIZER_RE" "$tmp/err")"
	fi
	if [ -z "$why" ] && [ "$how" != KILL ] && [ "$st" != 0 ]; then
		why="exit status $st after $how, expected 0: $(head -c 300 "$tmp/err")"
	fi
	if [ -z "$why" ] && [ "$how" != KILL ] && ! grep -q '^end' "$tmp/out"; then
		why="END did not run after $how"
	fi
	if [ -n "$why" ]; then
		fail "$name" "$why"
	else
		pass "$name"
	fi
	echo "# $name: $nids BPF objects, $nperf perf events; exit $st $((t1 - t0)) ms after $how; all objects gone after ${gone_ms} ms"
}

# The child runs our private copy of uprobe_target (exec'd directly: no shell syntax), so
# the uprobes see it and pgrep can find anything left of it.
LONG_CHILD="$tmp/ut 1 600000"
scenario sigint_all_kinds INT "$LONG_CHILD" all.bt
scenario sigterm_all_kinds TERM "$LONG_CHILD" kinds.bt
scenario sighup_all_kinds HUP "$LONG_CHILD" kinds.bt
scenario sigkill_all_kinds KILL "$LONG_CHILD" all.bt
# /bin/sh -c runs these; cpid is the shell, which kills itself with SIGSEGV
scenario child_segfault none "$tmp/ut 5 4000; kill -SEGV \$\$" kinds.bt
scenario child_killed childkill "$LONG_CHILD" kinds.bt
scenario child_ignores_sigterm INT "trap '' TERM; $tmp/ut 1 600000; while :; do sleep 0.1; done" kinds.bt
# the shell's own child must not outlive the session either
scenario child_shell_grandchild INT "$tmp/ut 1 600000 & wait" kinds.bt

# Ctrl-C under a printf flood from a workload we start (the predicate keeps it to ours).
# Acting on Ctrl-C means: the poll loop sees the signal between two events (not after the
# flood), the probes stop sending, and only what was already queued is printed. -v makes
# bpfscript report both; what is asserted is structural (the signal stopped the events and
# at most one ring buffer's worth was drained after it), the times are reported, and the
# only bound on time is a hang guard, so a loaded CI machine cannot make it flake.
# The ring is 1 MiB; each record here is >= 48 bytes (8 ring header + 8 id + pid, comm,
# nsecs), so at most 21845 events can be queued when the probes stop.
RING_EVENTS_MAX=21845
build/workloads/getppid_loop 2000000000 &
wl=$!
setsid "$BIN" -v -e 'BEGIN { printf("ready\n"); } tracepoint:syscalls:sys_enter_getppid /pid == $1/ { printf("%d %s %d\n", pid, comm, nsecs); }' \
	"$wl" </dev/null >"$tmp/flood.out" 2>"$tmp/flood.err" &
pid=$!
n=0
while ! grep -q '^ready' "$tmp/flood.out" 2>/dev/null && [ $n -lt 600 ]; do sleep 0.05; n=$((n + 1)); done
sleep 2
lines0=$(wc -l <"$tmp/flood.out")
t0=$(now_ms)
kill -INT "$pid"
n=0
while kill -0 "$pid" 2>/dev/null && [ $n -lt 3000 ]; do sleep 0.01; n=$((n + 1)); done
t1=$(now_ms)
kill -KILL "$wl" 2>/dev/null
{ wait "$wl"; } 2>/dev/null
stopline=$(grep -o 'Interrupt: events stopped .*' "$tmp/flood.err" | head -1)
drained=$(echo "$stopline" | sed -n 's/.*; \([0-9]*\) queued events.*/\1/p')
if kill -0 "$pid" 2>/dev/null; then
	kill -KILL "$pid"
	fail ctrl_c_under_flood "still running 30 s after SIGINT"
elif [ "$lines0" -lt 1000 ]; then
	fail ctrl_c_under_flood "no flood: only $lines0 lines in 2 s"
elif has_sanitizer_report "$tmp/flood.err"; then
	fail ctrl_c_under_flood "sanitizer report"
elif [ -z "$drained" ]; then
	fail ctrl_c_under_flood "no report that the signal stopped the events: $(head -c 300 "$tmp/flood.err")"
elif [ "$drained" -gt $RING_EVENTS_MAX ]; then
	fail ctrl_c_under_flood "$drained events printed after the stop, more than the ring holds"
else
	pass ctrl_c_under_flood
fi
{ wait "$pid"; } 2>/dev/null
echo "# ctrl_c_under_flood: $lines0 events printed in 2 s; $stopline; process gone $((t1 - t0)) ms after SIGINT (ASan build, includes END, printing and LeakSanitizer's exit scan); $(grep -o 'Lost [0-9]* events' "$tmp/flood.out" "$tmp/flood.err" | head -1)"
suite_end
