#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-only
#
# The udev trigger: when a host CD drive's medium changes, udev runs
# xen-cdromd-udev, and every guest drive that follows the host drive
# ("follow = DEVICE DOMAIN VDEV") gets the medium, or is emptied.  There
# is no host CD drive here, so a read-only loop device over an image
# stands in for /dev/sr0: QEMU and the daemon take any block device.

# shellcheck disable=SC2016 # test code is evaluated when it runs
# shellcheck source=tests/t/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/t/lib-cdrom.sh
. "$TEST_DIR/lib-cdrom.sh"

SCRIPT=$(cd "$TEST_DIR/../../hotplug-scripts" && pwd)/xen-cdromd-udev
CONF=$HOSTDIR/follow.conf
A=$HOSTDIR/cd.iso
make_iso "$A" || exit 1
# The stand-in drive.  host_stop detaches it too (its image is under
# $HOSTDIR), should the last test not be reached.
LOOP=$(losetup -r -f --show "$A") || exit 1
export SCRIPT CONF A LOOP

# udev_event DEVNAME [ID_CDROM_MEDIA]: runs the script as udev runs it
# for a "change" event of DEVNAME, with its log on stderr; the log is
# left in udev.log, the exit status in udev.rc.
udev_event() {
	local rc=0
	env -u ID_CDROM_MEDIA ACTION=change DEVNAME="$1" ID_CDROM=1 \
	    ${2:+ID_CDROM_MEDIA="$2"} XEN_CDROMD_CONF="$CONF" \
	    XEN_CDROM="$BUILD/xen-cdrom" XEN_CDROMD_UDEV_STDERR=1 \
	    "$SCRIPT" >udev.log 2>&1 || rc=$?
	echo "$rc" >udev.rc
	expect_eq 0 "$rc" "exit status of xen-cdromd-udev" || {
		cat udev.log
		return 1
	}
}

# counts: how many state changes the daemon logged for each drive.
counts() {
	echo "$(transitions 3 hdc | wc -l) $(transitions 3 hdd | wc -l)" \
	    "$(transitions 4 hdc | wc -l)"
}

test_expect_success 'setup: two guests with CD drives, the daemon following a drive' '
	cat >"$CONF" <<-EOF &&
	# dom 9 does not exist: it comes first, and the others are still served.
	follow = $LOOP 9 hdc
	follow = $LOOP 3 hdc
	follow = $LOOP guest4 hdc
	follow = /dev/sr9 3 hdd
	EOF
	hvm_guest_create_drives 3 cdrom:hdc cdrom:hdd &&
	hvm_guest_create 4 hdc &&
	cdromd_start --config "$CONF" &&
	wait_done 3 hdc "" &&
	wait_done 3 hdd "" &&
	wait_done 4 hdc ""
'

test_expect_success 'a medium in the host drive goes into both followers' '
	udev_event "$LOOP" 1 &&
	wait_done 3 hdc "$LOOP" &&
	wait_done 4 hdc "$LOOP" &&
	expect_medium 3 hdc "$LOOP" &&
	expect_medium 4 hdc "$LOOP" &&
	expect_eq raw "$(drive_read 3 hdc format)" "format of dom3 hdc" &&
	expect_eq raw "$(drive_read 4 hdc format)" "format of dom4 hdc"
'

test_expect_success 'the drive that follows another device is left alone' '
	expect_eq "" "$(drive_read 3 hdd target)" "target of dom3 hdd" &&
	drive_is 3 hdd done "" &&
	expect_medium 3 hdd ""
'

test_expect_success 'each request is logged' '
	grep -F "domain 3 hdc: insert $LOOP" udev.log &&
	grep -F "domain guest4 hdc: insert $LOOP" udev.log
'

test_expect_success 'a follower whose domain is not running is logged, status 0' '
	expect_eq 0 "$(cat udev.rc)" "exit status" &&
	grep -F "domain 9 hdc: not running or no such drive, no insert" \
	    udev.log
'

test_expect_success 'no medium in the host drive empties both followers' '
	udev_event "$LOOP" &&
	wait_done 3 hdc "" &&
	wait_done 4 hdc "" &&
	expect_medium 3 hdc "" &&
	expect_medium 4 hdc "" &&
	grep -F "domain 3 hdc: eject" udev.log &&
	grep -F "domain guest4 hdc: eject" udev.log
'

test_expect_success 'ID_CDROM_MEDIA=0 is no medium too' '
	udev_event "$LOOP" 1 &&
	wait_done 3 hdc "$LOOP" &&
	wait_done 4 hdc "$LOOP" &&
	udev_event "$LOOP" 0 &&
	wait_done 3 hdc "" &&
	wait_done 4 hdc ""
'

test_expect_success 'a change of another host drive touches nothing' '
	before=$(counts) &&
	udev_event /dev/sr7 1 &&
	expect_eq "" "$(cat udev.log)" "log of the script" &&
	sleep 0.5 &&
	expect_eq "$before" "$(counts)" "state changes of the three drives" &&
	drive_is 3 hdc done "" && drive_is 3 hdd done "" &&
	drive_is 4 hdc done ""
'

test_expect_success 'an event other than change touches nothing' '
	before=$(counts) &&
	ACTION=add DEVNAME=$LOOP ID_CDROM=1 ID_CDROM_MEDIA=1 \
	    XEN_CDROMD_CONF=$CONF XEN_CDROM=$BUILD/xen-cdrom \
	    XEN_CDROMD_UDEV_STDERR=1 "$SCRIPT" &&
	sleep 0.5 &&
	expect_eq "$before" "$(counts)" "state changes of the three drives"
'

test_expect_success 'without XEN_CDROMD_UDEV_STDERR the script logs with logger' '
	mkdir -p bin &&
	printf "#!/bin/sh\necho \"\$*\" >>%s/logger.out\n" "$PWD" >bin/logger &&
	chmod +x bin/logger &&
	PATH=$PWD/bin:$PATH ACTION=change DEVNAME=$LOOP ID_CDROM=1 \
	    XEN_CDROMD_CONF=$CONF XEN_CDROM=$BUILD/xen-cdrom "$SCRIPT" &&
	grep -F -- "-t xen-cdromd-udev -- domain 3 hdc: eject" logger.out
'

test_expect_success 'a missing configuration is no follower, status 0' '
	ACTION=change DEVNAME=$LOOP ID_CDROM=1 ID_CDROM_MEDIA=1 \
	    XEN_CDROMD_CONF=$HOSTDIR/none.conf XEN_CDROM=$BUILD/xen-cdrom \
	    XEN_CDROMD_UDEV_STDERR=1 "$SCRIPT" 2>err &&
	expect_eq "" "$(cat err)" "stderr"
'

test_expect_success 'a bad follow line stops the daemon at start with FILE:LINE' '
	printf "follow = %s 3 hdc\nfollow = %s 3 hdc1\n" "$LOOP" "$LOOP" \
	    >"$HOSTDIR/bad.conf" &&
	rc=0 &&
	"$CDROMD" --config "$HOSTDIR/bad.conf" --foreground \
	    --qmp-dir "$QMPDIR" >out 2>err || rc=$? &&
	expect_eq 1 "$rc" "exit status" &&
	grep -F "$HOSTDIR/bad.conf:2: follow \"hdc1\": not a virtual device name" \
	    err
'

if command -v shellcheck >/dev/null; then
	test_expect_success 'the udev script is shellcheck clean' '
		shellcheck "$SCRIPT"
	'
else
	echo "# shellcheck is not installed (Debian package shellcheck)"
	test_report 0 "the udev script is shellcheck clean # SKIP no shellcheck"
fi

test_expect_success 'the stand-in drive is detached, nothing left behind' '
	drive_is 3 hdc done "" && drive_is 4 hdc done "" &&
	losetup -d "$LOOP" &&
	wait_for "! losetup -l -n -O NAME | grep -qFx \"$LOOP\""
'

test_done
