#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-only
#
# Memory and descriptors: the daemon under valgrind's memcheck through
# dom0 and stub-domain changes, ejects, refused requests, a held lock
# and destroyed domains ends with no error and no descriptor of its own
# left open; and a daemon (not under valgrind, for speed) that makes
# 1,000 changes across guests holds as many descriptors afterwards as
# before, its memory barely grown, and so do the QEMUs.
#
# An ASan build cannot run under valgrind: its memcheck part is skipped
# there (make check runs it with the plain build) and the 1,000 changes
# run under ASan alone.

# shellcheck disable=SC2016 # test code is evaluated when it runs
# shellcheck source=tests/t/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/t/lib-cdrom.sh
. "$TEST_DIR/lib-cdrom.sh"

A=$HOSTDIR/a.iso B=$HOSTDIR/b.iso Q=$HOSTDIR/q.qcow2
make_iso "$A" && make_iso "$B" && make_qcow2 "$Q" || exit 1
MISSING=$HOSTDIR/missing.iso
printf 'step-timeout = 20\n' >"$HOSTDIR/cdromd.conf"
VGLOG=$HOSTDIR/log/valgrind
# One line: cdromd_start reads the wrapper with read -a.
VALGRIND="valgrind --tool=memcheck --leak-check=full"
VALGRIND="$VALGRIND --errors-for-leak-kinds=definite --error-exitcode=99"
VALGRIND="$VALGRIND --track-fds=yes --child-silent-after-fork=yes"
VALGRIND="$VALGRIND --suppressions=$TEST_DIR/../valgrind.supp --log-file=$VGLOG.%p"
# How many changes the descriptor check makes, and how much the daemon's
# resident memory may grow meanwhile, in KiB.
CHANGES=${T4300_CHANGES:-1000}
RSS_SLACK=${T4300_RSS_SLACK:-1024}

start_daemon() {
	cdromd_start --config "$HOSTDIR/cdromd.conf" --hotplug-script "$HOTPLUG"
}

# asan_build: the daemon carries AddressSanitizer's runtime.
asan_build() {
	ldd "$CDROMD" 2>/dev/null | grep -q libasan
}

# daemon_pid: the daemon's pid (valgrind's, which is the same process).
daemon_pid() {
	cat "$HOSTDIR/pids/cdromd"
}

# fd_count PID: how many descriptors PID holds.
fd_count() {
	find "/proc/$1/fd" -mindepth 1 -maxdepth 1 | wc -l
}

# rss_kib PID: PID's resident set, in KiB.
rss_kib() {
	sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB$/\1/p' "/proc/$1/status"
}

# change D VDEV TARGET [FORMAT]: asks for TARGET through the client and
# waits for it; fails if the drive ends in error.
change() {
	if [ -z "$3" ]; then
		"$BUILD/xen-cdrom" eject "$1" "$2" --timeout 30 >/dev/null
	else
		"$BUILD/xen-cdrom" insert "$1" "$2" "$3" \
		    --format "${4:-raw}" --timeout 30 >/dev/null
	fi
}

# refused D VDEV TARGET [FORMAT]: the request ends in error.
refused() {
	expect_fail "request for $3 on dom$1 $2" change "$@" 2>/dev/null &&
	expect_eq error "$(drive_read "$1" "$2" state)" "state of dom$1 $2"
}

# vg_logs: valgrind's logs, one per process it ran (the lock's helper
# child has one too).
vg_logs() {
	ls "$VGLOG".* 2>/dev/null
}

# own_fds_at_exit LOG: the descriptors valgrind found open at exit that
# the daemon opened itself, each as its "Open ..." line and the first
# frame of where it was opened.  The event loop's signalfd is not among
# them: it lives as long as the process.
own_fds_at_exit() {
	awk '/ Open (file descriptor|AF_UNIX socket|AF_INET)/ { open = $0; next }
	    open != "" { if ($0 !~ /<inherited from parent>/) print open, $0
	        open = "" }' "$1" | grep -v ": signalfd (" || true
}

if asan_build; then
	test_report 0 "# SKIP memcheck: valgrind cannot run an ASan build (the plain build's run covers it)"
elif ! command -v valgrind >/dev/null; then
	test_report 1 "valgrind is installed (scripts/install-deps.sh installs it)"
else
test_expect_success 'setup: a dom0 guest, a stub-domain guest, the daemon under memcheck' '
	hvm_guest_create_drives 3 "cdrom:hdc:$A" cdrom:hdd &&
	hvm_guest_create 4 hdc "$A" &&
	stubdom_guest_create 5 6 hdc "$A" &&
	CDROMD_WRAPPER="$VALGRIND" start_daemon &&
	wait_done 3 hdc "$A" 60 &&
	wait_done 3 hdd "" 60 &&
	wait_done 4 hdc "$A" 60 &&
	wait_done 5 hdc "$A" 60 &&
	vg_logs | grep -q .
'

test_expect_success 'memcheck: dom0 changes, formats and ejects' '
	change 3 hdc "$B" &&
	change 3 hdd "$Q" qcow2 &&
	change 3 hdc "" &&
	change 3 hdc "$A" &&
	change 3 hdd "" &&
	expect_medium 3 hdc "$A" &&
	expect_medium 3 hdd ""
'

test_expect_success 'memcheck: stub-domain changes and an eject' '
	change 5 hdc "$B" &&
	change 5 hdc "" &&
	change 5 hdc "$A" &&
	expect_eq 1 "$(qemu_fdsets 5 | jq length)" "fdsets of dom5"
'

test_expect_success 'memcheck: refused requests, then a good one' '
	refused 3 hdc "$MISSING" &&
	refused 3 hdc "$A" vmdk &&
	refused 3 hdc "$HOSTDIR" &&
	change 3 hdc "$B" &&
	expect_medium 3 hdc "$B"
'

test_expect_success 'memcheck: a change waiting for libxl'\''s lock' '
	uuid=$(xenstore-read /local/domain/3/vm) &&
	lock=$XEN_LIB_DIR/userdata-l.3.${uuid##*/}.libxl-device-changes-lock &&
	(flock "$lock" sh -c "touch locked; while [ ! -e release ]; do
	    sleep 0.05; done" &) &&
	wait_for "[ -e locked ]" &&
	request 3 hdc "$A" raw &&
	wait_for "drive_is 3 hdc ejecting" &&
	touch release &&
	wait_done 3 hdc "$A" 30
'

test_expect_success 'memcheck: a guest destroyed mid-change' '
	qemu=$(cat "$HOSTDIR/pids/qemu-4") &&
	kill -STOP "$qemu" &&
	request 4 hdc "$B" raw &&
	wait_for "drive_is 4 hdc ejecting" 30 &&
	kill -TERM "$qemu" && kill -CONT "$qemu" &&
	domain_destroy 4 &&
	wait_for "grep -q \"info: dom 4: forgotten\$\" \"$HOSTDIR/log/cdromd.log\"" 30 &&
	daemon_alive
'

test_expect_success 'memcheck: a stub domain destroyed with its guest' '
	stubdom_guest_destroy 5 6 &&
	wait_for "grep -q \"info: dom 5: forgotten\$\" \"$HOSTDIR/log/cdromd.log\"" 30 &&
	change 3 hdd "$A" &&
	daemon_alive
'

test_expect_success 'memcheck: SIGTERM, and valgrind found no error' '
	pid=$(daemon_pid) &&
	cdromd_stop &&
	expect_eq "$VGLOG.$pid" "$(vg_logs)" "valgrind logs" &&
	grep -q "ERROR SUMMARY: 0 errors" "$VGLOG.$pid" || {
		cat "$VGLOG.$pid"; false
	}
'

test_expect_success 'memcheck: no descriptor of the daemon'\''s own open at exit' '
	log=$(vg_logs) &&
	grep -q "FILE DESCRIPTORS:" "$log" &&
	own=$(own_fds_at_exit "$log") &&
	if [ -n "$own" ]; then
		echo "open at exit:"; echo "$own"; false
	fi
'

vglog=$(vg_logs | head -n 1)
echo "# valgrind: $(sed -n 's/.*\(ERROR SUMMARY: [0-9]* errors\).*/\1/p' \
    "$vglog" 2>/dev/null); $(sed -n 's/.*\(FILE DESCRIPTORS: .*\)/\1/p' \
    "$vglog" 2>/dev/null); own descriptors open at exit besides the" \
    "signalfd: $(own_fds_at_exit "$vglog" 2>/dev/null | wc -l)"
fi

# ---------------------------------------------------------------------
# Descriptors and memory over many changes: guests 10 (two drives) and
# 11 with QEMU in dom0, 12 with QEMU in stub domain 13.

# qemu_pid D: the pid of D's QEMU.
qemu_pid() {
	cat "$HOSTDIR/pids/qemu-$1"
}

# fds_of_all: "daemon QEMU-10 QEMU-11 QEMU-12" descriptor counts.
fds_of_all() {
	echo "$(fd_count "$(daemon_pid)") $(fd_count "$(qemu_pid 10)")" \
	    "$(fd_count "$(qemu_pid 11)") $(fd_count "$(qemu_pid 12)")"
}

# one_op I: the Ith of the changes: mostly dom0 changes between A and
# B on dom10's hdc and dom11's, every tenth an eject, every fiftieth a
# refused request (a missing file, then a bad format) on dom10's hdd,
# every hundredth a stub-domain change.
one_op() {
	local i=$1 img=$A
	(((i / 2) % 2)) && img=$B
	if ((i % 100 == 0)); then
		change 12 hdc "$img"
	elif ((i % 100 == 50)); then
		refused 10 hdd "$MISSING" >/dev/null
	elif ((i % 100 == 75)); then
		refused 10 hdd "$Q" vmdk >/dev/null
	elif ((i % 50 == 26)); then
		change 10 hdd "$Q" qcow2
	elif ((i % 10 == 5)); then
		change 10 hdc ""
	elif ((i % 3 == 0)); then
		change 11 hdc "$img"
	else
		change 10 hdc "$img"
	fi
}

# many_ops FROM TO: one_op for each I in FROM..TO; says which failed.
many_ops() {
	local i
	for ((i = $1; i <= $2; i++)); do
		one_op "$i" || { echo "operation $i failed"; return 1; }
	done
}

test_expect_success "setup: three guests, a daemon, and a warm-up" '
	hvm_guest_create_drives 10 "cdrom:hdc:$A" cdrom:hdd &&
	hvm_guest_create 11 hdc "$A" &&
	stubdom_guest_create 12 13 hdc "$A" &&
	if asan_build; then
		# ASan holds freed memory back (256 MiB by default) to catch
		# its reuse: that would be all the growth measured.
		ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=1 \
		    start_daemon
	else
		start_daemon
	fi &&
	wait_done 10 hdc "$A" &&
	wait_done 11 hdc "$A" &&
	wait_done 12 hdc "$A" &&
	many_ops 1 100 &&
	change 10 hdd "" &&
	change 10 hdc "$A" &&
	echo "$(fds_of_all) $(rss_kib "$(daemon_pid)")" >"$HOSTDIR/before"
'

test_expect_success "$CHANGES changes, ejects, refusals and stub-domain changes" '
	start=$(date +%s%N) &&
	many_ops 101 $((CHANGES + 100)) &&
	change 10 hdd "" &&
	change 10 hdc "$A" &&
	change 11 hdc "$A" &&
	change 12 hdc "$A" &&
	echo $((($(date +%s%N) - start) / 1000000)) >"$HOSTDIR/elapsed-ms" &&
	echo "$(fds_of_all) $(rss_kib "$(daemon_pid)")" >"$HOSTDIR/after"
'

read -r FD0 Q10_0 Q11_0 Q12_0 RSS0 <"$HOSTDIR/before" 2>/dev/null
read -r FD1 Q10_1 Q11_1 Q12_1 RSS1 <"$HOSTDIR/after" 2>/dev/null
echo "# $CHANGES operations in $(cat "$HOSTDIR/elapsed-ms" 2>/dev/null) ms;" \
    "daemon fds ${FD0:-?} -> ${FD1:-?}, RSS ${RSS0:-?} -> ${RSS1:-?} KiB;" \
    "QEMU fds ${Q10_0:-?} -> ${Q10_1:-?}, ${Q11_0:-?} -> ${Q11_1:-?}," \
    "${Q12_0:-?} -> ${Q12_1:-?}"

test_expect_success 'the daemon holds as many descriptors as before' '
	expect_eq "$FD0" "$FD1" "daemon descriptors before and after"
'

test_expect_success 'and each QEMU too: no fdset outlived its medium' '
	expect_eq "$Q10_0" "$Q10_1" "descriptors of dom10'\''s QEMU" &&
	expect_eq "$Q11_0" "$Q11_1" "descriptors of dom11'\''s QEMU" &&
	expect_eq "$Q12_0" "$Q12_1" "descriptors of dom12'\''s QEMU" &&
	expect_eq 1 "$(qemu_fdsets 10 | jq length)" "fdsets of dom10" &&
	expect_eq 1 "$(qemu_fdsets 11 | jq length)" "fdsets of dom11" &&
	expect_eq 1 "$(qemu_fdsets 12 | jq length)" "fdsets of dom12"
'

if [ -n "${CDROMD_WRAPPER:-}" ]; then
	# valgrind's own memory would be what is measured.
	test_report 0 "# SKIP memory growth: the daemon runs under ${CDROMD_WRAPPER%% *}"
else
test_expect_success "the daemon's memory grew by less than $RSS_SLACK KiB" '
	[ -n "$RSS0" ] && [ -n "$RSS1" ] &&
	if [ $((RSS1 - RSS0)) -ge "$RSS_SLACK" ]; then
		echo "RSS grew from $RSS0 to $RSS1 KiB"; false
	fi
'
fi

# daemon_processes: the pids of every process running the daemon's
# binary for this host: the daemon and any child it forked.
daemon_processes() {
	pgrep -f -- "^[^ ]*xen-cdromd[^ ]* --foreground --qmp-dir $QMPDIR" || true
}

test_expect_success 'a lock-waiting child keeps no other lock: kill -9 frees them all' '
	kill -STOP "$(qemu_pid 10)" &&
	request 10 hdc "$B" raw &&
	wait_for "drive_is 10 hdc ejecting" &&
	request 10 hdd "$B" raw &&
	wait_for "drive_is 10 hdd ejecting" &&
	wait_for "[ -n \"\$(pgrep -P \$(daemon_pid))\" ]" &&
	kill -KILL "$(daemon_pid)" &&
	wait_for "[ -s \"$HOSTDIR/cdromd.status\" ]" &&
	rm -f "$HOSTDIR/cdromd.status" "$HOSTDIR/pids/cdromd" &&
	kill -CONT "$(qemu_pid 10)" &&
	wait_for "[ -z \"\$(daemon_processes)\" ]" 3 &&
	start_daemon &&
	wait_done 10 hdc "$B" 15 &&
	wait_done 10 hdd "$B" 15
'
kill -CONT "$(qemu_pid 10)" 2>/dev/null

test_done
