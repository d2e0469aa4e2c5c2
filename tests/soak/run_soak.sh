#!/usr/bin/env bash
# tests/soak/run_soak.sh — data loss is never silent; load and long runs hold.
#
# Owns (short versions run in `make test` with the ASan build; `--long` is `make soak` with
# the release build and real durations):
#   ringbuf_loss_accounting  a probe that printf()s 4000 events per hit, hit 50 times by a
#                            workload we start: delivered lines + "Lost N events" must equal
#                            200000 exactly, and N > 0 (the ring buffer did overflow).
#   map_full_reported        BPFTRACE_MAP_KEYS=10 and 100 distinct keys: the exact "Map full"
#                            warning naming the map, the 90 dropped updates and the knob.
#   printf_stream            printf per getppid() of a workload doing N calls (short 300k,
#                            long: as many as fit in 60 s): delivered + lost = N; peak RSS
#                            is reported and bounded.
#   interval_print_clear     interval print(@) + clear(@) of a map filled by a workload,
#                            short 6 s, long 10 min: RSS after the first second and at the
#                            end are reported; growth must stay under a bound.
#   wildcard_attach_detach   tracepoint:syscalls:sys_enter_* (hundreds of programs) attached
#                            and detached (short 1 time, long 5 times): exact count from the
#                            workload, exit 0.
# Must not: trace other processes' events (every probe filters on its own workload's pid).
# Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh

LONG=0
[ "${1:-}" = "--long" ] && LONG=1
if [ $LONG = 1 ]; then BIN=${BIN:-./bpfscript}; else BIN=${BIN:-build/asan/bpfscript}; fi
passed=0
failed=0
tmp=$(mktemp -d /tmp/bpfscript-soak.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
ensure_tracefs >/dev/null 2>&1
pass() { passed=$((passed + 1)); echo "ok $1"; }
fail() { failed=$((failed + 1)); echo "not ok $1: $2"; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' /proc/"$1"/status 2>/dev/null; }
hwm_kb() { awk '/^VmHWM:/ { print $2 }' /proc/"$1"/status 2>/dev/null; }
sane() { # NAME ERRFILE: no sanitizer report
	if has_sanitizer_report "$2"; then
		fail "$1" "sanitizer report: $(grep -E -m1 "$SANITIZER_RE" "$2")"
		return 1
	fi
}
lost_of() { sed -n 's/^Lost \([0-9]*\) events$/\1/p' "$1" | awk '{ s += $1 } END { print s + 0 }'; }

if [ ! -x "$BIN" ] || [ ! -x build/workloads/getppid_loop ]; then
	echo "not ok soak: $BIN or build/workloads/getppid_loop not built"
	echo "0 passed, 1 failed"
	exit 1
fi

# ---- ringbuf_loss_accounting
name=ringbuf_loss_accounting
run_limited 60 "$tmp/o" "$tmp/e" "$BIN" -e 'tracepoint:syscalls:sys_enter_getppid /pid == cpid/ {
	$i = 0; while ($i < 4000) { printf("ev %d %s\n", $i, comm); $i++; } }' \
	-c 'build/workloads/getppid_loop 50'
got=$(grep -c '^ev ' "$tmp/o")
lost=$(lost_of "$tmp/e")
if sane $name "$tmp/e"; then
	if [ "$RL_STATUS" != 0 ]; then
		fail $name "exit $RL_STATUS: $(head -3 "$tmp/e")"
	elif [ $((got + lost)) != 200000 ]; then
		fail $name "delivered $got + lost $lost != generated 200000"
	elif [ "$lost" = 0 ]; then
		fail $name "nothing was lost: the test did not overflow the ring buffer"
	else
		pass $name
	fi
fi
echo "# $name: generated 200000, delivered $got, lost $lost (reported as 'Lost $lost events')"

# ---- map_full_reported
name=map_full_reported
run_limited 30 "$tmp/o" "$tmp/e" env BPFTRACE_MAP_KEYS=10 "$BIN" -e 'BEGIN { $i = 0;
	while ($i < 100) { @keys[$i] = $i; $i++; } exit(); }'
want="WARNING: Map full; can't update element: 90 updates of @keys were dropped. Try increasing max_map_keys config (BPFTRACE_MAP_KEYS, now 10)"
if sane $name "$tmp/e"; then
	if [ "$RL_STATUS" != 0 ]; then
		fail $name "exit $RL_STATUS: $(head -3 "$tmp/e")"
	elif ! grep -qxF "$want" "$tmp/e"; then
		fail $name "warning missing; stderr: $(head -c 400 "$tmp/e")"
	elif [ "$(grep -c '^@keys\[' "$tmp/o")" != 10 ]; then
		fail $name "expected 10 keys printed, got $(grep -c '^@keys\[' "$tmp/o")"
	else
		pass $name
	fi
fi

# ---- printf_stream: as fast as the workload can call getppid(), one printf each
name=printf_stream
if [ $LONG = 1 ]; then
	# calibrate: how many traced calls fit in 60 s
	n=$(build/workloads/syscall_bench 1000000 1 2>/dev/null | awk '/best/ { print int(60e9 / ($2 + 600)) }')
	[ -n "$n" ] && [ "$n" -gt 0 ] || n=30000000
else
	n=300000
fi
# a fifo so the tracer's pid is $! and the output is counted, not stored
mkfifo "$tmp/fifo"
grep -c '^ev ' <"$tmp/fifo" >"$tmp/count" &
counter=$!
"$BIN" -e 'tracepoint:syscalls:sys_enter_getppid /pid == cpid/ { printf("ev %d\n", nsecs); }' \
	-c "build/workloads/getppid_loop $n" </dev/null >"$tmp/fifo" 2>"$tmp/e" &
tpid=$!
peak=0 start_rss=''
t0=$(date +%s)
while [ -n "$tpid" ] && kill -0 "$tpid" 2>/dev/null; do
	r=$(rss_kb "$tpid")
	[ -n "$r" ] && [ -z "$start_rss" ] && start_rss=$r
	[ -n "$r" ] && [ "$r" -gt "$peak" ] && peak=$r
	sleep 0.5
done
wait "$tpid" "$counter"
secs=$(($(date +%s) - t0))
got=$(cat "$tmp/count")
lost=$(lost_of "$tmp/e")
bound=$((LONG ? 150000 : 400000)) # KB: release build / ASan build
if sane $name "$tmp/e"; then
	if [ $((got + lost)) != "$n" ]; then
		fail $name "delivered $got + lost $lost != generated $n"
	elif [ "$peak" -gt $bound ]; then
		fail $name "peak RSS ${peak} KB over the ${bound} KB bound"
	else
		pass $name
	fi
fi
echo "# $name: ${secs}s, generated $n, delivered $got, lost $lost; RSS ${start_rss:-?} KB at start, peak $peak KB"

# ---- interval_print_clear: flat RSS while printing and clearing a map
name=interval_print_clear
secs=$((LONG ? 600 : 6))
"$BIN" -e "tracepoint:syscalls:sys_enter_getppid /pid == cpid/ { @[nsecs % 1000] = count(); @s[nsecs % 100] = hist(nsecs % 4096); }
	interval:ms:100 { print(@); clear(@); print(@s); clear(@s); }
	interval:s:$secs { exit(); }" -c 'build/workloads/getppid_loop 100000000000' \
	</dev/null >/dev/null 2>"$tmp/e" &
bg=$!
sleep 1.5
rss1=$(rss_kb "$bg")
samples=''
while kill -0 "$bg" 2>/dev/null; do
	r=$(rss_kb "$bg")
	[ -n "$r" ] && rss2=$r
	[ $LONG = 1 ] && samples="$samples ${r:-}"
	sleep $((LONG ? 30 : 1))
done
wait "$bg"
st=$?
growth=$((${rss2:-0} - ${rss1:-0}))
gbound=$((LONG ? 4096 : 65536)) # KB; ASan's allocator quarantine grows in the short run
if sane $name "$tmp/e"; then
	if [ "$st" != 0 ]; then
		fail $name "exit $st: $(head -3 "$tmp/e")"
	elif [ -z "${rss1:-}" ] || [ "$growth" -gt $gbound ]; then
		fail $name "RSS grew from ${rss1:-?} KB to ${rss2:-?} KB (bound +$gbound KB)"
	else
		pass $name
	fi
fi
echo "# $name: ${secs}s; RSS ${rss1:-?} KB after 1.5 s, ${rss2:-?} KB at the end${samples:+ (every 30 s:$samples)}"

# ---- wildcard_attach_detach
name=wildcard_attach_detach
rounds=$((LONG ? 5 : 1))
ok=1
for r in $(seq $rounds); do
	t0=$(date +%s%N)
	run_limited 120 "$tmp/o" "$tmp/e" "$BIN" -e 'tracepoint:syscalls:sys_enter_* /pid == cpid/ { @[probe] = count(); }' \
		-c 'build/workloads/getppid_loop 1000'
	t1=$(date +%s%N)
	nprobes=$(sed -n 's/^Attaching \([0-9]*\) probes.*/\1/p' "$tmp/e")
	if ! sane $name "$tmp/e"; then ok=0; break; fi
	if [ "$RL_STATUS" != 0 ] || ! grep -qx '@\[tracepoint:syscalls:sys_enter_getppid\]: 1000' "$tmp/o" ||
		[ "${nprobes:-0}" -lt 200 ]; then
		fail $name "round $r: exit $RL_STATUS, ${nprobes:-?} probes, $(grep getppid "$tmp/o") $(head -2 "$tmp/e")"
		ok=0
		break
	fi
	echo "# $name round $r: $nprobes probes attached, ran and detached in $(((t1 - t0) / 1000000)) ms"
done
[ $ok = 1 ] && pass $name

echo "$passed passed, $failed failed"
[ $failed = 0 ]
