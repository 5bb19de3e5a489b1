#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-only
#
# Protocol 1.1 as a tool relies on it, and three ways the audit of
# issue 14 broke the contract:
# - request-id is echoed as answered-id with done or error, and a new
#   request-id with the same target performs the change again, opening
#   the image again (an ISO rebuilt at the same path reaches the guest);
# - error-code beside error, one token;
# - finding 8: an eject = 1 written while guest-eject allowed it is not
#   honoured by a daemon restarted with guest-eject = no;
# - finding 5: QEMU's error text (a compromised stub domain writes it)
#   reaches error and the log without a control byte;
# - finding 9: a drive whose vbd the daemon's own re-check disagrees
#   with (a qdisk-typed backend under backend/vbd) ends in error, saying
#   so, instead of re-planning forever.

# shellcheck disable=SC2016,SC2034 # test code is evaluated when it runs
# shellcheck source=tests/t/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/t/lib-cdrom.sh
. "$TEST_DIR/lib-cdrom.sh"

A=$HOSTDIR/a.iso B=$HOSTDIR/b.iso Q=$HOSTDIR/q.qcow2
make_iso "$A" && make_iso "$B" && make_qcow2 "$Q" || exit 1
printf 'guest-eject = yes\n' >"$HOSTDIR/eject-yes.conf"
printf 'guest-eject = no\n' >"$HOSTDIR/eject-no.conf"

# request_id D VDEV TARGET ID: target, format and request-id in one
# transaction, as a tool writes them.
request_id() {
	xenstore-write "$(req_path "$1" "$2" target)" "$3" \
	    "$(req_path "$1" "$2" format)" raw \
	    "$(req_path "$1" "$2" request-id)" "$4"
}

# answered D VDEV ID: the drive answered request ID.
answered() {
	[ "$(drive_read "$1" "$2" answered-id 2>/dev/null)" = "$3" ] &&
	    { drive_is "$1" "$2" "done" || drive_is "$1" "$2" "error"; }
}

# changes D: how many changes of D's hdc the daemon started.
changes() {
	grep -c "info: dom $1 hdc: done -> ejecting" "$HOSTDIR/log/cdromd.log"
}

test_expect_success 'setup: two guests, and the daemon' '
	hvm_guest_create 3 hdc "$A" &&
	hvm_guest_create 4 hdc "$A" &&
	cdromd_start --config "$HOSTDIR/eject-no.conf" &&
	wait_done 3 hdc "$A" && wait_done 4 hdc "$A"
'

test_expect_success 'request-id is answered in answered-id, with done' '
	request_id 3 hdc "$B" r1 &&
	wait_for "answered 3 hdc r1" &&
	wait_done 3 hdc "$B" &&
	expect_eq "" "$(drive_read 3 hdc error-code)" error-code &&
	expect_medium 3 hdc "$B"
'

test_expect_success 'a new request-id, same target: the rebuilt image reaches the guest' '
	n=$(changes 3) &&
	rm "$B" && make_iso "$B" 2M &&
	request_id 3 hdc "$B" r2 &&
	wait_for "answered 3 hdc r2" &&
	wait_done 3 hdc "$B" &&
	expect_eq $((n + 1)) "$(changes 3)" "changes started" &&
	expect_medium 3 hdc "$B"
'

test_expect_success 'the same request-id again is met already' '
	n=$(changes 3) &&
	request_id 3 hdc "$B" r2 &&
	sleep 0.5 &&
	expect_eq "$n" "$(changes 3)" "changes started"
'

test_expect_success 'an error answers its request-id, with an error-code' '
	request_id 3 hdc "$HOSTDIR/missing.iso" r3 &&
	wait_for "answered 3 hdc r3" &&
	wait_error 3 hdc &&
	expect_eq not-found "$(drive_read 3 hdc error-code)" error-code
'

test_expect_success 'a new request-id retries a failed request' '
	make_iso "$HOSTDIR/missing.iso" &&
	xenstore-write "$(req_path 3 hdc request-id)" r4 &&
	wait_for "answered 3 hdc r4" &&
	wait_done 3 hdc "$HOSTDIR/missing.iso" &&
	expect_eq "" "$(drive_read 3 hdc error-code)" "error-code once done"
'

test_expect_success 'a request-id that is not printable is refused as invalid' '
	request_id 3 hdc "$A" "a b" &&
	wait_error 3 hdc &&
	expect_eq invalid "$(drive_read 3 hdc error-code)" error-code &&
	request_id 3 hdc "$A" r5 &&
	wait_for "answered 3 hdc r5" && wait_done 3 hdc "$A"
'

# Finding 8.
test_expect_success 'an eject written while allowed is not honoured once guest-eject = no' '
	cdromd_stop &&
	cdromd_start --config "$HOSTDIR/eject-yes.conf" &&
	wait_for "[ \"\$(xs_perms $(req_path 3 hdc eject))\" = n0,b3 ]" &&
	cdromd_stop &&
	as_guest 3 xenstore-write "$(req_path 3 hdc eject)" 1 &&
	n=$(host_lines cdromd.log "dom 3 hdc: adopted") &&
	cdromd_start --config "$HOSTDIR/eject-no.conf" &&
	wait_for "host_more_lines cdromd.log \"dom 3 hdc: adopted\" $n" &&
	sleep 1 &&
	expect_eq "$A" "$(drive_read 3 hdc medium)" medium &&
	expect_medium 3 hdc "$A" &&
	expect_fail "the eject was honoured" \
	    grep -q "dom 3 hdc: the guest asks for an eject" "$HOSTDIR/log/cdromd.log"
'

# Finding 5.
SOCK=$QMPDIR/qmp-libxl-4
test_expect_success 'QEMU'\''s error text reaches error and the log without control bytes' '
	mv "$SOCK" "$SOCK.real" &&
	host_spawn qmp-evil "$BUILD/tests/host/qmp-evil" "$SOCK" escapes &&
	wait_for "[ -S \"$SOCK\" ]" &&
	request 4 hdc "$B" raw &&
	wait_error 4 hdc &&
	error=$(drive_read 4 hdc error) &&
	host_kill "$HOSTDIR/pids/qmp-evil" && rm -f "$SOCK" &&
	mv "$SOCK.real" "$SOCK" &&
	case $error in
	*"?]0;owned??[2J??dom 1 hdc: done, fake.iso??31m"*) ;;
	*) echo "error: $error"; false ;;
	esac &&
	expect_eq qemu "$(drive_read 4 hdc error-code)" error-code &&
	expect_fail "a control byte in error" \
	    grep -q "[[:cntrl:]]" <<<"$error" &&
	expect_fail "an escape in the log" \
	    grep -q "$(printf "\\033")" "$HOSTDIR/log/cdromd.log" &&
	request 4 hdc "$A" raw &&
	wait_done 4 hdc "$A"
'

# move_backend D DEVID: the drive's backend moves from backend/qdisk to
# backend/vbd, keeping its qdisk params: a layout the daemon's own
# re-check of the vbd disagrees with.
move_backend() {
	local from=/local/domain/0/backend/qdisk/$1/$2
	local to=/local/domain/0/backend/vbd/$1/$2
	{
		xenstore-ls -f "$from" |
		    sed -n "s|^$from/\\([^ ]*\\) = \"\\(.*\\)\"\$|write $to/\\1 \\2|p"
		echo "chmod $to n0 r$1"
		echo "rm $from"
		echo "write /libxl/$1/device/vbd/$2/backend $to"
		echo "write /local/domain/$1/device/vbd/$2/backend $to"
	} | "$HOST_BIN/xs-tx"
}

# Finding 9.
test_expect_success 'a drive that can never converge ends in error, saying why' '
	cdromd_stop &&
	hvm_guest_create 5 hdc "$A" &&
	move_backend 5 5632 &&
	cdromd_start --config "$HOSTDIR/eject-no.conf" &&
	wait_done 5 hdc "$A" &&
	request 5 hdc "$Q" qcow2 &&
	wait_error 5 hdc 20 &&
	case $(drive_read 5 hdc error) in
	*"cannot converge: re-planned 4 times for the same request"*) ;;
	*) echo "error: $(drive_read 5 hdc error)"; false ;;
	esac &&
	expect_eq diverged "$(drive_read 5 hdc error-code)" error-code &&
	n=$(transitions 5 hdc | wc -l) &&
	[ "$n" -le 30 ] || { echo "$n transitions"; false; } &&
	sleep 1 &&
	expect_eq "$n" "$(transitions 5 hdc | wc -l)" "transitions a second later" &&
	request 4 hdc "$B" raw && wait_done 4 hdc "$B"
'

test_done
