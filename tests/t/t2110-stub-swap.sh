#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-only
#
# The stub-domain twin of t1700's last test (issue 14, finding 2): for a
# stub domain's drive the block hotplug script opens the params path
# again, later, following symlinks (Xen's block script runs readlink -f).
# An image swapped for a symlink to a file outside allowed-dir while the
# change waits (here for libxl's lock) must not reach the guest: the
# daemon checks that the loop device the script attached holds the very
# file it checked, and fails the step otherwise.

# shellcheck disable=SC2016 # test code is evaluated when it runs
# shellcheck source=tests/t/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/t/lib-cdrom.sh
. "$TEST_DIR/lib-cdrom.sh"

ISO=$HOSTDIR/iso
mkdir -p "$ISO" || exit 1
A=$ISO/a.iso OUTSIDE=$HOSTDIR/outside.iso
make_iso "$A" && make_iso "$ISO/swap.iso" && make_iso "$OUTSIDE" || exit 1
printf 'allowed-dir = %s\nstep-timeout = 10\n' "$ISO" >"$HOSTDIR/cdromd.conf"

test_expect_success 'setup: a stub guest, and the daemon with allowed-dir' '
	stubdom_guest_create 3 4 hdc "$A" &&
	cdromd_start --config "$HOSTDIR/cdromd.conf" --hotplug-script "$HOTPLUG" &&
	wait_done 3 hdc "$A"
'

test_expect_success 'an image swapped for a symlink mid-change never reaches the guest' '
	hold_lock 3 &&
	request 3 hdc "$ISO/swap.iso" raw &&
	wait_for "drive_is 3 hdc ejecting" &&
	mv "$ISO/swap.iso" "$ISO/checked.iso" &&
	ln -s ../outside.iso "$ISO/swap.iso" &&
	touch release &&
	wait_error 3 hdc 30 &&
	expect_eq policy "$(drive_read 3 hdc error-code)" error-code &&
	case $(drive_read 3 hdc error) in
	*"holds another file than the one checked"*) ;;
	*) echo "error: $(drive_read 3 hdc error)"; false ;;
	esac &&
	medium=$(qemu_medium 3 hdc) &&
	if [ -n "$medium" ] && [ -b "$medium" ]; then
		expect_fail "QEMU reads $OUTSIDE" \
		    test "$(losetup -n -O BACK-FILE "$medium")" = "$OUTSIDE"
	fi
'

test_expect_success 'the next change replaces that vbd, and the file outside goes' '
	request 3 hdc "$ISO/checked.iso" raw &&
	stub_drive_converged 3 4 hdc "$ISO/checked.iso" &&
	expect_eq 0 "$(loops_of "$OUTSIDE" | wc -l)" "loop devices on $OUTSIDE"
'

test_expect_success 'an unswapped image still goes in' '
	request 3 hdc "$A" raw &&
	stub_drive_converged 3 4 hdc "$A"
'

test_done
