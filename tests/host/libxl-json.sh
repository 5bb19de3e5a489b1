# shellcheck shell=bash
# SPDX-License-Identifier: LGPL-2.1-only
#
# libxl's saved configuration of each guest of the embedded host,
# $XEN_LIB_DIR/userdata-d.D.UUID.libxl-json, laid out as xl create
# leaves it: the file that xl 4.17 saved on the real-Xen tier
# (tests/host/libxl-json/created, from make system-test) with the
# guest's name, uuid and disks[].  Sourced by host.sh.

LIBXL_JSON_DIR=$HOST_SCRIPT_DIR/libxl-json

# libxl_json_file D: the path of domain D's libxl-json.
libxl_json_file() {
	local vm
	vm=$(xenstore-read "/local/domain/$1/vm") || return 1
	echo "${XEN_LIB_DIR:?}/userdata-d.$1.${vm##*/}.libxl-json"
}

# libxl_json_disk DRIVE: one disks[] element for a drive spec of
# hvm_guest_create_drives ("cdrom:VDEV[:PATH[:FORMAT]]",
# "disk:VDEV:PATH[:FORMAT]"), as the captured file lays them out.
libxl_json_disk() {
	local kind vdev path format
	IFS=: read -r kind vdev path format <<<"$1"
	format=${format:-raw}
	[ -z "$path" ] && format=empty
	printf '        {\n'
	printf '            "pdev_path": %s,\n' "$(jq -Rn --arg p "$path" '$p')"
	printf '            "vdev": "%s",\n' "$vdev"
	printf '            "format": "%s",\n' "$format"
	if [ "$kind" = cdrom ]; then
		printf '            "removable": 1,\n'
		printf '            "is_cdrom": 1,\n'
	else
		printf '            "readwrite": 1,\n'
	fi
	printf '            "colo_restore_enable": "False"\n'
	printf '        }'
}

# libxl_json_layout D DRIVE...: writes D's libxl-json, mode 0600 and
# with libxl's trailing NUL, for D's drives (specs as above).  Nothing
# when XEN_LIB_DIR is not set (a host without libxl's directory).
libxl_json_layout() {
	local d=$1 name uuid file drive sep="" disks=""
	shift
	[ -n "${XEN_LIB_DIR:-}" ] || return 0
	file=$(libxl_json_file "$d") || return 1
	uuid=${file#*/userdata-d."$d".} uuid=${uuid%.libxl-json}
	name=$(xenstore-read "/local/domain/$d/name") || return 1
	for drive; do
		disks="$disks$sep$(libxl_json_disk "$drive")"
		sep=$',\n'
	done
	# The captured file without its NUL; its disks[] replaced.
	head -c -1 "$LIBXL_JSON_DIR/created" | awk -v disks="$disks" \
	    -v name="$name" -v uuid="$uuid" '
		/^    "disks": \[$/ { print; print disks; skip = 1; next }
		skip && /^    \],?$/ { skip = 0 }
		skip { next }
		/^        "name": "systest",$/ {
			sub(/systest/, name) }
		/^        "uuid": "[-0-9a-f]*",$/ {
			sub(/"[-0-9a-f]*",$/, "\"" uuid "\",") }
		{ print }' >"$file.tmp" &&
	printf '\0' >>"$file.tmp" && chmod 0600 "$file.tmp" &&
	mv "$file.tmp" "$file"
}

# libxl_json_remove D: what libxl__userdata_destroyall does when D is
# destroyed: every userdata file of D but the lock files goes.
libxl_json_remove() {
	[ -n "${XEN_LIB_DIR:-}" ] || return 0
	rm -f "$XEN_LIB_DIR"/userdata-[dn]."$1".*
}
