#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-only
#
# Every shell script of the project passes shellcheck: the tests, the
# test host, the hotplug and udev scripts, the build scripts.

# shellcheck disable=SC2016 # test code is evaluated when it runs
# shellcheck source=tests/t/lib.sh
. "$(dirname "$0")/lib.sh"

REPO=$(cd "$TEST_DIR/../.." && pwd)

# shell_scripts: the tracked files whose first line names sh or bash.
shell_scripts() {
	local f
	git -C "$REPO" ls-files | while read -r f; do
		head -n 1 "$REPO/$f" 2>/dev/null |
		    grep -qE '^#!.*\b(ba)?sh\b' && echo "$f"
		case $f in *.sh) echo "$f" ;; esac
	done | sort -u
}

test_expect_success 'shellcheck is there' '
	command -v shellcheck
'

test_expect_success 'the project has shell scripts to check' '
	n=$(shell_scripts | wc -l) &&
	[ "$n" -ge 20 ] || { echo "only $n scripts found"; false; }
'

test_expect_success 'every shell script passes shellcheck' '
	cd "$REPO" &&
	shell_scripts | xargs shellcheck -x
'

test_done
