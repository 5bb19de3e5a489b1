# shellcheck shell=bash
# SPDX-License-Identifier: LGPL-2.1-only
#
# QEMU on the embedded test host (sourced by host.sh): HVM guests'
# device models launched with libxl_dm.c's arguments, QMP calls on
# their test sockets, the block and fdset queries tests make, and the
# images tests put in the drives.

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
