#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-only
#
# The Debian package: scripts/build-deb.sh builds it from a copy of the
# tree, leaving the checkout as it was; lintian finds no error and no
# warning in it; it holds what make install installs (the README and the
# protocol in /usr/share/doc/xen-cdromd, the guest helper's man page,
# bash completion); its programs run once unpacked; it depends on the Xen
# libraries and xenstore-utils; it enables and starts the daemon's unit
# on install and makes the shipped allowed-dirs; and it keeps the
# configuration and its example as conffiles.  Skipped only if dpkg-buildpackage cannot be installed.

# shellcheck disable=SC2016 # test code is evaluated when it runs
# shellcheck disable=SC1091 source=tests/t/lib.sh
. "$(dirname "$0")/lib.sh"

REPO=$(cd "$TEST_DIR/../.." && pwd) || exit 1
OUT=$HOSTDIR/deb
ROOT=$HOSTDIR/debroot
export REPO OUT ROOT

# build-deb.sh installs what it is missing; if even dpkg-buildpackage
# cannot be installed (no root, no sudo, no network), nothing here can run.
if ! command -v dpkg-buildpackage >/dev/null; then
	sudo=
	[ "$(id -u)" -eq 0 ] || sudo="sudo -n"
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q \
	    --no-install-recommends dpkg-dev >/dev/null 2>&1
	if ! command -v dpkg-buildpackage >/dev/null; then
		echo "# skipped: dpkg-buildpackage (dpkg-dev) is not installed" \
		    "and cannot be installed"
		test_done
	fi
fi

# leftovers: what a package build could leave in the checkout or beside
# it (dpkg-buildpackage writes its results into the parent directory).
leftovers() {
	(cd "$REPO" && git status --porcelain --untracked-files=all --ignored \
	    -- debian 2>/dev/null)
	ls -d "$REPO"/../xen-cdromd_* "$REPO"/../xen-cdromd-dbgsym_* 2>/dev/null
	return 0
}

# deb: the binary package build-deb.sh left in $OUT.
deb() {
	local d
	for d in "$OUT"/xen-cdromd_*.deb; do
		[ -f "$d" ] && echo "$d" && return 0
	done
	echo "no xen-cdromd_*.deb in $OUT" >&2
	return 1
}

test_expect_success 'scripts/build-deb.sh builds the package, leaving the tree as it was' '
	leftovers >before &&
	"$REPO/scripts/build-deb.sh" "$OUT" >build.out 2>&1 || {
		echo "scripts/build-deb.sh failed:"; cat build.out; false
	} &&
	deb >/dev/null &&
	leftovers >after &&
	diff -u before after
'

test_expect_success 'lintian reports no error and no warning' '
	[ -f "$OUT/lintian.txt" ] &&
	if grep -E "^(E|W): " "$OUT/lintian.txt"; then
		echo "--- lintian:"; cat "$OUT/lintian.txt"; false
	fi
'

test_expect_success 'the package holds the programs, man pages, unit and example config' '
	d=$(deb) &&
	dpkg-deb -c "$d" | awk "{ print \$6 }" | sort >contents &&
	cat >want <<-EOF &&
	./etc/xen/xen-cdromd.conf
	./etc/xen/xen-cdromd.conf.example
	./lib/systemd/system/xen-cdromd.service
	./usr/bin/xen-cdrom
	./usr/lib/tmpfiles.d/xen-cdromd.conf
	./usr/sbin/xen-cdromd
	./usr/share/bash-completion/completions/xen-cdrom
	./usr/share/doc/xen-cdromd/README.md.gz
	./usr/share/doc/xen-cdromd/copyright
	./usr/share/doc/xen-cdromd/protocol.md.gz
	./usr/share/man/man1/xen-cdrom-guest-eject.1.gz
	./usr/share/man/man1/xen-cdrom.1.gz
	./usr/share/man/man5/xen-cdromd.conf.5.gz
	./usr/share/man/man8/xen-cdromd.8.gz
	./usr/share/xen-cdromd/guest/xen-cdrom-guest-eject
	EOF
	missing=$(sort want | comm -23 - contents) &&
	expect_eq "" "$missing" "files missing from the package" || {
		echo "--- dpkg-deb -c:"; cat contents; false
	}
'

test_expect_success 'the unpacked daemon runs and reports the package'\''s version' '
	d=$(deb) &&
	rm -rf "$ROOT" && mkdir "$ROOT" && dpkg-deb -x "$d" "$ROOT" &&
	v=$(dpkg-deb -f "$d" Version) &&
	expect_eq "xen-cdromd ${v%-*}" \
	    "$("$ROOT/usr/sbin/xen-cdromd" --version)" "xen-cdromd --version"
'

test_expect_success 'the unpacked client runs and reports the package'\''s version' '
	d=$(deb) &&
	rm -rf "$ROOT" && mkdir "$ROOT" && dpkg-deb -x "$d" "$ROOT" &&
	v=$(dpkg-deb -f "$d" Version) &&
	expect_eq "xen-cdrom ${v%-*}" \
	    "$("$ROOT/usr/bin/xen-cdrom" --version)" "xen-cdrom --version"
'

test_expect_success 'the package depends on libxenstore and xenstore-utils' '
	dep=$(dpkg-deb -f "$(deb)" Depends) &&
	echo "Depends: $dep" &&
	echo "$dep" | grep -q "libxenstore[0-9]" &&
	echo "$dep" | grep -Eq "(^|, )xenstore-utils($|,| )"
'

test_expect_success 'installing the package enables and starts the unit' '
	rm -rf ctl && dpkg-deb -e "$(deb)" ctl &&
	grep -q "deb-systemd-helper enable .xen-cdromd.service." ctl/postinst &&
	grep -q "deb-systemd-invoke .* .xen-cdromd.service." ctl/postinst
'

test_expect_success 'the configuration and its example are conffiles' '
	rm -rf ctl && dpkg-deb -e "$(deb)" ctl &&
	grep -qx /etc/xen/xen-cdromd.conf ctl/conffiles &&
	grep -qx /etc/xen/xen-cdromd.conf.example ctl/conffiles
'

test_expect_success 'installing the package makes the allowed-dirs (systemd-tmpfiles)' '
	rm -rf ctl && dpkg-deb -e "$(deb)" ctl &&
	grep -q "systemd-tmpfiles .*--create xen-cdromd.conf" ctl/postinst
'

test_expect_success 'debian/copyright is the DEP-5 one, LGPL-2.1-only' '
	rm -rf "$ROOT" && mkdir "$ROOT" && dpkg-deb -x "$(deb)" "$ROOT" &&
	cmp "$REPO/debian/copyright" "$ROOT/usr/share/doc/xen-cdromd/copyright"
'

test_done
