#!/bin/sh
# Installs, with apt-get, what the benchmarks need beyond the build and
# test dependencies (scripts/install-deps.sh): gnuplot to draw the
# latency plot, valgrind for make profile.  Only missing packages.
set -eu

packages="gnuplot-nox valgrind"

missing=
for p in $packages; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "bench/install-deps: installing:$missing"
sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
# shellcheck disable=SC2086 # one word per package
$sudo apt-get install -y -q --no-install-recommends $missing
