#!/bin/bash
# tests/vm/guest_iter.sh — the iter and watchpoint tests of the VM suite, sourced by
# tests/vm/guest.sh (its run/ok/not_ok/has/clean_or_fail helpers, $BT, $W and $T).
#
# Owns: t_iter_* (BPF iterators on the guest's Debian kernel: a process started here seen
# exactly as /proc sees it, -p, a pin under the guest's /sys/fs/bpf, printf, a refusal)
# and t_watchpoint_* (hardware watchpoints under qemu: FUNC+argN armed on a workload's
# variable, one hit per write; async; -p).
# Must not: run anything when sourced (only define t_* functions), or write outside /tmp
# and the guest's own bpffs.

# iter_workload: starts build/workloads/iter_target on a file of its own; sets IPID and
# ITID (its second task) once fd 77 is in place.
iter_workload() {
	printf 'iter test file\n' >"$T/iter_file"
	"$W/iter_target" "$T/iter_file" 120 &
	IPID=$!
	local i
	for i in $(seq 200); do [ -e "/proc/$IPID/fd/77" ] && break; sleep 0.05; done
	ITID=$(ls "/proc/$IPID/task" | grep -vx "$IPID" | head -n 1)
}

iter_workload_stop() {
	kill "$IPID" 2>/dev/null
	wait "$IPID" 2>/dev/null
}

# same NAME: $T/NAME.out (blank lines dropped) equals $T/NAME.want, with exit status 0
iter_same() {
	sed -i '/^$/d' "$T/$1.out"
	if [ "$RC" != 0 ]; then
		not_ok "$1" "exit status $RC"
	elif ! cmp -s "$T/$1.want" "$T/$1.out"; then
		not_ok "$1" "want $(tr '\n' ';' <"$T/$1.want" | head -c 300)"
	else
		clean_or_fail "$1" && ok "$1"
	fi
}

# -p: the kernel's task iterator visits only that process (Linux 6.1's task.pid)
t_iter_task_pid() {
	iter_workload
	printf '%s iter_target\n%s iter_worker\n' "$IPID" "$ITID" >"$T/iter_task_pid.want"
	run iter_task_pid 60 -p "$IPID" -e 'iter:task { printf("%d %s\n", ctx->task->pid, ctx->task->comm); }'
	iter_same iter_task_pid
	iter_workload_stop
}

t_iter_task_file() {
	iter_workload
	local fd
	for fd in $(ls "/proc/$IPID/fd" | sort -n); do
		echo "$fd $(readlink "/proc/$IPID/fd/$fd")"
	done >"$T/iter_task_file.want"
	grep -qx "77 $T/iter_file" "$T/iter_task_file.want" ||
		echo "@@VM # iter_task_file: /proc/$IPID/fd lacks fd 77"
	run iter_task_file 60 -e "iter:task_file /ctx->task->pid == $IPID/ { printf(\"%d %s\n\", ctx->fd, path(ctx->file->f_path, 200)); }"
	iter_same iter_task_file
	iter_workload_stop
}

t_iter_task_vma() {
	iter_workload
	grep -v '\[vsyscall\]' "/proc/$IPID/maps" | awk '{ print $1 }' >"$T/iter_task_vma.want"
	run iter_task_vma 60 -e "iter:task_vma /ctx->task->pid == $IPID/ { printf(\"%lx-%lx\n\", ctx->vma->vm_start, ctx->vma->vm_end); }"
	if ! grep -F " $T/iter_file" "/proc/$IPID/maps" | awk '{ print $1 }' |
		grep -qxFf - "$T/iter_task_vma.out"; then
		not_ok iter_task_vma "the mapping of $T/iter_file is not listed"
	else
		iter_same iter_task_vma
	fi
	iter_workload_stop
}

# iter:task:NAME pins the iterator under /sys/fs/bpf; each read of the pin runs it and
# shows the process's two tasks, each once (the predicate picks them from all tasks)
t_iter_pin() {
	iter_workload
	rm -f /sys/fs/bpf/bpfscript_iter_test
	printf '%s iter_target\n%s iter_worker\n' "$IPID" "$ITID" >"$T/iter_pin.want"
	run iter_pin 60 -e "iter:task:bpfscript_iter_test /ctx->task->tgid == $IPID/ { printf(\"%d %s\n\", ctx->task->pid, ctx->task->comm); }"
	if [ $RC != 0 ] || ! has iter_pin "Program pinned to /sys/fs/bpf/bpfscript_iter_test"; then
		not_ok iter_pin "exit status $RC, no 'Program pinned to' line"
	elif ! cat /sys/fs/bpf/bpfscript_iter_test >"$T/iter_pin.out" ||
		! cmp -s "$T/iter_pin.want" "$T/iter_pin.out"; then
		not_ok iter_pin "reading the pin gave something else"
	else
		rm -f /sys/fs/bpf/bpfscript_iter_test
		clean_or_fail iter_pin && ok iter_pin
	fi
	rm -f /sys/fs/bpf/bpfscript_iter_test
	iter_workload_stop
}

# printf in an iter probe is the kernel's bpf_seq_printf (6.1's: %c too): the text
# bpfscript's own printf gives (tests/probes/run_iter.sh compares the two on the host)
t_iter_printf() {
	local fmt='"%d %u %x %X %ld %lu %lld %c|%-5s|%5s|%05d|%+d\n", -1, -1, 255, 255, -1, -1, -5, 65, "ab", comm, 42, 7'
	echo '-1 4294967295 ff FF -1 18446744073709551615 -5 A|ab   |bpfscript|00042|+7' >"$T/iter_printf.want"
	run iter_printf 60 -e "iter:task /ctx->task->pid == 1/ { printf($fmt); }"
	iter_same iter_printf
}

# an iterator over a map or cgroup needs one named: one sentence, whether the kernel
# refuses the program or the link
t_iter_refused() {
	run iter_refused 60 -e 'iter:bpf_map_elem { printf("x\n"); }'
	if [ $RC = 1 ] && grep -Eq "ERROR: (the kernel refused to load the program for iterator iter:bpf_map_elem \(.*\): it does not let BPF programs run as this iterator here|cannot attach probe iter:bpf_map_elem: the kernel refused to create iterator bpf_map_elem \(.*\): it iterates over a map or cgroup, which iter:bpf_map_elem cannot name)" "$T/iter_refused.err"; then
		clean_or_fail iter_refused && ok iter_refused
	else
		not_ok iter_refused "exit status $RC, not the sentence"
	fi
}

# watchpoint:FUNC+argN: the uprobe on watch_start stops the workload and sends the address
# in arg0; the breakpoint then fires once per write of that variable (7), not for the
# other variable it writes as often
t_watchpoint_func_arg() {
	run watchpoint_func_arg 60 -e 'watchpoint:watch_start+arg0:8:w { @hits = count(); @[probe] = count(); }' -c "$W/watch_target 7"
	if [ $RC != 0 ]; then
		not_ok watchpoint_func_arg "exit status $RC"
	elif ! has watchpoint_func_arg "@hits: 7" ||
		! has watchpoint_func_arg "@[watchpoint:$W/watch_target:watch_start:8:w]: 7"; then
		not_ok watchpoint_func_arg "want @hits: 7"
	else
		clean_or_fail watchpoint_func_arg && ok watchpoint_func_arg
	fi
}

# asyncwatchpoint leaves the workload running: it waits 1 s before its writes
t_watchpoint_func_arg_async() {
	run watchpoint_func_arg_async 60 -e 'aw:watch_start+arg0:8:w { @hits = count(); }' -c "$W/watch_target 7 1000"
	if [ $RC != 0 ] || ! has watchpoint_func_arg_async "@hits: 7"; then
		not_ok watchpoint_func_arg_async "exit status $RC, want @hits: 7"
	else
		clean_or_fail watchpoint_func_arg_async && ok watchpoint_func_arg_async
	fi
}

# -p: a workload already running calls watch_start 5 s later; mode rw also sees its one
# read; it runs to its end on its own (not left stopped) and the run ends with it
t_watchpoint_func_arg_pid() {
	"$W/watch_target" 9 0 5000 &
	local wpid=$! wst
	run watchpoint_func_arg_pid 60 -p "$wpid" -e 'watchpoint:watch_start+arg0:8:rw { @accesses = count(); }'
	wait "$wpid"
	wst=$?
	if [ $RC != 0 ] || [ $wst != 0 ] || ! has watchpoint_func_arg_pid "@accesses: 10"; then
		not_ok watchpoint_func_arg_pid "exit status $RC, workload $wst, want @accesses: 10"
	else
		clean_or_fail watchpoint_func_arg_pid && ok watchpoint_func_arg_pid
	fi
}
