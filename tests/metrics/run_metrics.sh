#!/usr/bin/env bash
# tests/metrics/run_metrics.sh — --metrics HOST:PORT against a real Prometheus server and
# promtool, hostile HTTP clients, -f openmetrics / -f prometheus files and -f folded.
#
# Owns: these checks. A Prometheus server (Debian's `prometheus` package) on 127.0.0.1 with
# a temporary config scrapes the tracer every second; the suite asserts through its HTTP
# query API that bpfscript_calls_total is exactly the workload's 1000 getppid() calls and
# that histogram_quantile(0.5, ...) of read sizes falls in the right bucket; promtool
# checks every body; many concurrent scrapes, garbage, huge headers, stalled and
# non-reading clients must neither stop tracing nor kill or bloat the tracer.
# Must not: use any address but 127.0.0.1, wait without a bound, leave a process running
# (trap cleanup), or trace processes it did not start (workloads run under unique names).
#
#   tests/metrics/run_metrics.sh [--bin PATH]   (default build/asan/bpfscript)
# Prints "ok X" / "not ok X: reason", then, as the last line, "N passed, N failed".
set -u
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh

BIN=build/asan/bpfscript
[ "${1:-}" = "--bin" ] && BIN=$2
CL=(python3 tests/metrics/clients.py)
passed=0
failed=0
tmp=$(mktemp -d /tmp/metrics-suite.XXXXXX)
TPID=""
PROM_PID=""

stop_pid() { # stop_pid PID: SIGINT to its group, 10 s grace, then SIGKILL
	local p=$1 g=0
	[ -n "$p" ] || return 0
	kill -INT -- "-$p" 2>/dev/null || kill -INT "$p" 2>/dev/null
	while kill -0 "$p" 2>/dev/null && [ $g -lt 200 ]; do
		sleep 0.05
		g=$((g + 1))
	done
	kill -KILL -- "-$p" 2>/dev/null
	kill -KILL "$p" 2>/dev/null
	{ wait "$p"; } 2>/dev/null
}
cleanup() {
	stop_pid "$TPID"
	stop_pid "$PROM_PID"
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
ensure_tracefs

ok() { echo "ok $1"; passed=$((passed + 1)); }
nok() {
	echo "not ok $1: $2"
	failed=$((failed + 1))
}
show() { [ -f "$1" ] && sed 's/^/    | /' "$1" | head -"${2:-30}"; }

for tool in prometheus promtool curl python3; do
	if ! command -v "$tool" >/dev/null; then
		nok "tools" "$tool is missing (make setup installs the prometheus package)"
		echo "$passed passed, $failed failed"
		exit 1
	fi
done

# A free loopback port (bound then released; nothing else on this machine races for it
# within the second before use in practice).
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start_tracer NAME ENV... -- ARGS...: the tracer in its own group; waits (at most 90 s:
# ASan compiles slowly) for "Serving metrics on http://127.0.0.1:PORT/metrics". Sets TPID,
# PORT. False if it never served.
start_tracer() {
	local name=$1 envs=()
	shift
	while [ "$1" != "--" ]; do
		envs+=("$1")
		shift
	done
	shift
	setsid env "${envs[@]}" "$BIN" "$@" </dev/null >"$tmp/$name.out" 2>"$tmp/$name.err" &
	TPID=$!
	PORT=""
	for _ in $(seq 1 1800); do
		PORT=$(sed -n 's#^Serving metrics on http://127\.0\.0\.1:\([0-9]*\)/metrics$#\1#p' \
			"$tmp/$name.err")
		[ -n "$PORT" ] && grep -q '^Attaching' "$tmp/$name.err" && return 0
		kill -0 "$TPID" 2>/dev/null || break
		sleep 0.05
	done
	return 1
}

scrape() { # scrape OUT [ACCEPT]: GET /metrics into OUT (status line, content type, body)
	timeout 30 "${CL[@]}" "$PORT" get /metrics ${2:+"$2"} >"$1" 2>&1
}
body_of() { tail -n +3 "$1"; }
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }

# ---- 1. no listener without --metrics ---------------------------------------------------
setsid "$BIN" -e 'BEGIN { @a = 1; } interval:s:20 { exit(); }' </dev/null >"$tmp/nl.out" \
	2>"$tmp/nl.err" &
TPID=$!
for _ in $(seq 1 1800); do
	grep -q '^Attaching' "$tmp/nl.err" && break
	sleep 0.05
done
if ! grep -q '^Attaching' "$tmp/nl.err"; then
	nok no_listener_without_flag "the tracer did not start"
	show "$tmp/nl.err"
elif ss -Htlnp 2>/dev/null | grep -q "pid=$TPID,"; then
	nok no_listener_without_flag "a listening socket without --metrics"
elif grep -q Serving "$tmp/nl.err"; then
	nok no_listener_without_flag "says it serves metrics"
else
	ok no_listener_without_flag
fi
stop_pid "$TPID"
TPID=""

# ---- 2. the main tracer: maps of every kind, workloads under unique names ----------------
GP=gpl$$
RS=rds$$
cp build/workloads/getppid_loop "$tmp/$GP"
cp build/workloads/read_sizes "$tmp/$RS"
PROG='
BEGIN { @labels["quote\"back\\slash"] = count(); @pairs["a", 1] = count(); @name[1] = "x\"y"; @signed = -7; }
tracepoint:syscalls:sys_enter_getppid /comm == "'$GP'"/ { @calls = count(); }
tracepoint:syscalls:sys_enter_read /comm == "'$RS'" && args->fd == 100/ {
	@read_bytes = hist(args->count); @read_size = lhist(args->count, 0, 4000, 1000);
	@read_stats = stats(args->count); @read_avg = avg(args->count);
	@read_max = max(args->count); @read_min = min(args->count); @read_volume = sum(args->count);
}'
if ! start_tracer main BPFSCRIPT_METRICS_TIMEOUT_MS=1500 -- --metrics 127.0.0.1:0 -e "$PROG"; then
	nok serving_line "no 'Serving metrics on http://127.0.0.1:PORT/metrics' on stderr"
	show "$tmp/main.err"
	echo "$passed passed, $failed failed"
	exit 1
fi
ok serving_line

# Prometheus, scraping every second
PP=$(free_port)
cat >"$tmp/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: bpfscript
    static_configs:
      - targets: ['127.0.0.1:$PORT']
EOF
setsid prometheus --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/tsdb" \
	--web.listen-address="127.0.0.1:$PP" --log.level=warn </dev/null >"$tmp/prom.log" 2>&1 &
PROM_PID=$!

"$tmp/$GP" 1000
"$tmp/$RS" 100 10 1000 3000 100>/dev/null

scrape "$tmp/s1"
b=$(body_of "$tmp/s1")
want_lines=(
	'bpfscript_calls_total 1000'
	'bpfscript_read_bytes_bucket{le="7"} 0'
	'bpfscript_read_bytes_bucket{le="15"} 100'
	'bpfscript_read_bytes_bucket{le="1023"} 200'
	'bpfscript_read_bytes_bucket{le="4095"} 300'
	'bpfscript_read_bytes_bucket{le="+Inf"} 300'
	'bpfscript_read_bytes_count 300'
	'bpfscript_read_bytes_sum 401000'
	'bpfscript_read_size_bucket{le="-1"} 0'
	'bpfscript_read_size_bucket{le="999"} 100'
	'bpfscript_read_size_bucket{le="1999"} 200'
	'bpfscript_read_size_bucket{le="3999"} 300'
	'bpfscript_read_stats_count 300'
	'bpfscript_read_stats_sum 401000'
	'bpfscript_read_avg 1336'
	'bpfscript_read_max 3000'
	'bpfscript_read_min 10'
	'bpfscript_read_volume 401000'
	'bpfscript_labels_total{key="quote\"back\\slash"} 1'
	'bpfscript_pairs_total{key0="a",key1="1"} 1'
	'bpfscript_name{key="1",value="x\"y"} 1'
	'bpfscript_signed -7'
	'# TYPE bpfscript_calls_total counter'
	'# TYPE bpfscript_read_bytes histogram'
	'# TYPE bpfscript_read_stats summary'
	'# TYPE bpfscript_read_max gauge'
	'bpfscript_lost_events_total 0'
	"bpfscript_probe_read_failures_total{probe=\"tracepoint:syscalls:sys_enter_getppid\"} 0"
	"bpfscript_map_update_failures_total{probe=\"BEGIN\"} 0"
)
missing=""
for l in "${want_lines[@]}"; do
	grep -qxF -- "$l" <<<"$b" || missing="$missing [$l]"
done
if ! grep -qx 'status 200' "$tmp/s1" ||
	! grep -qx 'content-type text/plain; version=0.0.4; charset=utf-8' "$tmp/s1"; then
	nok scrape_text "not a 200 text/plain 0.0.4 answer"
	show "$tmp/s1"
elif [ -n "$missing" ]; then
	nok scrape_text "missing lines:$missing"
	show "$tmp/s1" 80
else
	ok scrape_text
fi

body_of "$tmp/s1" >"$tmp/body.prom"
if promtool check metrics <"$tmp/body.prom" >"$tmp/pt.out" 2>&1 && [ ! -s "$tmp/pt.out" ]; then
	ok promtool_text
else
	nok promtool_text "promtool check metrics: $(head -5 "$tmp/pt.out" | tr '\n' ' ')"
fi

scrape "$tmp/s2" 'application/openmetrics-text; version=1.0.0'
body_of "$tmp/s2" >"$tmp/body.om"
if ! grep -qx 'content-type application/openmetrics-text; version=1.0.0; charset=utf-8' \
	"$tmp/s2"; then
	nok scrape_openmetrics "not an OpenMetrics answer"
	show "$tmp/s2"
elif [ "$(tail -n 1 "$tmp/body.om")" != "# EOF" ] ||
	! grep -qxF '# TYPE bpfscript_calls counter' "$tmp/body.om" ||
	! grep -qxF 'bpfscript_calls_total 1000' "$tmp/body.om"; then
	nok scrape_openmetrics "no # EOF, family TYPE or sample"
	show "$tmp/body.om" 40
else
	ok scrape_openmetrics
fi
# promtool 2.42 parses bodies with the 0.0.4 parser only: there an OpenMetrics counter's
# HELP/TYPE name the family (bpfscript_calls) while the sample is bpfscript_calls_total,
# so it lints "no help text" for them. Anything else (a parse error, another lint) fails.
promtool check metrics <"$tmp/body.om" >"$tmp/pt2.out" 2>&1
rc=$?
if [ $rc = 0 ] || { [ $rc = 3 ] && ! grep -v ' no help text$' "$tmp/pt2.out" | grep -q .; }; then
	ok promtool_openmetrics
else
	nok promtool_openmetrics "exit $rc: $(head -5 "$tmp/pt2.out" | tr '\n' ' ')"
fi

if timeout 30 "${CL[@]}" "$PORT" get /nope >"$tmp/nf" 2>&1 && grep -qx 'status 404' "$tmp/nf"; then
	ok not_found_404
else
	nok not_found_404 "$(head -3 "$tmp/nf" | tr '\n' ' ')"
fi

# Prometheus: wait for its scrapes (bounded), then ask its query API
prom_query() { # prom_query EXPR: the first result's value, or nothing
	curl -s --max-time 5 "http://127.0.0.1:$PP/api/v1/query" --data-urlencode "query=$1" |
		python3 -c 'import json,sys
try:
    r = json.load(sys.stdin)["data"]["result"]
    print(r[0]["value"][1] if r else "")
except Exception:
    print("")'
}
v=""
for _ in $(seq 1 120); do
	v=$(prom_query 'bpfscript_calls_total')
	[ -n "$v" ] && break
	sleep 0.5
done
if [ "$v" = 1000 ]; then
	ok prometheus_counter_exact
else
	nok prometheus_counter_exact "bpfscript_calls_total = '$v', want 1000"
	show "$tmp/prom.log" 10
fi
q=$(prom_query 'histogram_quantile(0.5, bpfscript_read_bytes_bucket)')
s=$(prom_query 'bpfscript_read_bytes_sum')
up=$(prom_query 'up{job="bpfscript"}')
if [ -n "$q" ] && python3 -c "import sys; q=float('$q'); sys.exit(0 if 511 < q <= 1023 else 1)" &&
	[ "$s" = 401000 ] && [ "$up" = 1 ]; then
	ok "prometheus_histogram (median $q in (511, 1023], sum $s)"
else
	nok prometheus_histogram "median '$q' (want in (511, 1023]), sum '$s' (want 401000), up '$up'"
fi

# ---- 3. clients: many at once, garbage, huge headers, stalled and non-reading ------------
rss0=$(rss_kb "$TPID")
for t in "concurrent 100" "garbage" "huge" "slowloris 64 1.5" "noread 3"; do
	name=${t%% *}
	# shellcheck disable=SC2086
	if out=$(timeout 60 "${CL[@]}" "$PORT" $t 2>&1); then
		ok "client_$name ($out)"
	else
		nok "client_$name" "$out"
	fi
	if ! kill -0 "$TPID" 2>/dev/null; then
		nok "alive_after_$name" "the tracer died"
		show "$tmp/main.err"
		break
	fi
done
# tracing went on all along: 500 more calls are counted
"$tmp/$GP" 500
scrape "$tmp/s3"
if grep -qxF 'bpfscript_calls_total 1500' "$tmp/s3"; then
	ok tracing_continues
else
	nok tracing_continues "$(grep calls_total "$tmp/s3")"
fi
rss1=$(rss_kb "$TPID")
if [ $((rss1 - rss0)) -lt 65536 ]; then
	ok "memory_bounded (RSS ${rss0} kB -> ${rss1} kB)"
else
	nok memory_bounded "RSS grew from $rss0 kB to $rss1 kB"
fi

# ---- 4. stop: END and the maps as usual, the port closed, nothing left -------------------
stop_pid "$TPID"
st=$?
TPID=""
if grep -q '^@calls: 1500$' "$tmp/main.out" && ! has_sanitizer_report "$tmp/main.err"; then
	ok stop_prints_maps
else
	nok stop_prints_maps "no @calls: 1500 at exit, or a sanitizer report"
	show "$tmp/main.err"
fi
if curl -s --max-time 2 "http://127.0.0.1:$PORT/metrics" >/dev/null; then
	nok port_closed "still answering after exit"
else
	ok port_closed
fi
stop_pid "$PROM_PID"
PROM_PID=""

# ---- 5. -f openmetrics / -f prometheus to a file, -f folded ------------------------------
for f in openmetrics prometheus; do
	run_limited 60 "$tmp/f.out" "$tmp/f.err" "$BIN" -f $f -o "$tmp/x.prom" \
		-e 'BEGIN { @started = count(); @sizes = hist(100); @sizes = hist(3); exit(); }'
	last=$(tail -n 1 "$tmp/x.prom" 2>/dev/null)
	if [ "$RL_STATUS" != 0 ] || has_sanitizer_report "$tmp/f.err"; then
		nok "format_$f" "exit $RL_STATUS"
		show "$tmp/f.err"
	elif ! grep -qxF 'bpfscript_started_total 1' "$tmp/x.prom" ||
		! grep -qxF 'bpfscript_sizes_sum 103' "$tmp/x.prom"; then
		nok "format_$f" "samples missing"
		show "$tmp/x.prom"
	elif [ $f = openmetrics ] && [ "$last" != "# EOF" ]; then
		nok "format_$f" "does not end with # EOF"
	elif [ $f = prometheus ] && ! promtool check metrics <"$tmp/x.prom" >/dev/null 2>&1; then
		nok "format_$f" "promtool refuses it"
	else
		ok "format_$f"
	fi
done

run_limited 60 "$tmp/fo.out" "$tmp/fo.err" "$BIN" -f folded \
	-e 'profile:hz:199 /pid == cpid/ { @[comm, ustack] = count(); }' -c 'build/workloads/busy_loop 500'
bad=$(grep -cvE '^[^ ;]+(;[^ ;]+)* [0-9]+$' "$tmp/fo.out")
total=$(awk '{ s += $NF } END { print s + 0 }' "$tmp/fo.out")
if [ "$RL_STATUS" = 0 ] && [ "$bad" = 0 ] && [ "$total" -ge 20 ] && grep -q '^busy_loop;.*main' "$tmp/fo.out"; then
	ok "format_folded ($total samples in $(wc -l <"$tmp/fo.out") lines)"
else
	nok format_folded "status $RL_STATUS, $bad malformed lines, $total samples"
	show "$tmp/fo.out"
	show "$tmp/fo.err"
fi

# ---- 6. a 100,000-key map: rendered and served within bounds ------------------------------
SB=sb$$
cp build/workloads/syscall_bench "$tmp/$SB"
if start_tracer big BPFTRACE_MAP_KEYS=120000 BPFSCRIPT_METRICS_TIMEOUT_MS=2000 -- --metrics 127.0.0.1:0 \
	-e 'tracepoint:syscalls:sys_enter_lseek /comm == "'$SB'" && args->offset >= 1000000000/ { @big[args->offset] = count(); }'; then
	"$tmp/$SB" lseek 100000 1 100000 >/dev/null
	# a client that asks for the 4 MB body and never reads it: the send blocks, the
	# deadline drops it, and the others are served meanwhile
	timeout 30 "${CL[@]}" "$PORT" noread 4 >/dev/null 2>&1 &
	nr=$!
	sleep 1
	if timeout 30 "${CL[@]}" "$PORT" get /metrics >"$tmp/big0" 2>&1 &&
		grep -qx 'status 200' "$tmp/big0" && kill -0 "$TPID" 2>/dev/null; then
		ok big_map_noread_client
	else
		nok big_map_noread_client "no answer while a client did not read its body"
	fi
	wait "$nr"
	t0=$(date +%s%N)
	scrape "$tmp/big"
	t1=$(date +%s%N)
	n=$(grep -c '^bpfscript_big_total{key="[0-9]*"} [0-9]*$' "$tmp/big")
	ms=$(((t1 - t0) / 1000000))
	if [ "$n" = 100000 ] && [ $ms -lt 20000 ]; then
		ok "big_map_100k ($n samples served in $ms ms by $BIN)"
	else
		nok big_map_100k "$n samples in $ms ms"
	fi
	stop_pid "$TPID"
	TPID=""
else
	nok big_map_100k "tracer did not start"
	show "$tmp/big.err"
fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
