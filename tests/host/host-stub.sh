# shellcheck shell=bash
# SPDX-License-Identifier: LGPL-2.1-only
#
# Stub domains on the embedded test host (sourced by host.sh): HVM
# guests whose QEMU runs in a Linux stub domain (libxl_dm.c's
# libxl__spawn_stub_dm), with the stub domain's PV CD vbd served by
# dom0's blkback (blkback-sim, started here) and attached by the hotplug
# script $HOTPLUG, and in the stub domain an agent (stub-agent) playing
# its blkfront and QEMU glue.

# host_detach_loops: detaches every loop device whose backing file is
# under $HOSTDIR (the loop may be busy: the kernel then lets go of it
# once its last user closes it).
host_detach_loops() {
	local real dev back
	real=$(readlink -f "$HOSTDIR") || return 0
	while read -r dev back; do
		case $back in
		"$real"/*) losetup -d "$dev" 2>/dev/null ;;
		esac
	done < <(losetup -l -n -O NAME,BACK-FILE 2>/dev/null)
}

# host_blkback_start: starts dom0's block backend, blkback-sim (log in
# log/blkback.log), unless it runs; returns once it watches.
host_blkback_start() {
	local pid n
	pid=$(cat "$HOSTDIR/pids/blkback" 2>/dev/null) &&
	    host_alive "$pid" && return 0
	n=$(host_lines blkback.log '^blkback-sim: ready')
	host_spawn blkback "$HOST_BIN/blkback-sim"
	if ! host_poll host_more_lines blkback.log '^blkback-sim: ready' "$n"
	then
		echo "host_blkback_start: blkback-sim did not start:" >&2
		cat "$HOSTDIR/log/blkback.log" >&2
		return 1
	fi
}

# stub_agent_start S D [--seed]: starts the agent that plays stub domain
# S (D's device model) inside: S's blkfront and its QEMU glue, which
# hands each CD disk that appears in S to QEMU over $QMPDIR/qmp-stub-D.
# Log in log/stub-S.log; returns once it watches S's vbds.
stub_agent_start() {
	local s=$1 d=$2 n
	shift 2
	n=$(host_lines "stub-$s.log" ': ready, watching')
	host_spawn "stub-$s" "$HOST_BIN/stub-agent" "$s" "$d" \
	    "$HOSTDIR/dom-$s.sock" "$QMPDIR/qmp-stub-$d" "$@"
	if ! host_poll host_more_lines "stub-$s.log" ': ready, watching' "$n"
	then
		echo "stub_agent_start: the agent of dom$s did not start:" >&2
		cat "$HOSTDIR/log/stub-$s.log" >&2
		return 1
	fi
}

# stub_vbd_state S DEVID: the state of S's vbd DEVID's backend.
stub_vbd_state() {
	xenstore-read "/local/domain/0/backend/vbd/$1/$2/state"
}

# stub_fe_state S DEVID: the state of its frontend.
stub_fe_state() {
	xenstore-read "/local/domain/$1/device/vbd/$2/state"
}

# stub_vbd_state_is S DEVID STATE
stub_vbd_state_is() {
	[ "$(stub_vbd_state "$1" "$2" 2>/dev/null)" = "$3" ]
}

# hotplug_calls: the hotplug script's calls so far, "add BE" or
# "remove BE", one a line.
hotplug_calls() {
	cat "${HOTPLUG_LOG:-$HOSTDIR/log/hotplug.calls}" 2>/dev/null
}

# loops_of PATH: the loop devices attached to file PATH, one a line.
loops_of() {
	[ -e "$1" ] || return 0
	losetup -n -O NAME -j "$1" 2>/dev/null
}

# stub_hotplug ACTION S DEVID: runs the backend's hotplug script as
# libxl's device_hotplug does: the script its "script" node names, with
# argument ACTION (add or remove) and libxl's environment.
stub_hotplug() {
	local script
	script=$(xenstore-read "/local/domain/0/backend/vbd/$2/$3/script") ||
		return 1
	env script="$script" XENBUS_TYPE=vbd XENBUS_PATH="backend/vbd/$2/$3" \
	    XENBUS_BASE_PATH=backend "$script" "$1" </dev/null
}

# stub_vbd_add S D VDEV [PATH]: what libxl 4.20 does to give stub
# domain S (of guest D) its PV vbd for CD drive VDEV holding PATH:
# device_disk_add of a "phy" disk in one transaction (an empty drive
# gets $QMPDIR/empty-cdrom.D, created 0400 as libxl creates
# $XEN_RUN_DIR/empty-cdrom.D), then waits for the backend's InitWait and
# runs the hotplug script's add.  Starts blkback-sim if need be.
stub_vbd_add() {
	local s=$1 d=$2 vdev=$3 params=${4:-} devid be
	devid=$(vdev_devid "$vdev") || return 1
	be=/local/domain/0/backend/vbd/$s/$devid
	if [ -z "$params" ]; then
		params=$QMPDIR/empty-cdrom.$d
		(umask 0377 && : >"$params") || return 1
	fi
	host_blkback_start || return 1
	if xenstore-exists "$be" 2>/dev/null; then
		echo "stub_vbd_add: $be: device already exists" >&2
		return 1
	fi
	libxl_vbd_add "$s" cdrom "$vdev" phy "$params" r "$HOTPLUG" || return 1
	if ! host_poll stub_vbd_state_is "$s" "$devid" 2; then
		echo "stub_vbd_add: $be did not reach InitWait (state" \
		    "$(stub_vbd_state "$s" "$devid" 2>&1))" >&2
		return 1
	fi
	if ! stub_hotplug add "$s" "$devid"; then
		echo "stub_vbd_add: $HOTPLUG add failed:" \
		    "$(xenstore-read "$be/hotplug-error" 2>&1)" >&2
		return 1
	fi
}

# stub_vbd_remove S DEVID: what libxl 4.20 does to take S's vbd away
# (libxl__initiate_device_generic_remove, then device_hotplug and
# libxl__device_destroy): backend online 0 and state 5 (Closing) in one
# transaction, wait for the backend's 6 (Closed), run the hotplug
# script's remove (its failure ignored, as libxl does on removal), then
# remove the frontend, libxl's record and the backend, with their
# parents left empty.  A backend already gone: only the removal.
stub_vbd_remove() {
	local s=$1 devid=$2 be fe lx state
	be=/local/domain/0/backend/vbd/$s/$devid
	fe=/local/domain/$s/device/vbd/$devid
	lx=/libxl/$s/device/vbd/$devid
	if state=$(xenstore-read "$be/state" 2>/dev/null); then
		{
			echo "write $be/online 0"
			[ "$state" != 6 ] && echo "write $be/state 5"
		} | "$HOST_BIN/xs-tx" || return 1
		if ! host_poll stub_vbd_state_is "$s" "$devid" 6; then
			echo "stub_vbd_remove: $be did not close (state" \
			    "$(stub_vbd_state "$s" "$devid" 2>&1))" >&2
			return 1
		fi
		stub_hotplug remove "$s" "$devid" ||
			echo "stub_vbd_remove: $HOTPLUG remove failed" >&2
	fi
	{
		echo "cleanup $fe"
		echo "cleanup $lx"
		echo "cleanup $be"
	} | "$HOST_BIN/xs-tx"
}

# stub_guest_vbd_add D VDEV PATH: guest D's own vbd for its CD drive
# VDEV, as host_drive_add lays a drive out but with a "phy" backend
# under backend/vbd: params PATH ("" when empty), no script.  Nothing
# serves it: it stays Initialising.
stub_guest_vbd_add() {
	libxl_vbd_add "$1" cdrom "$2" phy "$3" r
}

# stub_fdset_present D DEVID [FDSET]: D's QEMU has an fdset holding an
# fd whose opaque is "stub-devid:DEVID" (and whose id is FDSET).
stub_fdset_present() {
	qemu_fdsets "$1" 2>/dev/null | jq -e --arg o "stub-devid:$2" \
	    --argjson id "${3:-null}" 'any(.[]; (.fds | any(.opaque == $o))
	    and ($id == null or .["fdset-id"] == $id))' >/dev/null
}

# stubdom_guest_create D S VDEV [ISO] [--seed]: HVM guest D with one
# emulated CD-ROM drive VDEV (holding ISO, or empty) whose QEMU runs in
# Linux stub domain S ("guestD-dm"), set up in libxl 4.20's order:
# D and its own vbd; S; D's image/device-model-domid, S's target and
# XS_SET_TARGET (S may then act on D's nodes); S's device-model/D dir
# (nS,rD); S's vbd (stub_vbd_add: InitWait, hotplug add); then S's QEMU,
# played by a QEMU in dom0 with libxl's stub-domain arguments for the
# drive (the loop device, format host_device) and QMP sockets
# $QMPDIR/qmp-libxl-D (the daemon's: libxl's QMP proxy), qmp-test-D
# and qmp-stub-D (S's own glue: the agent's); then S's agent
# (stub_agent_start, --seed: the seed patch's fdset numbering).  Waits
# for S's vbd to be Connected and the agent's fdset to be in QEMU, then
# writes what the QMP proxy's spawn and S's QEMU write: S's
# image/qmp-proxy-pid, dom0's device-model/S/qmp-proxy-state, and (as S)
# S's device-model/D/state "running".  Exports $HOTPLUG.
stubdom_guest_create() {
	local d=$1 s=$2 vdev=$3 iso="" seed="" arg devid be dev=""
	shift 3
	for arg; do
		case $arg in
		--seed) seed=--seed ;;
		*) iso=$arg ;;
		esac
	done
	HOTPLUG=${HOTPLUG:-$HOST_SCRIPT_DIR/hotplug-block}
	export HOTPLUG
	devid=$(vdev_devid "$vdev") || return 1
	be=/local/domain/0/backend/vbd/$s/$devid
	domain_create "$d" "guest$d" hvm || return 1
	stub_guest_vbd_add "$d" "$vdev" "$iso" || return 1
	libxl_json_layout "$d" "cdrom:$vdev:$iso" || return 1
	domain_create "$s" "guest$d-dm" pv || return 1
	{
		echo "write /local/domain/$d/image/device-model-domid $s"
		echo "write /local/domain/$s/target $d"
	} | "$HOST_BIN/xs-tx" || return 1
	"$HOST_BIN/xs-ring" --set-target "$s" "$d" || return 1
	{
		echo "mkdir /local/domain/$s/device-model/$d"
		echo "chmod /local/domain/$s/device-model/$d n$s r$d"
	} | "$HOST_BIN/xs-tx" || return 1
	stub_vbd_add "$s" "$d" "$vdev" "$iso" || return 1
	if [ -n "$iso" ]; then
		dev=$(xenstore-read "$be/physical-device-path") || return 1
	fi
	qemu_launch "$d" --stub "cdrom:$vdev:$dev:host_device" || return 1
	# shellcheck disable=SC2086 # $seed: no word or one
	stub_agent_start "$s" "$d" $seed || return 1
	if ! host_poll stub_vbd_state_is "$s" "$devid" 4; then
		echo "stubdom_guest_create: $be is not Connected (state" \
		    "$(stub_vbd_state "$s" "$devid" 2>&1))" >&2
		cat "$HOSTDIR/log/blkback.log" "$HOSTDIR/log/stub-$s.log" >&2
		return 1
	fi
	if ! host_poll stub_fdset_present "$d" "$devid"; then
		echo "stubdom_guest_create: no fdset stub-devid:$devid in" \
		    "dom$d's QEMU" >&2
		cat "$HOSTDIR/log/stub-$s.log" >&2
		return 1
	fi
	{
		echo "write /local/domain/$s/image/qmp-proxy-pid $(cat "$HOSTDIR/pids/qemu-$d")"
		echo "write /local/domain/0/device-model/$s/qmp-proxy-state running"
	} | "$HOST_BIN/xs-tx" || return 1
	as_guest "$s" xenstore-write "/local/domain/$s/device-model/$d/state" \
	    running
}

# stubdom_guest_destroy D S: what "xl destroy D" does to a guest whose
# QEMU runs in stub domain S (libxl__destroy_domid): the stub domain
# goes first (its agent with it; the hotplug script's remove for each of
# its vbds, then domain_destroy S), then D (domain_destroy D stops the
# QEMU), then libxl removes $XEN_RUN_DIR/empty-cdrom.D.
stubdom_guest_destroy() {
	local d=$1 s=$2 devid
	host_kill "$HOSTDIR/pids/stub-$s"
	for devid in $(xenstore-list "/local/domain/0/backend/vbd/$s" \
	    2>/dev/null); do
		stub_hotplug remove "$s" "$devid" ||
			echo "stubdom_guest_destroy: $HOTPLUG remove failed" >&2
	done
	domain_destroy "$s" || return 1
	domain_destroy "$d" || return 1
	rm -f "$QMPDIR/qmp-stub-$d" "$QMPDIR/empty-cdrom.$d"
}
