#!/usr/bin/env bash
# tests/uprobe/run_uprobe_build_id.sh — ustack(build_id) (current bpftrace's stack mode,
# BPF_F_STACK_BUILD_ID stack maps) on the uprobe_target workload, with expectations
# computed at run time: the workload's build id (readelf -n) and its functions' addresses
# (nm), libc's build id for the outermost frame.
#
# Owns: the exact text of build_id stacks (per frame "<40 hex digits> 0x<file offset>"),
# the frame limit, config stack_mode = build_id and BPFTRACE_STACK_MODE taking precedence,
# kstack(build_id) refused, JSON of such a key.
# Must not: trace processes it did not start (every probe filters on cpid).
#
#   tests/uprobe/run_uprobe_build_id.sh [--bin PATH]   (default build/asan/bpfscript)
# Prints "ok X" / "not ok X: reason", then, as the last line, "N passed, N failed".
set -u
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh

[ "${1:-}" = "--bin" ] && BIN=$2
suite_start uprobe-build-id
W=build/workloads/uprobe_target

bid_of() { readelf -n "$1" 2>/dev/null | sed -n 's/^ *Build ID: *\([0-9a-f]*\)$/\1/p' | head -1; }
addr_of() { nm "$W" | awk -v s="$1" '$3 == s { print $1 }'; }
hex() { printf '%x' "$((16#$1))"; }

BID=$(bid_of "$W")
LEAF=$(hex "$(addr_of leaf)")
MID=$((16#$(addr_of mid)))
MAIN=$((16#$(addr_of main)))
LIBC=$(awk '$NF ~ /libc\.so/ { print $NF; exit }' <(ldd "$W") 2>/dev/null)
[ -z "$LIBC" ] && LIBC=$(ldd "$W" | sed -n 's/.*=> \(\/[^ ]*libc\.so[^ ]*\).*/\1/p' | head -1)
LIBC_BID=$(bid_of "$LIBC")
if [ -z "$BID" ] || [ -z "$LEAF" ] || [ -z "$LIBC_BID" ]; then
	fail build_id_setup "no build id or symbols (workload '$BID', leaf '$LEAF', libc '$LIBC_BID')"
	suite_end
	exit
fi

# run NAME [ENV=V] -- SCRIPT: three calls of leaf() (outer -> mid -> leaf)
run() {
	local name=$1
	shift
	timeout 30 env "$@" -c "$W 3" >"$tmp/$name.out" 2>"$tmp/$name.err"
}

# leaf's caller is mid(), or outer() when the compiler made mid's call to leaf a tail call
# (a jump): frame 1 is a return address in [mid, main)
# the frames of the first stack in FILE, one a line
frames() { sed -n '/^@[a-z]*\[$/,/^\]/p' "$1" | sed '1d;/^\]/,$d'; }

check_stack() { # NAME FILE LIMIT: leaf, a return address in mid/outer, then callers into libc
	local name=$1 f=$2 limit=$3 lines mid_off
	mapfile -t lines < <(frames "$f")
	local why=''
	if [ "${lines[0]:-}" != "$BID 0x$LEAF" ]; then
		why="frame 0 is '${lines[0]:-}', want '$BID 0x$LEAF'"
	elif [[ ! "${lines[1]:-}" =~ ^$BID\ 0x([0-9a-f]+)$ ]]; then
		why="frame 1 is '${lines[1]:-}'"
	else
		mid_off=$((16#${BASH_REMATCH[1]}))
		[ "$mid_off" -gt "$MID" ] && [ "$mid_off" -lt "$MAIN" ] ||
			why="frame 1 offset $mid_off not inside mid() or outer() [$MID, $MAIN)"
	fi
	if [ -z "$why" ] && [ "$limit" = all ]; then
		local last=${lines[${#lines[@]} - 1]}
		[[ "$last" =~ ^($LIBC_BID|$BID)\ 0x[0-9a-f]+$ ]] || why="last frame '$last'"
		printf '%s\n' "${lines[@]}" | grep -q "^$LIBC_BID 0x" ||
			why="no frame in libc ($LIBC_BID)"
	elif [ -z "$why" ] && [ "${#lines[@]}" != "$limit" ]; then
		why="${#lines[@]} frames, want $limit"
	fi
	if [ -z "$why" ] && ! grep -q '^\]: 3$' "$f"; then
		why="count is not 3: $(grep '^\]' "$f" | head -1)"
	fi
	if [ -z "$why" ] && ! has_sanitizer_report "${f%.out}.err"; then
		pass "$name"
	else
		fail "$name" "${why:-sanitizer report}"
		sed 's/^/    | /' "$f" | head -20
	fi
}

P="uprobe:$W:leaf /pid == cpid/"
run call "$BIN" -e "$P { @[ustack(build_id)] = count(); }"
check_stack build_id_call "$tmp/call.out" all
run limit "$BIN" -e "$P { @[ustack(build_id, 2)] = count(); }"
check_stack build_id_limit "$tmp/limit.out" 2
run config "$BIN" -e "config = { stack_mode = build_id } $P { @[ustack] = count(); }"
check_stack build_id_config "$tmp/config.out" all
run env BPFTRACE_STACK_MODE=build_id "$BIN" -e "config = { stack_mode = perf } $P { @[ustack(2)] = count(); }"
check_stack build_id_env_over_config "$tmp/env.out" 2

# the same frames with -f json: the key is one JSON string of those lines
run json "$BIN" -f json -e "$P { @[ustack(build_id, 2)] = count(); }"
if python3 - "$tmp/json.out" "$BID" "$LEAF" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    if not line.strip():
        continue
    d = json.loads(line)
    if d.get("type") == "map":
        (key, val), = d["data"]["@"].items()
        frames = key.strip("\n").split("\n")
        assert frames[0] == f"{sys.argv[2]} 0x{sys.argv[3]}", frames
        assert len(frames) == 2 and val == 3, (frames, val)
        sys.exit(0)
sys.exit(1)
PY
then pass build_id_json; else fail build_id_json "$(head -c 300 "$tmp/json.out")"; fi

timeout 30 "$BIN" --dry-run -e 'BEGIN { @[kstack(build_id)] = count(); }' >"$tmp/k.out" 2>"$tmp/k.err"; st=$?
if [ "$st" = 1 ] && grep -q "ERROR: 'build_id' stack mode can only be used for ustack" "$tmp/k.err"; then
	pass build_id_kstack_refused
else
	fail build_id_kstack_refused "status $st: $(head -1 "$tmp/k.err")"
fi
suite_end
