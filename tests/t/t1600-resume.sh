#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-only
#
# The progress of a change lives in xenstore: a daemon that stopped at
# any step, or was killed while QEMU hung, resumes from the recorded
# state and converges, without leaking fdsets.  A hung QEMU ends the
# step in error after step-timeout, and other guests are served.

# shellcheck disable=SC2016 # test code is evaluated when it runs
# shellcheck source=tests/t/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/t/lib-cdrom.sh
. "$TEST_DIR/lib-cdrom.sh"

A=$HOSTDIR/a.iso B=$HOSTDIR/b.iso
make_iso "$A" && make_iso "$B" || exit 1
printf 'step-timeout = 2\n' >"$HOSTDIR/cdromd.conf"
BE=/local/domain/0/backend/qdisk/3/5632
LX=/libxl/3/device/vbd/5632

# crashed_in STATE PARAMS [EJECTED]: what a daemon killed in STATE would
# have left: a request for B, the vbd's params, and QEMU still holding
# A unless EJECTED.  Then a new daemon starts.
crashed_in() {
	cdromd_stop &&
	request 3 hdc "$A" raw &&
	xenstore-write "$(req_path 3 hdc state)" "done" \
	    "$(req_path 3 hdc medium)" "$A" "$BE/params" "aio:$A" \
	    "$LX/params" "aio:$A" &&
	qmp_test 3 blockdev-change-medium \
	    "{\"id\":\"ide-5632\",\"filename\":\"$A\",\"format\":\"raw\"}" \
	    >/dev/null &&
	if [ -n "${3:-}" ]; then
		qmp_test 3 eject "{\"id\":\"ide-5632\"}" >/dev/null || return 1
	fi &&
	xenstore-write "$(req_path 3 hdc target)" "$B" \
	    "$(req_path 3 hdc state)" "$1" "$BE/params" "$2" "$LX/params" "$2" &&
	cdromd_start --config "$HOSTDIR/cdromd.conf"
}

# converged: B is in the drive, recorded everywhere, in one fdset.
converged() {
	wait_done 3 hdc "$B" &&
	expect_medium 3 hdc "$B" &&
	expect_eq "aio:$B" "$(xenstore-read "$BE/params")" "backend params" &&
	expect_eq "aio:$B" "$(xenstore-read "$LX/params")" "libxl params" &&
	expect_eq 1 "$(qemu_fdsets 3 | jq length)" "number of fdsets"
}

test_expect_success 'setup: two guests, and the daemon' '
	hvm_guest_create 3 hdc "$A" &&
	hvm_guest_create 4 hdc "$A" &&
	cdromd_start --config "$HOSTDIR/cdromd.conf" &&
	wait_done 3 hdc "$A" &&
	wait_done 4 hdc "$A"
'

test_expect_success 'resumes a change stopped in ejecting, before the eject' '
	crashed_in ejecting "aio:$A" && converged
'

test_expect_success 'resumes a change stopped in ejecting, after the eject' '
	crashed_in ejecting "aio:$A" ejected && converged
'

test_expect_success 'resumes a change stopped in detaching' '
	crashed_in detaching "aio:$A" ejected && converged
'

test_expect_success 'resumes a change stopped in attaching' '
	crashed_in attaching "" ejected && converged
'

test_expect_success 'resumes a change stopped in changing' '
	crashed_in changing "aio:$B" ejected && converged
'

test_expect_success 'in changing, a drive holding another medium is re-planned' '
	crashed_in changing "aio:$B" && converged
'

test_expect_success 'a hung QEMU ends the step in error after step-timeout' '
	kill -STOP "$(cat "$HOSTDIR/pids/qemu-3")" &&
	request 3 hdc "$A" raw &&
	request 4 hdc "$B" raw &&
	wait_done 4 hdc "$B" &&
	wait_error 3 hdc 10 &&
	expect_eq "ejecting: timed out after 2 s waiting for QEMU" \
	    "$(drive_read 3 hdc error)" error
'

test_expect_success 'after the hang the drive serves again' '
	kill -CONT "$(cat "$HOSTDIR/pids/qemu-3")" &&
	request 3 hdc "$A" raw &&
	wait_done 3 hdc "$A" &&
	expect_medium 3 hdc "$A"
'

test_expect_success 'a daemon killed while QEMU hangs resumes on restart' '
	kill -STOP "$(cat "$HOSTDIR/pids/qemu-3")" &&
	request 3 hdc "$B" raw &&
	wait_for "drive_is 3 hdc ejecting" &&
	kill -KILL "$(cat "$HOSTDIR/pids/cdromd")" &&
	wait_for "[ -s \"$HOSTDIR/cdromd.status\" ]" &&
	rm -f "$HOSTDIR/cdromd.status" "$HOSTDIR/pids/cdromd" &&
	kill -CONT "$(cat "$HOSTDIR/pids/qemu-3")" &&
	cdromd_start --config "$HOSTDIR/cdromd.conf" &&
	converged
'

test_done
