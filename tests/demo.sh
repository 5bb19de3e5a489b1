#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-only
#
# make demo: brings up the embedded test host (a real xenstored, a guest
# whose CD drive is emulated by a real QEMU in dom0, and a guest whose
# QEMU runs in a simulated Linux stub domain), starts xen-cdromd, and
# changes both CDs live while you watch the daemon's steps; the first is
# then ejected as the guest's own tools would.  On a terminal the host
# then stays up, and $BUILD/demo.env (". build/demo.env" in another
# shell) points xen-cdrom at it; everything is torn down at the end.
#
#	tests/demo.sh [BUILD]

# as_guest sets XENSTORED_PATH in a subshell on purpose: ours is dom0's.
# shellcheck disable=SC2031
set -u
BUILD=$(cd "${1:-build}" && pwd) || exit 1
export BUILD
# Orphans of the host (xenstored, QEMU) are ours to reap and to end.
if [ -z "${XCD_REAPER:-}" ]; then
	XCD_REAPER=$$ exec "$BUILD/tests/host/reaper" bash "$0" "$@"
fi
# shellcheck source=tests/host/host.sh
. "$(dirname "$0")/host/host.sh"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }
fail() { echo "demo: $*" >&2; exit 1; }

# show_new_log: prints the daemon's log lines not shown yet.
log_shown=0
show_new_log() {
	local total
	total=$(wc -l <"$HOSTDIR/log/cdromd.log")
	[ "$total" -gt "$log_shown" ] || return 0
	sed -n "$((log_shown + 1)),${total}p" "$HOSTDIR/log/cdromd.log" |
	    sed 's/^.* xen-cdromd: /  xen-cdromd: /'
	log_shown=$total
}

# until_settled: shows the daemon's steps as they happen, until the
# drive $R is done with what was asked, or in error.
until_settled() {
	local state i
	for ((i = 0; i < 200; i++)); do
		show_new_log
		state=$(xenstore-read "$R/state" 2>/dev/null)
		[ "$state" = "done" ] && [ "$(xenstore-read "$R/medium")" = \
		    "$(xenstore-read "$R/target")" ] && break
		[ "$state" = error ] && break
		sleep 0.05
	done
	sleep 0.1
	show_new_log
}

ENVFILE=$BUILD/demo.env
trap 'rm -f "$ENVFILE"; host_stop' EXIT
say "Starting the embedded host: xenstored 4.17 under the shim"
# shellcheck disable=SC2119 # no directory: a new temporary one
host_start || fail "the test host did not start"
echo "xenstored: $XENSTORED_PATH"

export XEN_LIB_DIR=$HOSTDIR/xenlib
mkdir -p "$XEN_LIB_DIR" || fail "cannot make $XEN_LIB_DIR"
DEMO=$HOSTDIR/images
mkdir -p "$DEMO"
if ! make_iso "$DEMO/installer.iso" 4M ||
    ! make_iso "$DEMO/drivers.iso" 2M; then
	fail "cannot make images"
fi
printf 'guest-eject = yes\nallowed-dir = %s\n' "$DEMO" >"$HOSTDIR/cdromd.conf"

say "Domain 1: an HVM guest whose drive hdc (QEMU in dom0) holds installer.iso"
hvm_guest_create 1 hdc "$DEMO/installer.iso" || fail "cannot create the guest"
echo "QEMU pid $(cat "$HOSTDIR/pids/qemu-1"), QMP at $QMPDIR/qmp-libxl-1"
R=/local/domain/1/cdrom-request/hdc

say "Domain 2: an HVM guest whose QEMU runs in stub domain 3 (simulated)"
stubdom_guest_create 2 3 hdc "$DEMO/installer.iso" ||
	fail "cannot create the stub-domain guest"
echo "S's vbd: /local/domain/0/backend/vbd/3/5632, loop device" \
    "$(xenstore-read /local/domain/0/backend/vbd/3/5632/node)"

say "Starting xen-cdromd (config: guest-eject = yes, allowed-dir = $DEMO)"
cdromd_start --config "$HOSTDIR/cdromd.conf" --hotplug-script "$HOTPLUG" ||
	fail "the daemon did not start"
until_settled
run xenstore-ls -p /local/domain/1/cdrom-request

say "A tool asks for drivers.iso: one xenstore write"
run xenstore-write "$R/target" "$DEMO/drivers.iso" "$R/format" raw
until_settled
run xenstore-ls "$R"
echo "QEMU's drive now holds: $(qemu_medium 1 hdc)"
echo "vbd params:             $(xenstore-read /local/domain/0/backend/qdisk/1/5632/params)"

say "The guest itself ejects, through its own ring (it may write only 'eject')"
run as_guest 1 xenstore-write "$R/eject" 1
until_settled
echo "QEMU's drive now holds: \"$(qemu_medium 1 hdc)\""

say "A request outside allowed-dir is refused, with a reason"
run xenstore-write "$R/target" /etc/passwd
until_settled
echo "state: $(xenstore-read "$R/state"), error: $(xenstore-read "$R/error")"

say "Domain 2's QEMU is in stub domain 3: its vbd is replaced, then QEMU takes S's new disk"
R=/local/domain/2/cdrom-request/hdc
run xenstore-write "$R/target" "$DEMO/drivers.iso" "$R/format" raw
until_settled
echo "S's vbd params:         $(xenstore-read /local/domain/0/backend/vbd/3/5632/params)"
echo "QEMU's drive:           $(qemu_block 2 hdc | jq -r .inserted.file)" \
    "($(qemu_medium 2 hdc) holding $(losetup -n -O BACK-FILE \
    "$(qemu_medium 2 hdc)"))"
echo "hotplug script calls:"
hotplug_calls | sed 's/^/  /'

# write_env: the environment another shell needs to reach this host.
write_env() {
	local root
	root=$(cd "$(dirname "$0")/.." && pwd)
	{
		echo "# make demo's host: . $ENVFILE"
		printf 'export XENSTORED_PATH=%q\n' "$XENSTORED_PATH"
		printf 'export XEN_LIB_DIR=%q\n' "$XEN_LIB_DIR"
		# shellcheck disable=SC2016 # expanded by the shell that sources it
		printf 'PATH=%q:$PATH\n' "$BUILD"
		# shellcheck disable=SC2016 # likewise
		printf '[ -n "${BASH_VERSION:-}" ] && . %q\n' \
		    "$root/completion/xen-cdrom.bash"
	} >"$ENVFILE"
}

# On a terminal the host stays up, so that xen-cdrom can be tried on it.
if [ -t 0 ] && [ -t 1 ]; then
	write_env
	say "The host stays up until you press Enter. Try, in another terminal:"
	echo "  . $ENVFILE     # XENSTORED_PATH, xen-cdrom on PATH, completion"
	echo "  xen-cdrom status"
	echo "  xen-cdrom insert 1 hdc $DEMO/installer.iso"
	echo "  xen-cdrom eject guest2 hdc --verbose"
	read -r _
	# What the daemon did meanwhile was shown by xen-cdrom: not again.
	log_shown=$(wc -l <"$HOSTDIR/log/cdromd.log")
else
	say "Not on a terminal: the host is torn down at once" \
	    "(on a terminal it stays up to try xen-cdrom on)"
fi

say "Done; tearing the host down"
cdromd_stop
show_new_log
