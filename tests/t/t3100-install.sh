#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-only
#
# make install, and what it installs: exactly the expected files with the
# right modes, man pages that man(1) reads without a warning, a unit that
# starts the installed daemon and that systemd-analyze verify accepts, the
# shipped configuration (never over a real one), and the guest helper, which, run inside a
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
	644 ./etc/xen/xen-cdromd.conf
	644 ./etc/xen/xen-cdromd.conf.example
	644 ./lib/systemd/system/xen-cdromd.service
	644 ./lib/udev/rules.d/60-xen-cdromd.rules
	755 ./etc/xen/scripts/xen-cdromd-udev
	644 ./usr/lib/tmpfiles.d/xen-cdromd.conf
	644 ./usr/share/bash-completion/completions/xen-cdrom
	644 ./usr/share/doc/xen-cdromd/README.md
	644 ./usr/share/doc/xen-cdromd/protocol.md
	644 ./usr/share/man/man1/xen-cdrom.1
	644 ./usr/share/man/man1/xen-cdrom-guest-eject.1
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

# verify_unit ROOT UNIT: systemd-analyze verify of UNIT as installed
# under the staging root ROOT: its program and man pages are looked up
# there, as they would be at / once installed.
verify_unit() {
	command -v systemd-analyze >/dev/null ||
		{ echo "systemd-analyze (systemd) is not installed"; return 1; }
	sed "s|^ExecStart=/|ExecStart=$1/|" "$2" >"$HOSTDIR/xen-cdromd.service" ||
		return 1
	if ! MANPATH=$(dirname "$(find "$1" -name man8 -type d)") \
	    systemd-analyze verify "$HOSTDIR/xen-cdromd.service" >verify.out 2>&1
	then
		echo "systemd-analyze verify failed:"; cat verify.out; return 1
	fi
	[ ! -s verify.out ] || { echo "systemd-analyze verify said:"; cat verify.out; return 1; }
}

test_expect_success 'systemd-analyze verify accepts the installed unit' '
	verify_unit "$ROOT" "$ROOT/lib/systemd/system/xen-cdromd.service"
'

test_expect_success 'the unit fits every Xen host: no Requires, wants and follows each xenstored unit, only on a dom0' '
	u=$ROOT/lib/systemd/system/xen-cdromd.service &&
	! grep -q "^Requires=" "$u" &&
	grep -qx "Wants=xenstored.service xen-init-dom0.service xen.service" "$u" &&
	grep -qx "After=xenstored.service xen-init-dom0.service xen.service" "$u" &&
	grep -qx "ConditionPathExists=/proc/xen/capabilities" "$u" &&
	grep -qx "Type=notify" "$u"
'

test_expect_success 'the shipped configuration allows the directories the package makes' '
	expect_eq "/srv/iso /var/lib/xen-cdromd/images" \
	    "$(sed -n "s/^allowed-dir = //p" "$ROOT/etc/xen/xen-cdromd.conf" | sort | tr "\n" " " | sed "s/ \$//")" \
	    "allowed-dir lines" &&
	grep -qx "d /srv/iso 0755 root root -" "$ROOT/usr/lib/tmpfiles.d/xen-cdromd.conf" &&
	grep -qx "d /var/lib/xen-cdromd/images 0755 root root -" \
	    "$ROOT/usr/lib/tmpfiles.d/xen-cdromd.conf" &&
	"$ROOT/usr/sbin/xen-cdromd" --config "$ROOT/etc/xen/xen-cdromd.conf" \
	    --version >/dev/null
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
	test -f "$HOSTDIR/root-local/etc/xen/xen-cdromd.conf.example" &&
	test -f "$HOSTDIR/root-local/usr/local/share/bash-completion/completions/xen-cdrom" &&
	verify_unit "$HOSTDIR/root-local" "$unit"
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

# fake_sysfs DIR ATA TARGET: a sysfs in DIR where the guest's sr0 is the
# drive TARGET of libata's port ATA, as Linux shows an emulated IDE CD.
fake_sysfs() {
	local dev=devices/pci0000:00/0000:00:01.1/ata$2/host$(($2 - 1))/target$(($2 - 1)):0:$3/$(($2 - 1)):0:$3:0
	mkdir -p "$1/$dev" "$1/block/sr0" &&
	ln -sfn "../../$dev" "$1/block/sr0/device"
}

test_expect_success 'the guest helper takes /dev/sr0 and sr0, mapped through sysfs' '
	request 3 hdc "$A" && wait_done 3 hdc "$A" &&
	fake_sysfs "$HOSTDIR/sys" 2 0 &&
	export XCD_SYSFS=$HOSTDIR/sys &&
	guest_helper_rc 0 --timeout 20 /dev/sr0 &&
	drive_is 3 hdc done "" &&
	request 3 hdc "$A" && wait_done 3 hdc "$A" &&
	guest_helper_rc 0 --timeout 20 sr0 &&
	drive_is 3 hdc done ""
'

test_expect_success 'the guest helper with one drive needs no argument' '
	request 3 hdc "$A" && wait_done 3 hdc "$A" &&
	guest_helper_rc 0 --timeout 20 &&
	drive_is 3 hdc done "" &&
	expect_medium 3 hdc ""
'

test_expect_success 'an sr0 sysfs puts elsewhere, with one drive: that drive' '
	request 3 hdc "$A" && wait_done 3 hdc "$A" &&
	fake_sysfs "$HOSTDIR/sys2" 1 1 &&
	export XCD_SYSFS=$HOSTDIR/sys2 &&
	guest_helper_rc 0 --timeout 20 sr0 &&
	drive_is 3 hdc done ""
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
