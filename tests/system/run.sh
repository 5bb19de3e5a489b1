#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-only
# The host side of `make system-test`: builds (or reuses) the Xen dom0
# image, hands it the daemon, the client and the test on a payload disk,
# boots Xen 4.17 under QEMU (TCG: no KVM here) and reads the test's TAP
# from the serial port.  Ends with one line "N passed, N failed" and
# exits non-zero when anything failed.
#
#   run.sh BUILD     BUILD holds xen-cdromd and xen-cdrom
#
# SYSTEM_CACHE (default ~/.cache/xen-cdromd/system) keeps the image;
# SYSTEM_TIMEOUT (default 1500 s) bounds the boot and the whole test;
# the serial log is kept in BUILD/system-test/serial.log.
set -euo pipefail

build=$(cd "${1:?usage: run.sh BUILD}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
cache=${SYSTEM_CACHE:-${HOME:-/root}/.cache/xen-cdromd/system}
limit=${SYSTEM_TIMEOUT:-1500}
out=$build/system-test
qemu=${SYSTEM_QEMU:-qemu-system-x86_64}

skip() {
	echo "system-test: SKIPPED: $*"
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
}

command -v "$qemu" >/dev/null ||
	skip "no $qemu on this machine (make system-test installs it)"
for f in xen-cdromd xen-cdrom; do
	[ -x "$build/$f" ] || { echo "system-test: no $build/$f" >&2; exit 2; }
done

t_start=$(date +%s)
img=$("$here/build-image.sh" "$cache")
t_image=$(date +%s)
echo "system-test: image $img ready in $((t_image - t_start))s"

rm -rf "$out"
mkdir -p "$out/payload/bin"
cp "$here/dom0-test.sh" "$here/qmp.py" "$out/payload/"
cp "$build/xen-cdromd" "$build/xen-cdrom" "$out/payload/bin/"
# A plain tar on a raw disk: dom0 reads it with tar -xf /dev/sda.
tar -cf "$out/payload.tar" -C "$out/payload" .

log=$out/serial.log
: >"$log"
# Xen wants an SVM CPU with nested paging to run an HVM guest; -cpu max
# crashes Xen 4.17 under TCG.  The dom0 kernel and the initramfs are
# multiboot modules after Xen, the kernel's command line beside it.
# bootscrub=0: scrubbing 2 GB in the background under TCG would steal
# the CPU from the changes being timed.
"$qemu" -machine pc -cpu qemu64,+svm,+npt -smp 2 -m 3072 \
    -display none -monitor none -no-reboot -serial "file:$log" \
    -kernel "$img/xen" \
    -append "dom0_mem=1280M,max:1280M bootscrub=0 console=com1 com1=115200,8n1 loglvl=warning guest_loglvl=warning" \
    -initrd "$img/vmlinuz console=hvc0 quiet rootfstype=ramfs rdinit=/init,$img/initrd.cpio" \
    -drive "file=$out/payload.tar,format=raw,if=ide,index=0,media=disk" \
    </dev/null >"$out/qemu.log" 2>&1 &
qpid=$!

# The dom0 prints SYSTEM-TEST-END however its test ended; a hung boot or
# test is ended here after $limit seconds.
first=
ended=
while :; do
	if grep -q 'SYSTEM-TEST-END' "$log"; then
		ended=yes
		break
	fi
	[ -z "$first" ] && grep -qaE '^(\(d0\) )?(ok|not ok) ' "$log" &&
		first=$(date +%s)
	kill -0 "$qpid" 2>/dev/null || break
	if [ $(($(date +%s) - t_image)) -ge "$limit" ]; then
		echo "system-test: no end after ${limit}s, stopping QEMU"
		break
	fi
	sleep 2
done
kill "$qpid" 2>/dev/null || true
wait "$qpid" 2>/dev/null || true
t_end=$(date +%s)

# Xen may prefix dom0's console lines with "(d0) "; the serial adds CRs.
tr -d '\r' <"$log" | sed 's/^(d0) //' >"$out/console.log"
grep -E '^(ok|not ok) |^#' "$out/console.log" || true

passed=$(grep -cE '^ok ' "$out/console.log" || true)
# TAP's "not ok ... # TODO": known not to work yet, counted apart.
todo=$(grep -cE '^not ok .* # TODO ' "$out/console.log" || true)
failed=$(($(grep -cE '^not ok ' "$out/console.log" || true) - todo))
n=$((passed + failed + todo + 1))
if [ -n "$ended" ] && grep -qE '^[0-9]+ passed, [0-9]+ failed$' \
    "$out/console.log"; then
	echo "ok $n - the test in dom0 ran to its end"
	passed=$((passed + 1))
else
	echo "not ok $n - the test in dom0 ran to its end"
	echo "# the serial log's last lines ($log):"
	tr -d '\r' <"$log" | tail -n 60 | sed 's/^/#   /'
	[ -s "$out/qemu.log" ] && sed 's/^/#   qemu: /' "$out/qemu.log"
	failed=$((failed + 1))
fi
echo "system-test: image $((t_image - t_start))s," \
    "boot to first result $(( ${first:-$t_end} - t_image ))s," \
    "total $((t_end - t_start))s"
[ "$todo" = 0 ] ||
	echo "system-test: $todo known problem(s), not ok with # TODO above"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
