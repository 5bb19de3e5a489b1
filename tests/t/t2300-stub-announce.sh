#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-only
#
# A stub domain that announces its add-fd (protocol 1.1): the stub agent
# plays the project's stub-side glue, writing
# /local/domain/S/device-model/D/cdrom-fdset/DEVID after each add-fd.
# The daemon is woken by the node instead of asking QEMU every few
# milliseconds, and takes the node for a hint only: a false or flooded
# announcement changes nothing but the number of query-fdsets it asks.

# shellcheck disable=SC2016 # test code is evaluated when it runs
# shellcheck source=tests/t/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/t/lib-cdrom.sh
. "$TEST_DIR/lib-cdrom.sh"

A=$HOSTDIR/a.iso B=$HOSTDIR/b.iso C=$HOSTDIR/c.iso
make_iso "$A" && make_iso "$B" && make_iso "$C" || exit 1
printf 'step-timeout = 10\n' >"$HOSTDIR/cdromd.conf"
# shellcheck disable=SC2034 # the tests' code uses it
NODE=/local/domain/4/device-model/3/cdrom-fdset/5632
# The stub agent stubdom_guest_create starts announces (stub-agent.c).
export XCD_STUB_ANNOUNCE=1

stub_converged() {
	stub_drive_converged 3 4 hdc "$1"
}

# fdset_queries: the query-fdsets the daemon has sent dom3's QEMU so far.
fdset_queries() {
	grep -c "dom 3 hdc: QMP command query-fdsets" "$HOSTDIR/log/cdromd.log"
}

test_expect_success 'setup: a guest whose stub domain announces its add-fd' '
	stubdom_guest_create 3 4 hdc "$A" &&
	cdromd_start --log-level debug --config "$HOSTDIR/cdromd.conf" \
	    --hotplug-script "$HOTPLUG" &&
	wait_done 3 hdc "$A"
'

test_expect_success 'a change is announced, and the daemon finds the stub truthful' '
	request 3 hdc "$B" raw &&
	stub_converged "$B" &&
	fdset=$(xenstore-read "$NODE") &&
	expect_eq "/dev/fdset/$fdset" \
	    "$(qemu_block 3 hdc | jq -r ".inserted.file")" "file in QEMU" &&
	request 3 hdc "$C" raw &&
	stub_converged "$C" &&
	grep -q "dom 3 hdc: the stub domain announces its add-fd" \
	    "$HOSTDIR/log/cdromd.log"
'

test_expect_success 'while a truthful stub is late, QEMU is not asked every few ms' '
	kill -USR1 "$(cat "$HOSTDIR/pids/stub-4")" &&
	request 3 hdc "$A" raw &&
	wait_for "drive_is 3 hdc changing" &&
	q0=$(fdset_queries) &&
	sleep 2 &&
	q1=$(fdset_queries) &&
	# 1..20 ms apart would be about a hundred; 200 ms apart, ten.
	expect_fail "$((q1 - q0)) query-fdsets in 2 s" \
	    test $((q1 - q0)) -gt 20 &&
	expect_fail "no query-fdsets in 2 s" test $((q1 - q0)) -eq 0 &&
	kill -USR2 "$(cat "$HOSTDIR/pids/stub-4")" &&
	stub_converged "$A"
'

test_expect_success 'a false announcement is a hint only: QEMU decides' '
	kill -USR1 "$(cat "$HOSTDIR/pids/stub-4")" &&
	request 3 hdc "$B" raw &&
	wait_for "drive_is 3 hdc changing" &&
	as_guest 4 xenstore-write "$NODE" 9999 &&
	as_guest 4 xenstore-write "$NODE" "not a number" &&
	sleep 0.5 &&
	drive_is 3 hdc changing &&
	expect_eq "" "$(qemu_block 3 hdc | jq -r ".inserted.file // \"\"")" \
	    "file in QEMU before the add-fd" &&
	kill -USR2 "$(cat "$HOSTDIR/pids/stub-4")" &&
	stub_converged "$B"
'

test_expect_success 'a flood of announcements does not stop the daemon' '
	kill -USR1 "$(cat "$HOSTDIR/pids/stub-4")" &&
	request 3 hdc "$C" raw &&
	wait_for "drive_is 3 hdc changing" &&
	for i in $(seq 1 100); do
		as_guest 4 xenstore-write "$NODE" "$i" || return 1
	done &&
	kill -USR2 "$(cat "$HOSTDIR/pids/stub-4")" &&
	stub_converged "$C" &&
	daemon_alive
'

test_done
