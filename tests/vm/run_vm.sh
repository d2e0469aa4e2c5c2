#!/usr/bin/env bash
# tests/vm/run_vm.sh — the kprobe/kretprobe suite, run in a VM because this machine's
# kernel has no kprobes.
#
# Owns: building the guest's initramfs into build/vm/ (busybox-static, tests/vm/init.sh and
# the virtio + 9p modules of the newest /boot/vmlinuz-*-amd64 from /lib/modules/<ver>),
# building build/vm/bpf_objs, booting that kernel once under qemu (software emulation,
# -m 2G -smp 2) with the host root shared read-only over 9p, and turning the guest's
# "@@VM ok/not ok" console lines into this suite's "ok"/"not ok" lines and the final
# "N passed, N failed". Uses the release ./bpfscript (ASan under emulation is too slow)
# and build/workloads/*, both built on the host by `make test-build`.
# Must not: pass when the VM cannot run: no kernel image, no qemu, no busybox, a guest that
# never finishes, or a guest that reports no tests each count as a failure.
#
#   tests/vm/run_vm.sh [TEST...]     e.g. tests/vm/run_vm.sh kprobe_arg2 stop_sigkill
#   VM_TIMEOUT=secs (default 420; ~2 min on an idle machine)    console log: build/vm/console.log
set -u
cd "$(dirname "$0")/../.." || exit 2
REPO=$(pwd)
OUT=build/vm
TIMEOUT=${VM_TIMEOUT:-420}
MODULES="virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci netfs fscache 9pnet 9pnet_virtio 9p"

fail_suite() {
	echo "not ok vm: $*"
	echo "0 passed, 1 failed"
	exit 1
}

kernel=$(ls /boot/vmlinuz-*-amd64 2>/dev/null | sort -V | tail -n 1)
[ -n "$kernel" ] || fail_suite "no kernel image /boot/vmlinuz-*-amd64 (make setup installs linux-image-amd64)"
ver=${kernel#/boot/vmlinuz-}
[ -d "/lib/modules/$ver" ] || fail_suite "no /lib/modules/$ver for $kernel"
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
for m in $MODULES; do
	ko=$(find "/lib/modules/$ver/kernel" -name "$m.ko" -o -name "$m.ko.xz" -o -name "$m.ko.zst" | head -n 1)
	[ -n "$ko" ] || fail_suite "module $m not found under /lib/modules/$ver"
	case $ko in
	*.xz) xz -dc "$ko" >"$root/lib/modules/$m.ko" ;;
	*.zst) zstd -qdc "$ko" >"$root/lib/modules/$m.ko" ;;
	*) cp "$ko" "$root/lib/modules/$m.ko" ;;
	esac || fail_suite "cannot copy module $m"
done
# Private copies of what the guest runs: other builds may relink ./bpfscript or rebuild a
# workload at any moment, and the guest sees the host's files live.
cp ./bpfscript "$work/bpfscript" && cp -r build/workloads "$work/workloads" ||
	fail_suite "cannot copy ./bpfscript and build/workloads"
guest_args=''
for t in "$@"; do guest_args="$guest_args $(printf '%q' "$t")"; done
sed -e "s|@REPO@|$REPO|" -e "s|@WORK@|$REPO/$work|g" -e "s|@GUEST_ARGS@|$guest_args|" tests/vm/init.sh >"$root/init"
chmod +x "$root/init"
(cd "$root" && find . | "$busybox" cpio -o -H newc 2>/dev/null | gzip -1) >"$work/initrd.gz" ||
	fail_suite "cannot build the initramfs"

# ---- boot once; every test runs in this one boot
log=$work/console.log
start=$(date +%s)
timeout -k 5 "$TIMEOUT" qemu-system-x86_64 -m 2G -smp 2 -nographic -no-reboot \
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
	esac
done < <(grep -a '^@@VM ' "$work/clean.log")

if ! grep -aq '^@@VM DONE' "$work/clean.log"; then
	echo "not ok vm: the guest did not finish (qemu exit $qrc after $(($(date +%s) - start)) s; log in $OUT/console.log)"
	tail -n 15 "$work/clean.log" | sed 's/^/    /'
	failed=$((failed + 1))
elif [ $((pass + failed)) = 0 ]; then
	echo "not ok vm: the guest ran no tests (log in $OUT/console.log)"
	tail -n 15 "$work/clean.log" | sed 's/^/    /'
	failed=$((failed + 1))
fi
echo "# vm: $(($(date +%s) - start)) s, kernel $ver"
echo "$pass passed, $failed failed"
[ "$failed" = 0 ]
