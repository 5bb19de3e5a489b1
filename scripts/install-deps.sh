#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-only
# Installs, with apt-get, Debian 12 packages, and only those not there
# yet.  Run as root or with sudo.
#
#	scripts/install-deps.sh			what building and testing need
#	scripts/install-deps.sh PACKAGE...	those (make bench, system-test)
set -eu

packages="gcc make pkg-config libxen-dev libjsmn-dev libsystemd-dev xen-utils-4.17
xenstore-utils qemu-system-x86 qemu-utils jq util-linux clang
libclang-rt-14-dev man-db groff-base shellcheck dpkg-dev debhelper
fakeroot lintian nasm valgrind systemd bash-completion libfuse3-dev fuse3"
[ $# -gt 0 ] && packages="$*"

missing=
for p in $packages; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "install-deps: installing:$missing"
sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
# shellcheck disable=SC2086 # one word per package
$sudo apt-get install -y -q --no-install-recommends $missing
