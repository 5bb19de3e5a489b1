#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-only
#
# The soak (make soak): thousands of requests across many guests while
# faults are injected from a seeded RNG, then, with the faults stopped,
# every drive must converge on the last target asked of it, with
# nothing left behind.  BUILD names the build directory; SOAK_CHANGES
# (default 3000) the number of requests, SOAK_SEED the seed (printed,
# so that a run's sequence of requests and faults can be replayed;
# timing still differs).
#
# Guests: SOAK_GUESTS (default 8) with QEMU in dom0 and two CD drives
# each (hdc, hdd), SOAK_STUBS (default 2) with QEMU in a stub domain
# and one drive.  Faults, each drawn per request:
#   kill-9       the daemon killed and restarted;
#   crash-at     with $BUILD/xen-cdromd-faults, the daemon restarted
#                with XEN_CDROMD_CRASH_AT=N: it dies by itself at its
#                Nth xenstore write, QMP send or child start, and is
#                restarted (without that binary, a kill -9 instead);
#   qemu-stop    a dom0 guest's QEMU stopped past step-timeout while a
#                request for it is pending, then continued;
#   rewrite      a request rewritten while its change is under way;
#   bogus        a request for a missing file or in an unknown format;
#   guest-eject  the guest writes its eject node.
# Ends with the counts and "N passed, N failed".

# shellcheck disable=SC2016 # test code is evaluated when it runs
# shellcheck source=tests/t/lib.sh
. "$(dirname "$0")/../t/lib.sh"
# shellcheck source=tests/t/lib-cdrom.sh
. "$TEST_DIR/lib-cdrom.sh"

CHANGES=${SOAK_CHANGES:-3000}
SEED=${SOAK_SEED:-$(((RANDOM << 15) | RANDOM))}
GUESTS=${SOAK_GUESTS:-8}
STUBS=${SOAK_STUBS:-2}
# One fault in about FAULT_EVERY requests.
FAULT_EVERY=${SOAK_FAULT_EVERY:-12}
STEP_TIMEOUT=2
RANDOM=$SEED
echo "# soak: seed $SEED (SOAK_SEED=$SEED to replay), $CHANGES requests," \
    "$GUESTS dom0 guests, $STUBS stub-domain guests"

FAULTS_BIN=$BUILD/xen-cdromd-faults
[ -x "$FAULTS_BIN" ] || FAULTS_BIN=
export CDROMD_BIN=${FAULTS_BIN:-$CDROMD}
printf 'step-timeout = %s\nguest-eject = yes\n' "$STEP_TIMEOUT" \
    >"$HOSTDIR/cdromd.conf"

# The images a request picks from; "" is an eject.
mkdir -p "$HOSTDIR/img" || exit 1
IMAGES=()
for i in 1 2 3 4; do
	make_iso "$HOSTDIR/img/cd$i.iso" || exit 1
	IMAGES+=("$HOSTDIR/img/cd$i.iso")
done
make_qcow2 "$HOSTDIR/img/cd.qcow2" || exit 1
IMAGES+=("$HOSTDIR/img/cd.qcow2" "")

# The drives, "D VDEV", and for each the target last asked for
# (WANT), its format (FMT) and whether QEMU runs in a stub domain (STUB).
DRIVES=()
declare -A WANT FMT STUB
for ((g = 0; g < GUESTS; g++)); do
	d=$((10 + g))
	for v in hdc hdd; do
		DRIVES+=("$d $v")
		WANT[$d $v]=${IMAGES[0]} FMT[$d $v]=raw STUB[$d $v]=
	done
done
for ((g = 0; g < STUBS; g++)); do
	d=$((40 + 2 * g))
	DRIVES+=("$d hdc")
	WANT[$d hdc]=${IMAGES[0]} FMT[$d hdc]=raw STUB[$d hdc]=$((d + 1))
done

declare -A COUNT
ops=0 restarts=0 problems=0
PROBLEMS=$HOSTDIR/problems
: >"$PROBLEMS"

# problem MESSAGE: something the soak could not do; fails the run.
problem() {
	echo "$*" >>"$PROBLEMS"
	problems=$((problems + 1))
}

# rand N: sets R to a number in 0..N-1 from the seeded RNG (no
# subshell, which would not advance it).
rand() {
	R=$((RANDOM % $1))
}

start_daemon() {
	cdromd_start --config "$HOSTDIR/cdromd.conf" --hotplug-script "$HOTPLUG"
}

# restart_daemon [CRASH_AT]: a new daemon (which dies by itself at its
# CRASH_AT-th fault point); the old one must be gone.
restart_daemon() {
	rm -f "$HOSTDIR/cdromd.status" "$HOSTDIR/pids/cdromd"
	restarts=$((restarts + 1))
	if [ -n "${1:-}" ]; then
		XEN_CDROMD_CRASH_AT=$1 start_daemon
	else
		start_daemon
	fi || problem "the daemon did not restart"
}

# ensure_daemon: a daemon that died (a crash-at fault) is counted and
# restarted, without a crash point; one that exited otherwise is a
# problem, restarted too so that the soak goes on.
ensure_daemon() {
	local status
	daemon_alive && return 0
	host_poll test -s "$HOSTDIR/cdromd.status" || true
	status=$(cat "$HOSTDIR/cdromd.status" 2>/dev/null)
	if [ "$status" = 86 ]; then
		COUNT[crash-at died]=$((${COUNT[crash-at died]:-0} + 1))
	else
		problem "the daemon exited with status ${status:-?} (see cdromd.log)"
	fi
	restart_daemon
}

# kill_daemon: a crash from outside, no clean-up at all.
kill_daemon() {
	local pid
	pid=$(cat "$HOSTDIR/pids/cdromd" 2>/dev/null) || return 0
	kill -KILL "$pid" 2>/dev/null
	host_poll test -s "$HOSTDIR/cdromd.status" || true
}

# ask D VDEV TARGET FORMAT: a tool's request, remembered as the drive's
# last.
ask() {
	WANT[$1 $2]=$3 FMT[$1 $2]=$4
	request "$1" "$2" "$3" "$4" || problem "request $* not written"
	ops=$((ops + 1))
}

# settle D VDEV [TIMEOUT]: waits until the drive is done or in error,
# keeping a daemon running meanwhile.
settle() {
	local i s
	for ((i = 0; i < ${3:-30} * 20; i++)); do
		s=$(drive_read "$1" "$2" state 2>/dev/null)
		case $s in done|error) return 0 ;; esac
		((i % 20 == 19)) && ensure_daemon
		sleep 0.05
	done
	problem "dom$1 $2 did not settle (state $s)"
}

# STOPPED: "D UNTIL" of QEMUs stopped by qemu-stop, UNTIL in seconds.
STOPPED=()

# qemu_continue [ALL]: continues the stopped QEMUs whose time is up
# (with ALL, every one).
qemu_continue() {
	local rest=() e d until now
	now=$(date +%s)
	for e in "${STOPPED[@]}"; do
		read -r d until <<<"$e"
		if [ -n "${1:-}" ] || [ "$now" -ge "$until" ]; then
			kill -CONT "$(cat "$HOSTDIR/pids/qemu-$d")"
		else
			rest+=("$e")
		fi
	done
	STOPPED=("${rest[@]}")
}

# stopped D: D's QEMU is stopped by us.
stopped() {
	local e
	for e in "${STOPPED[@]}"; do
		[ "${e%% *}" = "$1" ] && return 0
	done
	return 1
}

# pick_target: sets T and F to a random target and its format.
pick_target() {
	rand ${#IMAGES[@]}
	T=${IMAGES[$R]} F=raw
	case $T in *.qcow2) F=qcow2 ;; esac
}

# fault KIND D VDEV: injects one fault around drive D VDEV.
fault() {
	local kind=$1 d=$2 v=$3 i s
	COUNT[$kind]=$((${COUNT[$kind]:-0} + 1))
	case $kind in
	kill-9)
		kill_daemon && restart_daemon ;;
	crash-at)
		rand 400
		kill_daemon && restart_daemon $((R + 1)) ;;
	qemu-stop)
		kill -STOP "$(cat "$HOSTDIR/pids/qemu-$d")"
		STOPPED+=("$d $(($(date +%s) + STEP_TIMEOUT + 2))")
		pick_target
		ask "$d" "$v" "$T" "$F" ;;
	rewrite)
		pick_target
		ask "$d" "$v" "$T" "$F"
		# Catch the change under way, or give up after a second.
		for ((i = 0; i < 100; i++)); do
			s=$(drive_read "$d" "$v" state 2>/dev/null)
			case $s in done|error) ;; *) break ;; esac
		done
		pick_target
		ask "$d" "$v" "$T" "$F" ;;
	bogus)
		rand 2
		if [ "$R" = 0 ]; then
			ask "$d" "$v" "$HOSTDIR/img/missing.iso" raw
		else
			ask "$d" "$v" "${IMAGES[0]}" vmdk
		fi ;;
	guest-eject)
		as_guest "$d" xenstore-write "$(req_path "$d" "$v" eject)" 1 ||
			problem "dom$d could not write its eject node"
		ops=$((ops + 1))
		WANT[$d $v]="" FMT[$d $v]=raw
		# Further requests wait until the daemon has answered it:
		# an answer after them would empty the drive again.
		for ((i = 0; i < 600; i++)); do
			[ -z "$(drive_read "$d" "$v" eject 2>/dev/null)" ] &&
				return 0
			((i % 20 == 19)) && ensure_daemon
			sleep 0.05
		done
		problem "dom$d $v: eject not answered" ;;
	esac
}

FAULT_KINDS=(kill-9 qemu-stop rewrite bogus guest-eject)
[ -n "$FAULTS_BIN" ] && FAULT_KINDS+=(crash-at crash-at)

test_expect_success "setup: $GUESTS dom0 guests with two drives, $STUBS stub-domain guests, the daemon" '
	for ((g = 0; g < GUESTS; g++)); do
		hvm_guest_create_drives $((10 + g)) "cdrom:hdc:${IMAGES[0]}" \
		    "cdrom:hdd:${IMAGES[0]}" || return 1
	done &&
	for ((g = 0; g < STUBS; g++)); do
		stubdom_guest_create $((40 + 2 * g)) $((41 + 2 * g)) hdc \
		    "${IMAGES[0]}" || return 1
	done &&
	start_daemon &&
	for e in "${DRIVES[@]}"; do
		wait_done $e "${IMAGES[0]}" 30 || return 1
	done
'

start=$(date +%s) next_report=500
while [ "$ops" -lt "$CHANGES" ]; do
	# A daemon that keeps failing would make every wait time out.
	if [ "$problems" -ge 20 ]; then
		echo "# soak: giving up after $ops requests: $problems problems"
		break
	fi
	qemu_continue
	ensure_daemon
	rand ${#DRIVES[@]}
	read -r d v <<<"${DRIVES[$R]}"
	rand "$FAULT_EVERY"
	if [ "$R" = 0 ]; then
		rand ${#FAULT_KINDS[@]}
		kind=${FAULT_KINDS[$R]}
		# A stub domain's QEMU is not stopped: its stub would be too.
		[ "$kind" = qemu-stop ] && { [ -n "${STUB[$d $v]}" ] || stopped "$d"; } &&
			kind=rewrite
		fault "$kind" "$d" "$v"
	else
		pick_target
		ask "$d" "$v" "$T" "$F"
		# Half the requests are waited for; the others pile up.
		rand 2
		[ "$R" = 0 ] && ! stopped "$d" && settle "$d" "$v"
	fi
	if ((ops >= next_report)); then
		echo "# $ops requests, $(($(date +%s) - start)) s"
		next_report=$((next_report + 500))
	fi
done

# The faults stop: every QEMU runs, a daemon without a crash point and
# with a longer step-timeout runs, every drive finishes what it was doing; then each is asked once
# more for a medium, as a tool would after an error: rewriting the same
# target retries a drive left in error (the same target rewritten while
# a step was under way was a no-op, so it is asked again only now).
qemu_continue all
ensure_daemon
# A daemon with the default-like step-timeout: under the load of ten
# QEMUs a QMP reply may take longer than the faults' 2 s.
printf 'step-timeout = 20\nguest-eject = yes\n' >"$HOSTDIR/cdromd.conf"
kill_daemon
restart_daemon
for e in "${DRIVES[@]}"; do
	# shellcheck disable=SC2086 # "D VDEV"
	settle $e 60
done
for e in "${DRIVES[@]}"; do
	read -r d v <<<"$e"
	pick_target
	ask "$d" "$v" "$T" "$F"
done
elapsed=$(($(date +%s) - start))

test_expect_success 'the soak itself ran: requests written, daemons restarted' '
	if [ -s "$PROBLEMS" ]; then
		sort "$PROBLEMS" | uniq -c; false
	fi
'

# drive_divergence D VDEV: what differs from the drive having converged
# on its last target, one line each; nothing if it has.  A stub domain's
# QEMU gets its medium as a raw block device: a request in another
# format may end in error instead, but must end.
drive_divergence() {
	local d=$1 v=$2 want=${WANT[$1 $2]} got
	if [ -n "${STUB[$d $v]}" ] && [ "${FMT[$d $v]}" != raw ] &&
	    drive_is "$d" "$v" error; then
		return
	fi
	drive_is "$d" "$v" "done" "$want" || {
		echo "dom$d $v: state $(drive_read "$d" "$v" state 2>&1)," \
		    "medium \"$(drive_read "$d" "$v" medium 2>&1)\"," \
		    "want \"$want\"; error: $(drive_read "$d" "$v" error 2>&1)"
		return
	}
	got=$(drive_read "$d" "$v" target)
	[ "$got" = "$want" ] ||
		echo "dom$d $v: target \"$got\", last asked \"$want\""
	if [ -z "${STUB[$d $v]}" ]; then
		got=$(qemu_medium "$d" "$v" 2>&1)
	else
		got=$(qemu_medium "$d" "$v" 2>&1) &&
		[ -n "$got" ] && got=$(losetup -n -O BACK-FILE "$got" 2>&1)
	fi
	[ "$got" = "$want" ] ||
		echo "dom$d $v: QEMU holds \"$got\", want \"$want\""
}

# quiet_divergence: once converged the daemon changes nothing: no
# transition logged for two seconds.
quiet_divergence() {
	local before after
	before=$(grep -c -- "-> " "$HOSTDIR/log/cdromd.log")
	sleep 2
	after=$(grep -c -- "-> " "$HOSTDIR/log/cdromd.log")
	[ "$before" = "$after" ] ||
		echo "the daemon is still at work: $((after - before)) transitions in 2 s after convergence"
}

# converged_or_ended D VDEV: the drive is done on its last target, or
# a stub domain's non-raw request ended in error.
converged_or_ended() {
	drive_is "$1" "$2" "done" "${WANT[$1 $2]}" ||
	{ [ -n "${STUB[$1 $2]}" ] && [ "${FMT[$1 $2]}" != raw ] &&
	  drive_is "$1" "$2" error; }
}

# all_converged: every drive is.
all_converged() {
	local e
	for e in "${DRIVES[@]}"; do
		# shellcheck disable=SC2086 # "D VDEV"
		converged_or_ended $e || return 1
	done
}

# One wait for all, so that a failed run does not wait for each drive.
wait_for all_converged 90 >/dev/null
DIVERGENCES=$HOSTDIR/divergences
: >"$DIVERGENCES"
for e in "${DRIVES[@]}"; do
	# shellcheck disable=SC2086 # "D VDEV"
	drive_divergence $e >>"$DIVERGENCES"
done

# qemu_block_all D: QEMU's query-block of guest D, as JSON.
qemu_block_all() {
	qmp_test "$1" query-block
}

# leftovers_divergence: what the faults left behind, one line each:
# fdsets not holding a drive's medium (dom0) or beyond one per drive
# (stub), vbds beyond one per drive, a hotplug add never removed, a
# daemon's child left behind, loop devices beyond one per stub-domain
# drive.
leftovers_divergence() {
	local d s n want be devid loops
	for ((g = 0; g < GUESTS; g++)); do
		# Each fdset is the medium of a drive (one QEMU opened from its
		# command line has none).
		d=$((10 + g))
		n=$(qemu_fdsets "$d" | jq -c '[.[]["fdset-id"]] | sort')
		want=$(qemu_block_all "$d" | jq -c '[.[].inserted.file // "" |
		    select(startswith("/dev/fdset/")) |
		    ltrimstr("/dev/fdset/") | tonumber] | sort')
		[ "$n" = "$want" ] ||
			echo "dom$d: fdsets $n in QEMU, drives' media in fdsets $want"
		n=$(xenstore-list "/local/domain/0/backend/qdisk/$d" | wc -l)
		[ "$n" = 2 ] || echo "dom$d: $n qdisk vbds, want 2"
	done
	for ((g = 0; g < STUBS; g++)); do
		d=$((40 + 2 * g)) s=$((41 + 2 * g))
		devid=$(vdev_devid hdc)
		be=/local/domain/0/backend/vbd/$s/$devid
		n=$(qemu_fdsets "$d" | jq length)
		[ "$n" = 1 ] || echo "dom$d: $n fdsets in QEMU, want 1"
		n=$(xenstore-list "/local/domain/0/backend/vbd/$s" | wc -l)
		[ "$n" = 1 ] || echo "dom$s: $n vbds, want 1"
		# A kill -9 during the script's remove makes the next daemon
		# run it again (docs/reliability.md): more removes than adds
		# less one is allowed, an add never matched is not; the loop
		# devices below show what is really attached.
		n=$(($(hotplug_calls | grep -c "^add $be\$") -
		    $(hotplug_calls | grep -c "^remove $be\$")))
		[ "$n" -le 1 ] ||
			echo "dom$s: hotplug adds less removes: $n, want at most 1"
		[ "$(xenstore-read "$be/state")" = 4 ] ||
			echo "dom$s: vbd state $(xenstore-read "$be/state" 2>&1)"
	done
	# Killed daemons' children: once all converged, no helper waits
	# for a lock any more.
	n=$(($(pgrep -f -c -- "^[^ ]*xen-cdromd[^ ]* --foreground --qmp-dir $QMPDIR") - 1))
	[ "$n" = 0 ] ||
		echo "$n processes of killed or running daemons left besides the daemon"
	loops=$(losetup -l -n -O BACK-FILE | grep -c "$(readlink -f "$HOSTDIR")/")
	[ "$loops" = "$STUBS" ] ||
		echo "$loops loop devices on the host's files, want $STUBS"
}
leftovers_divergence >>"$DIVERGENCES" 2>&1
quiet_divergence >>"$DIVERGENCES"
divergences=$(wc -l <"$DIVERGENCES")

test_expect_success 'every drive converged on its last target, in QEMU too' '
	! grep "^dom[0-9]* [a-z]*:" "$DIVERGENCES"
'

test_expect_success 'no fdset, vbd, hotplug call, process or loop device left over' '
	! grep -v -e "^dom[0-9]* [a-z]*:" -e "^the daemon is still at work" \
	    "$DIVERGENCES"
'

test_expect_success 'and the daemon, converged, is quiet' '
	! grep "^the daemon is still at work" "$DIVERGENCES"
'

test_expect_success 'the daemon is alive' '
	daemon_alive
'

# A failed soak keeps its host's logs and xenstore for the reader: the
# host's directory goes when the script ends.
if [ "$divergences" != 0 ] || [ -s "$PROBLEMS" ]; then
	keep=${SOAK_KEEP:-$BUILD/soak-failed}
	rm -rf "$keep" && mkdir -p "$keep" &&
	cp -r "$HOSTDIR/log" "$DIVERGENCES" "$PROBLEMS" "$keep/" &&
	xenstore-ls -f >"$keep/xenstore.txt" 2>&1 &&
	for e in "${DRIVES[@]}"; do
		echo "$e ${WANT[$e]}"
	done >"$keep/wanted" &&
	echo "# soak: logs kept in $keep"
fi

faults=0
summary=
for k in kill-9 crash-at "crash-at died" qemu-stop rewrite bogus guest-eject; do
	[ "$k" = "crash-at died" ] || faults=$((faults + ${COUNT[$k]:-0}))
	summary="$summary, $k ${COUNT[$k]:-0}"
done
echo "# soak: seed $SEED; $ops requests in ${elapsed} s; $faults faults (${summary#, });" \
    "$restarts daemon starts; $divergences divergences; daemon: ${CDROMD_BIN##*/}"

test_done
