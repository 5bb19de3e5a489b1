#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-only
#
# Adoption: the daemon finds guests' CD-ROM drives, at start and as they
# appear, creates their cdrom-request nodes with the contract's values
# and permissions, and forgets domains that die.

# shellcheck disable=SC2016 # test code is evaluated when it runs
# shellcheck source=tests/t/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/t/lib-cdrom.sh
. "$TEST_DIR/lib-cdrom.sh"

A=$HOSTDIR/a.iso B=$HOSTDIR/b.iso
make_iso "$A" && make_iso "$B" || exit 1

test_expect_success 'a drive there before the daemon starts is adopted' '
	hvm_guest_create 3 hdc "$A" &&
	cdromd_start &&
	wait_done 3 hdc "$A" &&
	expect_eq "$A" "$(drive_read 3 hdc target)" target &&
	expect_eq raw "$(drive_read 3 hdc format)" format &&
	expect_eq "" "$(drive_read 3 hdc eject)" eject &&
	expect_eq "" "$(drive_read 3 hdc error)" error
'

test_expect_success 'its nodes are dom0'\''s and only readable by the guest' '
	for n in "" /hdc /hdc/target /hdc/format /hdc/eject /hdc/state \
	    /hdc/medium /hdc/error; do
		expect_eq n0,r3 "$(xs_perms /local/domain/3/cdrom-request$n)" \
		    "perms of cdrom-request$n" || return 1
	done
'

test_expect_success 'a guest created while the daemon runs is adopted' '
	hvm_guest_create 4 hdc "$B" &&
	wait_done 4 hdc "$B" &&
	expect_eq "$B" "$(drive_read 4 hdc target)" target
'

test_expect_success 'an empty drive is adopted empty' '
	hvm_guest_create 5 hdd &&
	wait_done 5 hdd "" &&
	expect_eq "" "$(drive_read 5 hdd target)" target
'

test_expect_success 'only CD-ROM vbds become drives' '
	make_iso "$HOSTDIR/disk.img" &&
	hvm_guest_create_drives 6 "disk:hda:$HOSTDIR/disk.img" "cdrom:hdc" &&
	wait_done 6 hdc "" &&
	expect_eq hdc "$(xenstore-list /local/domain/6/cdrom-request)" \
	    "drives of dom6"
'

test_expect_success 'a drive waits for its device model, whatever the order' '
	domain_create 7 &&
	xenstore-write /local/domain/0/device-model/7/state running &&
	host_drive_add 7 cdrom hdc "" raw &&
	wait_done 7 hdc "" &&
	domain_create 8 &&
	host_drive_add 8 cdrom hdc "" raw &&
	expect_fail "cdrom-request before the device model runs" \
	    xenstore-exists /local/domain/8/cdrom-request/hdc/state &&
	xenstore-write /local/domain/0/device-model/8/state running &&
	wait_done 8 hdc ""
'

test_expect_success 'a request written before the daemon started still runs' '
	cdromd_stop &&
	hvm_guest_create 9 hdc "$A" &&
	request 9 hdc "$B" &&
	cdromd_start &&
	wait_done 9 hdc "$B" &&
	expect_medium 9 hdc "$B"
'

test_expect_success 'a destroyed domain is forgotten, and its id reused cleanly' '
	domain_destroy 4 &&
	wait_for "grep -q \"dom 4: forgotten\" \"$HOSTDIR/log/cdromd.log\"" &&
	daemon_alive &&
	hvm_guest_create 4 hdc "$A" &&
	wait_done 4 hdc "$A" &&
	expect_eq "$A" "$(drive_read 4 hdc target)" "target of the new dom4"
'

test_expect_success 'SIGTERM stops the daemon cleanly and leaves the drives' '
	cdromd_stop &&
	expect_eq done "$(drive_read 3 hdc state)" state &&
	expect_medium 3 hdc "$A"
'

test_done
