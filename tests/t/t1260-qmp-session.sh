#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-only
#
# One QMP session a change: the daemon opens QEMU's monitor at a
# change's first command and keeps it, under libxl's qmp-socket-lock,
# through the steps that wait on xenstore, the hotplug script or a stub
# domain, until the change is done or in error, as libxl's cd-insert
# keeps its one connection.  Then it gives both back, and libxl (or
# anyone waiting on the lock as libxl does) has the monitor to itself.

# shellcheck disable=SC2016 # test code is evaluated when it runs
# shellcheck source=tests/t/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/t/lib-cdrom.sh
. "$TEST_DIR/lib-cdrom.sh"

A=$HOSTDIR/a.iso B=$HOSTDIR/b.iso
make_iso "$A" && make_iso "$B" || exit 1
printf 'step-timeout = 10\n' >"$HOSTDIR/cdromd.conf"

# sessions D: the QMP sessions the daemon has opened for D's hdc so far.
sessions() {
	grep -c "dom $1 hdc: QMP session opened" "$HOSTDIR/log/cdromd.log" ||
		[ $? -eq 1 ]	# none yet: grep has printed 0
}

# commands D: the QMP commands it has sent for D's hdc so far.
commands() {
	grep -c "dom $1 hdc: QMP command " "$HOSTDIR/log/cdromd.log" ||
		[ $? -eq 1 ]
}

test_expect_success 'setup: a guest with QEMU in dom0, one with QEMU in stub domain 5' '
	hvm_guest_create 3 hdc "$A" &&
	stubdom_guest_create 4 5 hdc "$A" &&
	cdromd_start --log-level debug --config "$HOSTDIR/cdromd.conf" \
	    --hotplug-script "$HOTPLUG" &&
	wait_done 3 hdc "$A" &&
	wait_done 4 hdc "$A"
'

test_expect_success 'a dom0 change, eject and insert: one session each' '
	s0=$(sessions 3) &&
	request 3 hdc "$B" raw &&
	wait_done 3 hdc "$B" &&
	expect_eq 1 "$(($(sessions 3) - s0))" "sessions of a change" &&
	request 3 hdc "" raw &&
	wait_done 3 hdc "" &&
	expect_eq 2 "$(($(sessions 3) - s0))" "sessions after the eject" &&
	request 3 hdc "$A" raw &&
	wait_done 3 hdc "$A" &&
	expect_medium 3 hdc "$A" &&
	expect_eq 3 "$(($(sessions 3) - s0))" "sessions after the insert"
'

test_expect_success 'and the qmp-socket-lock is given back with it' '
	expect_fail "qmp-socket-lock of dom3 held after done" \
	    lock_held 3 qmp-socket-lock &&
	qmp_test 3 query-status >/dev/null
'

test_expect_success 'a stub change that waits for the stub keeps its session and the lock' '
	kill -USR1 "$(cat "$HOSTDIR/pids/stub-5")" &&
	s0=$(sessions 4) c0=$(commands 4) &&
	request 4 hdc "$B" raw &&
	wait_for "drive_is 4 hdc changing" &&
	sleep 1 &&
	lock_held 4 qmp-socket-lock &&
	expect_eq 1 "$(($(sessions 4) - s0))" "sessions while it waits" &&
	# Without the glue the stub is asked again 1..20 ms apart.
	n=$(($(commands 4) - c0)) &&
	expect_fail "only $n QMP commands in a second of waiting" \
	    test "$n" -lt 10
'

test_expect_success 'a holder-to-be of the lock, as libxl waits for it, gets it at the end' '
	rm -f got &&
	(flock "$(lock_file 4 qmp-socket-lock)" touch got &) &&
	sleep 0.5 &&
	expect_fail "the lock was had during the change" test -e got &&
	kill -USR2 "$(cat "$HOSTDIR/pids/stub-5")" &&
	stub_drive_converged 4 5 hdc "$B" &&
	wait_for "[ -e got ]" &&
	expect_eq 1 "$(($(sessions 4) - s0))" "sessions of the whole change"
'

# Replies to its own commands do not count against the bound on what
# QEMU may send unasked in one session (tests/t/t4000: a flood).
test_expect_success 'a stub late by over a thousand query-fdsets: the change still ends done' '
	: >"$HOSTDIR/empty.conf" &&
	cdromd_stop &&
	cdromd_start --log-level debug --config "$HOSTDIR/empty.conf" \
	    --hotplug-script "$HOTPLUG" &&
	kill -USR1 "$(cat "$HOSTDIR/pids/stub-5")" &&
	s0=$(sessions 4) c0=$(commands 4) &&
	request 4 hdc "$A" raw &&
	wait_for "[ \$((\$(commands 4) - c0)) -gt 1100 ]" 38 &&
	drive_is 4 hdc changing &&
	kill -USR2 "$(cat "$HOSTDIR/pids/stub-5")" &&
	stub_drive_converged 4 5 hdc "$A" &&
	expect_eq 1 "$(($(sessions 4) - s0))" "sessions of the whole change"
'

test_expect_success 'the daemon is still running' '
	daemon_alive
'

test_done
