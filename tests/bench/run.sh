#!/usr/bin/env bash
# tests/bench/run.sh — `make bench`: bpfscript against bpftrace, start-up and per-event cost.
#
# Owns: the measurement protocol and the result table.
#   1. start-up: wall time and peak RSS of `-e 'BEGIN { exit(); }'` (tests/bench/rusage_run.c)
#   2. per-event overhead: build/workloads/syscall_bench times N getppid() calls with its
#      own thread CPU clock (best of 5 runs); overhead = traced − untraced ns/call (the
#      untraced baseline measured just before each traced run), where
#      the tracer runs `tracepoint:raw_syscalls:sys_enter { @ = count(); }` or
#      `tracepoint:syscalls:sys_enter_getppid { @[pid] = count(); }`. The tracer prints
#      "ready" from BEGIN; we wait for it, run the loop, then SIGINT the tracer.
# Runs are interleaved A B A B … (and the order flips each round) so drift on the shared
# machine hits both tools alike. Reports median and min–max per metric per tool and the
# ratio of medians bpfscript/bpftrace. A whole run takes about 1–2 minutes.
# Must not: install anything; bpftrace is optional (its columns then read n/a).
#
#   tests/bench/run.sh [ROUNDS]     (default 5)
set -u
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh
# The release binary is measured; sanitizer settings from lib.sh do not apply to it.
unset ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS

ROUNDS=${1:-5}
BPFSCRIPT=${BPFSCRIPT:-./bpfscript}
BPFTRACE=${BPFTRACE:-$(command -v bpftrace || true)}
BENCH=build/workloads/syscall_bench
HELPER=build/bench/rusage_run
NCALLS=200000

die() { echo "bench: $*" >&2; exit 1; }
[ -x "$BPFSCRIPT" ] || die "$BPFSCRIPT not built (make bpfscript)"
[ -x "$BENCH" ] || die "$BENCH not built (make $BENCH)"
ensure_tracefs || die "tracefs is not mounted at /sys/kernel/tracing"
if [ ! -x "$HELPER" ] || [ tests/bench/rusage_run.c -nt "$HELPER" ]; then
	mkdir -p build/bench
	${CC:-cc} -std=gnu11 -O2 -Wall -Wextra -Werror -o "$HELPER" tests/bench/rusage_run.c ||
		die "cannot build $HELPER"
fi

tools=(bpfscript)
declare -A BIN=([bpfscript]=$BPFSCRIPT)
if [ -n "$BPFTRACE" ]; then
	tools+=(bpftrace)
	BIN[bpftrace]=$BPFTRACE
else
	echo "bench: bpftrace not installed; measuring bpfscript only"
fi

tmp=$(mktemp -d /tmp/bpfscript-bench.XXXXXX)
tracer_pid=
cleanup() {
	[ -n "$tracer_pid" ] && kill -INT "$tracer_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# Samples accumulate as lines "METRIC TOOL VALUE" in $tmp/samples.
record() { echo "$1 $2 $3" >>"$tmp/samples"; }

# order ROUND: the tool order for this round, flipped every other round.
order() {
	if [ $(($1 % 2)) = 0 ]; then echo "${tools[@]}"; else printf '%s\n' "${tools[@]}" | tac | xargs; fi
}

bench_best() {
	"$BENCH" "$NCALLS" 5 | awk '$1 == "best" { print $2 }'
}

# traced_best TOOL PROGRAM: start the tracer, wait for "ready", run the loop, SIGINT.
# Prints the loop's best ns/call, or nothing if the tracer never became ready.
traced_best() {
	local tool=$1 prog=$2 waited=0 best=''
	"${BIN[$tool]}" -e "BEGIN { printf(\"ready\\n\"); } $prog" >"$tmp/tr.out" 2>"$tmp/tr.err" &
	tracer_pid=$!
	while ! grep -q '^ready$' "$tmp/tr.out" 2>/dev/null; do
		if ! kill -0 "$tracer_pid" 2>/dev/null || [ $waited -ge 600 ]; then
			echo "bench: $tool never printed 'ready':" >&2
			head -5 "$tmp/tr.err" >&2
			kill -KILL "$tracer_pid" 2>/dev/null
			wait "$tracer_pid" 2>/dev/null
			tracer_pid=
			return 0
		fi
		sleep 0.05
		waited=$((waited + 1))
	done
	best=$(bench_best)
	kill -INT "$tracer_pid" 2>/dev/null
	wait "$tracer_pid" 2>/dev/null
	tracer_pid=
	# A tracer that attached but counted nothing would look free: require the map to
	# hold at least the loop's 5 x N getppid() calls.
	local counted
	counted=$(awk -F': ' '/^@/ && $2 + 0 > m { m = $2 + 0 } END { print m + 0 }' "$tmp/tr.out")
	if [ "$counted" -lt $((NCALLS * 5)) ]; then
		echo "bench: $tool counted $counted events, expected >= $((NCALLS * 5)); sample dropped" >&2
		return 0
	fi
	echo "$best"
}

echo "bench: $ROUNDS rounds, tools: ${tools[*]}"

# ---- 1. start-up
for r in $(seq 1 "$ROUNDS"); do
	for tool in $(order "$r"); do
		read -r ms kb st < <("$HELPER" "${BIN[$tool]}" -e 'BEGIN { exit(); }')
		if [ "$st" != 0 ]; then
			echo "bench: $tool -e 'BEGIN { exit(); }' exited with status $st" >&2
			continue
		fi
		record startup_ms "$tool" "$ms"
		record rss_mb "$tool" "$(awk -v kb="$kb" 'BEGIN { printf "%.1f", kb / 1024 }')"
	done
done

# ---- 2. per-event overhead
PROG_RAW='tracepoint:raw_syscalls:sys_enter { @ = count(); }'
PROG_PID='tracepoint:syscalls:sys_enter_getppid { @[pid] = count(); }'
for r in $(seq 1 "$ROUNDS"); do
	for metric in raw pid; do
		[ $metric = raw ] && prog=$PROG_RAW || prog=$PROG_PID
		for tool in $(order "$r"); do
			# The untraced baseline is taken right before each traced run: load from
			# other users of the machine drifts over seconds, not milliseconds.
			base=$(bench_best)
			record untraced_ns base "$base"
			t=$(traced_best "$tool" "$prog")
			[ -n "$t" ] || continue
			record "${metric}_ns" "$tool" "$(awk -v t="$t" -v b="$base" 'BEGIN { printf "%.1f", t - b }')"
		done
	done
	echo "bench: round $r/$ROUNDS done"
done

# ---- table
awk -v tools="${tools[*]}" '
function median(arr, n,   i, j, t) {
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && arr[j - 1] > arr[j]; j--) {
			t = arr[j]; arr[j] = arr[j - 1]; arr[j - 1] = t
		}
	return n % 2 ? arr[(n + 1) / 2] : (arr[n / 2] + arr[n / 2 + 1]) / 2
}
function cell(metric, tool,   n, i, a, m) {
	n = cnt[metric, tool]
	if (!n)
		return sprintf("%-26s", "n/a")
	for (i = 1; i <= n; i++)
		a[i] = val[metric, tool, i]
	m = median(a, n)
	med[metric, tool] = m
	return sprintf("%-26s", sprintf("%.1f [%.1f-%.1f] n=%d", m, a[1], a[n], n))
}
{ n = ++cnt[$1, $2]; val[$1, $2, n] = $3 + 0 }
END {
	split("startup_ms rss_mb raw_ns pid_ns", metrics, " ")
	label["startup_ms"] = "start-up wall (ms)"
	label["rss_mb"] = "start-up peak RSS (MB)"
	label["raw_ns"] = "raw_syscalls @=count() ns/ev"
	label["pid_ns"] = "getppid @[pid]=count() ns/ev"
	printf "\n%-30s %-26s %-26s %s\n", "metric (median [min-max])", "bpfscript", "bpftrace", "ratio"
	for (k = 1; k <= 4; k++) {
		m = metrics[k]
		a = cell(m, "bpfscript")
		b = cell(m, "bpftrace")
		ratio = "n/a"
		if (((m, "bpftrace") in med) && ((m, "bpfscript") in med) && med[m, "bpftrace"] > 0)
			ratio = sprintf("%.2f", med[m, "bpfscript"] / med[m, "bpftrace"])
		printf "%-30s %s %s %s\n", label[m], a, b, ratio
	}
	printf "%-30s %s\n", "untraced getppid (ns/call)", cell("untraced_ns", "base")
	printf "(ratio = bpfscript median / bpftrace median; lower is better for bpfscript)\n"
}' "$tmp/samples"
