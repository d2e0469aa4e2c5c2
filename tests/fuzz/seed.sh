#!/usr/bin/env bash
# tests/fuzz/seed.sh DIR — fill DIR with one file per script in the tree: scripts/*.bt,
# tests/**/*.bt and the PROG block of every tests/e2e/*.test (and tests/vm/*.test).
# Owns: corpus seeding only. Must not: run anything or touch the kernel.
set -u
cd "$(dirname "$0")/../.." || exit 2
dir=$1
mkdir -p "$dir"
n=0
while IFS= read -r -d '' f; do
	cp "$f" "$dir/seed-$(echo "$f" | tr '/' '_')"
	n=$((n + 1))
done < <(find scripts tests -name '*.bt' -print0 2>/dev/null)
for t in tests/e2e/*.test tests/vm/*.test; do
	[ -f "$t" ] || continue
	# PROG runs from its line to the next directive line.
	awk '/^PROG( |$)/ { on = 1; sub(/^PROG ?/, ""); print; next }
	     /^(NAME|PROG|FILE|ARGS|PARAMS|ENV|EXPECT|EXPECT_REGEX|EXPECT_STDERR_REGEX|EXPECT_FILE|EXIT|TIMEOUT|SIGINT_WHEN|NO_ORACLE|REQUIRES|SETUP|CLEANUP)( |$)/ { on = 0 }
	     on { print }' "$t" >"$dir/seed-prog-$(basename "$t" .test)"
	[ -s "$dir/seed-prog-$(basename "$t" .test)" ] || rm -f "$dir/seed-prog-$(basename "$t" .test)"
	n=$((n + 1))
done
echo "$n"
