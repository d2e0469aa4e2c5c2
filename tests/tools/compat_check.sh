#!/usr/bin/env bash
# tests/tools/compat_check.sh — how bpftrace's published tools fare under bpfscript: the
# evidence behind COMPAT.md. Not a test suite (tests/run.sh does not run it; its results
# depend on the kernel and on which tools are installed).
#
# Owns: running each tool unmodified, first with --dry-run (parse, check, compile, resolve
# attach points), then for real for 2 s (SIGINT, then the maps print), and printing one
# line per tool: NAME  dry-run:ok|fail  run:ok|fail|-  first error line.
# Must not: change anything outside a temporary directory, or run a tool longer than ~3 s.
#
#   tests/tools/compat_check.sh [--bin PATH] [TOOL.bt ...]   default: /usr/sbin/*.bt
set -u
cd "$(dirname "$0")/../.." || exit 2
BIN=./bpfscript
if [ "${1:-}" = --bin ]; then
	BIN=$2
	shift 2
fi
tools=("$@")
[ ${#tools[@]} -eq 0 ] && tools=(/usr/sbin/*.bt)
tmp=$(mktemp -d /tmp/bpfscript-compat.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

for t in "${tools[@]}"; do
	name=$(basename "$t" .bt)
	dry=ok run=- why=''
	if ! timeout 30 "$BIN" --dry-run "$t" >"$tmp/out" 2>"$tmp/err"; then
		dry=fail
		why=$(grep -m1 -E 'ERROR' "$tmp/err")
	else
		timeout -s INT -k 3 2 "$BIN" "$t" >"$tmp/out" 2>"$tmp/err"
		rc=$?
		# 124 = stopped by our SIGINT after 2 s (still running: fine); 0 = ended by itself
		if [ $rc = 0 ] || [ $rc = 124 ] || [ $rc = 130 ]; then
			run=ok
		else
			run=fail
			why=$(grep -m1 -E 'ERROR' "$tmp/err")
		fi
	fi
	printf '%-16s dry-run:%-4s run:%-4s %s\n' "$name" "$dry" "$run" "$why"
done
