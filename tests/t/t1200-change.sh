#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-only
#
# Changing media with QEMU in dom0: the four steps, what QEMU holds
# afterwards, and the vbd records left as xl cd-insert leaves them.

# shellcheck disable=SC2016 # test code is evaluated when it runs
# shellcheck source=tests/t/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/t/lib-cdrom.sh
. "$TEST_DIR/lib-cdrom.sh"

A=$HOSTDIR/a.iso B=$HOSTDIR/b.iso Q=$HOSTDIR/q.qcow2
make_iso "$A" && make_iso "$B" && make_qcow2 "$Q" || exit 1
BE=/local/domain/0/backend/qdisk/3/5632
LX=/libxl/3/device/vbd/5632

# params_are VALUE: the backend's and libxl's params both say VALUE.
params_are() {
	expect_eq "$1" "$(xenstore-read "$BE/params")" "backend params" &&
	expect_eq "$1" "$(xenstore-read "$LX/params")" "libxl params" &&
	expect_eq qdisk "$(xenstore-read "$BE/type")" "backend type" &&
	expect_eq qdisk "$(xenstore-read "$LX/type")" "libxl type"
}

# qemu_driver VDEV: the block driver QEMU uses for dom3's VDEV.
qemu_driver() {
	qemu_block 3 "$1" | jq -r '.inserted.drv // ""'
}

test_expect_success 'setup: a guest with two CD drives, and the daemon' '
	hvm_guest_create_drives 3 "cdrom:hdc:$A" cdrom:hdd &&
	cdromd_start &&
	wait_done 3 hdc "$A" &&
	wait_done 3 hdd ""
'

test_expect_success 'a raw image goes in through the four steps' '
	request 3 hdc "$B" &&
	wait_done 3 hdc "$B" &&
	expect_medium 3 hdc "$B" &&
	expect_eq raw "$(qemu_driver hdc)" "QEMU driver" &&
	expect_eq "done -> ejecting
ejecting -> detaching
detaching -> attaching
attaching -> changing
changing -> done" "$(transitions 3 hdc)" "transitions"
'

test_expect_success 'the vbd and libxl'\''s record name it as xl cd-insert does' '
	params_are "aio:$B"
'

test_expect_success 'a qcow2 image goes in with its format' '
	request 3 hdc "$Q" qcow2 &&
	wait_done 3 hdc "$Q" &&
	expect_medium 3 hdc "$Q" &&
	expect_eq qcow2 "$(qemu_driver hdc)" "QEMU driver" &&
	params_are "qcow2:$Q"
'

test_expect_success 'only the fdset of the medium in the drive is left' '
	fdsets=$(qemu_fdsets 3) &&
	expect_eq 1 "$(jq length <<<"$fdsets")" "number of fdsets" &&
	expect_eq "qcow2:$Q" "$(jq -r ".[0].fds[0].opaque" <<<"$fdsets")" \
	    "opaque of the fdset"
'

test_expect_success 'writing the same target again changes nothing' '
	before=$(transitions 3 hdc | wc -l) &&
	request 3 hdc "$Q" qcow2 &&
	request 3 hdd "$A" &&
	wait_done 3 hdd "$A" &&
	expect_eq "$before" "$(transitions 3 hdc | wc -l)" "transitions of hdc" &&
	expect_eq done "$(drive_read 3 hdc state)" state &&
	expect_medium 3 hdc "$Q"
'

test_expect_success 'the other drive of the guest changed on its own' '
	expect_medium 3 hdd "$A" &&
	expect_medium 3 hdc "$Q"
'

# Nothing is guessed: a raw request for a file that starts like a qcow2
# image is refused, naming the format to ask for, and the drive keeps
# what it had.
test_expect_success 'the same qcow2 file asked for as raw is refused, saying why' '
	request 3 hdd "$Q" qcow2 &&
	wait_done 3 hdd "$Q" &&
	expect_eq qcow2 "$(qemu_driver hdd)" "QEMU driver of hdd" &&
	request 3 hdd "$Q" raw &&
	wait_error 3 hdd &&
	expect_eq "$Q looks like qcow2: use --format qcow2" \
	    "$(drive_read 3 hdd error)" error &&
	expect_eq format "$(drive_read 3 hdd error-code)" error-code &&
	expect_eq qcow2 "$(qemu_driver hdd)" "QEMU driver of hdd" &&
	request 3 hdd "$Q" qcow2 &&
	wait_done 3 hdd "$Q" &&
	request 3 hdd "" &&
	wait_done 3 hdd ""
'

test_expect_success 'an eject empties the drive, the vbd and the record' '
	request 3 hdc "" &&
	wait_done 3 hdc "" &&
	expect_medium 3 hdc "" &&
	params_are "" &&
	expect_eq "done -> ejecting
ejecting -> detaching
detaching -> attaching
attaching -> done" "$(transitions 3 hdc | tail -n 4)" "transitions of an eject"
'

test_expect_success 'a medium goes into the empty drive' '
	request 3 hdc "$A" raw &&
	wait_done 3 hdc "$A" &&
	expect_medium 3 hdc "$A" &&
	params_are "aio:$A"
'

test_expect_success 'a target written during a change wins' '
	request 3 hdc "$B" raw &&
	request 3 hdc "$Q" qcow2 &&
	wait_done 3 hdc "$Q" &&
	expect_medium 3 hdc "$Q" &&
	params_are "qcow2:$Q" &&
	expect_eq 1 "$(qemu_fdsets 3 | jq "[.[].fds[].opaque |
	    select(startswith(\"qcow2:$Q\"))] | length")" "fdsets of hdc"
'

# Beside another toolstack: a medium another tool puts in behind the
# daemon's back (xl cd-insert's QMP command and params) is followed,
# not undone: the request becomes what the drive holds, with a warning.
test_expect_success 'a medium changed behind the daemon is followed' '
	moves=$(transitions 3 hdc | wc -l) &&
	qmp_test 3 blockdev-change-medium \
	    "{\"id\":\"ide-5632\",\"filename\":\"$A\",\"format\":\"raw\"}" \
	    >/dev/null &&
	xenstore-write "$BE/params" "aio:$A" "$LX/params" "aio:$A" &&
	wait_for "[ \"\$(drive_read 3 hdc target)\" = \"$A\" ]" &&
	wait_done 3 hdc "$A" &&
	expect_eq raw "$(drive_read 3 hdc format)" "format" &&
	expect_medium 3 hdc "$A" &&
	params_are "aio:$A" &&
	grep -q "hdc: medium changed outside xen-cdromd (xl cd-insert?): following" \
	    "$HOSTDIR/log/cdromd.log" &&
	sleep 0.5 &&
	expect_eq "$moves" "$(transitions 3 hdc | wc -l)" \
	    "transitions: following changes nothing in QEMU"
'

test_expect_success 'and so is an eject behind its back' '
	qmp_test 3 eject "{\"id\":\"ide-5632\"}" >/dev/null &&
	xenstore-write "$BE/params" "" "$LX/params" "" &&
	wait_for "[ -z \"\$(drive_read 3 hdc target)\" ]" &&
	wait_done 3 hdc "" &&
	expect_medium 3 hdc "" &&
	params_are ""
'

test_expect_success 'a request written after that is served as ever' '
	request 3 hdc "$Q" qcow2 &&
	wait_done 3 hdc "$Q" &&
	params_are "qcow2:$Q"
'

test_expect_success 'the daemon is still running' '
	daemon_alive
'

test_done
