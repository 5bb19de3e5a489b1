#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-only
#
# xen-cdrom and protocol 1.1: what it costs xenstored to wait for a
# change (read only when a watch fires: at most 10 requests) and to
# carry out a whole insert or eject (at most 11: the daemon's pid and
# features, the watch, one transaction that finds the drive and writes
# the request, and the answer's answered-id and state), how it
# tells a dead daemon from a busy one through /local/domain/0/xen-cdromd/
# pid, and how it follows answered-id and error-code when the daemon
# advertises request-id.  Where the daemon of this tree does not write
# the 1.1 nodes yet, the test writes them as the contract says a 1.1
# daemon does, with the daemon stopped.

# shellcheck disable=SC2016 # test code is evaluated when it runs
# shellcheck disable=SC2317 # helpers are called from that code
# shellcheck disable=SC1091 source=tests/t/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck disable=SC1091 source=tests/t/lib-cdrom.sh
. "$TEST_DIR/lib-cdrom.sh"

CLI=$BUILD/xen-cdrom
REAL=$(cd "$HOSTDIR" && pwd -P) || exit 1
A=$REAL/a.iso B=$REAL/b.iso
make_iso "$A" && make_iso "$B" || exit 1
TRACE=$HOSTDIR/log/xenstored.trace
D=/local/domain/0/xen-cdromd
R=/local/domain/3/cdrom-request/hdc
export CLI A B TRACE D R

# wait_requests FROM: the requests xen-cdrom sent to xenstored after
# trace line FROM once its request was committed (the connection that
# set the watch with token xen-cdrom; the commit is the
# TRANSACTION_END after its WRITE of request-id).
wait_requests() {
	tail -n +"$(($1 + 1))" "$TRACE" | awk '
	    $1 == "IN" && / WATCH \(.* xen-cdrom \)/ && c == "" { c = $2 }
	    $1 == "IN" && $2 == c && /WRITE \(.*\/request-id/ { w = 1 }
	    $1 == "IN" && $2 == c && w == 1 && / TRANSACTION_END / {
		w = 2; next }
	    $1 == "IN" && $2 == c && w == 2 { n++; print > "wait.requests" }
	    END { print n + 0 }'
}

# command_requests FROM: every request the xen-cdrom command sent to
# xenstored after trace line FROM, on its connection from CREATE to
# DESTROY (the one that set the watch with token xen-cdrom; other
# clients' connections may have had the same address before it); the
# list goes to command.requests.
command_requests() {
	tail -n +"$(($1 + 1))" "$TRACE" | awk '
	    $1 == "CREATE" && $2 == "connection" { n[$3] = 0; l[$3] = "" }
	    $1 == "IN" { n[$2]++; l[$2] = l[$2] $0 "\n" }
	    $1 == "IN" && / WATCH \(.* xen-cdrom \)/ && c == "" { c = $2 }
	    $1 == "DESTROY" && $2 == "connection" && $3 == c { exit }
	    END { printf "%s", l[c] > "command.requests"; print n[c] + 0 }'
}

# bg_cli ARGS...: xen-cdrom in the background; its stdout, stderr and
# exit status go to out, err and rc.
bg_cli() {
	rm -f rc
	("$CLI" "$@" >out 2>err; echo $? >rc) &
}

# a_pid: a process that lives until killed, standing for a daemon.
a_pid() {
	sleep 600 >/dev/null 2>&1 &
	echo $!
}

# as_daemon_11 PID: /local/domain/0/xen-cdromd as a 1.1 daemon writes it.
as_daemon_11() {
	xenstore-write "$D/pid" "$1" "$D/version" 0.1 "$D/protocol" 1.1 \
	    "$D/features" "request-id error-code"
}

# insert_vs_11 ISO: a live pid posing as a 1.1 daemon, then xen-cdrom
# insert ISO in the background; returns once its request is written,
# with $live the pid, $old the request-id before and $id the client's.
# shellcheck disable=SC2034 # id is read by the tests' bodies
insert_vs_11() {
	live=$(a_pid) &&
	as_daemon_11 "$live" &&
	old=$(xenstore-read "$R/request-id") &&
	bg_cli insert 3 hdc "$1" --timeout 30 &&
	wait_for "[ \"\$(xenstore-read $R/request-id)\" != \"$old\" ]" &&
	id=$(xenstore-read "$R/request-id")
}

test_expect_success 'setup: a guest with a CD drive, and the daemon' '
	hvm_guest_create 3 hdc "$A" &&
	cdromd_start &&
	wait_done 3 hdc "$A"
'

# COMMAND_MAX: the requests of a whole insert or eject by domain id,
# without --verbose, to a daemon that advertises request-id.
COMMAND_MAX=11

test_expect_success "insert waits on events: at most 10 xenstore requests, $COMMAND_MAX in all" '
	l0=$(wc -l <"$TRACE") &&
	"$CLI" insert 3 hdc "$B" &&
	n=$(wait_requests "$l0") &&
	all=$(command_requests "$l0") &&
	echo "$all" >"$HOSTDIR/all.insert" &&
	echo "$n" >"$HOSTDIR/n.insert" &&
	expect_medium 3 hdc "$B" &&
	[ "$n" -ge 1 ] && [ "$n" -le 10 ] || {
		echo "$n requests:"; cat wait.requests; false; } &&
	[ "$all" -le "$COMMAND_MAX" ] || {
		echo "$all requests in all:"; cat command.requests; false; }
'

test_expect_success "eject: at most $COMMAND_MAX xenstore requests in all" '
	l0=$(wc -l <"$TRACE") &&
	"$CLI" eject 3 hdc &&
	all=$(command_requests "$l0") &&
	echo "$all" >"$HOSTDIR/all.eject" &&
	expect_medium 3 hdc "" &&
	[ "$all" -le "$COMMAND_MAX" ] || {
		echo "$all requests in all:"; cat command.requests; false; }
'

test_expect_success 'insert by name: the domains listed, their names read up to the one named' '
	below=$(xenstore-list /local/domain | awk "\$1 <= 3" | wc -l) &&
	l0=$(wc -l <"$TRACE") &&
	"$CLI" insert guest3 hdc "$A" &&
	all=$(command_requests "$l0") &&
	echo "$all" >"$HOSTDIR/all.by-name" &&
	expect_medium 3 hdc "$A" &&
	[ "$all" -le $((COMMAND_MAX + 1 + below)) ] || {
		echo "$all requests in all:"; cat command.requests; false; }
'

test_expect_success 'eject --verbose too, each state shown: at most 10' '
	"$CLI" insert 3 hdc "$B" &&
	l0=$(wc -l <"$TRACE") &&
	"$CLI" eject 3 hdc --verbose 2>err &&
	n=$(wait_requests "$l0") &&
	echo "$n" >"$HOSTDIR/n.eject" &&
	command_requests "$l0" >"$HOSTDIR/all.eject-v" &&
	grep -qx "dom 3 hdc: detaching" err &&
	[ "$n" -le 10 ] || { echo "$n requests:"; cat wait.requests; false; }
'

echo "# xenstore requests of the whole command: insert" \
    "$(cat "$HOSTDIR/all.insert" 2>/dev/null), eject" \
    "$(cat "$HOSTDIR/all.eject" 2>/dev/null), insert by name" \
    "$(cat "$HOSTDIR/all.by-name" 2>/dev/null), eject --verbose" \
    "$(cat "$HOSTDIR/all.eject-v" 2>/dev/null)"
echo "# xenstore requests of the wait: insert $(cat "$HOSTDIR/n.insert" 2>/dev/null)," \
    "eject --verbose $(cat "$HOSTDIR/n.eject" 2>/dev/null)"

test_expect_success 'the daemon gone (its pid node left behind): not running, exit 4, the request stays' '
	cdromd_stop &&
	dead=$(a_pid) && kill "$dead" && wait "$dead" 2>/dev/null;
	as_daemon_11 "$dead" &&
	rc=0 &&
	timeout 20 "$CLI" insert 3 hdc "$A" 2>err || rc=$?
	expect_eq 4 "$rc" "exit status" &&
	grep -q "xen-cdromd is not running (pid $dead" err &&
	grep -q "the request stays in xenstore" err &&
	expect_eq "$A" "$(xenstore-read "$R/target")" "target written"
'

test_expect_success 'status shows the target that waits, and that nobody takes it up' '
	rc=0 &&
	"$CLI" status 3 hdc >out 2>err || rc=$?
	expect_eq 0 "$rc" "exit status" &&
	grep -q "^3  *guest3  *hdc  *done  *-  *$A$" out &&
	grep -q "xen-cdromd is not running (pid .*): 1 pending request waits for it" err
'

test_expect_success 'the daemon started again carries the request out' '
	xenstore-rm "$D" &&
	cdromd_start &&
	wait_done 3 hdc "$A" &&
	expect_medium 3 hdc "$A"
'

test_expect_success 'a 1.1 daemon: only answered-id equal to ours is the answer' '
	cdromd_stop &&
	insert_vs_11 "$B" &&
	xenstore-write "$R/state" error "$R/error" "stale" \
	    "$R/error-code" qemu "$R/answered-id" "$old" &&
	sleep 1 &&
	expect_eq "" "$(cat rc 2>/dev/null)" "exit status after a stale answer" &&
	xenstore-write "$R/state" error "$R/error" "$B: No such file or directory" \
	    "$R/error-code" not-found "$R/answered-id" "$id" &&
	wait_for "[ -s rc ]" &&
	kill "$live" &&
	expect_eq 1 "$(cat rc)" "exit status" &&
	grep -qF "xen-cdrom: dom 3 hdc: $B: No such file or directory (error-code not-found)" err &&
	grep -qF "xen-cdrom: the daemon cannot see $B (outside its allowed-dir, or hidden from the service" err &&
	! grep -q stale err
'

test_expect_success "a 1.1 daemon answering done: exit 0, in at most 10 requests ($COMMAND_MAX in all)" '
	l0=$(wc -l <"$TRACE") &&
	insert_vs_11 "$A" &&
	for s in ejecting detaching attaching changing; do
		xenstore-write "$R/state" "$s" "$R/error" "" || exit 1
	done &&
	xenstore-write "$R/state" done "$R/medium" "$A" "$R/error" "" \
	    "$R/error-code" "" "$R/answered-id" "$id" &&
	wait_for "[ -s rc ]" &&
	kill "$live" &&
	n=$(wait_requests "$l0") &&
	all=$(command_requests "$l0") &&
	echo "$n, $all in all" >"$HOSTDIR/n.answer" &&
	expect_eq 0 "$(cat rc)" "exit status" &&
	[ "$n" -le 10 ] || { echo "$n requests:"; cat wait.requests; false; } &&
	[ "$all" -le "$COMMAND_MAX" ] || {
		echo "$all requests in all:"; cat command.requests; false; }
'

echo "# xenstore requests of the wait for a 1.1 answer:" \
    "$(cat "$HOSTDIR/n.answer" 2>/dev/null)"

test_expect_success 'a 1.1 daemon: a target written by another after ours is a replaced request, even answered with our id' '
	insert_vs_11 "$B" &&
	xenstore-write "$R/target" "$A" &&
	xenstore-write "$R/state" done "$R/medium" "$A" "$R/error" "" \
	    "$R/error-code" "" "$R/answered-id" "$id" &&
	wait_for "[ -s rc ]" &&
	kill "$live" &&
	expect_eq 1 "$(cat rc)" "exit status" &&
	grep -qF "dom 3 hdc: the request was replaced by another (target now \"$A\")" err
'

test_expect_success 'the daemon ends during the wait: said at once, exit 4' '
	live=$(a_pid) &&
	as_daemon_11 "$live" &&
	bg_cli eject 3 hdc &&
	wait_for "[ \"\$(xenstore-read $R/target)\" = \"\" ]" &&
	sleep 0.2 &&
	kill "$live" &&
	wait_for "[ -s rc ]" 5 &&
	expect_eq 4 "$(cat rc)" "exit status" &&
	grep -q "xen-cdromd is not running (pid $live" err &&
	grep -q "the request stays in xenstore" err
'

test_expect_success 'Ctrl-C: the request stays, and how to follow it; exit 130' '
	live=$(a_pid) &&
	as_daemon_11 "$live" &&
	bg_cli insert 3 hdc "$B" &&
	wait_for "[ \"\$(xenstore-read $R/target)\" = \"$B\" ]" &&
	sleep 0.2 &&
	pkill -INT -f "^$CLI insert 3 hdc $B\$" &&
	wait_for "[ -s rc ]" 5 &&
	kill "$live" &&
	expect_eq 130 "$(cat rc)" "exit status" &&
	grep -q "dom 3 hdc: interrupted" err &&
	grep -q "follow it with \"xen-cdrom wait 3 hdc\"" err
'

test_expect_success 'the daemon back: the last request is carried out' '
	xenstore-rm "$D" &&
	cdromd_start &&
	wait_done 3 hdc "$B" &&
	expect_medium 3 hdc "$B"
'

test_done
