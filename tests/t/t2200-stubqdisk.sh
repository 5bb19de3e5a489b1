#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-only
#
# Xen 4.17's layout of a stub domain's CD: libxl backs it with qdisk
# (backend/qdisk/S/DEVID, params "aio:PATH", no hotplug script), served
# by the QEMU in dom0 that also serves S's consoles.  The daemon must
# adopt the drive with its real medium and change nothing (it once took
# the drive for empty and ejected the guest's disc at start-up), and the
# first change must replace the qdisk vbd by a phy one cleanly, leaving
# no qdisk backend behind.

# shellcheck disable=SC2016 # test code is evaluated when it runs
# shellcheck source=tests/t/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/t/lib-cdrom.sh
. "$TEST_DIR/lib-cdrom.sh"

A=$HOSTDIR/a.iso B=$HOSTDIR/b.iso
make_iso "$A" && make_iso "$B" || exit 1
printf 'step-timeout = 5\n' >"$HOSTDIR/cdromd.conf"
PHY=/local/domain/0/backend/vbd/4/5632
QD=/local/domain/0/backend/qdisk/4/5632
FE=/local/domain/4/device/vbd/5632
LX=/libxl/4/device/vbd/5632

# to_qdisk: S's phy vbd becomes what libxl 4.17 writes for a stub's CD,
# already Connected (as at the end of xl create): the qdisk backend, the
# frontend and libxl's record pointing at it; the phy one's loop device
# released by its script and its nodes gone.
to_qdisk() {
	stub_hotplug remove 4 5632 &&
	{
		echo "rm $QD"; echo "mkdir $QD"; echo "chmod $QD n0 r4"
		echo "write $QD/frontend $FE"
		echo "write $QD/frontend-id 4"
		echo "write $QD/online 1"
		echo "write $QD/removable 1"
		echo "write $QD/bootable 1"
		echo "write $QD/dev hdc"
		echo "write $QD/type qdisk"
		echo "write $QD/mode r"
		echo "write $QD/device-type cdrom"
		echo "write $QD/discard-enable 0"
		echo "write $QD/specification xen"
		echo "write $QD/params aio:$A"
		echo "write $QD/sectors 2048"
		echo "write $QD/info 5"
		echo "write $QD/sector-size 512"
		echo "write $QD/state 4"
		# QEMU's qdisk backend writes it itself; no script ran.
		echo "write $QD/hotplug-status connected"
		echo "write $FE/backend $QD"
		echo "write $LX/backend $QD"
		echo "write $LX/type qdisk"
		echo "write $LX/params aio:$A"
		echo "rm $LX/script"
		echo "rm $PHY"
	} | "$HOST_BIN/xs-tx"
}

# qdisk_backend: plays QEMU's qdisk backend of S's vbd: once asked to
# close (state 5) and the frontend has closed, it is Closed (6).
qdisk_backend() {
	(for ((i = 0; i < 600; i++)); do
		st=$(xenstore-read "$QD/state" 2>/dev/null) || exit 0
		if [ "$st" = 5 ] &&
		    [ "$(xenstore-read "$FE/state" 2>/dev/null)" = 6 ]; then
			xenstore-write "$QD/state" 6
			exit 0
		fi
		sleep 0.05
	 done) </dev/null >/dev/null 2>&1 &
	echo $! >"$HOSTDIR/pids/qdisk-4"
}

test_expect_success 'setup: a stub domain whose CD is qdisk-backed, as on Xen 4.17' '
	stubdom_guest_create 3 4 hdc "$A" &&
	to_qdisk &&
	expect_eq 4 "$(xenstore-read "$QD/state")" "qdisk backend state" &&
	expect_fail "a phy vbd" xenstore-exists "$PHY"
'

test_expect_success 'the daemon adopts it with its medium and changes nothing' '
	mark=$(qemu_fdsets 3 | jq -c .) &&
	cdromd_start --config "$HOSTDIR/cdromd.conf" --hotplug-script "$HOTPLUG" &&
	wait_done 3 hdc "$A" &&
	sleep 1 &&
	grep -q "dom 3 hdc: adopted (devid 5632, QEMU in stub domain 4), medium \"$A\"" \
	    "$HOSTDIR/log/cdromd.log" &&
	expect_eq "$A" "$(drive_read 3 hdc medium)" "medium" &&
	expect_eq done "$(drive_read 3 hdc state)" "state" &&
	expect_eq "aio:$A" "$(xenstore-read "$QD/params")" "qdisk params" &&
	expect_eq 4 "$(xenstore-read "$QD/state")" "qdisk backend state" &&
	expect_eq 4 "$(xenstore-read "$FE/state")" "S'\''s frontend state" &&
	expect_eq "$QD" "$(xenstore-read "$LX/backend")" "libxl'\''s record" &&
	expect_eq false "$(qemu_block 3 hdc | jq -c ".inserted == null")" \
	    "QEMU'\''s drive is empty" &&
	expect_eq "$mark" "$(qemu_fdsets 3 | jq -c .)" "QEMU'\''s fdsets" &&
	expect_eq "" "$(transitions 3 hdc)" "transitions"
'

test_expect_success 'the first change replaces the qdisk vbd by a phy one' '
	qdisk_backend &&
	request 3 hdc "$B" raw &&
	stub_drive_converged 3 4 hdc "$B" &&
	expect_fail "the qdisk backend" xenstore-exists "$QD" &&
	expect_eq "" "$(hotplug_calls | grep "^remove" | grep -v "^remove $PHY\$" || :)" \
	    "hotplug removes of anything but the phy vbd" &&
	expect_eq 1 "$(hotplug_calls | grep -c "^remove $PHY\$")" \
	    "hotplug removes (ours, before the daemon)" &&
	expect_eq "" "$(xenstore-list /local/domain/0/backend/qdisk/4 2>/dev/null)" \
	    "qdisk vbds of S"
'

test_expect_success 'and the next ones go on as for any stub domain' '
	request 3 hdc "" &&
	wait_done 3 hdc "" &&
	request 3 hdc "$A" raw &&
	stub_drive_converged 3 4 hdc "$A"
'

test_daemon_clean
test_done
