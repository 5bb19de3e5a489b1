#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-only
#
# The test host's stub domains: an HVM guest D whose QEMU runs in a
# Linux stub domain S, with S's PV CD vbd laid out as libxl 4.20 lays it
# out, served by dom0's blkback (blkback-sim), attached to a loop device
# by the hotplug script, connected by S's blkfront and handed to QEMU by
# S's glue (stub-agent), all through xenstore with real permissions.

# Test code is single-quoted on purpose: it is evaluated when it runs.
# shellcheck disable=SC2016
# shellcheck source=tests/t/lib.sh
. "$(dirname "$0")/lib.sh"

IMG=$HOSTDIR/img
mkdir -p "$IMG"
# S's vbd: dom 4 is the stub domain of dom 3, its CD drive hdc.
# shellcheck disable=SC2034 # used in the tests' code
BE=/local/domain/0/backend/vbd/4/5632
# shellcheck disable=SC2034
FE=/local/domain/4/device/vbd/5632
# shellcheck disable=SC2034
LX=/libxl/4/device/vbd/5632

# agent_lines S PATTERN: how many lines of S's agent's log match.
# shellcheck disable=SC2317 # called from test code
agent_lines() {
	grep -c -- "$2" "$HOSTDIR/log/stub-$1.log"
}

# loop_holds DEV FILE: loop device DEV is attached to FILE.
# shellcheck disable=SC2317 # called from test code
loop_holds() {
	expect_eq "$(readlink -f "$2")" \
	    "$(losetup -n -O BACK-FILE "$1" 2>/dev/null)" "file behind $1"
}

test_expect_success 'stubdom_guest_create brings S'\''s vbd to Connected' '
	make_iso "$IMG/a.iso" &&
	stubdom_guest_create 3 4 hdc "$IMG/a.iso" &&
	expect_eq 4 "$(stub_vbd_state 4 5632)" "backend state" &&
	expect_eq 4 "$(stub_fe_state 4 5632)" "frontend state" &&
	dev=$(xenstore-read $BE/physical-device-path) &&
	loop_holds "$dev" "$IMG/a.iso" &&
	expect_eq "$dev" "$(loops_of "$IMG/a.iso")" "loops of a.iso" &&
	expect_eq "$(stat -L -c %t:%T "$dev")" \
	    "$(xenstore-read $BE/physical-device)" physical-device &&
	expect_eq connected "$(xenstore-read $BE/hotplug-status)" \
	    hotplug-status &&
	expect_eq "add $BE" "$(hotplug_calls)" "hotplug calls" &&
	expect_eq 2048 "$(xenstore-read $BE/sectors)" sectors &&
	expect_eq 5 "$(xenstore-read $BE/info)" "info (cdrom, read-only)"
'

test_expect_success 'S'\''s vbd is in xenstore as libxl 4.20 writes it' '
	expect_eq n0,r4 "$(xs_perms $BE)" "backend perms" &&
	expect_eq n4,r0 "$(xs_perms $FE)" "frontend perms" &&
	expect_eq n0 "$(xs_perms $LX)" "libxl perms" &&
	for k in params script frontend-id online removable bootable dev \
	    type mode device-type discard-enable specification; do
		expect_eq "$(xenstore-read $BE/$k)" "$(xenstore-read $LX/$k)" \
		    "libxl copy of $k" || exit 1
	done &&
	expect_eq "$IMG/a.iso" "$(xenstore-read $BE/params)" params &&
	expect_eq "$HOTPLUG" "$(xenstore-read $BE/script)" script &&
	expect_eq 4 "$(xenstore-read $BE/frontend-id)" frontend-id &&
	expect_eq 1:1:1 "$(xenstore-read $BE/online):$(xenstore-read \
	    $BE/removable):$(xenstore-read $BE/bootable)" \
	    online:removable:bootable &&
	expect_eq hdc:phy:r:cdrom "$(xenstore-read $BE/dev):$(xenstore-read \
	    $BE/type):$(xenstore-read $BE/mode):$(xenstore-read \
	    $BE/device-type)" dev:type:mode:device-type &&
	expect_eq 0:xen "$(xenstore-read $BE/discard-enable):$(xenstore-read \
	    $BE/specification)" discard-enable:specification &&
	expect_eq $FE "$(xenstore-read $BE/frontend)" frontend &&
	expect_eq $FE "$(xenstore-read $LX/frontend)" "libxl frontend" &&
	expect_eq $BE "$(xenstore-read $LX/backend)" "libxl backend" &&
	expect_eq $BE "$(xenstore-read $FE/backend)" backend &&
	expect_eq 0:5632:cdrom:1 "$(xenstore-read $FE/backend-id):$(\
	    xenstore-read $FE/virtual-device):$(xenstore-read \
	    $FE/device-type):$(xenstore-read $FE/trusted)" \
	    backend-id:virtual-device:device-type:trusted &&
	expect_eq x86_64-abi "$(xenstore-read $FE/protocol)" protocol
'

test_expect_success 'D'\''s own vbd is "phy" and stays Initialising' '
	be=/local/domain/0/backend/vbd/3/5632 &&
	expect_eq 1 "$(xenstore-read $be/state)" "D'\''s backend state" &&
	expect_eq "$IMG/a.iso" "$(xenstore-read $be/params)" "D'\''s params" &&
	expect_eq phy "$(xenstore-read $be/type)" "D'\''s type" &&
	expect_eq n0,r3 "$(xs_perms $be)" "D'\''s backend perms" &&
	expect_eq $be "$(xenstore-read /libxl/3/device/vbd/5632/backend)" \
	    "D'\''s libxl record"
'

test_expect_success 'S is D'\''s stub domain, as libxl records it' '
	expect_eq 4 "$(xenstore-read /local/domain/3/image/device-model-domid)" \
	    device-model-domid &&
	expect_eq 3 "$(xenstore-read /local/domain/4/target)" target &&
	expect_eq guest3-dm "$(xenstore-read /local/domain/4/name)" "S name" &&
	expect_eq pv "$(xenstore-read /libxl/4/type)" "S type" &&
	expect_eq running \
	    "$(xenstore-read /local/domain/4/device-model/3/state)" dm-state &&
	expect_eq n4,r3 "$(xs_perms /local/domain/4/device-model/3/state)" \
	    "dm-state perms (written by S)" &&
	expect_eq "$(cat "$HOSTDIR/pids/qemu-3")" \
	    "$(xenstore-read /local/domain/4/image/qmp-proxy-pid)" \
	    qmp-proxy-pid &&
	expect_eq running \
	    "$(xenstore-read /local/domain/0/device-model/4/qmp-proxy-state)" \
	    qmp-proxy-state
'

test_expect_success 'the agent'\''s fdset with opaque stub-devid:5632 is in QEMU' '
	stub_fdset_present 3 5632 &&
	grep -E "^add-fd sent 5632 fdset=auto t=[0-9]+$" \
	    "$HOSTDIR/log/stub-4.log" &&
	fd=$(qemu_fdsets 3 | jq -r ".[] | .fds[] |
	    select(.opaque == \"stub-devid:5632\") | .fd") &&
	expect_eq "$(xenstore-read $BE/physical-device-path)" \
	    "$(readlink "/proc/$(cat "$HOSTDIR/pids/qemu-3")/fd/$fd")" \
	    "the fd QEMU holds"
'

test_expect_success 'S'\''s QEMU holds the loop device in ide-5632' '
	expect_eq "$(xenstore-read $BE/physical-device-path)" \
	    "$(qemu_medium 3 hdc)" "medium of hdc" &&
	expect_eq host_device "$(qemu_block 3 hdc | jq -r .inserted.drv)" \
	    driver
'

test_expect_success 'S acts as D on D'\''s nodes after XS_SET_TARGET' '
	expect_eq guest3 "$(as_guest 4 xenstore-read /local/domain/3/name)" \
	    "D'\''s name read by S" &&
	as_guest 4 xenstore-write /local/domain/3/data/from-stub 1 &&
	expect_eq 1 "$(xenstore-read /local/domain/3/data/from-stub)" \
	    "written by S" &&
	expect_fail "S reads D'\''s libxl record (dom0'\''s only)" \
	    as_guest 4 xenstore-read /libxl/3/type
'

test_expect_success 'S cannot write its backend or D'\''s dom0 nodes' '
	expect_fail "S writes its backend params" \
	    as_guest 4 xenstore-write $BE/params /etc/shadow &&
	expect_fail "S writes its backend state" \
	    as_guest 4 xenstore-write $BE/state 6 &&
	expect_fail "S writes D'\''s name" \
	    as_guest 4 xenstore-write /local/domain/3/name evil &&
	expect_eq "$IMG/a.iso" "$(xenstore-read $BE/params)" params &&
	expect_eq 4 "$(stub_vbd_state 4 5632)" "backend state" &&
	expect_eq guest3 "$(xenstore-read /local/domain/3/name)" "D'\''s name"
'

# What the daemon does first, as libxl 4.20 does: eject, then remove-fd
# of the fdset that held the old medium.  Until QEMU lets go of the loop
# device, detaching it only marks it to be cleared on its last close.
# shellcheck disable=SC2317 # called from test code
stub_eject() {
	local fdset
	qmp_test "$1" eject "{\"id\":\"ide-$2\"}" >/dev/null || return 1
	for fdset in $(qemu_fdsets "$1" | jq -r --arg o "stub-devid:$2" \
	    '.[] | select(.fds | any(.opaque == $o)) | .["fdset-id"]'); do
		qmp_test "$1" remove-fd "{\"fdset-id\":$fdset}" >/dev/null ||
			return 1
	done
}

test_expect_success 'removing S'\''s vbd the libxl way closes both ends' '
	dev=$(xenstore-read $BE/physical-device-path) &&
	stub_eject 3 5632 &&
	expect_eq "" "$(qemu_medium 3 hdc)" "medium of hdc after eject" &&
	printf "write %s/online 0\nwrite %s/state 5\n" $BE $BE |
	    "$HOST_BIN/xs-tx" &&
	wait_for "stub_vbd_state_is 4 5632 6" &&
	expect_eq 6 "$(stub_fe_state 4 5632)" "frontend state" &&
	grep -q "^fe 5632: 4 -> 5 " "$HOSTDIR/log/stub-4.log" &&
	grep -q "^fe 5632: 5 -> 6 " "$HOSTDIR/log/stub-4.log" &&
	grep -q "^be 4/5632: 5 -> 6$" "$HOSTDIR/log/blkback.log" &&
	stub_hotplug remove 4 5632 &&
	printf "rm %s\nrm %s\nrm %s\n" $FE $LX $BE | "$HOST_BIN/xs-tx" &&
	expect_eq "" "$(loops_of "$IMG/a.iso")" "loops of a.iso" &&
	expect_eq "" "$(losetup -n -O BACK-FILE "$dev" 2>/dev/null)" \
	    "file behind $dev" &&
	expect_eq "remove $BE" "$(hotplug_calls | tail -n 1)" "last call" &&
	wait_for "grep -q \"^fe 5632: gone \" \"\$HOSTDIR/log/stub-4.log\"" &&
	wait_for "grep -q \"^be 4/5632: gone$\" \"\$HOSTDIR/log/blkback.log\""
'

test_expect_success 're-adding a vbd with another ISO connects it and adds a fdset' '
	make_iso "$IMG/b.iso" &&
	stub_vbd_add 4 3 hdc "$IMG/b.iso" &&
	wait_for "stub_vbd_state_is 4 5632 4" &&
	wait_for "test \"\$(stub_fe_state 4 5632)\" = 4" &&
	dev=$(xenstore-read $BE/physical-device-path) &&
	loop_holds "$dev" "$IMG/b.iso" &&
	wait_for "test \$(agent_lines 4 \"^add-fd done 5632 \") = 2" &&
	fds=$(qemu_fdsets 3 | jq -c "[.[] | select(.fds[0].opaque ==
	    \"stub-devid:5632\")]") &&
	expect_eq 1 "$(jq length <<<"$fds")" "fdsets of stub-devid:5632" &&
	fd=$(jq -r ".[0].fds[0].fd" <<<"$fds") &&
	expect_eq "$dev" \
	    "$(readlink "/proc/$(cat "$HOSTDIR/pids/qemu-3")/fd/$fd")" \
	    "the fd in the new fdset"
'

test_expect_success 'stub_vbd_remove takes the vbd and its parents away' '
	stub_eject 3 5632 &&
	stub_vbd_remove 4 5632 &&
	expect_eq "" "$(loops_of "$IMG/b.iso")" "loops of b.iso" &&
	expect_fail "frontend dir left" xenstore-exists /local/domain/4/device/vbd &&
	expect_fail "libxl dir left" xenstore-exists /libxl/4/device &&
	expect_fail "backend dir left" xenstore-exists /local/domain/0/backend/vbd/4 &&
	xenstore-exists /local/domain/4/device &&
	xenstore-exists /local/domain/0/backend/vbd/3/5632
'

test_expect_success 'an empty drive gets empty-cdrom.D, as libxl 4.20 makes it' '
	stubdom_guest_create 5 6 hdc &&
	empty=$QMPDIR/empty-cdrom.5 &&
	expect_eq "$empty" \
	    "$(xenstore-read /local/domain/0/backend/vbd/6/5632/params)" params &&
	expect_eq "400 0" "$(stat -c "%a %s" "$empty")" "mode and size" &&
	expect_eq "" "$(xenstore-read /local/domain/0/backend/vbd/5/5632/params)" \
	    "D'\''s params" &&
	expect_eq 4 "$(stub_vbd_state 6 5632)" "backend state" &&
	loop_holds "$(xenstore-read \
	    /local/domain/0/backend/vbd/6/5632/physical-device-path)" "$empty" &&
	stub_fdset_present 5 5632 &&
	expect_eq "" "$(qemu_medium 5 hdc)" "medium of hdc"
'

test_expect_success '--seed: the agent adds fdset 8000 + disk index' '
	make_iso "$IMG/c.iso" &&
	stubdom_guest_create 7 8 hdd "$IMG/c.iso" --seed &&
	stub_fdset_present 7 5696 8003 &&
	grep -E "^add-fd sent 5696 fdset=8003 t=[0-9]+$" \
	    "$HOSTDIR/log/stub-8.log" &&
	grep -E "^add-fd done 5696 fdset=8003 fd=[0-9]+ t=[0-9]+$" \
	    "$HOSTDIR/log/stub-8.log"
'

test_expect_success 'the hotplug script refuses a backend not in InitWait' '
	be=/local/domain/0/backend/vbd/99/51712 &&
	test_when_finished "xenstore-rm $be" &&
	xenstore-write $be/params "$IMG/c.iso" $be/state 1 &&
	n=$(loops_of "$IMG/c.iso" | wc -l) &&
	expect_fail "hotplug add" env XENBUS_PATH=backend/vbd/99/51712 \
	    XENBUS_TYPE=vbd XENBUS_BASE_PATH=backend "$HOTPLUG" add &&
	expect_eq error "$(xenstore-read $be/hotplug-status)" hotplug-status &&
	xenstore-read $be/hotplug-error | grep -q "state: 1" &&
	expect_eq "$n" "$(loops_of "$IMG/c.iso" | wc -l)" "loops of c.iso"
'

test_expect_success 'the hotplug script adds once and removes idempotently' '
	be=/local/domain/0/backend/vbd/99/51712 &&
	test_when_finished "xenstore-rm /local/domain/0/backend/vbd/99" &&
	xenstore-write $be/params "$IMG/c.iso" $be/state 2 &&
	n=$(loops_of "$IMG/c.iso" | wc -l) &&
	hp() { env XENBUS_PATH=$be XENBUS_TYPE=vbd \
	    XENBUS_BASE_PATH=backend "$HOTPLUG" "$1"; } &&
	hp add && dev=$(xenstore-read $be/physical-device-path) &&
	loop_holds "$dev" "$IMG/c.iso" &&
	hp add &&
	expect_eq $((n + 1)) "$(loops_of "$IMG/c.iso" | wc -l)" \
	    "loops after two adds" &&
	hp remove && hp remove &&
	expect_eq "$n" "$(loops_of "$IMG/c.iso" | wc -l)" "loops after remove" &&
	expect_fail "hotplug-status left" xenstore-exists $be/hotplug-status
'

# Xen's own block script, from xen-utils-common, as libxl runs it: it
# logs to /var/log/xen, locks in /var/run/xen-hotplug, and on "add"
# refuses a backend that is not in InitWait.
block=/etc/xen/scripts/block
if [ ! -x "$block" ]; then
	test_report 0 "# SKIP Xen's block script: $block is not installed"
elif ! mkdir -p /var/log/xen 2>/dev/null || [ ! -w /var/log/xen ]; then
	test_report 0 "# SKIP Xen's block script: /var/log/xen is not writable"
else
	test_expect_success 'Xen'\''s block script attaches and detaches a file vbd' '
		make_iso "$IMG/d.iso" &&
		domain_create 10 guest9-dm pv &&
		xenstore-write /local/domain/10/target 9 &&
		stub_agent_start 10 9 &&
		if ! HOTPLUG=$block stub_vbd_add 10 9 hdc "$IMG/d.iso"; then
			tail -n 20 /var/log/xen/xen-hotplug.log
			exit 1
		fi &&
		be=/local/domain/0/backend/vbd/10/5632 &&
		expect_eq "$block" "$(xenstore-read $be/script)" script &&
		dev=$(xenstore-read $be/node) &&
		loop_holds "$dev" "$IMG/d.iso" &&
		expect_eq "$(stat -L -c %t:%T "$dev")" \
		    "$(xenstore-read $be/physical-device)" physical-device &&
		expect_eq connected "$(xenstore-read $be/hotplug-status)" \
		    hotplug-status &&
		wait_for "stub_vbd_state_is 10 5632 4" &&
		stub_vbd_remove 10 5632 &&
		expect_eq "" "$(loops_of "$IMG/d.iso")" "loops of d.iso"
	'
fi

test_expect_success 'stubdom_guest_destroy removes both domains and the loop' '
	dev=$(xenstore-read /local/domain/0/backend/vbd/8/5696/physical-device-path) &&
	qemu=$(cat "$HOSTDIR/pids/qemu-7") &&
	stubdom_guest_destroy 7 8 &&
	! host_alive "$qemu" &&
	expect_eq "" "$(loops_of "$IMG/c.iso")" "loops of c.iso" &&
	expect_eq "" "$(losetup -n -O BACK-FILE "$dev" 2>/dev/null)" \
	    "file behind $dev" &&
	for p in /local/domain/7 /local/domain/8 /libxl/7 /libxl/8 \
	    /local/domain/0/backend/vbd/7 /local/domain/0/backend/vbd/8; do
		expect_fail "$p left" xenstore-exists $p || exit 1
	done &&
	! test -e "$QMPDIR/qmp-stub-7"
'

test_expect_success 'blkback-sim and the agents stop cleanly, logging nothing odd' '
	for f in blkback stub-4 stub-6 stub-8 stub-10; do
		test -f "$HOSTDIR/pids/$f" || continue
		host_kill "$HOSTDIR/pids/$f" || exit 1
	done &&
	! grep -E "Sanitizer|runtime error" "$HOSTDIR"/log/blkback.log \
	    "$HOSTDIR"/log/stub-*.log &&
	! grep -v -E "^(blkback-sim: ready|be [0-9]+/[0-9]+: )" \
	    "$HOSTDIR/log/blkback.log" &&
	! grep -v -h -E "^(stub-agent [0-9]+ for [0-9]+: ready|fe [0-9]+: |add-fd (sent|done) )" \
	    "$HOSTDIR/log/stub-4.log" "$HOSTDIR/log/stub-6.log" \
	    "$HOSTDIR/log/stub-8.log" &&
	! grep -v -E " t=[0-9]+$" "$HOSTDIR"/log/stub-*.log
'

# The inner host is stopped whatever happens, so that a failure leaves
# no daemons behind.
test_expect_success 'host_stop leaves no loop device and no process' '
	(
		unset HOSTDIR &&
		host_start || exit 1
		dir=$(readlink -f "$HOSTDIR")
		make_iso "$HOSTDIR/e.iso" &&
		stubdom_guest_create 2 3 hdc "$HOSTDIR/e.iso" &&
		pids=$(cat "$HOSTDIR"/pids/*) &&
		test -n "$(losetup -l -n -O BACK-FILE | grep "^$dir/")"
		rc=$?
		host_stop &&
		host_stop &&
		test $rc = 0 &&
		! test -e "$dir" &&
		expect_eq "" "$(losetup -l -n -O NAME,BACK-FILE |
		    grep " $dir/")" "loop devices left" &&
		for p in $pids; do ! host_alive $p || exit 1; done
	)
'

test_done
