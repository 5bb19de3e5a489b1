#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-only
# The real-Xen test, run inside the system-test dom0 by the image's /init
# (tests/system/build-image.sh) from the payload disk that run.sh built:
# brings up Xen's dom0 services by hand (there is no systemd), starts an
# HVM guest whose CD-ROM is emulated by qemu-xen in dom0, changes its
# medium with `xl cd-eject`/`xl cd-insert` and then with xen-cdromd, and
# checks that both leave the same state in xl, xenstore and QEMU.
#
# Prints TAP lines ("ok N - ...", "not ok N - ..."), "# figure ..." lines
# with the wall time and xenstore operations of each change, and the
# closing "N passed, N failed", all on dom0's console (the host reads them
# from the serial port).
set -u

P=$(cd "$(dirname "$0")" && pwd)
# run.sh's settings (SYSTEM_ROUNDS ...), handed over on the payload disk.
# shellcheck source=/dev/null
[ -r "$P/env" ] && . "$P/env"
# Xen 4.17 or 4.20, whichever this image has.
XENBIN=$(echo /usr/lib/xen-4.*/bin)
export PATH=$P:$P/bin:$XENBIN:/usr/sbin:/usr/bin:/sbin:/bin
# Every command that talks to Xen or QEMU gives up after this, so a hang
# is a failure, not a stuck boot (run.sh has its own overall limit).
T=${SYSTEM_CMD_TIMEOUT:-180}
TRACE=/var/log/xen/xenstored-trace.log
WORK=/tmp/system-test
VDEV=hdc DEVID=5632 ISO=/srv/iso
GUEST=systest
# Each kind of change is timed this many times, by xl and by xen-cdromd.
ROUNDS=${SYSTEM_ROUNDS:-3}

n=0 failed=0
mkdir -p "$WORK"

# report RC DESCRIPTION [OUTPUT-FILE]
report() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
		return 0
	fi
	failed=$((failed + 1))
	echo "not ok $n - $2"
	[ -n "${3:-}" ] && [ -s "$3" ] && tail -n 40 "$3" | sed 's/^/#   /'
	return 1
}

# check DESCRIPTION CMD...: one test, CMD's output shown only if it fails.
check() {
	local desc=$1 rc=0
	shift
	"$@" >"$WORK/out" 2>&1 || rc=$?
	report "$rc" "$desc" "$WORK/out"
}

# known DESCRIPTION REASON CMD...: a check of something known not to
# work yet: a failure is reported as TAP's "# TODO REASON" and counted
# apart (run.sh prints how many), a pass as any other.
known() {
	local desc=$1 reason=$2 rc=0
	shift 2
	"$@" >"$WORK/out" 2>&1 || rc=$?
	if [ "$rc" = 0 ]; then
		report 0 "$desc"
		return 0
	fi
	n=$((n + 1))
	echo "not ok $n - $desc # TODO $reason"
	tail -n 10 "$WORK/out" | sed 's/^/#   /'
	return 1
}

finish() {
	echo "1..$n"
	echo "$((n - failed)) passed, $failed failed"
	exit 0
}

now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

up() {
	local m
	for m in xenfs xen-evtchn xen-gntdev xen-gntalloc xen-privcmd \
	    xen-blkback loop; do
		modprobe "$m" || return 1
	done
	mountpoint -q /proc/xen || mount -t xenfs xenfs /proc/xen || return 1
	ln -sf /proc/self/fd /dev/fd
	ln -sf /proc/self/fd/0 /dev/stdin
	ln -sf /proc/self/fd/1 /dev/stdout
	ln -sf /proc/self/fd/2 /dev/stderr
	mkdir -p /var/run/xen /var/run/xenstored /var/lib/xen /var/log/xen \
	    /var/lib/xenstored "$ISO"
	# -T: the trace that counts the xenstore operations of each change.
	"$XENBIN"/xenstored --pid-file /var/run/xenstored.pid -T "$TRACE" ||
		return 1
	timeout "$T" "$XENBIN"/xen-init-dom0 || return 1
	"$XENBIN"/xenconsoled --pid-file /var/run/xenconsoled.pid ||
		return 1
	timeout "$T" xl info | grep -E '^(xen_version|total_memory|free_memory)'
}

# The guest's OS is a boot sector that halts in a loop with interrupts on
# (with them off Xen would power the guest off): what is tested is its
# device model, and a guest with nothing to boot would reboot in 60 s.
# No VGA: under TCG, SeaBIOS once triple-faulted in the VGA option ROM
# and the guest came back as a new domain, failing every later check;
# and a reboot destroys it, so such a fault fails loudly, once.
guest_up() {
	truncate -s 2M "$ISO/a.iso"
	truncate -s 4M "$ISO/b.iso"
	# sti; 1: hlt; jmp 1b
	printf '\xfb\xf4\xeb\xfd' >"$WORK/boot.img"
	truncate -s 510 "$WORK/boot.img"
	printf '\x55\xaa' >>"$WORK/boot.img"
	truncate -s 1M "$WORK/boot.img"
	cat >"$WORK/guest.cfg" <<CFG
name = "$GUEST"
type = "hvm"
memory = 64
vcpus = 1
device_model_version = "qemu-xen"
vnc = 0
sdl = 0
serial = "none"
vga = "none"
vkb_device = 0
boot = "c"
on_crash = "preserve"
on_reboot = "destroy"
disk = [ "vdev=hda,format=raw,access=rw,target=$WORK/boot.img",
         "vdev=$VDEV,devtype=cdrom,format=raw,access=ro,target=$ISO/a.iso" ]
CFG
	# Under TCG libxl's 10 s for QEMU's first answer can run out: once
	# more, and say so.
	if ! timeout "$T" xl create "$WORK/guest.cfg"; then
		echo "xl create failed; trying once more"
		echo "# xl create of the dom0-QEMU guest needed a second try" >&2
		xl destroy "$GUEST" 2>/dev/null
		sleep 2
		timeout "$T" xl create "$WORK/guest.cfg" || return 1
	fi
	D=$(xl domid "$GUEST") || return 1
	QMP=/var/run/xen/qmp-libxl-$D
	# libxl keeps its own socket busy only during its commands; a second
	# one, when this QEMU has it, never competes with the daemon.
	QMPQ=/var/run/xen/qmp-libxenstat-$D
	[ -S "$QMPQ" ] || QMPQ=$QMP
	xl list
	ls -l /var/run/xen
	timeout "$T" qmp.py "$QMPQ" drive "ide-$DEVID"
}

# guest_idle: the guest's vCPU is mostly idle (its timer still wakes it,
# which costs under TCG): SeaBIOS is done with the CD drive and the boot
# sector halts, so the guest touches the drive no more (SeaBIOS probing
# it could close its tray under a change).
guest_idle() {
	local last cur i
	last=$(xl vcpu-list "$D" | awk 'NR == 2 { print $6 }')
	for ((i = 0; i < T / 5; i++)); do
		sleep 5
		cur=$(xl vcpu-list "$D" | awk 'NR == 2 { print $6 }')
		echo "vCPU time $cur s"
		awk -v a="$last" -v b="$cur" 'BEGIN { exit !(b - a < 1) }' &&
		    return 0
		last=$cur
	done
	return 1
}

# xl_remembers PATH: libxl's view of the guest's configuration (xl list
# -l; libxl_retrieve_domain_configuration, from which a reboot of the
# guest builds the new domain too) has PATH ("" for none) in the drive.
xl_remembers() {
	local got
	got=$(timeout "$T" xl list -l "$D" | jq -r --arg v "$VDEV" \
	    '.[0].config.disks[] | select(.vdev == $v) | .pdev_path // ""')
	echo "xl list -l: $VDEV holds \"$got\""
	[ "$got" = "$1" ]
}

# userdata_keep NAME: libxl's saved configuration of the guest
# (userdata-d.D.UUID.libxl-json, what xl list -l, save, migrate and a
# reboot build from) copied to $WORK/NAME.json, and xl list -l's entry
# of the drive printed as "# xl-list NAME {...}" for the figures.
userdata_keep() {
	local f
	f=$(find /var/lib/xen -name "userdata-d.$D.*.libxl-json") &&
	    [ -n "$f" ] || return 1
	cp "$f" "$WORK/$1.json" || return 1
	timeout "$T" xl list -l "$D" | jq -c --arg v "$VDEV" \
	    '.[0].config.disks[] | select(.vdev == $v)' | sed "s/^/# xl-list $1 /"
}

# follows PATH: after xl changed the drive beside the running daemon,
# the request follows it: target and medium name PATH, state done, and
# QEMU holds PATH's image (nothing for "").
follows() {
	local req=/local/domain/$D/cdrom-request/$VDEV end
	end=$((SECONDS + T))
	while [ "$SECONDS" -lt "$end" ]; do
		[ "$(xenstore-read "$req/target")" = "$1" ] &&
		    [ "$(xenstore-read "$req/state")" = "done" ] &&
		    [ "$(xenstore-read "$req/medium")" = "$1" ] && break
		sleep 1
	done
	xenstore-ls -f "$req"
	[ "$(xenstore-read "$req/target")" = "$1" ] &&
	    [ "$(xenstore-read "$req/state")" = "done" ] &&
	    [ "$(xenstore-read "$req/medium")" = "$1" ] &&
	    medium_is "$1" &&
	    grep "medium changed outside xen-cdromd (xl cd-insert?): following" \
		"$WORK/cdromd.log" | tail -n 1
}

# saved_updated: the last change brought libxl's saved configuration
# in line (cdrom-request/VDEV/saved-config).
saved_updated() {
	local got
	got=$(xenstore-read "/local/domain/$D/cdrom-request/$VDEV/saved-config")
	echo "saved-config: $got"
	[ "$got" = updated ]
}

# save_restore: xl save, then xl restore; D and the QMP sockets are the
# restored domain's afterwards.
save_restore() {
	rm -f "$WORK/guest.save"
	timeout "$T" xl save "$D" "$WORK/guest.save" || return 1
	timeout "$T" xl restore "$WORK/guest.save" || return 1
	D=$(xl domid "$GUEST") || return 1
	QMP=/var/run/xen/qmp-libxl-$D
	QMPQ=/var/run/xen/qmp-libxenstat-$D
	[ -S "$QMPQ" ] || QMPQ=$QMP
	xl list
}

# adopted: the daemon has adopted the (restored) guest's drive.
adopted() {
	local i
	for ((i = 0; i < T; i++)); do
		[ "$(xenstore-read "/local/domain/$D/cdrom-request/$VDEV/state" \
		    2>/dev/null)" = "done" ] && break
		sleep 1
	done
	xenstore-ls -f "/local/domain/$D/cdrom-request/$VDEV"
	[ "$(xenstore-read "/local/domain/$D/cdrom-request/$VDEV/state")" = "done" ]
}

# save_beside_lock: xl save while the qmp-socket-lock is held as the
# daemon holds it around each of its QMP connections (here a flock of
# libxl's lock file, for 5 s): xl waits for it and succeeds.
save_beside_lock() {
	local vm lock holder
	vm=$(xenstore-read "/local/domain/$D/vm") || return 1
	lock=/var/lib/xen/userdata-l.$D.${vm##*/}.qmp-socket-lock
	flock "$lock" sleep 5 &
	holder=$!
	sleep 1
	save_restore || return 1
	wait "$holder"
}

# snapshot: what xl, xenstore and QEMU say about the drive.
snapshot() {
	local be
	be=$(xenstore-read "/libxl/$D/device/vbd/$DEVID/backend") || return 1
	echo "== xl block-list"
	timeout "$T" xl block-list "$D" || return 1
	echo "== backend $be"
	xenstore-ls -fp "$be" || return 1
	echo "== libxl /libxl/$D/device/vbd/$DEVID"
	xenstore-ls -fp "/libxl/$D/device/vbd/$DEVID" || return 1
	echo "== frontend"
	xenstore-ls -fp "/local/domain/$D/device/vbd/$DEVID" 2>&1
	echo "== qemu"
	timeout "$T" qmp.py "$QMPQ" drive "ide-$DEVID" | jq -cS 'del(.fdsets)'
}

# medium_is PATH: QEMU's drive holds PATH's image (an fdset of PATH's size
# when PATH is given), or nothing when PATH is "".
medium_is() {
	local got
	got=$(timeout "$T" qmp.py "$QMPQ" drive "ide-$DEVID") || return 1
	echo "$got"
	if [ -z "$1" ]; then
		[ "$(echo "$got" | jq -c .medium)" = null ]
	else
		[ "$(echo "$got" | jq .medium.size)" = "$(stat -c %s "$1")" ]
	fi
}

# trace_since FROM: the trace after line FROM, in Xen 4.17's spelling
# (4.20's xenstored puts "io: " and "obj: " before its lines).
trace_since() {
	tail -n +"$(($1 + 1))" "$TRACE" | sed -E 's/^(io|obj): //'
}

# The trace counts lines; a change's operations are the lines it adds.
trace_mark() {
	wc -l <"$TRACE"
}

# trace_count FROM: what xenstored saw since line FROM, as five numbers:
# the requests it received, those of the connections opened since (the
# client: xl or xen-cdrom), those of the daemon's connections
# ($DAEMON_CONNS), those of everyone else (QEMU's qdisk backend...), and
# the watch events it sent.
trace_count() {
	trace_since "$1" | awk -v daemon=" ${DAEMON_CONNS:-} " '
		/^CREATE connection/   { new[$3] = 1 }
		/^IN /                 { req++
					 if ($2 in new) cl++
					 else if (index(daemon, " " $2 " ")) dm++
					 else ot++ }
		/^OUT .*WATCH_EVENT/   { ev++ }
		END { printf "%d %d %d %d %d\n", req, cl, dm, ot, ev }'
}

# trace_ops FROM: those requests by type.
trace_ops() {
	trace_since "$1" | awk '
		/^IN / { for (i = 3; i <= NF; i++)
			     if ($i ~ /^[A-Z_]+$/) { type[$i]++; break } }
		END { for (t in type) printf "%s %d, ", t, type[t]; print "" }'
}

# daemon_conns FROM: the connections opened since line FROM and still
# open: the daemon's, when FROM is just before it started.
daemon_conns() {
	trace_since "$1" | awk '
		/^CREATE connection/  { open[$3] = 1 }
		/^DESTROY connection/ { delete open[$3] }
		END { for (c in open) printf "%s ", c }'
}

# change WHO KIND NAME CMD...: runs one change, timed and traced, records
# its figures in $WORK/figures ("WHO KIND NAME MS" and trace_count's
# numbers), the first of each WHO and KIND's requests by type and
# connection in $WORK/ops-WHO-KIND, and its snapshot in $WORK/NAME.snap.
change() {
	local who=$1 kind=$2 name=$3 t0 t1 mark rc=0 cmd log0 qmp
	shift 3
	# xl at -vvv logs libxl's QMP sessions ("Connecting to") and each
	# command (libxl__ev_qmp_send), the daemon at debug its own: their
	# QMP round trips are counted the same way.
	cmd=("$@")
	[ "$1" = xl ] && cmd=(xl -vvv "${@:2}")
	log0=$(wc -l <"$WORK/cdromd.log" 2>/dev/null || echo 0)
	mark=$(trace_mark)
	t0=$(now_ms)
	timeout "$T" "${cmd[@]}" >"$WORK/$name.out" 2>&1 || rc=$?
	t1=$(now_ms)
	# QEMU's and xenstored's last words may trail the client's exit.
	sleep 1
	if [ "${who#xl}" != "$who" ]; then
		qmp="$(grep -c 'Connecting to .*qmp' "$WORK/$name.out" || true)"
		qmp="$qmp $(grep -c "libxl__ev_qmp_send: .* cmd '" "$WORK/$name.out" || true)"
	else
		qmp=$(tail -n +"$((log0 + 1))" "$WORK/cdromd.log" | awk '
		    / QMP session opened$/ { s++ } / QMP command / { c++ }
		    END { print s + 0, c + 0 }')
	fi
	echo "$who $kind $name $((t1 - t0)) $(trace_count "$mark") $qmp" \
	    >>"$WORK/figures"
	[ -e "$WORK/ops-$who-$kind" ] ||
		trace_ops "$mark" >"$WORK/ops-$who-$kind"
	snapshot >"$WORK/$name.snap" 2>&1 || rc=1
	cat "$WORK/$name.snap"
	# Last, so that a failure's report (the output's tail) shows it.
	echo "== $* exited $rc:"
	tail -n 15 "$WORK/$name.out"
	return "$rc"
}

# side_by_side XL CDROMD WIDTH [NONE]: the median wall time, requests
# and watch events of each kind of change, the figures of XL (a tool's
# name in $WORK/figures) beside CDROMD's, in columns WIDTH wide; NONE,
# if given, stands where a tool made no change of a kind.
side_by_side() {
	local xl=$1 cdromd=$2 width=$3 none=${4:-} kind who
	printf "%-7s | %-${width}s | %-${width}s\n" change "xl cd-insert/cd-eject" \
	    "xen-cdrom + xen-cdromd"
	for kind in eject insert; do
		printf '%-7s' "$kind"
		for who in "$xl" "$cdromd"; do
			awk -v who="$who" -v kind="$kind" -v width="$width" \
			    -v none="$none" '
			    $1 == who && $2 == kind {
				n++; ms[n] = $4; rq[n] = $5; cl[n] = $6
				dm[n] = $7; ot[n] = $8; ev[n] = $9
				qs[n] = $10; qc[n] = $11 }
			    function med(a,  i, j, t) {
				for (i = 1; i <= n; i++)
				    for (j = i + 1; j <= n; j++)
					if (a[j] < a[i]) {
					    t = a[i]; a[i] = a[j]; a[j] = t }
				return a[int((n + 1) / 2)] }
			    END { if (n) printf " | %6d ms %4d req (%d+%d+%d) %3d ev %d/%d qmp",
				      med(ms), med(rq), med(cl), med(dm),
				      med(ot), med(ev), med(qs), med(qc)
				  else if (none != "")
				      printf " | %-" width "s", none }' \
			    "$WORK/figures"
		done
		echo
	done
}

# same A B: the two snapshots agree.
same() {
	diff -u "$WORK/$1.snap" "$WORK/$2.snap"
}

daemon_up() {
	local mark
	mark=$(trace_mark)
	xen-cdromd --foreground --log-level debug \
	    >"$WORK/cdromd.log" 2>&1 </dev/null &
	echo $! >"$WORK/cdromd.pid"
	local i
	for ((i = 0; i < T * 10; i++)); do
		[ "$(xenstore-read "/local/domain/$D/cdrom-request/$VDEV/state" \
		    2>/dev/null)" = "done" ] && break
		kill -0 "$(cat "$WORK/cdromd.pid")" || break
		sleep 0.1
	done
	xenstore-ls -fp "/local/domain/$D/cdrom-request"
	DAEMON_CONNS=$(daemon_conns "$mark")
	echo "the daemon's xenstore connections: $DAEMON_CONNS"
	[ -n "$DAEMON_CONNS" ] &&
	[ "$(xenstore-read "/local/domain/$D/cdrom-request/$VDEV/medium")" = \
	    "$ISO/a.iso" ]
}

daemon_down() {
	local pid i
	pid=$(cat "$WORK/cdromd.pid")
	kill -TERM "$pid" || return 1
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	wait "$pid"
	local rc=$?
	echo "exit status $rc"
	# Following xl's changes is worth a warning; nothing else is.
	[ "$rc" = 0 ] && ! grep -iE 'error|warn' "$WORK/cdromd.log" |
	    grep -v 'medium changed outside xen-cdromd (xl cd-insert?): following'
}

request_done() {
	xenstore-ls -f "/local/domain/$D/cdrom-request/$VDEV"
	[ "$(xenstore-read "/local/domain/$D/cdrom-request/$VDEV/state")" = "done" ] &&
	    [ "$(xenstore-read "/local/domain/$D/cdrom-request/$VDEV/medium")" = "$1" ]
}

echo "# dom0: $(uname -r), $(nproc) cpu, $(($(sed -n 's/MemTotal: *\([0-9]*\).*/\1/p' /proc/meminfo) / 1024)) MiB"
if ! check "dom0 brings up xenstored (traced), xenconsoled and xl" up; then
	finish
fi
# SYSTEM_ONLY=stub (run.sh's): the stub-domain rounds alone.
if [ "${SYSTEM_ONLY:-}" = stub ]; then
	# shellcheck source=tests/system/stub-test.sh
	. "$P/stub-test.sh"
	finish
fi
t0=$(now_ms)
if ! check "xl create starts an HVM guest whose CD-ROM qemu-xen emulates" \
    guest_up; then
	xl dmesg | tail -n 20 | sed 's/^/#   /'
	tail -n 20 /var/log/xen/qemu-dm-"$GUEST".log 2>/dev/null | sed 's/^/#   /'
	finish
fi
echo "# guest $GUEST is domain $D, up in $(($(now_ms) - t0)) ms"
check "the guest boots its boot sector and idles" guest_idle
echo "# guest idle $(($(now_ms) - t0)) ms after xl create"
check "the guest's drive holds a.iso" medium_is "$ISO/a.iso"
userdata_keep created

# The baseline: xl, ROUNDS times eject, insert b.iso, insert a.iso back.
for ((r = 1; r <= ROUNDS; r++)); do
	check "xl cd-eject empties the drive (round $r)" \
	    change xl eject "eject-xl-$r" xl cd-eject "$D" "$VDEV"
	check "QEMU's drive is empty after xl cd-eject" medium_is ""
	[ "$r" = 1 ] && userdata_keep xl-eject
	check "xl cd-insert puts b.iso in" \
	    change xl insert "insert-xl-$r" xl cd-insert "$D" "$VDEV" "$ISO/b.iso"
	check "QEMU's drive holds b.iso after xl cd-insert" \
	    medium_is "$ISO/b.iso"
	check "xl list -l shows b.iso after xl cd-insert" \
	    xl_remembers "$ISO/b.iso"
	[ "$r" = 1 ] && userdata_keep xl-insert
	check "xl cd-insert puts a.iso back" \
	    change xl insert "back-xl-$r" xl cd-insert "$D" "$VDEV" "$ISO/a.iso"
	check "QEMU's drive holds a.iso again" medium_is "$ISO/a.iso"
done

# The same changes through xen-cdromd, each compared with xl's first.
check "xen-cdromd adopts the guest's drive with a.iso in it" daemon_up
for ((r = 1; r <= ROUNDS; r++)); do
	check "xen-cdrom eject: done (round $r)" \
	    change xen-cdromd eject "eject-cdromd-$r" \
	    xen-cdrom eject "$D" "$VDEV"
	check "the request ends done with no medium" request_done ""
	check "QEMU's drive is empty after xen-cdromd's eject" medium_is ""
	check "xl block-list, xenstore and QEMU as after xl cd-eject" \
	    same eject-xl-1 "eject-cdromd-$r"
	check "xen-cdrom insert b.iso: done" \
	    change xen-cdromd insert "insert-cdromd-$r" \
	    xen-cdrom insert "$D" "$VDEV" "$ISO/b.iso"
	check "the request ends done with b.iso" request_done "$ISO/b.iso"
	check "QEMU's drive holds b.iso after xen-cdromd's insert" \
	    medium_is "$ISO/b.iso"
	check "xl block-list, xenstore and QEMU as after xl cd-insert" \
	    same insert-xl-1 "insert-cdromd-$r"
	check "xl list -l shows b.iso, as after xl cd-insert" \
	    xl_remembers "$ISO/b.iso"
	check "saved-config: updated" saved_updated
	if [ "$r" = 1 ]; then
		userdata_keep cdromd-insert
		check "libxl's saved configuration byte for byte as after xl cd-insert" \
		    cmp "$WORK/xl-insert.json" "$WORK/cdromd-insert.json"
	fi
	check "xen-cdrom insert a.iso: done" \
	    change xen-cdromd insert "back-cdromd-$r" \
	    xen-cdrom insert "$D" "$VDEV" "$ISO/a.iso"
	check "the same state as xl's way back to a.iso" \
	    same back-xl-1 "back-cdromd-$r"
done

# xl beside the daemon: both take libxl's device lock, so they never
# interleave, and the daemon follows what xl did instead of undoing it.
check "xl cd-insert b.iso beside xen-cdromd: xl succeeds" \
    change xl beside "beside-xl" xl cd-insert "$D" "$VDEV" "$ISO/b.iso"
check "the request follows xl cd-insert: b.iso, done" follows "$ISO/b.iso"
check "xl cd-eject beside xen-cdromd: xl succeeds" \
    timeout "$T" xl cd-eject "$D" "$VDEV"
check "the request follows xl cd-eject: empty, done" follows ""
check "xl cd-insert a.iso beside xen-cdromd" \
    timeout "$T" xl cd-insert "$D" "$VDEV" "$ISO/a.iso"
check "the request follows: a.iso" follows "$ISO/a.iso"

# What libxl rebuilds from its saved configuration: save + restore.
check "xen-cdrom insert b.iso before a save: done" \
    xen-cdrom insert "$D" "$VDEV" "$ISO/b.iso"
check "saved-config: updated" saved_updated
check "xl save + restore while the qmp-socket-lock is held, as the daemon holds it: xl waits and succeeds" \
    save_beside_lock
check "the restored guest's QEMU holds b.iso (query-block)" \
    medium_is "$ISO/b.iso"
check "xl list -l of the restored guest shows b.iso" xl_remembers "$ISO/b.iso"
check "xen-cdromd adopts the restored guest's drive" adopted
check "xen-cdrom eject before a save: done" xen-cdrom eject "$D" "$VDEV"
check "saved-config: updated" saved_updated
check "xl save + xl restore after the eject" save_restore
check "the restored guest's QEMU drive is empty (query-block)" medium_is ""
check "xl list -l of the restored guest shows no medium" xl_remembers ""
check "xen-cdromd adopts the restored guest's drive" adopted
check "xen-cdromd ends cleanly on SIGTERM, logging no error or warning but the follows" \
    daemon_down

echo "# figures: every change (tool, kind, name, wall ms, xenstore requests: all, client, daemon, others; watch events; QMP sessions, commands)"
sed 's/^/# figure /' "$WORK/figures"
echo "# figures: medians over $ROUNDS rounds (inserts: b.iso and a.iso back)"
{
	echo "req: all xenstore requests (client + daemon + others, e.g. QEMU); qmp: QMP sessions/commands (capabilities not counted)"
	side_by_side xl xen-cdromd 40
} | sed 's/^/# figure /'
for f in "$WORK"/ops-*; do
	echo "# xenstore requests of the first ${f##*/ops-}, by type:"
	sed 's/^/#   /' "$f"
done
echo "# xen-cdromd log:"
sed 's/^/#   /' "$WORK/cdromd.log"
check "the guest is destroyed" timeout "$T" xl destroy "$D"
# The same guest with its QEMU in a Linux stub domain.
# shellcheck source=tests/system/stub-test.sh
. "$P/stub-test.sh"
finish
