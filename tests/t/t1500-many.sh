#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-only
#
# Many guests at once: twenty domains asked to change in one transaction
# all converge, each on its own medium, and one guest's failure does
# not hold up the others.

# shellcheck disable=SC2016 # test code is evaluated when it runs
# shellcheck source=tests/t/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/t/lib-cdrom.sh
. "$TEST_DIR/lib-cdrom.sh"

N=20
FIRST=10
LAST=$((FIRST + N - 1))
mkdir -p "$HOSTDIR/iso" || exit 1
for d in $(seq $FIRST $LAST); do
	make_iso "$HOSTDIR/iso/old-$d.iso" && make_iso "$HOSTDIR/iso/new-$d.iso" ||
		exit 1
done

test_expect_success "setup: $N guests with a CD each, and the daemon" '
	for d in $(seq $FIRST $LAST); do
		hvm_guest_create "$d" hdc "$HOSTDIR/iso/old-$d.iso" || return 1
	done &&
	cdromd_start &&
	for d in $(seq $FIRST $LAST); do
		wait_done "$d" hdc "$HOSTDIR/iso/old-$d.iso" || return 1
	done
'

test_expect_success "$N changes asked for in one transaction all converge" '
	for d in $(seq $FIRST $LAST); do
		echo "write $(req_path "$d" hdc target) $HOSTDIR/iso/new-$d.iso"
	done | "$HOST_BIN/xs-tx" &&
	for d in $(seq $FIRST $LAST); do
		wait_done "$d" hdc "$HOSTDIR/iso/new-$d.iso" 30 &&
		expect_medium "$d" hdc "$HOSTDIR/iso/new-$d.iso" || return 1
	done
'

test_expect_success 'a broken request among them does not hold up the others' '
	{
		echo "write $(req_path $FIRST hdc target) $HOSTDIR/iso/missing.iso"
		for d in $(seq $((FIRST + 1)) $LAST); do
			echo "write $(req_path "$d" hdc target) $HOSTDIR/iso/old-$d.iso"
		done
	} | "$HOST_BIN/xs-tx" &&
	wait_error $FIRST hdc &&
	for d in $(seq $((FIRST + 1)) $LAST); do
		wait_done "$d" hdc "$HOSTDIR/iso/old-$d.iso" 30 &&
		expect_medium "$d" hdc "$HOSTDIR/iso/old-$d.iso" || return 1
	done &&
	expect_medium $FIRST hdc "$HOSTDIR/iso/new-$FIRST.iso"
'

test_done
