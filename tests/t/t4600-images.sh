#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-only
#
# Opening images (issue 14 findings 4 and 6, issue 16's messages): an
# image on a file system that hangs (a FUSE mount whose lookups take
# 20 s, tests/host/slowfs.c, standing in for a dead NFS server) holds up
# no other guest and fails its own step at step-timeout; a FIFO or a
# character device is never opened, not even to look at its type; and
# refusals say what to do: the file a symlink points to, "is a
# directory", the format a file's magic announces.

# shellcheck disable=SC2016,SC2034 # test code is evaluated when it runs
# shellcheck source=tests/t/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/t/lib-cdrom.sh
. "$TEST_DIR/lib-cdrom.sh"

ISO=$HOSTDIR/iso
mkdir -p "$ISO" || exit 1
A=$ISO/a.iso B=$ISO/b.iso
make_iso "$A" && make_iso "$B" || exit 1
printf 'allowed-dir = %s\nstep-timeout = 5\n' "$ISO" >"$HOSTDIR/cdromd.conf"
FIGURES=$HOSTDIR/figures
# How long lookups on the hung file system take, and the bound on a
# bystander's change meanwhile (quiet: 0.1-0.3 s; before the fix it
# waited for the lookups, 20 s and more).
HANG=20 BOUND_MS=3000

# error_has D WHY: D's hdc is in error, its error containing WHY.
error_has() {
	drive_is "$1" hdc error &&
	case $(drive_read "$1" hdc error) in
	*"$2"*) return 0 ;;
	*) return 1 ;;
	esac
}

# refused D TARGET FORMAT WHY CODE: the request ends in error, its error
# containing WHY and its error-code CODE.  A request follows an earlier
# refusal: its own error is the one to wait for.
refused() {
	request "$1" hdc "$2" "$3" || return 1
	if ! wait_for "error_has $1 \"$4\"" 30; then
		echo "error: expected \"*$4*\", got \"$(drive_read "$1" hdc error)\""
		return 1
	fi
	expect_eq "$5" "$(drive_read "$1" hdc error-code)" error-code
}

# change_ms D FILE: requests FILE in D's hdc, prints how long it took to
# be done, in ms.
change_ms() {
	local t0 t1
	t0=$(date +%s%N) &&
	request "$1" hdc "$2" raw &&
	wait_done "$1" hdc "$2" 120 >&2 &&
	t1=$(date +%s%N) &&
	echo $(((t1 - t0) / 1000000))
}

test_expect_success 'setup: two guests, and the daemon with allowed-dir' '
	hvm_guest_create 3 hdc "$A" &&
	hvm_guest_create 4 hdc "$A" &&
	cdromd_start --config "$HOSTDIR/cdromd.conf" &&
	wait_done 3 hdc "$A" && wait_done 4 hdc "$A"
'

test_expect_success 'setup: a FUSE file system that can hang, in allowed-dir' '
	mkdir -p "$ISO/nfs" && make_iso "$HOSTDIR/remote.iso" &&
	echo 0 >"$HOSTDIR/slowfs.delay" &&
	host_spawn slowfs "$HOST_BIN/slowfs" "$ISO/nfs" "$HOSTDIR/remote.iso" \
	    "$HOSTDIR/slowfs.delay" &&
	wait_for "[ -e \"$ISO/nfs/image.iso\" ]" &&
	request 3 hdc "$ISO/nfs/image.iso" raw &&
	wait_done 3 hdc "$ISO/nfs/image.iso" &&
	request 3 hdc "$A" raw && wait_done 3 hdc "$A"
'

test_expect_success 'an image on a hung file system holds up no other guest' '
	ms=$(change_ms 4 "$B") &&
	echo "quiet: a bystander'\''s change takes $ms ms" >>"$FIGURES" &&
	echo "$HANG" >"$HOSTDIR/slowfs.delay" &&
	request 3 hdc "$ISO/nfs/image.iso" raw &&
	sleep 0.5 &&
	ms=$(change_ms 4 "$A") &&
	echo "an image on a file system hung for $HANG s: a bystander'\''s change takes $ms ms" \
	    >>"$FIGURES" &&
	[ "$ms" -le "$BOUND_MS" ] &&
	daemon_alive
'

test_expect_success 'and its own request fails at step-timeout, saying why' '
	wait_error 3 hdc 60 &&
	case $(drive_read 3 hdc error) in
	*"timed out after 5 s waiting for the image'\''s file system"*) ;;
	*) echo "error: $(drive_read 3 hdc error)"; false ;;
	esac &&
	expect_eq timeout "$(drive_read 3 hdc error-code)" error-code &&
	expect_medium 3 hdc "$A"
'

test_expect_success 'once the file system answers, the request is served' '
	echo 0 >"$HOSTDIR/slowfs.delay" &&
	request 3 hdc "$ISO/nfs/image.iso" raw &&
	wait_done 3 hdc "$ISO/nfs/image.iso" 30 &&
	request 3 hdc "$A" raw && wait_done 3 hdc "$A" &&
	host_kill "$HOSTDIR/pids/slowfs" &&
	wait_for "! mountpoint -q \"$ISO/nfs\"" || umount -l "$ISO/nfs"
'

# A writer blocked opening a FIFO goes on as soon as anyone opens it for
# reading: it tells whether the daemon opened the FIFO to check it.
test_expect_success 'a FIFO is refused without being opened' '
	mkfifo "$ISO/fifo" &&
	rm -f writer.done &&
	(echo x >"$ISO/fifo" && touch writer.done) &
	refused 3 "$ISO/fifo" raw "is a FIFO, not a regular file or block device" \
	    not-a-file &&
	sleep 0.5 &&
	expect_fail "the writer got through: the daemon opened the FIFO" \
	    test -e writer.done
	rc=$?
	timeout 5 cat "$ISO/fifo" >/dev/null
	return $rc
'

test_expect_success 'a character device is refused, naming its type' '
	mknod "$ISO/null" c 1 3 &&
	refused 3 "$ISO/null" raw "is a character device, not a regular file" \
	    not-a-file
'

test_expect_success 'a symlink refusal names the file it points to' '
	ln -s b.iso "$ISO/link.iso" &&
	refused 3 "$ISO/link.iso" raw \
	    "is a symbolic link, which is not followed: it points to $ISO/b.iso; insert that instead" \
	    symlink
'

test_expect_success 'a directory is "is a directory", the allowed-dir too' '
	mkdir "$ISO/dir" &&
	refused 3 "$ISO/dir" raw "$ISO/dir is a directory" not-a-file &&
	refused 3 "$ISO" raw "$ISO is a directory" not-a-file
'

test_expect_success 'outside allowed-dir is policy; a missing file is not-found' '
	refused 3 "$HOSTDIR/elsewhere.iso" raw "outside every allowed-dir" policy &&
	refused 3 "$ISO/missing.iso" raw "No such file or directory" not-found
'

test_expect_success 'a format the image does not announce is refused' '
	qemu-img create -q -f qcow2 "$ISO/disk.qcow2" 1M &&
	refused 3 "$ISO/disk.qcow2" raw "looks like qcow2: use --format qcow2" \
	    format &&
	refused 3 "$B" qcow2 "does not look like qcow2" format &&
	qemu-img create -q -f vpc -o subformat=fixed "$ISO/fixed.vhd" 1M &&
	request 3 hdc "$ISO/fixed.vhd" vhd &&
	wait_done 3 hdc "$ISO/fixed.vhd" &&
	request 3 hdc "$A" raw && wait_done 3 hdc "$A"
'
sed 's/^/# /' "$FIGURES" 2>/dev/null

test_done
