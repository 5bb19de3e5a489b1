# shellcheck shell=bash
#
# Helpers for the scenarios about CD-ROM drives, sourced after lib.sh:
# writing requests as a tool would, reading the daemon's answers, and
# waiting for them.

# req_path D VDEV [LEAF]: a drive's cdrom-request path.
req_path() {
	echo "/local/domain/$1/cdrom-request/$2${3:+/$3}"
}

# drive_read D VDEV LEAF: one of the drive's nodes.
drive_read() {
	xenstore-read "$(req_path "$1" "$2" "$3")"
}

# request D VDEV TARGET [FORMAT]: what a tool writes, in one transaction.
request() {
	if [ $# -ge 4 ]; then
		xenstore-write "$(req_path "$1" "$2" target)" "$3" \
		    "$(req_path "$1" "$2" format)" "$4"
	else
		xenstore-write "$(req_path "$1" "$2" target)" "$3"
	fi
}

# show_drive D VDEV: the drive's nodes, for a failed test's output.
show_drive() {
	echo "--- cdrom-request/$2 of dom$1:"
	xenstore-ls "/local/domain/$1/cdrom-request/$2" 2>&1
	echo "--- daemon log (tail):"
	tail -n 15 "$HOSTDIR/log/cdromd.log"
}

# drive_is D VDEV STATE [MEDIUM]: state (and medium) are as given.
drive_is() {
	[ "$(drive_read "$1" "$2" state 2>/dev/null)" = "$3" ] &&
	    { [ $# -lt 4 ] ||
	      [ "$(drive_read "$1" "$2" medium 2>/dev/null)" = "$4" ]; }
}

# wait_done D VDEV MEDIUM [TIMEOUT]: the drive converged on MEDIUM.
wait_done() {
	wait_for "drive_is $1 $2 done '$3'" "${4:-10}" || {
		show_drive "$1" "$2"
		return 1
	}
}

# wait_error D VDEV [TIMEOUT]: the drive's request failed.
wait_error() {
	wait_for "drive_is $1 $2 error" "${3:-10}" || {
		show_drive "$1" "$2"
		return 1
	}
}

# expect_medium D VDEV FILE: QEMU really holds FILE (or nothing, "").
expect_medium() {
	expect_eq "$3" "$(qemu_medium "$1" "$2")" "medium in QEMU's $2"
}

# transitions D VDEV: the state changes the daemon logged for a drive.
transitions() {
	sed -n "s/.*info: dom $1 $2: \([a-z]* -> [a-z]*\).*/\1/p" \
	    "$HOSTDIR/log/cdromd.log"
}

# daemon_alive: the daemon has not exited.
daemon_alive() {
	[ -f "$HOSTDIR/pids/cdromd" ] &&
	    host_alive "$(cat "$HOSTDIR/pids/cdromd")"
}
