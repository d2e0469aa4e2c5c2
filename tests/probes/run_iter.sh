#!/usr/bin/env bash
# tests/probes/run_iter.sh — iter probes on this machine's kernel: exact output about a
# process the suite starts (build/workloads/iter_target: two tasks, a file on fd 77 and
# mapped), compared with what /proc says of it; -p; pinning; printf formatted by the
# kernel against bpfscript's own printf; -l/-lv; and the sentences for iterators the
# kernel refuses.
#
# Owns: the cases below; each runs build/asan/bpfscript (or $BIN). Must not: trace any
# process but its own workload (the filters name its pid), or leave a pin or mount behind.
# Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh

suite_start iter
W=build/workloads
wpid=''
bpffs=''
cleanup() {
	[ -n "$wpid" ] && kill "$wpid" 2>/dev/null && wait "$wpid" 2>/dev/null
	[ -n "$bpffs" ] && { rm -f "$bpffs"/*; umount "$bpffs"; }
	rm -rf "$tmp"
}
trap cleanup EXIT

run() {
	timeout -s KILL 60 "$@" </dev/null >"$tmp/out" 2>"$tmp/err"
	st=$?
}
sane() { ! has_sanitizer_report "$tmp/err"; }
# same NAME: $tmp/out equals $tmp/want (and the run was clean), else a diff
same() {
	if [ $st = 0 ] && cmp -s "$tmp/want" "$tmp/out" && sane; then pass "$1"
	else fail "$1" "status $st: $(diff "$tmp/want" "$tmp/out" | head -c 400) $(head -c 300 "$tmp/err")"; fi
}

# ---- the workload: two tasks, fd 77 = the file, the file mapped ---------------------------
printf 'iter test file\n' >"$tmp/file"
"$W/iter_target" "$tmp/file" 60 &
wpid=$!
for _ in $(seq 100); do [ -e "/proc/$wpid/fd/77" ] && break; sleep 0.05; done
tid=$(ls "/proc/$wpid/task" | grep -vx "$wpid" | head -n 1)

# iter:task: the process's two tasks, each exactly once, in tid order
printf '%s iter_target\n%s iter_worker\n' "$wpid" "$tid" >"$tmp/want"
run "$BIN" -e "iter:task /ctx->task->tgid == $wpid/ { printf(\"%d %s\n\", ctx->task->pid, ctx->task->comm); }"
sed -i '/^$/d' "$tmp/out"
same iter_task

# -p PID: the iterator itself visits only that process (no predicate)
run "$BIN" -p "$wpid" -e 'iter:task { printf("%d %s\n", ctx->task->pid, ctx->task->comm); }'
sed -i '/^$/d' "$tmp/out"
same iter_task_pid

# iter:task_file: every fd of the process with its path, as /proc/PID/fd has them
for fd in $(ls "/proc/$wpid/fd" | sort -n); do
	echo "$fd $(readlink "/proc/$wpid/fd/$fd")"
done >"$tmp/want"
run "$BIN" -e "iter:task_file /ctx->task->pid == $wpid/ { printf(\"%d %s\n\", ctx->fd, path(ctx->file->f_path, 200)); }"
sed -i '/^$/d' "$tmp/out"
if grep -qx "77 $tmp/file" "$tmp/out"; then same iter_task_file
else fail iter_task_file "no '77 $tmp/file' line: $(head -c 300 "$tmp/out") $(head -c 300 "$tmp/err")"; fi

# iter:task_vma: the address ranges of /proc/PID/maps (but [vsyscall], which is no vma)
grep -v '\[vsyscall\]' "/proc/$wpid/maps" | awk '{ print $1 }' >"$tmp/want"
run "$BIN" -e "iter:task_vma /ctx->task->pid == $wpid/ { printf(\"%lx-%lx\n\", ctx->vma->vm_start, ctx->vma->vm_end); }"
sed -i '/^$/d' "$tmp/out"
fileline=$(grep -F " $tmp/file" "/proc/$wpid/maps" | awk '{ print $1 }')
if [ -n "$fileline" ] && grep -qx "$fileline" "$tmp/out"; then same iter_task_vma
else fail iter_task_vma "the file's mapping '$fileline' not listed: $(head -c 300 "$tmp/out")"; fi

# the kernel's last call has no object: a probe that reads ctx->task returns there, so it
# counts one run fewer than one that does not; seq_num numbers the objects from 0
run "$BIN" -e 'iter:task { @runs = count(); $t = ctx->task; @objects = count(); @last = max(ctx->meta->seq_num); }'
runs=$(sed -n 's/^@runs: //p' "$tmp/out")
objects=$(sed -n 's/^@objects: //p' "$tmp/out")
last=$(sed -n 's/^@last: //p' "$tmp/out")
if [ $st = 0 ] && [ -n "$runs" ] && [ -n "$objects" ] && [ -n "$last" ] &&
	[ "$runs" = $((objects + 1)) ] && [ "$objects" = $((last + 1)) ] && sane; then
	pass iter_final_call
else fail iter_final_call "status $st: runs '$runs', objects '$objects', last seq_num '$last' $(head -c 300 "$tmp/err")"; fi

# printf in an iter probe (the kernel's bpf_seq_printf) prints what printf prints
fmt='"%d %u %x %X %ld %lu %lld %c|%-5s|%5s|%05d|%+d\n", -1, -1, 255, 255, -1, -1, -5, 65, "ab", comm, 42, 7'
run "$BIN" -e "BEGIN { printf($fmt); exit(); }"
head -n 1 "$tmp/out" >"$tmp/want"
run "$BIN" -e "iter:task /ctx->task->pid == $wpid/ { printf($fmt); }"
sed -i '/^$/d' "$tmp/out"
same iter_printf_as_printf

# BEGIN runs before the iterator is read, END after it; maps print at the end
printf 'begin\n%s\nend\n\n\n@n: 2\n' "$wpid" >"$tmp/want"
run "$BIN" -e "BEGIN { printf(\"begin\n\"); } iter:task /ctx->task->tgid == $wpid/ { @n = count(); if (ctx->task->pid == $wpid) { printf(\"%d\n\", ctx->task->pid); } } END { printf(\"end\n\"); }"
same iter_begin_end

# iter:NAME:PIN pins the iterator instead of reading it; each read of the pin runs it
bpffs=$tmp/bpffs
mkdir -p "$bpffs"
if mount -t bpf bpf "$bpffs" 2>/dev/null; then
	run "$BIN" -e "iter:task:$bpffs/tasks /ctx->task->tgid == $wpid/ { printf(\"%d %s\n\", ctx->task->pid, ctx->task->comm); }"
	printf '%s iter_target\n%s iter_worker\n' "$wpid" "$tid" >"$tmp/want"
	if [ $st = 0 ] && grep -qx "Program pinned to $bpffs/tasks" "$tmp/out" && sane &&
		cmp -s "$tmp/want" <(cat "$bpffs/tasks") && cmp -s "$tmp/want" <(cat "$bpffs/tasks"); then
		pass iter_pin
	else fail iter_pin "status $st: $(head -c 200 "$tmp/out") / $(cat "$bpffs/tasks" 2>&1 | head -c 200)"; fi
	rm -f "$bpffs"/tasks
	umount "$bpffs"
else
	fail iter_pin "cannot mount a BPF file system at $bpffs"
fi
bpffs=''
run "$BIN" -e "iter:task:$tmp/nodir/pin { }"
if [ $st = 1 ] && grep -q "ERROR: probe iter:task:$tmp/nodir/pin: cannot pin the iterator at $tmp/nodir/pin: No such file or directory (is a BPF file system mounted there?)" "$tmp/err"; then
	pass iter_pin_refused
else fail iter_pin_refused "status $st: $(head -c 300 "$tmp/err")"; fi

kill "$wpid" 2>/dev/null
wait "$wpid" 2>/dev/null
wpid=''

# ---- -l ------------------------------------------------------------------------------------
run "$BIN" -l 'iter:*'
if [ $st = 0 ] && grep -qx 'iter:task' "$tmp/out" && grep -qx 'iter:task_file' "$tmp/out" &&
	grep -qx 'iter:task_vma' "$tmp/out" && ! grep -qv '^iter:[a-z0-9_]*$' "$tmp/out" &&
	sort -c "$tmp/out" 2>/dev/null && sane; then pass iter_list
else fail iter_list "status $st: $(head -c 300 "$tmp/out")"; fi

run "$BIN" -l 'it:task*'
printf 'iter:task\niter:task_file\niter:task_vma\n' >"$tmp/want"
same iter_list_alias

run "$BIN" -lv 'iter:task_file'
printf 'iter:task_file\n    struct task_struct * task\n    u32 fd\n    struct file * file\n' >"$tmp/want"
same iter_list_fields

run "$BIN" -l '*task_vma*'
if [ $st = 0 ] && grep -qx 'iter:task_vma' "$tmp/out"; then pass iter_list_bare_glob
else fail iter_list_bare_glob "status $st: $(head -c 300 "$tmp/out")"; fi

# ---- refusals ------------------------------------------------------------------------------
run "$BIN" -p $$ -e 'iter:tcp { }'
if [ $st = 1 ] && grep -q "ERROR: -p restricts only the task iterators (task, task_file, task_vma) to one process, not iter:tcp" "$tmp/err"; then
	pass iter_pid_not_task
else fail iter_pid_not_task "status $st: $(head -c 300 "$tmp/err")"; fi

# an iterator over a cgroup needs one to be named, which iter:cgroup cannot
run "$BIN" -e 'iter:cgroup { printf("x\n"); }'
if [ $st = 1 ] && grep -q "ERROR: cannot attach probe iter:cgroup: the kernel refused to create iterator cgroup (Invalid argument): it iterates over a map or cgroup, which iter:cgroup cannot name" "$tmp/err"; then
	pass iter_cgroup_refused
else fail iter_cgroup_refused "status $st: $(head -c 300 "$tmp/err")"; fi

# this kernel refuses programs for the map iterators outright (no verifier message)
run "$BIN" -e 'iter:bpf_map_elem { printf("x\n"); }'
if [ $st = 1 ] && grep -q "ERROR: the kernel refused to load the program for iterator iter:bpf_map_elem (Operation not permitted): it does not let BPF programs run as this iterator here" "$tmp/err"; then
	pass iter_map_elem_refused
else fail iter_map_elem_refused "status $st: $(head -c 300 "$tmp/err")"; fi

suite_end
