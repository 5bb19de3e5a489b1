#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-only
#
# One daemon a host, and its liveness record (protocol 1.1): the daemon
# writes /local/domain/0/xen-cdromd/{pid,version,protocol,features},
# readable by dom0 only, and removes it on a clean exit; a second daemon
# refuses to start, naming the first; a background start connects and
# checks before it detaches, so that a failure is its exit status.

# shellcheck disable=SC2016,SC2034 # test code is evaluated when it runs
# shellcheck source=tests/t/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/t/lib-cdrom.sh
. "$TEST_DIR/lib-cdrom.sh"

A=$HOSTDIR/a.iso B=$HOSTDIR/b.iso
make_iso "$A" && make_iso "$B" || exit 1
L=/local/domain/0/xen-cdromd

test_expect_success 'setup: a guest, and the daemon' '
	hvm_guest_create 3 hdc "$A" &&
	cdromd_start &&
	wait_done 3 hdc "$A"
'

test_expect_success 'the daemon writes its liveness record' '
	expect_eq "$(cat "$HOSTDIR/pids/cdromd")" "$(xenstore-read $L/pid)" pid &&
	expect_eq 1.1 "$(xenstore-read $L/protocol)" protocol &&
	"$CDROMD" --version | grep -qF "$(xenstore-read $L/version)" &&
	xenstore-read $L/features >/dev/null
'

test_expect_success 'which only dom0 can read' '
	for n in pid version protocol features; do
		case $(xs_perms $L/$n) in
		n0 | n0,r0) ;;
		*) echo "perms of $n: $(xs_perms $L/$n)"; return 1 ;;
		esac
	done &&
	case $(xs_perms $L) in
	n0 | n0,r0) ;;
	*) echo "perms of the directory: $(xs_perms $L)"; return 1 ;;
	esac &&
	expect_fail "the guest reads the pid" \
	    as_guest 3 xenstore-read $L/pid
'

test_expect_success 'a second daemon refuses to start, naming the first' '
	rc=0
	timeout 10 "$CDROMD" --foreground --qmp-dir "$QMPDIR" >out 2>&1 || rc=$?
	expect_eq 1 "$rc" "exit status" &&
	grep -qF "another xen-cdromd, pid $(cat "$HOSTDIR/pids/cdromd"), is running" out &&
	expect_eq "$(cat "$HOSTDIR/pids/cdromd")" "$(xenstore-read $L/pid)" \
	    "the first one'\''s pid" &&
	request 3 hdc "$B" raw &&
	wait_done 3 hdc "$B" &&
	expect_eq 1 "$(grep -c "dom 3 hdc: done -> ejecting" "$HOSTDIR/log/cdromd.log")" \
	    "changes started (one daemon only)"
'

test_expect_success 'a background start beside it fails, leaving no pid file' '
	rc=0
	timeout 10 "$CDROMD" --qmp-dir "$QMPDIR" --pidfile "$PWD/second.pid" >out 2>&1 ||
	    rc=$?
	expect_eq 1 "$rc" "exit status" &&
	grep -q "another xen-cdromd, pid [0-9]*, is running" out &&
	expect_fail "pid file left" test -e second.pid
'

test_expect_success 'a clean exit removes the record' '
	cdromd_stop &&
	expect_fail "the record is left" xenstore-exists $L
'

test_expect_success 'the record of a daemon killed -9 is taken over' '
	cdromd_start && wait_for "xenstore-exists $L/pid" &&
	old=$(xenstore-read $L/pid) &&
	kill -KILL "$old" && rm -f "$HOSTDIR/pids/cdromd" &&
	wait_for "[ -s \"$HOSTDIR/cdromd.status\" ]" && rm -f "$HOSTDIR/cdromd.status" &&
	expect_eq "$old" "$(xenstore-read $L/pid)" "the stale record" &&
	cdromd_start &&
	wait_for "[ \"\$(xenstore-read $L/pid)\" = \"\$(cat \"$HOSTDIR/pids/cdromd\")\" ]" &&
	request 3 hdc "$A" raw &&
	wait_done 3 hdc "$A"
'

test_expect_success 'a background start without xenstored fails at once, no pid file' '
	cdromd_stop &&
	rc=0
	XENSTORED_PATH=$HOSTDIR/nowhere timeout 10 "$CDROMD" \
	    --qmp-dir "$QMPDIR" --pidfile "$PWD/bg.pid" >out 2>&1 || rc=$?
	expect_eq 1 "$rc" "exit status" &&
	grep -q "cannot connect to xenstored" out &&
	expect_fail "pid file left" test -e bg.pid
'

test_expect_success 'a background start that works exits 0 once it serves' '
	timeout 10 "$CDROMD" --qmp-dir "$QMPDIR" --pidfile "$PWD/bg.pid" &&
	pid=$(cat bg.pid) && echo "$pid" >"$HOSTDIR/pids/cdromd-bg" &&
	expect_eq "$pid" "$(xenstore-read $L/pid)" "the record names it" &&
	host_alive "$pid" &&
	request 3 hdc "$B" raw &&
	wait_done 3 hdc "$B" &&
	kill -TERM "$pid" &&
	wait_for "host_dead $pid" && rm -f "$HOSTDIR/pids/cdromd-bg" &&
	expect_fail "the record is left" xenstore-exists $L &&
	expect_fail "pid file left" test -e bg.pid
'

test_done
