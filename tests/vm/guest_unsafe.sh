#!/bin/bash
# tests/vm/guest_unsafe.sh — the tests of write_user(), override(), socket_cookie() and
# skboutput() in the VM, sourced by tests/vm/guest.sh (its run/ok/not_ok/has/clean_or_fail
# helpers, $BT, $W and $T). The host cannot run them: it is in lockdown mode (no
# bpf_probe_write_user) and refuses fentry programs; the guest's Debian kernel has neither
# limit, and no CONFIG_BPF_KPROBE_OVERRIDE (override()'s refusal is what it tests).
#
# Owns: t_write_user, t_override_refused, t_socket_cookie, t_skboutput, with their own
# workloads (build/workloads/poke_target) and exact expected values.
# Must not: run anything when sourced (only define t_* functions), or write outside /tmp.

# write_user: 100 calls of poke(&value, buf); each one's value becomes 42 and its buf's
# first 6 bytes "EDITED" ("original" → "EDITEDal"); every write succeeds (true).
t_write_user() {
	run write_user 60 --unsafe -c "$W/poke_target 100" -e '
uprobe:'"$W"'/poke_target:poke {
	$v = 42; @ok[write_user(arg0, &$v, 8)] = count();
	$s = "EDITED"; @s[write_user(arg1, $s, 6)] = count();
}'
	if [ $RC != 0 ]; then
		not_ok write_user "exit status $RC"
	elif ! has write_user "changed=100 value=42 buf=EDITEDal"; then
		not_ok write_user "want the workload's 'changed=100 value=42 buf=EDITEDal'"
	elif ! has write_user "@ok[true]: 100" || ! has write_user "@s[true]: 100"; then
		not_ok write_user "want @ok[true]: 100 and @s[true]: 100"
	else
		ok write_user
	fi
	clean_or_fail write_user_clean && ok write_user_clean
}

# override() on a kernel without bpf_override_return: one sentence naming the helper and
# the kernel option, a non-zero exit, nothing left behind.
t_override_refused() {
	run override_refused 60 --unsafe -c "$W/getppid_loop 10" -e 'kprobe:__x64_sys_getppid { override(5); }'
	local want="call bpf_override_return (this kernel has no such helper): override() needs a kernel built with CONFIG_BPF_KPROBE_OVERRIDE"
	if grep -q '^CONFIG_BPF_KPROBE_OVERRIDE=y' "$KCONFIG"; then
		echo "@@VM # this kernel has CONFIG_BPF_KPROBE_OVERRIDE: the refusal cannot be tested"
		ok override_refused
	elif [ $RC = 0 ] || ! grep -Fq "$want" "$T/override_refused.err" ||
		[ "$(grep -c ERROR "$T/override_refused.err")" != 1 ]; then
		not_ok override_refused "exit status $RC, want one error with: $want"
	else
		ok override_refused
	fi
	clean_or_fail override_refused_clean && ok override_refused_clean
}

# The guest starts with its loopback device down.
lo_up() {
	ip link set lo up 2>/dev/null || busybox ip link set lo up 2>/dev/null
}

# socket_cookie(args.sk) in fentry:udp_sendmsg: the cookie the workload reads with
# getsockopt(SO_COOKIE), counted once per datagram it sends (50).
t_socket_cookie() {
	lo_up
	run socket_cookie 60 -c "$W/poke_target udp 50 100" -e '
fentry:udp_sendmsg /pid == cpid/ { @[socket_cookie(args.sk)] = count(); }'
	local cookie
	cookie=$(sed -n 's/^cookie=//p' "$T/socket_cookie.out")
	if [ $RC != 0 ] || [ -z "$cookie" ]; then
		not_ok socket_cookie "exit status $RC, cookie '${cookie}'"
	elif ! has socket_cookie "@[$cookie]: 50" || [ "$(grep -c '^@\[' "$T/socket_cookie.out")" != 1 ]; then
		not_ok socket_cookie "want only @[$cookie]: 50 (the workload's SO_COOKIE)"
	else
		ok socket_cookie
	fi
	clean_or_fail socket_cookie_clean && ok socket_cookie_clean
}

# skboutput: the workload's 40 UDP datagrams of 1100 bytes over 127.0.0.1 (IP packets of
# 1128 bytes) as ip_rcv receives them, whole into one pcap file and from offset 20 (the
# UDP header on) into another; checked byte for byte by tests/vm/pcap_check.py.
t_skboutput() {
	lo_up
	rm -f "$T/ip.pcap" "$T/udp.pcap"
	run skboutput 60 -c "$W/poke_target udp 40 1100" -e '
fentry:ip_rcv /args.skb->len == 1128/ {
	@ip[skboutput("'"$T"'/ip.pcap", args.skb, args.skb->len, 0)] = count();
	@udp[skboutput("'"$T"'/udp.pcap", args.skb, 1128, 20)] = count();
}'
	local why
	if [ $RC != 0 ]; then
		not_ok skboutput "exit status $RC"
	elif ! has skboutput "@ip[0]: 40" || ! has skboutput "@udp[0]: 40"; then
		not_ok skboutput "want @ip[0]: 40 and @udp[0]: 40 (every output succeeded)"
	elif ! why=$(python3 tests/vm/pcap_check.py "$T/ip.pcap" 40 1128 ip 1100 &&
		python3 tests/vm/pcap_check.py "$T/udp.pcap" 40 1108 udp 1100); then
		not_ok skboutput "pcap files: $why"
	else
		ok skboutput
	fi
	clean_or_fail skboutput_clean && ok skboutput_clean
}
