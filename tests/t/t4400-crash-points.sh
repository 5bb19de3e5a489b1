#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-only
#
# A crash at any point of a change loses nothing.  xen-cdromd-faults
# (watcher/fault.h) exits like a kill -9 just before its Nth fault
# point: a xenstore write or commit, a QMP command, a child started.
# For a dom0 change and for a stub-domain change, N walks over every
# point until a run passes them all; after each crash a plain daemon
# must bring the drive to the requested medium with nothing left over:
# one vbd, one fdset (the current one), hotplug adds and removes
# balanced.  Then kill -9 at random moments while both drives change,
# from a seeded generator whose seed the test names print.

# shellcheck disable=SC2016 # test code is evaluated when it runs
# shellcheck source=tests/t/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/t/lib-cdrom.sh
. "$TEST_DIR/lib-cdrom.sh"

A=$HOSTDIR/a.iso B=$HOSTDIR/b.iso
make_iso "$A" && make_iso "$B" || exit 1
printf 'step-timeout = 5\n' >"$HOSTDIR/cdromd.conf"
FAULTY=$BUILD/xen-cdromd-faults
CRASHED=86	# FAULT_EXIT_STATUS
SEED=${XCD_SEED:-$(date +%s)}
# A hundred kills in the plain build; the sanitizers' build, three times
# slower, repeats a quarter of them.
if ldd "$CDROMD" 2>/dev/null | grep -q libasan; then
	RANDOM_KILLS=${XCD_RANDOM_KILLS:-25}
else
	RANDOM_KILLS=${XCD_RANDOM_KILLS:-100}
fi

# start [N]: a plain daemon, or with N the fault build crashing at N.
start() {
	if [ $# -gt 0 ]; then
		CDROMD_BIN=$FAULTY XEN_CDROMD_CRASH_AT=$1 cdromd_start \
		    --config "$HOSTDIR/cdromd.conf" --hotplug-script "$HOTPLUG"
	else
		cdromd_start --config "$HOSTDIR/cdromd.conf" \
		    --hotplug-script "$HOTPLUG"
	fi
}

# exited: the daemon has exited; its status is in cdromd.status.
exited() {
	[ -s "$HOSTDIR/cdromd.status" ]
}

# reap: forgets an exited daemon and prints its status.
reap() {
	cat "$HOSTDIR/cdromd.status" &&
	rm -f "$HOSTDIR/cdromd.status" "$HOSTDIR/pids/cdromd"
}

# other MEDIUM: the image a change from MEDIUM goes to.
other() {
	if [ "$1" = "$A" ]; then echo "$B"; else echo "$A"; fi
}

# walk KIND D VDEV CONVERGED: changes D's VDEV back and forth, crashing
# the daemon at point 1, 2, ... of each change until a change passes
# every point; after each crash a plain daemon must bring the drive to
# its target, as CONVERGED D VDEV MEDIUM checks.  Leaves no daemon
# running and prints "KIND: P points, each crashed and converged".
walk() {
	local kind=$1 d=$2 vdev=$3 converged=$4 n medium target status
	medium=$(drive_read "$d" "$vdev" medium) || return 1
	for ((n = 1; n <= 500; n++)); do
		target=$(other "$medium")
		request "$d" "$vdev" "$target" raw &&
		start "$n" &&
		wait_for "exited || drive_is $d $vdev done '$target'" 30 ||
			return 1
		if exited; then
			status=$(reap)
		else
			cdromd_stop
			status=$?
		fi
		case $status in
		0)
			echo "$kind: $((n - 1)) points, each crashed and converged"
			return 0 ;;
		"$CRASHED")
			if ! { start && "$converged" "$d" "$vdev" "$target" &&
			    cdromd_stop; }; then
				echo "after a crash at point $n of $kind:"
				grep "fault point $n:" "$HOSTDIR/log/cdromd.log" |
				    tail -n 1
				return 1
			fi ;;
		*)
			echo "the daemon crashing at point $n exited with $status"
			return 1 ;;
		esac
		medium=$target
	done
	echo "$kind: still crashing after $n points"
	return 1
}

# stub_converged D VDEV MEDIUM: for walk, dom5's drive in stub domain 6.
stub_converged() {
	stub_drive_converged "$1" 6 "$2" "$3"
}

test_expect_success 'setup: dom3 with QEMU in dom0, dom5 in stub domain 6' '
	hvm_guest_create 3 hdc "$A" &&
	stubdom_guest_create 5 6 hdc "$A" &&
	start &&
	request 3 hdc "$B" raw &&
	request 5 hdc "$B" raw &&
	dom0_drive_converged 3 hdc "$B" &&
	stub_converged 5 hdc "$B" &&
	cdromd_stop
'

test_expect_success 'the fault build counts its points and, unasked, never crashes' '
	start 0 &&
	request 3 hdc "$A" raw &&
	dom0_drive_converged 3 hdc "$A" &&
	cdromd_stop &&
	grep -q "fault point [0-9]*: QMP send {\"execute\":\"blockdev-change-medium\"" \
	    "$HOSTDIR/log/cdromd.log" &&
	grep -q "fault point [0-9]*: xenstore commit" "$HOSTDIR/log/cdromd.log"
'

test_expect_success 'the installed daemon has no fault points' '
	XEN_CDROMD_CRASH_AT=1 start &&
	request 3 hdc "$B" raw &&
	dom0_drive_converged 3 hdc "$B" &&
	daemon_alive &&
	cdromd_stop &&
	expect_fail "fault points in the daemon" \
	    grep -q "fault point" "$BUILD/xen-cdromd"
'

test_expect_success 'a dom0 change: a crash at every point converges' '
	walk "dom0 change" 3 hdc dom0_drive_converged >"$HOSTDIR/walk-dom0" &&
	cat "$HOSTDIR/walk-dom0" &&
	[ "$(grep -o "^dom0 change: [0-9]*" "$HOSTDIR/walk-dom0" |
	    grep -o "[0-9]*$")" -ge 5 ]
'
sed 's/^/# /' "$HOSTDIR/walk-dom0" 2>/dev/null

test_expect_success 'a stub-domain change: a crash at every point converges' '
	walk "stub-domain change" 5 hdc stub_converged >"$HOSTDIR/walk-stub" &&
	cat "$HOSTDIR/walk-stub" &&
	[ "$(grep -o "^stub-domain change: [0-9]*" "$HOSTDIR/walk-stub" |
	    grep -o "[0-9]*$")" -ge 10 ]
'
sed 's/^/# /' "$HOSTDIR/walk-stub" 2>/dev/null

# random_kills FROM TO: kill -9 number FROM to TO.  Each asks both
# drives for the other image, kills the daemon after a random 0-149 ms
# (a change takes about 20 ms in dom0 and 80 ms through a stub domain),
# restarts it and checks both converge.  A kill can land while the
# hotplug script's "remove" runs, which the next daemon then runs again:
# instead of counting calls, the loop devices are checked: one on the
# medium, none left on the other image.
random_kills() {
	local i ms m3 m5 HOTPLUG_REMOVE_MAY_REPEAT=1
	for ((i = $1; i <= $2; i++)); do
		m3=$(other "$(drive_read 3 hdc medium)") &&
		m5=$(other "$(drive_read 5 hdc medium)") &&
		ms=$((RANDOM % 150)) || return 1
		if ! { request 3 hdc "$m3" raw &&
		    request 5 hdc "$m5" raw &&
		    sleep "$(printf "0.%03d" "$ms")" &&
		    kill -KILL "$(cat "$HOSTDIR/pids/cdromd")" &&
		    wait_for exited && reap >/dev/null &&
		    start &&
		    dom0_drive_converged 3 hdc "$m3" &&
		    stub_converged 5 hdc "$m5" &&
		    expect_eq 1 "$(loops_of "$m5" | wc -l)" \
			"loop devices on $m5" &&
		    expect_eq 0 "$(loops_of "$(other "$m5")" | wc -l)" \
			"loop devices on the other image"; }; then
			echo "kill $i (seed $SEED, after $ms ms) did not converge"
			return 1
		fi
	done
}

RANDOM=$SEED
test_expect_success 'setup: a plain daemon for the random kills' 'start'
for ((k = 1; k <= RANDOM_KILLS; k += 25)); do
	last=$((k + 24 < RANDOM_KILLS ? k + 24 : RANDOM_KILLS))
	# Not in a subshell: $RANDOM must go on from one batch to the next.
	out=$HOSTDIR/test.out
	random_kills "$k" "$last" >"$out" 2>&1
	test_report $? "kill -9 at random moments $k-$last of $RANDOM_KILLS (seed $SEED)" "$out"
done

[ -n "${XCD_KEEP_LOG:-}" ] && cp "$HOSTDIR/log/cdromd.log" "$XCD_KEEP_LOG"
test_done
