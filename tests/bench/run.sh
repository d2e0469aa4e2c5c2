#!/usr/bin/env bash
# tests/bench/run.sh — `make bench`: bpfscript against bpftrace and a hand-written floor.
#
# Owns: the measurement protocol, the targets of issue 5 and the result table.
# Every measurement goes through build/bench/harness (tests/bench/harness.c): it starts a
# tracer with stdout/stderr to files, times the "ready" line, runs a workload, sends SIGINT
# and reports ready/total/stop times and peak RSS. Runs are interleaved tool by tool
# (A B A B …, the order flipping each round) so drift on the shared machine hits all alike.
#   1. start-up: `BEGIN { exit(); }` wall time and peak RSS; tests/bench/realistic.bt (six
#      tracepoints) and the sys_enter_* wildcard: time until their interval:ms:1 probe prints
#      "ready" (everything attached), and total wall time including detach.
#   2. per-event overhead, ns: build/workloads/syscall_bench runs N events (getppid, 1-byte
#      reads or bench_func_fp()/bench_func() calls) with its thread CPU clock, fastest of 25 short runs; overhead =
#      traced − untraced, the untraced baseline taken right before each traced run. Tools:
#      bpfscript, bpftrace and build/bench/floor (tests/bench/floor/floor.c). A run whose
#      tracer counted fewer events than the workload made is dropped (it would look free).
#   3. printf streaming: N lseek() calls with a unique offset, each printed by the tracer
#      with stdout to a file. Delivered/s = lines delivered / workload wall time; unreported
#      losses = generated − delivered − losses the tool reported ("Lost N events").
#   4. a 100k-key map printed at exit: time from SIGINT to exit, and peak RSS.
# Reports median [min-max] per metric and tool, the ratios bpfscript/bpftrace and
# bpfscript/floor, the target, and whether it is met. About 7-8 minutes in all.
# Must not: install anything, or assert timings anywhere but this table; bpftrace is
# optional (its columns then read n/a).
#
#   tests/bench/run.sh [ROUNDS]     (default 5; start-up gets ROUNDS + 2)
set -u
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh
# The release binary is measured; sanitizer settings from lib.sh do not apply to it.
unset ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS

ROUNDS=${1:-5}
BPFSCRIPT=${BPFSCRIPT:-./bpfscript}
BPFTRACE=${BPFTRACE:-$(command -v bpftrace || true)}
WL=build/workloads/syscall_bench
HARNESS=build/bench/harness
FLOOR=build/bench/floor
NCALLS=20000      # events per workload run (x WRUNS short runs: the fastest is the least disturbed)
NUPROBE=2000      # uprobes trap to the kernel twice: far slower per call
WRUNS=25
NSTREAM=200000    # printf events
NKEYS=100000      # keys of the big map

die() { echo "bench: $*" >&2; exit 1; }
[ -x "$BPFSCRIPT" ] || die "$BPFSCRIPT not built (make bpfscript)"
[ -x "$WL" ] || die "$WL not built (make $WL)"
ensure_tracefs || die "tracefs is not mounted at /sys/kernel/tracing"
mkdir -p build/bench
build() { # build OUT SRC [LIBS...]
	local out=$1 src=$2
	shift 2
	if [ ! -x "$out" ] || [ "$src" -nt "$out" ]; then
		${CC:-cc} -std=gnu11 -O2 -Wall -Wextra -Werror -o "$out" "$src" "$@" ||
			die "cannot build $out"
	fi
}
build "$HARNESS" tests/bench/harness.c
build "$FLOOR" tests/bench/floor/floor.c -Wl,-Bstatic -lbpf -lelf -Wl,-Bdynamic -lz -lzstd

tools=(bpfscript)
declare -A BIN=([bpfscript]=$BPFSCRIPT [floor]=$FLOOR)
if [ -n "$BPFTRACE" ]; then
	tools+=(bpftrace)
	BIN[bpftrace]=$BPFTRACE
else
	echo "bench: bpftrace not installed; measuring bpfscript only"
fi

tmp=$(mktemp -d /tmp/bpfscript-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
notes=()

# Samples accumulate as lines "METRIC TOOL VALUE" in $tmp/samples.
record() { echo "$1 $2 $3" >>"$tmp/samples"; }

# order ROUND TOOL...: the tools in this round's order, flipped every other round.
order() {
	local r=$1
	shift
	if [ $((r % 2)) = 0 ]; then echo "$@"; else printf '%s\n' "$@" | tac | xargs; fi
}

# harness OUT READY WORKLOAD TOOL ARGS...: sets H_READY H_TOTAL H_STOP H_RSS H_STATUS H_PROGNS.
# settle: wait (up to 40 s) until no detached closer of an earlier bpfscript run is still
# closing perf events: those closes hold kernel mutexes that the next tracer's attach needs,
# so the next run, of either tool, would otherwise measure them too.
settle() {
	local n=0
	while grep -qsx bpfscript-detach /proc/[0-9]*/comm && [ $n -lt 400 ]; do
		sleep 0.1
		n=$((n + 1))
	done
}
harness() {
	local out=$1 ready=$2 work=$3 tool=$4
	shift 4
	settle
	read -r H_READY H_TOTAL H_STOP H_RSS H_STATUS H_PROGNS < <("$HARNESS" "$out" "$ready" "$work" \
		"${BIN[$tool]}" "$@")
	if [ "$H_STATUS" != 0 ]; then
		echo "bench: $tool exited with status $H_STATUS; sample dropped:" >&2
		head -3 "$out.err" >&2
		return 1
	fi
}

mb() { awk -v kb="$1" 'BEGIN { printf "%.1f", kb / 1024 }'; }

# events_counted FILE: the sum of a histogram's counts if FILE shows one, else the largest
# "@...: N" value (@s[tid] start times are not counts and are skipped).
events_counted() {
	awk '/^@s\[/ { next }
		/^@[^:]*: [0-9]+$/ { v = $NF + 0; if (v > m) m = v }
		/^[[(].*\|/ { n = split($0, f, " ")
			for (i = 2; i <= n; i++) if (substr(f[i], 1, 1) == "|") { h += f[i - 1]; break } }
		END { print (h > 0 ? h : m) + 0 }' "$1"
}

echo "bench: rounds: $ROUNDS (start-up $((ROUNDS + 2))), tools: ${tools[*]} + floor"

# ---- 1. start-up
WILD='tracepoint:syscalls:sys_enter_* { @[probe] = count(); } interval:ms:1 { printf("ready\n"); exit(); }'
for r in $(seq 1 $((ROUNDS + 2))); do
	for tool in $(order "$r" "${tools[@]}"); do
		harness "$tmp/o" - - "$tool" -e 'BEGIN { exit(); }' || continue
		record startup_ms "$tool" "$H_TOTAL"
		record startup_rss "$tool" "$(mb "$H_RSS")"
	done
done
for r in $(seq 1 "$ROUNDS"); do
	for tool in $(order "$r" "${tools[@]}"); do
		if harness "$tmp/o" ready - "$tool" tests/bench/realistic.bt; then
			record real_ready "$tool" "$H_READY"
			record real_total "$tool" "$H_TOTAL"
		fi
		if harness "$tmp/o" ready - "$tool" -e "$WILD"; then
			record wild_ready "$tool" "$H_READY"
			record wild_total "$tool" "$H_TOTAL"
			record wild_rss "$tool" "$(mb "$H_RSS")"
		fi
	done
	echo "bench: start-up round $r/$ROUNDS done"
done

# ---- 2. per-event overhead
declare -A PROG MODE FLOORCASE SYM
PROG[count]='tracepoint:raw_syscalls:sys_enter { @ = count(); }'
MODE[count]=getppid
PROG[pid]='tracepoint:syscalls:sys_enter_getppid { @[pid] = count(); }'
MODE[pid]=getppid
PROG[hist]='tracepoint:syscalls:sys_enter_read { @s[tid] = nsecs; }
tracepoint:syscalls:sys_exit_read /@s[tid]/ { @ = hist(nsecs - @s[tid]); delete(@s[tid]); }'
MODE[hist]=read
PROG[lhist]='tracepoint:syscalls:sys_enter_read { @s[tid] = nsecs; }
tracepoint:syscalls:sys_exit_read /@s[tid]/ { @ = lhist(nsecs - @s[tid], 0, 5000, 250); delete(@s[tid]); }'
MODE[lhist]=read
# The uprobe target row: a function with a frame-pointer prologue (push %rbp, which the
# kernel emulates). The leaf row (first instruction lea, single-stepped out of line: ~19 us
# a hit on this VM, the same kernel work for every tool) is reported without a target.
PROG[uprobe]="uprobe:$WL:bench_func_fp { @ = count(); }"
MODE[uprobe]=fpfunc
SYM[uprobe]=bench_func_fp
PROG[uprobe_leaf]="uprobe:$WL:bench_func { @ = count(); }"
MODE[uprobe_leaf]=func
SYM[uprobe_leaf]=bench_func
# issue 14's rows: a USDT probe (a uprobe trap on the probe's nop, the argument from a
# register) and a software event on every page fault (counted system-wide, so the check
# that every event was seen holds)
PROG[usdt]="usdt:$WL:bench:tick { @ = count(); }"
MODE[usdt]=usdt
SYM[usdt]=tick
PROG[software]="software:page-faults:1 { @ = count(); }"
MODE[software]=faults
# issue 13's row: the same read-latency pair written in current bpftrace's spelling (let,
# `.` through pointers, delete(@m, key)) and in 0.17's ($x =, ->, delete(@m[key])), both
# run by bpfscript in the same rounds (their order flipping each round): the new spelling
# must cost what the old one does. bpftrace 0.17 runs the old spelling for reference.
PROG[spell_new]='tracepoint:syscalls:sys_enter_read { @s[tid] = nsecs; }
tracepoint:syscalls:sys_exit_read /@s[tid]/ { let $p = curtask.real_parent.tgid; let $d = nsecs - @s[tid]; @[$p > 0] = hist($d); delete(@s, tid); }'
MODE[spell_new]=read
PROG[spell_old]='tracepoint:syscalls:sys_enter_read { @s[tid] = nsecs; }
tracepoint:syscalls:sys_exit_read /@s[tid]/ { $p = curtask->real_parent->tgid; $d = nsecs - @s[tid]; @[$p > 0] = hist($d); delete(@s[tid]); }'
MODE[spell_old]=read
cases=(count pid hist lhist uprobe uprobe_leaf usdt software spell_new spell_old)
# the hand-written floor (tests/bench/floor/floor.c) has these cases only
for c in count pid hist lhist uprobe uprobe_leaf; do FLOORCASE[$c]=1; done

# uprobes are new in bpfscript: measure them only if they work here.
if ! "$HARNESS" "$tmp/u" ready "$WL fpfunc 1000 1" "$BPFSCRIPT" \
	-e "BEGIN { printf(\"ready\\n\"); } ${PROG[uprobe]}" >/dev/null ||
	[ "$(events_counted "$tmp/u")" -lt 1000 ]; then
	notes+=("uprobe rows skipped: bpfscript cannot trace $WL:bench_func_fp here ($(head -1 "$tmp/u.err"))")
	cases=(count pid hist lhist software spell_new spell_old)
fi
# the two spellings compile to the same BPF program: -d dis of each, map fds aside
dis() { "$BPFSCRIPT" --dry-run -d dis -e "${PROG[$1]}" 2>/dev/null | sed -E 's/map\[fd:[0-9]+\]/map/'; }
insns() { dis "$1" | awk '/ instructions\):$/ { gsub(/[(,]/, " "); n += $(NF - 1) } END { print n + 0 }'; }
if cmp -s <(dis spell_new) <(dis spell_old); then same=identical; else same=different; fi
notes+=("let/./delete(@m,k) spelling: $(insns spell_new) BPF instructions, 0.17 spelling: $(insns spell_old), $same programs (-d dis)")

case_args() { # case_args TOOL CASE: sets args, the tool's arguments for this case
	if [ "$1" = floor ]; then
		args=("${2%_leaf}")
		[ -n "${SYM[$2]:-}" ] && args+=("$WL" "${SYM[$2]}")
	else
		args=(-e "BEGIN { printf(\"ready\\n\"); } ${PROG[$2]}")
	fi
}
# Per-event workloads run pinned to CPU 0, traced and untraced alike: on this VM a uprobe
# hit costs ~1.3 us more on CPU 1 about half the time, which swamped the differences
# between tools. The tracers themselves are not pinned (they sleep while the loop runs).
PIN=''
command -v taskset >/dev/null && PIN='taskset -c 0 '
untraced() { # untraced MODE N: best ns/call
	$PIN"$WL" "$1" "$2" "$WRUNS" | awk '$1 == "best" { print $2 }'
}
# cases_of ROUND: the cases in this round's order (the two spellings swap places)
cases_of() {
	local c out=()
	for c in "${cases[@]}"; do
		case $c in
		spell_new) [ $(($1 % 2)) = 0 ] && out+=(spell_new spell_old) || out+=(spell_old spell_new) ;;
		spell_old) ;;
		*) out+=("$c") ;;
		esac
	done
	echo "${out[@]}"
}
for r in $(seq 1 "$ROUNDS"); do
	for c in $(cases_of "$r"); do
		n=$NCALLS
		[ -n "${SYM[$c]:-}" ] && n=$NUPROBE
		for tool in $(order "$r" "${tools[@]}" floor); do
			[ "$tool" = floor ] && [ -z "${FLOORCASE[$c]:-}" ] && continue
			[ "$tool" = bpftrace ] && [ "$c" = spell_new ] && continue # 0.17 has no let
			base=$(untraced "${MODE[$c]}" "$n")
			record "base_${MODE[$c]}" base "$base"
			case_args "$tool" "$c"
			harness "$tmp/o" ready "$PIN$WL ${MODE[$c]} $n $WRUNS" "$tool" "${args[@]}" || continue
			got=$(events_counted "$tmp/o")
			if [ "$got" -lt $((n * WRUNS)) ]; then
				echo "bench: $tool counted $got events for $c, expected >= $((n * WRUNS)); dropped" >&2
				continue
			fi
			t=$(awk '$1 == "best" { print $2 }' "$tmp/o.wl")
			record "ev_$c" "$tool" "$(awk -v t="$t" -v b="$base" 'BEGIN { printf "%.1f", t - b }')"
		done
	done
	echo "bench: per-event round $r/$ROUNDS done"
done

# ---- 2b. the BPF programs' own cost per event, as the kernel measures it (bpf_stats):
# one more pass over the same cases with kernel.bpf_stats_enabled=1 (which itself adds two
# clock reads per program run, so it is kept out of the timings above). A deterministic
# view of the part of the per-event cost each tool controls: for uprobes the trap costs
# ~100x more than any program and makes the wall-clock comparison a tie within noise.
# uprobe programs are measured here through the uprobe PMU by every tool (bpfscript with
# BPFSCRIPT_UPROBE_ATTACH=perf, the floor with FLOOR_UPROBE_ATTACH=perf): bpf_stats counts
# ~70 ns more for the very same program under a uprobe_multi link (whose whole hit is
# ~90 ns cheaper, see the per-event rows), so only one path compares programs like for like.
STATS=/proc/sys/kernel/bpf_stats_enabled
if [ -w "$STATS" ]; then
	stats_was=$(cat "$STATS")
	echo 1 >"$STATS"
	for r in $(seq 1 "$ROUNDS"); do
		for c in "${cases[@]}"; do
			n=$NCALLS
			[ -n "${SYM[$c]:-}" ] && n=$NUPROBE
			for tool in $(order "$r" "${tools[@]}" floor); do
				[ "$tool" = floor ] && [ -z "${FLOORCASE[$c]:-}" ] && continue
				[ "$tool" = bpftrace ] && [ "$c" = spell_new ] && continue
				case_args "$tool" "$c"
				BPFSCRIPT_UPROBE_ATTACH=perf FLOOR_UPROBE_ATTACH=perf \
					harness "$tmp/o" ready "$PIN$WL ${MODE[$c]} $n 1" "$tool" "${args[@]}" || continue
				[ "${H_PROGNS:--1}" != -1.0 ] && record "bpf_$c" "$tool" "$H_PROGNS"
			done
		done
	done
	echo "$stats_was" >"$STATS"
	echo "bench: BPF program cost pass done"
else
	notes+=("BPF program cost rows skipped: $STATS is not writable")
fi

# ---- 3. printf streaming and 4. the 100k-key map
STREAM='BEGIN { printf("ready\n"); }
tracepoint:syscalls:sys_enter_lseek /args->offset == 1000000000/ { printf("%d %d\n", tid, args->offset); }'
BIGMAP='BEGIN { printf("ready\n"); }
tracepoint:syscalls:sys_enter_lseek /args->offset >= 1000000000/ { @[args->offset] = count(); }'
for r in $(seq 1 "$ROUNDS"); do
	for tool in $(order "$r" "${tools[@]}"); do
		if harness "$tmp/o" ready "$WL lseek $NSTREAM 1" "$tool" -e "$STREAM"; then
			got=$(grep -c ' 1000000000$' "$tmp/o")
			lost=$(cat "$tmp/o" "$tmp/o.err" | awk '/^Lost [0-9]+ events/ { s += $2 } END { print s + 0 }')
			wall=$(awk '$1 == "wall_ms" { print $2 }' "$tmp/o.wl")
			record stream_rate "$tool" "$(awk -v n="$got" -v w="$wall" 'BEGIN { printf "%.0f", n / (w / 1000) }')"
			record stream_lost "$tool" "$lost"
			record stream_unrep "$tool" $((NSTREAM - got - lost))
		fi
		# bpftrace 0.17 reads BPFTRACE_MAP_KEYS_MAX, bpfscript BPFTRACE_MAP_KEYS
		if BPFTRACE_MAP_KEYS=$((NKEYS * 2)) BPFTRACE_MAP_KEYS_MAX=$((NKEYS * 2)) harness "$tmp/o" ready "$WL lseek $NKEYS 1 $NKEYS" \
			"$tool" -e "$BIGMAP"; then
			keys=$(grep -c '^@\[' "$tmp/o")
			# (another process may lseek() to such an offset too: at least NKEYS)
			if [ "$keys" -lt "$NKEYS" ]; then
				echo "bench: $tool printed $keys keys, expected $NKEYS; dropped" >&2
			else
				record map_ms "$tool" "$H_STOP"
				record map_rss "$tool" "$(mb "$H_RSS")"
			fi
		fi
	done
	echo "bench: output round $r/$ROUNDS done"
done

# ---- 5. the same 100k-key map served by --metrics (bpfscript only: no peer has it): the
# time curl takes to get one /metrics body, rendered from the kernel maps at that moment
# (first scrape) and again (the second reuses nothing older than 100 ms, so it renders too)
if command -v curl >/dev/null 2>&1; then
	for r in $(seq 1 "$ROUNDS"); do
		settle
		BPFTRACE_MAP_KEYS=$((NKEYS * 2)) "${BIN[bpfscript]}" --metrics 127.0.0.1:0 -q \
			-e "$BIGMAP" >"$tmp/m.out" 2>"$tmp/m.err" &
		mpid=$!
		n=0
		while ! grep -q '^ready' "$tmp/m.out" 2>/dev/null && [ $n -lt 200 ]; do sleep 0.05; n=$((n + 1)); done
		url=$(sed -n 's/^Serving metrics on \(http[^ ]*\)$/\1/p' "$tmp/m.err" | head -1)
		"$WL" lseek "$NKEYS" 1 "$NKEYS" >/dev/null
		sleep 0.2
		for k in 1 2; do
			t=$(curl -s -o "$tmp/m.body" -w '%{time_total}' "$url" 2>/dev/null)
			lines=$(grep -c '^bpfscript_map_total{' "$tmp/m.body" 2>/dev/null)
			if [ -n "$url" ] && [ "${lines:-0}" -ge "$NKEYS" ]; then
				record scrape_ms bpfscript "$(awk -v s="$t" 'BEGIN { printf "%.1f", s * 1000 }')"
				record scrape_mb bpfscript "$(awk -v b="$(stat -c %s "$tmp/m.body")" 'BEGIN { printf "%.1f", b / 1048576 }')"
			else
				echo "bench: /metrics gave ${lines:-0} samples, expected $NKEYS; dropped" >&2
			fi
			sleep 0.15
		done
		kill -INT "$mpid" 2>/dev/null
		wait "$mpid" 2>/dev/null
	done
	echo "bench: metrics scrapes done"
fi

# ---- table
{
	printf '%s\n' "${notes[@]}"
} >"$tmp/notes"
awk -v tools="${tools[*]}" -v notes="$tmp/notes" '
function sorted_median(arr, n,   i, j, t) {
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && arr[j - 1] > arr[j]; j--) {
			t = arr[j]; arr[j] = arr[j - 1]; arr[j - 1] = t
		}
	return n % 2 ? arr[(n + 1) / 2] : (arr[n / 2] + arr[n / 2 + 1]) / 2
}
function cell(metric, tool,   n, i, a, m, fmt) {
	n = cnt[metric, tool]
	if (!n)
		return sprintf("%-24s", "n/a")
	for (i = 1; i <= n; i++)
		a[i] = val[metric, tool, i]
	m = sorted_median(a, n)
	med[metric, tool] = m
	fmt = m >= 10000 ? "%.0f [%.0f-%.0f]" : "%.1f [%.1f-%.1f]"
	return sprintf("%-24s", sprintf(fmt, m, a[1], a[n]))
}
function ratio(metric, other) {
	if (!(((metric, other) in med) && ((metric, "bpfscript") in med)) || med[metric, other] <= 0)
		return "n/a"
	exact[metric, other] = med[metric, "bpfscript"] / med[metric, other]
	return sprintf("%.2f", exact[metric, other])
}
# row METRIC LABEL TARGET_KIND LIMIT: kind "le" (ratio vs bpftrace <= LIMIT), "ge" (>=),
# "zero" (bpfscript median must be 0), "" (informative).
function row(m, label, kind, lim, flim,   a, b, f, r, rf, verdict, tgt) {
	a = cell(m, "bpfscript"); b = cell(m, "bpftrace"); f = cell(m, "floor")
	r = ratio(m, "bpftrace"); rf = ratio(m, "floor")
	verdict = ""; tgt = ""
	# verdicts compare the unrounded ratios: 1.004 is printed as 1.00 but is not <= 1
	if (kind == "le") { tgt = "<= " lim; if (r != "n/a") verdict = (exact[m, "bpftrace"] <= lim ? "met" : "NOT MET") }
	if (kind == "ge") { tgt = ">= " lim; if (r != "n/a") verdict = (exact[m, "bpftrace"] >= lim ? "met" : "NOT MET") }
	if (kind == "zero") { tgt = "0"; verdict = (((m, "bpfscript") in med) && med[m, "bpfscript"] == 0 ? "met" : "NOT MET") }
	if (flim != "") {
		tgt = tgt ", floor <= " flim
		if (rf == "n/a" || exact[m, "floor"] > flim)
			verdict = "NOT MET"
		else if (verdict == "")
			verdict = "met"
	}
	printf "%-32s %s %s %s %-6s %-6s %-18s %s\n", label, a, b, f, r, rf, tgt, verdict
}
# spell PREFIX LABEL: the new spelling beside the 0.17 one, both run by bpfscript; the ratio is
# new / old (target: the same cost, within 5 %)
function spell(p, label,   a, o, r, v) {
	a = cell(p "_spell_new", "bpfscript"); o = cell(p "_spell_old", "bpfscript")
	r = "n/a"; v = ""
	if (((p "_spell_new", "bpfscript") in med) && ((p "_spell_old", "bpfscript") in med) &&
	    med[p "_spell_old", "bpfscript"] > 0) {
		r = med[p "_spell_new", "bpfscript"] / med[p "_spell_old", "bpfscript"]
		v = r <= 1.05 ? "met" : "NOT MET"
		r = sprintf("%.2f", r)
	}
	printf "%-32s %s %s %-24s %-6s %-6s %-18s %s\n", label, a, o "(0.17 spelling)", "", r " (new/0.17)", "", "<= 1.05", v
}
{ n = ++cnt[$1, $2]; val[$1, $2, n] = $3 + 0 }
END {
	printf "\n%-32s %-24s %-24s %-24s %-6s %-6s %-18s %s\n", "metric: median [min-max]", \
		"bpfscript", "bpftrace", "floor", "/bt", "/floor", "target", "verdict"
	row("startup_ms", "BEGIN{exit()} wall ms", "le", 0.125)
	row("startup_rss", "BEGIN{exit()} peak RSS MB", "le", 0.3333)
	row("real_ready", "6-tracepoint ready ms", "le", 0.2)
	row("real_total", "6-tracepoint total ms", "")
	row("wild_ready", "sys_enter_* ready ms", "le", 0.2)
	row("wild_total", "sys_enter_* total ms", "")
	row("wild_rss", "sys_enter_* peak RSS MB", "")
	row("ev_count", "raw_syscalls @=count() ns/ev", "le", 1, 1.2)
	row("ev_pid", "getppid @[pid]=count() ns/ev", "le", 1)
	row("ev_hist", "read hist() pair ns/ev", "le", 1, 1.2)
	row("ev_lhist", "read lhist() pair ns/ev", "le", 1, 1.2)
	row("ev_uprobe", "uprobe @=count() ns/ev", "le", 1)
	row("ev_uprobe_leaf", "  same, leaf (single-step) ns/ev", "")
	row("ev_usdt", "usdt @=count() ns/ev", "le", 1)
	row("ev_software", "software:page-faults @=count() ns/ev", "le", 1)
	row("ev_spell_old", "read pair, 0.17 spelling ns/ev", "le", 1)
	spell("ev", "  same, let/./delete(@m,k) ns/ev")
	row("bpf_count", "  BPF prog ns/run: @=count()", "")
	row("bpf_pid", "  BPF prog ns/run: @[pid]", "")
	row("bpf_hist", "  BPF prog ns/run: hist pair", "")
	row("bpf_lhist", "  BPF prog ns/run: lhist pair", "")
	row("bpf_uprobe", "  BPF prog ns/run: uprobe", "")
	row("bpf_uprobe_leaf", "  BPF prog ns/run: uprobe leaf", "")
	row("bpf_usdt", "  BPF prog ns/run: usdt", "")
	row("bpf_software", "  BPF prog ns/run: software", "")
	row("bpf_spell_old", "  BPF prog ns/run: 0.17 spelling", "")
	spell("bpf", "  BPF prog ns/run: let/./delete")
	row("stream_rate", "printf delivered events/s", "ge", 1)
	row("stream_lost", "printf reported lost", "")
	row("stream_unrep", "printf unreported losses", "zero")
	row("map_ms", "100k-key map print ms", "le", 0.5)
	row("map_rss", "100k-key map peak RSS MB", "")
	row("scrape_ms", "100k-key map /metrics scrape ms", "")
	row("scrape_mb", "100k-key map /metrics body MB", "")
	printf "%-32s %s (getppid) %s (1-byte read) %s (bench_func_fp) %s (bench_func)\n", "untraced ns/call", \
		cell("base_getppid", "base"), cell("base_read", "base"), cell("base_fpfunc", "base"), cell("base_func", "base")
	printf "(/bt = bpfscript median / bpftrace median, /floor = bpfscript / floor; lower is better\n"
	printf " except events/s. ns/ev = traced - untraced CPU ns per workload call. BPF prog\n"
	printf " ns/run = the kernel bpf_stats run_time_ns/run_cnt summed over the programs of the\n"
	printf " script, from a separate pass with kernel.bpf_stats_enabled=1.)\n"
	while ((getline line < notes) > 0)
		if (line != "")
			print "note: " line
}' "$tmp/samples"
