#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-only
#
# The product's stub-side glue, stubdom/xen-cdromd-stub, on the embedded
# host: the stub agent plays S's blkfront and the kernel's side of a disk
# appearing (a stand-in sysfs and /dev, XCD_STUB_GLUE), the glue does the
# rest as in a real stub domain: add-fd to S's QEMU over its own monitor,
# as S through S's xenstore ring, and the fdset announced in
# /local/domain/S/device-model/D/cdrom-fdset/DEVID.  Then the daemon
# changes the CD through it, as it would with a real stub domain.

# shellcheck disable=SC2016 # test code is evaluated when it runs
# shellcheck source=tests/t/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/t/lib-cdrom.sh
. "$TEST_DIR/lib-cdrom.sh"

A=$HOSTDIR/a.iso B=$HOSTDIR/b.iso
make_iso "$A" && make_iso "$B" || exit 1
printf 'step-timeout = 10\n' >"$HOSTDIR/cdromd.conf"
GLUE=$HOSTDIR/glue
GLUE_BIN=$BUILD/stubdom/xen-cdromd-stub
ANN=/local/domain/4/device-model/3/cdrom-fdset/5632
export ANN
mkdir -p "$GLUE/sys/block" "$GLUE/dev"
export XCD_STUB_GLUE=$GLUE

# glue_start S D: the glue as S, once S's ring is there (it is made by
# stubdom_guest_create, which then waits for the glue's fdset).
glue_start() {
	(i=0
	 while [ ! -S "$HOSTDIR/dom-$1.sock" ] && [ "$i" -lt 600 ]; do
		sleep 0.05
		i=$((i + 1))
	 done
	 exec "$GLUE_BIN" --qmp "$QMPDIR/qmp-stub-$2" \
	    --xenstore "$HOSTDIR/dom-$1.sock" --sysfs "$GLUE/sys" \
	    --dev "$GLUE/dev" --verbose) </dev/null \
	    >>"$HOSTDIR/log/glue-$1.log" 2>&1 &
	echo $! >"$HOSTDIR/pids/glue-$1"
}

fdset_of() {
	qemu_fdsets 3 | jq -r '.[] | select(.fds[].opaque == "stub-devid:5632") | ."fdset-id"'
}

test_expect_success 'setup: the glue hands the first disk to QEMU, as S' '
	glue_start 4 3 &&
	{ stubdom_guest_create 3 4 hdc "$A" || { cat "$HOSTDIR/log/glue-4.log"; false; }; } &&
	wait_for "grep -q \"add-fd done 5632 $GLUE/dev/xvdc fdset=\" \"$HOSTDIR/log/glue-4.log\"" &&
	grep -q "ready, watching $GLUE/sys/block for stub domain 4 of dom3" \
	    "$HOSTDIR/log/glue-4.log"
'

test_expect_success 'it announces the fdset in S'\''s device-model subtree' '
	wait_for "xenstore-exists $ANN" &&
	expect_eq "$(fdset_of)" "$(xenstore-read "$ANN")" "announced fdset"
'

test_expect_success 'the daemon changes the CD through the glue' '
	cdromd_start --config "$HOSTDIR/cdromd.conf" --hotplug-script "$HOTPLUG" &&
	wait_done 3 hdc "$A" &&
	request 3 hdc "$B" raw &&
	stub_drive_converged 3 4 hdc "$B" &&
	expect_eq 1 "$(qemu_fdsets 3 | jq length)" "fdsets in QEMU" &&
	wait_for "[ \"\$(xenstore-read $ANN 2>/dev/null)\" = \"\$(fdset_of)\" ]"
'

test_expect_success 'an eject: the empty vbd gets no add-fd, the announcement goes' '
	request 3 hdc "" &&
	wait_done 3 hdc "" &&
	wait_for "[ \"\$(xenstore-read /local/domain/0/backend/vbd/4/5632/params)\" = $QMPDIR/empty-cdrom.3 ]" &&
	expect_eq null "$(qemu_block 3 hdc | jq -c .inserted)" "QEMU'\''s drive" &&
	wait_for "! xenstore-exists $ANN" &&
	expect_eq 0 "$(qemu_fdsets 3 | jq length)" "fdsets in QEMU" &&
	grep -q "empty 5632 xvdc: no add-fd" "$HOSTDIR/log/glue-4.log"
'

test_expect_success 'a medium goes in again after the eject' '
	request 3 hdc "$A" raw &&
	stub_drive_converged 3 4 hdc "$A" &&
	wait_for "xenstore-exists $ANN"
'

test_expect_success 'the glue ends on SIGTERM' '
	kill -TERM "$(cat "$HOSTDIR/pids/glue-4")" &&
	wait_for "grep -q stopped \"$HOSTDIR/log/glue-4.log\"" &&
	! grep -E "cannot|failed" "$HOSTDIR/log/glue-4.log"
'

test_daemon_clean
test_done
