#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-only
#
# Requests the daemon must refuse: bad values, files it may not or
# cannot use, drives that are not CD-ROMs.  Each ends in state "error"
# with a message saying why, leaves the old medium in QEMU, and the
# daemon goes on serving.

# shellcheck disable=SC2016 # test code is evaluated when it runs
# shellcheck source=tests/t/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/t/lib-cdrom.sh
. "$TEST_DIR/lib-cdrom.sh"

ISO=$HOSTDIR/iso
A=$ISO/a.iso B=$ISO/b.iso OUT=$HOSTDIR/outside.iso
mkdir -p "$ISO/dir" && make_iso "$A" && make_iso "$B" && make_iso "$OUT" &&
    make_iso "$HOSTDIR/disk.img" && mkfifo "$ISO/fifo" &&
    ln -s ../outside.iso "$ISO/link.iso" && ln -s .. "$ISO/up" || exit 1
printf 'allowed-dir = %s\nstep-timeout = 5\n' "$ISO" >"$HOSTDIR/cdromd.conf"

# refused TARGET FORMAT WHY: the request for hdc ends in error, the error
# says WHY, QEMU still holds A; then A is asked for again, which the
# daemon confirms at once: it still serves, and the next test starts
# from a settled drive.
refused() {
	local error
	request 3 hdc "$1" "$2" &&
	wait_error 3 hdc &&
	error=$(drive_read 3 hdc error) &&
	case $error in
	*"$3"*) ;;
	*) echo "error: expected \"*$3*\", got \"$error\""; return 1 ;;
	esac &&
	expect_medium 3 hdc "$A" &&
	request 3 hdc "$A" raw &&
	wait_done 3 hdc "$A"
}

test_expect_success 'setup: a guest with a disk and a CD, allowed-dir set' '
	hvm_guest_create_drives 3 "disk:hda:$HOSTDIR/disk.img" "cdrom:hdc:$A" &&
	cdromd_start --config "$HOSTDIR/cdromd.conf" &&
	wait_done 3 hdc "$A"
'

test_expect_success 'a missing file' '
	refused "$ISO/missing.iso" raw "No such file or directory"
'

test_expect_success 'an unknown format' '
	refused "$B" vmdk "format is not one of raw, qcow2, vhd, qed"
'

test_expect_success 'a relative path' '
	refused iso/b.iso raw "not an absolute path"
'

test_expect_success 'a path with ".."' '
	refused "$ISO/../outside.iso" raw "\"..\" component"
'

test_expect_success 'a path outside allowed-dir' '
	refused "$OUT" raw "outside every allowed-dir"
'

test_expect_success 'a symlink leading out of allowed-dir' '
	refused "$ISO/link.iso" raw "symbolic link"
'

test_expect_success 'a directory symlink leading out of allowed-dir' '
	refused "$ISO/up/outside.iso" raw "symbolic link"
'

test_expect_success 'a FIFO, which must not block the daemon' '
	refused "$ISO/fifo" raw "not a regular file or block device"
'

test_expect_success 'a directory' '
	refused "$ISO/dir" raw "is a directory"
'

test_expect_success 'a file name longer than a file system allows' '
	refused "$ISO/$(printf "%0300d" 0)" raw "File name too long"
'

test_expect_success 'a target with a control character' '
	refused "$ISO/b$(printf "\t")c.iso" raw "control character"
'

test_expect_success 'a failed request is tried again when target is rewritten' '
	request 3 hdc "$ISO/late.iso" raw &&
	wait_error 3 hdc &&
	make_iso "$ISO/late.iso" &&
	request 3 hdc "$ISO/late.iso" raw &&
	wait_done 3 hdc "$ISO/late.iso" &&
	expect_medium 3 hdc "$ISO/late.iso" &&
	request 3 hdc "$A" raw &&
	wait_done 3 hdc "$A"
'

test_expect_success 'a failed request stays failed across restarts until rewritten' '
	request 3 hdc "$ISO/later.iso" raw &&
	wait_error 3 hdc &&
	make_iso "$ISO/later.iso" &&
	for _ in 1 2 3; do
		n=$(host_lines cdromd.log "dom 3 hdc: adopted") &&
		cdromd_stop &&
		cdromd_start --config "$HOSTDIR/cdromd.conf" &&
		wait_for "host_more_lines cdromd.log \"dom 3 hdc: adopted\" $n" &&
		sleep 0.5 &&
		if ! drive_is 3 hdc error; then
			show_drive 3 hdc
			return 1
		fi
		expect_medium 3 hdc "$A" || return 1
	done &&
	request 3 hdc "$ISO/later.iso" raw &&
	wait_done 3 hdc "$ISO/later.iso" &&
	request 3 hdc "$A" raw &&
	wait_done 3 hdc "$A"
'

test_expect_success 'a disk that is not a CD-ROM drive' '
	request 3 hda "$B" raw &&
	wait_for "[ \"\$(drive_read 3 hda state 2>/dev/null)\" = error ]" &&
	expect_eq "hda is not an emulated CD-ROM drive of domain 3" \
	    "$(drive_read 3 hda error)" "error of hda" &&
	expect_eq no-drive "$(drive_read 3 hda error-code)" "error-code of hda" &&
	expect_medium 3 hdc "$A"
'

test_expect_success 'a drive the guest does not have' '
	request 3 xvdz "$B" raw &&
	wait_for "[ \"\$(drive_read 3 xvdz state 2>/dev/null)\" = error ]" &&
	expect_eq "xvdz is not an emulated CD-ROM drive of domain 3" \
	    "$(drive_read 3 xvdz error)" "error of xvdz"
'

test_expect_success 'an image QEMU cannot open leaves an empty drive, not a broken one' '
	printf "QFI\\373\\0\\0\\0\\77" >"$ISO/broken.qcow2" &&
	truncate -s 64K "$ISO/broken.qcow2" &&
	request 3 hdc "$ISO/broken.qcow2" qcow2 &&
	wait_error 3 hdc &&
	case $(drive_read 3 hdc error) in
	"changing: QEMU refused the medium: "*) ;;
	*) echo "unexpected error: $(drive_read 3 hdc error)"; false ;;
	esac &&
	expect_medium 3 hdc "" &&
	expect_eq "" "$(drive_read 3 hdc medium)" medium &&
	expect_eq "" "$(xenstore-read /local/domain/0/backend/qdisk/3/5632/params)" \
	    "backend params" &&
	request 3 hdc "$B" raw &&
	wait_done 3 hdc "$B" &&
	expect_medium 3 hdc "$B"
'

test_expect_success 'the daemon served throughout' '
	daemon_alive
'

test_done
