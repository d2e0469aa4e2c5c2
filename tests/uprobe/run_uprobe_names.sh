#!/usr/bin/env bash
# tests/uprobe/run_uprobe_names.sh — how uprobes find files and functions: -l over a file
# glob, a wildcarded probe type, -p PID (executable and libraries, also of a process in
# another mount namespace, and attaching there by path), C++ names in listings (cpp:),
# -lv parameters from DWARF, and the one-sentence errors about DWARF arguments.
#
# Owns: only these checks; exact-output runs live in tests/e2e/uprobe_dwarf_*.test and
# tests/e2e/uprobe_cpp_names.test.
# Must not: trace processes it did not start (every script uses -p or -c).
#
#   tests/uprobe/run_uprobe_names.sh [--bin PATH]   (default build/asan/bpfscript)
# Prints "ok X" / "not ok X: reason", then, as the last line, "N passed, N failed".
set -u
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh

BIN=build/asan/bpfscript
[ "${1:-}" = "--bin" ] && BIN=$2
W=build/workloads
passed=0
failed=0
tmp=$(mktemp -d /tmp/uprobe-names.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
ensure_tracefs

ok() { echo "ok $1"; passed=$((passed + 1)); }
nok() {
	echo "not ok $1: $2"
	[ -f "$tmp/out" ] && sed 's/^/    | /' "$tmp/out" | head -30
	[ -f "$tmp/err" ] && sed 's/^/    ! /' "$tmp/err" | head -10
	failed=$((failed + 1))
}

# run NAME SECS WANT_STATUS ARGS...: the tracer with a time limit; false (and "not ok")
# when it times out, reports a sanitizer error or exits otherwise than WANT_STATUS.
run() {
	local name=$1 secs=$2 want=$3
	shift 3
	run_limited "$secs" "$tmp/out" "$tmp/err" "$BIN" "$@"
	if [ "$RL_TIMED_OUT" = 1 ]; then
		nok "$name" "timed out"
	elif has_sanitizer_report "$tmp/err"; then
		nok "$name" "sanitizer report"
	elif [ "$RL_STATUS" != "$want" ]; then
		nok "$name" "exit status $RL_STATUS, expected $want"
	else
		return 0
	fi
	return 1
}

# same NAME: stdout must equal $tmp/want exactly
same() {
	if cmp -s "$tmp/out" "$tmp/want"; then
		ok "$1"
	else
		nok "$1" "stdout differs from: $(tr '\n' '|' <"$tmp/want")"
	fi
}

# ---- -l with a glob over files: every matching file's function
if run list_file_glob 20 0 -l "uprobe:$W/dwarf_arg*:hidden"; then
	printf 'uprobe:%s/dwarf_args:hidden\nuprobe:%s/dwarf_args_stripped:hidden\n' "$W" "$W" \
		>"$tmp/want"
	same list_file_glob
fi

# ---- -l with a wildcarded probe type: the uprobes of the file (no uretprobe, no other kind)
if run list_kind_glob 20 0 -l "*:$W/dwarf_args:ints"; then
	printf 'uprobe:%s/dwarf_args:ints\n' "$W" >"$tmp/want"
	same list_kind_glob
fi

# ---- -lv: parameters from DWARF, as bpftrace spells their types; from the debug file of
# the stripped copy too
if run list_verbose 20 0 -lv "uprobe:$W/dwarf_args:wide"; then
	printf 'uprobe:%s/dwarf_args:wide\n    int64_t g\n    uint64_t h\n    char ch\n    _Bool flag\n    const char* msg\n    int* pn\n' \
		"$W" >"$tmp/want"
	same list_verbose
fi
if run list_verbose_debuglink 20 0 -lv "uprobe:$W/dwarf_args_stripped:area"; then
	printf 'uprobe:%s/dwarf_args_stripped:area\n    const struct shape* s\n    double scale\n    int mult\n' \
		"$W" >"$tmp/want"
	same list_verbose_debuglink
fi

# ---- a uprobe over a glob of files with one function name attaches in every file that has
# it (2 probes); only the copy that runs counts
if run attach_file_glob 20 0 -c "$W/dwarf_args 2" -e "uprobe:$W/dwarf_arg*:hidden { @[probe] = count(); }"; then
	if grep -q '^Attaching 2 probes' "$tmp/err" &&
		grep -qx "@\[uprobe:$W/dwarf_args:hidden\]: 2" "$tmp/out" &&
		! grep -q stripped "$tmp/out"; then
		ok attach_file_glob
	else
		nok attach_file_glob "expected 2 probes attached and @[uprobe:$W/dwarf_args:hidden]: 2 only"
	fi
fi

# ---- C++: cpp: lists demangled names quoted, ready to paste; a plain wildcard over
# demangled names lists the symbols
if run list_cpp 20 0 -l "uprobe:$W/cpp_target:cpp:ns::add*"; then
	printf 'uprobe:%s/cpp_target:cpp:"ns::add(int, int)"\nuprobe:%s/cpp_target:cpp:"ns::add(long, long, long)"\n' \
		"$W" "$W" >"$tmp/want"
	same list_cpp
fi
if run list_cpp_plain 20 0 -l "uprobe:$W/cpp_target:ns::Counter::*"; then
	printf 'uprobe:%s/cpp_target:_ZN2ns7Counter4bumpEi\n' "$W" >"$tmp/want"
	same list_cpp_plain
fi

# ---- -l -p PID and -l 'uprobe:*' -p PID: the executable and its libraries, as
# /proc/PID/maps names them
"$W/uprobe_target" 1 3000 0 & a=$!
sleep 0.3
exe=$(readlink -f "$W/uprobe_target")
libc=$(awk '$6 ~ /libc\.so/ { print $6; exit }' /proc/$a/maps)
if run list_pid 20 0 -l -p "$a"; then
	if grep -qx "uprobe:$exe:add" "$tmp/out" && grep -qx "uprobe:$libc:malloc" "$tmp/out"; then
		ok list_pid
	else
		nok list_pid "expected uprobe:$exe:add and uprobe:$libc:malloc"
	fi
fi
if run list_pid_uprobes 20 0 -l 'uprobe:*' -p "$a"; then
	if grep -qx "uprobe:$exe:add" "$tmp/out" && ! grep -qv '^uprobe:' "$tmp/out"; then
		ok list_pid_uprobes
	else
		nok list_pid_uprobes "expected uprobe:$exe:add and uprobe lines only"
	fi
fi
kill "$a" 2>/dev/null
wait "$a" 2>/dev/null

# ---- a process in its own mount namespace, running a copy that exists only there: -l -p
# shows the path the process sees, and a uprobe by that path with -p attaches through
# /proc/PID/root and counts its 30 calls
ns_dir=/tmp/bpfscript-mountns-test
if command -v unshare >/dev/null; then
	unshare -m --propagation private sh -c "mkdir -p $ns_dir && mount -t tmpfs none $ns_dir &&
		cp $W/uprobe_target $ns_dir/ && exec $ns_dir/uprobe_target 30 500 2500" & a=$!
	n=0
	until grep -q "$ns_dir/uprobe_target" /proc/$a/maps 2>/dev/null || [ $n -ge 50 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	if [ -e "$ns_dir/uprobe_target" ]; then
		nok mountns_list "the copy is visible outside its mount namespace: the test proves nothing"
	elif run mountns_list 20 0 -l -p "$a"; then
		if grep -qx "uprobe:$ns_dir/uprobe_target:add" "$tmp/out"; then
			ok mountns_list
		else
			nok mountns_list "expected uprobe:$ns_dir/uprobe_target:add"
		fi
	fi
	if run mountns_attach 20 0 -q -p "$a" -e "uprobe:$ns_dir/uprobe_target:add { @ = count(); }"; then
		if grep -qx '@: 30' "$tmp/out"; then
			ok mountns_attach
		else
			nok mountns_attach "expected @: 30"
		fi
	fi
	kill "$a" 2>/dev/null
	wait "$a" 2>/dev/null
else
	nok mountns_list "unshare(1) is missing (util-linux)"
fi

# ---- errors: one sentence each. err_case NAME PROGRAM REGEX [OPTION...]: --dry-run fails
# (status 1) and stderr has a line matching REGEX.
err_case() {
	if run "$1" 20 1 --dry-run "${@:4}" -e "$2"; then
		if grep -qE -- "$3" "$tmp/err"; then
			ok "$1"
		else
			nok "$1" "no stderr line matching /$3/"
		fi
	fi
}
err_case err_unknown_param "uprobe:$W/dwarf_args:ints { @ = args.zz; }" \
	"ERROR: uprobe:$W/dwarf_args:ints: ints has no parameter named 'zz'; it has: a, b, c, d, e, f\$"
# a program without DWARF or debug file: a copy without its debug sections
objcopy --strip-debug "$W/dwarf_args" "$tmp/nodwarf"
err_case err_no_dwarf "uprobe:$tmp/nodwarf:ints { @ = args.a; }" \
	"ERROR: uprobe:$tmp/nodwarf:ints: .*/nodwarf has no DWARF debug information \\(and no separate debug file is installed for it\\), so the arguments of ints have no names: use arg0, arg1, \\.\\.\\.\$"
err_case err_uretprobe_args "uretprobe:$W/dwarf_args:ints { @ = args.a; }" \
	"ERROR: The args builtin cannot be used in uretprobe probes"
err_case err_cpp_missing "uprobe:$W/cpp_target:\"ns::nope(int)\" { }" \
	"function 'ns::nope\\(int\\)' not found in $W/cpp_target"
# a -p process that has exited but is not reaped yet (a zombie: its maps are empty)
python3 -c 'import os, sys, time
pid = os.fork()
if pid == 0:
    os._exit(0)
print(pid, flush=True)
time.sleep(5)' >"$tmp/zpid" & zp=$!
n=0
until [ -s "$tmp/zpid" ] || [ $n -ge 50 ]; do sleep 0.1; n=$((n + 1)); done
z=$(cat "$tmp/zpid")
sleep 0.2
err_case err_pid_exited "uprobe:add { }" "ERROR: process $z maps no executable file: has it exited\\? \\(uprobe:add\\)" -p "$z"
kill "$zp" 2>/dev/null
wait "$zp" 2>/dev/null

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
