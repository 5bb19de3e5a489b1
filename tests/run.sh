#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-only
#
# Runs the tests of one or more build directories and adds them up:
#
#	tests/run.sh [--unit] BUILD...
#
# For each BUILD: every $BUILD/tests/unit/test-* binary, then (unless
# --unit) every tests/t/t*.sh with BUILD set.  Their output goes to the
# terminal; each must end with "N passed, N failed".  The last line is
# the total in that form.  Exits 1 if a test failed, or a program
# crashed, exited non-zero with no failure, or printed no closing line.

root=$(cd "$(dirname "$0")/.." && pwd) || exit 1
unit_only=0
if [ "${1:-}" = --unit ]; then
	unit_only=1
	shift
fi
if [ $# -eq 0 ]; then
	echo "usage: tests/run.sh [--unit] BUILD..." >&2
	exit 2
fi

# Only sanitized programs read these; the others ignore them.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# A script that hangs must not hang CI: it gets this many seconds.
TEST_TIMEOUT=${TEST_TIMEOUT:-900}

passed=0
failed=0
broken=()
log=$(mktemp "${TMPDIR:-/tmp}/xcd-run.XXXXXX") || exit 1
trap 'rm -f "$log"' EXIT

# run_one NAME CMD...: runs CMD, shows its output, adds up its counts.
run_one() {
	local name=$1 rc line p f
	shift
	echo "# $name"
	timeout -k 10 "$TEST_TIMEOUT" "$@" </dev/null 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
	if [ -z "$line" ]; then
		broken+=("$name: no closing line (exit status $rc)")
		failed=$((failed + 1))
		return
	fi
	read -r p _ f _ <<<"$line"
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		broken+=("$name: exit status $rc with no failed test")
		failed=$((failed + 1))
	fi
}

for build; do
	if ! dir=$(cd "$build" 2>/dev/null && pwd); then
		broken+=("$build: no such build directory")
		failed=$((failed + 1))
		continue
	fi
	for t in "$dir"/tests/unit/test-*; do
		[ -x "$t" ] && run_one "$build/${t#"$dir"/}" "$t"
	done
	[ "$unit_only" = 1 ] && continue
	for t in "$root"/tests/t/t*.sh; do
		[ -f "$t" ] &&
		    BUILD=$dir run_one "$build: ${t#"$root"/}" bash "$t"
	done
done

for b in "${broken[@]}"; do
	echo "run.sh: $b"
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
