#!/usr/bin/env bash
# tests/gen/run_gen.sh — the valid-program generator suite (issue 10: every valid program
# compiles and loads).
#
# Owns: running tests/gen/gen.py with fixed seeds against the load harness
# (build/asan/gen_load: parse, check, compile, load through the verifier, nothing attached)
# and the tracer (build/asan/bpfscript, for BEGIN programs it runs and checks), under the
# suite's sanitizer environment. --long runs the release build (make gen-long).
# Must not: pick seeds at random (a failure must reproduce) or hide a failing program:
# each one is a "not ok" line with its seed, index and text.
#
#   tests/gen/run_gen.sh                    make test's sample: 2 x 300 programs, ASan
#   tests/gen/run_gen.sh --long [--count N] [--seed S] [--jobs J]   release build
# Prints "ok X" / "not ok X: reason", then, as the last line, "N passed, N failed".
set -u
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh

LOAD=build/asan/gen_load
BIN=build/asan/bpfscript
COUNT=300
SEED=11,12
JOBS=2
LONG=
while [ $# -gt 0 ]; do
	case $1 in
	--long) LONG=--long; LOAD=build/rel/gen_load; BIN=./bpfscript; COUNT=100000; SEED=1 ;;
	--count) COUNT=$2; shift ;;
	--seed) SEED=$2; shift ;;
	--jobs) JOBS=$2; shift ;;
	*) echo "usage: $0 [--long] [--count N] [--seed S] [--jobs J]" >&2; exit 2 ;;
	esac
	shift
done
if ! ensure_tracefs; then
	echo "not ok gen: no tracefs at /sys/kernel/tracing"
	echo "0 passed, 1 failed"
	exit 1
fi
for f in "$LOAD" "$BIN" build/workloads/uprobe_target; do
	if [ ! -x "$f" ]; then
		echo "not ok gen: $f is missing (make test-build, or make gen-long)"
		echo "0 passed, 1 failed"
		exit 1
	fi
done
PROGRESS=()
if [ -n "$LONG" ]; then
	PROGRESS=(--progress 5000)
	# run from copies: a rebuild during the long run must not change the binaries
	tmp=$(mktemp -d /tmp/gen-long.XXXXXX)
	trap 'rm -rf "$tmp"' EXIT
	cp "$LOAD" "$tmp/gen_load" && cp "$BIN" "$tmp/bpfscript" || exit 2
	LOAD=$tmp/gen_load
	BIN=$tmp/bpfscript
fi
python3 tests/gen/gen.py --load "$LOAD" --bin "$BIN" --count "$COUNT" --seed "$SEED" \
	--jobs "$JOBS" $LONG "${PROGRESS[@]}"
