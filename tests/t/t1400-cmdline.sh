#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-only
#
# The daemon's command line and configuration file: what the contract
# promises about them, and start-up errors that name the file and line.

# shellcheck disable=SC2016 # test code is evaluated when it runs
# shellcheck source=tests/t/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/t/lib-cdrom.sh
. "$TEST_DIR/lib-cdrom.sh"

# refuses_config WHY LINE...: a config of these lines stops the start
# with exit 1 and a message containing WHY.
refuses_config() {
	local why=$1 rc=0
	shift
	printf '%s\n' "$@" >bad.conf &&
	"$CDROMD" --foreground --config bad.conf >out 2>&1 || rc=$?
	expect_eq 1 "$rc" "exit status" || { cat out; return 1; }
	grep -qF -- "$why" out || {
		echo "expected \"$why\" in:"
		cat out
		return 1
	}
}

test_expect_success '--help and --version answer and exit 0' '
	"$CDROMD" --help >out &&
	grep -q "usage: xen-cdromd \[--foreground\] \[--config FILE\] \[--qmp-dir DIR\]" out &&
	grep -q -- "--hotplug-script" out && grep -q -- "--pidfile" out &&
	"$CDROMD" --version | grep -q "^xen-cdromd "
'

test_expect_success 'an unknown option or argument is a usage error' '
	rc=0; "$CDROMD" --frobnicate 2>out || rc=$? &&
	expect_eq 2 "$rc" "exit status of --frobnicate" &&
	rc=0; "$CDROMD" extra 2>out || rc=$? &&
	expect_eq 2 "$rc" "exit status with an argument" &&
	"$CDROMD" --log-level warn --version >/dev/null &&
	"$CDROMD" --log-level warning --version >/dev/null &&
	rc=0; "$CDROMD" --log-level loud 2>out || rc=$? &&
	expect_eq 2 "$rc" "exit status of a bad log level" &&
	grep -q "unknown log level" out
'

test_expect_success 'an unknown key names the file and the line' '
	refuses_config "bad.conf:2:" "# a comment" "colour = blue"
'

test_expect_success 'bad values are refused, naming the line' '
	refuses_config "bad.conf:1:" "guest-eject = maybe" &&
	refuses_config "bad.conf:1:" "step-timeout = 0" &&
	refuses_config "bad.conf:1:" "step-timeout = 12s" &&
	refuses_config "bad.conf:3:" "" "" "allowed-dir = relative/dir" &&
	refuses_config "bad.conf:1:" "guest-eject"
'

test_expect_success 'a named config file that does not exist is an error' '
	rc=0; "$CDROMD" --foreground --config /nonexistent.conf 2>out ||
	    rc=$? &&
	expect_eq 1 "$rc" "exit status" &&
	grep -q "/nonexistent.conf" out
'

test_expect_success 'a good config starts, and a pidfile names the daemon' '
	printf "%s\n" "# defaults, spelled out" "guest-eject = no" \
	    "step-timeout = 40" "allowed-dir = /" >good.conf &&
	cdromd_start --config "$PWD/good.conf" --pidfile "$HOSTDIR/cdromd.pid" \
	    --log-level debug &&
	wait_for "[ -s \"$HOSTDIR/cdromd.pid\" ]" &&
	expect_eq "$(cat "$HOSTDIR/pids/cdromd")" "$(cat "$HOSTDIR/cdromd.pid")" \
	    "pid in the pidfile" &&
	daemon_alive
'

test_expect_success 'SIGTERM ends it with status 0 and removes the pidfile' '
	cdromd_stop &&
	expect_fail "pidfile left" test -e "$HOSTDIR/cdromd.pid"
'

test_expect_success 'the daemon says so when there is no xenstored' '
	rc=0
	XENSTORED_PATH=$HOSTDIR/nowhere "$CDROMD" --foreground \
	    --config good.conf >out 2>&1 || rc=$?
	expect_eq 1 "$rc" "exit status" &&
	grep -q "cannot connect to xenstored" out
'

test_done
