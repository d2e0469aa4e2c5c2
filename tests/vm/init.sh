#!/bin/busybox sh
# tests/vm/init.sh — PID 1 of the test VM's initramfs (a template: run_vm.sh fills in
# @REPO@, @WORK@ (its private copies of ./bpfscript and build/workloads), @GUEST_ARGS@ and
# @GUEST_ENV@ (VM_KERNEL, VM_KCONFIG, BENCH_ROUNDS) and copies it into the initramfs as /init).
#
# Owns: bringing the guest up just far enough to run the project from the host's root:
# load the virtio and 9p modules (in /lib/modules/order: dependencies first), mount the
# host root read-only over 9p with proc, sysfs,
# devtmpfs, a tmpfs /tmp, tracefs, debugfs and bpffs inside it, chroot there and run
# tests/vm/guest.sh; then power off. Every line for the host starts with "@@VM ".
# Must not: run tests itself or write to the host (the share is read-only); a failure to
# come up is reported as "@@VM not ok boot: ..." so the host can tell it from a pass.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $(cat /lib/modules/order); do
	insmod /lib/modules/$m.ko 2>/dev/null
done
# The virtio device shows up asynchronously after its driver loads.
i=0
while ! mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144 hostroot /mnt 2>/dev/null; do
	i=$((i + 1))
	if [ $i -ge 50 ]; then
		echo "@@VM not ok boot: cannot mount the host root over 9p"
		dmesg | tail -5 | sed 's/^/@@VM # /'
		echo "@@VM DONE"
		poweroff -f
	fi
	sleep 0.1
done
mount -t proc proc /mnt/proc
mount -t sysfs sys /mnt/sys
mount -t devtmpfs dev /mnt/dev
# devtmpfs lacks these; bash needs /dev/fd for process substitution
ln -s /proc/self/fd /mnt/dev/fd
ln -s /proc/self/fd/0 /mnt/dev/stdin
ln -s /proc/self/fd/1 /mnt/dev/stdout
ln -s /proc/self/fd/2 /mnt/dev/stderr
mount -t tmpfs tmp /mnt/tmp
# The repo is shared on its own too: a checkout under /tmp (as CI may use) would otherwise
# be hidden by the guest's tmpfs. Mounting it over itself elsewhere is harmless.
mkdir -p "/mnt@REPO@"
if ! mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144 repo "/mnt@REPO@"; then
	echo "@@VM not ok boot: cannot mount the repository over 9p"
	echo "@@VM DONE"
	poweroff -f
fi
mount -t tracefs tracefs /mnt/sys/kernel/tracing
mount -t debugfs debugfs /mnt/sys/kernel/debug
mount -t bpf bpf /mnt/sys/fs/bpf
echo "@@VM UP $(cut -d' ' -f1 /proc/uptime)"
chroot /mnt /bin/bash -c 'ulimit -l unlimited; cd @REPO@ && @GUEST_ENV@ BPFSCRIPT=@WORK@/bpfscript WORKLOADS=@WORK@/workloads exec tests/vm/guest.sh @GUEST_ARGS@' 2>&1
echo "@@VM DONE $(cut -d' ' -f1 /proc/uptime)"
poweroff -f
