#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-only
#
# What goes wrong around the daemon: a guest destroyed in the middle of
# a change, its domid reused at once, a stub domain destroyed while its
# add-fd is held back, and a hotplug script that never returns.  The
# daemon survives them, never writes under a dead domain's nodes, and
# keeps serving the other guests.

# shellcheck disable=SC2016 # test code is evaluated when it runs
# shellcheck source=tests/t/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/t/lib-cdrom.sh
. "$TEST_DIR/lib-cdrom.sh"

A=$HOSTDIR/a.iso B=$HOSTDIR/b.iso C=$HOSTDIR/c.iso
make_iso "$A" && make_iso "$B" && make_iso "$C" || exit 1
printf 'step-timeout = 3\n' >"$HOSTDIR/cdromd.conf"
# The release file of the hung hotplug script: never created.
NEVER=$HOSTDIR/never-released

start_daemon() {
	cdromd_start --config "$HOSTDIR/cdromd.conf" --hotplug-script "$HOTPLUG"
}

# forgotten D: the daemon logged that it forgot domain D.
forgotten() {
	grep -q "info: dom $1: forgotten\$" "$HOSTDIR/log/cdromd.log"
}

# home_gone D: none of domain D's nodes, nor its backends, exist.
home_gone() {
	! xenstore-exists "/local/domain/$1" 2>/dev/null &&
	! xenstore-exists "/libxl/$1" 2>/dev/null &&
	! xenstore-exists "/local/domain/0/backend/qdisk/$1" 2>/dev/null &&
	! xenstore-exists "/local/domain/0/backend/vbd/$1" 2>/dev/null
}

# stays_gone D [SECONDS]: after D's destruction nothing recreates its
# nodes for SECONDS (default 2): a write under a removed path would
# create it again.
stays_gone() {
	local i
	for ((i = 0; i < ${2:-2} * 20; i++)); do
		home_gone "$1" || {
			echo "dom$1's nodes were written again after its destruction:"
			xenstore-ls -f "/local/domain/$1" 2>&1
			xenstore-ls -f "/libxl/$1" 2>&1
			return 1
		}
		sleep 0.05
	done
}

# hung_scripts: the pids of hotplug scripts held by $NEVER, one a line.
hung_scripts() {
	local pid
	for pid in $(pgrep -f "hotplug-block (add|remove)"); do
		tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null |
		    grep -qxF "HOTPLUG_RELEASE=$NEVER" && echo "$pid"
	done
	return 0
}

test_expect_success 'setup: two guests with QEMU in dom0, and the daemon' '
	hvm_guest_create 3 hdc "$A" &&
	hvm_guest_create 4 hdc "$A" &&
	start_daemon &&
	wait_done 3 hdc "$A" &&
	wait_done 4 hdc "$A"
'

test_expect_success 'a guest destroyed mid-step is forgotten' '
	qemu=$(cat "$HOSTDIR/pids/qemu-3") &&
	kill -STOP "$qemu" &&
	request 3 hdc "$B" raw &&
	wait_for "drive_is 3 hdc ejecting" &&
	kill -TERM "$qemu" && kill -CONT "$qemu" &&
	domain_destroy 3 &&
	wait_for "forgotten 3" &&
	daemon_alive
'

test_expect_success 'and nothing is written under its nodes afterwards' '
	stays_gone 3 &&
	daemon_alive
'

test_expect_success 'another guest'\''s change still completes' '
	request 4 hdc "$B" raw &&
	wait_done 4 hdc "$B" &&
	expect_medium 4 hdc "$B"
'

test_expect_success 'a guest whose nodes go while its QEMU hangs is forgotten' '
	hvm_guest_create 9 hdc "$A" &&
	wait_done 9 hdc "$A" &&
	mv "$HOSTDIR/pids/qemu-9" "$HOSTDIR/pids/hung-qemu-9" &&
	kill -STOP "$(cat "$HOSTDIR/pids/hung-qemu-9")" &&
	request 9 hdc "$B" raw &&
	wait_for "drive_is 9 hdc ejecting" &&
	domain_destroy 9 &&
	wait_for "forgotten 9" &&
	daemon_alive
'

test_expect_success 'and neither its step-timeout nor its QEMU'\''s end writes there' '
	stays_gone 9 4 &&
	kill -KILL "$(cat "$HOSTDIR/pids/hung-qemu-9")" &&
	rm -f "$HOSTDIR/pids/hung-qemu-9" &&
	stays_gone 9 1 &&
	daemon_alive
'

test_expect_success 'the same domid reused at once starts clean' '
	hvm_guest_create 3 hdc "$C" &&
	wait_done 3 hdc "$C" &&
	expect_eq "$C" "$(drive_read 3 hdc target)" target &&
	expect_eq "" "$(drive_read 3 hdc error)" error &&
	expect_medium 3 hdc "$C"
'

test_expect_success 'setup: a guest whose QEMU runs in stub domain 6' '
	stubdom_guest_create 5 6 hdc "$A" &&
	wait_done 5 hdc "$A"
'

test_expect_success 'a stub domain destroyed mid-change: both are forgotten' '
	kill -USR1 "$(cat "$HOSTDIR/pids/stub-6")" &&
	request 5 hdc "$B" raw &&
	wait_for "drive_is 5 hdc changing" &&
	stubdom_guest_destroy 5 6 &&
	wait_for "forgotten 5" &&
	wait_for "forgotten 6" &&
	daemon_alive &&
	expect_fail "a warning that 6 is not the stub domain of 5" \
	    grep "dom 5: device model domain 6 is not" "$HOSTDIR/log/cdromd.log"
'

test_expect_success 'and nothing is written under either domain'\''s nodes' '
	stays_gone 6 &&
	stays_gone 5 &&
	daemon_alive
'

test_expect_success 'the other guests are still served' '
	request 4 hdc "$C" raw &&
	request 3 hdc "$A" raw &&
	wait_done 4 hdc "$C" &&
	wait_done 3 hdc "$A" &&
	expect_medium 4 hdc "$C" &&
	expect_medium 3 hdc "$A"
'

test_expect_success 'setup: a stub guest, and a daemon whose hotplug adds hang' '
	stubdom_guest_create 7 8 hdc "$A" &&
	(export HOTPLUG_HOLD=add HOTPLUG_RELEASE=$NEVER
	 cdromd_stop && start_daemon) &&
	wait_done 7 hdc "$A"
'

test_expect_success 'a hotplug script that never returns ends the step in error' '
	request 7 hdc "$B" raw &&
	wait_for "[ -n \"\$(hung_scripts)\" ]" &&
	wait_error 7 hdc 10 &&
	expect_eq "attaching: timed out after 3 s waiting for the hotplug script" \
	    "$(drive_read 7 hdc error)" error &&
	daemon_alive
'

test_expect_success 'and the hung script is killed' '
	wait_for "[ -z \"\$(hung_scripts)\" ]" 5
'

# A rewrite made while no daemon watches cannot be told from the failed
# request it repeats: the retry waits until the new daemon has the drive.
test_expect_success 'a retry with a working script converges' '
	cdromd_stop &&
	n=$(host_lines cdromd.log "dom 7 hdc: adopted") &&
	start_daemon &&
	wait_for "host_more_lines cdromd.log \"dom 7 hdc: adopted\" $n" &&
	request 7 hdc "$B" raw &&
	wait_done 7 hdc "$B" &&
	loop=$(qemu_medium 7 hdc) &&
	expect_eq "$B" "$(losetup -n -O BACK-FILE "$loop")" \
	    "the loop device behind QEMU'\''s fd"
'

# Last: it takes the host's xenstored away.
test_expect_success 'xenstored going away: the daemon exits and says why' '
	kill -TERM "$(cat "$HOSTDIR/pids/xenstored")" &&
	wait_for "[ -s \"$HOSTDIR/cdromd.status\" ]" 5 &&
	expect_eq 1 "$(cat "$HOSTDIR/cdromd.status")" "exit status" &&
	grep -q "lost the connection to xenstored" "$HOSTDIR/log/cdromd.log" &&
	rm -f "$HOSTDIR/cdromd.status" "$HOSTDIR/pids/cdromd"
'

test_done
