#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-only
# Builds the base of a Linux stub domain from a system-test dom0 image
# (build-image.sh): the dom0's own kernel as the stub's kernel, and a
# root holding Debian's QEMU (qemu-system-xen) with its library closure,
# busybox, the xenstore tools, Xen's vchan-socket-proxy and the kernel
# modules a stub needs (blkfront, privcmd, evtchn, gntdev, gntalloc),
# packed as an uncompressed cpio.  No /init and no glue: those are the
# project's (stubdom/), appended at test time as a second cpio, so that
# changing them never rebuilds this.
#
#   build-stub.sh DOM0-IMAGE-DIR   prints the directory holding kernel,
#                                  stub-base.cpio, modules.txt (the
#                                  insmod order) and qemu (QEMU's path)
#
# Kept in DOM0-IMAGE-DIR/stub-KEY, KEY this file's hash, and reused while
# complete; only older keys are removed when a new one is built, never
# one another run may be using.
set -euo pipefail

img=${1:?usage: build-stub.sh DOM0-IMAGE-DIR}
key=$(sha256sum "$0" | cut -c1-16)
out=$img/stub-$key
if [ -s "$out/stub-base.cpio" ] && [ -s "$out/kernel" ]; then
	echo "$out"
	exit 0
fi
start=$(date +%s)
work=$out.tmp.$$
rm -rf "$work"
mkdir -p "$work/dom0" "$work/stub"
trap 'rm -rf "$work"' EXIT
d0=$work/dom0 st=$work/stub

echo "build-stub: unpacking $img/initrd.cpio" >&2
(cd "$d0" && cpio -idm --quiet --no-absolute-filenames) <"$img/initrd.cpio"

qemu=
for q in usr/libexec/xen-qemu-system-i386 usr/bin/qemu-system-i386; do
	[ -x "$d0/$q" ] && { qemu=/$q; break; }
done
[ -n "$qemu" ] || { echo "build-stub: no QEMU in the dom0 root" >&2; exit 1; }
xenlib=$(cd "$d0" && echo usr/lib/xen-4.*/bin)

mkdir -p "$st"/{bin,sbin,etc,proc,sys,dev,run,tmp,var,lib/modules}
ln -s ../run "$st/var/run"

# copy PATH-IN-DOM0-ROOT: the file, at the same path in the stub.
copy() {
	local f=$1
	mkdir -p "$st/$(dirname "$f")"
	cp -L "$d0/$f" "$st/$f"
}

# The binaries and every library they load, found by the dom0 root's own
# loader (ldd in a chroot), at the paths the loader looks in.
bins=("$qemu" /usr/bin/xenstore-read /usr/bin/xenstore-write
    /usr/bin/xenstore-list /usr/bin/xenstore-exists /usr/bin/xenstore-rm
    /usr/bin/xenstore-ls "/$xenlib/vchan-socket-proxy")
for b in "${bins[@]}"; do
	[ -e "$d0$b" ] || { echo "build-stub: no $b in the dom0 root" >&2; exit 1; }
	copy "${b#/}"
	chroot "$d0" ldd "$b" | awk '/=> \// { print $3 } /^\t\// { print $1 }'
done | sort -u | while read -r lib; do
	copy "${lib#/}"
done
# The loader's own name as the binaries ask for it.
if [ -e "$d0/lib64/ld-linux-x86-64.so.2" ]; then
	mkdir -p "$st/lib64"
	cp -L "$d0/lib64/ld-linux-x86-64.so.2" "$st/lib64/"
fi
ln -s "/$xenlib/vchan-socket-proxy" "$st/bin/vchan-socket-proxy"
ln -s "$qemu" "$st/bin/qemu"
# QEMU's data files for an HVM guest without graphics (option ROMs are
# looked for even so).
[ -d "$d0/usr/share/qemu" ] && {
	mkdir -p "$st/usr/share/qemu"
	cp -a "$d0"/usr/share/qemu/*.bin "$d0"/usr/share/qemu/*.rom \
	    "$st/usr/share/qemu/" 2>/dev/null || true
}

cp "$d0/usr/bin/busybox" "$st/bin/busybox"
for a in $("$st/bin/busybox" --list); do
	[ -e "$st/bin/$a" ] || ln -s busybox "$st/bin/$a"
done

# The modules, decompressed (busybox's insmod reads plain .ko), in
# modprobe's dependency order; "builtin" ones need nothing.
kver=$(basename "$(dirname "$(echo "$d0"/lib/modules/*/kernel "$d0"/usr/lib/modules/*/kernel | tr ' ' '\n' | grep -v '\*' | head -n 1)")")
: >"$work/modules"
for m in xen-blkfront xen-privcmd xen-evtchn xen-gntdev xen-gntalloc; do
	chroot "$d0" modprobe -S "$kver" --show-depends "$m" 2>/dev/null |
	    awk '$1 == "insmod" { print $2 }'
done | awk '!seen[$0]++' | while read -r ko; do
	name=$(basename "$ko")
	name=${name%.xz}
	name=${name%.zst}
	name=${name%.gz}
	case $ko in
	*.xz) xz -dc "$d0$ko" ;;
	*.zst) zstd -dc "$d0$ko" ;;
	*.gz) gzip -dc "$d0$ko" ;;
	*) cat "$d0$ko" ;;
	esac >"$st/lib/modules/$name"
	echo "/lib/modules/$name" >>"$work/modules"
done
cp "$work/modules" "$st/etc/stub-modules"
echo "$qemu" >"$st/etc/stub-qemu"

(cd "$st" && find . -print0 | cpio --null -o -H newc --quiet) \
    >"$work/stub-base.cpio"
cp "$img/vmlinuz" "$work/kernel"
cp "$work/modules" "$work/modules.txt"
echo "$qemu" >"$work/qemu"
rm -rf "$d0" "$st" "$work/modules"
echo "$(($(date +%s) - start))" >"$work/build-seconds"
trap - EXIT
rm -rf "$out"
mv "$work" "$out"
echo "build-stub: $(du -sh "$out/stub-base.cpio" | cut -f1) stub root" \
    "($(wc -l <"$out/modules.txt") modules) in" \
    "$(cat "$out/build-seconds")s" >&2
for old in "$img"/stub-*; do
	case $old in "$out" | *.tmp.*) continue ;; esac
	[ "$old" -ot "$out" ] && rm -rf "$old"
done
echo "$out"
