#!/usr/bin/env bash
# tests/faults/run_privileges.sh — privileges, unsafe actions, and hostile strings at runtime.
#
# Owns:
#   - without root (setpriv to nobody, no capabilities): a non-zero exit and one sentence
#     naming the missing capabilities; as root without CAP_PERFMON/CAP_SYS_ADMIN (bounding
#     set dropped): the sentence names CAP_PERFMON only;
#   - --dry-run needs no privileges (BEGIN-only scripts compile as nobody), and a
#     tracepoint script as nobody says tracefs is unreadable, not "not mounted";
#   - system() and signal() refused without --unsafe (bpftrace's wording);
#   - user strings never act as format strings: a traced process named "%n%s%x%p%s" is
#     printed literally by printf("%s") and as a map key, with no crash or sanitizer report.
# Must not: run anything privileged beyond the tracer itself; trace other processes.
# Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh

suite_start priv
chmod 755 "$tmp"
# check NAME WANT_STATUS WANT_STDERR_FIRST_LINE CMD...
check() {
	local name=$1 want_st=$2 want=$3
	shift 3
	run_limited 30 "$tmp/o" "$tmp/e" "$@"
	local first
	first=$(head -n 1 "$tmp/e")
	if has_sanitizer_report "$tmp/e"; then
		fail "$name" "sanitizer report: $(grep -E -m1 "$SANITIZER_RE" "$tmp/e")"
	elif [ "$RL_STATUS" != "$want_st" ]; then
		fail "$name" "exit $RL_STATUS, expected $want_st; stderr: $(head -c 300 "$tmp/e")"
	elif [ "$first" != "$want" ]; then
		fail "$name" "stderr first line: '$first', expected '$want'"
	else
		pass "$name"
	fi
}

if ! command -v setpriv >/dev/null; then
	echo "not ok privileges: setpriv (util-linux) is missing"
	echo "0 passed, 1 failed"
	exit 1
fi
# The tracer binary must be reachable by nobody: copy it into our 755 directory.
cp "$BIN" "$tmp/bpfscript"
chmod 755 "$tmp/bpfscript"
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all)
# ASan's log goes to stderr; nobody cannot write files into the repo either way.

check nobody_begin 1 "ERROR: bpfscript needs the CAP_BPF and CAP_PERFMON capabilities to load and attach BPF programs (missing: CAP_BPF, CAP_PERFMON): run it as root, or grant them with setcap cap_bpf,cap_perfmon+ep" \
	"${NOBODY[@]}" "$tmp/bpfscript" -e 'BEGIN { printf("hi\n"); exit(); }'
check nobody_tracepoint 1 "ERROR: bpfscript needs the CAP_BPF and CAP_PERFMON capabilities to load and attach BPF programs (missing: CAP_BPF, CAP_PERFMON): run it as root, or grant them with setcap cap_bpf,cap_perfmon+ep" \
	"${NOBODY[@]}" "$tmp/bpfscript" -e 'tracepoint:syscalls:sys_enter_getppid { exit(); }'
check root_without_perfmon 1 "ERROR: bpfscript needs the CAP_BPF and CAP_PERFMON capabilities to load and attach BPF programs (missing: CAP_PERFMON): run it as root, or grant them with setcap cap_bpf,cap_perfmon+ep" \
	setpriv --inh-caps=-all --bounding-set=-perfmon,-sys_admin "$tmp/bpfscript" -e 'BEGIN { exit(); }'
check nobody_dry_run_begin 0 "" \
	"${NOBODY[@]}" "$tmp/bpfscript" --dry-run -e 'BEGIN { printf("hi\n"); exit(); }'
check nobody_dry_run_tracepoint 1 "stdin:1:1: ERROR: cannot read tracepoint formats: permission denied on /sys/kernel/tracing (run as root)" \
	"${NOBODY[@]}" "$tmp/bpfscript" --dry-run -e 'tracepoint:syscalls:sys_enter_getppid { exit(); }'
check system_needs_unsafe 1 "stdin:1:9: ERROR: system() is an unsafe function being used in safe mode" \
	"$BIN" --dry-run -e 'BEGIN { system("touch /tmp/should-not-exist"); }'
check signal_needs_unsafe 1 "stdin:1:52: ERROR: signal() is an unsafe function being used in safe mode" \
	"$BIN" --dry-run -e 'tracepoint:syscalls:sys_enter_getppid /pid == 1/ { signal("SIGKILL"); }'
check system_with_unsafe_compiles 0 "" \
	"$BIN" --unsafe --dry-run -e 'BEGIN { system("true"); }'

# A process whose name is a format string, traced by a script that prints its comm.
evil='%n%s%x%p%s%d'
cp build/workloads/getppid_loop "$tmp/$evil"
run_limited 30 "$tmp/o" "$tmp/e" "$BIN" -e 'tracepoint:syscalls:sys_enter_getppid /pid == cpid && comm != "sh"/ {
	printf("comm=%s\n", comm); @[comm] = count(); }' -c "exec $tmp/$evil 3"
want=$(printf 'comm=%s\ncomm=%s\ncomm=%s\n\n\n@[%s]: 3' "$evil" "$evil" "$evil" "$evil")
if has_sanitizer_report "$tmp/e"; then
	fail format_string_comm "sanitizer report"
elif [ "$RL_STATUS" != 0 ] || [ "$(cat "$tmp/o")" != "$want" ]; then
	fail format_string_comm "exit $RL_STATUS; stdout: $(head -c 300 "$tmp/o"); stderr: $(head -c 200 "$tmp/e")"
else
	pass format_string_comm
fi

suite_end
