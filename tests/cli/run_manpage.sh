#!/usr/bin/env bash
# tests/cli/run_manpage.sh — bpfscript.8 and `bpfscript --help` describe the same options,
# the man page renders, and `make install` lays out binary, man page and tools.
#
# Owns: the drift check between the two option lists (every option --help shows has an
# entry in the man page's OPTIONS section, and every entry there is in --help), man(1)
# rendering the page without warnings, and a DESTDIR install into a temporary directory
# (binary, bpfscript.8, tools executable with a `#!/usr/bin/env bpfscript` line).
# Must not: install anything outside its temporary directory.
# Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh

suite_start man
ok() { echo "ok $1"; passed=$((passed + 1)); }
nok() { echo "not ok $1: $2"; failed=$((failed + 1)); }

# Options in --help: the first token(s) of each line of the OPTIONS block ("-e", "-h,
# --help", "--dump=ast", "--metrics").
"$BIN" --help >"$tmp/help" 2>&1
sed -n '/^OPTIONS:/,/^$/p' "$tmp/help" | grep -E '^    -' |
	sed -E 's/^    //; s/  .*//; s/ [^-].*//; s/, /\n/' | sort -u >"$tmp/help.opts"
# Options in the man page: the first line after each .TP in OPTIONS, up to the next .SH,
# skipping the nested format list (.RS ... .RE).
awk '/^\.SH OPTIONS/ { on = 1; next } /^\.SH/ { on = 0 } on' bpfscript.8 |
	awk '/^\.RS/ { skip = 1 } /^\.RE/ { skip = 0; next } !skip' |
	awk 'prev == ".TP" { print } { prev = $0 }' |
	sed -E 's/^\.B[IR]? //; s/\\-/-/g; s/"//g; s/ .*//; s/,$//' >"$tmp/man.raw"
# ".B \-h, \-\-help" and ".B \-V, \-\-version" name two options
awk '/^\.SH OPTIONS/ { on = 1; next } /^\.SH/ { on = 0 } on' bpfscript.8 |
	grep -E '^\.B \\-[hV], ' | sed -E 's/.*, //; s/\\-/-/g' >>"$tmp/man.raw"
sort -u "$tmp/man.raw" >"$tmp/man.opts"
if [ "$(wc -l <"$tmp/help.opts")" -lt 15 ]; then
	nok help_options_parsed "only $(wc -l <"$tmp/help.opts") options found in --help"
else
	ok "help_options_parsed ($(wc -l <"$tmp/help.opts") options)"
fi
only_help=$(comm -23 "$tmp/help.opts" "$tmp/man.opts" | tr '\n' ' ')
only_man=$(comm -13 "$tmp/help.opts" "$tmp/man.opts" | tr '\n' ' ')
if [ -z "$only_help" ]; then
	ok help_options_in_manpage
else
	nok help_options_in_manpage "in --help but not in bpfscript.8: $only_help"
fi
if [ -z "$only_man" ]; then
	ok manpage_options_in_help
else
	nok manpage_options_in_help "in bpfscript.8 but not in --help: $only_man"
fi
# every -f format of the man page is accepted, and --help names them all
for f in text json openmetrics prometheus folded; do
	if ! grep -q "$f" "$tmp/help"; then
		nok "format_$f" "--help does not name it"
	elif ! "$BIN" -f "$f" --dry-run -e 'BEGIN { exit(); }' >/dev/null 2>"$tmp/f.err"; then
		nok "format_$f" "$(head -1 "$tmp/f.err")"
	else
		ok "format_$f"
	fi
done

if command -v man >/dev/null; then
	if MANWIDTH=80 man --warnings -l bpfscript.8 >"$tmp/man.txt" 2>"$tmp/man.err" &&
		[ ! -s "$tmp/man.err" ] && grep -q 'METRICS' "$tmp/man.txt"; then
		ok manpage_renders
	else
		nok manpage_renders "$(head -3 "$tmp/man.err" | tr '\n' ' ')"
	fi
else
	ok "manpage_renders (skipped: no man here)"
fi

# make install DESTDIR=... (the release binary must exist: make bpfscript)
if [ -x bpfscript ] && make --no-print-directory -s install DESTDIR="$tmp/root" PREFIX=/usr \
	>"$tmp/inst.out" 2>&1; then
	r=$tmp/root/usr
	bad=""
	[ -x "$r/bin/bpfscript" ] || bad="$bad bin"
	[ -f "$r/share/man/man8/bpfscript.8" ] || bad="$bad man"
	n=0
	for t in scripts/*.bt; do
		f=$r/share/bpfscript/tools/$(basename "$t")
		{ [ -x "$f" ] && head -1 "$f" | grep -qx '#!/usr/bin/env bpfscript'; } || bad="$bad $t"
		n=$((n + 1))
	done
	if [ -z "$bad" ]; then
		ok "make_install (binary, man page, $n tools)"
	else
		nok make_install "missing or wrong:$bad"
	fi
else
	nok make_install "$(tail -3 "$tmp/inst.out" 2>/dev/null | tr '\n' ' ')"
fi

suite_end
