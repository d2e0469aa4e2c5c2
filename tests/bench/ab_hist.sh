#!/usr/bin/env bash
# tests/bench/ab_hist.sh — A/B per-event cost of the hist()/lhist() pair between two
# bpfscript binaries (e.g. before and after a change to the histogram maps), interleaved.
#
# Owns: the focused measurement of issue 15 (hist/lhist slots keep a sum): the `make
# bench` "read hist() pair" / "read lhist() pair" programs, run by each binary in turn
# (A B A B ..., order alternating per round) through tests/bench/harness.c with the read
# workload pinned to CPU 0; per round the untraced cost is measured and subtracted. Then
# the same with kernel.bpf_stats_enabled=1: the BPF program's own ns per run.
# Prints median [min-max] per binary and case. Must not: change anything but bpf_stats
# (restored).
#
#   tests/bench/ab_hist.sh A_BIN B_BIN [ROUNDS]     (default 7 rounds, ~3 minutes)
set -u
cd "$(dirname "$0")/../.." || exit 2
A=$1
B=$2
ROUNDS=${3:-7}
N=200000
WRUNS=5
WL=build/workloads/syscall_bench
tmp=$(mktemp -d /tmp/ab-hist.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
H=$tmp/harness
gcc -O2 -std=gnu11 -o "$H" tests/bench/harness.c || exit 2
PIN=''
command -v taskset >/dev/null && PIN='taskset -c 0 '
declare -A PROG
PROG[hist]='tracepoint:syscalls:sys_enter_read { @s[tid] = nsecs; }
tracepoint:syscalls:sys_exit_read /@s[tid]/ { @ = hist(nsecs - @s[tid]); delete(@s[tid]); }'
PROG[lhist]='tracepoint:syscalls:sys_enter_read { @s[tid] = nsecs; }
tracepoint:syscalls:sys_exit_read /@s[tid]/ { @ = lhist(nsecs - @s[tid], 0, 5000, 250); delete(@s[tid]); }'

: >"$tmp/res"
STATS=/proc/sys/kernel/bpf_stats_enabled
for pass in ev bpf; do
	[ $pass = bpf ] && { [ -w $STATS ] || break; was=$(cat $STATS); echo 1 >$STATS; }
	for r in $(seq 1 "$ROUNDS"); do
		order=("A" "B")
		[ $((r % 2)) = 0 ] && order=("B" "A")
		for c in hist lhist; do
			for who in "${order[@]}"; do
				bin=$A
				[ "$who" = B ] && bin=$B
				base=$($PIN"$WL" read "$N" "$WRUNS" | awk '$1 == "best" { print $2 }')
				line=$("$H" "$tmp/o" ready "$PIN$WL read $N $WRUNS" "$bin" \
					-e "BEGIN { printf(\"ready\\n\"); } ${PROG[$c]}")
				if [ $pass = ev ]; then
					t=$(awk '$1 == "best" { print $2 }' "$tmp/o.wl")
					echo "ev $c $who $(awk -v t="$t" -v b="$base" 'BEGIN { printf "%.1f", t - b }')" >>"$tmp/res"
				else
					echo "bpf $c $who $(echo "$line" | awk '{ print $6 }')" >>"$tmp/res"
				fi
			done
		done
	done
	[ $pass = bpf ] && echo "$was" >$STATS
done
python3 - "$tmp/res" "$A" "$B" <<'EOF'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    p, c, who, v = line.split()
    rows.setdefault((p, c, who), []).append(float(v))
names = {"A": sys.argv[2], "B": sys.argv[3]}
for p, title in (("ev", "per-event ns (traced - untraced, best of runs)"),
                 ("bpf", "BPF program ns/run (bpf_stats)")):
    print(title)
    for c in ("hist", "lhist"):
        for who in ("A", "B"):
            v = rows.get((p, c, who))
            if v:
                print("  %-6s %s %-40s median %.1f [%.1f-%.1f] n=%d" % (
                    c, who, names[who], statistics.median(v), min(v), max(v), len(v)))
EOF
