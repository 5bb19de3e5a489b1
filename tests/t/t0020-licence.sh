#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-only
#
# The licence, LGPL-2.1-only: COPYING holds its text (Debian's
# /usr/share/common-licenses/LGPL-2.1), debian/copyright says so in the
# machine-readable format (DEP-5), and every tracked source file and
# script names it in an SPDX-License-Identifier line near its top.
# Needs no test host.

REPO=$(cd "$(dirname "$0")/../.." && pwd) || exit 1
SPDX="SPDX-License-Identifier: LGPL-2.1-only"
count=0 failed=0

# check DESCRIPTION CMD...: one test, its output shown when it fails.
check() {
	local what=$1 out
	shift
	count=$((count + 1))
	if out=$("$@" 2>&1); then
		echo "ok $count - $what"
	else
		failed=$((failed + 1))
		echo "not ok $count - $what"
		printf '%s\n' "$out" | sed 's/^/#   /'
	fi
}

copying_is_lgpl21() {
	[ -f "$REPO/COPYING" ] || { echo "no COPYING"; return 1; }
	if [ -f /usr/share/common-licenses/LGPL-2.1 ]; then
		cmp "$REPO/COPYING" /usr/share/common-licenses/LGPL-2.1
	else
		grep -q "GNU LESSER GENERAL PUBLIC LICENSE" "$REPO/COPYING" &&
		    grep -q "Version 2.1, February 1999" "$REPO/COPYING"
	fi
}

copyright_is_dep5() {
	local c=$REPO/debian/copyright
	if ! grep -qx "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/" "$c" ||
	    ! grep -qx "Files: \*" "$c" ||
	    ! grep -qx "License: LGPL-2.1-only" "$c" ||
	    ! grep -q "/usr/share/common-licenses/LGPL-2.1" "$c" ||
	    ! grep -q "jsmn" "$c" || ! grep -q "under the MIT licence" "$c"; then
		cat "$c"
		return 1
	fi
}

# The files that must carry the line: C, headers, assembly, shell, make
# files, and anything with a #! line; not data (corpora, results), docs
# or configuration.
sources() {
	git -C "$REPO" ls-files | while IFS= read -r f; do
		case $f in
		tests/fuzz/corpus/* | bench/results/*) continue ;;
		*.c | *.h | *.asm | *.sh | *.mk | Makefile | debian/rules)
			echo "$f"; continue ;;
		esac
		head -c 2 "$REPO/$f" 2>/dev/null | grep -q '^#!' && echo "$f"
	done
}

spdx_everywhere() {
	local f missing=0
	while IFS= read -r f; do
		head -n 3 "$REPO/$f" | grep -qF "$SPDX" && continue
		echo "no \"$SPDX\" in the first lines of $f"
		missing=$((missing + 1))
	done < <(sources)
	[ "$missing" = 0 ]
}

check "COPYING is the text of the LGPL 2.1" copying_is_lgpl21
check "debian/copyright is DEP-5 and says LGPL-2.1-only, jsmn MIT" \
    copyright_is_dep5
check "every tracked source file and script has an SPDX line" \
    spdx_everywhere
echo "1..$count"
echo "$((count - failed)) passed, $failed failed"
[ "$failed" = 0 ]
