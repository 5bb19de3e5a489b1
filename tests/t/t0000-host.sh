#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-only
#
# The test host itself: a real xenstored under the shim, guests that
# talk to it through their rings with real permission checks, the
# domain watches, and HVM guests' QEMUs laid out as libxl does.  Every
# other test stands on these.

# Test code is single-quoted on purpose: it is evaluated when it runs.
# shellcheck disable=SC2016
# shellcheck source=tests/t/lib.sh
. "$(dirname "$0")/lib.sh"

IMG=$HOSTDIR/img
mkdir -p "$IMG"

test_expect_success 'xenstored runs under the shim and answers dom0' '
	host_alive "$(cat "$HOSTDIR/pids/xenstored")" &&
	test -S "$XENSTORED_PATH" &&
	xenstore-exists /tool/xenstored &&
	expect_eq "$XSHIM_DIR/xsd_kva" \
	    "$(readlink -f "$XSHIM_DIR/xsd_kva")" "dom0 ring file"
'

test_expect_success 'dom0 writes and reads back' '
	xenstore-write /test/a hello /test/b "two words" &&
	expect_eq hello "$(xenstore-read /test/a)" "/test/a" &&
	expect_eq "two words" "$(xenstore-read /test/b)" "/test/b"
'

test_expect_success 'a new domain gets libxl'\''s nodes and permissions' '
	domain_create 3 alpha &&
	expect_eq alpha "$(xenstore-read /local/domain/3/name)" name &&
	expect_eq 3 "$(xenstore-read /local/domain/3/domid)" domid &&
	expect_eq n0,r3 "$(xs_perms /local/domain/3)" "perms of home" &&
	expect_eq n0,r3 "$(xs_perms /local/domain/3/name)" "perms of name" &&
	expect_eq n3 "$(xs_perms /local/domain/3/data)" "perms of data" &&
	expect_eq n0 "$(xs_perms /libxl/3)" "perms of /libxl/3" &&
	expect_eq hvm "$(xenstore-read /libxl/3/type)" "/libxl/3/type" &&
	test -S "$HOSTDIR/dom-3.sock"
'

# xenstored 4.17 asks the hypervisor (the shim) whether a domain exists
# before it lets that domain own a node.
test_expect_success 'no node can be given to a domain that does not exist' '
	expect_fail "chown /test/a to dom99" xenstore-chmod /test/a n99 &&
	expect_eq n0 "$(xs_perms /test/a)" "perms of /test/a"
'

test_expect_success 'a guest reads what it may read, through its ring' '
	expect_eq alpha "$(as_guest 3 xenstore-read /local/domain/3/name)" \
	    "name as dom3" &&
	expect_eq 3 "$(as_guest 3 xenstore-read domid)" "relative domid"
'

test_expect_success 'a guest cannot read dom0'\''s nodes' '
	expect_fail "read /test/a as dom3" as_guest 3 xenstore-read /test/a
'

test_expect_success 'a guest cannot write a node dom0 owns' '
	expect_fail "write /test/a as dom3" \
	    as_guest 3 xenstore-write /test/a evil &&
	expect_fail "write own name as dom3" \
	    as_guest 3 xenstore-write /local/domain/3/name evil &&
	expect_eq hello "$(xenstore-read /test/a)" "/test/a" &&
	expect_eq alpha "$(xenstore-read /local/domain/3/name)" "name"
'

test_expect_success 'a guest cannot create a node in a read-only dir' '
	expect_fail "create under its home" \
	    as_guest 3 xenstore-write /local/domain/3/newnode 1 &&
	expect_fail "newnode exists" xenstore-exists /local/domain/3/newnode
'

# xenstore-write does not print errno: xenstored's trace does.
test_expect_success 'the refusal is EACCES, as on a real host' '
	trace=$HOSTDIR/log/xenstored.trace &&
	before=$(grep -c "ERROR (EACCES" "$trace") &&
	expect_fail "write name as dom3" \
	    as_guest 3 xenstore-write /local/domain/3/name evil &&
	expect_eq $((before + 1)) "$(grep -c "ERROR (EACCES" "$trace")" \
	    "EACCES replies in the trace"
'

test_expect_success 'a guest writes where its permissions allow' '
	as_guest 3 xenstore-write /local/domain/3/data/x 1 data/y 2 &&
	expect_eq 1 "$(xenstore-read /local/domain/3/data/x)" "data/x" &&
	expect_eq 2 "$(xenstore-read /local/domain/3/data/y)" "data/y" &&
	expect_eq n3 "$(xs_perms /local/domain/3/data/x)" "perms of data/x"
'

test_expect_success 'a guest sees dom0 writes through a watch' '
	xenstore-write /local/domain/3/data/w 0 &&
	(as_guest 3 timeout 10 xenstore-watch -n 2 \
	    /local/domain/3/data/w >watch.out 2>&1 &) &&
	wait_for "grep -q . watch.out" &&
	xenstore-write /local/domain/3/data/w 1 &&
	wait_for "test \$(grep -c data/w watch.out) = 2"
'

test_expect_success 'dom0 sees @introduceDomain when a domain appears' '
	(timeout 10 xenstore-watch -n 2 @introduceDomain >intro.out 2>&1 &) &&
	wait_for "grep -q @introduceDomain intro.out" &&
	domain_create 4 beta &&
	wait_for "test \$(grep -c @introduceDomain intro.out) = 2"
'

test_expect_success 'one guest cannot read another'\''s home' '
	expect_fail "read dom4 as dom3" \
	    as_guest 3 xenstore-read /local/domain/4/name
'

test_expect_success 'dom0 sees @releaseDomain when a domain is destroyed' '
	(timeout 10 xenstore-watch -n 2 @releaseDomain >rel.out 2>&1 &) &&
	wait_for "grep -q @releaseDomain rel.out" &&
	domain_destroy 4 &&
	wait_for "test \$(grep -c @releaseDomain rel.out) = 2" &&
	expect_fail "/local/domain/4 exists" xenstore-exists /local/domain/4 &&
	expect_fail "/libxl/4 exists" xenstore-exists /libxl/4 &&
	! test -e "$HOSTDIR/dom-4.sock" &&
	! test -e "$HOSTDIR/pids/ring-4"
'

test_expect_success 'a dying domain is released too' '
	domain_create 6 &&
	(timeout 10 xenstore-watch -n 2 @releaseDomain >dying.out 2>&1 &) &&
	wait_for "grep -q @releaseDomain dying.out" &&
	echo dying >"$XSHIM_DIR/dom/6" &&
	"$HOST_BIN/xs-ring" --dom-exc &&
	wait_for "test \$(grep -c @releaseDomain dying.out) = 2" &&
	domain_destroy 6
'

test_expect_success 'an HVM guest'\''s QEMU answers on both QMP sockets' '
	make_iso "$IMG/a.iso" &&
	hvm_guest_create 7 hdc "$IMG/a.iso" &&
	expect_eq true "$(qmp_test 7 query-status | jq .running)" running &&
	qmp_call "$QMPDIR/qmp-libxl-7" \
	    "{\"execute\":\"query-version\",\"id\":\"t\"}" >v.out &&
	jq -e .return.qemu.major v.out
'

test_expect_success 'QEMU holds the ISO in ide-5632' '
	expect_eq "$IMG/a.iso" "$(qemu_medium 7 hdc)" "medium of hdc" &&
	qemu_block 7 hdc | jq -e ".removable and .inserted.ro" &&
	qemu_block 7 hdc | jq -e ".qdev == \"ide-5632\""
'

test_expect_success 'the CD drive is in xenstore as libxl 4.17 writes it' '
	be=/local/domain/0/backend/qdisk/7/5632 &&
	fe=/local/domain/7/device/vbd/5632 &&
	expect_eq n0,r7 "$(xs_perms $be)" "backend perms" &&
	expect_eq n7,r0 "$(xs_perms $fe)" "frontend perms" &&
	expect_eq n0 "$(xs_perms /libxl/7/device/vbd/5632)" "libxl perms" &&
	expect_eq "aio:$IMG/a.iso" "$(xenstore-read $be/params)" params &&
	expect_eq cdrom "$(xenstore-read $be/device-type)" device-type &&
	expect_eq hdc "$(xenstore-read $be/dev)" dev &&
	expect_eq $fe "$(xenstore-read $be/frontend)" frontend &&
	expect_eq $be "$(xenstore-read $fe/backend)" backend &&
	expect_eq 5632 "$(xenstore-read $fe/virtual-device)" vdev &&
	expect_eq $fe "$(xenstore-read /libxl/7/device/vbd/5632/frontend)" \
	    "libxl frontend" &&
	expect_eq "aio:$IMG/a.iso" \
	    "$(xenstore-read /libxl/7/device/vbd/5632/params)" "libxl params" &&
	expect_eq running \
	    "$(xenstore-read /local/domain/0/device-model/7/state)" dm-state &&
	expect_eq "$(cat "$HOSTDIR/pids/qemu-7")" \
	    "$(xenstore-read /local/domain/7/image/device-model-pid)" dm-pid
'

test_expect_success 'the guest owns its frontend and only reads its backend' '
	as_guest 7 xenstore-write /local/domain/7/device/vbd/5632/state 3 &&
	expect_eq aio:$IMG/a.iso "$(as_guest 7 xenstore-read \
	    /local/domain/0/backend/qdisk/7/5632/params)" "backend as dom7" &&
	expect_fail "write backend as dom7" as_guest 7 xenstore-write \
	    /local/domain/0/backend/qdisk/7/5632/params aio:/etc/shadow
'

test_expect_success 'an empty drive, a second CD and a hard disk' '
	make_iso "$IMG/disk.img" &&
	hvm_guest_create_drives 8 "disk:hda:$IMG/disk.img" cdrom:hdc \
	    "cdrom:hdd:$IMG/a.iso" &&
	expect_eq "" "$(qemu_medium 8 hdc)" "medium of hdc" &&
	expect_eq "$IMG/a.iso" "$(qemu_medium 8 hdd)" "medium of hdd" &&
	expect_eq aio: \
	    "$(xenstore-read /local/domain/0/backend/qdisk/8/5632/params)" \
	    "params of empty hdc" &&
	expect_eq disk \
	    "$(xenstore-read /local/domain/0/backend/qdisk/8/768/device-type)" \
	    "device-type of hda" &&
	qmp_test 8 query-block | jq -e "[.[] | .device] | index(\"ide0-hd0\")"
'

test_expect_success 'a qcow2 CD has its format in params and in QEMU' '
	make_qcow2 "$IMG/b.qcow2" &&
	hvm_guest_create 9 hdc "$IMG/b.qcow2" qcow2 &&
	expect_eq "qcow2:$IMG/b.qcow2" \
	    "$(xenstore-read /local/domain/0/backend/qdisk/9/5632/params)" \
	    params &&
	expect_eq qcow2 "$(qemu_block 9 hdc | jq -r .inserted.drv)" driver
'

test_expect_success 'destroying an HVM guest stops QEMU and removes its nodes' '
	pid=$(cat "$HOSTDIR/pids/qemu-9") &&
	domain_destroy 9 &&
	! host_alive "$pid" &&
	expect_fail "backend left" \
	    xenstore-exists /local/domain/0/backend/qdisk/9 &&
	expect_fail "device-model left" \
	    xenstore-exists /local/domain/0/device-model/9
'

# Each client reads back, many times, a value only it wrote: a reply
# routed to the wrong client shows up as someone else's value.
# shellcheck disable=SC2317 # called from test code
client_loop() {
	local i
	for ((i = 0; i < 25; i++)); do
		xenstore-write "data/c$1" "$1.$i" &&
		[ "$(xenstore-read "data/c$1")" = "$1.$i" ] || return 1
	done
}

test_expect_success 'concurrent clients of one ring get their own replies' '
	for c in 1 2 3 4 5 6; do
		(as_guest 3 client_loop $c && : >ok.$c) &
	done &&
	wait &&
	for c in 1 2 3 4 5 6; do test -e ok.$c || exit 1; done
'

test_expect_success 'a watch of one client sees nothing of another'\''s' '
	(as_guest 3 timeout 10 xenstore-watch -n 2 \
	    /local/domain/3/data/p >p.out 2>&1 &) &&
	(as_guest 3 timeout 10 xenstore-watch -n 2 \
	    /local/domain/3/data/q >q.out 2>&1 &) &&
	wait_for "grep -q . p.out && grep -q . q.out" &&
	as_guest 3 xenstore-write data/q 1 &&
	wait_for "test \$(grep -c data/q q.out) = 2" &&
	expect_eq "" "$(grep data/q p.out)" "q events seen by the p watcher"
'

test_expect_success 'test_when_finished: a cleanup registered in a test' '
	: >finished.1 && : >finished.2 &&
	test_when_finished "rm finished.1" &&
	test_when_finished "test -e finished.1 && rm finished.2" &&
	test -e finished.1
'

test_expect_success 'runs after it, the last registered first, and only inside a test' '
	expect_fail "finished.1 left" test -e finished.1 &&
	expect_fail "finished.2 left" test -e finished.2 &&
	(test_in_body=0; expect_fail "outside a test" test_when_finished :)
'

test_expect_success 'host_stop leaves no process and no file behind' '
	(
		unset HOSTDIR &&
		host_start &&
		dir=$HOSTDIR &&
		hvm_guest_create 2 hdc &&
		pids=$(cat "$HOSTDIR"/pids/*) &&
		host_stop &&
		host_stop &&
		! test -e "$dir" &&
		for p in $pids; do ! host_alive $p || exit 1; done
	)
'

test_done
