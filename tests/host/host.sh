# shellcheck shell=bash
#
# The embedded test host: a real xenstored 4.17 under xsshim.so, guest
# domains played by xs-ring, and HVM guests' device models played by
# real QEMUs, laid out in xenstore exactly as libxl 4.17 lays them out.
# Sourced by tests/t/lib.sh and tests/demo.sh; needs $BUILD (default
# "build") to hold tests/host/{xsshim.so,xs-ring,xs-tx}.
#
# Everything lives in $HOSTDIR, and host_stop removes it:
#   shim/         $XSHIM_DIR, the fake hypervisor (tests/host/xshim.h)
#   run/socket    $XENSTORED_PATH, dom0's connection to xenstored
#   dom-D.sock    guest D's connection (its ring, through xs-ring)
#   qmp/          $QMPDIR: qmp-libxl-D (the daemon's) and qmp-test-D
#   pids/         one file per process we started: host_stop kills them
#   log/          xenstored's log and trace, one log per ring and QEMU,
#                 blkback.log, stub-S.log, hotplug.calls
#
# Stub domains (stubdom_guest_create and below) add dom0's block
# backend (blkback-sim), the hotplug script $HOTPLUG, loop devices, and
# in each stub domain S an agent (stub-agent) playing S's blkfront and
# QEMU glue.  host_stop detaches every loop device whose file is under
# $HOSTDIR.
#
# Background processes are started as grandchildren, "( cmd & )", so the
# shell neither reaps them nor prints job notices, and a test's
# subshell can start one that outlives it.

HOST_XENSTORED=${HOST_XENSTORED:-/usr/lib/xen-4.17/bin/xenstored}
# tests/host, where the shell helpers live (hotplug-block).
HOST_SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/host/libxl-json.sh
. "$HOST_SCRIPT_DIR/libxl-json.sh"
# The block hotplug script of stub domains' vbds: libxl writes it into
# the backend's "script" and runs it; tests give it to the daemon's
# --hotplug-script.
HOTPLUG=${HOTPLUG:-$HOST_SCRIPT_DIR/hotplug-block}
export HOTPLUG
HOST_QEMU=${HOST_QEMU:-qemu-system-x86_64}
# Extra arguments, split on blanks, for the guests' QEMUs started while
# it is set (hvm_guest_create*, stubdom_guest_create): a boot disk for a
# guest program, say (t4200's tray-locking boot sector).
HOST_QEMU_EXTRA=${HOST_QEMU_EXTRA:-}
# How long any wait of the host gives up after, in seconds.
HOST_TIMEOUT=${HOST_TIMEOUT:-20}

# host_alive PID: the process exists and is not a zombie (PID 1 here may
# not reap the orphans we leave it).
host_alive() {
	local stat
	[ -r "/proc/$1/stat" ] || return 1
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[ "${stat%% *}" != Z ]
}

host_dead() {
	! host_alive "$1"
}

# host_poll CMD...: runs CMD every 50ms until it succeeds; fails after
# $HOST_TIMEOUT seconds.
host_poll() {
	local i
	for ((i = 0; i < HOST_TIMEOUT * 20; i++)); do
		"$@" && return 0
		sleep 0.05
	done
	return 1
}

# host_kill PIDFILE: SIGTERM, then SIGKILL if it lingers; removes PIDFILE.
host_kill() {
	local pid
	pid=$(cat "$1" 2>/dev/null) || return 0
	rm -f "$1"
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	host_poll host_dead "$pid" && return 0
	kill -KILL "$pid" 2>/dev/null
	host_poll host_dead "$pid"
}

# host_spawn NAME CMD...: starts CMD in the background, stdin from
# /dev/null and output to log/NAME.log, its pid in pids/NAME.
host_spawn() {
	local name=$1
	shift
	("$@" </dev/null >>"$HOSTDIR/log/$name.log" 2>&1 &
	 echo $! >"$HOSTDIR/pids/$name")
}

# host_start [DIR]: starts xenstored under the shim in DIR (default: a
# new temporary directory) and exports HOSTDIR, XSHIM_DIR, QMPDIR,
# XENSTORED_PATH and XENSTORED_RUNDIR, so the xenstore-* tools talk to
# it as dom0.
host_start() {
	local bin
	if [ -n "${HOSTDIR:-}" ]; then
		echo "host_start: a host is running in $HOSTDIR" >&2
		return 1
	fi
	bin=$(cd "${BUILD:-build}/tests/host" && pwd) || return 1
	HOST_BIN=$bin
	HOSTDIR=${1:-$(mktemp -d "${TMPDIR:-/tmp}/xcd-host.XXXXXX")} ||
		return 1
	export HOSTDIR HOST_BIN
	export XSHIM_DIR=$HOSTDIR/shim QMPDIR=$HOSTDIR/qmp
	export XENSTORED_RUNDIR=$HOSTDIR/run
	export XENSTORED_PATH=$HOSTDIR/run/socket
	mkdir -p "$XSHIM_DIR" "$QMPDIR" "$XENSTORED_RUNDIR" \
	    "$HOSTDIR/pids" "$HOSTDIR/log" || return 1
	host_spawn xenstored env LD_PRELOAD="$HOST_BIN/xsshim.so" \
	    "$HOST_XENSTORED" --no-fork \
	    --pid-file "$XENSTORED_RUNDIR/xenstored.pid" \
	    -T "$HOSTDIR/log/xenstored.trace"
	# setup_structure() writes /tool/xenstored before the first accept.
	if ! host_poll host_xenstored_up ||
	    ! xenstore-exists /tool/xenstored 2>/dev/null; then
		echo "host_start: xenstored did not answer" >&2
		cat "$HOSTDIR/log/xenstored.log" >&2
		return 1
	fi
}

# host_xenstored_up: xenstored answers, or it died (then the caller's
# next step fails at once rather than after $HOST_TIMEOUT).
host_xenstored_up() {
	xenstore-exists /tool/xenstored 2>/dev/null ||
	    ! host_alive "$(cat "$HOSTDIR/pids/xenstored")"
}

# host_stop: stops everything the host started, removes $HOSTDIR.
# Safe to call twice, or with no host.
host_stop() {
	local f
	[ -n "${HOSTDIR:-}" ] || return 0
	# Daemons first, so none of them reacts to the teardown.
	for f in "$HOSTDIR"/pids/cdromd* "$HOSTDIR"/pids/stub-* \
	    "$HOSTDIR"/pids/blkback "$HOSTDIR"/pids/qemu-* \
	    "$HOSTDIR"/pids/ring-* "$HOSTDIR"/pids/*; do
		[ -f "$f" ] && host_kill "$f"
	done
	# A ring says nothing unless something went wrong (a sanitizer...).
	for f in "$HOSTDIR"/log/ring-*.log; do
		[ -s "$f" ] && { echo "host_stop: ${f##*/}:"; cat "$f"; } >&2
	done
	host_detach_loops
	rm -rf "$HOSTDIR"
	unset HOSTDIR XSHIM_DIR QMPDIR XENSTORED_PATH XENSTORED_RUNDIR
}

# as_guest D CMD...: runs CMD (a command or a function) as domain D.
as_guest() {
	local d=$1
	shift
	(export XENSTORED_PATH=$HOSTDIR/dom-$d.sock; "$@")
}

# xs_perms PATH: PATH's permissions as xenstore-ls shows them ("n0,r3").
xs_perms() {
	local name=${1##*/}
	xenstore-ls -p "${1%/*}" |
	    sed -n "s/^$name = .*  (\([^()]*\))\$/\1/p"
}

# domain_create D [NAME [TYPE]]: the hypervisor creates domain D, libxl
# writes its nodes (libxl__domain_make, libxl__build_post; TYPE "hvm"
# or "pv", default hvm) and introduces it: @introduceDomain fires and
# $HOSTDIR/dom-D.sock answers as D.
domain_create() {
	local d=$1 name=${2:-guest$1} type=${3:-hvm} uuid dom vm node
	uuid=$(cat /proc/sys/kernel/random/uuid)
	dom=/local/domain/$d vm=/vm/$uuid
	: >"$XSHIM_DIR/dom/$d" || return 1
	{
		echo "rm $dom"; echo "mkdir $dom"; echo "chmod $dom n0 r$d"
		echo "rm $vm"; echo "mkdir $vm"; echo "chmod $vm n0 r$d"
		echo "rm /libxl/$d"
		echo "mkdir /libxl/$d"; echo "chmod /libxl/$d n0"
		echo "mkdir /libxl/$d/device"; echo "chmod /libxl/$d/device n0"
		echo "write $dom/vm $vm"
		echo "write $dom/name $name"
		# roperm: dom0's, readable by the guest.
		for node in cpu memory device control; do
			echo "mkdir $dom/$node"; echo "chmod $dom/$node n0 r$d"
		done
		[ "$type" = hvm ] &&
		    echo "mkdir $dom/hvmloader" && echo "chmod $dom/hvmloader n0 r$d"
		# rwperm: the guest's own.
		for node in device/suspend/event-channel control/shutdown \
		    control/feature-poweroff control/feature-reboot \
		    control/feature-suspend control/sysrq data drivers \
		    feature attr error; do
			echo "mkdir $dom/$node"; echo "chmod $dom/$node n$d"
		done
		[ "$type" = hvm ] && for node in feature-s3 feature-s4; do
			echo "mkdir $dom/control/$node"
			echo "chmod $dom/control/$node n$d"
		done
		echo "write $vm/uuid $uuid"
		echo "write $vm/name $name"
		echo "write $dom/control/platform-feature-multiprocessor-suspend 1"
		echo "write $dom/control/platform-feature-xs_reset_watches 1"
		echo "write /libxl/$d/type $type"
	} | "$HOST_BIN/xs-tx" || return 1
	{
		[ "$type" = hvm ] && echo "write /libxl/$d/dm-version qemu_xen"
		echo "write $dom/memory/static-max 32768"
		echo "write $dom/memory/target 32768"
		echo "write $dom/memory/videoram 0"
		echo "write $dom/domid $d"
		echo "write $dom/store/port 1"
		echo "write $dom/store/ring-ref 1044478"
		echo "write $dom/cpu/0/availability online"
	} | "$HOST_BIN/xs-tx" || return 1
	host_spawn "ring-$d" "$HOST_BIN/xs-ring" "$d" "$HOSTDIR/dom-$d.sock"
	if ! host_poll test -S "$HOSTDIR/dom-$d.sock"; then
		echo "domain_create: dom$d was not introduced" >&2
		cat "$HOSTDIR/log/ring-$d.log" >&2
		return 1
	fi
}

# domain_destroy D: what "xl destroy D" does: kill the device model,
# remove the devices' and the domain's nodes (libxl__destroy_domid,
# devices_destroy_cb), then the hypervisor destroys the domain and
# xenstored fires @releaseDomain (done when this returns).
domain_destroy() {
	local d=$1 vm
	host_kill "$HOSTDIR/pids/qemu-$d"
	rm -f "$QMPDIR/qmp-libxl-$d" "$QMPDIR/qmp-test-$d"
	vm=$(xenstore-read "/local/domain/$d/vm" 2>/dev/null)
	{
		echo "rm /local/domain/0/device-model/$d"
		echo "rm /local/domain/0/backend/qdisk/$d"
		echo "rm /local/domain/0/backend/vbd/$d"
		echo "rm /local/domain/$d/device"
		echo "rm /libxl/$d/device"
	} | "$HOST_BIN/xs-tx" || return 1
	{
		[ -n "$vm" ] && echo "rm $vm"
		echo "rm /local/domain/$d"
		echo "rm /libxl/$d"
	} | "$HOST_BIN/xs-tx" || return 1
	libxl_json_remove "$d"
	host_kill "$HOSTDIR/pids/ring-$d"
	"$HOST_BIN/xs-ring" --release "$d"
}

# vdev_devid VDEV, vdev_index VDEV: Xen's vbd number of VDEV and its
# disk index (QEMU's IDE bus * 2 + unit), for the first four disks.
vdev_devid() {
	case $1 in
	hd[ab]) echo $(((3 << 8) | ($(vdev_index "$1") << 6))) ;;
	hd[cd]) echo $(((22 << 8) | (($(vdev_index "$1") - 2) << 6))) ;;
	sd[a-d]) echo $(((8 << 8) | ($(vdev_index "$1") << 4))) ;;
	xvd[a-d]) echo $(((202 << 8) | ($(vdev_index "$1") << 4))) ;;
	*) echo "vdev_devid: $1: not one of the first four disks" >&2
	   return 1 ;;
	esac
}

vdev_index() {
	case $1 in
	*a) echo 0 ;; *b) echo 1 ;; *c) echo 2 ;; *d) echo 3 ;;
	*) return 1 ;;
	esac
}

# host_drive_add D KIND VDEV PATH FORMAT: libxl's device_disk_add of a
# qdisk for HVM guest D, one transaction (libxl__device_generic_add).
host_drive_add() {
	local d=$1 kind=$2 vdev=$3 path=$4 format=$5 devid prefix mode
	local be fe lx k
	devid=$(vdev_devid "$vdev") || return 1
	be=/local/domain/0/backend/qdisk/$d/$devid
	fe=/local/domain/$d/device/vbd/$devid
	lx=/libxl/$d/device/vbd/$devid
	case $format in
	raw) prefix=aio ;; qcow2|qcow|vhd|qed) prefix=$format ;;
	*) echo "host_drive_add: $format: unknown format" >&2; return 1 ;;
	esac
	# An empty drive has libxl's format "empty", written as aio.
	[ -z "$path" ] && prefix=aio
	mode=r
	[ "$kind" = disk ] && mode=w
	{
		echo "rm $lx"
		echo "write $lx/frontend $fe"
		echo "write $lx/backend $be"
		echo "rm $fe"; echo "mkdir $fe"; echo "chmod $fe n$d r0"
		echo "write $fe/backend $be"
		echo "write $fe/backend-id 0"
		echo "write $fe/state 1"
		echo "write $fe/virtual-device $devid"
		echo "write $fe/device-type $kind"
		echo "write $fe/trusted 1"
		echo "rm $be"; echo "mkdir $be"; echo "chmod $be n0 r$d"
		echo "write $be/frontend $fe"
		for k in "$be" "$lx"; do
			echo "write $k/params $prefix:$path"
			echo "write $k/frontend-id $d"
			echo "write $k/online 1"
			if [ "$kind" = cdrom ]; then
				echo "write $k/removable 1"
			else
				echo "write $k/removable 0"
			fi
			echo "write $k/bootable 1"
			echo "write $k/state 1"
			echo "write $k/dev $vdev"
			echo "write $k/type qdisk"
			echo "write $k/mode $mode"
			echo "write $k/device-type $kind"
			if [ "$mode" = w ]; then
				echo "write $k/discard-enable 1"
			else
				echo "write $k/discard-enable 0"
			fi
			echo "write $k/specification xen"
		done
	} | "$HOST_BIN/xs-tx"
}

# qemu_format FORMAT: QEMU's name for an xl disk format.
qemu_format() {
	case $1 in vhd) echo vpc ;; *) echo "$1" ;; esac
}

# hvm_guest_create D VDEV [ISO [FORMAT]]: an HVM guest D with one
# emulated CD-ROM drive VDEV, holding ISO (FORMAT, default raw) or empty.
hvm_guest_create() {
	local spec="cdrom:$2"
	[ $# -ge 3 ] && spec="$spec:$3:${4:-raw}"
	hvm_guest_create_drives "$1" "$spec"
}

# hvm_guest_create_drives D DRIVE...: an HVM guest D with several
# drives, each "cdrom:VDEV[:PATH[:FORMAT]]" or "disk:VDEV:PATH[:FORMAT]".
# Writes what libxl writes, starts QEMU with libxl_dm.c's arguments for
# them (QMP at $QMPDIR/qmp-libxl-D, and qmp-test-D for the tests), then
# the pid and "running" as libxl's spawn and qemu-xen would.
hvm_guest_create_drives() {
	local d=$1 drive kind vdev path format devid idx
	local -a qemu extra
	shift
	domain_create "$d" || return 1
	qemu=(-name "guest$d" -machine "pc,accel=tcg" -m 32 -nodefaults
	    -no-user-config -display none
	    -chardev "socket,id=libxl-cmd,path=$QMPDIR/qmp-libxl-$d,server=on,wait=off"
	    -mon "chardev=libxl-cmd,mode=control"
	    -chardev "socket,id=test-cmd,path=$QMPDIR/qmp-test-$d,server=on,wait=off"
	    -mon "chardev=test-cmd,mode=control")
	for drive; do
		IFS=: read -r kind vdev path format <<<"$drive"
		format=${format:-raw}
		devid=$(vdev_devid "$vdev") && idx=$(vdev_index "$vdev") ||
			return 1
		host_drive_add "$d" "$kind" "$vdev" "$path" "$format" ||
			return 1
		if [ "$kind" = cdrom ]; then
			local opt="if=none,readonly=on,id=ide-$devid"
			[ -n "$path" ] &&
			    opt="$opt,file=$path,format=$(qemu_format "$format")"
			qemu+=(-drive "$opt" -device
			    "ide-cd,id=ide-$devid,drive=ide-$devid,bus=ide.$((idx / 2)),unit=$((idx % 2))")
		else
			qemu+=(-drive "file=$path,if=ide,index=$idx,media=disk,format=$(qemu_format "$format"),cache=writeback")
		fi
	done
	libxl_json_layout "$d" "$@" || return 1
	read -r -a extra <<<"$HOST_QEMU_EXTRA"
	qemu+=("${extra[@]}")
	# -daemonize returns once QEMU is set up and its sockets listen.
	if ! "$HOST_QEMU" "${qemu[@]}" -daemonize \
	    -pidfile "$HOSTDIR/pids/qemu-$d" \
	    </dev/null >>"$HOSTDIR/log/qemu-$d.log" 2>&1; then
		echo "hvm_guest_create: QEMU for dom$d failed:" >&2
		cat "$HOSTDIR/log/qemu-$d.log" >&2
		return 1
	fi
	qmp_test "$d" query-status >/dev/null || return 1
	{
		echo "write /local/domain/$d/image/device-model-pid $(cat "$HOSTDIR/pids/qemu-$d")"
		echo "write /local/domain/0/device-model/$d/state running"
	} | "$HOST_BIN/xs-tx"
}

# qmp_call SOCKET JSON: sends one QMP command (give it "id":"t") after
# the capabilities handshake; prints QEMU's reply line.  Keeps the
# connection open until the reply is there, not for a fixed time; the
# newlines it sends meanwhile (blank to QMP) end the loop with SIGPIPE
# should socat have failed.
qmp_call() {
	local out rc=0 i
	out=$(mktemp "$HOSTDIR/qmp.XXXXXX") || return 1
	# shellcheck disable=SC2094 # we wait for socat to write the reply
	{
		printf '{"execute":"qmp_capabilities"}\n%s\n' "$2"
		for ((i = 0; i < HOST_TIMEOUT * 20; i++)); do
			grep -q '"id": *"t"' "$out" && break
			sleep 0.05
			printf '\n'
		done
	} 2>/dev/null | socat -t 0 - "UNIX-CONNECT:$1" >"$out" || rc=1
	grep '"id": *"t"' "$out" || rc=1
	rm -f "$out"
	return $rc
}

# qmp_test D COMMAND [ARGS-JSON]: runs COMMAND on D's test QMP socket
# and prints its "return" as compact JSON; a QMP error goes to stderr.
qmp_test() {
	local reply args=${3:-'{}'}
	reply=$(qmp_call "$QMPDIR/qmp-test-$1" \
	    "{\"execute\":\"$2\",\"arguments\":$args,\"id\":\"t\"}") ||
		return 1
	if ! jq -e -c 'if has("return") then .return else halt_error end' \
	    <<<"$reply" 2>/dev/null; then
		echo "qmp_test: $2: $reply" >&2
		return 1
	fi
}

# qemu_block D VDEV: the query-block entry of VDEV's CD drive, as JSON.
qemu_block() {
	local devid
	devid=$(vdev_devid "$2") || return 1
	qmp_test "$1" query-block |
	    jq -e -c --arg dev "ide-$devid" '.[] | select(.device == $dev)'
}

# qemu_fdsets D: QEMU's query-fdsets, as JSON.
qemu_fdsets() {
	qmp_test "$1" query-fdsets
}

# qemu_medium D VDEV: the file in VDEV's drive, "" when empty.  A
# /dev/fdset/N medium is shown as the file behind the set's first fd.
qemu_medium() {
	local file n fd
	file=$(qemu_block "$1" "$2" | jq -r '.inserted.file // ""') ||
		return 1
	case $file in
	/dev/fdset/*)
		n=${file#/dev/fdset/}
		fd=$(qemu_fdsets "$1" | jq -r --argjson n "$n" \
		    '.[] | select(.["fdset-id"] == $n) | .fds[0].fd') &&
		[ -n "$fd" ] &&
		file=$(readlink "/proc/$(cat "$HOSTDIR/pids/qemu-$1")/fd/$fd")
		;;
	esac
	printf '%s\n' "$file"
}

# make_iso PATH [SIZE]: a raw image whose first line names it.
make_iso() {
	printf 'xen-cdromd test image %s\n' "$1" >"$1" &&
	    truncate -s "${2:-1M}" "$1"
}

# make_qcow2 PATH [SIZE]
make_qcow2() {
	qemu-img create -q -f qcow2 "$1" "${2:-1M}"
}

# cdromd_start [ARGS...]: starts $BUILD/xen-cdromd --foreground with
# the host's QMP directory; its output goes to log/cdromd.log.
#
# $CDROMD_BIN names another daemon binary (a fault-injecting build, say);
# $CDROMD_WRAPPER, a command to run it under (valgrind and its options).
cdromd_start() {
	local bin wrapper
	bin=${CDROMD_BIN:-$(cd "${BUILD:-build}" && pwd)/xen-cdromd}
	read -r -a wrapper <<<"${CDROMD_WRAPPER:-}"
	# The wrapper shell waits for the daemon to keep its exit status.
	(sh -c '"$@" & echo $! >"$0/pids/cdromd"; wait $!
	    echo $? >"$0/cdromd.status"' "$HOSTDIR" \
	    "${wrapper[@]}" "$bin" --foreground --qmp-dir "$QMPDIR" "$@" \
	    </dev/null >>"$HOSTDIR/log/cdromd.log" 2>&1 &)
	host_poll test -s "$HOSTDIR/pids/cdromd"
}

# cdromd_stop: SIGTERM to the daemon; returns its exit status.
cdromd_stop() {
	local rc
	[ -f "$HOSTDIR/pids/cdromd" ] || return 0
	host_kill "$HOSTDIR/pids/cdromd"
	host_poll test -s "$HOSTDIR/cdromd.status" || return 1
	rc=$(cat "$HOSTDIR/cdromd.status")
	rm -f "$HOSTDIR/cdromd.status"
	return "$rc"
}

# ---------------------------------------------------------------------
# HVM guests whose QEMU runs in a Linux stub domain (libxl_dm.c's
# libxl__spawn_stub_dm), with the stub domain's PV CD vbd served by
# dom0's blkback (blkback-sim) and attached by a hotplug script.

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

# host_lines LOG PATTERN: how many lines of log/LOG match PATTERN.
host_lines() {
	local n
	n=$(grep -c -- "$2" "$HOSTDIR/log/$1" 2>/dev/null) || n=0
	echo "$n"
}

# host_more_lines LOG PATTERN N: more than N lines of log/LOG match.
host_more_lines() {
	[ "$(host_lines "$1" "$2")" -gt "$3" ]
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

# stub_vbd_keys KEY-DIR DOMID VDEV PARAMS [SCRIPT]: the backend keys
# libxl 4.20's device_disk_add writes for a read-only "phy" CD of domain
# DOMID, as xs-tx lines; a stub domain's vbd has a hotplug SCRIPT, the
# guest's own none.
stub_vbd_keys() {
	local k=$1 domid=$2 vdev=$3 params=$4 script=${5:-}
	echo "write $k/params $params"
	[ -n "$script" ] && echo "write $k/script $script"
	echo "write $k/frontend-id $domid"
	echo "write $k/online 1"
	echo "write $k/removable 1"
	echo "write $k/bootable 1"
	echo "write $k/state 1"
	echo "write $k/dev $vdev"
	echo "write $k/type phy"
	echo "write $k/mode r"
	echo "write $k/device-type cdrom"
	echo "write $k/discard-enable 0"
	echo "write $k/specification xen"
}

# stub_vbd_add S D VDEV [PATH]: what libxl 4.20 does to give stub
# domain S (of guest D) its PV vbd for CD drive VDEV holding PATH:
# device_disk_add of a "phy" disk in one transaction (an empty drive
# gets $QMPDIR/empty-cdrom.D, created 0400 as libxl creates
# $XEN_RUN_DIR/empty-cdrom.D), then waits for the backend's InitWait and
# runs the hotplug script's add.  Starts blkback-sim if need be.
stub_vbd_add() {
	local s=$1 d=$2 vdev=$3 params=${4:-} devid be fe lx
	devid=$(vdev_devid "$vdev") || return 1
	be=/local/domain/0/backend/vbd/$s/$devid
	fe=/local/domain/$s/device/vbd/$devid
	lx=/libxl/$s/device/vbd/$devid
	if [ -z "$params" ]; then
		params=$QMPDIR/empty-cdrom.$d
		(umask 0377 && : >"$params") || return 1
	fi
	host_blkback_start || return 1
	if xenstore-exists "$be" 2>/dev/null; then
		echo "stub_vbd_add: $be: device already exists" >&2
		return 1
	fi
	{
		echo "rm $lx"
		echo "write $lx/frontend $fe"
		echo "write $lx/backend $be"
		echo "rm $fe"; echo "mkdir $fe"; echo "chmod $fe n$s r0"
		echo "write $fe/backend $be"
		echo "write $fe/backend-id 0"
		echo "write $fe/state 1"
		echo "write $fe/virtual-device $devid"
		echo "write $fe/device-type cdrom"
		echo "write $fe/trusted 1"
		echo "rm $be"; echo "mkdir $be"; echo "chmod $be n0 r$s"
		echo "write $be/frontend $fe"
		stub_vbd_keys "$be" "$s" "$vdev" "$params" "$HOTPLUG"
		stub_vbd_keys "$lx" "$s" "$vdev" "$params" "$HOTPLUG"
	} | "$HOST_BIN/xs-tx" || return 1
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
	local d=$1 vdev=$2 path=$3 devid be fe lx k
	devid=$(vdev_devid "$vdev") || return 1
	be=/local/domain/0/backend/vbd/$d/$devid
	fe=/local/domain/$d/device/vbd/$devid
	lx=/libxl/$d/device/vbd/$devid
	{
		echo "rm $lx"
		echo "write $lx/frontend $fe"
		echo "write $lx/backend $be"
		echo "rm $fe"; echo "mkdir $fe"; echo "chmod $fe n$d r0"
		echo "write $fe/backend $be"
		echo "write $fe/backend-id 0"
		echo "write $fe/state 1"
		echo "write $fe/virtual-device $devid"
		echo "write $fe/device-type cdrom"
		echo "write $fe/trusted 1"
		echo "rm $be"; echo "mkdir $be"; echo "chmod $be n0 r$d"
		echo "write $be/frontend $fe"
		for k in "$be" "$lx"; do
			stub_vbd_keys "$k" "$d" "$vdev" "$path"
		done
	} | "$HOST_BIN/xs-tx"
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
	local d=$1 s=$2 vdev=$3 iso="" seed="" arg devid idx be dev drive
	local -a qemu extra
	shift 3
	for arg; do
		case $arg in
		--seed) seed=--seed ;;
		*) iso=$arg ;;
		esac
	done
	HOTPLUG=${HOTPLUG:-$HOST_SCRIPT_DIR/hotplug-block}
	export HOTPLUG
	devid=$(vdev_devid "$vdev") && idx=$(vdev_index "$vdev") || return 1
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
	drive="if=none,readonly=on,id=ide-$devid"
	if [ -n "$iso" ]; then
		dev=$(xenstore-read "$be/physical-device-path") || return 1
		drive="$drive,file=$dev,format=host_device"
	fi
	qemu=(-name "guest$d" -machine "pc,accel=tcg" -m 32 -nodefaults
	    -no-user-config -display none
	    -chardev "socket,id=libxl-cmd,path=$QMPDIR/qmp-libxl-$d,server=on,wait=off"
	    -mon "chardev=libxl-cmd,mode=control"
	    -chardev "socket,id=test-cmd,path=$QMPDIR/qmp-test-$d,server=on,wait=off"
	    -mon "chardev=test-cmd,mode=control"
	    -chardev "socket,id=stub-cmd,path=$QMPDIR/qmp-stub-$d,server=on,wait=off"
	    -mon "chardev=stub-cmd,mode=control"
	    -drive "$drive" -device
	    "ide-cd,id=ide-$devid,drive=ide-$devid,bus=ide.$((idx / 2)),unit=$((idx % 2))")
	read -r -a extra <<<"$HOST_QEMU_EXTRA"
	qemu+=("${extra[@]}")
	if ! "$HOST_QEMU" "${qemu[@]}" -daemonize \
	    -pidfile "$HOSTDIR/pids/qemu-$d" \
	    </dev/null >>"$HOSTDIR/log/qemu-$d.log" 2>&1; then
		echo "stubdom_guest_create: QEMU for dom$d failed:" >&2
		cat "$HOSTDIR/log/qemu-$d.log" >&2
		return 1
	fi
	qmp_test "$d" query-status >/dev/null || return 1
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
