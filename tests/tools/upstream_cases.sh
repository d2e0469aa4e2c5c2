# shellcheck shell=bash
# tests/tools/upstream_cases.sh — the workload and the expected facts of each of bpftrace's
# own tools that can run on this machine natively, for tests/tools/run_upstream_tools.sh.
#
# Owns: one case_TOOL function per tool: it starts the tool, unmodified (the file it is
# given, read from the bpftrace mirror), on a workload it runs itself with -c, writes the
# facts it reads from the tool's output to $tmp/facts and what they must be to
# $tmp/want. The tools trace the whole machine, so the facts come only from lines of the
# workloads, whose copies run under unique names (comm "u<PID><tag>"), or, for tools
# that print machine-wide totals (histograms, rates), from their shape and lower bounds.
# Must not: contain any of bpftrace's text (the tools are read at test time), print
# results (the runner does), or trace longer than a few seconds.
# Sourced by the runner, which sets tmp, W (the workload copies), U (their name prefix).
# A case returns 1 with CASE_WHY set when the tracer itself failed.

# All the cases, in the order they run.
CASES=(bashreadline biolatency biosnoop biostacks bitesize cpuwalk execsnoop gethostlatency
	killsnoop naptime opensnoop pidpersec runqlat runqlen setuids statsnoop syncsnoop
	syscount tcpdrop writeback threadsnoop sslsnoop ssllatency)

# trace TRACER FILE SECS CMD [ARG...]: TRACER -c CMD FILE ARG..., stdout in $tmp/out,
# stderr in $tmp/err. Fails (CASE_WHY) on a time-out, a sanitizer report or a non-zero
# exit status.
trace() {
	local tracer=$1 file=$2 secs=$3 cmd=$4
	shift 4
	run_limited "$secs" "$tmp/out" "$tmp/err" "$tracer" -c "$cmd" "$file" "$@"
	CASE_WHY=''
	if [ "$RL_TIMED_OUT" = 1 ]; then
		CASE_WHY="timed out after ${secs}s"
	elif has_sanitizer_report "$tmp/err"; then
		CASE_WHY="sanitizer report: $(grep -m1 -E "$SANITIZER_RE" "$tmp/err")"
	elif [ "$RL_STATUS" != 0 ]; then
		CASE_WHY="exit status $RL_STATUS: $(grep -v RLIMIT_MEMLOCK "$tmp/err" | head -3 | tr '\n' ' ')"
	fi
	[ -z "$CASE_WHY" ]
}

# comm_of TRACER: the process name the tracer runs under (a parent's name in naptime).
comm_of() { basename "$1" | cut -c1-15; }

# want LINE...: the expected facts.
want() { printf '%s\n' "$@" >"$tmp/want"; }

# hist_total FILE MAP: the sum of the counts of map MAP's histogram lines ("@usecs:" then
# "[a, b)  count |@@@|" lines up to a blank one); empty if the map is not printed.
hist_total() {
	awk -v m="$2:" '$0 == m || $0 == m " " { on = 1; n = 0; seen = 1; next }
		on && /^\[/ { sub(/^\[[^])]*[])] */, ""); n += $1; next }
		on { on = 0 }
		END { if (seen) print n + 0 }' "$1"
}

# yesno COND...: "yes" if the command succeeds, else "no".
yesno() { if "$@"; then echo yes; else echo no; fi; }

# ---- bashreadline: an interactive bash on a pty (util-linux script) is fed two lines ----
case_bashreadline() {
	local tracer=$1 file=$2 marker="echo upt-$$-readline"
	printf '%s\n' "printf '$marker\\nexit\\n' | script -qec 'bash --norc --noprofile -i' /dev/null >/dev/null" >"$tmp/bash.sh"
	trace "$tracer" "$file" 30 "/bin/sh $tmp/bash.sh" || return 1
	awk -v m="$marker" '$3 == "echo" && substr($0, index($0, $3)) == m { pid = $2; print "line: " m }
		pid != "" && $2 == pid && $3 == "exit" && NF == 3 { print "line: exit (same pid)" }' \
		"$tmp/out" >"$tmp/facts"
	want "line: $marker" "line: exit (same pid)"
}

# ---- block I/O: dd of 32 blocks of 4096 bytes with O_DIRECT (each read one request) ----
# The file is written and synced beforehand by a plain dd, so nothing of it is dirty.
bio_prepare() {
	dd if=/dev/zero of="$BIO_DIR/bio" bs=4096 count=32 oflag=direct conv=fsync status=none
}
bio_cmd() { echo "$W/${U}dd if=$BIO_DIR/bio of=/dev/null bs=4096 count=32 iflag=direct status=none"; }

case_bitesize() {
	local tracer=$1 file=$2
	bio_prepare || { CASE_WHY="cannot write $BIO_DIR/bio"; return 1; }
	trace "$tracer" "$file" 30 "$(bio_cmd)" || return 1
	awk -v m="@[${U}dd]:" '$0 == m || $0 == m " " { on = 1; next }
		on && /^\[/ { print "bucket: " $1 " " $2 " " $3; next } on { exit }' \
		"$tmp/out" >"$tmp/facts"
	want "bucket: [4K, 8K) 32"
}

case_biosnoop() {
	local tracer=$1 file=$2
	bio_prepare || { CASE_WHY="cannot write $BIO_DIR/bio"; return 1; }
	trace "$tracer" "$file" 30 "$(bio_cmd)" || return 1
	awk -v c="${U}dd" '$4 == c { n++; d[$2 " " $3]++ } END {
		print "lines: " n + 0; for (k in d) print "disk: " k }' "$tmp/out" >"$tmp/facts"
	want "lines: 32" "disk: $BIO_DISK"
}

case_biolatency() {
	local tracer=$1 file=$2 n
	bio_prepare || { CASE_WHY="cannot write $BIO_DIR/bio"; return 1; }
	trace "$tracer" "$file" 30 "$(bio_cmd)" || return 1
	n=$(hist_total "$tmp/out" @usecs)
	{
		echo "@usecs printed: $(yesno test -n "$n")"
		echo "at least the 32 reads: $(yesno test "${n:-0}" -ge 32)"
	} >"$tmp/facts"
	want "@usecs printed: yes" "at least the 32 reads: yes"
}

# Every stack is a key of @usecs with its histogram; the reads' stacks pass through
# submit_bio and the read syscall.
case_biostacks() {
	local tracer=$1 file=$2
	bio_prepare || { CASE_WHY="cannot write $BIO_DIR/bio"; return 1; }
	trace "$tracer" "$file" 30 "$(bio_cmd)" || return 1
	awk '/^@usecs\[$/ { st = ""; on = 1; next }
		on && /^\]: ?$/ { on = 0; getline h; if (h ~ /^\[[^]]*\) +[0-9]+ \|@* *\|$/) {
			if (st ~ /submit_bio/) bio = 1; if (st ~ /ksys_read|vfs_read/ && st ~ /submit_bio/) rd = 1 } next }
		on { st = st " " $1 }
		END { print "a stack through submit_bio with its histogram: " (bio ? "yes" : "no");
		      print "a read syscall stack: " (rd ? "yes" : "no") }' "$tmp/out" >"$tmp/facts"
	want "a stack through submit_bio with its histogram: yes" "a read syscall stack: yes"
}

# ---- samplers: a 1 s busy loop ----------------------------------------------------------
case_cpuwalk() {
	local tracer=$1 file=$2 n bad
	trace "$tracer" "$file" 30 "$W/${U}busy 1000" || return 1
	n=$(hist_total "$tmp/out" @cpu)
	bad=$(awk -v c="$(nproc)" '/^@cpu:/ { on = 1; next } on && /^\[/ {
		sub(/^\[/, ""); if ($1 + 0 >= c) print } on && !/^\[/ { on = 0 }' "$tmp/out")
	{
		echo "@cpu printed: $(yesno test -n "$n")"
		echo "at least 50 samples of the busy second: $(yesno test "${n:-0}" -ge 50)"
		echo "CPUs outside 0..nproc-1: ${bad:-none}"
	} >"$tmp/facts"
	want "@cpu printed: yes" "at least 50 samples of the busy second: yes" \
		"CPUs outside 0..nproc-1: none"
}

case_runqlen() {
	local tracer=$1 file=$2 n
	trace "$tracer" "$file" 30 "$W/${U}busy 1000" || return 1
	n=$(hist_total "$tmp/out" @runqlen)
	{
		echo "@runqlen printed: $(yesno test -n "$n")"
		echo "at least 50 samples: $(yesno test "${n:-0}" -ge 50)"
	} >"$tmp/facts"
	want "@runqlen printed: yes" "at least 50 samples: yes"
}

# END clears @qtime: it must not be printed (it was while probes ran on through END).
case_runqlat() {
	local tracer=$1 file=$2 n
	trace "$tracer" "$file" 30 "$W/${U}busy 500" || return 1
	n=$(hist_total "$tmp/out" @usecs)
	{
		echo "@usecs printed with counts: $(yesno test "${n:-0}" -gt 0)"
		echo "@qtime printed after END cleared it: $(yesno grep -q '^@qtime' "$tmp/out")"
	} >"$tmp/facts"
	want "@usecs printed with counts: yes" "@qtime printed after END cleared it: no"
}

# ---- execsnoop: a shell script runs the workload twice with known arguments ----------
case_execsnoop() {
	local tracer=$1 file=$2
	printf '%s\n' "$W/${U}true exec-marker one two" "$W/${U}true second-marker" >"$tmp/exec.sh"
	trace "$tracer" "$file" 30 "/bin/sh $tmp/exec.sh" || return 1
	# The columns and the arguments are two events (printf, then join()), so another
	# CPU's exec may come between them: the arguments are read from where they start.
	awk -v w="$W/${U}true " 'index($0, w) { print "args: " substr($0, index($0, w)) }' \
		"$tmp/out" >"$tmp/facts"
	want "args: $W/${U}true exec-marker one two" "args: $W/${U}true second-marker"
}

# ---- gethostlatency: getent ahosts → one getaddrinfo("localhost") ------------------------
case_gethostlatency() {
	local tracer=$1 file=$2
	trace "$tracer" "$file" 30 "$W/${U}gai ahosts localhost" || return 1
	awk -v c="${U}gai" '$3 == c { print "call: " $3 " " $5 (($4 ~ /^[0-9]+$/) ? "" : " (LATms " $4 ")") }' \
		"$tmp/out" >"$tmp/facts"
	want "call: ${U}gai localhost"
}

# ---- killsnoop: kill_child (kill: SIGUSR1, SIGTERM to its child, SIGUSR2 to no one), then
# syscall_families kill (tkill/tgkill of itself with signal 0, tgkill and kill of no one)
case_killsnoop() {
	local tracer=$1 file=$2 label=$3
	printf '%s\n' "$W/${U}kill" "$W/${U}fam kill" >"$tmp/kill.sh"
	trace "$tracer" "$file" 30 "/bin/sh $tmp/kill.sh" || return 1
	# head: TIME PID COMM SIG TPID RESULT; 0.17: TIME PID COMM SIG TPID RESULT, SIG a number
	awk -v k="${U}kill" -v f="${U}fam" '$3 == k || $3 == f {
		t = $5 == 4194999 ? $5 : ($5 == $2 ? "self" : ($5 > 0 ? "other" : $5))
		print $3 " " $4 " " t " " $6 }' "$tmp/out" >"$tmp/facts"
	if [ "$label" = head ]; then
		want "${U}kill SIGUSR1 other 0" "${U}kill SIGTERM other 0" "${U}kill SIGUSR2 4194999 -3" \
			"${U}fam N/A self 0" "${U}fam N/A self 0" "${U}fam SIGUSR2 4194999 -3" \
			"${U}fam 40 4194999 -3"
	else
		want "${U}kill 10 other 0" "${U}kill 15 other 0" "${U}kill 12 4194999 -3" \
			"${U}fam 40 4194999 -3"
	fi
}

# ---- naptime: nanosleep(0.123 s), clock_nanosleep(0.045 s); the parent is the tracer ----
case_naptime() {
	local tracer=$1 file=$2 label=$3
	trace "$tracer" "$file" 30 "$W/${U}fam nap" || return 1
	awk -v c="${U}fam" '$5 == c { print "sleep: " $3 " " $5 " " $6 }' "$tmp/out" >"$tmp/facts"
	if [ "$label" = head ]; then
		want "sleep: $(comm_of "$tracer") ${U}fam 0.123" "sleep: $(comm_of "$tracer") ${U}fam 0.045"
	else # 0.17's traces nanosleep only
		want "sleep: $(comm_of "$tracer") ${U}fam 0.123"
	fi
}

# ---- opensnoop: openat(fd of /tmp, NAME) of an existing and a missing file -------------
# Current opensnoop prints a relative path after the process's working directory, which it
# rebuilds from the dentries (the tracer's, inherited by -c); 0.17's prints it as given.
case_opensnoop() {
	local tracer=$1 file=$2 label=$3 rel pre=''
	rel=$(basename "$tmp")
	: >"$tmp/exists"
	trace "$tracer" "$file" 30 "$W/${U}open $rel/exists $rel/missing" ${4:+-- "$4"} || return 1
	awk -v c="${U}open" '$2 == c && $NF ~ /\/(exists|missing)$/ {
		e = $4; for (i = 5; i < NF; i++) e = e " " $i; print $3 " " e " " $NF }' \
		"$tmp/out" >"$tmp/facts"
	[ "$label" = head ] && pre="$(pwd -P)/"
	if [ "${4:-}" = --errname ]; then
		want "3 Success $pre$rel/exists" "-1 No such file or directory $pre$rel/missing"
	else
		want "3 0 $pre$rel/exists" "-1 2 $pre$rel/missing"
	fi
}
case_opensnoop_errname() { case_opensnoop "$@" --errname; }

# ---- pidpersec: a script forks 20 processes at once, then waits past the first tick -----
case_pidpersec() {
	local tracer=$1 file=$2 sum
	{
		for i in $(seq 20); do echo /bin/true; done
		echo "sleep 1.3"
	} >"$tmp/forks.sh"
	trace "$tracer" "$file" 30 "/bin/sh $tmp/forks.sh" || return 1
	sum=$(awk '/PIDs\/sec: @: [0-9]+$/ { n++; s += $NF } END { print n + 0, s + 0 }' "$tmp/out")
	{
		echo "ticks: $(yesno test "${sum% *}" -ge 1)"
		echo "at least the script's 20 forks: $(yesno test "${sum#* }" -ge 20)"
		echo "after END: $(grep '^@' "$tmp/out" | tail -n 1)"
	} >"$tmp/facts"
	want "ticks: yes" "at least the script's 20 forks: yes" "after END: @: 0"
}

# ---- setuids: setuid(0), setresuid(-1, -1, -1), setfsuid(0), setuid(-1) as root ----------
case_setuids() {
	local tracer=$1 file=$2
	trace "$tracer" "$file" 30 "$W/${U}fam setuid" || return 1
	awk -v c="${U}fam" '$3 == c { $1 = $2 = $3 = ""; sub(/^ +/, ""); print }' \
		"$tmp/out" >"$tmp/facts"
	want "0 setuid uid=0 (0)" "0 setresuid ruid=-1 euid=-1 suid=-1 (0)" \
		"0 setfsuid uid=0 (prevuid=0)" "0 setuid uid=-1 (-22)"
}

# ---- statsnoop: stat, lstat, statfs, statx of an existing file and a missing one --------
case_statsnoop() {
	local tracer=$1 file=$2
	: >"$tmp/exists"
	trace "$tracer" "$file" 30 "$W/${U}fam stat $tmp/exists" || return 1
	awk -v c="${U}fam" '$2 == c { print $3 " " $4 }' "$tmp/out" >"$tmp/facts"
	want "0 $tmp/exists" "2 $tmp/exists.missing" "0 $tmp/exists" "2 $tmp/exists.missing"
}

# ---- syncsnoop: sync, syncfs, fsync, fdatasync, sync_file_range, msync once each ---------
case_syncsnoop() {
	local tracer=$1 file=$2 p=tracepoint:syscalls:sys_enter_
	trace "$tracer" "$file" 30 "$W/${U}fam sync $BIO_DIR/syncfile" || return 1
	awk -v c="${U}fam" '$3 == c { print $4 }' "$tmp/out" >"$tmp/facts"
	want ${p}sync ${p}syncfs ${p}fsync ${p}fdatasync ${p}sync_file_range ${p}msync
}

# ---- syscount: the workload's count is its N getppid() calls plus what the same program
# makes for N = 0 (the dynamic loader's calls); both runs are of the tool.
syscount_of() { # syscount_of NAME: the @process value of comm NAME in $tmp/out
	awk -v k="@process[$1]:" '$1 == k { print $2 }' "$tmp/out"
}
case_syscount() {
	local tracer=$1 file=$2 n=200000 k v top after
	trace "$tracer" "$file" 30 "$W/${U}gpl 0" ${4:+-- "$4"} || return 1
	k=$(syscount_of "${U}gpl")
	trace "$tracer" "$file" 30 "$W/${U}gpl $n" ${4:+-- "$4"} || return 1
	v=$(syscount_of "${U}gpl")
	if [ "${4:-}" = --sysname ]; then
		top=$(awk '$1 == "@syscallname[getppid]:" { print $2 }' "$tmp/out")
	else
		top=$(awk '$1 == "@syscall[110]:" { print $2 }' "$tmp/out")
	fi
	# at most 10 of each map, ascending, and nothing printed after them: END cleared both
	after=$(awk '/^Top 10 / { sec++; n = 0; last = -1; done = 0; next }
		sec && !done && /^@[a-z]+\[/ { n++; if ($NF + 0 < last || n > 10) bad = 1; last = $NF + 0; next }
		sec && n && !NF { done = 1; next }
		sec == 2 && NF { extra++ }
		END { print (sec == 2 && !bad ? "two top-10 lists, ascending" : "not two ascending top-10 lists") \
			(extra ? ", then " extra " more lines" : "") }' "$tmp/out")
	{
		echo "getppid calls counted for the process: $(( ${v:-0} - ${k:-0} ))"
		echo "getppid at least $n: $(yesno test "${top:-0}" -ge $n)"
		echo "listed: $after"
	} >"$tmp/facts"
	want "getppid calls counted for the process: $n" "getppid at least $n: yes" \
		"listed: two top-10 lists, ascending"
}
case_syscount_sysname() { case_syscount "$@" --sysname; }

# ---- tcpdrop: tcp_synretrans closes its listener with a connection still in its accept
# queue; the kernel drops that connection's queued skb (tcp_disconnect, reason
# SOCKET_CLOSE): local port 0 (unhashed by then), the client's port, state CLOSE.
case_tcpdrop() {
	local tracer=$1 file=$2 port=$((30000 + $$ % 20000)) dport stack
	trace "$tracer" "$file" 30 "$W/${U}syn $port" || return 1
	awk -v c="${U}syn" '$3 == c && $6 == "CLOSE" { split($5, d, ":"); print $4 " " d[1] " " d[2];
		getline; while ((getline l) > 0 && l != "") if (l ~ /tcp_close/) s = 1; print "stack: " (s ? "tcp_close" : "-"); exit }' \
		"$tmp/out" >"$tmp/line"
	dport=$(awk 'NR == 1 { print $3 }' "$tmp/line")
	stack=$(awk 'NR == 2' "$tmp/line")
	{
		awk 'NR == 1 { print "drop: " $1 " " $2 }' "$tmp/line"
		if [ "${dport:-x}" = 0 ] && [ "$BSWAP_VAR_BUG" = 1 ] && [ "$(comm_of "$tracer")" != bpftrace ]; then
			echo "client port: known bug"
		else
			echo "client port: $(yesno test "${dport:-0}" -ge 1 -a "${dport:-0}" -le 65535)"
		fi
		echo "$stack"
	} >"$tmp/facts"
	if grep -q 'known bug' "$tmp/facts"; then
		echo "# tcpdrop ($file): DPORT printed 0: bswap() of a uint16 variable swaps 64 bits (variables are widened to 64 bits by sema); see COMPAT.md"
		want "drop: 127.0.0.1:0 127.0.0.1" "client port: known bug" "stack: tcp_close"
	else
		want "drop: 127.0.0.1:0 127.0.0.1" "client port: yes" "stack: tcp_close"
	fi
}

# ---- writeback: dirty 64 pages on the workload file's file system, then sync(1) -----------
case_writeback() {
	local tracer=$1 file=$2
	printf '%s\n' "dd if=/dev/zero of=$BIO_DIR/wbfile bs=4096 count=64 status=none" sync \
		"rm -f $BIO_DIR/wbfile" >"$tmp/wb.sh"
	trace "$tracer" "$file" 30 "/bin/sh $tmp/wb.sh" || return 1
	awk -v d="$BIO_BDI" '$2 == d && $4 == "sync" && $3 ~ /^[0-9]+$/ && $5 ~ /^[0-9]+\.[0-9][0-9][0-9]$/ { n++ }
		END { print "sync writeback of " d ": " (n ? "yes" : "no") }' "$tmp/out" >"$tmp/facts"
	want "sync writeback of $BIO_BDI: yes"
}

# ---- threadsnoop (current bpftrace's: `missing_probes = ignore` leaves out libpthread's
# pthread_create, gone into libc since glibc 2.34, and keeps libc's): the workload creates
# 3 worker threads, each seen once with its start routine, usym(arg2) (the workload stays
# 500 ms, so that its symbols still resolve when the tool prints)
case_threadsnoop() {
	local tracer=$1 file=$2
	trace "$tracer" "$file" 30 "$W/${U}thr 3 1 500" || return 1
	# TIME PID COMM FUNC
	awk -v c="${U}thr" '$3 == c { print $3 " " $4 }' "$tmp/out" >"$tmp/facts"
	want "${U}thr worker" "${U}thr worker" "${U}thr worker"
}

# ssl_workload: openssl (a copy named ${U}ssl) makes a P-256 key and certificate, serves
# one TLS connection on 127.0.0.1 and talks to itself with s_client
ssl_workload() {
	local port=$((40000 + $$ % 20000))
	cat >"$tmp/ssl.sh" <<EOS
"$W/${U}ssl" req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=localhost -keyout "$tmp/k.pem" -out "$tmp/c.pem" -days 1 2>/dev/null
"$W/${U}ssl" s_server -accept 127.0.0.1:$port -cert "$tmp/c.pem" -key "$tmp/k.pem" -naccept 1 -quiet >/dev/null 2>&1 &
sleep 0.5
printf 'hello\n' | "$W/${U}ssl" s_client -connect 127.0.0.1:$port -quiet >/dev/null 2>&1
wait
EOS
}

# ---- sslsnoop (current bpftrace's; the libcrypto functions Debian's stripped library
# does not export are left out by its `missing_probes = ignore`): the workload's
# SSL_write and SSL_read calls, each a line of its process (return values vary with the
# order the two ends close in)
case_sslsnoop() {
	local tracer=$1 file=$2
	ssl_workload
	trace "$tracer" "$file" 60 "/bin/sh $tmp/ssl.sh" || return 1
	# TIME(us) TID COMM LAT(us) RET FUNC
	awk -v c="${U}ssl" '$3 == c { print "call: " $6 }' "$tmp/out" | sort -u >"$tmp/facts"
	want "call: SSL_read" "call: SSL_write"
}

# ---- ssllatency (current bpftrace's): the same workload's calls in its per-function
# statistics (@stat: successful calls, @statF: failed ones), printed at exit
case_ssllatency() {
	local tracer=$1 file=$2
	ssl_workload
	trace "$tracer" "$file" 60 "/bin/sh $tmp/ssl.sh" || return 1
	sed -n 's/^@stat[F]*\[\(SSL_[a-z_]*\)\]: count [1-9].*/call: \1/p' "$tmp/out" | sort -u >"$tmp/facts"
	want "call: SSL_read" "call: SSL_write"
}
