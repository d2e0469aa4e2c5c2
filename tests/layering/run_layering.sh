#!/usr/bin/env bash
# tests/layering/run_layering.sh — layers point down only (issue 11): a ratchet on the
# include graph between the source directories.
#
# Owns: the layer order (common 0 < lexer 1 < parser 2 < sema 3 < codegen 4 < stdlib 5,
# whose builtin families plug in above sema and codegen, < runtime 6; main.c on top), the
# list of upward includes that exist today (tests/layering/known_upward.txt, each a debt
# with its reason), and failing on any upward include not on that list. A listed include
# that is gone is reported so the list shrinks with the debt.
# Must not: build anything. Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/../.." || exit 2
declare -A LEVEL=([common]=0 [lexer]=1 [parser]=2 [sema]=3 [codegen]=4 [stdlib]=5 [runtime]=6)
KNOWN=tests/layering/known_upward.txt
passed=0
failed=0
found=$(mktemp /tmp/bpfscript-layering.XXXXXX)
trap 'rm -f "$found"' EXIT

for d in "${!LEVEL[@]}"; do
	for f in "$d"/*.c "$d"/*.h; do
		[ -e "$f" ] || continue
		grep -o '^#include "[^"]*"' "$f" | sed 's/^#include "//; s/"$//' | while read -r inc; do
			case $inc in
			../*/*) tgt=${inc#../}; tgt=${tgt%%/*} ;;
			*/*) tgt=${inc%%/*} ;;
			*) continue ;; # same directory, or a generated header (build/gen)
			esac
			[ -n "${LEVEL[$tgt]:-}" ] || continue
			if [ "${LEVEL[$tgt]}" -gt "${LEVEL[$d]}" ]; then
				echo "$f -> $inc"
			fi
		done
	done
done | sort -u >"$found"

while read -r edge; do
	if grep -Fxq -- "$edge" <(grep -v '^#' "$KNOWN" | sed 's/ *#.*//'); then
		passed=$((passed + 1))
		echo "ok known upward include (a listed debt): $edge"
	else
		failed=$((failed + 1))
		echo "not ok new upward include: $edge (a lower layer must not include a higher one; see $KNOWN)"
	fi
done <"$found"
while read -r edge; do
	[ -z "$edge" ] && continue
	grep -Fxq -- "$edge" "$found" || echo "# gone, remove it from $KNOWN: $edge"
done < <(grep -v '^#' "$KNOWN" | sed 's/ *#.*//')
if [ ! -s "$KNOWN" ]; then
	failed=$((failed + 1))
	echo "not ok layering: $KNOWN is missing"
fi
echo "$passed passed, $failed failed"
[ $failed = 0 ]
