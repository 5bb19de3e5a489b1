# SPDX-License-Identifier: LGPL-2.1-only
# shellcheck shell=bash
#
# The test library of tests/t/*.sh, after git's t/test-lib.sh: each
# script sources it, states its tests with test_expect_success and ends
# with test_done.  Output is TAP, closed by "N passed, N failed", which
# tests/run.sh adds up.
#
# Sourcing it starts one embedded test host (tests/host/host.sh) for the
# whole script, torn down on exit however the script ends.  $BUILD
# (default "build") names the build directory; $CDROMD is its daemon.
# Each test's code runs in a subshell with its output captured, shown
# only if it fails: chain its steps with && as in git's tests.

BUILD=$(cd "${BUILD:-build}" && pwd) || exit 1
CDROMD=$BUILD/xen-cdromd
export BUILD CDROMD

# Run the script under tests/host/reaper, which reaps the daemons the
# host orphans and ends any the script leaves behind.
if [ -z "${XCD_REAPER:-}" ] && [ -x "$BUILD/tests/host/reaper" ]; then
	XCD_REAPER=$$ exec "$BUILD/tests/host/reaper" bash "$0" "$@"
fi
TEST_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# shellcheck source=tests/host/host.sh
. "$TEST_DIR/../host/host.sh"

test_count=0
test_failed=0

trap 'host_stop' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# test_report OK DESCRIPTION [OUTPUT-FILE]
test_report() {
	test_count=$((test_count + 1))
	if [ "$1" = 0 ]; then
		echo "ok $test_count - $2"
		return
	fi
	test_failed=$((test_failed + 1))
	echo "not ok $test_count - $2"
	[ -n "${3:-}" ] && sed 's/^/#   /' "$3"
}

# test_expect_success DESCRIPTION CODE: CODE runs in a subshell; then
# what it registered with test_when_finished, however CODE ended.
test_expect_success() {
	local out rc=0
	out=$HOSTDIR/test.out
	# shellcheck disable=SC2030 # the test's own: gone with its subshell
	(
		test_cleanup=: test_cleanup_failed=0 test_in_body=1
		eval "$2"
		code=$?
		test_in_body=0
		eval "$test_cleanup"
		if [ "$test_cleanup_failed" != 0 ]; then
			echo "a cleanup of test_when_finished failed"
			code=1
		fi
		exit "$code"
	) </dev/null >"$out" 2>&1 || rc=1
	test_report "$rc" "$1" "$out"
	rm -f "$out"
}

# test_when_finished CODE: inside a test, registers CODE (shell text) to
# run after the test's code, whether it passed or not, as in git's
# test-lib: put it beside the setup it undoes.  The last registered runs
# first; a cleanup that fails fails the test.
# shellcheck disable=SC2031 # set in the test's subshell, where this runs
test_when_finished() {
	if [ "${test_in_body:-0}" != 1 ]; then
		echo "test_when_finished: not inside a test" >&2
		return 1
	fi
	test_cleanup="{ $*
} || test_cleanup_failed=1; $test_cleanup"
}

# test_daemon_clean: a last test, if the daemon ran: it stops on SIGTERM
# with status 0, and its log holds no sanitizer report (an ASan build
# reports leaks only at exit, which is why it is stopped here).
test_daemon_clean() {
	local out=$HOSTDIR/test.out rc=0
	[ -e "$HOSTDIR/log/cdromd.log" ] || return 0
	{
		cdromd_stop || { echo "the daemon exited with status $?"; rc=1; }
		if grep -E "Sanitizer|runtime error" "$HOSTDIR/log/cdromd.log"
		then
			rc=1
		fi
	} >"$out" 2>&1
	test_report "$rc" "the daemon ends cleanly, with no sanitizer report" \
	    "$out"
	rm -f "$out"
}

# test_done: the plan and the closing line; fails if any test failed.
test_done() {
	test_daemon_clean
	echo "1..$test_count"
	echo "$((test_count - test_failed)) passed, $test_failed failed"
	[ "$test_failed" = 0 ]
	exit
}

# expect_eq WANT GOT WHAT: succeeds if WANT = GOT, else says how not.
expect_eq() {
	[ "$1" = "$2" ] && return 0
	printf '%s: expected "%s", got "%s"\n' "$3" "$1" "$2"
	return 1
}

# expect_fail WHAT CMD...: CMD must fail (exit non-zero).
expect_fail() {
	local what=$1
	shift
	if "$@"; then
		echo "$what: \"$*\" succeeded, expected a failure"
		return 1
	fi
}

# wait_for CONDITION [TIMEOUT]: evaluates the shell CONDITION every
# 50ms (host_poll) until it holds, for at most TIMEOUT seconds (default
# 10).
wait_for() {
	HOST_TIMEOUT=${2:-10} host_poll eval "$1" && return 0
	echo "timed out after ${2:-10}s waiting for: $1"
	return 1
}

# The host for the whole script.  If it cannot start, that is the one
# failure to report.
test_start_log=${TMPDIR:-/tmp}/xcd-host-start.$$
# shellcheck disable=SC2119 # no directory: a new temporary one
if ! host_start >"$test_start_log" 2>&1; then
	test_report 1 "the test host starts" "$test_start_log"
	rm -f "$test_start_log"
	test_done
fi
rm -f "$test_start_log"
# Tests leave their scratch files here, as in git's trash directory.
mkdir "$HOSTDIR/trash" && cd "$HOSTDIR/trash" || exit 1
# libxl's lock files (/var/lib/xen on a real host) stay in the host too.
export XEN_LIB_DIR=$HOSTDIR/xenlib
mkdir -p "$XEN_LIB_DIR" || exit 1
