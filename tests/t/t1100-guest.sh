#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-only
#
# What a guest may do, checked by the real xenstored through the guest's
# own ring: read its drives' nodes, write nothing but eject, and eject
# only when the host allows it.

# shellcheck disable=SC2016 # test code is evaluated when it runs
# shellcheck source=tests/t/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/t/lib-cdrom.sh
. "$TEST_DIR/lib-cdrom.sh"

A=$HOSTDIR/a.iso B=$HOSTDIR/b.iso
make_iso "$A" && make_iso "$B" || exit 1
# shellcheck disable=SC2034 # used by the tests' code, which eval runs
R=/local/domain/3/cdrom-request

test_expect_success 'setup: a guest with a CD, the daemon with guest-eject = no' '
	hvm_guest_create 3 hdc "$A" &&
	cdromd_start &&
	wait_done 3 hdc "$A"
'

test_expect_success 'the guest reads its drive'\''s state' '
	expect_eq done "$(as_guest 3 xenstore-read $R/hdc/state)" state &&
	expect_eq "$A" "$(as_guest 3 xenstore-read $R/hdc/medium)" medium
'

test_expect_success 'the guest cannot write target, format or the daemon'\''s nodes' '
	for leaf in target format state medium error; do
		expect_fail "guest writes $leaf" \
		    as_guest 3 xenstore-write "$R/hdc/$leaf" /etc/shadow ||
			return 1
	done &&
	expect_eq "$A" "$(drive_read 3 hdc target)" target &&
	expect_eq done "$(drive_read 3 hdc state)" state
'

test_expect_success 'the guest cannot create nodes under cdrom-request' '
	expect_fail "guest creates a drive" \
	    as_guest 3 xenstore-write "$R/hdd/target" "$B" &&
	expect_fail "guest creates a leaf" \
	    as_guest 3 xenstore-write "$R/hdc/extra" 1 &&
	expect_fail "guest removes a leaf" as_guest 3 xenstore-rm "$R/hdc/target" &&
	expect_fail "guest changes permissions" \
	    as_guest 3 xenstore-chmod "$R/hdc/eject" n3 &&
	expect_fail "hdd exists" xenstore-exists "$R/hdd"
'

test_expect_success 'with guest-eject = no the guest cannot eject' '
	expect_eq n0,r3 "$(xs_perms $R/hdc/eject)" "perms of eject" &&
	expect_fail "guest writes eject" as_guest 3 xenstore-write "$R/hdc/eject" 1 &&
	expect_medium 3 hdc "$A"
'

test_expect_success 'with guest-eject = yes the guest may write eject' '
	cdromd_stop &&
	echo "guest-eject = yes" >"$HOSTDIR/eject.conf" &&
	cdromd_start --config "$HOSTDIR/eject.conf" &&
	wait_for "[ \"\$(xs_perms $R/hdc/eject)\" = n0,b3 ]" &&
	expect_eq n0,r3 "$(xs_perms $R/hdc/target)" "perms of target"
'

test_expect_success 'a guest eject empties the drive' '
	as_guest 3 xenstore-write "$R/hdc/eject" 1 &&
	wait_done 3 hdc "" &&
	expect_eq "" "$(drive_read 3 hdc target)" target &&
	expect_eq "" "$(drive_read 3 hdc eject)" eject &&
	expect_medium 3 hdc ""
'

test_expect_success 'the guest still cannot insert anything' '
	expect_fail "guest writes target" \
	    as_guest 3 xenstore-write "$R/hdc/target" "$B" &&
	request 3 hdc "$B" &&
	wait_done 3 hdc "$B" &&
	expect_medium 3 hdc "$B"
'

# cpu_ms PID: the CPU time PID has used, user and system, in ms.
cpu_ms() {
	awk -v hz="$(getconf CLK_TCK)" '{ print int(($14 + $15) * 1000 / hz) }' \
	    "/proc/$1/stat"
}

# settled PID: PID used no CPU over the last 200 ms.
settled() {
	local a
	a=$(cpu_ms "$1") && sleep 0.2 && [ "$(cpu_ms "$1")" = "$a" ]
}

# A guest may write eject as fast as its ring goes: each write is one
# watch event, and the daemon must answer each at a small, fixed cost
# (here at most 0.5 ms of CPU; 0.02-0.06 ms is typical), end on an empty
# drive, and then go quiet.
FLOOD=5000
test_expect_success "an eject flood of $FLOOD writes costs bounded CPU and converges" '
	pid=$(cat "$HOSTDIR/pids/cdromd") &&
	before=$(cpu_ms "$pid") &&
	for _ in $(seq "$FLOOD"); do echo "write $R/hdc/eject 1"; done |
	    as_guest 3 "$HOST_BIN/xs-tx" --each &&
	wait_done 3 hdc "" 60 &&
	expect_medium 3 hdc "" &&
	wait_for "settled $pid" 30 &&
	daemon_alive &&
	spent=$(($(cpu_ms "$pid") - before)) &&
	echo "$FLOOD guest writes cost the daemon $spent ms of CPU" \
	    >"$HOSTDIR/flood" &&
	sleep 1 &&
	idle=$(($(cpu_ms "$pid") - before - spent)) &&
	echo "then $idle ms in the next second" >>"$HOSTDIR/flood" &&
	cat "$HOSTDIR/flood" &&
	[ "$spent" -le "$((FLOOD / 2))" ] &&
	[ "$idle" -le 10 ]
'
sed 's/^/# /' "$HOSTDIR/flood" 2>/dev/null

test_done
