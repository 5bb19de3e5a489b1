# shellcheck shell=bash
# SPDX-License-Identifier: LGPL-2.1-only
#
# The embedded test host's processes (sourced by host.sh): starting and
# stopping the host itself (xenstored under the shim), background
# processes started, polled and killed through their pid files, and the
# daemon under test.
#
# Background processes are started as grandchildren, "( cmd & )", so the
# shell neither reaps them nor prints job notices, and a test's
# subshell can start one that outlives it.

# host_alive PID: the process exists and is not a zombie (PID 1 here may
# not reap the orphans we leave it).
host_alive() {
	local stat
	[ -r "/proc/$1/stat" ] || return 1
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[ "${stat%% *}" != Z ]
}

host_dead() {
	! host_alive "$1"
}

# host_poll CMD...: runs CMD every 50ms until it succeeds; fails after
# $HOST_TIMEOUT seconds.
host_poll() {
	local i
	for ((i = 0; i < HOST_TIMEOUT * 20; i++)); do
		"$@" && return 0
		sleep 0.05
	done
	return 1
}

# host_kill PIDFILE: SIGTERM, then SIGKILL if it lingers; removes PIDFILE.
host_kill() {
	local pid
	pid=$(cat "$1" 2>/dev/null) || return 0
	rm -f "$1"
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	host_poll host_dead "$pid" && return 0
	kill -KILL "$pid" 2>/dev/null
	host_poll host_dead "$pid"
}

# host_spawn NAME CMD...: starts CMD in the background, stdin from
# /dev/null and output to log/NAME.log, its pid in pids/NAME.
host_spawn() {
	local name=$1
	shift
	("$@" </dev/null >>"$HOSTDIR/log/$name.log" 2>&1 &
	 echo $! >"$HOSTDIR/pids/$name")
}

# host_lines LOG PATTERN: how many lines of log/LOG match PATTERN.
host_lines() {
	local n
	n=$(grep -c -- "$2" "$HOSTDIR/log/$1" 2>/dev/null) || n=0
	echo "$n"
}

# host_more_lines LOG PATTERN N: more than N lines of log/LOG match.
host_more_lines() {
	[ "$(host_lines "$1" "$2")" -gt "$3" ]
}

# host_start [DIR]: starts xenstored under the shim in DIR (default: a
# new temporary directory) and exports HOSTDIR, XSHIM_DIR, QMPDIR,
# XENSTORED_PATH and XENSTORED_RUNDIR, so the xenstore-* tools talk to
# it as dom0.
host_start() {
	local bin
	if [ -n "${HOSTDIR:-}" ]; then
		echo "host_start: a host is running in $HOSTDIR" >&2
		return 1
	fi
	bin=$(cd "${BUILD:-build}/tests/host" && pwd) || return 1
	HOST_BIN=$bin
	HOSTDIR=${1:-$(mktemp -d "${TMPDIR:-/tmp}/xcd-host.XXXXXX")} ||
		return 1
	export HOSTDIR HOST_BIN
	export XSHIM_DIR=$HOSTDIR/shim QMPDIR=$HOSTDIR/qmp
	export XENSTORED_RUNDIR=$HOSTDIR/run
	export XENSTORED_PATH=$HOSTDIR/run/socket
	mkdir -p "$XSHIM_DIR" "$QMPDIR" "$XENSTORED_RUNDIR" \
	    "$HOSTDIR/pids" "$HOSTDIR/log" || return 1
	host_spawn xenstored env LD_PRELOAD="$HOST_BIN/xsshim.so" \
	    "$HOST_XENSTORED" --no-fork \
	    --pid-file "$XENSTORED_RUNDIR/xenstored.pid" \
	    -T "$HOSTDIR/log/xenstored.trace"
	# setup_structure() writes /tool/xenstored before the first accept.
	if ! host_poll host_xenstored_up ||
	    ! xenstore-exists /tool/xenstored 2>/dev/null; then
		echo "host_start: xenstored did not answer" >&2
		cat "$HOSTDIR/log/xenstored.log" >&2
		return 1
	fi
}

# host_xenstored_up: xenstored answers, or it died (then the caller's
# next step fails at once rather than after $HOST_TIMEOUT).
host_xenstored_up() {
	xenstore-exists /tool/xenstored 2>/dev/null ||
	    ! host_alive "$(cat "$HOSTDIR/pids/xenstored")"
}

# host_stop: stops everything the host started, removes $HOSTDIR.
# Safe to call twice, or with no host.
host_stop() {
	local f
	[ -n "${HOSTDIR:-}" ] || return 0
	# Daemons first, so none of them reacts to the teardown.
	for f in "$HOSTDIR"/pids/cdromd* "$HOSTDIR"/pids/stub-* \
	    "$HOSTDIR"/pids/blkback "$HOSTDIR"/pids/qemu-* \
	    "$HOSTDIR"/pids/ring-* "$HOSTDIR"/pids/*; do
		[ -f "$f" ] && host_kill "$f"
	done
	# A ring says nothing unless something went wrong (a sanitizer...).
	for f in "$HOSTDIR"/log/ring-*.log; do
		[ -s "$f" ] && { echo "host_stop: ${f##*/}:"; cat "$f"; } >&2
	done
	host_detach_loops
	rm -rf "$HOSTDIR"
	unset HOSTDIR XSHIM_DIR QMPDIR XENSTORED_PATH XENSTORED_RUNDIR
}

# as_guest D CMD...: runs CMD (a command or a function) as domain D.
as_guest() {
	local d=$1
	shift
	(export XENSTORED_PATH=$HOSTDIR/dom-$d.sock; "$@")
}

# cdromd_start [ARGS...]: starts $BUILD/xen-cdromd --foreground with
# the host's QMP directory; its output goes to log/cdromd.log.
#
# $CDROMD_BIN names another daemon binary (a fault-injecting build, say);
# $CDROMD_WRAPPER, a command to run it under (valgrind and its options).
cdromd_start() {
	local bin wrapper
	bin=${CDROMD_BIN:-$(cd "${BUILD:-build}" && pwd)/xen-cdromd}
	read -r -a wrapper <<<"${CDROMD_WRAPPER:-}"
	# The wrapper shell waits for the daemon to keep its exit status.
	(sh -c '"$@" & echo $! >"$0/pids/cdromd"; wait $!
	    echo $? >"$0/cdromd.status"' "$HOSTDIR" \
	    "${wrapper[@]}" "$bin" --foreground --qmp-dir "$QMPDIR" "$@" \
	    </dev/null >>"$HOSTDIR/log/cdromd.log" 2>&1 &)
	host_poll test -s "$HOSTDIR/pids/cdromd"
}

# cdromd_stop: SIGTERM to the daemon; returns its exit status.
cdromd_stop() {
	local rc
	[ -f "$HOSTDIR/pids/cdromd" ] || return 0
	host_kill "$HOSTDIR/pids/cdromd"
	host_poll test -s "$HOSTDIR/cdromd.status" || return 1
	rc=$(cat "$HOSTDIR/cdromd.status")
	rm -f "$HOSTDIR/cdromd.status"
	return "$rc"
}
