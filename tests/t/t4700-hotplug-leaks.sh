#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-only
#
# What a hotplug script leaves when it is cut short (issue 14, finding
# 7).  The test host's block script, with HOTPLUG_HOLD=add-attached,
# attaches the loop device, writes node and physical-device, and leaves
# hotplug-status to a child that waits: as a real script's children
# finish its work.
# - An add past step-timeout: its whole process group is killed, child
#   included, and the next change runs "remove" (the backend shows the
#   script's work, without hotplug-status), so its loop device goes.
# - A domain destroyed while the add runs: the group is killed, and
#   nothing is written under the dead domain's paths afterwards.

# shellcheck disable=SC2016 # test code is evaluated when it runs
# shellcheck source=tests/t/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/t/lib-cdrom.sh
. "$TEST_DIR/lib-cdrom.sh"

A=$HOSTDIR/a.iso B=$HOSTDIR/b.iso C=$HOSTDIR/c.iso
make_iso "$A" && make_iso "$B" && make_iso "$C" || exit 1
printf 'step-timeout = 3\n' >"$HOSTDIR/cdromd.conf"
RELEASE=$HOSTDIR/release CHILD=$HOSTDIR/hotplug-child.pid

start_daemon() {
	cdromd_start --config "$HOSTDIR/cdromd.conf" --hotplug-script "$HOTPLUG"
}

# start_holding_daemon: a daemon whose scripts' adds hold, as above.
start_holding_daemon() {
	(export HOTPLUG_HOLD=add-attached HOTPLUG_RELEASE=$RELEASE \
	    HOTPLUG_CHILD=$CHILD
	 start_daemon)
}

test_expect_success 'setup: a stub guest, and a daemon whose adds hold' '
	stubdom_guest_create 3 4 hdc "$A" &&
	start_holding_daemon &&
	wait_done 3 hdc "$A"
'

test_expect_success 'an add past step-timeout ends in error, its children killed with it' '
	rm -f "$CHILD" &&
	request 3 hdc "$B" raw &&
	wait_for "[ -s \"$CHILD\" ]" 10 &&
	child=$(cat "$CHILD") &&
	wait_error 3 hdc 15 &&
	expect_eq timeout "$(drive_read 3 hdc error-code)" error-code &&
	wait_for "host_dead $child" 5 || {
		echo "the script'\''s child $child outlived it"
		kill "$child" 2>/dev/null
		return 1
	}
'

test_expect_success 'the next change runs remove, and the loop device goes' '
	expect_eq 1 "$(loops_of "$B" | wc -l)" "loop devices on the first try" &&
	n=$(host_lines cdromd.log "dom 3 hdc: adopted") &&
	cdromd_stop && start_daemon &&
	wait_for "host_more_lines cdromd.log \"dom 3 hdc: adopted\" $n" &&
	request 3 hdc "$C" raw &&
	stub_drive_converged 3 4 hdc "$C" &&
	expect_eq 0 "$(loops_of "$B" | wc -l)" "loop devices left on $B"
'

test_expect_success 'setup: another stub guest, with a holding daemon' '
	cdromd_stop &&
	stubdom_guest_create 5 6 hdc "$A" &&
	start_holding_daemon &&
	wait_done 5 hdc "$A"
'

test_expect_success 'a domain destroyed while its add runs: nothing is written there afterwards' '
	rm -f "$CHILD" "$RELEASE" &&
	request 5 hdc "$B" raw &&
	wait_for "[ -s \"$CHILD\" ]" 10 &&
	child=$(cat "$CHILD") &&
	stubdom_guest_destroy 5 6 &&
	wait_for "grep -q \"info: dom 5: forgotten\" \"$HOSTDIR/log/cdromd.log\"" &&
	wait_for "host_dead $child" 5 &&
	touch "$RELEASE" &&
	for _ in $(seq 40); do
		if xenstore-exists /local/domain/0/backend/vbd/6 2>/dev/null ||
		    xenstore-exists /local/domain/6 2>/dev/null; then
			echo "written under the dead stub domain'\''s paths:"
			xenstore-ls -f /local/domain/0/backend/vbd/6 2>&1
			return 1
		fi
		sleep 0.05
	done &&
	daemon_alive
'

# The release file is there now: adds report at once.
test_expect_success 'the other guest is still served' '
	request 3 hdc "$A" raw &&
	wait_done 3 hdc "$A" 15
'

test_done
