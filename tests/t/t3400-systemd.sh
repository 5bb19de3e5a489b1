#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-only
#
# The daemon under systemd: with stderr the journal's stream (named by
# JOURNAL_STREAM) it logs each line with its priority ("<4>" before a
# warning) and without a date; with NOTIFY_SOCKET (Type=notify) it says
# READY=1 once its first scan has adopted every drive; at start it
# refuses an allowed-dir its mount namespace hides (as the unit's
# ProtectHome= and PrivateTmp= do) and warns about one that does not
# exist.

# shellcheck disable=SC2016 # test code is evaluated when it runs
# shellcheck disable=SC1091 source=tests/t/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck disable=SC1091 source=tests/t/lib-cdrom.sh
. "$TEST_DIR/lib-cdrom.sh"

A=$HOSTDIR/a.iso
LOG=$HOSTDIR/log/cdromd.log
make_iso "$A" || exit 1
export A LOG

test_expect_success 'setup: three guests with a CD drive each' '
	hvm_guest_create 3 hdc "$A" &&
	hvm_guest_create 4 hdc "$A" &&
	hvm_guest_create 5 hdc "$A"
'

test_expect_success 'READY=1 comes once every drive is adopted' '
	sock=$HOSTDIR/notify && rm -f "$sock" at-ready &&
	{ "$HOST_BIN/sd-listen" "$sock" notify.msg sh -c "for d in 3 4 5; do
	    xenstore-read /local/domain/\$d/cdrom-request/hdc/state; done >at-ready" &
	    echo $! >"$HOSTDIR/listen.pid"; } &&
	wait_for "[ -S $HOSTDIR/notify ]" &&
	NOTIFY_SOCKET=$sock cdromd_start &&
	wait_for "[ -s at-ready ]" &&
	expect_eq "done done done" "$(tr "\n" " " <at-ready | sed "s/ $//")" \
	    "the drives'\'' states as READY=1 arrived" &&
	grep -qx "READY=1" notify.msg &&
	grep -q "^STATUS=" notify.msg
'

test_expect_success 'the daemon stops, and the listener with it' '
	kill "$(cat "$HOSTDIR/listen.pid")" 2>/dev/null;
	cdromd_stop
'

test_expect_success 'on the journal'\''s stream: "<N>" priorities and no date' '
	cat >"$HOSTDIR/j.conf" <<-EOF &&
	allowed-dir = $HOSTDIR/not-there
	EOF
	: >"$LOG" &&
	JOURNAL_STREAM=$(stat -c %d:%i "$LOG") cdromd_start \
	    --config "$HOSTDIR/j.conf" &&
	wait_for "grep -q \"^<6>info: started\" $LOG" &&
	grep -q "^<4>" "$LOG" &&
	! grep -vE "^<[0-7]>" "$LOG" &&
	! grep -qE "^<[0-7]>.*20[0-9][0-9]-[0-9][0-9]-[0-9][0-9] " "$LOG" &&
	request 3 hdc "" && wait_done 3 hdc "" &&
	grep -q "^<6>info: dom 3 hdc: done -> ejecting$" "$LOG" || {
		echo "--- log:"; cat "$LOG"; false; }
'

test_expect_success 'an allowed-dir that does not exist is warned about, and the daemon runs' '
	grep -q "^<4>warning: allowed-dir $HOSTDIR/not-there: No such file or directory: nothing can be inserted from it until it exists" "$LOG" &&
	daemon_alive &&
	cdromd_stop
'

test_expect_success 'with JOURNAL_STREAM naming another stream: dated lines, as before' '
	: >"$LOG" &&
	JOURNAL_STREAM=1:2 cdromd_start &&
	wait_for "grep -q \"xen-cdromd: info: started\" $LOG" &&
	grep -qE "^20[0-9][0-9]-[0-9][0-9]-[0-9][0-9] .* xen-cdromd: info: started" "$LOG" &&
	cdromd_stop
'

test_expect_success 'an allowed-dir hidden by the daemon'\''s mount namespace is refused at start' '
	command -v unshare >/dev/null || { echo "unshare is not installed"; false; } &&
	mkdir -p "$HOSTDIR/hidden/iso" &&
	cp "$A" "$HOSTDIR/hidden/iso/" &&
	printf "allowed-dir = %s\n" "$HOSTDIR/hidden/iso" >"$HOSTDIR/h.conf" &&
	rc=0 &&
	unshare -m --propagation private sh -c "mount -t tmpfs hide \"\$1\" &&
	    exec \"\$2\" --foreground --config \"\$3\" --qmp-dir \"\$4\"" sh \
	    "$HOSTDIR/hidden" "$CDROMD" "$HOSTDIR/h.conf" "$QMPDIR" \
	    >out 2>err || rc=$?
	expect_eq 1 "$rc" "exit status" &&
	grep -qF "allowed-dir $HOSTDIR/hidden/iso is hidden from xen-cdromd: its own mount namespace has $HOSTDIR/hidden mounted over" err || {
		cat err; false; }
'

test_expect_success 'the same directory in the host'\''s namespace is accepted' '
	cdromd_start --config "$HOSTDIR/h.conf" &&
	request 3 hdc "$HOSTDIR/hidden/iso/a.iso" &&
	wait_done 3 hdc "$HOSTDIR/hidden/iso/a.iso"
'

test_done
