#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-only
#
# The scenario suite with the daemon under valgrind's memcheck (make
# soak, SOAK_VALGRIND=1):
#
#	tests/soak/valgrind-suite.sh BUILD
#
# Runs each tests/t/t*.sh that starts the daemon (through cdromd_start,
# which honours CDROMD_WRAPPER) with valgrind as the wrapper, one
# directory of valgrind logs per script, and reports per script its
# tests' result and memcheck's errors.  A scenario whose only failures
# come from the daemon being slower under valgrind still counts as
# failed: the summary names it, and its output is kept.  Ends with
# "N passed, N failed", one test per script.

root=$(cd "$(dirname "$0")/../.." && pwd) || exit 1
if [ $# -ne 1 ]; then
	echo "usage: tests/soak/valgrind-suite.sh BUILD" >&2
	exit 2
fi
build=$(cd "$1" && pwd) || exit 1
if ldd "$build/xen-cdromd" 2>/dev/null | grep -q libasan; then
	echo "valgrind-suite: $1 is an ASan build; valgrind cannot run it" >&2
	exit 2
fi
command -v valgrind >/dev/null || {
	echo "valgrind-suite: valgrind is not installed" >&2
	exit 2
}
out=${VALGRIND_SUITE_DIR:-$build/valgrind-suite}
rm -rf "$out" && mkdir -p "$out" || exit 1
TEST_TIMEOUT=${TEST_TIMEOUT:-900}

n=0 failed=0 errors_total=0
for t in "$root"/tests/t/t*.sh; do
	grep -q cdromd_start "$t" || continue
	name=$(basename "$t" .sh)
	mkdir -p "$out/$name"
	# One line: cdromd_start reads it with read -a.
	wrapper="valgrind --tool=memcheck --leak-check=full"
	wrapper="$wrapper --errors-for-leak-kinds=definite --error-exitcode=99"
	wrapper="$wrapper --child-silent-after-fork=yes"
	wrapper="$wrapper --suppressions=$root/tests/valgrind.supp"
	wrapper="$wrapper --log-file=$out/$name/valgrind.%p"
	start=$(date +%s)
	CDROMD_WRAPPER=$wrapper BUILD=$build timeout -k 10 "$TEST_TIMEOUT" \
	    bash "$t" </dev/null >"$out/$name.out" 2>&1
	rc=$?
	secs=$(($(date +%s) - start))
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$out/$name.out" |
	    tail -n 1)
	runs=0 errs=0 unfinished=0
	for l in "$out/$name"/valgrind.*; do
		[ -f "$l" ] || continue
		runs=$((runs + 1))
		e=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$l")
		# A daemon killed with SIGKILL writes no summary: that is
		# the scenario's doing, not an error.
		if [ -z "$e" ]; then
			unfinished=$((unfinished + 1))
		else
			errs=$((errs + e))
		fi
	done
	errors_total=$((errors_total + errs))
	n=$((n + 1))
	status=ok
	if [ -z "$line" ] || [ "${line#* passed, }" != "0 failed" ] ||
	    [ "$rc" != 0 ] || [ "$errs" != 0 ]; then
		status="not ok"
		failed=$((failed + 1))
	fi
	echo "$status $n - $name under memcheck: ${line:-no closing line}" \
	    "(exit $rc, ${secs} s); $runs daemon runs, $errs valgrind errors," \
	    "$unfinished killed before their summary"
	if [ "$status" != ok ]; then
		grep -E '^not ok' "$out/$name.out" | sed 's/^/#   /'
		grep -l 'ERROR SUMMARY: [1-9]' "$out/$name"/valgrind.* \
		    2>/dev/null | sed 's/^/#   valgrind errors in /'
	fi
done
echo "# memcheck over the suite: $errors_total valgrind errors; logs and" \
    "outputs in $out"
echo "1..$n"
echo "$((n - failed)) passed, $failed failed"
[ "$failed" = 0 ]
