#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-only
#
# make demo (tests/demo.sh): on a terminal it keeps its host up and
# writes $BUILD/demo.env, with which another shell's xen-cdrom reaches
# that host; Enter tears it down, the env file goes with it, and the
# daemon's log of the interactive part is not dumped.  Off a terminal it
# says that the host is torn down at once.  Runs its own host (the
# demo's), not the test library's.

REPO=$(cd "$(dirname "$0")/../.." && pwd) || exit 1
BUILD=$(cd "${BUILD:-build}" && pwd) || exit 1
ENVFILE=$BUILD/demo.env
OUT=$(mktemp -d "${TMPDIR:-/tmp}/xcd-demo.XXXXXX") || exit 1
trap 'rm -rf "$OUT"' EXIT
count=0 failed=0

report() {
	count=$((count + 1))
	if [ "$1" = 0 ]; then
		echo "ok $count - $2"
	else
		failed=$((failed + 1))
		echo "not ok $count - $2"
		[ -f "$OUT/why" ] && sed 's/^/#   /' "$OUT/why"
	fi
	rm -f "$OUT/why"
}

# until_file FILE SECONDS: waits for FILE to exist.
until_file() {
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		[ -e "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

command -v script >/dev/null || {
	echo "# script (util-linux) is not installed"
	echo "1..0"; echo "0 passed, 0 failed"; exit 0; }

rm -f "$ENVFILE"
mkfifo "$OUT/enter"
# script(1) gives the demo a terminal; Enter comes through the FIFO.
(script -qfec "$REPO/tests/demo.sh $BUILD" /dev/null <"$OUT/enter" \
    >"$OUT/demo.out" 2>&1; echo $? >"$OUT/demo.rc") &
exec 3>"$OUT/enter"

until_file "$ENVFILE" 120
report $? "on a terminal the demo writes $ENVFILE" 

rc=0
(
	# shellcheck disable=SC1090 # the file under test
	. "$ENVFILE" &&
	xen-cdrom status >"$OUT/status" 2>&1 &&
	xen-cdrom insert 1 hdc "$(dirname "$XENSTORED_PATH")/../images/installer.iso" \
	    >>"$OUT/status" 2>&1
) || rc=1
grep -q "^1  *guest1  *hdc  *" "$OUT/status" || rc=1
[ "$rc" = 0 ] || cp "$OUT/status" "$OUT/why"
report "$rc" "another shell with . demo.env runs xen-cdrom against the host"

grep -qF ". $ENVFILE" "$OUT/demo.out"
report $? "the demo prints how to use the env file"

echo >&3
exec 3>&-
until_file "$OUT/demo.rc" 60
rc=$(cat "$OUT/demo.rc" 2>/dev/null || echo none)
[ "$rc" = 0 ] || { echo "demo exit status $rc"; tail -20 "$OUT/demo.out"; } >"$OUT/why"
report "$([ "$rc" = 0 ] && echo 0 || echo 1)" "Enter tears the host down; the demo exits 0"

[ ! -e "$ENVFILE" ]
report $? "the env file goes with the host"

# After "tearing the host down": the shutdown only, not the insert above.
sed -n '/tearing the host down/,$p' "$OUT/demo.out" >"$OUT/tail"
! grep -q "change to" "$OUT/tail" && grep -q "exiting" "$OUT/tail"
rc=$?
[ "$rc" = 0 ] || cp "$OUT/tail" "$OUT/why"
report "$rc" "the teardown does not dump the log of the interactive part"

"$REPO/tests/demo.sh" "$BUILD" </dev/null >"$OUT/plain.out" 2>&1
rc=$?
grep -q "Not on a terminal: the host is torn down at once" "$OUT/plain.out" &&
    [ "$rc" = 0 ] && [ ! -e "$ENVFILE" ]
report $? "off a terminal the demo says the host goes at once"

echo "1..$count"
echo "$((count - failed)) passed, $failed failed"
[ "$failed" = 0 ]
