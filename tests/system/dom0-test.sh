#!/bin/bash
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
XENBIN=/usr/lib/xen-4.17/bin
export PATH=$P:$P/bin:$XENBIN:/usr/sbin:/usr/bin:/sbin:/bin
# Every command that talks to Xen or QEMU gives up after this, so a hang
# is a failure, not a stuck boot (run.sh has its own overall limit).
T=${SYSTEM_CMD_TIMEOUT:-180}
TRACE=/var/log/xen/xenstored-trace.log
WORK=/tmp/system-test
VDEV=hdc DEVID=5632 ISO=/srv/iso
GUEST=systest

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
boot = "c"
on_crash = "preserve"
disk = [ "vdev=hda,format=raw,access=rw,target=$WORK/boot.img",
         "vdev=$VDEV,devtype=cdrom,format=raw,access=ro,target=$ISO/a.iso" ]
CFG
	timeout "$T" xl create "$WORK/guest.cfg" || return 1
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

# guest_idle: the guest's vCPU time stops growing: SeaBIOS is done with
# the CD drive and the boot sector halts, so the guest touches the drive
# no more (SeaBIOS probing it would close its tray under a change).
guest_idle() {
	local last=x cur i
	for ((i = 0; i < T / 3; i++)); do
		cur=$(xl vcpu-list "$D" | awk 'NR == 2 { print $6 }')
		[ "$cur" = "$last" ] && { echo "vCPU time $cur s"; return 0; }
		last=$cur
		sleep 3
	done
	echo "vCPU time still growing: $cur s"
	return 1
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

# The trace counts lines; a change's operations are the lines it adds.
trace_mark() {
	wc -l <"$TRACE"
}

# trace_count FROM: the requests xenstored received since line FROM,
# the watch events it sent and the connections opened.
trace_count() {
	tail -n +"$(($1 + 1))" "$TRACE" | awk '
		/^IN /                 { req++ }
		/^OUT .*WATCH_EVENT/   { ev++ }
		/^CREATE /             { conn++ }
		END { printf "%d requests, %d watch events, %d connections\n",
		      req, ev, conn }'
}

# change WHO NAME CMD...: runs one change, timed and traced, records its
# figures in $WORK/figures and its snapshot in $WORK/NAME.snap.
change() {
	local who=$1 name=$2 t0 t1 mark rc=0
	shift 2
	mark=$(trace_mark)
	t0=$(now_ms)
	timeout "$T" "$@" || rc=$?
	t1=$(now_ms)
	# The daemon's and QEMU's last writes may trail the client's exit.
	sleep 1
	printf '%-12s %-22s %6d ms  %s\n' "$who" "$name" $((t1 - t0)) \
	    "$(trace_count "$mark")" >>"$WORK/figures"
	snapshot >"$WORK/$name.snap" 2>&1 || rc=1
	cat "$WORK/$name.snap"
	return "$rc"
}

# same A B: the two snapshots agree.
same() {
	diff -u "$WORK/$1.snap" "$WORK/$2.snap"
}

daemon_up() {
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
	[ "$rc" = 0 ] && ! grep -iE 'error|warn' "$WORK/cdromd.log"
}

request_done() {
	xenstore-ls -f "/local/domain/$D/cdrom-request/$VDEV"
	[ "$(xenstore-read "/local/domain/$D/cdrom-request/$VDEV/state")" = "done" ] &&
	    [ "$(xenstore-read "/local/domain/$D/cdrom-request/$VDEV/medium")" = "$1" ]
}

stub_path() {
	local f
	for f in /usr/lib/xen-4.17/boot/ioemu-stubdom.gz \
	    /usr/lib/xen/boot/qemu-stubdom-linux-kernel \
	    /usr/lib/xen-4.17/boot/qemu-stubdom-linux-kernel; do
		[ -e "$f" ] && { echo "$f"; return 0; }
	done
	return 1
}

echo "# dom0: $(uname -r), $(nproc) cpu, $(($(sed -n 's/MemTotal: *\([0-9]*\).*/\1/p' /proc/meminfo) / 1024)) MiB"
if ! check "dom0 brings up xenstored (traced), xenconsoled and xl" up; then
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

# The baseline: xl.
check "xl cd-eject empties the drive" \
    change "xl" eject-xl xl cd-eject "$D" "$VDEV"
check "QEMU's drive is empty after xl cd-eject" medium_is ""
check "xl cd-insert puts b.iso in" \
    change "xl" insert-xl xl cd-insert "$D" "$VDEV" "$ISO/b.iso"
check "QEMU's drive holds b.iso after xl cd-insert" medium_is "$ISO/b.iso"
check "xl cd-insert puts a.iso back" \
    change "xl" back-xl xl cd-insert "$D" "$VDEV" "$ISO/a.iso"

# The same changes through xen-cdromd.
check "xen-cdromd adopts the guest's drive with a.iso in it" daemon_up
check "xen-cdrom eject: done" \
    change "xen-cdromd" eject-cdromd xen-cdrom eject "$D" "$VDEV"
check "the request ends done with no medium" request_done ""
check "QEMU's drive is empty after xen-cdromd's eject" medium_is ""
check "xl block-list, xenstore and QEMU as after xl cd-eject" \
    same eject-xl eject-cdromd
check "xen-cdrom insert b.iso: done" \
    change "xen-cdromd" insert-cdromd xen-cdrom insert "$D" "$VDEV" "$ISO/b.iso"
check "the request ends done with b.iso" request_done "$ISO/b.iso"
check "QEMU's drive holds b.iso after xen-cdromd's insert" medium_is "$ISO/b.iso"
check "xl block-list, xenstore and QEMU as after xl cd-insert" \
    same insert-xl insert-cdromd
check "xen-cdrom insert a.iso: done" \
    change "xen-cdromd" back-cdromd xen-cdrom insert "$D" "$VDEV" "$ISO/a.iso"
check "the same state as xl's way back to a.iso" same back-xl back-cdromd
check "xl cd-insert still works after xen-cdromd's changes" \
    change "xl" after-cdromd xl cd-insert "$D" "$VDEV" "$ISO/b.iso"
check "QEMU's drive holds b.iso after that" medium_is "$ISO/b.iso"
check "xen-cdromd ends cleanly on SIGTERM, logging no error or warning" \
    daemon_down

if stub=$(stub_path); then
	echo "# stub domain image $stub found, but this test has no stub-domain case yet"
else
	echo "# skip: stub domain: Debian 12 ships no stub-domain image for qemu-xen" \
	    "(no ioemu-stubdom.gz or qemu-stubdom-linux-kernel/rootfs under" \
	    "/usr/lib/xen*/boot); see docs/testing.md"
fi

echo "# figures: wall time (client start to exit, done) and xenstore traffic per change"
sed 's/^/# figure /' "$WORK/figures"
echo "# xen-cdromd log:"
sed 's/^/#   /' "$WORK/cdromd.log"
check "the guest is destroyed" timeout "$T" xl destroy "$D"
finish
