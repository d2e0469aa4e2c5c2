#!/usr/bin/env bash
# tests/layering/run_layering.sh — layers point down only (issue 11): a ratchet on the
# include graph between the source directories.
#
# Owns: the layer order (common 0 < lexer 1 < parser 2 < sema 3 < codegen 4 < stdlib 5,
# whose builtin families plug in above sema and codegen, < runtime 6; main.c on top), the
# list of upward includes that exist today (tests/layering/known_upward.txt, each a debt
# with its reason; none left), failing on any upward include not on that list, and
# failing on any upward call: a symbol an object of one layer uses that an object of a
# higher layer defines (nm over the built objects). A listed include that is gone is
# reported so the list shrinks with the debt.
# Includes are read from every .c, .h, .l (flex) and .y (bison) file of each layer. A bare
# "NAME.h" that is not next to the file is a header generated into build/gen, allowed
# only if GEN below gives it a layer: tokens.h, bison's header from parser/parser.y, is
# the lexer/parser token contract and sits at the lexer's level (the lexer includes it),
# so parser.y's `%code requires`/`%code provides` blocks, which bison copies into it, are
# checked at the lexer's level too, and so is the generated file itself once built.
# Must not: build anything. Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/../.." || exit 2
declare -A LEVEL=([common]=0 [lexer]=1 [parser]=2 [sema]=3 [codegen]=4 [stdlib]=5 [runtime]=6)
KNOWN=tests/layering/known_upward.txt
passed=0
failed=0
found=$(mktemp /tmp/bpfscript-layering.XXXXXX)
trap 'rm -f "$found"' EXIT

# Headers generated into build/gen (Makefile) and the layer each counts as.
declare -A GEN=([tokens.h]=lexer [lexer.h]=lexer)

# edges LABEL LAYER DIR: the upward includes among the #include lines on stdin, read as
# lines of file LABEL at LAYER whose sibling headers are in DIR.
edges() {
	local label=$1 layer=$2 dir=$3 inc tgt
	sed -n 's/^[ \t]*#[ \t]*include[ \t]*"\([^"]*\)".*/\1/p' | while read -r inc; do
		case $inc in
		../*/*) tgt=${inc#../}; tgt=${tgt%%/*} ;;
		*/*) tgt=${inc%%/*} ;;
		*)
			[ -e "$dir/$inc" ] && continue # same directory
			tgt=${GEN[$inc]:-}
			if [ -z "$tgt" ]; then
				echo "$label -> $inc (not a sibling nor a known generated header)"
				continue
			fi
			;;
		esac
		[ -n "${LEVEL[$tgt]:-}" ] || continue
		if [ "${LEVEL[$tgt]}" -gt "${LEVEL[$layer]}" ]; then
			echo "$label -> $inc"
		fi
	done
}

for d in "${!LEVEL[@]}"; do
	for f in "$d"/*.c "$d"/*.h "$d"/*.l "$d"/*.y; do
		[ -e "$f" ] || continue
		edges "$f" "$d" "$d" <"$f"
		case $f in
		*.y) # what bison copies into its header (build/gen/tokens.h): the lexer's level
			awk '/^%code[ \t]+(requires|provides)/ { on = 1; next } on && /^}/ { on = 0 } on' "$f" |
				edges "$f (%code requires/provides, in tokens.h)" "${GEN[tokens.h]}" "$d" ;;
		esac
	done
done | sort -u >"$found"
for g in "${!GEN[@]}"; do
	[ -e "build/gen/$g" ] && edges "build/gen/$g" "${GEN[$g]}" build/gen <"build/gen/$g"
done | sort -u >>"$found"

nfiles=$(for d in "${!LEVEL[@]}"; do ls "$d"/*.[chly] 2>/dev/null; done | wc -l)
if [ ! -s "$found" ]; then
	passed=$((passed + 1))
	echo "ok no upward include among $nfiles .c/.h/.l/.y files and the generated headers"
fi
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
# Calls, not only includes: a header moved down whose functions a higher layer defines
# would hide an upward dependency. Over the objects of the test build (build/asan, made
# by `make test-build` before tests/run.sh runs this; else the release build's), every
# symbol an object of one layer uses must not be defined by an object of a higher layer.
# flex and bison output count as the lexer's and the parser's.
objdir=
for o in build/asan build/rel; do
	[ -e "$o/common/diag.o" ] && { objdir=$o; break; }
done
if [ -z "$objdir" ]; then
	echo "# no objects in build/asan or build/rel (make test-build): the call check did not run"
else
	objs=()
	for d in "${!LEVEL[@]}"; do
		for f in "$d"/*.c; do
			[ -e "$objdir/${f%.c}.o" ] && objs+=("$objdir/${f%.c}.o")
		done
	done
	for g in lexer parser; do
		[ -e "$objdir/gen/$g.o" ] && objs+=("$objdir/gen/$g.o")
	done
	levels=$(for d in "${!LEVEL[@]}"; do echo "$d ${LEVEL[$d]}"; done)
	upcalls=$(nm -A "${objs[@]}" 2>/dev/null | awk -v objdir="$objdir/" -v levels="$levels" '
		BEGIN { n = split(levels, l, "\n"); for (i = 1; i <= n; i++) { split(l[i], p, " "); lv[p[1]] = p[2] } }
		{
			f = $1; sub(/:.*/, "", f); sub("^" objdir, "", f)
			d = f; sub(/\/.*/, "", d)
			if (d == "gen") d = (f ~ /lexer/) ? "lexer" : "parser"
			if ($2 == "U") { use[NR] = f; usym[NR] = $3; ulv[NR] = lv[d] }
			else if (NF == 3 && $2 ~ /^[TDBRCW]$/) { def[$3] = f; dlv[$3] = lv[d] }
		}
		END {
			for (i in use)
				if (usym[i] in def && dlv[usym[i]] > ulv[i])
					print use[i] " calls " usym[i] " (" def[usym[i]] ")"
		}' | sort -u)
	if [ -n "$upcalls" ]; then
		while read -r c; do
			failed=$((failed + 1))
			echo "not ok upward call: $c (a lower layer must not call a higher one)"
		done <<<"$upcalls"
	else
		passed=$((passed + 1))
		echo "ok no upward call among ${#objs[@]} objects of $objdir"
	fi
fi
if [ ! -s "$KNOWN" ]; then
	failed=$((failed + 1))
	echo "not ok layering: $KNOWN is missing"
fi
echo "$passed passed, $failed failed"
[ $failed = 0 ]
