# tests/vm/guest_multi.sh — the kprobe_multi tests, sourced by tests/vm/guest.sh and run
# in the VM booted with bookworm-backports' kernel (tests/vm/run_vm.sh --kernel bpo, i.e.
# tests/vm/run_vm_multi.sh), which has fprobes and so kprobe_multi links.
#
# Owns: t_multi_*: exact per-function counts, `probe`, `func` and kretprobe `retval` of
# wildcards attached as kprobe_multi links (a workload making known system calls,
# build/workloads/multi_calls), one with a module's functions in it, the same maps from one
# perf event per function (BPFSCRIPT_KPROBE_MULTI=0) and from bpftrace 0.17; the kernel's
# own count of links, their functions and programs while attached (build/vm/bpf_objs); and
# that nothing is left after SIGINT and SIGKILL.
# Must not: run on a kernel without fprobes (every test here asserts kprobe_multi links),
# or use anything but guest.sh's helpers (run, has, ok, not_ok, clean_or_fail, $T, $W).

# How many names of traceable functions (available_filter_functions) a glob matches.
aff_count() {
	awk '{ print $1 }' $TRACE/available_filter_functions | grep -x "${1//\*/.*}" | sort -u | wc -l
}

# maps FILE PREFIX...: the sorted map lines of FILE whose map name is one of PREFIX.
maps() {
	local f=$1
	shift
	local re
	re=$(printf '%s|' "$@")
	grep -E "^(${re%|})[:\[]" "$f" | sort
}

# ids ERRFILE: "PID PPID PGRP" as multi_calls reported them.
ids() {
	sed -n 's/^pid=\([0-9]*\) ppid=\([0-9]*\) pgrp=\([0-9]*\)$/\1 \2 \3/p' "$1"
}

# maps_ids OUT ERR PREFIX...: maps() with the run's workload ids (retval keys) as PID, PPID
# and PGRP, so runs with different processes compare.
maps_ids() {
	local out=$1 err=$2 pid ppid pgrp
	shift 2
	read -r pid ppid pgrp < <(ids "$err")
	maps "$out" "$@" | sed -e "s/, $pid\]/, PID]/" -e "s/, $ppid\]/, PPID]/" -e "s/, $pgrp\]/, PGRP]/"
}

# One run, exact numbers: multi_calls makes 3 getpid, 5 getppid, 7 getpgrp and 11 stat() of
# /etc/hostname (on the 9p share: v9fs_vfs_getattr_dotl of the 9p module serves each stat).
# __do_sys_getp* are the three 0-argument syscalls' traceable names here; *vfs_getattr*
# mixes vmlinux (vfs_getattr_nosec: stat() reaches it without a traced vfs_getattr call
# here, bpftrace 0.17 counts none either) and 9p module functions (v9fs_vfs_getattr*);
# __x64_sys_* (400+)
# must see every system call of the static workload but those three, which the
# raw_syscalls tracepoint counts too.
MULTI_SCRIPT='
kprobe:__do_sys_getp* /pid == cpid/ { @k[probe] = count(); @f[func] = count(); }
kretprobe:__do_sys_getp* /pid == cpid/ { @r[probe, retval] = count(); }
kprobe:*vfs_getattr* /pid == cpid/ { @m[probe] = count(); }
kprobe:__do_sys_getpp*,kprobe:__do_sys_getp* /pid == cpid/ { @d[probe] = count(); }'
MULTI_WIDE='
kprobe:9p:v9fs_vfs_getattr* /pid == cpid/ { @q[probe] = count(); }
kprobe:__x64_sys_* /pid == cpid/ { @s = count(); }
tracepoint:raw_syscalls:sys_enter /pid == cpid/ { @n = count(); }'

t_multi_counts() {
	local f=$T/multi_counts ngetp ngetattr nsys pid ppid pgrp nall
	ngetp=$(aff_count '__do_sys_getp*')
	ngetattr=$(aff_count '*vfs_getattr*')
	echo "@@VM # *vfs_getattr*: $(grep -E '^[^ ]*vfs_getattr' $TRACE/available_filter_functions | tr '\n' ',')"
	nsys=$(aff_count '__x64_sys_*')
	# kprobe, kretprobe, getattr, @d's two points, 9p:v9fs_vfs_getattr*, __x64_sys_*, tracepoint
	nall=$((2 * ngetp + ngetattr + ngetp + 1 + 2 + nsys + 1))
	run multi_counts 120 -v -c "$W/multi_calls 3 5 7 11 /etc/hostname" -e "$MULTI_SCRIPT $MULTI_WIDE"
	read -r pid ppid pgrp < <(ids "$f.err")
	local fnre='(__do_sys|__x64_sys)_'
	if [ $RC != 0 ]; then
		not_ok multi_counts "exit status $RC"
	elif ! grep -Fxq 'kprobe wildcards attach through kprobe_multi links' "$f.err"; then
		not_ok multi_counts "want -v's 'kprobe wildcards attach through kprobe_multi links'"
	elif [ "$ngetp" != 3 ] || ! grep -Fxq "Attaching $nall probes..." "$f.err"; then
		not_ok multi_counts "want 3 __do_sys_getp* functions (have $ngetp) and 'Attaching $nall probes...'"
	elif [ -z "$pid" ]; then
		not_ok multi_counts "the workload did not report its ids"
	elif ! has multi_counts '@k[kprobe:__do_sys_getpid]: 3' || ! has multi_counts '@k[kprobe:__do_sys_getppid]: 5' ||
		! has multi_counts '@k[kprobe:__do_sys_getpgrp]: 7' || [ "$(grep -c '^@k\[' "$f.out")" != 3 ]; then
		not_ok multi_counts "want exactly @k[kprobe:__do_sys_getpid]: 3, getppid: 5, getpgrp: 7"
	elif [ "$(grep -cE "^@f\[${fnre}getpid\]: 3$|^@f\[${fnre}getppid\]: 5$|^@f\[${fnre}getpgrp\]: 7$" "$f.out")" != 3 ] ||
		[ "$(grep -c '^@f\[' "$f.out")" != 3 ]; then
		not_ok multi_func "want @f[func] of each function: 3, 5, 7"
	elif ! has multi_counts "@r[kretprobe:__do_sys_getpid, $pid]: 3" || ! has multi_counts "@r[kretprobe:__do_sys_getppid, $ppid]: 5" ||
		! has multi_counts "@r[kretprobe:__do_sys_getpgrp, $pgrp]: 7" || [ "$(grep -c '^@r\[' "$f.out")" != 3 ]; then
		not_ok multi_retval "want @r[kretprobe:__do_sys_getpid, $pid]: 3, getppid $ppid: 5, getpgrp $pgrp: 7"
	elif ! has multi_counts '@m[kprobe:vfs_getattr_nosec]: 11' ||
		! has multi_counts '@m[kprobe:v9fs_vfs_getattr_dotl]: 11' || [ "$(grep -c '^@m\[' "$f.out")" != 2 ] ||
		! grep -q '^v9fs_vfs_getattr_dotl \[9p\]$' $TRACE/available_filter_functions; then
		not_ok multi_module "want @m[kprobe:vfs_getattr_nosec] and v9fs_vfs_getattr_dotl (module 9p): 11 each"
		sed 's/^/@@VM # multi_counts.out: /' "$f.out" | head -20
	elif ! has multi_counts '@d[kprobe:__do_sys_getppid]: 10' || ! has multi_counts '@d[kprobe:__do_sys_getpid]: 3' ||
		! has multi_counts '@d[kprobe:__do_sys_getpgrp]: 7' || [ "$(grep -c '^@d\[' "$f.out")" != 3 ]; then
		not_ok multi_twice "want @d[kprobe:__do_sys_getppid]: 10 (two attach points), getpid: 3, getpgrp: 7"
	elif ! has multi_counts '@q[kprobe:9p:v9fs_vfs_getattr_dotl]: 11' || [ "$(grep -c '^@q\[' "$f.out")" != 1 ]; then
		not_ok multi_module_named "want @q[kprobe:9p:v9fs_vfs_getattr_dotl]: 11"
	else
		local s n
		s=$(sed -n 's/^@s: //p' "$f.out")
		n=$(sed -n 's/^@n: //p' "$f.out")
		if [ -z "$s" ] || [ -z "$n" ] || [ $((s + 15)) != "$n" ] || [ "$s" -lt 10 ]; then
			not_ok multi_wide "want @s (kprobe:__x64_sys_*, $nsys functions) + 15 = @n (raw_syscalls:sys_enter): @s $s, @n $n"
		else
			echo "@@VM # multi_counts: $nsys __x64_sys_* functions saw $s calls, the tracepoint $n"
			ok multi_counts
		fi
	fi
	clean_or_fail multi_counts_clean && ok multi_counts_clean

	# The same maps from one perf event per function, and from bpftrace 0.17 (its `func`
	# may name another alias of a function, so @f is left out there).
	BPFSCRIPT_KPROBE_MULTI=0 run multi_perf 120 -v -c "$W/multi_calls 3 5 7 11 /etc/hostname" -e "$MULTI_SCRIPT"
	if [ $RC != 0 ]; then
		not_ok multi_same_as_perf "exit status $RC"
	elif [ "$(maps_ids "$f.out" "$f.err" @k @f @r @m @d)" != "$(maps_ids "$T/multi_perf.out" "$T/multi_perf.err" @k @f @r @m @d)" ]; then
		not_ok multi_same_as_perf "the maps differ: $(diff <(maps_ids "$f.out" "$f.err" @k @f @r @m @d) <(maps_ids "$T/multi_perf.out" "$T/multi_perf.err" @k @f @r @m @d) | head -6 | tr '\n' ' ')"
	else
		ok multi_same_as_perf
	fi
	echo "@@VM # bpftrace --info: $(bpftrace --info 2>&1 | grep -E 'kprobe_multi|Version' | tr -s ' \n' ' ')"
	timeout -s INT -k 5 180 bpftrace -c "$W/multi_calls 3 5 7 11 /etc/hostname" \
		-e "${MULTI_SCRIPT//@f\[func\] = count();/}" >"$T/multi_bt.out" 2>"$T/multi_bt.err" </dev/null
	RC=$?
	if [ $RC != 0 ]; then
		not_ok multi_bt "bpftrace 0.17 exit status $RC"
	elif [ "$(maps_ids "$f.out" "$f.err" @k @r @m @d)" != "$(maps_ids "$T/multi_bt.out" "$T/multi_bt.err" @k @r @m @d)" ] ||
		[ "$(maps "$f.out" @k @r @m | wc -l)" != 8 ]; then
		not_ok multi_bt "bpftrace 0.17's maps differ: $(diff <(maps_ids "$f.out" "$f.err" @k @r @m @d) <(maps_ids "$T/multi_bt.out" "$T/multi_bt.err" @k @r @m @d) | head -6 | tr '\n' ' ')"
	else
		ok multi_bt
	fi
	clean_or_fail multi_perf_clean && ok multi_perf_clean
}

# While attached, the kernel holds ONE kprobe_multi link per wildcard (per kind), with as
# many functions as the wildcard matched, and one program each; after SIGINT or SIGKILL
# nothing of ours is left. tcp_* is the 200+ function group.
t_multi_links() {
	local ngetp ntcp n9p sig pid want objs links
	ngetp=$(aff_count '__do_sys_getp*')
	ntcp=$(aff_count 'tcp_*')
	n9p=$(grep -E '^v9fs_[^ ]* \[9p\]$' $TRACE/available_filter_functions | sort -u | wc -l)
	want="count=$ngetp kprobe;count=$ngetp kretprobe;count=$ntcp kprobe;count=$n9p kprobe;"
	for sig in INT KILL; do
		"$BT" -e 'kprobe:__do_sys_getp* { @k[probe] = count(); } kretprobe:__do_sys_getp* { @r[probe] = count(); }
kprobe:tcp_* { @t[probe] = count(); } kprobe:9p:v9fs_* { @v[probe] = count(); } BEGIN { printf("ready\n"); }' >"$T/multi_links.out" 2>"$T/multi_links.err" </dev/null &
		pid=$!
		for _ in $(seq 1200); do grep -q '^ready$' "$T/multi_links.out" 2>/dev/null && break; sleep 0.1; done
		links=$($OBJS multi | sed 's/^multi_link [0-9]* prog=[0-9]* //' | sort | tr '\n' ';')
		objs=$($OBJS)
		kill -$sig $pid
		wait $pid
		RC=$?
		if [ "$ntcp" -lt 200 ]; then
			not_ok multi_links_$sig "want 200+ tcp_* functions, have $ntcp"
		elif [ "$links" != "$(echo "$want" | tr ';' '\n' | grep . | sort | tr '\n' ';')" ]; then
			not_ok multi_links_$sig "want the kprobe_multi links '$want', the kernel has '$links'"
		elif [ "$objs" != "progs=4 links=4" ]; then
			not_ok multi_links_$sig "want progs=4 links=4 (one program and link per wildcard), have $objs"
		elif [ $sig = INT ] && [ $RC != 0 ]; then
			not_ok multi_links_$sig "exit status $RC after SIGINT"
		else
			ok multi_links_$sig
		fi
		clean_or_fail multi_links_${sig}_clean && ok multi_links_${sig}_clean
	done
}

# --info measures kprobe_multi as bpftrace's does (yes on this kernel, no on Debian's 6.1).
t_multi_info() {
	run multi_info 60 --info
	if [ $RC != 0 ] || ! grep -Fxq '  kprobe_multi: yes' "$T/multi_info.out" "$T/multi_info.err" 2>/dev/null; then
		not_ok multi_info "want --info's '  kprobe_multi: yes' (exit $RC)"
	else
		ok multi_info
	fi
	clean_or_fail multi_info_clean && ok multi_info_clean
}
