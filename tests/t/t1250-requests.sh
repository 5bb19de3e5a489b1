#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-only
#
# What the daemon asks of xenstored (issue 17, "read only what
# changed"), from xenstored's trace of the daemon's own connection: a
# dom0 change reads the request once and writes no node its own last
# transition left as it is; adoption reads each of a drive's request
# nodes once, its own writes bringing no echo to read again; and a
# request written the moment adoption ends is still carried out.

# shellcheck disable=SC2016 # test code is evaluated when it runs
# shellcheck disable=SC2317 # helpers are called from that code
# shellcheck source=tests/t/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/t/lib-cdrom.sh
. "$TEST_DIR/lib-cdrom.sh"

A=$HOSTDIR/a.iso B=$HOSTDIR/b.iso
make_iso "$A" && make_iso "$B" || exit 1
TRACE=$HOSTDIR/log/xenstored.trace
export A B TRACE

# daemon_conn: the daemon's connection, as xenstored's trace names it:
# the one that set the @introduceDomain watch.
daemon_conn() {
	grep -a '^IN .* WATCH (@introduceDomain ' "$TRACE" | tail -n 1 |
	    awk '{ print $2 }'
}

# requests_since LINE: the daemon's requests after trace line LINE, one
# "TYPE PATH" a line, into the file requests.
requests_since() {
	tail -n +"$(($1 + 1))" "$TRACE" |
	    awk -v c="$CONN" '$1 == "IN" && $2 == c { print $5, $6 }' >requests
}

# count TYPE PATH: how many of requests are TYPE of exactly PATH.
count() {
	grep -c -x -F "$1 ($2" requests || true
}

# change TARGET: one change of dom3's hdc, waited for.
change() {
	request 3 hdc "$1" && wait_done 3 hdc "$1"
}

test_expect_success 'setup: a guest with a CD drive, and the daemon' '
	hvm_guest_create 3 hdc "$A" &&
	cdromd_start &&
	wait_done 3 hdc "$A" &&
	CONN=$(daemon_conn) &&
	[ -n "$CONN" ] &&
	echo "$CONN" >"$HOSTDIR/conn"
'
CONN=$(cat "$HOSTDIR/conn" 2>/dev/null)
export CONN

test_expect_success 'a dom0 change reads its request once' '
	change "$B" && change "$A" &&
	l0=$(wc -l <"$TRACE") &&
	change "$B" &&
	sleep 0.2 &&
	requests_since "$l0" &&
	R=/local/domain/3/cdrom-request/hdc &&
	expect_eq 1 "$(count READ "$R/target")" "reads of target" &&
	expect_eq 0 "$(count READ /local/domain/3/vm)" "reads of vm" || {
		cat requests; false; }
'

test_expect_success 'a dom0 change writes state once a step, and no error while none' '
	R=/local/domain/3/cdrom-request/hdc &&
	expect_eq 5 "$(count WRITE "$R/state")" "writes of state" &&
	expect_eq 0 "$(count WRITE "$R/error")" "writes of error" &&
	expect_eq 0 "$(count WRITE "$R/error-code")" "writes of error-code" || {
		cat requests; false; }
'

test_expect_success 'an insert after its own eject writes neither the empty params nor medium again' '
	change "" &&
	l0=$(wc -l <"$TRACE") &&
	change "$B" &&
	sleep 0.2 &&
	requests_since "$l0" &&
	R=/local/domain/3/cdrom-request/hdc &&
	BE=/local/domain/0/backend/qdisk/3/5632 &&
	expect_eq 1 "$(count WRITE "$BE/params")" "writes of the backend params" &&
	expect_eq 1 "$(count WRITE /libxl/3/device/vbd/5632/params)" \
	    "writes of libxl'\''s params" &&
	expect_eq 1 "$(count WRITE "$R/medium")" "writes of medium" &&
	expect_eq 29 "$(wc -l <requests)" "requests of the insert" &&
	expect_medium 3 hdc "$B" || {
		cat requests; false; }
'

test_expect_success 'after an error, the next change clears error and error-code' '
	request 3 hdc "$HOSTDIR/missing.iso" &&
	wait_error 3 hdc &&
	change "$A" &&
	expect_eq "" "$(drive_read 3 hdc error)" error &&
	expect_eq "" "$(drive_read 3 hdc error-code)" error-code
'

test_expect_success 'adoption reads each of a new drive'\''s request nodes once' '
	l0=$(wc -l <"$TRACE") &&
	hvm_guest_create_drives 4 "cdrom:hdc:$A" "cdrom:hdd:$B" &&
	wait_done 4 hdc "$A" && wait_done 4 hdd "$B" &&
	sleep 0.2 &&
	requests_since "$l0" &&
	for v in hdc hdd; do
		for leaf in target format state medium; do
			n=$(count READ "/local/domain/4/cdrom-request/$v/$leaf") &&
			[ "$n" -le 1 ] || {
				echo "$v/$leaf read $n times"; cat requests
				return 1; }
		done
	done
'

test_expect_success 'a request written the moment adoption ends is carried out' '
	hvm_guest_create 5 hdc "$A" &&
	wait_for "drive_is 5 hdc done" 10 &&
	request 5 hdc "$B" &&
	wait_done 5 hdc "$B" &&
	expect_medium 5 hdc "$B"
'

test_done
