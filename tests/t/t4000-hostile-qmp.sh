#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-only
#
# A compromised stub domain answers the daemon's QMP, so every reply is
# hostile input.  tests/host/qmp-evil plays such a QEMU on dom3's QMP
# socket, one way of misbehaving at a time: the change ends in error
# with a message naming what went wrong, within step-timeout, the
# daemon lives on, dom4 is served meanwhile, and once the real QEMU is
# back dom3 changes again.

# shellcheck disable=SC2016 # test code is evaluated when it runs
# shellcheck source=tests/t/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/t/lib-cdrom.sh
. "$TEST_DIR/lib-cdrom.sh"

A=$HOSTDIR/a.iso B=$HOSTDIR/b.iso
make_iso "$A" && make_iso "$B" || exit 1
printf 'step-timeout = 2\n' >"$HOSTDIR/cdromd.conf"
SOCK=$QMPDIR/qmp-libxl-3
EVIL_LOG=$HOSTDIR/log/qmp-evil.log

# evil_start MODE: qmp-evil in the place of dom3's QEMU on the daemon's
# socket; the real one waits beside it.
evil_start() {
	mv "$SOCK" "$SOCK.real" &&
	: >"$EVIL_LOG" &&
	host_spawn qmp-evil "$BUILD/tests/host/qmp-evil" "$SOCK" "$1" &&
	wait_for "[ -S \"$SOCK\" ]"
}

# evil_stop: qmp-evil gone, the real QEMU's socket back.
evil_stop() {
	host_kill "$HOSTDIR/pids/qmp-evil" &&
	rm -f "$SOCK" &&
	mv "$SOCK.real" "$SOCK"
}

# evil_served: qmp-evil saw the daemon connect and go.
evil_served() {
	grep -q '^connection 1:' "$EVIL_LOG"
}

# other_medium D VDEV: the image the drive does not hold.
other_medium() {
	if drive_is "$1" "$2" "done" "$B"; then echo "$A"; else echo "$B"; fi
}

# hostile MODE WHAT PATTERN: the four tests of one way of misbehaving;
# the drive's error must say WHAT, matching the extended regex PATTERN.
hostile() {
	# shellcheck disable=SC2034 # the tests' code reads them
	mode=$1 want=$3
	test_expect_success "$1: another guest is served meanwhile" '
		evil_start "$mode" &&
		request 3 hdc "$B" raw &&
		next=$(other_medium 4 hdc) &&
		request 4 hdc "$next" raw &&
		wait_done 4 hdc "$next"
	'
	test_expect_success "$1: the change ends in error, saying $2" '
		wait_error 3 hdc 10 &&
		error=$(drive_read 3 hdc error) &&
		{ grep -Eq -- "$want" <<<"$error" ||
		  { echo "error \"$error\" does not match /$want/"; false; }; } &&
		wait_for evil_served 5
	'
	test_expect_success "$1: the daemon lives on" '
		daemon_alive
	'
	test_expect_success "$1: with QEMU back, the drive changes again" '
		evil_stop &&
		expect_eq "aio:$A" \
		    "$(xenstore-read /local/domain/0/backend/qdisk/3/5632/params)" \
		    "backend params" &&
		expect_medium 3 hdc "$A" &&
		request 3 hdc "$B" raw &&
		wait_done 3 hdc "$B" &&
		expect_medium 3 hdc "$B" &&
		request 3 hdc "$A" raw &&
		wait_done 3 hdc "$A" &&
		expect_medium 3 hdc "$A"
	'
}

test_expect_success 'setup: two guests, and the daemon' '
	hvm_guest_create 3 hdc "$A" &&
	hvm_guest_create 4 hdc "$A" &&
	cdromd_start --config "$HOSTDIR/cdromd.conf" &&
	wait_done 3 hdc "$A" &&
	wait_done 4 hdc "$A"
'

hostile silent 'it timed out' \
    '^ejecting: timed out after 2 s waiting for QEMU$'
hostile no-greeting-reply 'it timed out' \
    '^ejecting: timed out after 2 s waiting for QEMU$'
hostile bad-greeting 'QEMU did not greet' \
    '^ejecting: QMP: QEMU did not greet with [{]"QMP": [.][.][.][}]$'
hostile oversized 'the line was too long' \
    '^ejecting: QMP: QEMU sent a message over 65536 bytes$'
hostile flood 'there were too many messages' \
    '^ejecting: QMP: QEMU sent over 1000 messages in one operation$'
hostile wrong-id 'it timed out' \
    '^ejecting: timed out after 2 s waiting for QEMU$'
hostile garbage 'the message was malformed' \
    '^ejecting: QMP: malformed message from QEMU: malformed$'
hostile return-shape 'the drive is not in the reply' \
    '^ejecting: QEMU has no drive ide-5632$'
hostile device-type 'the drive is not in the reply' \
    '^ejecting: QEMU has no drive ide-5632$'
hostile deep 'the message was malformed' \
    '^ejecting: QMP: malformed message from QEMU: too many tokens$'
hostile close 'QEMU closed the connection' \
    '^ejecting: QMP: QEMU closed the QMP connection$'

test_expect_success 'the daemon logged no sanitizer report meanwhile' '
	! grep -E "Sanitizer|runtime error" "$HOSTDIR/log/cdromd.log"
'

test_done
