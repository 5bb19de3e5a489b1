#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-only
#
# bench/profile.sh BUILD: make profile.  Runs the daemon under
# valgrind's callgrind on the embedded test host, with instrumentation
# switched on only around one dom0 change (adoption and start-up are not
# counted), and writes the top functions by instructions, inclusive and
# exclusive, to bench/results/profile.txt (docs/performance.md quotes
# them).

set -u

BUILD=$(cd "${1:-build}" && pwd) || exit 1
export BUILD
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
XB=$BUILD/bench/xcd-bench
RESULTS=${BENCH_RESULTS:-$ROOT/bench/results}

if [ -z "${XCD_REAPER:-}" ] && [ -x "$BUILD/tests/host/reaper" ]; then
	XCD_REAPER=$$ exec "$BUILD/tests/host/reaper" bash "$0" "$@"
fi

# shellcheck source=tests/host/host.sh
. "$ROOT/tests/host/host.sh"

fail() {
	echo "profile: FAILED: $*" >&2
	exit 1
}

command -v callgrind_control >/dev/null ||
	fail "valgrind is not installed (make profile installs it)"
trap 'host_stop' EXIT
# shellcheck disable=SC2119 # a new temporary directory
host_start >/dev/null || fail "the test host did not start"
export XEN_LIB_DIR=$HOSTDIR/xenlib
mkdir -p "$XEN_LIB_DIR" "$RESULTS" || fail "mkdir"
A=$HOSTDIR/a.iso B=$HOSTDIR/b.iso
if ! make_iso "$A" || ! make_iso "$B"; then
	fail "images"
fi
hvm_guest_create 3 hdc "$B" || fail "guest 3"
# shellcheck disable=SC2119 # the daemon takes no more arguments
CDROMD_WRAPPER="valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=$HOSTDIR/callgrind.out" \
    cdromd_start || fail "the daemon did not start"
state() {
	[ "$(xenstore-read /local/domain/3/cdrom-request/hdc/state \
	    2>/dev/null)" = "done" ]
}
HOST_TIMEOUT=60 host_poll state || fail "no adoption under callgrind"
# Under valgrind the pid file names valgrind itself, which is the daemon.
pid=$(cat "$HOSTDIR/pids/cdromd")
callgrind_control -i on "$pid" >/dev/null || fail "callgrind_control"
"$XB" changes 1 "$A" "$B" "daemon=/local/domain/3/cdrom-request/hdc" \
    >/dev/null || fail "the change"
callgrind_control -i off "$pid" >/dev/null || fail "callgrind_control"
cdromd_stop || fail "the daemon did not stop cleanly"
[ -s "$HOSTDIR/callgrind.out" ] || fail "no callgrind output"
{
	echo "callgrind of xen-cdromd over one dom0 change, $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo
	echo "== exclusive (self) instructions =="
	callgrind_annotate "$HOSTDIR/callgrind.out" 2>/dev/null | sed -n '1,40p'
	echo
	echo "== inclusive instructions =="
	callgrind_annotate --inclusive=yes "$HOSTDIR/callgrind.out" \
	    2>/dev/null | sed -n '1,45p'
	echo
	echo "== who calls memset (the top exclusive entry) =="
	callgrind_annotate --tree=caller "$HOSTDIR/callgrind.out" 2>/dev/null |
	    awk '/^$/ { b = ""; next } /\* .*memset/ { printf "%s%s\n", b, $0; exit }
		{ b = b $0 "\n" }' | cut -c1-150
} >"$RESULTS/profile.txt"
cat "$RESULTS/profile.txt"
echo "profile: $RESULTS/profile.txt"
