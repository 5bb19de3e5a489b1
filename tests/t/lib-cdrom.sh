# SPDX-License-Identifier: LGPL-2.1-only
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

# stub_drive_converged D S VDEV MEDIUM: D's VDEV, whose QEMU runs in stub
# domain S (serving that one drive), is done and holds MEDIUM ("" for
# empty) in QEMU, through the stub's fdset, on S's one connected vbd
# that names it, with one fdset in QEMU and the hotplug script's adds
# and removes for the vbd balanced.  A daemon killed while "remove" ran
# runs it again (libxl's scripts allow that): with
# HOTPLUG_REMOVE_MAY_REPEAT set, the caller checks the devices instead.
stub_drive_converged() {
	local d=$1 s=$2 vdev=$3 want=$4 params=$4 devid be fe lx
	local adds removes file fdset loop
	devid=$(vdev_devid "$vdev") || return 1
	be=/local/domain/0/backend/vbd/$s/$devid
	fe=/local/domain/$s/device/vbd/$devid
	lx=/libxl/$s/device/vbd/$devid
	[ -z "$want" ] && params=$QMPDIR/empty-cdrom.$d
	wait_done "$d" "$vdev" "$want" &&
	expect_eq "$params" "$(xenstore-read "$be/params")" "S's backend params" &&
	expect_eq "$params" "$(xenstore-read "$lx/params")" "libxl's params" &&
	expect_eq phy "$(xenstore-read "$be/type")" "S's backend type" &&
	expect_eq 4 "$(xenstore-read "$be/state")" "S's backend state" &&
	expect_eq 4 "$(xenstore-read "$fe/state")" "S's frontend state" &&
	expect_eq "$devid" "$(xenstore-list "/local/domain/0/backend/vbd/$s")" \
	    "S's vbds" &&
	expect_eq "$devid" "$(xenstore-list "/libxl/$s/device/vbd")" \
	    "S's vbds in libxl's record" &&
	adds=$(hotplug_calls | grep -c "^add $be\$" || :) &&
	removes=$(hotplug_calls | grep -c "^remove $be\$" || :) &&
	if [ -z "${HOTPLUG_REMOVE_MAY_REPEAT:-}" ]; then
		expect_eq 1 "$((adds - removes))" "hotplug adds less removes"
	fi &&
	fdset=$(qemu_fdsets "$d") &&
	expect_eq 1 "$(jq length <<<"$fdset")" "fdsets in QEMU" &&
	file=$(qemu_block "$d" "$vdev" | jq -r ".inserted.file // \"\"") &&
	if [ -z "$want" ]; then
		expect_eq "" "$file" "file in QEMU's drive"
	else
		expect_eq "/dev/fdset/$(jq ".[0][\"fdset-id\"]" <<<"$fdset")" \
		    "$file" "file in QEMU's drive" &&
		expect_eq host_device \
		    "$(qemu_block "$d" "$vdev" | jq -r .inserted.drv)" \
		    "QEMU's driver" &&
		loop=$(qemu_medium "$d" "$vdev") &&
		expect_eq "$want" "$(losetup -n -O BACK-FILE "$loop")" \
		    "the loop device behind QEMU's fd"
	fi
}

# dom0_drive_converged D VDEV MEDIUM: D's VDEV, whose QEMU runs in dom0
# (D's one qdisk), is done and holds MEDIUM ("" for empty) in QEMU,
# recorded in the backend's and libxl's params, with one fdset in QEMU
# if the drive reads one (the medium QEMU started with has none).
dom0_drive_converged() {
	local d=$1 vdev=$2 want=$3 devid params="" file fdsets
	devid=$(vdev_devid "$vdev") || return 1
	[ -n "$want" ] && params=aio:$want
	wait_done "$d" "$vdev" "$want" &&
	expect_medium "$d" "$vdev" "$want" &&
	expect_eq "$params" \
	    "$(xenstore-read "/local/domain/0/backend/qdisk/$d/$devid/params")" \
	    "backend params" &&
	expect_eq "$params" "$(xenstore-read "/libxl/$d/device/vbd/$devid/params")" \
	    "libxl params" &&
	expect_eq "$devid" "$(xenstore-list "/local/domain/0/backend/qdisk/$d")" \
	    "D's vbds" &&
	file=$(qemu_block "$d" "$vdev" | jq -r ".inserted.file // \"\"") &&
	fdsets=$(qemu_fdsets "$d" | jq length) &&
	case $file in
	/dev/fdset/*) expect_eq 1 "$fdsets" "fdsets in QEMU (one in use)" ;;
	*) expect_eq 0 "$fdsets" "fdsets in QEMU (none in use)" ;;
	esac
}

# lock_file D [WHICH]: libxl's lock WHICH of domain D (by default the
# device-changes lock; qmp-socket-lock, domain-userdata-lock).
lock_file() {
	local uuid
	uuid=$(xenstore-read "/local/domain/$1/vm") || return 1
	echo "$XEN_LIB_DIR/userdata-l.$1.${uuid##*/}.${2:-libxl-device-changes-lock}"
}

# hold_lock D [WHICH]: holds D's lock as libxl does (xl while it changes
# a device), until a file "release" appears; returns once it is held.
hold_lock() {
	rm -f locked release &&
	(flock "$(lock_file "$1" "${2:-}")" sh -c "touch locked
	    while [ ! -e release ]; do sleep 0.05; done" &) &&
	wait_for "[ -e locked ]"
}

# lock_held D WHICH: someone holds D's lock WHICH now (libxl's holder
# unlinks the file before unlocking: no file is no holder).
lock_held() {
	local f
	f=$(lock_file "$1" "$2") || return 1
	[ -e "$f" ] && ! flock -n "$f" true
}
