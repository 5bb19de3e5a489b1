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

# qemu_launch D [--stub] DRIVE...: starts guest D's QEMU with
# libxl_dm.c's arguments: QMP at $QMPDIR/qmp-libxl-D (the daemon's) and
# qmp-test-D (the tests'), and with --stub qmp-stub-D (a stub domain's
# own glue); then $HOST_QEMU_EXTRA.  Each DRIVE is
# "KIND:VDEV:FILE:FORMAT": KIND cdrom (FILE "" when empty) or disk,
# FORMAT QEMU's driver name.  Returns once QEMU answers on qmp-test-D;
# its pid is in pids/qemu-D.
qemu_launch() {
	local d=$1 drive kind vdev file format nums devid idx opt
	local -a qemu extra mons=(libxl test)
	shift
	if [ "${1:-}" = --stub ]; then
		mons+=(stub)
		shift
	fi
	qemu=(-name "guest$d" -machine "pc,accel=tcg" -m 32 -nodefaults
	    -no-user-config -display none)
	for opt in "${mons[@]}"; do
		qemu+=(-chardev "socket,id=$opt-cmd,path=$QMPDIR/qmp-$opt-$d,server=on,wait=off"
		    -mon "chardev=$opt-cmd,mode=control")
	done
	for drive; do
		IFS=: read -r kind vdev file format <<<"$drive"
		nums=$(vdev_numbers "$vdev") || return 1
		devid=${nums% *} idx=${nums#* }
		if [ "$kind" = cdrom ]; then
			opt="if=none,readonly=on,id=ide-$devid"
			[ -n "$file" ] && opt="$opt,file=$file,format=$format"
			qemu+=(-drive "$opt" -device
			    "ide-cd,id=ide-$devid,drive=ide-$devid,bus=ide.$((idx / 2)),unit=$((idx % 2))")
		else
			qemu+=(-drive "file=$file,if=ide,index=$idx,media=disk,format=$format,cache=writeback")
		fi
	done
	libxl_json_layout "$d" "$@" || return 1
	read -r -a extra <<<"$HOST_QEMU_EXTRA"
	qemu+=("${extra[@]}")
	# -daemonize returns once QEMU is set up and its sockets listen.
	if ! "$HOST_QEMU" "${qemu[@]}" -daemonize \
	    -pidfile "$HOSTDIR/pids/qemu-$d" \
	    </dev/null >>"$HOSTDIR/log/qemu-$d.log" 2>&1; then
		echo "qemu_launch: QEMU for dom$d failed:" >&2
		cat "$HOSTDIR/log/qemu-$d.log" >&2
		return 1
	fi
	qmp_test "$d" query-status >/dev/null
}

# hvm_guest_create_drives D DRIVE...: an HVM guest D with several
# drives, each "cdrom:VDEV[:PATH[:FORMAT]]" or "disk:VDEV:PATH[:FORMAT]".
# Writes what libxl writes, starts QEMU for them (qemu_launch), then
# the pid and "running" as libxl's spawn and qemu-xen would.
hvm_guest_create_drives() {
	local d=$1 drive kind vdev path format
	local -a drives
	shift
	domain_create "$d" || return 1
	for drive; do
		IFS=: read -r kind vdev path format <<<"$drive"
		format=${format:-raw}
		host_drive_add "$d" "$kind" "$vdev" "$path" "$format" ||
			return 1
		drives+=("$kind:$vdev:$path:$(qemu_format "$format")")
	done
	qemu_launch "$d" "${drives[@]}" || return 1
	{
		echo "write /local/domain/$d/image/device-model-pid $(cat "$HOSTDIR/pids/qemu-$d")"
		echo "write /local/domain/0/device-model/$d/state running"
	} | "$HOST_BIN/xs-tx"
}

# qmp_call SOCKET JSON: sends one QMP command, JSON ({"execute": ...,
# "arguments": ...}; an "id" in it is not used) after the capabilities
# handshake and prints QEMU's whole reply, a refusal too, as JSON.
qmp_call() {
	local cmd args
	cmd=$(jq -e -r .execute <<<"$2") || return 1
	args=$(jq -c '.arguments // empty' <<<"$2") || return 1
	"$HOST_BIN/qmp-call" -t "$HOST_TIMEOUT" --reply "$1" "$cmd" \
	    ${args:+"$args"}
}

# qmp_test D COMMAND [ARGS-JSON]: runs COMMAND on D's test QMP socket
# and prints its "return" as JSON, one line; a QMP error goes to stderr.
qmp_test() {
	"$HOST_BIN/qmp-call" -t "$HOST_TIMEOUT" "$QMPDIR/qmp-test-$1" "$2" \
	    "${3:-"{}"}"
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
