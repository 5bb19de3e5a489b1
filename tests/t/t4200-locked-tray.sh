#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-only
#
# A guest that has locked its CD tray (ATAPI PREVENT ALLOW MEDIUM
# REMOVAL, as an OS does while a disc is mounted): with force-eject = no,
# the default, a change or an eject ends in error saying so, and nothing
# moves; with force-eject = yes the tray is forced and the change goes
# through.  The guest is real: QEMU boots tests/host/lockboot.asm from
# hda, which locks hdc's tray and locks it again on every timer tick.
# Guest 3's QEMU runs in dom0, guest 5's in stub domain 6.

# shellcheck disable=SC2016 # test code is evaluated when it runs
# shellcheck source=tests/t/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/t/lib-cdrom.sh
. "$TEST_DIR/lib-cdrom.sh"

# shellcheck disable=SC2034 # BOOT is used by the tests' code, which eval runs
A=$HOSTDIR/a.iso B=$HOSTDIR/b.iso BOOT=$HOSTDIR/lockboot.img
make_iso "$A" && make_iso "$B" || exit 1
BE=/local/domain/0/backend/qdisk/3/5632
LX=/libxl/3/device/vbd/5632
SBE=/local/domain/0/backend/vbd/6/5632
# Nothing in the file: every key has its default.
: >"$HOSTDIR/default.conf"
printf 'force-eject = yes\n' >"$HOSTDIR/force.conf"
# shellcheck disable=SC2034 # used by the tests' code
LOCKED="the guest has locked the tray (force-eject is off)"

# tray VDEV: "locked tray_open inserted" of dom3's drive VDEV in QEMU.
tray() {
	qemu_block 3 "$1" |
	    jq -r '"\(.locked) \(.tray_open) \(.inserted != null)"'
}

# params_are VALUE: the backend's and libxl's params of dom3's hdc.
params_are() {
	expect_eq "$1" "$(xenstore-read "$BE/params")" "backend params" &&
	expect_eq "$1" "$(xenstore-read "$LX/params")" "libxl params"
}

# start_daemon CONF: the daemon, with configuration CONF.
start_daemon() {
	cdromd_start --config "$HOSTDIR/$1" --hotplug-script "$HOTPLUG"
}

# restart CONF: the daemon again, with configuration CONF.
restart() {
	cdromd_stop && start_daemon "$1"
}

# stub_holds MEDIUM: guest 5's hdc, served by stub domain 6, is done
# and holds MEDIUM: in S's vbd, and in QEMU through the loop device.
stub_holds() {
	local loop
	wait_done 5 hdc "$1" &&
	expect_eq "$1" "$(xenstore-read "$SBE/params")" "S's vbd params" &&
	loop=$(qemu_medium 5 hdc) &&
	expect_eq "$1" "$(losetup -n -O BACK-FILE "$loop")" \
	    "the file behind QEMU's loop device"
}

# log_count PATTERN: the daemon's log lines matching PATTERN.
log_count() {
	host_lines cdromd.log "$1"
}

# stopped_in_changing TARGET CONF: what a daemon stopped in changing
# leaves (TARGET in the vbd and the request, the drive empty) with the
# guest having closed and locked the tray meanwhile; then the daemon
# starts with CONF.
stopped_in_changing() {
	cdromd_stop &&
	if [ "$(tray hdc)" != "false true false" ]; then
		qmp_test 3 eject "{\"id\":\"ide-5632\",\"force\":true}" \
		    >/dev/null || return 1
	fi &&
	qmp_test 3 blockdev-close-tray "{\"id\":\"ide-5632\"}" >/dev/null &&
	wait_for "[ \"\$(tray hdc)\" = \"true false false\" ]" &&
	xenstore-write "$(req_path 3 hdc target)" "$1" \
	    "$(req_path 3 hdc format)" raw "$(req_path 3 hdc state)" changing \
	    "$(req_path 3 hdc medium)" "" \
	    "$BE/params" "aio:$1" "$LX/params" "aio:$1" &&
	start_daemon "$2"
}

test_expect_success 'setup: a guest that locks its tray, another, and the daemon' '
	nasm -f bin -o "$BOOT" "$TEST_DIR/../host/lockboot.asm" &&
	truncate -s 1M "$BOOT" &&
	hvm_guest_create_drives 3 "disk:hda:$BOOT" "cdrom:hdc:$A" cdrom:hdd &&
	hvm_guest_create 4 hdc "$A" &&
	cp "$BOOT" "$HOSTDIR/lockboot-5.img" &&
	HOST_QEMU_EXTRA="-drive file=$HOSTDIR/lockboot-5.img,if=ide,index=0,media=disk,format=raw" \
	    stubdom_guest_create 5 6 hdc "$A" &&
	start_daemon default.conf &&
	wait_done 3 hdc "$A" &&
	wait_done 3 hdd "" &&
	wait_done 4 hdc "$A" &&
	wait_done 5 hdc "$A"
'

test_expect_success 'the guest has really locked hdc: QEMU says so' '
	wait_for "[ \"\$(tray hdc)\" = \"true false true\" ]" 30 &&
	expect_eq "false false false" "$(tray hdd)" "hdd, not locked" &&
	expect_eq false "$(qemu_block 4 hdc | jq -r .locked)" \
	    "the other guest'\''s drive, not locked" &&
	wait_for "[ \"\$(qemu_block 5 hdc | jq -r .locked)\" = true ]" 30
'

test_expect_success 'QEMU refuses an unforced eject in the words the daemon reads' '
	reply=$(qmp_call "$QMPDIR/qmp-test-3" "{\"execute\":\"eject\",
	    \"arguments\":{\"id\":\"ide-5632\"},\"id\":\"t\"}") &&
	expect_eq "GenericError" "$(jq -r .error.class <<<"$reply")" class &&
	expect_eq "Device '\''ide-5632'\'' is locked and force was not specified, wait for tray to open and try again" \
	    "$(jq -r .error.desc <<<"$reply")" desc &&
	expect_eq "true false true" "$(tray hdc)" "the tray afterwards"
'

test_expect_success 'by default a change on the locked tray ends in a clear error' '
	request 3 hdc "$B" raw &&
	wait_error 3 hdc &&
	expect_eq "ejecting: $LOCKED" "$(drive_read 3 hdc error)" error &&
	expect_eq "done -> ejecting" "$(transitions 3 hdc)" \
	    "transitions (an error is logged as a warning)" &&
	grep -q "dom 3 hdc: ejecting -> error: ejecting: $LOCKED" \
	    "$HOSTDIR/log/cdromd.log"
'

test_expect_success 'and nothing moved: the medium, the vbd, the tray' '
	expect_eq "$A" "$(drive_read 3 hdc medium)" "medium node" &&
	expect_eq "$B" "$(drive_read 3 hdc target)" "target node" &&
	expect_medium 3 hdc "$A" &&
	params_are "aio:$A" &&
	expect_eq "true false true" "$(tray hdc)" tray &&
	daemon_alive
'

test_expect_success 'the other drive and the other guest are served meanwhile' '
	request 3 hdd "$B" raw &&
	request 4 hdc "$B" raw &&
	wait_done 3 hdd "$B" &&
	wait_done 4 hdc "$B" &&
	expect_medium 3 hdd "$B" &&
	expect_medium 4 hdc "$B" &&
	expect_eq "done -> ejecting
ejecting -> detaching
detaching -> attaching
attaching -> changing
changing -> done" "$(transitions 4 hdc)" "the unlocked drive'\''s steps"
'

test_expect_success 'the failed request waits, and a rewrite tries it again' '
	n=$(log_count "ejecting -> error: ejecting: $LOCKED") &&
	sleep 0.5 &&
	expect_eq "$n" "$(log_count "ejecting -> error: ejecting: $LOCKED")" \
	    "errors with no rewrite" &&
	request 3 hdc "$B" raw &&
	wait_for "[ \$(log_count \"ejecting -> error: ejecting: \$LOCKED\") \
	    -gt $n ]" &&
	wait_error 3 hdc &&
	expect_eq "ejecting: $LOCKED" "$(drive_read 3 hdc error)" error &&
	expect_medium 3 hdc "$A"
'

test_expect_success 'by default an eject of the locked tray ends in the same error' '
	n=$(log_count "ejecting -> error: ejecting: $LOCKED") &&
	request 3 hdc "" &&
	wait_for "[ \$(log_count \"ejecting -> error: ejecting: \$LOCKED\") \
	    -gt $n ]" &&
	wait_error 3 hdc &&
	expect_eq "" "$(drive_read 3 hdc target)" target &&
	expect_eq "ejecting: $LOCKED" "$(drive_read 3 hdc error)" error &&
	expect_eq "$A" "$(drive_read 3 hdc medium)" "medium node" &&
	expect_medium 3 hdc "$A" &&
	params_are "aio:$A"
'

test_expect_success 'by default the same error with QEMU in a stub domain, its vbd untouched' '
	request 5 hdc "$B" raw &&
	wait_error 5 hdc &&
	expect_eq "ejecting: $LOCKED" "$(drive_read 5 hdc error)" error &&
	expect_eq "$A" "$(drive_read 5 hdc medium)" "medium node" &&
	expect_eq "$A" "$(xenstore-read "$SBE/params")" "S'\''s vbd params" &&
	expect_eq 4 "$(xenstore-read "$SBE/state")" "S'\''s vbd state" &&
	expect_eq 0 "$(hotplug_calls | grep -c "^remove $SBE\$")" \
	    "hotplug removes" &&
	loop=$(qemu_medium 5 hdc) &&
	expect_eq "$A" "$(losetup -n -O BACK-FILE "$loop")" "QEMU'\''s medium"
'

test_expect_success 'asking for the medium in the drive clears the error' '
	request 5 hdc "$A" raw &&
	wait_done 5 hdc "$A" &&
	request 3 hdc "$A" raw &&
	wait_done 3 hdc "$A" &&
	expect_eq "" "$(drive_read 3 hdc error)" error &&
	expect_medium 3 hdc "$A"
'

test_expect_success 'with force-eject = yes the change goes through' '
	restart force.conf &&
	request 3 hdc "$B" raw &&
	wait_done 3 hdc "$B" &&
	expect_medium 3 hdc "$B" &&
	params_are "aio:$B" &&
	expect_eq "" "$(drive_read 3 hdc error)" error &&
	expect_eq "done -> ejecting
ejecting -> detaching
detaching -> attaching
attaching -> changing
changing -> done" "$(transitions 3 hdc | tail -n 5)" transitions &&
	grep -q "dom 3 hdc: the guest has locked the tray; forcing the eject" \
	    "$HOSTDIR/log/cdromd.log" &&
	expect_eq "raw:$B raw:$B" "$(qemu_fdsets 3 |
	    jq -r "[.[].fds[].opaque] | sort | join(\" \")")" \
	    "fdsets: one for hdc, one for hdd"
'

test_expect_success 'with force-eject = yes the change goes through in a stub domain too' '
	wait_for "[ \"\$(qemu_block 5 hdc | jq -r .locked)\" = true ]" &&
	request 5 hdc "$B" raw &&
	stub_holds "$B" &&
	grep -q "dom 5 hdc: the guest has locked the tray; forcing the eject" \
	    "$HOSTDIR/log/cdromd.log"
'

test_expect_success 'the guest locks the new medium in' '
	wait_for "[ \"\$(tray hdc)\" = \"true false true\" ]"
'

test_expect_success 'with force-eject = yes an eject of the locked tray goes through' '
	request 3 hdc "" &&
	wait_done 3 hdc "" &&
	expect_medium 3 hdc "" &&
	params_are "" &&
	expect_eq "true true false" "$(tray hdc)" \
	    "the tray: open, empty, locked again by the guest"
'

# The change's session emptied the drive and has held QEMU since, so the
# insert does not look at the tray first; the guest can still close it
# meanwhile (here: while the stub is late with its add-fd).
test_expect_success 'a tray closed and locked during a stub change: refused unforced, then forced' '
	n=$(log_count "dom 5 hdc: the guest has locked the tray; forcing it") &&
	kill -USR1 "$(cat "$HOSTDIR/pids/stub-6")" &&
	request 5 hdc "$A" raw &&
	wait_for "drive_is 5 hdc changing" &&
	qmp_test 5 blockdev-close-tray "{\"id\":\"ide-5632\"}" >/dev/null &&
	expect_eq "true false false" "$(qemu_block 5 hdc |
	    jq -r "\"\\(.locked) \\(.tray_open) \\(.inserted != null)\"")" \
	    "the tray: locked, closed, empty" &&
	kill -USR2 "$(cat "$HOSTDIR/pids/stub-6")" &&
	stub_holds "$A" &&
	expect_eq $((n + 1)) \
	    "$(log_count "dom 5 hdc: the guest has locked the tray; forcing it")" \
	    "forced change-medium"
'

test_expect_success 'a tray closed and locked while empty: with force-eject = yes, forced in changing' '
	n=$(log_count "dom 3 hdc: the guest has locked the tray; forcing it") &&
	stopped_in_changing "$A" force.conf &&
	wait_done 3 hdc "$A" &&
	expect_medium 3 hdc "$A" &&
	params_are "aio:$A" &&
	expect_eq $((n + 1)) \
	    "$(log_count "dom 3 hdc: the guest has locked the tray; forcing it")" \
	    "forced change-medium"
'

test_expect_success 'and with the default, a clear error in changing; the drive stays empty' '
	stopped_in_changing "$B" default.conf &&
	wait_error 3 hdc &&
	expect_eq "changing: $LOCKED" "$(drive_read 3 hdc error)" error &&
	expect_eq "" "$(drive_read 3 hdc medium)" "medium node" &&
	expect_medium 3 hdc "" &&
	params_are "" &&
	expect_eq "true false false" "$(tray hdc)" tray
'

test_expect_success 'a drive never locked changes and ejects as before, either way' '
	request 4 hdc "$A" raw &&
	wait_done 4 hdc "$A" &&
	restart force.conf &&
	request 4 hdc "" &&
	wait_done 4 hdc "" &&
	expect_medium 4 hdc "" &&
	expect_eq "done -> ejecting
ejecting -> detaching
detaching -> attaching
attaching -> changing
changing -> done
done -> ejecting
ejecting -> detaching
detaching -> attaching
attaching -> done" "$(transitions 4 hdc | tail -n 9)" transitions &&
	expect_eq 0 "$(log_count "dom 4 hdc: the guest has locked")" \
	    "lock messages for dom4"
'

test_expect_success 'the daemon is still running' '
	daemon_alive
'

test_done
