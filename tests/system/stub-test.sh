# shellcheck shell=bash
# shellcheck disable=SC2016 # check's eval'ed code expands when it runs
# SPDX-License-Identifier: LGPL-2.1-only
# The stub-domain rounds of the real-Xen test, sourced by dom0-test.sh
# after its dom0 rounds (it uses that file's report/check/change helpers
# and xenstored's trace): installs the stub-domain kernel and rootfs
# under libxl's default names (the image's stub base with the project's
# /init and xen-cdromd-stub appended as a second cpio, built by run.sh),
# starts an HVM guest whose QEMU runs in a real Linux stub domain, and
# changes its CD SYSTEM_ROUNDS times (eject, insert b, insert a) with
# xl on Xen 4.20 (refused on 4.17) and with xen-cdromd on both.  After
# every change: the request, QEMU's query-block through libxl's QMP
# proxy, the stub's vbd, xl block-list of guest and stub, nothing left
# over, and what the guest itself reads from the drive
# (tests/system/cdread.asm, on Xen's debug port, in xl dmesg).

XV=${XENBIN#/usr/lib/xen-}
XV=${XV%/bin}
XENBOOT=/usr/lib/xen-$XV/boot
SG=stubtest

stub_install() {
	[ -s "$P/stub/kernel" ] && [ -s "$P/stub/stub-base.cpio" ] &&
	    [ -s "$P/stub/stub-own.cpio" ] || return 1
	cp "$P/stub/kernel" "$XENBOOT/qemu-stubdom-linux-kernel"
	cat "$P/stub/stub-base.cpio" "$P/stub/stub-own.cpio" \
	    >"$XENBOOT/qemu-stubdom-linux-rootfs"
	ls -l "$XENBOOT"
}

# The media carry what the guest prints when it reads them.  They live
# on an ext4 filesystem, not dom0's ramfs: Xen 4.17 backs the stub's
# first CD with qdisk, and QEMU's qdisk opens "aio:" images O_DIRECT,
# which ramfs refuses (the stub then reads no medium).
SISO=/srv/stubiso
stub_media() {
	mkdir -p "$SISO" &&
	truncate -s 64M "$WORK/isofs.img" &&
	mkfs.ext4 -q -F "$WORK/isofs.img" &&
	mount -o loop "$WORK/isofs.img" "$SISO" &&
	truncate -s 2M "$SISO/a.iso" && truncate -s 4M "$SISO/b.iso" &&
	printf 'MEDIUM-A' | dd of="$SISO/a.iso" conv=notrunc status=none &&
	printf 'MEDIUM-B' | dd of="$SISO/b.iso" conv=notrunc status=none &&
	cp "$P/cdread.img" "$WORK/cdread.img" &&
	truncate -s 1M "$WORK/cdread.img"
}

stub_cfg() {
	local bt="" pv=""
	# 4.20 backs a stub's CD with qdisk unless told phy, and only a phy
	# vbd can be changed; 4.17 refuses anything but qdisk.  QEMU 10, as
	# the stub's console backend in dom0, makes console 2 only with
	# -serial devices.
	if [ "$XV" != 4.17 ]; then
		bt="backendtype=phy,"
		pv='device_model_args_pv = [ "-serial", "null", "-serial", "null", "-serial", "null" ]'
	fi
	cat >"$WORK/stub.cfg" <<CFG
name = "$SG"
type = "hvm"
memory = 64
vcpus = 1
device_model_version = "qemu-xen"
device_model_stubdomain_override = 1
stubdomain_memory = 256
stubdomain_cmdline = "quiet"
vga = "none"
vnc = 0
sdl = 0
vkb_device = 0
boot = "c"
on_crash = "preserve"
on_reboot = "destroy"
$pv
disk = [ "vdev=hda,format=raw,access=rw,target=$WORK/cdread.img",
         "vdev=$VDEV,devtype=cdrom,format=raw,access=ro,${bt}target=$SISO/a.iso" ]
CFG
}

# xl create, once more if libxl gave up waiting for the stub's QEMU
# (30 s, tight under TCG); CREATES says how many it took.
CREATES=0
stub_guest_up() {
	local t0 rc
	stub_cfg
	cat "$WORK/stub.cfg"
	for CREATES in 1 2; do
		t0=$(now_ms)
		rc=0
		timeout "$T" xl create "$WORK/stub.cfg" >"$WORK/create-$CREATES" 2>&1 ||
			rc=$?
		echo "xl create (try $CREATES): exit $rc in $(($(now_ms) - t0)) ms" |
		    tee -a "$WORK/create-$CREATES"
		[ "$rc" = 0 ] && break
		# What the stub domain said (console 0), for the report.
		cp /var/log/xen/qemu-dm-"$SG".log "$WORK/stublog-$CREATES" 2>/dev/null
		xl destroy "$SG" 2>/dev/null
		xl destroy "$SG-dm" 2>/dev/null
		sleep 2
	done
	[ "$rc" = 0 ] || return 1
	D=$(xl domid "$SG") && S=$(xl domid "$SG-dm") || return 1
	QMPQ=/var/run/xen/qmp-libxl-$D
	xl list
	echo "guest $D, stub domain $S; QMP $QMPQ"
	timeout "$T" qmp.py "$QMPQ" drive "ide-$DEVID"
}

# guest_sees WHAT: the last line the guest printed about its CD is
# "CDREAD WHAT" ("none" for no medium), within 60 s.
guest_sees() {
	local i got
	for ((i = 0; i < 60; i++)); do
		got=$(xl dmesg | tr -d '\r' | grep -E "\\(d${D}\\)" |
		    grep -o 'CDREAD .*' | tail -n 1)
		[ "$got" = "CDREAD $1" ] && { echo "guest: $got"; return 0; }
		sleep 1
	done
	echo "guest's last word: \"$got\", not \"CDREAD $1\""
	xl dmesg | grep -E "\\(d${D}\\)" | tail -n 10
	return 1
}

# The stub's vbd and libxl's records, without what is new on every
# attach (loop device numbers, grant refs).
stub_vbd_show() {
	local be
	be=$(xenstore-read "/libxl/$S/device/vbd/$DEVID/backend") || return 1
	echo "== stub vbd $be"
	# Sorted: xenstored lists children in the order they were made,
	# which says nothing about the device (the daemon writes params
	# after libxl's other keys).
	xenstore-ls -fp "$be" >"$WORK/stub-be" || return 1
	sed -E <"$WORK/stub-be" \
	    -e 's/^([^ ]*\/(physical-device|physical-device-path|node)) = .*/\1 = (varies)/' |
	    sort
	echo "== stub frontend state"
	xenstore-read "/local/domain/$S/device/vbd/$DEVID/state"
}

# snapshot, for the stub guest: xl block-list of guest and stub, the
# guest's vbd, the stub's vbd, QEMU's drive.
snapshot() {
	local be
	echo "== xl block-list $D"
	timeout "$T" xl block-list "$D" || return 1
	echo "== xl block-list $S"
	timeout "$T" xl block-list "$S" | sed -E 's/^(Vdev.*|[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +)(.*)$/\1/'
	be=$(xenstore-read "/libxl/$D/device/vbd/$DEVID/backend") || return 1
	echo "== guest backend $be"
	xenstore-ls -fp "$be" >"$WORK/guest-be" || return 1
	sort "$WORK/guest-be"
	stub_vbd_show || return 1
	echo "== qemu"
	timeout "$T" qmp.py "$QMPQ" drive "ide-$DEVID" | jq -cS 'del(.fdsets)'
}

# What must not pile up: S's vbds (phy + qdisk: the kind may change on
# 4.17, the number may not), libxl's records of them, and dom0's loop
# devices: one for each phy vbd that names a file, plus the media's
# filesystem.
leftovers() {
	local phy qd lx
	phy=$(xenstore-list "/local/domain/0/backend/vbd/$S" 2>/dev/null | wc -l)
	qd=$(xenstore-list "/local/domain/0/backend/qdisk/$S" 2>/dev/null | wc -l)
	lx=$(xenstore-list "/libxl/$S/device/vbd" 2>/dev/null | wc -l)
	echo "$((phy + qd)) $lx"
}

LEFT0=
nothing_left() {
	local now f params want got
	now=$(leftovers)
	echo "S's vbds, libxl's records of them: $now (at start: $LEFT0)"
	losetup -a
	[ "$now" = "$LEFT0" ] || return 1
	params=$(xenstore-ls -f /local/domain/0/backend/vbd | grep '/params = "/')
	want=$(($(echo "$params" | grep -c .) + 1))
	got=$(losetup -a | wc -l)
	echo "loop devices: $got, phy vbds naming a file + 1: $want"
	[ "$got" = "$want" ] || return 1
	for f in $(losetup -a -n -O BACK-FILE 2>/dev/null | sed 's/ (deleted)$//' |
	    grep -vxF "$WORK/isofs.img"); do
		# /var/run is /run: libxl names the empty CD by the first.
		echo "$params" | grep -qF -e "\"$f\"" -e "\"/var$f\"" ||
		    { echo "loop on $f, which no vbd names"; return 1; }
	done
}

# fdsets_are N: QEMU holds N fdsets.
fdsets_are() {
	local got
	got=$(timeout "$T" qmp.py "$QMPQ" drive "ide-$DEVID" | jq .fdsets)
	echo "fdsets: $got"
	[ "$got" = "$1" ]
}

# after_change WHO MEDIUM PRINTS: the checks after every change.
after_change() {
	local who=$1 medium=$2 prints=$3
	scheck "$who: QEMU's drive in the stub holds ${medium:-nothing}" \
	    medium_is "$medium"
	scheck "$who: the guest reads ${prints} from its drive" \
	    guest_sees "$prints"
	scheck "$who: the stub's vbd $DEVID is Connected" \
	    eval '[ "$(xenstore-read "/local/domain/0/backend/$(stub_kind)/$S/$DEVID/state")" = 4 ]'
	scheck "$who: no vbd, loop device or fdset left over" \
	    eval 'nothing_left && fdsets_are "$([ -n "$medium" ] && echo 1 || echo 0)"'
}

# The stub's vbd kind: qdisk at start on 4.17, phy after a change.
stub_kind() {
	local be
	be=$(xenstore-read "/libxl/$S/device/vbd/$DEVID/backend")
	case $be in */qdisk/*) echo qdisk ;; *) echo vbd ;; esac
}

# scheck: check, its start timed on the console (a hang shows where).
scheck() {
	echo "# $(date +%T) $1"
	check "$@"
}

echo "# stub domains: Xen $XV, boot dir $XENBOOT"
if ! scheck "the stub domain's kernel and rootfs are installed under libxl's default names" \
    stub_install; then
	return 0 2>/dev/null || finish
fi
scheck "the stub guest's boot sector and media are ready" stub_media
# dom0-test.sh's helpers (daemon_up ...) name the media by $ISO.
# shellcheck disable=SC2034 # read by dom0-test.sh's functions
ISO=$SISO
t0=$(now_ms)
if ! scheck "xl create starts an HVM guest whose QEMU runs in a Linux stub domain" \
    stub_guest_up; then
	for f in "$WORK"/create-* "$WORK"/stublog-*; do
		[ -e "$f" ] || continue
		echo "# ${f##*/}:"
		grep -vE 'initialise\(\) failed|^\[ *[0-9.]+\] ' "$f" | tail -n 40 | sed 's/^/#   /'
	done
	for f in /var/log/xen/qemu-dm-"$SG"*.log /var/log/xen/xl-"$SG".log; do
		[ -e "$f" ] && { echo "# $f:"; tail -n 60 "$f" | sed 's/^/#   /'; }
	done
	return 0 2>/dev/null || finish
fi
for f in "$WORK"/create-* "$WORK"/stublog-*; do
	[ -e "$f" ] || continue
	echo "# ${f##*/}:"
	grep -vE 'initialise\(\) failed|^\[ *[0-9.]+\] ' "$f" | tail -n 30 | sed 's/^/#   /'
done
echo "# stub guest $D up with stub domain $S in $(($(now_ms) - t0)) ms, xl create tries: $CREATES"
echo "# figure stub xl-create-ms $(($(now_ms) - t0)) tries $CREATES"
sed 's/^/#   stub: /' /var/log/xen/qemu-dm-"$SG".log 2>/dev/null | grep -E 'stub-init|xen-cdromd-stub|privcmd' | head -n 20
LEFT0=$(leftovers)
scheck "the guest reads a.iso from its drive" guest_sees MEDIUM-A
scheck "QEMU in the stub holds a.iso" medium_is "$SISO/a.iso"
scheck "the stub's CD vbd is $(stub_kind) on Xen $XV" \
    eval '[ "$(stub_kind)" = "$([ "$XV" = 4.17 ] && echo qdisk || echo vbd)" ]'

# Xen 4.20's xl cd-eject of a stub domain's CD empties the drive (QEMU's,
# the stub's vbd, libxl's records: the checks after it say so) but its
# own timer then ends it, about 40 s after the start, with "cdrom
# insertion timed out" and exit 1; every eject did so under TCG here.
# That one failure is a finding about libxl, reported below, not a
# failure of this test; any other failure of xl is.
XL_STUB_EJECT='out=$(xl -vvv cd-eject "$1" "$2" 2>&1); rc=$?
printf "%s\n" "$out"
if [ "$rc" = 1 ] && printf "%s" "$out" | grep -q "cdrom insertion timed out"; then
	echo "LIBXL-EJECT-TIMER: xl cd-eject exited 1 on libxl'"'"'s own timer"
	exit 0
fi
exit "$rc"'

if [ "$XV" = 4.17 ]; then
	scheck "Xen 4.17: xl cd-insert refuses a stub domain's drive" \
	    eval '! timeout "$T" xl cd-insert "$D" "$VDEV" "$SISO/b.iso" && medium_is "$SISO/a.iso"'
else
	for ((r = 1; r <= ROUNDS; r++)); do
		scheck "xl cd-eject (stub, round $r)" \
		    change xl-stub eject "s-eject-xl-$r" \
		    bash -c "$XL_STUB_EJECT" xl-stub-eject "$D" "$VDEV"
		after_change xl "" none
		scheck "xl cd-insert b.iso (stub)" \
		    change xl-stub insert "s-insert-xl-$r" \
		    xl cd-insert "$D" "$VDEV" "$SISO/b.iso"
		after_change xl "$SISO/b.iso" MEDIUM-B
		scheck "xl cd-insert a.iso back (stub)" \
		    change xl-stub insert "s-back-xl-$r" \
		    xl cd-insert "$D" "$VDEV" "$SISO/a.iso"
		after_change xl "$SISO/a.iso" MEDIUM-A
	done
fi

if [ "$XV" != 4.17 ]; then
	timers=$(cat "$WORK"/s-eject-xl-*.out | grep -c '^LIBXL-EJECT-TIMER' || true)
	echo "# finding: Xen $XV: xl cd-eject of the stub's CD ended on libxl's own timer" \
	    "(\"cdrom insertion timed out\", exit 1) in $timers of $ROUNDS rounds," \
	    "after emptying the drive"
	echo "# figure stub xl-eject-timer $timers of $ROUNDS"
fi
scheck "xen-cdromd adopts the stub guest's drive with a.iso in it, changing nothing" \
    eval 'daemon_up && medium_is "$SISO/a.iso" && guest_sees MEDIUM-A && nothing_left'
for ((r = 1; r <= ROUNDS; r++)); do
	scheck "xen-cdrom eject (stub, round $r): done" \
	    change xen-cdromd-stub eject "s-eject-cdromd-$r" \
	    xen-cdrom eject "$D" "$VDEV"
	scheck "the request ends done with no medium" request_done ""
	after_change xen-cdromd "" none
	[ "$XV" != 4.17 ] && scheck "the same state as after xl cd-eject (stub)" \
	    same s-eject-xl-1 "s-eject-cdromd-$r"
	scheck "xen-cdrom insert b.iso (stub): done" \
	    change xen-cdromd-stub insert "s-insert-cdromd-$r" \
	    xen-cdrom insert "$D" "$VDEV" "$SISO/b.iso"
	scheck "the request ends done with b.iso" request_done "$SISO/b.iso"
	after_change xen-cdromd "$SISO/b.iso" MEDIUM-B
	[ "$XV" != 4.17 ] && scheck "the same state as after xl cd-insert (stub)" \
	    same s-insert-xl-1 "s-insert-cdromd-$r"
	scheck "xen-cdrom insert a.iso back (stub): done" \
	    change xen-cdromd-stub insert "s-back-cdromd-$r" \
	    xen-cdrom insert "$D" "$VDEV" "$SISO/a.iso"
	scheck "the request ends done with a.iso" request_done "$SISO/a.iso"
	after_change xen-cdromd "$SISO/a.iso" MEDIUM-A
	[ "$XV" != 4.17 ] && scheck "the same state as xl's way back to a.iso (stub)" \
	    same s-back-xl-1 "s-back-cdromd-$r"
done
scheck "xen-cdromd ends cleanly on SIGTERM (stub guest)" daemon_down
echo "# figures: stub-domain changes (tool, kind, name, wall ms, xenstore requests: all, client, daemon, others; watch events; QMP sessions, commands)"
grep -E '^(xl-stub|xen-cdromd-stub) ' "$WORK/figures" | sed 's/^/# figure /'
{
	echo "stub domain, Xen $XV: median wall ms, xenstore requests (client+daemon+others), watch events"
	side_by_side xl-stub xen-cdromd-stub 44 "(refused)"
} | sed 's/^/# figure /'
echo "# the stub domain's log (console 0):"
grep -E 'stub-init|xen-cdromd-stub' /var/log/xen/qemu-dm-"$SG".log 2>/dev/null | tail -n 40 | sed 's/^/#   /'
echo "# xen-cdromd log (stub guest):"
sed 's/^/#   /' "$WORK/cdromd.log" | tail -n 80
scheck "the stub guest and its stub domain are destroyed" \
    eval 'timeout "$T" xl destroy "$D" && sleep 2 && ! xl domid "$SG-dm"'
