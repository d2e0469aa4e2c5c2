#!/bin/bash
# tests/vm/guest.sh — the kprobe/kretprobe tests, run inside the test VM (tests/vm/init.sh
# starts it from the repository root in a chroot of the host's root, shared read-only).
#
# Owns: every test that needs a kernel with kprobes: real numbers from workloads it starts
# (build/workloads/*), and after every way bpfscript can end (exit, SIGINT, SIGTERM,
# SIGKILL) the check that no kprobe, kprobe_events entry, BPF program or link of ours is
# left in the kernel. Reports one "@@VM ok NAME" / "@@VM not ok NAME: why" line per test
# (details as "@@VM # ..."), which tests/vm/run_vm.sh turns into the suite's result.
# Must not: write outside /tmp (the root is read-only), or trust bpfscript's own word that
# it cleaned up: the checks read tracefs, debugfs kprobes/list and the kernel's BPF ids.
#
#   tests/vm/guest.sh [TEST...]     default: every t_* function, in name order: with
#   VM_KERNEL=bpo (bookworm-backports' kernel, which has fprobes) the kprobe_multi ones
#   (tests/vm/guest_multi.sh's t_multi_* and t_kprobe_multi), else all but t_multi_*.
set -u
BT=${BPFSCRIPT:-./bpfscript}
OBJS=build/vm/bpf_objs
W=${WORKLOADS:-build/workloads}
TRACE=/sys/kernel/tracing
KLIST=/sys/kernel/debug/kprobes/list
KCONFIG=${VM_KCONFIG:-/boot/config-$(uname -r)}
T=$(mktemp -d /tmp/vmtest.XXXXXX)
# Run from the guest's tmpfs: every page fault on the 9p share is a round trip to the host,
# which made each start of the 46 MB static binary take ~5 s.
cp "$BT" "$T/bpfscript" && BT=$T/bpfscript
cp -r "$W" "$T/workloads" && W=$T/workloads

ok() { echo "@@VM ok $1"; }
not_ok() {
	local name=$1 f
	shift
	echo "@@VM not ok $name: $*"
	for f in "$T/$name.out" "$T/$name.err"; do
		[ -s "$f" ] && head -n 30 "$f" | sed "s|^|@@VM # $(basename "$f"): |"
	done
	return 0
}

# run NAME SECS ARGS...: bpfscript with a time limit; sets RC.
run() {
	local name=$1 secs=$2
	shift 2
	timeout -s INT -k 5 "$secs" "$BT" "$@" </dev/null >"$T/$name.out" 2>"$T/$name.err"
	RC=$?
}

has() { grep -Fxq -- "$2" "$T/$1.out"; }

# residue: what of ours the kernel still holds; empty when nothing. Kernel-side freeing of
# programs and links after a process dies is deferred, so wait up to 5 s for it.
residue() {
	local i r
	for i in $(seq 50); do
		r=''
		[ -s $TRACE/kprobe_events ] && r="$r kprobe_events: $(tr '\n' ';' <$TRACE/kprobe_events)"
		[ -s $KLIST ] && r="$r kprobes/list: $(tr '\n' ';' <$KLIST)"
		local objs
		objs=$($OBJS)
		[ "$objs" != "progs=0 links=0" ] && r="$r bpf: $objs"
		[ -z "$r" ] && return 0
		sleep 0.1
	done
	echo "$r"
}

# check NAME COND-TEXT: after a test, fail it if anything of ours is left.
clean_or_fail() {
	local r
	r=$(residue)
	[ -z "$r" ] && return 0
	not_ok "$1" "left behind:$r"
	return 1
}

# --- real numbers ---------------------------------------------------------------------

# One run, four tests: the read-latency one-liner's histogram, kretprobe retval, kprobe
# arg2 and func, against a workload doing 7 reads each of 1000 and 3000 bytes on fd 100
# (booting bpfscript under emulation costs seconds, so the checks share a run).
t_read_numbers() {
	local addr dec
	addr=$(awk '$3 == "vfs_read" && ($2 == "T" || $2 == "t") { print $1; exit }' /proc/kallsyms)
	dec=$(printf '%u' "$((16#$addr))")
	run read_numbers 60 -c "$W/read_sizes 7 1000 3000" -e '
kprobe:vfs_read /pid == cpid/ { @s[tid] = nsecs; @arg2[arg2] = count(); @efunc[func] = count(); }
kretprobe:vfs_read /@s[tid]/ { @ns = hist(nsecs - @s[tid]); delete(@s[tid]); @ret[retval] = count(); @rfunc[func] = count(); }
tracepoint:syscalls:sys_enter_read, tracepoint:syscalls:sys_enter_pread64 /pid == cpid/ { @calls = count(); }
tracepoint:syscalls:sys_enter_read /pid == cpid && args->fd == 100/ { @fd100 = count(); }'
	local f=$T/read_numbers.out
	if [ $RC != 0 ] || ! has read_numbers "@fd100: 14"; then
		not_ok read_numbers "exit status $RC, want @fd100: 14"
		return
	fi
	local calls sum bad
	calls=$(sed -n 's/^@calls: //p' "$f")
	# Every bucket line: "[lo, hi)   count |@@@   |"; their counts must add up to the
	# number of read/pread64 calls, each of which went through vfs_read exactly once.
	sum=$(awk '/^\[/ { n = $0; sub(/^[^)]*\)[ \t]*/, "", n); split(n, a, " "); s += a[1] } END { print s + 0 }' "$f")
	bad=$(awk '/^@ns:/ { on = 1; next } on && /^$/ { on = 0 } on && !/^\[[0-9]+[KMG]?, [0-9]+[KMG]?\) +[0-9]+ \|@* *\|$/' "$f")
	if [ -z "$calls" ] || [ "$calls" -lt 14 ] || [ "$sum" != "$calls" ]; then
		not_ok readlat_hist "histogram holds $sum reads, the tracepoints saw ${calls:-none}"
	elif [ -n "$bad" ]; then
		not_ok readlat_hist "malformed histogram line: $bad"
	else
		ok readlat_hist
	fi
	if has read_numbers "@ret[1000]: 7" && has read_numbers "@ret[3000]: 7"; then
		ok kretprobe_retval
	else
		not_ok kretprobe_retval "want @ret[1000]: 7 and @ret[3000]: 7"
	fi
	if has read_numbers "@arg2[1000]: 7" && has read_numbers "@arg2[3000]: 7"; then
		ok kprobe_arg2
	else
		not_ok kprobe_arg2 "want @arg2[1000]: 7 and @arg2[3000]: 7"
	fi
	# func: vfs_read's kallsyms address (or its name once func prints as a symbol), one
	# key, the same count on entry and return.
	local e r
	e=$(sed -nE "s/^@efunc\[($dec|vfs_read)\]: //p" "$f")
	r=$(sed -nE "s/^@rfunc\[($dec|vfs_read)\]: //p" "$f")
	if [ "$(grep -c '^@[er]func\[' "$f")" = 2 ] && [ -n "$e" ] && [ "$e" = "$calls" ] && [ "$r" = "$calls" ]; then
		ok kprobe_func
	else
		not_ok kprobe_func "want @efunc and @rfunc [vfs_read at $addr = $dec]: $calls"
	fi
	clean_or_fail read_numbers_clean && ok read_numbers_clean
}

# The getppid syscall's traceable function: __do_sys_getppid where the compiler made
# __x64_sys_getppid an alias of it (ftrace lists only one name per address).
getppid_fn() {
	grep -m1 -xE '(__do_sys|__x64_sys)_getppid' $TRACE/available_filter_functions
}

# A wildcard and FUNC+OFFSET in one run. The offset is past the 5-byte fentry call (plus a
# 4-byte endbr64 with IBT): the next instruction boundary.
t_wildcard_offset() {
	local n lines fn off=5
	grep -q '^CONFIG_X86_KERNEL_IBT=y' "$KCONFIG" 2>/dev/null && off=9
	fn=$(getppid_fn)
	n=$(grep -o '^[^ ]*sys_getp[^ ]*' $TRACE/available_filter_functions | sort -u | wc -l)
	run wildcard_offset 60 -c "$W/getppid_loop 1000" \
		-e "kprobe:*sys_getp* /pid == cpid/ { @[probe] = count(); } kprobe:$fn+$off /pid == cpid/ { @off[probe] = count(); }"
	local f=$T/wildcard_offset.out
	lines=$(grep -c '^@\[kprobe:[^]]*getppid\]: ' "$f")
	if [ $RC != 0 ]; then
		not_ok kprobe_wildcard "exit status $RC"
	elif [ "$lines" = 0 ] || [ "$(grep -c '^@\[kprobe:[^]]*getppid\]: 1000$' "$f")" != "$lines" ]; then
		not_ok kprobe_wildcard "want @[kprobe:...getppid]: 1000 for each getppid function hit"
	elif [ "$n" -lt 3 ] || ! grep -Fxq "Attaching $((n + 1)) probes..." "$T/wildcard_offset.err"; then
		not_ok kprobe_wildcard "want 'Attaching $((n + 1)) probes...' ($n traceable *sys_getp* + 1)"
	else
		ok kprobe_wildcard
	fi
	if has wildcard_offset "@off[kprobe:$fn+$off]: 1000"; then
		ok kprobe_offset
	else
		not_ok kprobe_offset "want @off[kprobe:$fn+$off]: 1000"
	fi
}

# scripts/vfsstat.bt unmodified (kprobe wildcards, func as a key, interval print/clear),
# against a -c child that makes 300 reads of fd 100 and then sleeps past two interval
# ticks. Every vfs_read in the VM counts, so the sum over the per-second blocks must be at
# least 300; each block is a time() line then "@[vfs_...]: N" lines.
t_tool_vfsstat() {
	run tool_vfsstat 90 -c "sh -c '$W/read_sizes 300 1000 && sleep 2.5'" scripts/vfsstat.bt
	local f=$T/tool_vfsstat.out sum blocks bad
	sum=$(awk '/^@\[vfs_read\]: / { s += $2 } END { print s + 0 }' "$f")
	blocks=$(grep -cE '^[0-9]{2}:[0-9]{2}:[0-9]{2}$' "$f")
	bad=$(grep -vE '^([0-9]{2}:[0-9]{2}:[0-9]{2}|@\[vfs_[a-z_0-9]+\]: [0-9]+|Tracing key VFS calls\.\.\. Hit Ctrl-C to end\.|)$' "$f" | head -3)
	if [ $RC != 0 ]; then
		not_ok tool_vfsstat "exit status $RC"
	elif ! grep -Fxq "Tracing key VFS calls... Hit Ctrl-C to end." "$f"; then
		not_ok tool_vfsstat "no BEGIN line"
	elif [ "$blocks" -lt 2 ] || [ "$sum" -lt 300 ]; then
		not_ok tool_vfsstat "want >= 2 per-second blocks and >= 300 vfs_read calls, got $blocks blocks, $sum calls"
	elif [ -n "$bad" ]; then
		not_ok tool_vfsstat "unexpected output line: $bad"
	else
		echo "@@VM # tool_vfsstat: $blocks blocks, $sum vfs_read calls counted for 300 made"
		ok tool_vfsstat
	fi
	clean_or_fail tool_vfsstat_clean && ok tool_vfsstat_clean
}

# Linux 6.1 has no uprobe_multi links: uprobes fall back to the uprobe PMU, counting the
# same, and leave nothing behind.
t_uprobe_fallback() {
	run uprobe_fallback 90 -v -c "$W/uprobe_target 40" \
		-e "uprobe:$W/uprobe_target:add /pid == cpid/ { @e = count(); } uretprobe:$W/uprobe_target:add /pid == cpid/ { @ret = sum(retval); }"
	if [ $RC != 0 ]; then
		not_ok uprobe_fallback "exit status $RC"
	elif ! grep -Fxq "uprobes attach through the uprobe PMU: the kernel has none (before Linux 6.6)" "$T/uprobe_fallback.err"; then
		not_ok uprobe_fallback "no fallback line on stderr"
	elif ! has uprobe_fallback "@e: 40" || ! has uprobe_fallback "@ret: 2340"; then
		not_ok uprobe_fallback "want @e: 40 and @ret: 2340"
	else
		ok uprobe_fallback
	fi
	clean_or_fail uprobe_fallback_clean && ok uprobe_fallback_clean
}

# More than 16 kprobes (17 vfs_* functions, vfs_read among them), so that attach.c closes
# their events in its background helper: nothing may be left after that either.
t_kprobe_many() {
	local fns list
	fns=$( (echo vfs_read; grep -o '^vfs_[a-z_]*' $TRACE/available_filter_functions | grep -vx vfs_read) |
		awk '!seen[$0]++' | head -n 17)
	list=$(echo "$fns" | sed 's/^/kprobe:/' | paste -sd, -)
	run kprobe_many 90 -c "$W/read_sizes 4 10" -e "$list /pid == cpid/ { @[probe] = count(); }"
	if [ $RC != 0 ]; then
		not_ok kprobe_many "exit status $RC"
	elif ! grep -Fxq "Attaching 17 probes..." "$T/kprobe_many.err"; then
		not_ok kprobe_many "want 'Attaching 17 probes...'"
	elif ! grep -Eq '^@\[kprobe:vfs_read\]: ([4-9]|[1-9][0-9]+)$' "$T/kprobe_many.out"; then
		not_ok kprobe_many "want @[kprobe:vfs_read] >= 4"
	else
		ok kprobe_many
	fi
	clean_or_fail kprobe_many_clean && ok kprobe_many_clean
}

# The tracefs kprobe_events path (for kernels without the kprobe PMU), forced.
t_legacy_retval() {
	BPFSCRIPT_KPROBE_ATTACH=legacy run legacy_retval 60 -c "$W/read_sizes 7 1000 3000" \
		-e 'kretprobe:vfs_read /pid == cpid/ { @[retval] = count(); } kprobe:vfs_read /pid == cpid/ { @a[arg2] = count(); }'
	if [ $RC != 0 ]; then
		not_ok legacy_retval "exit status $RC"
	elif ! has legacy_retval "@[1000]: 7" || ! has legacy_retval "@[3000]: 7" ||
		! has legacy_retval "@a[3000]: 7"; then
		not_ok legacy_retval "want @[1000]: 7, @[3000]: 7 and @a[3000]: 7"
	else
		ok legacy_retval
	fi
	clean_or_fail legacy_retval_clean && ok legacy_retval_clean
}

# --- kprobes as fentry/fexit programs (BPFSCRIPT_KPROBE_ATTACH=fentry) --------------------
# The path a kernel without kprobes but with BPF trampolines takes; forced here, where the
# kernel has both, so the same workloads give the same numbers.

# The read_numbers checks again through fentry/fexit: arg2 and args.count (BTF names),
# retval from fexit's context, func, and a struct walk from a pointer argument
# (args.file->f_path.dentry->d_name.name is "zero" for the workload's reads of /dev/zero).
t_fentry_numbers() {
	local addr dec f=$T/fentry_numbers.out
	addr=$(awk '$3 == "vfs_read" && ($2 == "T" || $2 == "t") { print $1; exit }' /proc/kallsyms)
	dec=$(printf '%u' "$((16#$addr))")
	BPFSCRIPT_KPROBE_ATTACH=fentry run fentry_numbers 60 -c "$W/read_sizes 7 1000 3000" -e '
kprobe:vfs_read /pid == cpid/ { @s[tid] = 1; @arg2[arg2] = count(); @cnt[args.count] = count(); @efunc[func] = count(); }
kprobe:vfs_read /pid == cpid && (args->count == 1000 || args->count == 3000)/ { @name[str(args.file->f_path.dentry->d_name.name)] = count(); }
kretprobe:vfs_read /@s[tid]/ { delete(@s[tid]); @ret[retval] = count(); @rfunc[func] = count(); }
tracepoint:syscalls:sys_enter_read, tracepoint:syscalls:sys_enter_pread64 /pid == cpid/ { @calls = count(); }'
	local calls e r
	calls=$(sed -n 's/^@calls: //p' "$f")
	e=$(sed -nE "s/^@efunc\[($dec|vfs_read)\]: //p" "$f")
	r=$(sed -nE "s/^@rfunc\[($dec|vfs_read)\]: //p" "$f")
	if [ $RC != 0 ]; then
		not_ok fentry_numbers "exit status $RC"
		return
	fi
	if has fentry_numbers "@arg2[1000]: 7" && has fentry_numbers "@arg2[3000]: 7" &&
		has fentry_numbers "@cnt[1000]: 7" && has fentry_numbers "@cnt[3000]: 7"; then
		ok fentry_args
	else
		not_ok fentry_args "want @arg2 and @cnt (args.count) [1000]: 7 and [3000]: 7"
	fi
	if has fentry_numbers "@ret[1000]: 7" && has fentry_numbers "@ret[3000]: 7"; then
		ok fexit_retval
	else
		not_ok fexit_retval "want @ret[1000]: 7 and @ret[3000]: 7"
	fi
	if [ -n "$calls" ] && [ "$calls" -ge 14 ] && [ "$e" = "$calls" ] && [ "$r" = "$calls" ]; then
		ok fentry_func
	else
		not_ok fentry_func "want @efunc and @rfunc [vfs_read at $addr = $dec]: ${calls:-?} (the tracepoints' count)"
	fi
	if has fentry_numbers "@name[zero]: 14" && [ "$(grep -c '^@name\[' "$f")" = 1 ]; then
		ok fentry_args_struct
	else
		not_ok fentry_args_struct "want only @name[zero]: 14"
	fi
	clean_or_fail fentry_numbers_clean && ok fentry_numbers_clean
}

# args on real kprobes (pt_regs): the same BTF names and struct walk.
t_kprobe_args() {
	run kprobe_args 60 -c "$W/read_sizes 5 100 2000" -e '
kprobe:vfs_read /pid == cpid/ { @cnt[args->count] = count(); @same[args.count == arg2] = count(); }
kprobe:vfs_read /pid == cpid && (args.count == 100 || args.count == 2000)/ { @name[str(args.file->f_path.dentry->d_name.name)] = count(); }'
	if [ $RC != 0 ]; then
		not_ok kprobe_args "exit status $RC"
	elif ! has kprobe_args "@cnt[100]: 5" || ! has kprobe_args "@cnt[2000]: 5" ||
		! has kprobe_args "@name[zero]: 10" || grep -q '^@same\[0\]' "$T/kprobe_args.out"; then
		not_ok kprobe_args "want @cnt[100]: 5, @cnt[2000]: 5, @name[zero]: 10 and no @same[0]"
	else
		ok kprobe_args
	fi
}

# usermode in kprobes and kretprobes (stdlib/builtin_task.c): the saved code segment of
# pt_regs says kernel mode, 0, for every one of the workload's reads, entry and return
# alike; the read/pread64 tracepoints count the reads, each of which goes through vfs_read.
t_kprobe_usermode() {
	run kprobe_usermode 60 -c "$W/read_sizes 5 100 2000" -e '
kprobe:vfs_read /pid == cpid/ { @k[usermode] = count(); }
kretprobe:vfs_read /pid == cpid/ { @r[usermode()] = count(); }
tracepoint:syscalls:sys_enter_read, tracepoint:syscalls:sys_enter_pread64 /pid == cpid/ { @calls = count(); }'
	local calls
	calls=$(sed -n 's/^@calls: //p' "$T/kprobe_usermode.out")
	if [ $RC != 0 ] || [ -z "$calls" ] || [ "$calls" -lt 10 ]; then
		not_ok kprobe_usermode "exit status $RC, @calls: ${calls:-none} (want at least 10)"
	elif ! has kprobe_usermode "@k[0]: $calls" || ! has kprobe_usermode "@r[0]: $calls" ||
		grep -q '^@[kr]\[1\]' "$T/kprobe_usermode.out"; then
		not_ok kprobe_usermode "want @k[0]: $calls and @r[0]: $calls, no usermode 1"
	else
		ok kprobe_usermode
	fi
}

# A wildcard through fentry: every getppid function BTF describes counts the workload's
# 1000 calls; -v names any match skipped for having no BTF.
t_fentry_wildcard() {
	local lines
	BPFSCRIPT_KPROBE_ATTACH=fentry run fentry_wildcard 60 -v -c "$W/getppid_loop 1000" \
		-e 'kprobe:*sys_getp* /pid == cpid/ { @[probe] = count(); } kretprobe:*sys_getppid /pid == cpid/ { @r[probe, retval > 0] = count(); }'
	local f=$T/fentry_wildcard.out
	lines=$(grep -c '^@\[kprobe:[^]]*getppid\]: ' "$f")
	if [ $RC != 0 ]; then
		not_ok fentry_wildcard "exit status $RC"
	elif [ "$lines" = 0 ] || [ "$(grep -c '^@\[kprobe:[^]]*getppid\]: 1000$' "$f")" != "$lines" ]; then
		not_ok fentry_wildcard "want @[kprobe:...getppid]: 1000 for each getppid function hit"
	elif ! grep -Eq '^@r\[kretprobe:[^,]*getppid, 1\]: 1000$' "$f"; then
		not_ok fentry_wildcard "want @r[kretprobe:...getppid, 1]: 1000 (fexit retval = the parent pid)"
	else
		ok fentry_wildcard
	fi
	clean_or_fail fentry_wildcard_clean && ok fentry_wildcard_clean
}

# kfunc:/kretfunc: (fentry:/fexit:) always run as fentry/fexit, here next to real kprobes:
# args in both, retval typed from BTF (ssize_t), probe names as bpftrace 0.17 prints them.
t_kfunc_aliases() {
	run kfunc_aliases 60 -c "$W/read_sizes 3 700 1500" -e '
kfunc:vfs_read /pid == cpid/ { @e[probe, args.count] = count(); }
fexit:vfs_read /pid == cpid/ { @x[probe, args.count, retval] = count(); }
kprobe:vfs_read /pid == cpid/ { @k[probe, arg2] = count(); }'
	if [ $RC != 0 ]; then
		not_ok kfunc_aliases "exit status $RC"
	elif ! has kfunc_aliases "@e[kfunc:vfs_read, 700]: 3" || ! has kfunc_aliases "@e[kfunc:vfs_read, 1500]: 3" ||
		! has kfunc_aliases "@x[kretfunc:vfs_read, 700, 700]: 3" || ! has kfunc_aliases "@x[kretfunc:vfs_read, 1500, 1500]: 3" ||
		! has kfunc_aliases "@k[kprobe:vfs_read, 1500]: 3"; then
		not_ok kfunc_aliases "want @e[kfunc:vfs_read, 700|1500]: 3, @x[kretfunc:vfs_read, N, N]: 3, @k[kprobe:vfs_read, 1500]: 3"
	else
		ok kfunc_aliases
	fi
	clean_or_fail kfunc_aliases_clean && ok kfunc_aliases_clean
}

# What fentry cannot do is refused before anything is loaded, one sentence each.
t_fentry_refusals() {
	BPFSCRIPT_KPROBE_ATTACH=fentry run fentry_argn 60 -e 'kprobe:vfs_read { @ = arg4; }'
	if [ $RC = 0 ]; then
		not_ok fentry_arg_range "exit status 0"
	elif ! grep -Fq "ERROR: kprobe:vfs_read: arg4 is out of range: vfs_read takes 4 arguments (arg0..arg3) in the kernel's BTF, and kprobes run as fentry programs here can read only those" "$T/fentry_argn.err"; then
		not_ok fentry_arg_range "want the arg4 out-of-range sentence"
	else
		clean_or_fail fentry_arg_range && ok fentry_arg_range
	fi
	BPFSCRIPT_KPROBE_ATTACH=fentry run fentry_offset 60 -e 'kprobe:vfs_read+4 { @ = count(); }'
	if [ $RC = 0 ]; then
		not_ok fentry_offset "exit status 0"
	elif ! grep -Fxq "ERROR: kprobe:vfs_read+4: BPFSCRIPT_KPROBE_ATTACH=fentry, so kprobes run as fentry programs, which can attach only at a function's entry, not at an offset" "$T/fentry_offset.err"; then
		not_ok fentry_offset "want the offset sentence"
	else
		clean_or_fail fentry_offset && ok fentry_offset
	fi
}

# --- nothing left after each way of ending ------------------------------------------------

# stop_test NAME SIGNAL [legacy|fentry]: start a long trace, wait until the kernel shows it
# attached, send SIGNAL, then check the exit and that nothing of ours remains.
stop_test() {
	local name=$1 sig=$2 mode=${3:-pmu} pid i attached=0
	BPFSCRIPT_KPROBE_ATTACH=$mode "$BT" \
		-e 'kprobe:vfs_read { @r = count(); } kretprobe:vfs_read { @ret = count(); }' \
		</dev/null >"$T/$name.out" 2>"$T/$name.err" &
	pid=$!
	for i in $(seq 300); do
		# registered and enabled (legacy entries are registered disabled first); fentry:
		# both programs linked (no kprobe shows up in kprobes/list then)
		if [ "$mode" = fentry ]; then
			if [ "$($OBJS)" = "progs=2 links=2" ] && grep -q 'Attaching' "$T/$name.err"; then
				attached=1
				break
			fi
		elif [ "$(grep -v DISABLED $KLIST 2>/dev/null | grep -c 'vfs_read')" -ge 2 ]; then
			attached=1
			break
		fi
		sleep 0.1
	done
	if [ $attached = 0 ]; then
		kill -KILL $pid 2>/dev/null
		wait $pid 2>/dev/null
		not_ok "$name" "the probes never showed up ($KLIST; fentry: $($OBJS))"
		return
	fi
	if [ "$mode" = legacy ] && ! grep -q "bpfscript_$pid/" $TRACE/kprobe_events; then
		kill -KILL $pid 2>/dev/null
		wait $pid 2>/dev/null
		not_ok "$name" "no bpfscript_$pid entry in kprobe_events while attached"
		return
	fi
	sleep 0.3 # some reads to count (our own polling of /proc does them)
	kill -"$sig" $pid
	{ wait $pid; } 2>/dev/null
	local rc=$?
	if [ "$sig" = KILL ]; then
		[ $rc = 137 ] || { not_ok "$name" "exit status $rc after SIGKILL"; return; }
		if [ "$mode" = legacy ]; then
			# A killed process cannot remove its tracefs entries; the next run does.
			grep -q "bpfscript_$pid/" $TRACE/kprobe_events ||
				{ not_ok "$name" "expected the killed run's kprobe_events entry"; return; }
			BPFSCRIPT_KPROBE_ATTACH=legacy run "${name}_next" 60 -c "$W/read_sizes 1 1" -e 'kprobe:vfs_read { @ = count(); }'
			[ $RC = 0 ] || { not_ok "${name}_next" "the next run failed: $RC"; return; }
		fi
	else
		[ $rc = 0 ] || { not_ok "$name" "exit status $rc after SIG$sig"; return; }
		grep -Eq '^@r: [1-9][0-9]*$' "$T/$name.out" ||
			{ not_ok "$name" "maps not printed after SIG$sig"; return; }
	fi
	clean_or_fail "$name" && ok "$name"
}

t_stop_sigint() { stop_test stop_sigint INT; }
t_stop_sigterm() { stop_test stop_sigterm TERM; }
t_stop_sigkill() { stop_test stop_sigkill KILL; }
# SIGTERM takes the same path as SIGINT (session.c), so legacy mode checks INT and KILL.
t_stop_legacy_sigint() { stop_test stop_legacy_sigint INT legacy; }
t_stop_legacy_sigkill() { stop_test stop_legacy_sigkill KILL legacy; }
t_stop_fentry_sigint() { stop_test stop_fentry_sigint INT fentry; }
t_stop_fentry_sigkill() { stop_test stop_fentry_sigkill KILL fentry; }

# An attach the kernel refuses (offset inside an instruction) must fail with one sentence
# and leave nothing: the earlier points of the same run are detached too.
t_refused_offset() {
	local fn
	fn=$(getppid_fn)
	run refused_offset 60 -e "kprobe:vfs_read { @a = count(); } kprobe:$fn+1 { @b = count(); }"
	if [ $RC = 0 ]; then
		not_ok refused_offset "exit status 0"
	elif ! grep -q "^ERROR: cannot attach probe kprobe:$fn+1: " "$T/refused_offset.err"; then
		not_ok refused_offset "want 'ERROR: cannot attach probe kprobe:$fn+1: ...'"
	else
		clean_or_fail refused_offset && ok refused_offset
	fi
}

# --- kprobe_multi and module kprobes --------------------------------------------------------

# A wildcard's matches share one program and one kprobe_multi link (-v says so) where the
# kernel has fprobes (CONFIG_FPROBE; Debian's 6.1 has not: then -v says it falls back), and
# count exactly what one perf event per function counts (BPFSCRIPT_KPROBE_MULTI=0).
t_kprobe_multi() {
	local m want
	for m in 1 0; do
		BPFSCRIPT_KPROBE_MULTI=$m run kprobe_multi_$m 60 -v -c "$W/read_sizes 3 700 1500" -e '
kprobe:vfs_rea* /pid == cpid/ { @e[probe, func] = count(); }
kretprobe:vfs_rea* /pid == cpid/ { @r[probe] = count(); }'
	done
	want="kprobe wildcards attach one perf event per function (this kernel refuses kprobe_multi links)"
	grep -q '^CONFIG_FPROBE=y' "$KCONFIG" 2>/dev/null &&
		want="kprobe wildcards attach through kprobe_multi links"
	local f=$T/kprobe_multi_1
	if [ $RC != 0 ]; then
		not_ok kprobe_multi "exit status $RC (per-function run)"
	elif ! grep -Fxq "$want" "$f.err"; then
		not_ok kprobe_multi_1 "want -v's '$want'"
	elif ! grep -Eq '^@e\[kprobe:vfs_read, vfs_read\]: ([6-9]|[1-9][0-9]+)$' "$f.out" ||
		! grep -Eq '^@r\[kretprobe:vfs_read\]: ([6-9]|[1-9][0-9]+)$' "$f.out"; then
		not_ok kprobe_multi_1 "want @e[kprobe:vfs_read, vfs_read] and @r[kretprobe:vfs_read] >= 6"
	elif ! cmp -s "$f.out" "$T/kprobe_multi_0.out"; then
		not_ok kprobe_multi "the output differs from one perf event per function: $(diff "$f.out" "$T/kprobe_multi_0.out" | head -5 | tr '\n' ' ')"
	else
		ok kprobe_multi
	fi
	clean_or_fail kprobe_multi_clean && ok kprobe_multi_clean
}

# kprobe:MODULE:FUNC: the 9p client module serves every file read of this VM's root.
t_kprobe_module() {
	run kprobe_module 60 -c "$W/read_sizes 2 10" -e 'kprobe:9pnet:p9_client_rpc,kprobe:9pnet:p9_client_read* { @[probe] = count(); } END { printf("%s\n", probe); }'
	if [ $RC != 0 ]; then
		not_ok kprobe_module "exit status $RC"
	elif ! grep -Eq '^@\[kprobe:9pnet:p9_client_(rpc|read[a-z_]*)\]: [1-9][0-9]*$' "$T/kprobe_module.out"; then
		not_ok kprobe_module "want @[kprobe:9pnet:p9_client_...] counts"
	else
		ok kprobe_module
	fi
	run kprobe_module_missing 60 -e 'kprobe:no_such_module:vfs_read { }'
	if [ $RC = 0 ] || ! grep -Fq "ERROR: kprobe probe type requires 1 argument (kprobe:FUNCTION), or 2 for a module's function (kprobe:MODULE:FUNCTION), and no module 'no_such_module' is loaded" "$T/kprobe_module_missing.err"; then
		not_ok kprobe_module_missing "want the no-such-module sentence (exit $RC)"
	else
		ok kprobe_module_missing
	fi
	run kprobe_module_nofunc 60 -e 'kprobe:9pnet:no_such_function { }'
	if [ $RC = 0 ] || ! grep -Fq "ERROR: kernel function not found: no_such_function in module 9pnet" "$T/kprobe_module_nofunc.err"; then
		not_ok kprobe_module_nofunc "want the function-not-in-module sentence (exit $RC)"
	else
		ok kprobe_module_nofunc
	fi
	clean_or_fail kprobe_module_clean && ok kprobe_module_clean
}

# t_kprobe_multi_bench (not a test, never run by default: tests/vm/run_vm.sh [--kernel bpo]
# kprobe_multi_bench): ready and exit time of bpfscript (kprobe_multi where the kernel has
# it), bpfscript with one perf event per function, and bpftrace 0.17, interleaved in one
# boot, for a small and a 200+ function wildcard (vfs_* and __x64_sys_* on Debian's 6.1,
# vfs_* and tcp_* on the backports kernel). BENCH_ROUNDS (default 3) rounds.
bench_one() { # NAME CMD...: prints "ready_ms exit_ms", or "not ready after N ms"
	local name=$1 t0 t1 t2 pid ready=0
	shift
	t0=$(date +%s%N)
	"$@" >"$T/$name.out" 2>"$T/$name.err" </dev/null &
	pid=$!
	while [ $(($(date +%s%N) - t0)) -lt 600000000000 ]; do
		grep -q '^ready$' "$T/$name.out" 2>/dev/null && { ready=1; break; }
		sleep 0.01
	done
	t1=$(date +%s%N)
	kill -INT $pid
	wait $pid
	t2=$(date +%s%N)
	if [ $ready = 1 ]; then
		echo "$(((t1 - t0) / 1000000)) $(((t2 - t1) / 1000000))"
	else
		echo "not ready after $(((t1 - t0) / 1000000)) ms"
	fi
}
t_kprobe_multi_bench() {
	local pat n r pats=('vfs_*' '__x64_sys_*') sp sc
	[ "${VM_KERNEL:-}" = bpo ] && pats=('vfs_*' 'tcp_*')
	for pat in "${pats[@]}"; do
		n=$(grep -c "^${pat//\*/.*}\( \|$\)" $TRACE/available_filter_functions)
		# @[probe]: bpftrace 0.17 compiles one program per function for `probe` (its
		# kprobe_multi path takes only wildcards that do not read `probe`); @ = count(): both
		# attach through one kprobe_multi link where the kernel has them.
		sp="kprobe:$pat { @[probe] = count(); } BEGIN { printf(\"ready\n\"); }"
		sc="kprobe:$pat { @ = count(); } BEGIN { printf(\"ready\n\"); }"
		for r in $(seq "${BENCH_ROUNDS:-3}"); do
			echo "@@VM # bench $pat ($n functions) round $r: bpfscript multi $(bench_one bm "$BT" -e "$sp")"
			echo "@@VM # bench $pat ($n functions) round $r: bpfscript perf $(BPFSCRIPT_KPROBE_MULTI=0 bench_one bp "$BT" -e "$sp")"
			echo "@@VM # bench $pat ($n functions) round $r: bpftrace $(bench_one bb bpftrace -e "$sp")"
			echo "@@VM # bench $pat ($n functions) round $r: count bpfscript $(bench_one cm "$BT" -e "$sc")"
			echo "@@VM # bench $pat ($n functions) round $r: count bpftrace $(bench_one cb bpftrace -e "$sc")"
		done
	done
	ok kprobe_multi_bench
}

# path(): bpf_d_path in a kfunc of the kernel's d_path allowlist (security_file_open, on
# the struct path inside the opened file); percpu_kaddr(): a per-CPU variable's address, here and
# on a CPU, NULL for a CPU that does not exist (this kernel lists data symbols in kallsyms).
t_kinfo_path() {
	run kinfo_path 90 -c "/usr/bin/cat /etc/hostname" -e '
kfunc:security_file_open /pid == cpid/ { @[path(&args.file->f_path), probetype] = count(); }'
	if [ $RC != 0 ]; then
		not_ok kinfo_path "exit status $RC"
	elif ! has kinfo_path "@[/etc/hostname, fentry]: 1"; then
		not_ok kinfo_path "want @[/etc/hostname, fentry]: 1"
	else
		clean_or_fail kinfo_path && ok kinfo_path
	fi
}

t_kinfo_percpu() {
	run kinfo_percpu 60 -e 'BEGIN { $p = percpu_kaddr("process_counts"); @a = *$p > 0;
@b = percpu_kaddr("process_counts", 0) != 0; @c = percpu_kaddr("process_counts", 100000) == 0;
@d = *(uint64 *)percpu_kaddr("process_counts", cpu) == *$p; exit(); }'
	if [ $RC != 0 ]; then
		not_ok kinfo_percpu "exit status $RC"
	elif ! has kinfo_percpu "@a: 1" || ! has kinfo_percpu "@b: 1" || ! has kinfo_percpu "@c: 1" ||
		! has kinfo_percpu "@d: 1"; then
		not_ok kinfo_percpu "want @a: 1, @b: 1, @c: 1, @d: 1"
	else
		clean_or_fail kinfo_percpu && ok kinfo_percpu
	fi
}

. tests/vm/guest_multi.sh
# iter and watchpoint tests (t_iter_*, t_watchpoint_*)
. tests/vm/guest_iter.sh
# bpftrace's own kprobe tools (t_upstream_tools), read from the host's mirror
. tests/vm/guest_upstream.sh
# write_user, override, socket_cookie, skboutput (t_write_user ... t_skboutput)
. tests/vm/guest_unsafe.sh

# --- main -----------------------------------------------------------------------------------

echo "@@VM # kernel $(uname -r), bpfscript $BT"
r=$(residue)
[ -n "$r" ] && echo "@@VM # before the tests:$r"
tests=("$@")
# the benchmark (t_*_bench) runs only when named
if [ ${#tests[@]} = 0 ] && [ "${VM_KERNEL:-}" = bpo ]; then
	mapfile -t tests < <(declare -F | sed -n 's/^declare -f t_//p' | grep -E '^(multi_.*|kprobe_multi)$' | grep -v '_bench$')
elif [ ${#tests[@]} = 0 ]; then
	mapfile -t tests < <(declare -F | sed -n 's/^declare -f t_//p' | grep -v '_bench$' | grep -v '^multi_')
fi
for t in "${tests[@]}"; do
	s=$(cut -d' ' -f1 /proc/uptime)
	"t_$t"
	echo "@@VM # $t took $(awk -v a="$s" -v b="$(cut -d' ' -f1 /proc/uptime)" 'BEGIN { printf "%.1f", b - a }')s"
done
rm -rf "$T"
