#!/usr/bin/env bash
# tests/vm/fetch_bpo_kernel.sh — fetch Debian's bookworm-backports kernel (6.12) for the
# kprobe_multi VM suite (tests/vm/run_vm_multi.sh) into build/vm/bpo/, without installing it.
#
# Why: Debian 12's own 6.1 kernel is built without fprobes (# CONFIG_FPROBE is not set), so
# it refuses kprobe_multi links; the backports kernel has CONFIG_FPROBE=y. Called by
# `make setup`.
# Owns: a private apt sources list and package lists under build/vm/bpo-apt/ (the system's
# apt configuration and dpkg database are never touched), `apt-get download` of the package
# that bookworm-backports' linux-image-amd64 depends on, `dpkg-deb -x` of it into
# build/vm/bpo/ (boot/vmlinuz-VER, boot/config-VER, lib/modules/VER/), and checking that
# config has what the VM needs (fprobes, kprobes, BPF, BTF, 9p over virtio).
# Must not: install anything system-wide, or succeed without a usable kernel: on any failure
# it says why on stderr and exits 1 (the suite then fails with "no kernel", never skips).
# Once build/vm/bpo/ holds a checked kernel it does nothing (no network).
#
#   tests/vm/fetch_bpo_kernel.sh [-f]     -f: fetch again even if one is present
set -u
cd "$(dirname "$0")/../.." || exit 1
DEST=build/vm/bpo
APT=build/vm/bpo-apt
MIRROR=${BPO_MIRROR:-http://deb.debian.org/debian}
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

die() {
	echo "fetch_bpo_kernel: $*" >&2
	exit 1
}

# check_config FILE: the options the kprobe_multi VM needs, one line per missing one.
check_config() {
	local opt bad=''
	for opt in FPROBE KPROBES KPROBE_EVENTS BPF_SYSCALL BPF_EVENTS DEBUG_INFO_BTF \
		DEBUG_INFO_BTF_MODULES DYNAMIC_FTRACE VIRTIO_PCI NET_9P NET_9P_VIRTIO 9P_FS \
		SERIAL_8250_CONSOLE DEVTMPFS BLK_DEV_INITRD RD_GZIP; do
		grep -Eq "^CONFIG_$opt=(y|m)$" "$1" || bad="$bad CONFIG_$opt"
	done
	[ -z "$bad" ] || { echo "$1 lacks:$bad" >&2; return 1; }
}

have() {
	local cfg
	cfg=$(ls "$DEST"/boot/config-* 2>/dev/null | head -n 1)
	[ -n "$cfg" ] && ls "$DEST"/boot/vmlinuz-* >/dev/null 2>&1 &&
		[ -d "$DEST/lib/modules/${cfg##*/config-}/kernel" ] && check_config "$cfg" 2>/dev/null
}

[ "${1:-}" != "-f" ] && have && { echo "fetch_bpo_kernel: have $(ls "$DEST"/boot/vmlinuz-*)"; exit 0; }

command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null || die "apt-get and dpkg-deb are needed"
[ -r "$KEYRING" ] || die "no $KEYRING (Debian's debian-archive-keyring package)"
mkdir -p "$APT/lists/partial" "$APT/cache/archives/partial" "$APT/deb" || die "cannot create $APT"
echo "deb [signed-by=$KEYRING] $MIRROR bookworm-backports main" >"$APT/sources.list"
# Everything apt reads or writes lives under $APT; the dpkg status file is an empty one, so
# nothing installed on this machine matters or changes.
: >"$APT/status"
opts=(-o "Dir::Etc::SourceList=$PWD/$APT/sources.list" -o Dir::Etc::SourceParts=/nonexistent
	-o "Dir::State::Lists=$PWD/$APT/lists" -o "Dir::Cache=$PWD/$APT/cache"
	-o "Dir::State::status=$PWD/$APT/status" -o APT::Sandbox::User=root
	-o Acquire::Retries=3 -o Debug::NoLocking=1)
apt-get "${opts[@]}" -qq --error-on=any update >"$APT/update.log" 2>&1 ||
	{ cat "$APT/update.log" >&2; die "apt-get update of $MIRROR bookworm-backports failed"; }
# The metapackage names the current kernel package (backports replaces old versions).
pkg=$(apt-cache "${opts[@]}" show --no-all-versions linux-image-amd64 2>/dev/null |
	sed -n 's/^Depends: \(linux-image-[0-9][^ ,]*-amd64\).*/\1/p' | head -n 1)
[ -n "$pkg" ] || die "bookworm-backports' linux-image-amd64 names no kernel package"
echo "fetch_bpo_kernel: downloading $pkg from $MIRROR bookworm-backports"
rm -f "$APT"/deb/*.deb
(cd "$APT/deb" && apt-get "${opts[@]}" -qq download "$pkg") >"$APT/download.log" 2>&1 ||
	{ cat "$APT/download.log" >&2; die "apt-get download $pkg failed"; }
deb=$(ls "$APT"/deb/*.deb 2>/dev/null | head -n 1)
[ -n "$deb" ] || die "apt-get download $pkg left no .deb"
tmp=$(mktemp -d "build/vm/bpo.XXXXXX") || die "cannot create a temporary directory"
trap 'rm -rf "$tmp"' EXIT
dpkg-deb -x "$deb" "$tmp" || die "dpkg-deb -x $deb failed"
cfg=$(ls "$tmp"/boot/config-* 2>/dev/null | head -n 1)
[ -n "$cfg" ] && ls "$tmp"/boot/vmlinuz-* >/dev/null 2>&1 || die "$deb has no boot/vmlinuz-* and boot/config-*"
check_config "$cfg" || die "$pkg cannot run the kprobe_multi suite"
rm -rf "$DEST" && mv "$tmp" "$DEST" || die "cannot move the kernel into $DEST"
rm -f "$deb"
echo "fetch_bpo_kernel: have $(ls "$DEST"/boot/vmlinuz-*)"
