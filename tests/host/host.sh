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
#   log/          xenstored's log and trace, one log per ring and QEMU
#
# Background processes are started as grandchildren, "( cmd & )", so the
# shell neither reaps them nor prints job notices, and a test's
# subshell can start one that outlives it.

HOST_XENSTORED=${HOST_XENSTORED:-/usr/lib/xen-4.17/bin/xenstored}
HOST_QEMU=${HOST_QEMU:-qemu-system-x86_64}
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
	for f in "$HOSTDIR"/pids/cdromd* "$HOSTDIR"/pids/qemu-* \
	    "$HOSTDIR"/pids/ring-* "$HOSTDIR"/pids/*; do
		[ -f "$f" ] && host_kill "$f"
	done
	# A ring says nothing unless something went wrong (a sanitizer...).
	for f in "$HOSTDIR"/log/ring-*.log; do
		[ -s "$f" ] && { echo "host_stop: ${f##*/}:"; cat "$f"; } >&2
	done
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
	local -a qemu
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
cdromd_start() {
	local bin
	bin=$(cd "${BUILD:-build}" && pwd)/xen-cdromd
	# The wrapper shell waits for the daemon to keep its exit status.
	(sh -c '"$@" & echo $! >"$0/pids/cdromd"; wait $!
	    echo $? >"$0/cdromd.status"' "$HOSTDIR" \
	    "$bin" --foreground --qmp-dir "$QMPDIR" "$@" \
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
