#!/usr/bin/env bash
# tests/tools/run_upstream_tools.sh — bpftrace's own tools, unmodified, read at test time
# from a bpftrace git mirror, at its HEAD and at tag v0.17.0.
#
# Owns: extracting tools/*.bt of both revisions from $BPFTRACE_MIRROR (a bare git
# directory) into a temporary directory; compiling each with --dry-run, where the tools
# COMPAT.md lists as needing what this machine lacks must fail with exactly their
# documented first error (so the test notices when they start compiling, or fail in
# another way); running every tool that attaches only to what this kernel has natively
# (tracepoints, uprobes, profile, interval, software) on its workload
# (tests/tools/upstream_cases.sh) and checking the facts read from its output; and
# running v0.17.0's through bpftrace 0.17 too, as the oracle of those facts.
# Must not: download anything (without the mirror every test says skip), copy bpftrace's
# text into the project, or trace anything but its own workloads' lines out of the
# machine-wide output.
#
#   BPFTRACE_MIRROR=/path/to/bpftrace.git tests/tools/run_upstream_tools.sh [--bin PATH] [NAME...]
#     NAME: a case (e.g. syscount) or a dry-run test (dry_head_capable); default: all
# Prints "ok X" / "not ok X: why" / "skip X: why" per test, then "N passed, N failed".
set -u
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh
. tests/tools/upstream_cases.sh

[ "${1:-}" = --bin ] && { BIN=$2; shift 2; }
sel=("$@")
suite_start upstream_tools
BPFTRACE=${BPFTRACE:-bpftrace}
skip() { echo "skip $1: $2"; }

REVS=(HEAD v0.17.0)
label_of() { if [ "$1" = HEAD ]; then echo head; else echo 0.17; fi; }

# What COMPAT.md says each tool that cannot compile here stops at: "REV:TOOL" or
# "any:TOOL" → the text after "ERROR: " on the first line of stderr.
declare -A DOC_ERR=(
	['any:dcsnoop']="no traceable kernel function matches lookup_fast.constprop.* (in 'kprobe:lookup_fast.constprop.*')"
	['any:loads']="interval:s:1: kaddr: Failed to resolve kernel symbol 'avenrun': it is not in /proc/kallsyms"
	['v0.17.0:ssllatency']="cannot probe uprobe:libcrypto:rsa_ossl_public_encrypt: function 'rsa_ossl_public_encrypt' not found in /lib/x86_64-linux-gnu/libcrypto.so.3"
	['v0.17.0:sslsnoop']="cannot probe uprobe:libcrypto:rsa_ossl_public_encrypt: function 'rsa_ossl_public_encrypt' not found in /lib/x86_64-linux-gnu/libcrypto.so.3"
	['v0.17.0:threadsnoop']="cannot probe uprobe:libpthread:pthread_create: function 'pthread_create' not found in /lib/x86_64-linux-gnu/libpthread.so.0"
	['v0.17.0:runqlen']="Struct/union of type 'struct cfs_rq' does not contain a field named 'nr_running'"
)
doc_err() { echo "${DOC_ERR[$1:$2]:-${DOC_ERR[any:$2]:-}}"; }

# Cases that run a tool with an option of its own, on top of the one case per tool.
declare -A VARIANT=([syscount_sysname]=syscount [opensnoop_errname]=opensnoop)
# Variants only exist where the tool has the option (current bpftrace's getopt()).
declare -A VARIANT_REVS=([syscount_sysname]=HEAD [opensnoop_errname]=HEAD)
# v0.17.0 tools bpftrace 0.17 itself cannot run here (the oracle skips them, saying why).
declare -A ORACLE_SKIP=(
	[runqlat]="bpftrace 0.17 reads <linux/sched.h> for it, which does not compile here ('__aligned_u64')"
	[tcpdrop]="bpftrace 0.17 needs kernel headers for it (definitions.h: 'net/sock.h' file not found)"
)

selected() { # selected NAME...: true if no NAME was given on the command line or one matches
	local s n
	[ ${#sel[@]} = 0 ] && return 0
	for s in "${sel[@]}"; do for n in "$@"; do [ "$s" = "$n" ] && return 0; done; done
	return 1
}

# ---- without a mirror: every test is a skip ------------------------------------------------
MIRROR=${BPFTRACE_MIRROR:-}
why=''
if [ -z "$MIRROR" ]; then
	why="BPFTRACE_MIRROR is not set (a bare git clone of github.com/bpftrace/bpftrace)"
elif ! git --git-dir="$MIRROR" rev-parse -q --verify 'HEAD^{commit}' >/dev/null 2>&1; then
	why="BPFTRACE_MIRROR=$MIRROR is not a git directory with a HEAD commit"
fi
if [ -n "$why" ]; then
	for rev in "${REVS[@]}"; do
		l=$(label_of "$rev")
		skip "dry_$l" "$why"
		for c in "${CASES[@]}" "${!VARIANT[@]}"; do
			[ "${VARIANT_REVS[$c]:-$rev}" = "$rev" ] && skip "run_${l}_$c" "$why"
		done
	done
	suite_end
	exit
fi

# ---- the workloads, under unique names -------------------------------------------------
U=u$$
W=$tmp/w
mkdir -p "$W"
for pair in getppid_loop:gpl open_names:open syscall_families:fam kill_child:kill \
	busy_loop:busy tcp_synretrans:syn /bin/true:true /usr/bin/getent:gai /bin/dd:dd \
	threads:thr /usr/bin/openssl:ssl; do
	src=${pair%%:*}
	[ "${src#/}" = "$src" ] && src=build/workloads/$src
	if [ ! -x "$src" ]; then
		fail workloads "$src is missing (make test-build)"
		suite_end
		exit
	fi
	cp "$src" "$W/$U${pair##*:}"
done

# Block I/O needs a file system on a block device: $tmp's, unless that is a tmpfs.
BIO_DIR=$tmp
if [ "$(stat -f -c %T "$tmp")" = tmpfs ]; then
	BIO_DIR=$(mktemp -d /var/tmp/bpfscript-upstream.XXXXXX)
	trap 'rm -rf "$tmp" "$BIO_DIR"' EXIT
fi
dev=$(stat -c '%Hd:%Ld' "$BIO_DIR")
[ -e "/sys/dev/block/$dev/partition" ] && dev=$(cat "/sys/dev/block/$dev/../dev")
BIO_DISK=${dev/:/ }
BIO_BDI=$(basename "$(readlink -f "/sys/dev/block/$dev/bdi" 2>/dev/null)")

# bswap() of a uint16 variable: 0 while variables are widened to 64 bits (case_tcpdrop).
BSWAP_VAR_BUG=0
[ "$("$BIN" -e 'BEGIN { $d = (uint16)0x1234; printf("%x\n", bswap($d)); exit(); }' 2>/dev/null |
	head -n 1)" = 0 ] && BSWAP_VAR_BUG=1

# The first line of a file, for messages.
first() { head -n 1 "$1" | cut -c1-300; }

# run_case NAME LABEL TRACER FILE FUNC [TESTNAME]: one case; pass/fail under TESTNAME.
run_case() {
	local name=$1 label=$2 tracer=$3 file=$4 func=$5 test=${6:-run_$2_$1}
	rm -f "$tmp/facts" "$tmp/want"
	if ! "$func" "$tracer" "$file" "$label"; then
		fail "$test" "$CASE_WHY"
		return
	fi
	if diff -q "$tmp/want" "$tmp/facts" >/dev/null 2>&1; then
		pass "$test"
	else
		fail "$test" "facts differ (--- expected, +++ read from the output)"
		diff -u "$tmp/want" "$tmp/facts" | tail -n +3 | head -20 | sed 's/^/    /'
		echo "    output:"
		grep -v '^$' "$tmp/out" | head -25 | sed 's/^/      /'
	fi
}

# A tool is native when it has no probe of a kind this kernel lacks or this machine
# cannot count (kprobes, fentry, raw tracepoints with BTF, USDT of other programs,
# hardware counters, watchpoints).
native() {
	! grep -Eq '^[[:space:]]*(kprobe|kretprobe|kfunc|kretfunc|fentry|fexit|rawtracepoint|usdt|hardware|watchpoint|asyncwatchpoint|iter):' "$1"
}

for rev in "${REVS[@]}"; do
	l=$(label_of "$rev")
	if ! git --git-dir="$MIRROR" rev-parse -q --verify "$rev^{commit}" >/dev/null 2>&1; then
		skip "dry_$l" "the mirror has no $rev"
		for c in "${CASES[@]}"; do skip "run_${l}_$c" "the mirror has no $rev"; done
		continue
	fi
	dir=$tmp/tools-$l
	mkdir -p "$dir"
	tools=()
	while IFS= read -r path; do
		t=$(basename "$path" .bt)
		git --git-dir="$MIRROR" show "$rev:$path" >"$dir/$t.bt" && tools+=("$t")
	done < <(git --git-dir="$MIRROR" ls-tree --name-only "$rev" tools/ | grep '\.bt$')
	echo "# $rev ($(git --git-dir="$MIRROR" rev-parse --short "$rev^{commit}")): ${#tools[@]} tools"

	# ---- every tool compiles, or fails exactly as documented ----
	ncompiled=0
	for t in "${tools[@]}"; do
		selected "dry_${l}_$t" || continue
		run_limited 60 "$tmp/dry.out" "$tmp/dry.err" "$BIN" --dry-run "$dir/$t.bt"
		doc=$(doc_err "$rev" "$t")
		got=$(grep -m1 'ERROR: ' "$tmp/dry.err" | sed 's/.*ERROR: //')
		if [ "$RL_TIMED_OUT" = 1 ] || has_sanitizer_report "$tmp/dry.err"; then
			fail "dry_${l}_$t" "timed out or sanitizer report: $(first "$tmp/dry.err")"
		elif [ -z "$doc" ] && [ "$RL_STATUS" = 0 ]; then
			pass "dry_${l}_$t"
			ncompiled=$((ncompiled + 1))
		elif [ -z "$doc" ]; then
			fail "dry_${l}_$t" "exit status $RL_STATUS: $(first "$tmp/dry.err")"
		elif [ "$RL_STATUS" = 0 ]; then
			fail "dry_${l}_$t" "compiles now, but COMPAT.md says it stops at: $doc (update COMPAT.md and DOC_ERR)"
		elif [ "$got" = "$doc" ]; then
			pass "dry_${l}_$t"
		else
			fail "dry_${l}_$t" "expected the documented error '$doc', got: $(first "$tmp/dry.err")"
		fi
	done
	[ ${#sel[@]} = 0 ] && echo "# $rev: $ncompiled of ${#tools[@]} compile"

	# ---- every native tool that compiles runs on its workload ----
	for t in "${tools[@]}"; do
		native "$dir/$t.bt" && [ -z "$(doc_err "$rev" "$t")" ] || continue
		selected "$t" "run_${l}_$t" || continue
		if ! declare -F "case_$t" >/dev/null; then
			fail "run_${l}_$t" "a native tool without a case in tests/tools/upstream_cases.sh"
		fi
	done
	for c in "${CASES[@]}" "${!VARIANT[@]}"; do
		t=${VARIANT[$c]:-$c}
		selected "$c" "run_${l}_$c" || continue
		if [ -n "${VARIANT_REVS[$c]:-}" ] && [ "${VARIANT_REVS[$c]}" != "$rev" ]; then
			continue
		fi
		if [ ! -f "$dir/$t.bt" ]; then
			skip "run_${l}_$c" "$rev has no tools/$t.bt"
			continue
		fi
		if ! native "$dir/$t.bt"; then
			skip "run_${l}_$c" "$rev's $t.bt has probes this kernel lacks (kprobes; tests/vm/guest_upstream.sh runs some kprobe tools)"
			continue
		elif [ -n "$(doc_err "$rev" "$t")" ]; then
			skip "run_${l}_$c" "$rev's $t.bt does not compile here (dry_${l}_$t, COMPAT.md)"
			continue
		fi
		run_case "$c" "$l" "$BIN" "$dir/$t.bt" "case_$c"
		[ "$rev" = v0.17.0 ] || continue
		if ! command -v "$BPFTRACE" >/dev/null; then
			skip "oracle_${l}_$c" "bpftrace (0.17, the oracle) is not installed"
		elif [ -n "${ORACLE_SKIP[$c]:-}" ]; then
			skip "oracle_${l}_$c" "${ORACLE_SKIP[$c]}"
		else
			run_case "$c" "$l" "$BPFTRACE" "$dir/$t.bt" "case_$c" "oracle_${l}_$c"
		fi
	done
done
suite_end
