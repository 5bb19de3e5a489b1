# SPDX-License-Identifier: LGPL-2.1-only
# shellcheck shell=bash
#
# The embedded test host: a real xenstored 4.17 under xsshim.so, guest
# domains played by xs-ring, and HVM guests' device models played by
# real QEMUs, laid out in xenstore exactly as libxl 4.17 lays them out.
# Sourced by tests/t/lib.sh and tests/demo.sh; needs $BUILD (default
# "build") to hold tests/host/{xsshim.so,xs-ring,xs-tx}.
#
# This file holds the host's settings and sources its parts, one file
# per job:
#   host-proc.sh   the host's and the daemon's processes: start, stop,
#                  spawn, poll, kill
#   host-libxl.sh  libxl's xenstore layout: domains, vbd records, vdevs
#   host-qemu.sh   QEMU: launching guests' device models, QMP, block and
#                  fdset queries, images
#   host-stub.sh   stub domains: blkback-sim, the stub agent, stub vbds,
#                  the hotplug script
#
# Everything lives in $HOSTDIR, and host_stop removes it:
#   shim/         $XSHIM_DIR, the fake hypervisor (tests/host/xshim.h)
#   run/socket    $XENSTORED_PATH, dom0's connection to xenstored
#   dom-D.sock    guest D's connection (its ring, through xs-ring)
#   qmp/          $QMPDIR: qmp-libxl-D (the daemon's) and qmp-test-D
#   pids/         one file per process we started: host_stop kills them
#   log/          xenstored's log and trace, one log per ring and QEMU,
#                 blkback.log, stub-S.log, hotplug.calls
#
# Stub domains add dom0's block backend (blkback-sim), the hotplug
# script $HOTPLUG, loop devices, and in each stub domain S an agent
# (stub-agent) playing S's blkfront and QEMU glue.  host_stop detaches
# every loop device whose file is under $HOSTDIR.

HOST_XENSTORED=${HOST_XENSTORED:-/usr/lib/xen-4.17/bin/xenstored}
# tests/host, where the shell helpers live (hotplug-block).
HOST_SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# The block hotplug script of stub domains' vbds: libxl writes it into
# the backend's "script" and runs it; tests give it to the daemon's
# --hotplug-script.
HOTPLUG=${HOTPLUG:-$HOST_SCRIPT_DIR/hotplug-block}
export HOTPLUG
HOST_QEMU=${HOST_QEMU:-qemu-system-x86_64}
# Extra arguments, split on blanks, for the guests' QEMUs started while
# it is set (hvm_guest_create*, stubdom_guest_create): a boot disk for a
# guest program, say (t4200's tray-locking boot sector).
HOST_QEMU_EXTRA=${HOST_QEMU_EXTRA:-}
# How long any wait of the host gives up after, in seconds.
HOST_TIMEOUT=${HOST_TIMEOUT:-20}
# shellcheck source=tests/host/libxl-json.sh
. "$HOST_SCRIPT_DIR/libxl-json.sh"
# shellcheck source=tests/host/host-proc.sh
. "$HOST_SCRIPT_DIR/host-proc.sh"
# shellcheck source=tests/host/host-libxl.sh
. "$HOST_SCRIPT_DIR/host-libxl.sh"
# shellcheck source=tests/host/host-qemu.sh
. "$HOST_SCRIPT_DIR/host-qemu.sh"
# shellcheck source=tests/host/host-stub.sh
. "$HOST_SCRIPT_DIR/host-stub.sh"
