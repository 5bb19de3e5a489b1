# shellcheck shell=bash
# SPDX-License-Identifier: LGPL-2.1-only
#
# The libxl layout of the embedded test host (sourced by host.sh):
# domains as libxl 4.17 writes them into xenstore, their disks' vbd
# records, and the vdev numbers libxl gives those disks.

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

# vdev_numbers VDEV: "DEVID INDEX", Xen's vbd number of disk VDEV and
# its disk index (QEMU's IDE bus * 2 + unit), as protocol/vdev.c counts
# them (xs-tx --vdev); fails for a name that is no whole disk.
vdev_numbers() {
	"$HOST_BIN/xs-tx" --vdev "$1"
}

# vdev_devid VDEV, vdev_index VDEV: either number alone.
vdev_devid() {
	local n
	n=$(vdev_numbers "$1") || return 1
	echo "${n% *}"
}

vdev_index() {
	local n
	n=$(vdev_numbers "$1") || return 1
	echo "${n#* }"
}

# libxl_vbd_add D KIND VDEV TYPE PARAMS MODE [SCRIPT]: the records
# libxl's device_disk_add writes for disk VDEV of domain D, in one
# transaction (libxl__device_generic_add): the frontend (D's), the
# backend (dom0's: backend/qdisk for TYPE qdisk, backend/vbd for phy)
# and libxl's own copy of the backend's keys.  KIND is cdrom or disk;
# MODE r or w; SCRIPT, the hotplug script of a phy backend that has one.
libxl_vbd_add() {
	local d=$1 kind=$2 vdev=$3 type=$4 params=$5 mode=$6 script=${7:-}
	local devid be fe lx k removable=0 discard=0
	devid=$(vdev_devid "$vdev") || return 1
	case $type in
	qdisk) be=/local/domain/0/backend/qdisk/$d/$devid ;;
	phy) be=/local/domain/0/backend/vbd/$d/$devid ;;
	*) echo "libxl_vbd_add: $type: unknown backend type" >&2; return 1 ;;
	esac
	fe=/local/domain/$d/device/vbd/$devid
	lx=/libxl/$d/device/vbd/$devid
	[ "$kind" = cdrom ] && removable=1
	[ "$mode" = w ] && discard=1
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
			echo "write $k/params $params"
			[ -n "$script" ] && echo "write $k/script $script"
			echo "write $k/frontend-id $d"
			echo "write $k/online 1"
			echo "write $k/removable $removable"
			echo "write $k/bootable 1"
			echo "write $k/state 1"
			echo "write $k/dev $vdev"
			echo "write $k/type $type"
			echo "write $k/mode $mode"
			echo "write $k/device-type $kind"
			echo "write $k/discard-enable $discard"
			echo "write $k/specification xen"
		done
	} | "$HOST_BIN/xs-tx"
}

# host_drive_add D KIND VDEV PATH FORMAT: libxl's device_disk_add of a
# qdisk for HVM guest D (PATH "" for an empty drive), writable if KIND
# is disk.
host_drive_add() {
	local d=$1 kind=$2 vdev=$3 path=$4 format=$5 prefix mode=r
	case $format in
	raw) prefix=aio ;; qcow2|qcow|vhd|qed) prefix=$format ;;
	*) echo "host_drive_add: $format: unknown format" >&2; return 1 ;;
	esac
	# An empty drive has libxl's format "empty", written as aio.
	[ -z "$path" ] && prefix=aio
	[ "$kind" = disk ] && mode=w
	libxl_vbd_add "$d" "$kind" "$vdev" qdisk "$prefix:$path" "$mode"
}
