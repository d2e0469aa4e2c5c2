#!/usr/bin/env bash
# tests/cli/run_cli_attaching.sh — the "Attaching N probes..." line against bpftrace 0.17.
#
# Owns: checking that bpfscript's line is byte for byte 0.17's (the word, the count, one
# or several probes, the trailing newline) for BEGIN alone, two probes, a tracepoint
# wildcard and interval+END, that it goes to stderr (bpfscript's deliberate place: issue
# 2; 0.17 writes it on stdout, COMPAT.md), that -q drops it, and that -f json writes
# 0.17's attached_probes object on stdout, the same bytes as 0.17.
# Must not: trace anything but BEGIN/END/interval probes and tracepoints nobody triggers
# on purpose (the programs exit at once). Needs bpftrace (the reference).
# Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh

suite_start cli-attaching
BPFTRACE=${BPFTRACE:-bpftrace}
if ! command -v "$BPFTRACE" >/dev/null; then
	fail attaching_reference "bpftrace (0.17, the reference) is not installed"
	suite_end
	exit
fi

i=0
while IFS='|' read -r name prog; do
	i=$((i + 1))
	timeout 20 "$BPFTRACE" -e "$prog" >"$tmp/bt.out" 2>/dev/null
	timeout 20 "$BIN" -e "$prog" >"$tmp/bs.out" 2>"$tmp/bs.err"; st=$?
	grep '^Attaching' "$tmp/bt.out" >"$tmp/bt.line"
	grep '^Attaching' "$tmp/bs.err" >"$tmp/bs.line"
	if [ "$st" = 0 ] && [ -s "$tmp/bt.line" ] && cmp -s "$tmp/bt.line" "$tmp/bs.line" &&
		! grep -q '^Attaching' "$tmp/bs.out" && ! has_sanitizer_report "$tmp/bs.err"; then
		pass "attaching_$name"
	else
		fail "attaching_$name" "status $st, 0.17: '$(cat "$tmp/bt.line")', bpfscript stderr: '$(cat "$tmp/bs.line")'"
	fi
	timeout 20 "$BPFTRACE" -f json -e "$prog" 2>/dev/null | grep '"attached_probes"' >"$tmp/bt.json"
	timeout 20 "$BIN" -f json -e "$prog" 2>"$tmp/bs.err" | grep '"attached_probes"' >"$tmp/bs.json"
	if [ -s "$tmp/bt.json" ] && cmp -s "$tmp/bt.json" "$tmp/bs.json"; then
		pass "attaching_json_$name"
	else
		fail "attaching_json_$name" "0.17: '$(cat "$tmp/bt.json")', bpfscript: '$(cat "$tmp/bs.json")'"
	fi
done <<'PROGS'
begin|BEGIN { exit(); }
two|tracepoint:syscalls:sys_enter_getppid { } BEGIN { exit(); }
wildcard|tracepoint:syscalls:sys_enter_getp* { } BEGIN { exit(); }
interval_end|interval:ms:1 { exit(); } END { }
PROGS

timeout 20 "$BIN" -q -e 'BEGIN { exit(); }' >"$tmp/q.out" 2>"$tmp/q.err"; st=$?
if [ "$st" = 0 ] && ! grep -q Attaching "$tmp/q.out" "$tmp/q.err"; then
	pass attaching_quiet
else
	fail attaching_quiet "status $st: $(cat "$tmp/q.err" | head -2)"
fi
suite_end
