#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-only
#
# libxl's device lock: while xl (here: flock(1) on libxl's lock file)
# changes a domain's devices, the daemon's change of that domain waits,
# without holding up other domains; then it runs, and leaves the lock
# file as libxl leaves it, unlinked.

# shellcheck disable=SC2016 # test code is evaluated when it runs
# shellcheck source=tests/t/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/t/lib-cdrom.sh
. "$TEST_DIR/lib-cdrom.sh"

A=$HOSTDIR/a.iso B=$HOSTDIR/b.iso
make_iso "$A" && make_iso "$B" || exit 1

test_expect_success 'setup: two guests, and the daemon' '
	hvm_guest_create 3 hdc "$A" &&
	hvm_guest_create 4 hdc "$A" &&
	cdromd_start &&
	wait_done 3 hdc "$A" &&
	wait_done 4 hdc "$A"
'

test_expect_success 'a change waits while libxl holds the domain'\''s lock' '
	hold_lock 3 &&
	request 3 hdc "$B" raw &&
	wait_for "drive_is 3 hdc ejecting" &&
	request 4 hdc "$B" raw &&
	wait_done 4 hdc "$B" &&
	sleep 0.5 &&
	expect_eq ejecting "$(drive_read 3 hdc state)" "state of dom3" &&
	expect_medium 3 hdc "$A"
'

test_expect_success 'and runs once the lock is released' '
	touch release &&
	wait_done 3 hdc "$B" &&
	expect_medium 3 hdc "$B"
'

test_expect_success 'the lock file is unlinked afterwards, as libxl does' '
	expect_fail "lock file left" test -e "$(lock_file 3)" &&
	expect_fail "lock file of dom4 left" test -e "$(lock_file 4)"
'

# The image is opened once, when the change is planned, and that open
# file is what QEMU gets: a symlink swapped in for it while the change
# waits (here for the lock) leads nowhere.
test_expect_success 'an image swapped for a symlink mid-change: QEMU gets the file checked' '
	ISO=$HOSTDIR/iso &&
	mkdir -p "$ISO" && make_iso "$ISO/swap.iso" && make_iso "$HOSTDIR/outside.iso" &&
	printf "allowed-dir = %s\n" "$ISO" >"$HOSTDIR/cdromd.conf" &&
	cdromd_stop && cdromd_start --config "$HOSTDIR/cdromd.conf" &&
	hold_lock 3 &&
	request 3 hdc "$ISO/swap.iso" raw &&
	wait_for "drive_is 3 hdc ejecting" &&
	mv "$ISO/swap.iso" "$ISO/checked.iso" &&
	ln -s ../outside.iso "$ISO/swap.iso" &&
	touch release &&
	wait_done 3 hdc "$ISO/swap.iso" &&
	expect_medium 3 hdc "$ISO/checked.iso"
'

test_done
