#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-only
#
# Bash completion for xen-cdrom (completion/xen-cdrom.bash): commands,
# options, format names, the domains the daemon looks after (ids and
# names from xenstore), a domain's drives, and files for insert's PATH.

# shellcheck disable=SC2016 # test code is evaluated when it runs
# shellcheck disable=SC2317 # helpers are called from that code
# shellcheck disable=SC1091 source=tests/t/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck disable=SC1091 source=tests/t/lib-cdrom.sh
. "$TEST_DIR/lib-cdrom.sh"

COMPLETION=$(cd "$TEST_DIR/../.." && pwd)/completion/xen-cdrom.bash
A=$HOSTDIR/a.iso
make_iso "$A" || exit 1
export COMPLETION A

# completes WORD...: what bash completion offers for the last WORD
# (possibly "") of the command line "xen-cdrom WORD...", one a line,
# sorted.
completes() {
	# shellcheck disable=SC1090 # the file under test
	. "$COMPLETION" || return 1
	COMP_WORDS=(xen-cdrom "$@")
	COMP_CWORD=$#
	COMPREPLY=()
	_xen_cdrom
	printf '%s\n' "${COMPREPLY[@]}" | sort
}

# offers WANT WORD...: completes WORD... gives exactly WANT (words
# separated by spaces).
offers() {
	local want=$1 got
	shift
	got=$(completes "$@" | tr '\n' ' ' | sed 's/ $//')
	expect_eq "$want" "$got" "completion of xen-cdrom $*"
}

test_expect_success 'setup: a guest with a CD drive, and the daemon' '
	hvm_guest_create 3 hdc "$A" &&
	domain_create 5 &&
	cdromd_start &&
	wait_done 3 hdc "$A"
'

test_expect_success 'the commands' '
	offers "eject insert status wait" "" &&
	offers "eject" e
'

test_expect_success 'the options, and the formats after --format' '
	offers "--no-wait" insert --no &&
	completes "" --v | grep -qx -- --verbose &&
	completes "" --v | grep -qx -- --version &&
	offers "qcow2 qed" insert 3 hdc --format q &&
	offers "vhd" -f v
'

test_expect_success 'domains: only those with drives, by id and by name' '
	offers "3 guest3" insert "" &&
	offers "guest3" status g
'

test_expect_success 'the drives of a domain named by id or by name' '
	offers "hdc" eject 3 "" &&
	offers "hdc" insert guest3 "" &&
	offers "hdc" --verbose wait guest3 h &&
	offers "" insert nosuchguest ""
'

test_expect_success 'files for the PATH of insert, nothing after it' '
	offers "$A" insert 3 hdc "${A%.iso}" &&
	offers "" insert 3 hdc "$A" ""
'

test_done
