#!/usr/bin/env bash
# tests/uprobe/run_uprobe_dwstack.sh — dw_ustack (current bpftrace's DWARF unwinder) on the
# dw_nofp workload, built with -O2 -fomit-frame-pointer: its call chain main → dw_a → dw_b
# → dw_c → libc's qsort → dw_cmp has no frame pointers, so only .eh_frame describes it.
# Expectations are computed at run time from the workload itself: each frame's offset is
# the return address after the call instruction (objdump), so the test follows the
# compiler.
#
# Owns: the exact frames and counts of dw_ustack with -c, -p and --dwarf-pid, the same
# probe's plain ustack stopping after one frame (why dw_ustack exists), libc frames in
# the chain, modes and limits (perf, raw, N), printf("%s") and print() of it, a tuple key,
# the unstable_dw_ustack flag (warn by default, enable, error), the error without any
# target process, a process without tables (the probe's frame alone), len(), -f folded
# and -f json.
# Must not: trace processes it did not start (every run traces its own workload).
#
#   tests/uprobe/run_uprobe_dwstack.sh [--bin PATH]   (default build/asan/bpfscript)
# Prints "ok X" / "not ok X: reason", then, as the last line, "N passed, N failed".
set -u
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh

[ "${1:-}" = "--bin" ] && BIN=$2
suite_start uprobe-dwstack
W=build/workloads/dw_nofp
ENABLE='config = { unstable_dw_ustack = enable }'

# ret_off CALLER CALLEE: CALLER+N, N the offset of the instruction after its call of CALLEE
ret_off() {
	local r
	r=$(objdump -d --no-show-raw-insn "$W" | awk -v f="$1" -v g="$2" '
		$0 ~ "^[0-9a-f]+ <" f ">:$" { start = $1; on = 1; next }
		on && /^$/ { on = 0 }
		on && $0 ~ "call.*<" g ">" { want = 1; next }
		on && want { sub(":", "", $1); print start, $1; exit }')
	[ -n "$r" ] && echo "$1+$((16#${r#* } - 16#${r% *}))"
}
B=$(ret_off dw_b dw_c)
A=$(ret_off dw_a dw_b)
M=$(ret_off main dw_a)
if [ -z "$B" ] || [ -z "$A" ] || [ -z "$M" ]; then
	fail dwstack_setup "cannot find the call sites in $W ('$B' '$A' '$M')"
	suite_end
	exit
fi
C=$(ret_off dw_c 'qsort@plt')

# the frames of stack KEY (the first "@KEY[" block) in FILE, one a line, unindented
frames() { sed -n "/^$2\\[\$/,/^\\]/p" "$1" | sed '1d;/^\]/,$d' | sed 's/^ *//'; }

# expect_frames NAME FILE KEY COUNT FRAME...: exactly these frames, then "]: COUNT"
expect_frames() {
	local name=$1 f=$2 key=$3 count=$4
	shift 4
	local want got
	want=$(printf '%s\n' "$@")
	got=$(frames "$f" "$key")
	if [ "$got" != "$want" ]; then
		fail "$name" "frames of $key differ"
		diff <(echo "$want") <(echo "$got") | sed 's/^/    | /'
		sed 's/^/    out| /' "$f" | head -40
		sed 's/^/    err| /' "${f%.out}.err" | head -10
	elif ! sed -n "/^$key\\[\$/,/^\\]/p" "$f" | grep -qx "\]: $count"; then
		fail "$name" "count of $key is not $count: $(sed -n "/^$key\\[\$/,/^\\]/p" "$f" | tail -1)"
	elif ! has_sanitizer_report "${f%.out}.err"; then
		pass "$name"
	else
		fail "$name" "sanitizer report"
	fi
}

OUTER=(__libc_start_call_main+122 __libc_start_main_impl+133 _start+33)
# the frames below main are libc's and the workload's _start: their offsets are read from
# the first run rather than hard-coded (another libc build moves them)

# 1. -c, probe at dw_c's entry: 5 calls, each the same full stack; plain ustack (frame
# pointers) stops after dw_c, as its caller's frame pointer is not there
timeout 30 "$BIN" -e 'uprobe:'$W':dw_c { @d[dw_ustack] = count(); @u[ustack] = count(); }' \
	-c "$W 5" >"$tmp/c.out" 2>"$tmp/c.err"
mapfile -t got < <(frames "$tmp/c.out" @d)
if [ "${#got[@]}" -ge 7 ]; then
	OUTER=("${got[@]:4}")
fi
expect_frames dwstack_c_full "$tmp/c.out" @d 5 dw_c+0 "$B" "$A" "$M" "${OUTER[@]}"
expect_frames dwstack_c_plain_ustack_breaks "$tmp/c.out" @u 5 dw_c+0
printf '%s\n' "${OUTER[@]}" | grep -q '^__libc_start_call_main+[0-9]*$' &&
	printf '%s\n' "${OUTER[@]}" | tail -1 | grep -q '^_start+[0-9]*$' &&
	pass dwstack_c_outer_frames || fail dwstack_c_outer_frames "frames below main: ${OUTER[*]}"
# the default (warn): bpftrace's warning, once
if [ "$(grep -c '^WARNING: Script is using an unstable feature: dw_ustack (DWARF stack unwinding). To prevent this warning you must explicitly enable it in the config e.g. unstable_dw_ustack=enable$' "$tmp/c.err")" = 1 ] &&
	[ "$(grep -vc '^Attaching 1 probe\.\.\.$' "$tmp/c.err")" = 1 ]; then
	pass dwstack_warn_default
else
	fail dwstack_warn_default "stderr: $(head -3 "$tmp/c.err")"
fi

# 2. through libc: dw_cmp is called by qsort's merge sort (msort_with_tmp, qsort_r, a
# tail call from qsort), 3 sorts; limits and modes; enable: no warning
timeout 30 "$BIN" -e "$ENABLE"' uprobe:'$W':dw_cmp {
	@d[dw_ustack] = count(); @l[dw_ustack(4)] = count(); @t[comm, dw_ustack(2)] = count();
	@r[dw_ustack(raw, 1)] = count(); @p[dw_ustack(perf, 1)] = count();
	if (@n++ == 0) { printf("%s|\n", dw_ustack(3)); print(dw_ustack(bpftrace, 1)); } }' \
	-c "$W 3" >"$tmp/l.out" 2>"$tmp/l.err"
mapfile -t got < <(frames "$tmp/l.out" @d)
MSORT=${got[1]:-}
QSORT=${got[2]:-}
if [[ "$MSORT" =~ ^msort_with_tmp[.a-z0-9]*\+[0-9]+$ ]] && [[ "$QSORT" =~ ^(__)?qsort_r\+[0-9]+$ ]]; then
	pass dwstack_libc_frames
else
	fail dwstack_libc_frames "frames 1-2 are '$MSORT' '$QSORT', want libc's msort_with_tmp and qsort_r"
fi
expect_frames dwstack_libc_full "$tmp/l.out" @d 3 dw_cmp+0 "$MSORT" "$QSORT" "$C" "$B" "$A" "$M" \
	"${OUTER[@]}"
expect_frames dwstack_limit "$tmp/l.out" @l 3 dw_cmp+0 "$MSORT" "$QSORT" "$C"
# a PIE's load address is page-aligned: an address ends in the 3 hex digits of its offset
CMP=$(printf '%03x' "$((16#$(nm "$W" | awk '$3 == "dw_cmp" { print $1 }') & 0xfff))")
if grep -qx '@t\[dw_nofp, $' "$tmp/l.out" && grep -qx '@r\[$' "$tmp/l.out" &&
	[ "$(frames "$tmp/l.out" @r | grep -c '^[0-9a-f]*'"$CMP"'$')" = 1 ] &&
	grep -Eq "^	[0-9a-f]*$CMP dw_cmp\+0 \(.*/dw_nofp\)$" "$tmp/l.out"; then
	pass dwstack_modes
else
	fail dwstack_modes "tuple key, raw or perf frame not as expected"
	sed 's/^/    | /' "$tmp/l.out" | head -60
fi
# printf("%s") and print(): 8 spaces, as ustack's values
want=$(printf '\n        dw_cmp+0\n        %s\n        %s\n|\n\n        dw_cmp+0\n' "$MSORT" "$QSORT")
if [[ "$(cat "$tmp/l.out")" == *"$want"* ]]; then
	pass dwstack_printf_print
else
	fail dwstack_printf_print "printf/print text"
	sed 's/^/    | /' "$tmp/l.out" | head -12
fi
# enable: no warning (stderr holds only the "Attaching" line)
[ "$(grep -vc '^Attaching 1 probe\.\.\.$' "$tmp/l.err")" != 0 ] &&
	fail dwstack_enable_silent "stderr: $(head -2 "$tmp/l.err")" || pass dwstack_enable_silent

# 3. -p: a process already running (it waits on its stdin until we are attached)
pfifo=$tmp/go
mkfifo "$pfifo"
"$W" 4 wait <"$pfifo" &
wpid=$!
exec 7>"$pfifo"
timeout 30 "$BIN" -p "$wpid" -e "$ENABLE"' uprobe:'$W':dw_c { @d[dw_ustack] = count(); }' \
	>"$tmp/p.out" 2>"$tmp/p.err" &
bpid=$!
for _ in $(seq 200); do grep -qs '^Attaching' "$tmp/p.out" "$tmp/p.err" && break; sleep 0.1; done
echo g >&7
exec 7>&-
wait "$bpid"
wait "$wpid" 2>/dev/null
expect_frames dwstack_pid "$tmp/p.out" @d 4 dw_c+0 "$B" "$A" "$M" "${OUTER[@]}"

# 4. --dwarf-pid: another process's tables, without -p (the probe filters on its pid)
mkfifo "$tmp/go2"
"$W" 2 wait <"$tmp/go2" &
wpid=$!
exec 7>"$tmp/go2"
timeout 30 "$BIN" --dwarf-pid "$wpid" -e "$ENABLE"' uprobe:'$W':dw_c /pid == '$wpid'/ {
	@d[dw_ustack] = count(); if (@n++ == 1) { exit(); } }' >"$tmp/dp.out" 2>"$tmp/dp.err" &
bpid=$!
for _ in $(seq 200); do grep -qs '^Attaching' "$tmp/dp.out" "$tmp/dp.err" && break; sleep 0.1; done
echo g >&7
exec 7>&-
wait "$bpid"
wait "$wpid" 2>/dev/null
expect_frames dwstack_dwarf_pid "$tmp/dp.out" @d 2 dw_c+0 "$B" "$A" "$M" "${OUTER[@]}"

# 5. no target process: bpftrace's error, nothing attached
timeout 30 "$BIN" -e "$ENABLE"' uprobe:'$W':dw_c { @[dw_ustack] = count(); }' \
	>"$tmp/n.out" 2>"$tmp/n.err"
rc=$?
if [ "$rc" = 1 ] && [ "$(cat "$tmp/n.err")" = "ERROR: dw_ustack requires a target process. Use -p, -c, or --dwarf-pid to specify one." ] &&
	! grep -q Attaching "$tmp/n.out"; then
	pass dwstack_no_target
else
	fail dwstack_no_target "exit $rc, stderr: $(head -3 "$tmp/n.err")"
fi

# 6. unstable_dw_ustack = error: a located error, nothing runs (the child is never run)
timeout 30 "$BIN" -e 'config = { unstable_dw_ustack = error } uprobe:'$W':dw_c { @[dw_ustack] = count(); }' \
	-c "$W 1" >"$tmp/e.out" 2>"$tmp/e.err"
rc=$?
if [ "$rc" = 1 ] && grep -q '^stdin:1:.*: ERROR: dw_ustack (DWARF stack unwinding) feature is not enabled by default. To enable this unstable feature, set the config flag to enable. unstable_dw_ustack=enable$' "$tmp/e.err"; then
	pass dwstack_flag_error
else
	fail dwstack_flag_error "exit $rc, stderr: $(head -3 "$tmp/e.err")"
fi

# 8. a process without tables (here: not a target, the tables are another process's):
# its stack is the probe's own frame
sleep 30 &
spid=$!
mkfifo "$tmp/go3"
"$W" 3 wait <"$tmp/go3" &
wpid=$!
exec 7>"$tmp/go3"
timeout 30 "$BIN" --dwarf-pid "$spid" -e "$ENABLE"' uprobe:'$W':dw_c /pid == '$wpid'/ {
	@d[dw_ustack] = count(); if (@n++ == 2) { exit(); } }' >"$tmp/o.out" 2>"$tmp/o.err" &
bpid=$!
for _ in $(seq 200); do grep -qs '^Attaching' "$tmp/o.out" "$tmp/o.err" && break; sleep 0.1; done
echo g >&7
exec 7>&-
wait "$bpid"
wait "$wpid" 2>/dev/null
kill "$spid" 2>/dev/null
wait "$spid" 2>/dev/null
# (it exited unwatched, so the frame prints as its address: dw_c's, by its page offset)
DWC=$(printf '%03x' "$((16#$(nm "$W" | awk '$3 == "dw_c" { print $1 }') & 0xfff))")
got=$(frames "$tmp/o.out" @d)
if [[ "$got" =~ ^(dw_c\+0|0x[0-9a-f]*$DWC)$ ]] && grep -qx '\]: 3' "$tmp/o.out"; then
	pass dwstack_other_process
else
	fail dwstack_other_process "frames '$got', want dw_c's alone, 3 times"
	sed "s/^/    out| /" "$tmp/o.out"
fi

# 9. -c held at its entry point and the program then refused (two default-sized stacks
# as keys exceed the scratch buffer): the command never runs
timeout 30 "$BIN" -e "$ENABLE"' uprobe:'$W':dw_c { @a[dw_ustack] = count(); @b[dw_ustack] = count(); }' \
	-c "/usr/bin/touch $tmp/ran" >"$tmp/r.out" 2>"$tmp/r.err"
rc=$?
sleep 0.2
if [ "$rc" = 1 ] && [ ! -e "$tmp/ran" ] && grep -q 'needs more temporary storage' "$tmp/r.err"; then
	pass dwstack_refused_child_not_run
else
	fail dwstack_refused_child_not_run "exit $rc, ran: $([ -e "$tmp/ran" ] && echo yes || echo no), $(head -1 "$tmp/r.err")"
fi

# 10. len(dw_ustack): the frames unwound (7 from dw_c: dw_c, dw_b, dw_a, main and the
# three below main), len(dw_ustack(2)) the limit
timeout 30 "$BIN" -e "$ENABLE"' uprobe:'$W':dw_c { @l[len(dw_ustack), len(dw_ustack(2))] = count(); }' \
	-c "$W 3" >"$tmp/n2.out" 2>"$tmp/n2.err"
[ "$(grep '^@l' "$tmp/n2.out")" = "@l[$((4 + ${#OUTER[@]})), 2]: 3" ] && pass dwstack_len ||
	fail dwstack_len "output: $(grep '^@' "$tmp/n2.out" | head -3) $(head -2 "$tmp/n2.err")"

# 7. -f folded (flame graphs) and -f json: as ustack's keys
timeout 30 "$BIN" -f folded -e "$ENABLE"' uprobe:'$W':dw_c { @[comm, dw_ustack(3)] = count(); }' \
	-c "$W 2" >"$tmp/f.out" 2>"$tmp/f.err"
[ "$(cat "$tmp/f.out")" = "dw_nofp;dw_a;dw_b;dw_c 2" ] && pass dwstack_folded ||
	fail dwstack_folded "output: $(head -3 "$tmp/f.out")"
timeout 30 "$BIN" -f json -e "$ENABLE"' uprobe:'$W':dw_c { @[dw_ustack(2)] = count(); }' \
	-c "$W 2" >"$tmp/j.out" 2>"$tmp/j.err"
grep -qxF '{"type": "map", "data": {"@": {"\n    dw_c+0\n    '"$B"'\n": 2}}}' "$tmp/j.out" &&
	pass dwstack_json || fail dwstack_json "output: $(grep map "$tmp/j.out")"

suite_end
