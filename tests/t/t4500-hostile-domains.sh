#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-only
#
# What a hostile guest or a hostile stub domain can write, through its
# own ring, so that the real xenstored's permissions apply: values that
# are not "1", overlong or binary in the guest's one writable node, and
# a stub domain scribbling over its vbd's frontend in the middle of a
# change.  The daemon must stay up, change nothing it was not asked
# to, end a change it cannot finish in a clear error, and serve the
# other guests throughout.

# shellcheck disable=SC2016 # test code is evaluated when it runs
# shellcheck source=tests/t/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/t/lib-cdrom.sh
. "$TEST_DIR/lib-cdrom.sh"

A=$HOSTDIR/a.iso B=$HOSTDIR/b.iso
make_iso "$A" && make_iso "$B" || exit 1
printf 'step-timeout = 3\nguest-eject = yes\n' >"$HOSTDIR/cdromd.conf"
# shellcheck disable=SC2034 # used by the tests' code, which eval runs
R=/local/domain/3/cdrom-request
# shellcheck disable=SC2034
FE=/local/domain/6/device/vbd/5632

# served: dom4, a bystander, still changes its CD.
served() {
	local to
	to=$B
	[ "$(drive_read 4 hdc medium)" = "$B" ] && to=$A
	request 4 hdc "$to" raw && dom0_drive_converged 4 hdc "$to"
}

test_expect_success 'setup: dom3 and dom4 in dom0, dom5 in stub domain 6' '
	hvm_guest_create 3 hdc "$A" &&
	hvm_guest_create 4 hdc "$A" &&
	stubdom_guest_create 5 6 hdc "$A" &&
	cdromd_start --config "$HOSTDIR/cdromd.conf" \
	    --hotplug-script "$HOTPLUG" &&
	wait_done 3 hdc "$A" && wait_done 4 hdc "$A" && wait_done 5 hdc "$A"
'

test_expect_success 'an eject value other than "1" changes nothing' '
	for v in yes 2 " 1" "1 " 01 true -1 "1
1"; do
		as_guest 3 xenstore-write -- "$R/hdc/eject" "$v" || return 1
	done &&
	sleep 0.3 &&
	drive_is 3 hdc done "$A" &&
	expect_medium 3 hdc "$A" &&
	daemon_alive
'

test_expect_success 'an overlong eject value is refused or ignored' '
	long=$(head -c 2000 /dev/zero | tr "\0" 1) &&
	huge=$(head -c 5000 /dev/zero | tr "\0" 1) &&
	as_guest 3 xenstore-write "$R/hdc/eject" "$long" &&
	expect_fail "a 5000-byte value" \
	    as_guest 3 xenstore-write "$R/hdc/eject" "$huge" &&
	sleep 0.3 &&
	drive_is 3 hdc done "$A" &&
	expect_medium 3 hdc "$A" &&
	daemon_alive && served
'

test_expect_success 'then a real eject from the guest still works' '
	as_guest 3 xenstore-write "$R/hdc/eject" 1 &&
	dom0_drive_converged 3 hdc "" &&
	expect_eq "" "$(drive_read 3 hdc eject)" "eject, answered"
'

test_expect_success 'an overlong target ends in an error that says why' '
	request 3 hdc "/$(head -c 2040 /dev/zero | tr "\0" a)" raw &&
	wait_error 3 hdc &&
	expect_eq "/$(head -c 199 /dev/zero | tr "\0" a)...: File name too long" \
	    "$(drive_read 3 hdc error)" error &&
	expect_medium 3 hdc "" &&
	daemon_alive && served
'

test_expect_success 'the stub domain writes nonsense into its frontend mid-change' '
	request 5 hdc "$B" raw &&
	for v in banana 99 -1 "" "$(head -c 2000 /dev/zero | tr "\0" 7)"; do
		as_guest 6 xenstore-write -- "$FE/state" "$v" || return 1
	done &&
	as_guest 6 xenstore-write -- "$FE/ring-ref" junk "$FE/event-channel" -5 &&
	wait_for "drive_is 5 hdc done \"$B\" || drive_is 5 hdc error" 15 &&
	daemon_alive && served &&
	if drive_is 5 hdc error; then
		drive_read 5 hdc error | grep -q "timed out"
	fi
'

test_expect_success 'the stub domain removes its frontend mid-change' '
	to=$A && drive_is 5 hdc done "$A" && to=$B
	request 5 hdc "$to" raw &&
	as_guest 6 xenstore-rm "$FE" &&
	wait_for "drive_is 5 hdc done \"$to\" || drive_is 5 hdc error" 15 &&
	daemon_alive && served
'

test_expect_success 'the stub domain cannot touch its backend or libxl'\''s record' '
	expect_fail "S writes its backend" as_guest 6 xenstore-write \
	    /local/domain/0/backend/vbd/6/5632/params /etc/shadow &&
	expect_fail "S writes libxl'\''s record" as_guest 6 xenstore-write \
	    /libxl/6/device/vbd/5632/params /etc/shadow &&
	expect_fail "S writes the guest'\''s request" as_guest 6 \
	    xenstore-write /local/domain/5/cdrom-request/hdc/target /etc/shadow
'

test_expect_success 'once the stub domain behaves, a change converges again' '
	stubdom_guest_destroy 5 6 &&
	stubdom_guest_create 5 6 hdc "$A" &&
	wait_done 5 hdc "$A" &&
	request 5 hdc "$B" raw &&
	stub_drive_converged 5 6 hdc "$B"
'

test_done
