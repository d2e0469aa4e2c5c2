# shellcheck shell=bash
# tests/vm/guest_upstream.sh — bpftrace's own kprobe tools, unmodified, in the test VM.
#
# Owns: t_upstream_tools: capable, vfscount, vfsstat, tcpconnect, tcpaccept, tcplife,
# tcpretrans and tcpsynbl of
# bpftrace's HEAD and v0.17.0, which tests/vm/run_vm.sh extracts from $BPFTRACE_MIRROR
# into $UPSTREAM_TOOLS/{head,0.17} on the host (the guest sees them over 9p), each run on a
# workload it starts, with the facts read from its lines checked; after each, nothing of
# ours may be left in the kernel. Without the mirror every test is a skip line.
# Must not: contain any of bpftrace's text, or write outside $T.
# Sourced by tests/vm/guest.sh (ok, not_ok, run, clean_or_fail, $W, $T, $BT).

# up_check NAME WANT FACTS: ok NAME when the facts equal what is wanted, and it is clean.
up_check() {
	local name=$1
	if [ $RC != 0 ]; then
		not_ok "$name" "exit status $RC"
	elif [ "$2" != "$3" ]; then
		not_ok "$name" "want [$(echo "$2" | tr '\n' ';')] got [$(echo "$3" | tr '\n' ';')]"
	else
		clean_or_fail "$name" && ok "$name"
	fi
}

# A port read through `$p = ...skc_dport; $p = bswap($p)`: 0 while bpfscript widens the
# variable to 64 bits before bswap() (COMPAT.md); the facts say "known bug" then.
up_port() {
	if [ "$1" = 0 ] && [ "$UP_BSWAP_BUG" = 1 ]; then echo "known bug"; else echo "$1"; fi
}

t_upstream_tools() {
	local dir l t f port=39531 want facts
	if [ -z "${UPSTREAM_TOOLS:-}" ] || [ ! -d "${UPSTREAM_TOOLS:-}" ]; then
		echo "@@VM skip upstream_tools: BPFTRACE_MIRROR was not set for tests/vm/run_vm.sh"
		return
	fi
	# the guest comes up with its loopback interface down (tcp_loopback's connects)
	ip link set lo up 2>/dev/null || busybox ip link set lo up 2>/dev/null
	UP_BSWAP_BUG=0
	[ "$("$BT" -e 'BEGIN { $d = (uint16)0x1234; printf("%x\n", bswap($d)); exit(); }' 2>/dev/null |
		head -n 1)" = 0 ] && UP_BSWAP_BUG=1
	[ "$UP_BSWAP_BUG" = 1 ] && echo "@@VM # upstream tools: bswap() of a uint16 variable gives 0 (COMPAT.md), so a remote port read through it is accepted as 0"
	for dir in "$UPSTREAM_TOOLS"/*/; do
		l=$(basename "$dir")
		for t in capable vfscount vfsstat tcpconnect tcpaccept tcplife tcpretrans tcpsynbl; do
			f=$dir/$t.bt
			[ -f "$f" ] || { echo "@@VM skip upstream_${l}_$t: no tools/$t.bt at $l"; continue; }
			"up_$t" "upstream_${l}_$t" "$f"
		done
	done
}

# capable: setuid(0) as root asks for CAP_SETUID (7) once, not audited out.
up_capable() {
	run "$1" 60 -c "$W/syscall_families setuid" "$2"
	facts=$(awk '$4 == "syscall_familie" && $5 == 7 { print "uid " $2 " " $5 " " $6 }' "$T/$1.out" | sort -u)
	up_check "$1" "uid 0 7 CAP_SETUID" "$facts"
}

# vfscount: every vfs_* call by function; the workload's 300 reads are among vfs_read's.
up_vfscount() {
	run "$1" 60 -c "$W/read_sizes 300 1000" "$2"
	facts=$(awk '$1 == "@[vfs_read]:" { r = $2 } /^@\[vfs_[a-z_0-9]+\]: [0-9]+$/ { n++ } /^@/ && !/^@\[vfs_[a-z_0-9]+\]: [0-9]+$/ { bad++ }
		END { print "vfs_read >= 300: " (r >= 300 ? "yes" : "no"); print "functions: " (n > 1 ? "several" : n + 0); print "other lines: " bad + 0 }' "$T/$1.out")
	up_check "$1" "$(printf '%s\n' 'vfs_read >= 300: yes' 'functions: several' 'other lines: 0')" "$facts"
}

# vfsstat: per-second counts of five VFS functions while the workload reads 300 times and
# then sleeps past two ticks.
up_vfsstat() {
	run "$1" 90 -c "sh -c '$W/read_sizes 300 1000 && sleep 2.5'" "$2"
	facts=$(awk '$1 == "@[vfs_read]:" { r += $2 } /^[0-9][0-9]:[0-9][0-9]:[0-9][0-9]$/ { b++ }
		END { print "ticks >= 2: " (b >= 2 ? "yes" : "no"); print "vfs_read >= 300: " (r >= 300 ? "yes" : "no") }' "$T/$1.out")
	up_check "$1" "$(printf '%s\n' 'ticks >= 2: yes' 'vfs_read >= 300: yes')" "$facts"
}

# tcpconnect: tcp_loopback connects to 127.0.0.1:PORT from an ephemeral port.
up_tcpconnect() {
	local dp=$port
	[ "$UP_BSWAP_BUG" = 1 ] && dp="known bug"
	run "$1" 60 -c "$W/tcp_loopback $port" "$2"
	facts=$(awk '$3 == "tcp_loopback" { print $4, ($5 > 0 ? "port" : $5), $6, $7 }' "$T/$1.out" |
		while read -r a p d n; do echo "$a $p $d $(up_port "$n")"; done)
	up_check "$1" "127.0.0.1 port 127.0.0.1 $dp" "$facts"
}

# tcpaccept: tcp_loopback accepts its own connection on 127.0.0.1:PORT (listen backlog 8), from an ephemeral
# port; BL is the listener's queue length and limit.
up_tcpaccept() {
	local rp=port
	[ "$UP_BSWAP_BUG" = 1 ] && rp="known bug"
	run "$1" 60 -c "$W/tcp_loopback $port" "$2"
	facts=$(awk '$3 == "tcp_loopback" { print $4, $5, $6, $7, $8 }' "$T/$1.out" |
		while read -r ra p la lp bl; do
			p=$(up_port "$p")
			[ "$p" != "known bug" ] && [ "$p" -gt 0 ] && p=port
			echo "$ra $p $la $lp $bl"
		done)
	up_check "$1" "127.0.0.1 $rp 127.0.0.1 $port 0/8" "$facts"
}

# tcplife: both ends of tcp_loopback's connection close (the client first, so it is the
# one through TIME_WAIT); each line has the process (cached at SYN_SENT and LAST_ACK),
# both addresses and ports, 0 KB each way (5 bytes) and a lifetime.
up_tcplife() {
	local bug=''
	[ "$UP_BSWAP_BUG" = 1 ] && bug=1
	run "$1" 60 -c "$W/tcp_loopback $port" "$2"
	facts=$(awk -v p=$port -v bug="$bug" '$2 == "tcp_loopba" { # COMM is %-10.10s
		rp = $6 == p ? "PORT" : ($6 > 0 ? "eph" : (bug ? "known bug" : $6))
		lp = $4 == p ? "PORT" : ($4 > 0 ? "eph" : $4)
		print $3 " " lp " " $5 " " rp " " $7 " " $8 " " ($9 ~ /^[0-9]+$/ ? "ms" : $9) }' "$T/$1.out" | sort)
	if [ -n "$bug" ]; then
		want=$(printf '%s\n' "127.0.0.1 PORT 127.0.0.1 known bug 0 0 ms" "127.0.0.1 eph 127.0.0.1 known bug 0 0 ms")
	else
		want=$(printf '%s\n' "127.0.0.1 PORT 127.0.0.1 eph 0 0 ms" "127.0.0.1 eph 127.0.0.1 PORT 0 0 ms")
	fi
	up_check "$1" "$want" "$facts"
}

# tcpretrans: tcp_synretrans's three SYNs that its full listener dropped are sent again
# after 1 s, in state SYN_SENT, from ephemeral ports to PORT.
up_tcpretrans() {
	local rp=$port
	[ "$UP_BSWAP_BUG" = 1 ] && rp=0
	run "$1" 60 -c "$W/tcp_synretrans $port" "$2"
	facts=$(awk -v rp="127.0.0.1:$rp" '$4 == rp && $3 ~ /^127\.0\.0\.1:[1-9]/ && $5 == "SYN_SENT" { n++ }
		END { print "SYN_SENT retransmits: " (n >= 2 ? "at least 2" : n + 0) }' "$T/$1.out")
	up_check "$1" "SYN_SENT retransmits: at least 2" "$facts"
}

# tcpsynbl: tcp_loopback's listener (backlog limit 8) completes one handshake with an
# empty accept queue.
up_tcpsynbl() {
	run "$1" 60 -c "$W/tcp_loopback $port" "$2"
	facts=$(awk '/^@backlog\[/ { k = $1; next } k != "" && /^\[/ { print k " " $1 " " $2; next } { k = "" }' "$T/$1.out")
	up_check "$1" "@backlog[8]: [0] 1" "$facts"
}
