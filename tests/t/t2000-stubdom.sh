#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-only
#
# Changing the CD of a guest whose QEMU runs in a stub domain: the four
# steps against a simulated Linux stub domain (blkfront and its QEMU
# glue, tests/host/stub-agent.c), a simulated blkback and a hotplug
# script, with the real xenstored and a real QEMU; both fdset
# conventions; a daemon killed at each step; a stub that never hands
# over its disk; and Xen's own block script.

# shellcheck disable=SC2016 # test code is evaluated when it runs
# shellcheck source=tests/t/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/t/lib-cdrom.sh
. "$TEST_DIR/lib-cdrom.sh"

A=$HOSTDIR/a.iso B=$HOSTDIR/b.iso C=$HOSTDIR/c.iso
make_iso "$A" && make_iso "$B" && make_iso "$C" || exit 1
printf 'step-timeout = 5\n' >"$HOSTDIR/cdromd.conf"
BE=/local/domain/0/backend/vbd/4/5632

start_daemon() {
	cdromd_start --config "$HOSTDIR/cdromd.conf" --hotplug-script "$HOTPLUG"
}

# kill_daemon: what a crash does: no clean-up at all.
kill_daemon() {
	kill -KILL "$(cat "$HOSTDIR/pids/cdromd")" &&
	wait_for "[ -s \"$HOSTDIR/cdromd.status\" ]" &&
	rm -f "$HOSTDIR/cdromd.status" "$HOSTDIR/pids/cdromd"
}

# calls ACTION: how often the hotplug script ran ACTION for S's vbd.
calls() {
	hotplug_calls | grep -c "^$1 $BE\$"
}

# stub_converged MEDIUM: dom3's hdc, served by stub domain 4, holds
# MEDIUM (lib-cdrom.sh's stub_drive_converged).
stub_converged() {
	stub_drive_converged 3 4 hdc "$1"
}

test_expect_success 'setup: a guest whose QEMU runs in stub domain 4' '
	stubdom_guest_create 3 4 hdc "$A" &&
	start_daemon &&
	wait_done 3 hdc "$A" &&
	grep -q "dom 3 hdc: adopted (devid 5632, QEMU in stub domain 4)" \
	    "$HOSTDIR/log/cdromd.log"
'

test_expect_success 'the stub domain'\''s own vbd is not taken for a drive' '
	expect_fail "cdrom-request under dom4" \
	    xenstore-exists /local/domain/4/cdrom-request
'

test_expect_success 'a stub domain that does not name the guest as target is refused' '
	domain_create 9 &&
	domain_create 10 impostor &&
	xenstore-write /local/domain/9/image/device-model-domid 10 \
	    /local/domain/10/target 11 &&
	stub_guest_vbd_add 9 hdc "$A" &&
	xenstore-write /local/domain/10/device-model/9/state running &&
	wait_for "grep -q \"dom 9: device model domain 10 is not its stub domain\" \
	    \"$HOSTDIR/log/cdromd.log\"" &&
	expect_fail "dom9 adopted" \
	    xenstore-exists /local/domain/9/cdrom-request/hdc
'

test_expect_success 'a change runs the four steps, in order' '
	request 3 hdc "$B" raw &&
	stub_converged "$B" &&
	expect_eq "done -> ejecting
ejecting -> detaching
detaching -> attaching
attaching -> changing
changing -> done" "$(transitions 3 hdc)" "transitions" &&
	expect_eq "add $BE
remove $BE
add $BE" "$(hotplug_calls)" "hotplug calls"
'

test_expect_success 'the old medium'\''s loop device is gone' '
	expect_eq "" "$(loops_of "$A")" "loop devices of a.iso" &&
	expect_eq 1 "$(loops_of "$B" | wc -l)" "loop devices of b.iso"
'

test_expect_success 'an eject leaves an empty vbd, so the drive stays' '
	request 3 hdc "" &&
	stub_converged "" &&
	expect_eq "" "$(loops_of "$B")" "loop devices of b.iso"
'

test_expect_success 'a medium goes in after the eject' '
	request 3 hdc "$A" raw &&
	stub_converged "$A"
'

test_expect_success 'the seed patch'\''s fdset 8000 + index works too' '
	stubdom_guest_create 5 6 hdc "$A" --seed &&
	wait_done 5 hdc "$A" &&
	request 5 hdc "$B" raw &&
	wait_done 5 hdc "$B" &&
	expect_eq /dev/fdset/8002 \
	    "$(qemu_block 5 hdc | jq -r ".inserted.file")" "file in QEMU" &&
	expect_eq 1 "$(qemu_fdsets 5 | jq length)" "fdsets in QEMU"
'

test_expect_success 'a daemon killed in ejecting resumes and converges' '
	kill -STOP "$(cat "$HOSTDIR/pids/qemu-3")" &&
	request 3 hdc "$C" raw &&
	wait_for "drive_is 3 hdc ejecting" &&
	kill_daemon &&
	kill -CONT "$(cat "$HOSTDIR/pids/qemu-3")" &&
	start_daemon &&
	stub_converged "$C"
'

test_expect_success 'a daemon killed in detaching resumes and converges' '
	before=$(calls remove) &&
	(export HOTPLUG_HOLD=remove HOTPLUG_RELEASE=$HOSTDIR/release-1
	 kill_daemon && start_daemon) &&
	request 3 hdc "$A" raw &&
	wait_for "[ \$(calls remove) -gt $before ]" &&
	expect_eq detaching "$(drive_read 3 hdc state)" state &&
	kill_daemon &&
	touch "$HOSTDIR/release-1" &&
	wait_for "! xenstore-exists "$BE/hotplug-status"" &&
	start_daemon &&
	stub_converged "$A"
'

test_expect_success 'a daemon killed in attaching resumes and converges' '
	before=$(calls add) &&
	(export HOTPLUG_HOLD=add HOTPLUG_RELEASE=$HOSTDIR/release-2
	 kill_daemon && start_daemon) &&
	request 3 hdc "$B" raw &&
	wait_for "[ \$(calls add) -gt $before ]" &&
	expect_eq attaching "$(drive_read 3 hdc state)" state &&
	kill_daemon &&
	touch "$HOSTDIR/release-2" &&
	wait_for "xenstore-exists "$BE/hotplug-status"" &&
	start_daemon &&
	stub_converged "$B"
'

test_expect_success 'a daemon killed in changing resumes and converges' '
	kill -USR1 "$(cat "$HOSTDIR/pids/stub-4")" &&
	request 3 hdc "$C" raw &&
	wait_for "drive_is 3 hdc changing" &&
	kill_daemon &&
	start_daemon &&
	kill -USR2 "$(cat "$HOSTDIR/pids/stub-4")" &&
	stub_converged "$C"
'

test_expect_success 'a stub that never hands over its disk ends in error' '
	kill -USR1 "$(cat "$HOSTDIR/pids/stub-4")" &&
	request 3 hdc "$A" raw &&
	wait_error 3 hdc 15 &&
	expect_eq "changing: timed out after 5 s waiting for the stub domain'\''s add-fd" \
	    "$(drive_read 3 hdc error)" error &&
	expect_eq "" "$(qemu_block 3 hdc | jq -r ".inserted.file // \"\"")" \
	    "file in QEMU"
'

test_expect_success 'and a retry once it does converges, leaking no fdset' '
	kill -USR2 "$(cat "$HOSTDIR/pids/stub-4")" &&
	request 3 hdc "$A" raw &&
	stub_converged "$A"
'

test_expect_success 'a qcow2 image is refused: the stub reads raw bytes' '
	make_qcow2 "$HOSTDIR/c.qcow2" &&
	adds=$(calls add) &&
	request 3 hdc "$HOSTDIR/c.qcow2" qcow2 &&
	wait_error 3 hdc &&
	expect_eq "a drive whose QEMU runs in a stub domain takes raw images only" \
	    "$(drive_read 3 hdc error)" error &&
	sleep 0.5 &&
	drive_is 3 hdc error &&
	expect_eq "$A" "$(xenstore-read "$BE/params")" "S'\''s backend params" &&
	expect_eq "$adds" "$(calls add)" "hotplug adds" &&
	request 3 hdc "$B" raw &&
	stub_converged "$B"
'

test_expect_success 'Xen'\''s own block script attaches and detaches loop devices' '
	[ -x /etc/xen/scripts/block ] || {
		echo "skipped: /etc/xen/scripts/block is not installed"
		return 0
	}
	cdromd_stop &&
	HOTPLUG=/etc/xen/scripts/block stubdom_guest_create 7 8 hdc "$A" &&
	cdromd_start --config "$HOSTDIR/cdromd.conf" \
	    --hotplug-script /etc/xen/scripts/block &&
	wait_done 7 hdc "$A" &&
	request 7 hdc "$B" raw &&
	wait_done 7 hdc "$B" &&
	expect_eq /etc/xen/scripts/block \
	    "$(xenstore-read /local/domain/0/backend/vbd/8/5632/script)" script &&
	loop=$(xenstore-read /local/domain/0/backend/vbd/8/5632/node) &&
	expect_eq "$B" "$(losetup -n -O BACK-FILE "$loop")" "loop of b.iso" &&
	request 7 hdc "" &&
	wait_done 7 hdc "" &&
	back=$(losetup -n -O BACK-FILE "$loop" 2>/dev/null || true) &&
	expect_fail "$loop still holds b.iso" test "$back" = "$B"
'

test_done
