#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-only
#
# Transactions that keep conflicting (issue 14, item 11): a retry loop
# is bounded (common/xs.h, XS_TX_TRIES) and the step then fails with a
# clear error instead of retrying forever.  tests/host/txconflict.so,
# preloaded into the daemon, aborts the commit of every transaction
# that writes a path containing the text of a file, as a node that
# keeps changing under it would.

# shellcheck disable=SC2016 # test code is evaluated when it runs
# shellcheck source=tests/t/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/t/lib-cdrom.sh
. "$TEST_DIR/lib-cdrom.sh"

A=$HOSTDIR/a.iso B=$HOSTDIR/b.iso
make_iso "$A" && make_iso "$B" || exit 1
PATTERN=$HOSTDIR/tx-conflict
: >"$PATTERN"

test_expect_success 'setup: two guests, and a daemon whose commits can be made to conflict' '
	hvm_guest_create 3 hdc "$A" &&
	hvm_guest_create 4 hdc "$A" &&
	CDROMD_WRAPPER="env LD_PRELOAD=$HOST_BIN/txconflict.so XCD_TX_CONFLICT=$PATTERN ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
	    cdromd_start &&
	wait_done 3 hdc "$A" && wait_done 4 hdc "$A"
'

test_expect_success 'a transaction that always conflicts fails the step, saying so' '
	echo /backend/qdisk/3/ >"$PATTERN" &&
	request 3 hdc "$B" raw &&
	wait_error 3 hdc 20 &&
	case $(drive_read 3 hdc error) in
	*"cannot write the vbd'\''s params: xenstored aborted the transaction 16 times in a row"*) ;;
	*) echo "error: $(drive_read 3 hdc error)"; false ;;
	esac &&
	expect_eq xenstore "$(drive_read 3 hdc error-code)" error-code &&
	daemon_alive
'

test_expect_success 'meanwhile another guest is served' '
	request 4 hdc "$B" raw &&
	wait_done 4 hdc "$B"
'

test_expect_success 'once commits go through, a retry converges' '
	: >"$PATTERN" &&
	request 3 hdc "$B" raw &&
	dom0_drive_converged 3 hdc "$B"
'

test_done
