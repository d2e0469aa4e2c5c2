#!/usr/bin/env bash
# tests/vm/run_vm.sh — the kprobe/kretprobe suite, run in a VM because this machine's
# kernel has no kprobes.
#
# Owns: building the guest's initramfs into build/vm/ (busybox-static, tests/vm/init.sh and
# the virtio + 9p modules of the kernel and the modules they depend on, unless built in),
# building build/vm/bpf_objs, booting the kernel once under qemu (software emulation,
# -m 2G -smp 2, 1 for the bpo kernel) with the host root shared read-only over 9p, and turning the guest's
# "@@VM ok/not ok" console lines into this suite's "ok"/"not ok" lines and the final
# "N passed, N failed". Uses the release ./bpfscript (ASan under emulation is too slow)
# and build/workloads/*, both built on the host by `make test-build`.
# Must not: pass when the VM cannot run: no kernel image, no qemu, no busybox, a guest that
# never finishes, or a guest that reports no tests each count as a failure.
#
#   tests/vm/run_vm.sh [--kernel debian|bpo] [TEST...]   e.g. tests/vm/run_vm.sh kprobe_arg2 stop_sigkill
#     --kernel debian (default): the newest installed /boot/vmlinuz-*-amd64 (Debian 12's 6.1)
#       with /lib/modules/<ver>; runs every t_* of guest.sh except the multi_* ones.
#     --kernel bpo: bookworm-backports' 6.12 that `make setup` extracts into build/vm/bpo/
#       (tests/vm/fetch_bpo_kernel.sh; it has fprobes, so kprobe_multi links); runs the
#       multi_* tests and kprobe_multi (tests/vm/run_vm_multi.sh is this run as a suite).
#   VM_TIMEOUT=secs (default 600; ~3 min on an idle machine, far more when it is busy)    console log: build/vm/console.log
#   BENCH_ROUNDS=N: rounds of the kprobe_multi_bench (named only; takes tens of minutes)
#   BPFTRACE_MIRROR=DIR (a bare bpftrace clone): upstream_tools runs bpftrace's own kprobe
#     tools from it (tests/vm/guest_upstream.sh); without it that test is a skip
set -u
cd "$(dirname "$0")/../.." || exit 2
REPO=$(pwd)
OUT=build/vm
TIMEOUT=${VM_TIMEOUT:-600}
# what the guest needs; their dependencies come from modinfo, built-in ones are skipped
MODULES="virtio_pci 9pnet_virtio 9p"

fail_suite() {
	echo "not ok vm: $*"
	echo "0 passed, 1 failed"
	exit 1
}

flavour=debian
if [ "${1:-}" = --kernel ]; then
	flavour=${2:-}
	shift 2 || fail_suite "--kernel needs debian or bpo"
fi
case $flavour in
debian)
	kernel=$(ls /boot/vmlinuz-*-amd64 2>/dev/null | sort -V | tail -n 1)
	[ -n "$kernel" ] || fail_suite "no kernel image /boot/vmlinuz-*-amd64 (make setup installs linux-image-amd64)"
	ver=${kernel#/boot/vmlinuz-}
	moddir=/lib/modules/$ver
	kconfig=/boot/config-$ver
	;;
bpo)
	kernel=$(ls build/vm/bpo/boot/vmlinuz-* 2>/dev/null | sort -V | tail -n 1)
	[ -n "$kernel" ] || fail_suite "no build/vm/bpo/boot/vmlinuz-* (make setup fetches bookworm-backports' kernel with tests/vm/fetch_bpo_kernel.sh; run it to see why it failed)"
	ver=${kernel#build/vm/bpo/boot/vmlinuz-}
	moddir=build/vm/bpo/lib/modules/$ver
	kconfig=$REPO/build/vm/bpo/boot/config-$ver
	grep -q '^CONFIG_FPROBE=y' "$kconfig" 2>/dev/null || fail_suite "$kconfig lacks CONFIG_FPROBE=y"
	;;
*) fail_suite "--kernel $flavour: want debian or bpo" ;;
esac
[ -d "$moddir/kernel" ] || fail_suite "no $moddir for $kernel"
command -v modinfo >/dev/null || PATH=$PATH:/sbin:/usr/sbin
command -v modinfo >/dev/null || fail_suite "modinfo missing (Debian's kmod package)"
command -v qemu-system-x86_64 >/dev/null || fail_suite "qemu-system-x86_64 missing (make setup installs qemu-system-x86)"
busybox=/bin/busybox
file -L "$busybox" 2>/dev/null | grep -q 'statically linked' ||
	{ [ -x /usr/bin/busybox ] && busybox=/usr/bin/busybox; }
[ -x "$busybox" ] || fail_suite "busybox missing (make setup installs busybox-static)"
# A parallel `make` may be relinking it right now (an empty, non-executable file for a while).
for _ in $(seq 60); do [ -x ./bpfscript ] && [ -s ./bpfscript ] && break; sleep 1; done
[ -x ./bpfscript ] || fail_suite "./bpfscript not built (make test-build)"
[ -x build/workloads/read_sizes ] || fail_suite "build/workloads not built (make test-build)"

mkdir -p "$OUT"
gcc -std=gnu11 -O1 -Wall -Wextra -Werror -o "$OUT/bpf_objs" tests/vm/bpf_objs.c ||
	fail_suite "cannot build tests/vm/bpf_objs.c"

# ---- initramfs: rebuilt every run (it takes well under a second), into a private
# directory so two runs at once do not trip over each other.
work=$(mktemp -d "$OUT/run.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/initramfs
mkdir -p "$root"/{bin,dev,proc,sys,mnt,lib/modules}
cp "$busybox" "$root/bin/busybox"
# add_module NAME: NAME's dependencies, then NAME, into the initramfs and its load order.
declare -A seen_module
add_module() {
	local m=$1 ko d
	[ -n "${seen_module[$m]:-}" ] && return 0
	seen_module[$m]=1
	grep -Eq "/${m//_/[-_]}\.ko$" "$moddir/modules.builtin" 2>/dev/null && return 0
	ko=$(find "$moddir/kernel" \( -name "$m.ko" -o -name "$m.ko.xz" -o -name "$m.ko.zst" \) | head -n 1)
	[ -n "$ko" ] || fail_suite "module $m not found under $moddir"
	for d in $(modinfo -F depends "$ko" | tr , ' '); do add_module "$d"; done
	case $ko in
	*.xz) xz -dc "$ko" >"$root/lib/modules/$m.ko" ;;
	*.zst) zstd -qdc "$ko" >"$root/lib/modules/$m.ko" ;;
	*) cp "$ko" "$root/lib/modules/$m.ko" ;;
	esac || fail_suite "cannot copy module $m"
	echo "$m" >>"$root/lib/modules/order"
}
for m in $MODULES; do add_module "$m"; done
# Private copies of what the guest runs: other builds may relink ./bpfscript or rebuild a
# workload at any moment, and the guest sees the host's files live.
cp ./bpfscript "$work/bpfscript" && cp -r build/workloads "$work/workloads" ||
	fail_suite "cannot copy ./bpfscript and build/workloads"
# bpftrace's own tools for tests/vm/guest_upstream.sh, when a mirror is given (nothing is
# downloaded): tools/*.bt of its HEAD and v0.17.0, where the guest reads them over 9p.
upstream=''
if [ -n "${BPFTRACE_MIRROR:-}" ] && git --git-dir="$BPFTRACE_MIRROR" rev-parse -q --verify 'HEAD^{commit}' >/dev/null 2>&1; then
	upstream=$REPO/$work/upstream
	for rev in HEAD:head v0.17.0:0.17; do
		mkdir -p "$work/upstream/${rev#*:}"
		git --git-dir="$BPFTRACE_MIRROR" ls-tree --name-only "${rev%%:*}" tools/ 2>/dev/null | grep '\.bt$' |
			while IFS= read -r p; do
				git --git-dir="$BPFTRACE_MIRROR" show "${rev%%:*}:$p" >"$work/upstream/${rev#*:}/$(basename "$p")"
			done
	done
fi
guest_args=''
for t in "$@"; do guest_args="$guest_args $(printf '%q' "$t")"; done
sed -e "s|@REPO@|$REPO|" -e "s|@WORK@|$REPO/$work|g" -e "s|@GUEST_ARGS@|$guest_args|" \
	-e "s|@GUEST_ENV@|VM_KERNEL=$flavour VM_KCONFIG=$kconfig BENCH_ROUNDS=${BENCH_ROUNDS:-3} UPSTREAM_TOOLS=$upstream|" tests/vm/init.sh >"$root/init"
chmod +x "$root/init"
(cd "$root" && find . | "$busybox" cpio -o -H newc 2>/dev/null | gzip -1) >"$work/initrd.gz" ||
	fail_suite "cannot build the initramfs"

# ---- boot once; every test runs in this one boot
# The bpo kernel boots with one CPU: its tests patch the 9p module's text (ftrace) while the
# guest executes from the 9p share, and under qemu's software emulation a second vCPU can run
# a stale translation of a call being patched (seen once: a panic at v9fs_file_mmap+0x5, in
# the middle of the patched call). One vCPU never executes during the patch.
smp=2
[ "$flavour" = bpo ] && smp=1
log=$work/console.log
start=$(date +%s)
timeout -k 5 "$TIMEOUT" qemu-system-x86_64 -m 2G -smp $smp -nographic -no-reboot \
	-kernel "$kernel" -initrd "$work/initrd.gz" \
	-append "console=ttyS0 quiet panic=-1" \
	-virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap" \
	-virtfs "local,path=$REPO,mount_tag=repo,security_model=none,readonly=on,multidevs=remap" \
	</dev/null >"$log" 2>&1
qrc=$?
[ -f "$log" ] || fail_suite "$work vanished during the run (was build/ cleaned meanwhile?)"
cp "$log" "$OUT/console.log"
tr -d '\r' <"$log" >"$work/clean.log"

pass=0
failed=0
skipped=0
while IFS= read -r line; do
	case $line in
	'@@VM ok '*)
		echo "ok ${line#@@VM ok }"
		pass=$((pass + 1))
		;;
	'@@VM not ok '*)
		echo "not ok ${line#@@VM not ok }"
		failed=$((failed + 1))
		;;
	'@@VM # '*) echo "    ${line#@@VM # }" ;;
	'@@VM skip '*)
		echo "skip ${line#@@VM skip }"
		skipped=$((skipped + 1))
		;;
	esac
done < <(grep -a '^@@VM ' "$work/clean.log")

if ! grep -aq '^@@VM DONE' "$work/clean.log"; then
	echo "not ok vm: the guest did not finish (qemu exit $qrc after $(($(date +%s) - start)) s; log in $OUT/console.log)"
	tail -n 15 "$work/clean.log" | sed 's/^/    /'
	failed=$((failed + 1))
elif [ $((pass + failed + skipped)) = 0 ]; then
	echo "not ok vm: the guest ran no tests (log in $OUT/console.log)"
	tail -n 15 "$work/clean.log" | sed 's/^/    /'
	failed=$((failed + 1))
fi
echo "# vm: $(($(date +%s) - start)) s, kernel $ver"
echo "$pass passed, $failed failed"
[ "$failed" = 0 ]
