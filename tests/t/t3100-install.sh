#!/bin/bash
#
# make install, and what it installs: exactly the expected files with the
# right modes, man pages that man(1) reads without a warning, a unit that
# starts the installed daemon, and the guest helper, which, run inside a
# guest through the guest's own ring, ejects the guest's CD when the host
# allows it and says clearly that it may not when the host does not.

# shellcheck disable=SC2016 # test code is evaluated when it runs
# shellcheck disable=SC1091 source=tests/t/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck disable=SC1091 source=tests/t/lib-cdrom.sh
. "$TEST_DIR/lib-cdrom.sh"

REPO=$(cd "$TEST_DIR/../.." && pwd) || exit 1
ROOT=$HOSTDIR/root
HELPER=$ROOT/usr/share/xen-cdromd/guest/xen-cdrom-guest-eject
A=$HOSTDIR/a.iso
make_iso "$A" || exit 1
export REPO ROOT HELPER A

# install_into DIR PREFIX: make install, its output kept in make.out.
install_into() {
	make -C "$REPO" install DESTDIR="$1" PREFIX="$2" BUILD="$BUILD" \
	    >make.out 2>&1 || { echo "make install failed:"; cat make.out; return 1; }
}

# guest_helper_rc WANT ARGS...: the installed guest helper, run by guest 3
# through its ring, exits with status WANT; its stdout and stderr are
# left in out and err.
guest_helper_rc() {
	local want=$1 rc=0
	shift
	as_guest 3 sh "$HELPER" "$@" >out 2>err || rc=$?
	expect_eq "$want" "$rc" "exit status of xen-cdrom-guest-eject $*" || {
		echo "--- stdout:"; cat out; echo "--- stderr:"; cat err
		show_drive 3 hdc 2>/dev/null
		return 1
	}
}

# installed DIR: "MODE PATH" of every file and symlink under DIR, sorted.
installed() {
	(cd "$1" && find . \( -type f -o -type l \) -printf '%m %p\n' | sort)
}

test_expect_success 'make install DESTDIR PREFIX=/usr installs exactly the expected files' '
	install_into "$ROOT" /usr &&
	cat >want <<-EOF &&
	644 ./etc/xen/xen-cdromd.conf.example
	644 ./lib/systemd/system/xen-cdromd.service
	644 ./lib/udev/rules.d/60-xen-cdromd.rules
	755 ./etc/xen/scripts/xen-cdromd-udev
	644 ./usr/share/man/man1/xen-cdrom.1
	644 ./usr/share/man/man5/xen-cdromd.conf.5
	644 ./usr/share/man/man8/xen-cdromd.8
	755 ./usr/bin/xen-cdrom
	755 ./usr/sbin/xen-cdromd
	755 ./usr/share/xen-cdromd/guest/xen-cdrom-guest-eject
	755 ./usr/share/xen-cdromd/stubdom/init
	755 ./usr/share/xen-cdromd/stubdom/xen-cdromd-stub
	EOF
	sort want >want.sorted &&
	installed "$ROOT" >got &&
	diff -u want.sorted got &&
	cmp "$BUILD/xen-cdromd" "$ROOT/usr/sbin/xen-cdromd" &&
	cmp "$BUILD/xen-cdrom" "$ROOT/usr/bin/xen-cdrom"
'

test_expect_success 'the installed unit starts the installed daemon' '
	expect_eq "ExecStart=/usr/sbin/xen-cdromd --foreground" \
	    "$(grep ^ExecStart= "$ROOT/lib/systemd/system/xen-cdromd.service")" \
	    ExecStart
'

test_expect_success 'make install again keeps a real xen-cdromd.conf' '
	echo "guest-eject = yes" >"$ROOT/etc/xen/xen-cdromd.conf" &&
	install_into "$ROOT" /usr &&
	expect_eq "guest-eject = yes" "$(cat "$ROOT/etc/xen/xen-cdromd.conf")" \
	    "the real config" &&
	cmp "$REPO/hotplug-scripts/xen-cdromd.conf.example" \
	    "$ROOT/etc/xen/xen-cdromd.conf.example"
'

test_expect_success 'with PREFIX=/usr/local the unit lives and points under it' '
	install_into "$HOSTDIR/root-local" /usr/local &&
	unit=$HOSTDIR/root-local/usr/local/lib/systemd/system/xen-cdromd.service &&
	test -f "$unit" &&
	expect_eq "ExecStart=/usr/local/sbin/xen-cdromd --foreground" \
	    "$(grep ^ExecStart= "$unit")" ExecStart &&
	test -x "$HOSTDIR/root-local/usr/local/sbin/xen-cdromd" &&
	test -x "$HOSTDIR/root-local/usr/local/bin/xen-cdrom" &&
	test -f "$HOSTDIR/root-local/usr/local/share/man/man8/xen-cdromd.8" &&
	test -f "$HOSTDIR/root-local/usr/local/lib/udev/rules.d/60-xen-cdromd.rules" &&
	test -x "$HOSTDIR/root-local/etc/xen/scripts/xen-cdromd-udev" &&
	test -f "$HOSTDIR/root-local/etc/xen/xen-cdromd.conf.example"
'

test_expect_success 'the man pages pass man --warnings with no output' '
	command -v man >/dev/null || { echo "man (man-db) is not installed"; return 1; }
	for page in "$ROOT"/usr/share/man/man*/*; do
		MANWIDTH=80 man --warnings -l "$page" >/dev/null 2>warn || {
			echo "man failed on $page"; cat warn; return 1; }
		[ ! -s warn ] || { echo "warnings for $page:"; cat warn; return 1; }
	done
'

if command -v shellcheck >/dev/null; then
	test_expect_success 'the guest helper is shellcheck clean' '
		shellcheck "$REPO/hotplug-scripts/xen-cdrom-guest-eject"
	'
else
	echo "# shellcheck is not installed (Debian package shellcheck)"
	test_report 0 "the guest helper is shellcheck clean # SKIP no shellcheck"
fi

test_expect_success 'the guest helper: --help, and a usage error is status 2' '
	guest_helper_rc 0 --help &&
	grep -q "^usage: xen-cdrom-guest-eject" out &&
	guest_helper_rc 2 &&
	guest_helper_rc 2 ../x &&
	guest_helper_rc 2 --timeout 0 hdc &&
	grep -q "^usage: " err
'

test_expect_success 'setup: a guest with a CD, the daemon with guest-eject = yes' '
	echo "guest-eject = yes" >"$HOSTDIR/eject-yes.conf" &&
	hvm_guest_create 3 hdc "$A" &&
	cdromd_start --config "$HOSTDIR/eject-yes.conf" &&
	wait_done 3 hdc "$A"
'

test_expect_success 'the guest helper, run by the guest, empties the drive' '
	guest_helper_rc 0 --timeout 20 hdc &&
	drive_is 3 hdc done "" &&
	expect_eq "" "$(drive_read 3 hdc target)" target &&
	expect_medium 3 hdc ""
'

test_expect_success 'the guest helper on a drive the guest does not have: status 4' '
	guest_helper_rc 4 hdd &&
	grep -q "no CD-ROM drive hdd" err
'

test_expect_success 'with guest-eject = no the helper says so and the medium stays' '
	cdromd_stop &&
	echo "guest-eject = no" >"$HOSTDIR/eject-no.conf" &&
	cdromd_start --config "$HOSTDIR/eject-no.conf" &&
	request 3 hdc "$A" &&
	wait_done 3 hdc "$A" &&
	wait_for "[ \"\$(xs_perms $(req_path 3 hdc eject))\" = n0,r3 ]" &&
	guest_helper_rc 1 --timeout 20 hdc &&
	grep -F "the host does not let this guest eject (guest-eject = no in xen-cdromd.conf)" err &&
	expect_eq "$A" "$(drive_read 3 hdc target)" target &&
	drive_is 3 hdc done "$A" &&
	expect_medium 3 hdc "$A"
'

test_done
