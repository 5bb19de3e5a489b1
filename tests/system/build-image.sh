#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-only
# Builds, once per recipe, the dom0 image that `make system-test` boots
# under QEMU for one Xen version: a debootstrapped Debian root with the
# hypervisor, xl, qemu-xen and the distribution's kernel, packed as one
# uncompressed cpio initramfs (unpacking gzip under TCG costs more than
# loading the bytes).  The base of a Linux stub domain is made from it
# by tests/system/build-stub.sh, cached beside it under its own key.
# The daemon, the stub-side glue, the stub's /init and the test are not
# in either: run.sh hands them to dom0 on a disk at boot, so changing
# them never rebuilds an image.
#
#   build-image.sh CACHE VERSION   VERSION 4.17 (Debian 12) or 4.20
#                                  (Debian 13); prints the directory
#                                  holding xen, vmlinuz and initrd.cpio
#
# The image is keyed on the version and this file's hash: CACHE/VERSION-KEY
# is reused while it is complete.  Only older keys of the same version are
# removed when a new one is built: the other version's image, and a key
# another run may be using, are left alone.
set -euo pipefail

cache=${1:?usage: build-image.sh CACHE VERSION}
version=${2:?usage: build-image.sh CACHE VERSION}
mirror=${SYSTEM_MIRROR:-http://deb.debian.org/debian}
case $version in
4.17) suite=bookworm ;;
4.20) suite=trixie ;;
*) echo "build-image: no recipe for Xen $version" >&2; exit 2 ;;
esac
packages=xen-hypervisor-$version-amd64,xen-utils-$version,qemu-system-xen
packages=$packages,linux-image-amd64,xenstore-utils,kmod,procps,jq,python3
# For the stub domain's root (build-stub.sh takes it from dom0's).
packages=$packages,busybox-static
# mkfs.ext4 for the stub guest's media (trixie's minbase lacks it).
packages=$packages,e2fsprogs

key=$(sha256sum "$0" | cut -c1-16)
out=$cache/$version-$key

if [ -s "$out/initrd.cpio" ] && [ -s "$out/xen" ] && [ -s "$out/vmlinuz" ]
then
	echo "$out"
	exit 0
fi
start=$(date +%s)
mkdir -p "$cache"
work=$cache/$version-$key.tmp.$$
rm -rf "$work"
mkdir -p "$work"
root=$work/root
# A failed build leaves nothing that looks like an image.
trap 'rm -rf "$work"' EXIT

echo "build-image: debootstrap $suite into $root" >&2
debootstrap --variant=minbase --include="$packages" "$suite" "$root" \
    "$mirror" >"$work/debootstrap.log" 2>&1 || {
	tail -n 30 "$work/debootstrap.log" >&2
	exit 1
}

# QEMU's multiboot loader takes an ELF, not Debian's gzipped
# hypervisor.
gunzip -c "$root"/boot/xen-"$version"-amd64.gz >"$work/xen"
cp "$root"/boot/vmlinuz-* "$work/vmlinuz"
dpkg-query --admindir="$root/var/lib/dpkg" -W >"$work/packages.txt"

# What dom0 never uses here: the initramfs is unpacked into its RAM.
rm -rf "${root:?}"/boot/* "${root:?}"/usr/share/doc/* \
    "${root:?}"/usr/share/man/* "${root:?}"/usr/share/locale/* \
    "${root:?}"/usr/share/info/* "${root:?}"/var/cache/apt/* \
    "${root:?}"/var/lib/apt/lists/*
kmods=("$root"/lib/modules/*/kernel)
[ -d "${kmods[0]}" ] || kmods=("$root"/usr/lib/modules/*/kernel)
for d in drivers/gpu drivers/net/wireless drivers/net/ethernet \
    drivers/media drivers/infiniband drivers/staging drivers/iio \
    drivers/hid drivers/usb drivers/input drivers/bluetooth \
    drivers/isdn drivers/mtd drivers/scsi/qla2xxx drivers/scsi/lpfc \
    drivers/net/can drivers/mmc drivers/hwmon drivers/platform \
    sound net/wireless net/mac80211 net/bluetooth fs/ocfs2 fs/btrfs \
    fs/xfs fs/nls fs/f2fs fs/gfs2 fs/ceph fs/nfs fs/nfsd fs/smb \
    arch/x86/kvm; do
	rm -rf "${kmods[0]:?}/$d"
done
chroot "$root" depmod "$(basename "$(dirname "${kmods[0]}")")"

# PID 1: brings up only what reading the payload disk needs, then
# hands over to the test on it (tests/system/dom0-test.sh).
cat >"$root/init" <<'INIT'
#!/bin/sh
# PID 1 of the system-test dom0: mounts the basics, unpacks the payload
# disk that run.sh attached (a tar archive on the first IDE disk) into
# /payload and runs its dom0-test.sh; powers the machine off afterwards.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /run /tmp /payload
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /run
modprobe ata_piix
modprobe sd_mod
i=0
while [ ! -b /dev/sda ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
if tar -xf /dev/sda -C /payload && [ -x /payload/dom0-test.sh ]; then
	/payload/dom0-test.sh
else
	echo "SYSTEM-TEST: no payload on /dev/sda"
fi
echo "SYSTEM-TEST-END"
sync
echo o >/proc/sysrq-trigger
sleep 60
INIT
chmod 755 "$root/init"

(cd "$root" && find . -xdev -print0 |
    cpio --null -o -H newc --quiet) >"$work/initrd.cpio"
rm -rf "$root" "$work/debootstrap.log"
echo "$(($(date +%s) - start))" >"$work/build-seconds"
trap - EXIT
rm -rf "$out"
mv "$work" "$out"
echo "build-image: Xen $version: $(du -sh "$out/initrd.cpio" |
    cut -f1) image in $(cat "$out/build-seconds")s" >&2
# Older images of this version only; never the one just built, the
# other version's, or one still being built by another run.
for old in "$cache/$version"-*; do
	case $old in "$out" | *.tmp.*) continue ;; esac
	[ "$old" -ot "$out" ] && rm -rf "$old"
done
echo "$out"
