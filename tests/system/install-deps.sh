#!/bin/sh
# Installs, with apt-get, the Debian 12 packages the real-Xen tier needs on
# the host (to build the dom0 image and boot it under QEMU), and only those
# not there yet.  Run as root or with sudo.
set -eu

packages="debootstrap cpio qemu-system-x86 coreutils gzip tar"

missing=
for p in $packages; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "system install-deps: installing:$missing"
sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
# shellcheck disable=SC2086 # one word per package
$sudo apt-get install -y -q --no-install-recommends $missing
