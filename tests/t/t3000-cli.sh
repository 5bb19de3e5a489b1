#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-only
#
# xen-cdrom, the command-line client: it writes requests and reads the
# daemon's answers through xenstore, waits for the end of a change, and
# says how it ended in its exit status (0 done, 1 the daemon's error,
# 2 usage, 3 timeout, 4 no such domain or drive, 5 no xenstore).

# shellcheck disable=SC2016 # test code is evaluated when it runs
# shellcheck disable=SC2317 # helpers are called from that code
# shellcheck disable=SC1091 source=tests/t/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck disable=SC1091 source=tests/t/lib-cdrom.sh
. "$TEST_DIR/lib-cdrom.sh"

CLI=$BUILD/xen-cdrom
# The CLI resolves the directory of a path: compare with the real one.
REAL=$(cd "$HOSTDIR" && pwd -P) || exit 1
A=$REAL/a.iso B=$REAL/b.iso Q=$REAL/q.qcow2 MISSING=$REAL/missing.iso
# A file name with a double quote and a backslash, for JSON's escapes.
QUOTE=$REAL/$(printf 'say \042hi\042 \134now.iso')
make_iso "$A" && make_iso "$B" && make_qcow2 "$Q" && make_iso "$QUOTE" ||
	exit 1
export CLI A B Q MISSING QUOTE
printf 'step-timeout = 5\n' >"$HOSTDIR/cdromd.conf"

# cli_rc WANT ARGS...: the CLI exits with status WANT; its stdout and
# stderr are left in out and err.
cli_rc() {
	local want=$1 rc=0
	shift
	"$CLI" "$@" >out 2>err || rc=$?
	expect_eq "$want" "$rc" "exit status of xen-cdrom $*" || {
		echo "--- stdout:"; cat out; echo "--- stderr:"; cat err
		show_drive 3 hdc
		return 1
	}
}

# err_says TEXT: the CLI's stderr holds TEXT, on a line of its own.
err_says() {
	if ! grep -qF -- "$1" err || ! grep -q '^xen-cdrom: ' err; then
		echo "stderr: expected \"xen-cdrom: ...$1...\", got:"
		cat err
		return 1
	fi
}

# qemu_stop / qemu_cont: freeze dom3's QEMU, and thaw it.
qemu_stop() {
	kill -STOP "$(cat "$HOSTDIR/pids/qemu-3")"
}
qemu_cont() {
	kill -CONT "$(cat "$HOSTDIR/pids/qemu-3")"
}

test_expect_success 'setup: a guest with a CD drive, and the daemon' '
	hvm_guest_create 3 hdc "$A" &&
	cdromd_start --config "$HOSTDIR/cdromd.conf" &&
	wait_done 3 hdc "$A"
'

test_expect_success 'insert by domid changes the medium and exits 0' '
	cli_rc 0 insert 3 hdc "$B" &&
	expect_eq "" "$(cat out err)" "output" &&
	drive_is 3 hdc done "$B" &&
	expect_medium 3 hdc "$B"
'

test_expect_success 'insert by domain name changes the medium' '
	cli_rc 0 insert guest3 hdc "$A" &&
	drive_is 3 hdc done "$A" &&
	expect_medium 3 hdc "$A"
'

test_expect_success 'a relative path is made absolute' '
	mkdir -p sub &&
	cli_rc 0 insert 3 hdc ../sub/../b.iso &&
	expect_eq "$B" "$(drive_read 3 hdc target)" "target" &&
	expect_medium 3 hdc "$B"
'

test_expect_success '--format qcow2, before the command, goes in as qcow2' '
	cli_rc 0 --format qcow2 insert 3 hdc "$Q" &&
	expect_eq qcow2 "$(drive_read 3 hdc format)" "format node" &&
	expect_eq qcow2 "$(qemu_block 3 hdc | jq -r .inserted.drv)" \
	    "QEMU driver" &&
	expect_medium 3 hdc "$Q"
'

# The daemon guesses no format (issue 16): a qcow2 image asked for as
# raw is refused, and the error says which format to ask for.
test_expect_success 'the same qcow2 file as raw is refused, naming its format' '
	cli_rc 1 insert 3 hdc "$Q" --format=raw &&
	grep -qF "looks like qcow2: use --format qcow2" err &&
	expect_eq "$Q looks like qcow2: use --format qcow2" \
	    "$(drive_read 3 hdc error)" "error" &&
	expect_eq format "$(drive_read 3 hdc error-code)" "error-code" &&
	expect_eq qcow2 "$(qemu_block 3 hdc | jq -r .inserted.drv)" \
	    "QEMU driver, unchanged" &&
	expect_medium 3 hdc "$Q"
'

test_expect_success 'eject exits 0 and empties the drive' '
	cli_rc 0 eject 3 hdc &&
	drive_is 3 hdc done "" &&
	expect_eq "" "$(drive_read 3 hdc target)" "target" &&
	expect_medium 3 hdc ""
'

test_expect_success 'insert of the medium already in the drive inserts it again' '
	cli_rc 0 insert 3 hdc "$A" &&
	before=$(transitions 3 hdc | wc -l) &&
	timeout 20 "$CLI" insert 3 hdc "$A" &&
	expect_eq "$((before + 5))" "$(transitions 3 hdc | wc -l)" \
	    "transitions: the whole change, so a rebuilt image reaches the guest" &&
	drive_is 3 hdc done "$A" &&
	expect_medium 3 hdc "$A"
'

test_expect_success 'insert of a missing file exits 1 with the daemon'\''s error' '
	cli_rc 1 insert 3 hdc "$MISSING" &&
	err_says "dom 3 hdc: $MISSING: No such file or directory" &&
	drive_is 3 hdc error &&
	expect_medium 3 hdc "$A"
'

test_expect_success 'the same missing file again: the new answer, exit 1' '
	cli_rc 1 insert 3 hdc "$MISSING" --timeout 10 &&
	err_says "No such file or directory"
'

test_expect_success 'status shows the error in its own column' '
	cli_rc 0 status 3 hdc &&
	grep -q "^DOMID  *NAME  *VDEV  *STATE  *MEDIUM  *ERROR$" out &&
	grep -qF "$MISSING: No such file or directory" out &&
	grep -q "^3  *guest3  *hdc  *error  " out
'

test_expect_success 'wait on a drive in error exits 1' '
	cli_rc 1 wait 3 hdc &&
	err_says "No such file or directory"
'

test_expect_success 'after an error, an insert goes through' '
	cli_rc 0 insert 3 hdc "$B" &&
	expect_medium 3 hdc "$B"
'

test_expect_success 'requests in quick turns each get their own answer' '
	for i in 1 2 3 4 5; do
		cli_rc 1 insert 3 hdc "$MISSING" &&
		cli_rc 0 insert 3 hdc "$A" &&
		cli_rc 0 eject 3 hdc || exit 1
	done &&
	cli_rc 0 insert 3 hdc "$B" &&
	expect_medium 3 hdc "$B"
'

test_expect_success 'status lists every drive, with a header' '
	cli_rc 0 status &&
	expect_eq 2 "$(wc -l <out)" "lines" &&
	head -n 1 out | grep -q "^DOMID  *NAME  *VDEV  *STATE  *MEDIUM$" &&
	grep -q "^3  *guest3  *hdc  *done  *$B$" out
'

test_expect_success 'status by domain name and vdev lists that drive' '
	cli_rc 0 status guest3 hdc &&
	grep -q "^3  *guest3  *hdc  *done  *$B$" out
'

test_expect_success 'status --json parses back to the drive' '
	cli_rc 0 status --json &&
	expect_eq 1 "$(jq length out)" "drives" &&
	expect_eq "3 guest3 hdc done raw" \
	    "$(jq -r ".[0] | \"\(.domid) \(.name) \(.vdev) \(.state) \(.format)\"" out)" \
	    "fields" &&
	expect_eq "$B" "$(jq -r ".[0].medium" out)" "medium" &&
	expect_eq "$B" "$(jq -r ".[0].target" out)" "target" &&
	expect_eq "" "$(jq -r ".[0].error" out)" "error"
'

test_expect_success 'status --json escapes quotes and backslashes' '
	cli_rc 0 insert 3 hdc "$QUOTE" &&
	cli_rc 0 status 3 --json &&
	expect_eq "$QUOTE" "$(jq -r ".[0].medium" out)" "medium" &&
	expect_medium 3 hdc "$QUOTE"
'

test_expect_success 'wait on a done drive exits 0' '
	cli_rc 0 wait 3 hdc --timeout 5
'

test_expect_success '--verbose prints the final status line' '
	cli_rc 0 insert 3 hdc "$A" --verbose &&
	grep -q "^3 guest3 hdc done $A$" out
'

test_expect_success '--verbose prints each state on its own line, then done' '
	cli_rc 0 insert 3 hdc "$B" --verbose &&
	for s in ejecting detaching attaching changing; do
		grep -qx "dom 3 hdc: $s" err || { echo "no $s line"; cat err; exit 1; }
	done &&
	grep -qx "dom 3 hdc: done, $B" err &&
	! grep -q "\.\.\." err
'

test_expect_success 'an eject says that it attaches the empty drive' '
	cli_rc 0 eject 3 hdc --verbose &&
	grep -qx "dom 3 hdc: attaching the empty drive" err &&
	grep -qx "dom 3 hdc: done, empty" err &&
	cli_rc 0 insert 3 hdc "$A"
'

test_expect_success 'a wait for libxl'\''s lock names the holder, in the CLI and the log' '
	uuid=$(xenstore-read /local/domain/3/vm) &&
	lock=$XEN_LIB_DIR/userdata-l.3.${uuid##*/}.libxl-device-changes-lock &&
	rm -f locked release &&
	(flock "$lock" sh -c "touch locked; echo \$PPID >holder
	    while [ ! -e release ]; do sleep 0.05; done" &) &&
	wait_for "[ -e locked ]" &&
	{ ("$CLI" insert 3 hdc "$B" --verbose --timeout 60 >out 2>err
	    echo $? >rc) & } &&
	wait_for "grep -q \"waiting for libxl.s device lock\" err" 20 &&
	touch release &&
	wait_for "[ -s rc ]" 60 &&
	expect_eq 0 "$(cat rc)" "exit status" &&
	grep -q "^dom 3 hdc: waiting for libxl.s device lock of dom 3 (held by pid $(cat holder), flock)$" err || {
		echo "--- stderr:"; cat err; echo "--- holder: $(cat holder)"; false; } &&
	grep -q "xen-cdromd: info: waiting for libxl.s device lock of dom 3 (held by pid $(cat holder))$" \
	    "$HOSTDIR/log/cdromd.log"
'

test_expect_success '--no-wait returns at once and the change completes' '
	qemu_stop &&
	rc=0 &&
	timeout 10 "$CLI" insert 3 hdc "$B" --no-wait || rc=$?
	qemu_cont &&
	expect_eq 0 "$rc" "exit status" &&
	expect_eq "$B" "$(drive_read 3 hdc target)" "target" &&
	wait_done 3 hdc "$B" &&
	expect_medium 3 hdc "$B"
'

test_expect_success '--timeout with a hung QEMU exits 3; the daemon errs later' '
	qemu_stop &&
	rc=0 &&
	"$CLI" insert 3 hdc "$A" --timeout 1 2>err || rc=$?
	rc2=0 &&
	"$CLI" wait 3 hdc --timeout 20 2>err2 || rc2=$?
	qemu_cont &&
	expect_eq 3 "$rc" "exit status of insert" &&
	err_says "timed out after 1s" &&
	err_says "the request stays in xenstore and will still be carried out" &&
	err_says "xen-cdrom wait 3 hdc" &&
	expect_eq 1 "$rc2" "exit status of wait" &&
	grep -q "^xen-cdrom: dom 3 hdc: .*timed out" err2
'

# Whatever happened above, no QEMU stays stopped.
kill -CONT "$(cat "$HOSTDIR/pids/qemu-3")" 2>/dev/null

test_expect_success 'the drive works again after the hung QEMU' '
	cli_rc 0 insert 3 hdc "$A" --timeout 30 &&
	expect_medium 3 hdc "$A"
'

test_expect_success '--timeout takes fractions; status shows the pending target' '
	qemu_stop &&
	rc=0 &&
	"$CLI" insert 3 hdc "$B" --timeout 0.3 2>err || rc=$?
	rc2=0 &&
	"$CLI" status 3 hdc >out2 2>&1 || rc2=$?
	qemu_cont &&
	expect_eq 3 "$rc" "exit status of insert" &&
	err_says "timed out after 0.3s" &&
	expect_eq 0 "$rc2" "exit status of status" &&
	grep -q "^DOMID  *NAME  *VDEV  *STATE  *MEDIUM  *PENDING$" out2 &&
	grep -q "^3  *guest3  *hdc  *ejecting  *$A  *$B$" out2 &&
	"$CLI" wait 3 hdc --timeout 30 &&
	expect_medium 3 hdc "$B" &&
	cli_rc 0 insert 3 hdc "$A"
'

# Whatever happened above, no QEMU stays stopped.
kill -CONT "$(cat "$HOSTDIR/pids/qemu-3")" 2>/dev/null

test_expect_success 'a bad --timeout is a usage error naming the rule' '
	cli_rc 2 insert 3 hdc "$A" --timeout 1. &&
	err_says "not a number of seconds" &&
	cli_rc 2 insert 3 hdc "$A" --timeout -1 &&
	cli_rc 2 insert 3 hdc "$A" --timeout 86401
'

test_expect_success 'status --json says whether a request is pending' '
	cli_rc 0 status 3 hdc --json &&
	expect_eq false "$(jq -r ".[0].pending" out)" "pending" &&
	expect_eq "" "$(jq -r ".[0].error_code" out)" "error_code"
'

test_expect_success 'an unknown domain name or id exits 4' '
	cli_rc 4 insert nosuchguest hdc "$A" &&
	err_says "no domain named \"nosuchguest\"" &&
	cli_rc 4 status 99 &&
	err_says "no domain with id 99"
'

test_expect_success 'a change for an unknown domain id exits 4 and writes nothing' '
	cli_rc 4 insert 99 hdc "$A" &&
	err_says "no domain with id 99" &&
	cli_rc 4 eject 99 hdc --no-wait &&
	err_says "no domain with id 99" &&
	cli_rc 4 wait 99 hdc &&
	err_says "no domain with id 99" &&
	expect_fail "nodes of dom 99" xenstore-exists /local/domain/99
'

test_expect_success 'an unknown vdev exits 4 and lists the drives there are' '
	cli_rc 4 insert 3 hdd "$A" &&
	err_says "dom 3 hdd: no such CD-ROM drive (dom 3 has hdc)"
'

test_expect_success 'a malformed vdev is a usage error, found before xenstore' '
	cli_rc 2 wait 3 nonsense &&
	err_says "nonsense: not a virtual device name" &&
	grep -q "^usage: xen-cdrom wait DOMAIN VDEV" err &&
	rc=0 &&
	XENSTORED_PATH=$HOSTDIR/no-socket "$CLI" eject 3 hd 2>err || rc=$?
	expect_eq 2 "$rc" "exit status without xenstored"
'

test_expect_success 'a domain without CD-ROM drives is not "is the daemon running?"' '
	domain_create 5 &&
	cli_rc 4 status 5 &&
	err_says "dom 5 has no emulated CD-ROM drive" &&
	cli_rc 4 eject guest5 hdc &&
	err_says "dom 5 has no emulated CD-ROM drive" &&
	! grep -q "daemon running" err
'

test_expect_success 'a stub domain is named as one, with its guest' '
	domain_create 7 &&
	xenstore-write /local/domain/7/target 3 &&
	cli_rc 4 insert 7 hdc "$A" &&
	err_says "dom 7 is the stub domain of dom 3: name the guest (dom 3)"
'

test_expect_success 'an option that does not apply is named, with one usage line' '
	cli_rc 2 insert 3 hdc "$A" --json &&
	err_says "--json does not apply to insert" &&
	grep -qx "usage: xen-cdrom insert DOMAIN VDEV PATH .*" err &&
	grep -qx "(see xen-cdrom --help)" err &&
	expect_eq 3 "$(wc -l <err)" "lines of stderr" &&
	cli_rc 2 eject 3 hdc --format raw &&
	err_says "--format does not apply to eject" &&
	cli_rc 2 status --timeout 5 &&
	err_says "--timeout does not apply to status"
'

test_expect_success 'a wrong operand count: one usage line and "see --help"' '
	cli_rc 2 insert 3 hdc &&
	err_says "insert takes 3 operands, not 2" &&
	grep -qx "usage: xen-cdrom insert DOMAIN VDEV PATH .*" err &&
	grep -qx "(see xen-cdrom --help)" err &&
	expect_eq 3 "$(wc -l <err)" "lines of stderr" &&
	cli_rc 2 status 3 hdc extra &&
	err_says "status takes at most 2 operands, not 3"
'

test_expect_success 'usage errors exit 2' '
	cli_rc 2 &&
	cli_rc 2 frobnicate 3 hdc &&
	err_says "unknown command" &&
	cli_rc 2 insert 3 hdc &&
	cli_rc 2 eject 3 &&
	cli_rc 2 wait 3 hdc extra &&
	cli_rc 2 status 3 hdc extra &&
	cli_rc 2 insert 3 hdc "$A" --format vmdk &&
	err_says "not a format" &&
	cli_rc 2 insert 3 hdc "$A" --timeout soon &&
	cli_rc 2 insert 3 hdc "$A" --bogus &&
	cli_rc 2 status --no-wait &&
	expect_medium 3 hdc "$A"
'

test_expect_success 'no xenstored exits 5' '
	rc=0 &&
	XENSTORED_PATH=$HOSTDIR/no-socket "$CLI" status 2>err || rc=$?
	expect_eq 5 "$rc" "exit status" &&
	err_says "cannot connect to xenstored at $HOSTDIR/no-socket: "
'

test_expect_success '--help names every command, option and exit status' '
	cli_rc 0 --help &&
	for word in insert eject status wait --format --timeout --no-wait \
	    --verbose --json --version; do
		grep -qe "$word" out || { echo "no $word"; exit 1; }
	done &&
	for code in 0 1 2 3 4 5; do
		grep -q "^  $code  " out || { echo "no exit status $code"; exit 1; }
	done
'

test_expect_success '--version prints the version' '
	cli_rc 0 --version &&
	grep -q "^xen-cdrom [0-9]" out
'

test_expect_success 'the daemon is still running' '
	daemon_alive
'

test_done
