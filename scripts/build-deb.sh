#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-only
#
# Builds the Debian package of xen-cdromd and checks it with lintian:
#
#	scripts/build-deb.sh [OUTDIR]
#
# dpkg-buildpackage writes its results into the parent of the source tree
# and its scratch files (debian/xen-cdromd, debian/.debhelper, ...) into
# the tree itself, so it runs on a copy in a temporary directory: the
# checkout is left exactly as it was.  The copy holds the files git knows
# (tracked, or untracked and not ignored), so build/ never goes in.
#
# OUTDIR (default build/deb) receives the .deb, lintian.txt (lintian's
# report) and build.log (dpkg-buildpackage's output).  Missing packaging
# tools and build dependencies are installed with apt-get first (as root,
# or with sudo).  Exits 1 if the package cannot be built; lintian's
# findings are reported, and counted, but do not fail the script: the
# tests (tests/t/t3300-deb.sh) judge them.

set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/build/deb}

# Not the caller's make: a "make deb BUILD=x" must not reach debian/rules.
unset MAKEFLAGS MFLAGS MAKELEVEL

# install_missing PACKAGE...: apt-get install those not installed yet.
install_missing() {
	local p missing="" sudo=""
	for p; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		    grep -q "ok installed" || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	echo "build-deb: installing:$missing"
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	export DEBIAN_FRONTEND=noninteractive
	$sudo apt-get update -q
	# shellcheck disable=SC2086 # one word per package
	$sudo apt-get install -y -q --no-install-recommends $missing
}

# The tools, then debian/control's Build-Depends (build-essential's
# gcc and make included).
install_missing dpkg-dev debhelper fakeroot lintian gcc make libc6-dev \
    libxen-dev libjsmn-dev libsystemd-dev pkg-config

tmp=$(mktemp -d "${TMPDIR:-/tmp}/xcd-deb.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
src=$tmp/xen-cdromd

# copy_tree DIR: the source tree into DIR.
copy_tree() {
	mkdir -p "$1"
	if git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git -C "$root" ls-files -z --cached --others --exclude-standard |
		while IFS= read -r -d '' f; do
			# A tracked file deleted in the work tree is not copied.
			[ -e "$root/$f" ] || [ -L "$root/$f" ] && printf '%s\0' "$f"
		done | tar -C "$root" --null -T - -cf - | tar -C "$1" -xf -
	else
		tar -C "$root" --exclude=./build --exclude=./debian/xen-cdromd \
		    --exclude=./debian/.debhelper --exclude=./debian/tmp -cf - . |
		    tar -C "$1" -xf -
	fi
}
copy_tree "$src"

echo "build-deb: dpkg-buildpackage -us -uc -b in $src"
if ! (cd "$src" && dpkg-buildpackage -us -uc -b) >"$tmp/build.log" 2>&1; then
	echo "build-deb: dpkg-buildpackage failed; the end of its output:" >&2
	tail -n 40 "$tmp/build.log" >&2
	mkdir -p "$out" && cp "$tmp/build.log" "$out/"
	exit 1
fi

changes=$(ls "$tmp"/xen-cdromd_*.changes)
# --fail-on none: the report is the result here, judged by the tests.
# Its stderr (e.g. "running with root privileges is not recommended!")
# is not a finding: it is shown only if lintian fails.
lintian --fail-on none "$changes" >"$tmp/lintian.txt" 2>"$tmp/lintian.err" || {
	echo "build-deb: lintian could not run:" >&2
	cat "$tmp/lintian.err" >&2
	exit 1
}

mkdir -p "$out"
rm -f "$out"/*.deb
cp "$tmp"/*.deb "$tmp/lintian.txt" "$tmp/build.log" "$out/"
for d in "$out"/*.deb; do
	echo "build-deb: $d"
done
errors=$(grep -c '^E: ' "$out/lintian.txt" || true)
warnings=$(grep -c '^W: ' "$out/lintian.txt" || true)
echo "build-deb: lintian: $errors errors, $warnings warnings" \
    "(see $out/lintian.txt)"
[ -s "$out/lintian.txt" ] && sed 's/^/  /' "$out/lintian.txt"
exit 0
