#!/usr/bin/env bash
# tests/cli/run_cli.sh — the command line as bpftrace users type it.
#
# Owns: cases that are about argv and files rather than a script's output: options after
# the script file, `-` reading the program from stdin, -p validation, a missing script,
# #include of a missing header, --include and -I, --info (every line measured, checked
# against the kernel's own facts here), -l pattern validation, -k given three times.
# Each case runs build/asan/bpfscript and compares exit status and exact output.
# Must not: trace anything but BEGIN/END probes and its own -c children.
# Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh

suite_start cli


# expect NAME STATUS WANT_STDOUT WANT_STDERR -- CMD...: runs CMD (stdin from $STDIN or
# /dev/null); WANT_* are exact, or "*" for anything, or "~REGEX" for a line matching.
expect() {
	local name=$1 want_st=$2 want_out=$3 want_err=$4 why=''
	shift 5
	timeout -s KILL 60 "$@" <"${STDIN:-/dev/null}" >"$tmp/out" 2>"$tmp/err"
	local st=$?
	if [ "$st" != "$want_st" ]; then
		why="exit status $st, expected $want_st; stderr: $(head -c 300 "$tmp/err")"
	elif has_sanitizer_report "$tmp/err"; then
		why="sanitizer report"
	fi
	for pair in "out:$want_out" "err:$want_err"; do
		local which=${pair%%:*} want=${pair#*:}
		[ -n "$why" ] && break
		case $want in
		'*') ;;
		'~'*) grep -Eq -- "${want#\~}" "$tmp/$which" ||
			why="std$which has no line matching /${want#\~}/: $(head -c 300 "$tmp/$which")" ;;
		*) [ "$(cat "$tmp/$which")" = "$want" ] ||
			why="std$which was: $(head -c 300 "$tmp/$which" | tr '\n' '|')" ;;
		esac
	done
	if [ -n "$why" ]; then fail "$name" "$why"; else pass "$name"; fi
}

printf 'BEGIN { printf("%%s %%d\\n", str($1), $#); exit(); }\n' >"$tmp/args.bt"
printf 'BEGIN { printf("hello from stdin\\n"); exit(); }\n' >"$tmp/hello.bt"

# options anywhere before `--`, as bpftrace's getopt takes them
printf 'BEGIN { printf("cpid %%s\\n", cpid > 0 ? "ok" : "zero"); exit(); }\n' >"$tmp/cpid.bt"
expect options_after_script 0 'cpid ok' '' -- "$BIN" "$tmp/cpid.bt" -q -c 'build/workloads/getppid_loop 1'
expect positional_after_dashdash 0 'hello 2' '' -- "$BIN" "$tmp/args.bt" -q -- hello -5
expect positional_mixed_with_options 0 'hello 1' '' -- "$BIN" "$tmp/args.bt" hello -q

# `-`: the program from standard input
STDIN="$tmp/hello.bt" expect program_from_stdin 0 'hello from stdin' '' -- "$BIN" -q -
STDIN="$tmp/args.bt" expect program_from_stdin_params 0 'x 1' '' -- "$BIN" -q - x

# -p: bpftrace's checks and words
expect pid_not_decimal 1 '' "ERROR: pid 'a1111' is not a valid decimal number" -- "$BIN" -p a1111 x.bt
expect pid_not_decimal_inside 1 '' "ERROR: pid '111a1' is not a valid decimal number" -- "$BIN" -p 111a1 x.bt
expect pid_out_of_range 1 '' "ERROR: pid '5000000' out of valid pid range [1,4194304]" -- "$BIN" -p 5000000 x.bt
expect pid_zero 1 '' "ERROR: pid '0' out of valid pid range [1,4194304]" -- "$BIN" -p 0 x.bt

expect missing_script 1 '' "ERROR: failed to open file '$tmp/none.bt': No such file or directory" -- "$BIN" "$tmp/none.bt"

# #include: a header found nowhere is an error at its line; kernel-tree headers that no
# package installs are satisfied by BTF; -I and --include
expect include_missing 1 '' "$(printf 'stdin:1:1: ERROR: #include <lol/no.h>: file not found (searched -I directories, /usr/local/include, /usr/include)\n#include <lol/no.h>\n^~~~~~~~~~~~~~~~~~~')" -- \
	"$BIN" --dry-run -e "$(printf '#include <lol/no.h>\nBEGIN { exit(); }')"
expect include_found 0 '' '' -- \
	"$BIN" --dry-run -e "$(printf '#include <errno.h>\n#include <linux/sched.h>\n#include <net/sock.h>\nBEGIN { exit(); }')"
mkdir -p "$tmp/inc/my"
: >"$tmp/inc/my/own.h"
expect include_dir_option 0 '' '' -- \
	"$BIN" --dry-run -I "$tmp/inc" -e "$(printf '#include <my/own.h>\nBEGIN { exit(); }')"
expect include_dir_missing 1 '' '~file not found' -- \
	"$BIN" --dry-run -e "$(printf '#include <my/own.h>\nBEGIN { exit(); }')"
printf '#include "inc/my/own.h"\nBEGIN { exit(); }\n' >"$tmp/quoted.bt"
expect include_quoted_next_to_script 0 '' '' -- "$BIN" --dry-run "$tmp/quoted.bt"
expect include_option 0 '' '' -- "$BIN" --dry-run --include errno.h -e 'BEGIN { exit(); }'
expect include_option_missing 1 '' '~^ERROR: --include lol/no.h: file not found' -- \
	"$BIN" --dry-run --include lol/no.h -e 'BEGIN { exit(); }'

# -l: a pattern with a character no probe name holds
expect list_invalid_character 1 '' "ERROR: invalid character '\\' in the probe pattern '\\n'" -- "$BIN" -l '\n'
expect k_three_times 1 '' 'ERROR: -k may be given at most twice (-kk)' -- "$BIN" -kkk -e 'BEGIN { exit(); }'

# --info: every section, and the facts checked against the machine
"$BIN" --info >"$tmp/info" 2>"$tmp/info.err"
st=$?
why=''
[ "$st" = 0 ] || why="exit status $st"
for sec in System Build 'Kernel helpers' 'Kernel features' 'Map types' 'Probe types'; do
	[ -z "$why" ] && ! grep -qx "$sec" "$tmp/info" && why="no '$sec' section"
done
want_btf=no
[ -r /sys/kernel/btf/vmlinux ] && want_btf=yes
want_kprobe=no
{ [ -e /sys/bus/event_source/devices/kprobe/type ] || [ -w /sys/kernel/tracing/kprobe_events ]; } && want_kprobe=maybe
[ -z "$why" ] && ! grep -qx "  btf: $want_btf" "$tmp/info" && why="btf line is not '$want_btf'"
[ -z "$why" ] && [ $want_kprobe = no ] && grep -q '^  kprobe: yes' "$tmp/info" &&
	! grep -q '^  kfunc: yes' "$tmp/info" && why="says kprobe: yes on a kernel without kprobes or fentry"
[ -z "$why" ] && ! grep -qx "  version: bpfscript v$("$BIN" --version | sed 's/^bpfscript v//')" "$tmp/info" && why="version line differs from --version"
[ -z "$why" ] && ! grep -qx '  Loop support: yes' "$tmp/info" && why="no loop support on a 6.x kernel"
[ -z "$why" ] && ! grep -qx '  probe_read_kernel: yes' "$tmp/info" && why="probe_read_kernel not found on a 6.x kernel"
[ -z "$why" ] && has_sanitizer_report "$tmp/info.err" && why="sanitizer report"
if [ -n "$why" ]; then fail info_flag "$why"; else pass info_flag; fi

suite_end
