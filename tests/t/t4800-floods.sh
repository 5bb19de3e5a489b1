#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-only
#
# Floods that a guest or a stub domain can make without breaking a rule,
# and what they cost another guest: the time of a bystander's ordinary
# change, quiet and under each flood (issue 14, findings 1 and 3).
#
# - A guest allowed to eject (guest-eject = yes) may write eject, and so
#   create nodes under it: 20,000 writes to eject/x.  Before the fix each
#   reached the daemon as a path it could not parse and swept every
#   drive of the domain at once: a bystander's change took ~10 s.
# - A stub domain writes its own frontend nodes in a loop while the
#   daemon waits on its vbd (here: for blkback, stopped, to reach
#   InitWait): each write ran a full step, ~10 s for a bystander.
# The figures go to the test's output ("# ..." lines).

# shellcheck disable=SC2016,SC2034 # test code is evaluated when it runs
# shellcheck source=tests/t/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/t/lib-cdrom.sh
. "$TEST_DIR/lib-cdrom.sh"

A=$HOSTDIR/a.iso B=$HOSTDIR/b.iso C=$HOSTDIR/c.iso
make_iso "$A" && make_iso "$B" && make_iso "$C" || exit 1
printf 'guest-eject = yes\nstep-timeout = 60\n' >"$HOSTDIR/cdromd.conf"
FLOOD=20000
# A bystander's change under a flood may take this long (ms); quiet it
# takes 0.1-0.3 s, and under the floods before the fixes about 10 s.
BOUND_MS=3000
FIGURES=$HOSTDIR/figures

# change_ms D FILE: requests FILE in D's hdc, prints how long it took to
# be done, in ms.
change_ms() {
	local t0 t1
	t0=$(date +%s%N) &&
	request "$1" hdc "$2" raw &&
	wait_done "$1" hdc "$2" 60 >&2 &&
	t1=$(date +%s%N) &&
	echo $(((t1 - t0) / 1000000))
}

# flood_start D PATH: domain D writes PATH FLOOD times, one write each,
# in the background; flood_wait waits for the end.
flood_start() {
	rm -f "$HOSTDIR/flood.done" &&
	(for i in $(seq "$FLOOD"); do echo "write $2 $i"; done |
	    as_guest "$1" "$HOST_BIN/xs-tx" --each
	 echo $? >"$HOSTDIR/flood.done") >"$HOSTDIR/flood.log" 2>&1 &
}
flood_wait() {
	if ! wait_for "[ -e \"$HOSTDIR/flood.done\" ]" 120 ||
	    ! expect_eq 0 "$(cat "$HOSTDIR/flood.done")" "the flood's status"; then
		cat "$HOSTDIR/flood.log"
		return 1
	fi
}

test_expect_success 'setup: two guests, one with a stub domain, and the daemon' '
	hvm_guest_create 3 hdc "$A" &&
	hvm_guest_create 4 hdc "$A" &&
	stubdom_guest_create 5 6 hdc "$A" &&
	cdromd_start --config "$HOSTDIR/cdromd.conf" --hotplug-script "$HOTPLUG" &&
	wait_done 3 hdc "$A" && wait_done 4 hdc "$A" && wait_done 5 hdc "$A"
'

test_expect_success 'a bystander'\''s change, quiet' '
	ms=$(change_ms 4 "$B") &&
	echo "quiet: a bystander'\''s change takes $ms ms" >>"$FIGURES" &&
	change_ms 4 "$A" >/dev/null
'

R3=/local/domain/3/cdrom-request
test_expect_success "$FLOOD nodes a guest writes under its eject cost the others nothing" '
	flood_start 3 "$R3/hdc/eject/x" &&
	sleep 0.5 &&
	ms=$(change_ms 4 "$B") &&
	echo "guest writing $FLOOD times to eject/x: a bystander'\''s change takes $ms ms" \
	    >>"$FIGURES" &&
	flood_wait &&
	[ "$ms" -le "$BOUND_MS" ] &&
	daemon_alive
'

test_expect_success 'and the guest'\''s drive is still served' '
	request 3 hdc "$C" raw &&
	wait_done 3 hdc "$C" 30 &&
	expect_medium 3 hdc "$C" &&
	as_guest 3 xenstore-write "$R3/hdc/eject" 1 &&
	wait_done 3 hdc "" 30
'

test_expect_success 'a stub domain writing its frontend while the daemon waits costs the others nothing' '
	change_ms 4 "$A" >/dev/null &&
	kill -STOP "$(cat "$HOSTDIR/pids/blkback")" &&
	request 5 hdc "$B" raw &&
	wait_for "drive_is 5 hdc detaching || drive_is 5 hdc attaching" 30 &&
	sleep 0.5 &&
	fe=/local/domain/6/device/vbd/5632 &&
	wait_for "xenstore-exists $fe" &&
	flood_start 6 "$fe/junk" &&
	sleep 0.5 &&
	ms=$(change_ms 4 "$B") &&
	echo "stub domain writing $FLOOD times to its frontend: a bystander'\''s change takes $ms ms" \
	    >>"$FIGURES" &&
	flood_wait &&
	kill -CONT "$(cat "$HOSTDIR/pids/blkback")" &&
	[ "$ms" -le "$BOUND_MS" ] &&
	daemon_alive
'

test_expect_success 'and its own change then completes' '
	kill -CONT "$(cat "$HOSTDIR/pids/blkback")" &&
	stub_drive_converged 5 6 hdc "$B"
'
sed 's/^/# /' "$FIGURES" 2>/dev/null

test_done
