#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-only
#
# libxl's saved configuration and libxl's locks: after each change the
# drive's disks[] element of $XEN_LIB_DIR/userdata-d.D.UUID.libxl-json is
# what xl 4.17's cd-insert / cd-eject store (tests/host/libxl-json/,
# captured on the real-Xen tier) and every other byte is as it was; the
# write waits for libxl's domain-userdata lock and a crash at it leaves
# the old file or the new one; a domain whose file is missing, does not
# parse or lacks the drive ends done, saying why in saved-config.  QMP
# waits for libxl's qmp-socket-lock; a refused medium leaves no fdset.

# shellcheck disable=SC2016 # test code is evaluated when it runs
# shellcheck source=tests/t/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/t/lib-cdrom.sh
. "$TEST_DIR/lib-cdrom.sh"

A=$HOSTDIR/a.iso B=$HOSTDIR/b.iso BOOT=$HOSTDIR/boot.img Q=$HOSTDIR/q.qcow2
make_iso "$A" && make_iso "$B" && make_iso "$BOOT" && make_qcow2 "$Q" || exit 1
FIXTURES=$HOST_SCRIPT_DIR/libxl-json
# shellcheck disable=SC2034 # both are used in the tests' code
FAULTY=$BUILD/xen-cdromd-faults CRASHED=86	# FAULT_EXIT_STATUS

# xl_element PATH: the hdc element xl 4.17 stored after cd-insert of
# PATH (cd-eject for ""), taken from the captured files.
xl_element() {
	local fixture=xl-cd-insert
	[ -z "$1" ] && fixture=xl-cd-eject
	tr -d '\0' <"$FIXTURES/$fixture" | awk -v p="$(jq -Rn --arg p "$1" '$p')" '
		/^        \{$/ { buf = $0 "\n"; inside = 1; next }
		inside { buf = buf $0 "\n" }
		inside && /"vdev": "hdc"/ { hdc = 1 }
		inside && /^        \}/ { if (hdc) { sub(/,?\n$/, "", buf)
			printf "%s", buf; exit } inside = 0 }' |
	    sed "s|\"pdev_path\": \"/srv/iso/b.iso\"|\"pdev_path\": $(jq -Rn --arg p "$1" '$p' | sed 's/[&|\\]/\\&/g')|"
}

# with_hdc FILE PATH: FILE (a libxl-json) with its hdc element replaced
# by xl_element PATH, every other byte kept, the NUL at the end.
with_hdc() {
	local elem
	elem=$(xl_element "$2") || return 1
	tr -d '\0' <"$1" | awk -v elem="$elem" '
		/^        \{$/ { buf = $0; inside = 1; hdc = 0; next }
		inside { buf = buf "\n" $0 }
		inside && /"vdev": "hdc"/ { hdc = 1 }
		inside && /^        \}/ { inside = 0
			if (hdc) { tail = $0; sub(/^        \}/, "", tail)
				print elem tail } else print buf; next }
		inside { next }
		{ print }'
	printf '\0'
}

# saved3: dom3's libxl-json.
saved3() {
	libxl_json_file 3
}

test_expect_success 'setup: the host lays out libxl-json as xl create saves it' '
	hvm_guest_create_drives 3 "disk:hda:$BOOT" "cdrom:hdc:$A" "cdrom:hdd" &&
	hvm_guest_create 4 hdc "$A" &&
	expect_eq 600 "$(stat -c %a "$(saved3)")" "mode" &&
	expect_eq "0" "$(tail -c 1 "$(saved3)" | od -An -tu1 | tr -d " ")" \
	    "the trailing byte" &&
	expect_eq "$A" "$(tr -d "\0" <"$(saved3)" |
	    jq -r ".disks[] | select(.vdev == \"hdc\") | .pdev_path")" \
	    "hdc in the file" &&
	expect_eq "guest3" "$(tr -d "\0" <"$(saved3)" | jq -r .c_info.name)" \
	    "name" &&
	cp "$(saved3)" created-3 &&
	cp "$(libxl_json_file 4)" created-4 &&
	cdromd_start &&
	wait_done 3 hdc "$A" && wait_done 4 hdc "$A"
'

test_expect_success 'the laid-out file is the captured one, but for name, uuid and paths' '
	expect_eq "$(tr -d "\0" <"$FIXTURES/created" | jq -S "del(.c_info.name,
	    .c_info.uuid) | .disks |= map(del(.pdev_path))")" \
	    "$(tr -d "\0" <"$(libxl_json_file 4)" | jq -S "del(.c_info.name,
	    .c_info.uuid) | .disks |= map(del(.pdev_path)) |
	    .disks = [{\"vdev\": \"hda\", \"format\": \"raw\", \"readwrite\": 1,
	    \"colo_restore_enable\": \"False\"}] + .disks")" "the layout"
'

test_expect_success 'an insert: hdc is what xl cd-insert stores, the rest unchanged' '
	request 3 hdc "$B" raw &&
	wait_done 3 hdc "$B" &&
	expect_eq updated "$(drive_read 3 hdc saved-config)" saved-config &&
	with_hdc created-3 "$B" >want &&
	cmp want "$(saved3)" &&
	expect_eq 600 "$(stat -c %a "$(saved3)")" "mode" &&
	expect_fail "userdata-n left" ls "$XEN_LIB_DIR"/userdata-n.* &&
	expect_fail "lock file left" test -e "$(lock_file 3 domain-userdata-lock)" &&
	cmp created-4 "$(libxl_json_file 4)"
'

test_expect_success 'an eject: what xl cd-eject stores' '
	cp "$(saved3)" before &&
	request 3 hdc "" &&
	wait_done 3 hdc "" &&
	expect_eq updated "$(drive_read 3 hdc saved-config)" saved-config &&
	with_hdc before "" >want &&
	cmp want "$(saved3)"
'

test_expect_success 'and in again: back to xl cd-insert'\''s element' '
	request 3 hdc "$A" raw &&
	wait_done 3 hdc "$A" &&
	with_hdc created-3 "$A" >want &&
	cmp want "$(saved3)" &&
	expect_eq "$(tr -d "\0" <created-3 | jq -c ".disks[0], .disks[2]")" \
	    "$(tr -d "\0" <"$(saved3)" | jq -c ".disks[0], .disks[2]")" \
	    "the disk and the other drive"
'

test_expect_success 'a holder of the domain-userdata lock delays the write; nothing is torn' '
	cp "$(saved3)" before &&
	hold_lock 3 domain-userdata-lock &&
	request 3 hdc "$B" raw &&
	wait_for "[ \"\$(qemu_medium 3 hdc)\" = \"$B\" ]" &&
	sleep 1 &&
	expect_eq changing "$(drive_read 3 hdc state)" "state while the lock is held" &&
	cmp before "$(saved3)" &&
	touch release &&
	wait_done 3 hdc "$B" &&
	expect_eq updated "$(drive_read 3 hdc saved-config)" saved-config &&
	with_hdc before "$B" >want &&
	cmp want "$(saved3)"
'

test_expect_success 'a holder of the qmp-socket-lock delays the change: QEMU is not touched' '
	hold_lock 3 qmp-socket-lock &&
	request 3 hdc "$A" raw &&
	wait_for "drive_is 3 hdc ejecting" &&
	sleep 1 &&
	expect_eq ejecting "$(drive_read 3 hdc state)" "state" &&
	expect_medium 3 hdc "$B" &&
	touch release &&
	wait_done 3 hdc "$A" &&
	expect_medium 3 hdc "$A" &&
	expect_fail "qmp lock file left" test -e "$(lock_file 3 qmp-socket-lock)"
'

test_expect_success 'a domain without the file ends done: saved-config says why' '
	rm "$(libxl_json_file 4)" &&
	request 4 hdc "$B" raw &&
	wait_done 4 hdc "$B" &&
	case $(drive_read 4 hdc saved-config) in
	"not updated: no libxl-json for this domain"*) ;;
	*) echo "saved-config: $(drive_read 4 hdc saved-config)"; false ;;
	esac &&
	expect_fail "a file made" test -e "$(libxl_json_file 4)" &&
	grep -q "warning: dom 4 hdc: libxl.s saved configuration .*left alone: no libxl-json" \
	    "$HOSTDIR/log/cdromd.log"
'

test_expect_success 'a file that does not parse is left as it is' '
	printf "{\"disks\": [\0" >"$(libxl_json_file 4)" &&
	cp "$(libxl_json_file 4)" broken &&
	request 4 hdc "$A" raw &&
	wait_done 4 hdc "$A" &&
	expect_eq "not updated: it does not parse as JSON" \
	    "$(drive_read 4 hdc saved-config)" saved-config &&
	cmp broken "$(libxl_json_file 4)"
'

test_expect_success 'a file without the drive is left as it is' '
	libxl_json_layout 4 "disk:hda:$BOOT" &&
	cp "$(libxl_json_file 4)" nohdc &&
	request 4 hdc "$B" raw &&
	wait_done 4 hdc "$B" &&
	expect_eq "not updated: no element of its disks[] has this vdev" \
	    "$(drive_read 4 hdc saved-config)" saved-config &&
	cmp nohdc "$(libxl_json_file 4)"
'

test_expect_success 'a target rewritten during a change: the file names the one served, in its format' '
	request 3 hdc "$B" raw &&
	request 3 hdc "$Q" qcow2 &&
	wait_done 3 hdc "$Q" &&
	expect_eq updated "$(drive_read 3 hdc saved-config)" saved-config &&
	expect_eq "{\"pdev_path\":\"$Q\",\"vdev\":\"hdc\",\"format\":\"qcow2\",\"removable\":1,\"is_cdrom\":1}" \
	    "$(tr -d "\0" <"$(saved3)" | jq -c ".disks[1]")" "hdc in the file"
'

# A qcow2 header of an unknown version: the daemon's magic check lets it
# through, QEMU refuses to open it.
test_expect_success 'a medium QEMU refuses leaves no fdset behind' '
	bad=$HOSTDIR/bad.qcow2 &&
	printf "QFI\\373\\000\\000\\000\\377" >"$bad" &&
	truncate -s 1M "$bad" &&
	request 3 hdc "$bad" qcow2 &&
	wait_error 3 hdc &&
	drive_read 3 hdc error | grep -q "QEMU refused" &&
	expect_eq 0 "$(qemu_fdsets 3 | jq --arg f "qcow2:$bad" \
	    "[.[].fds[] | select(.opaque == \$f)] | length")" \
	    "fdsets of the refused medium" &&
	request 3 hdc "$B" raw &&
	wait_done 3 hdc "$B" &&
	expect_eq 1 "$(qemu_fdsets 3 | jq "[.[].fds[] | select(.opaque |
	    endswith(\"$B\"))] | length")" "fdsets of b.iso"
'

test_expect_success 'the daemon ends cleanly' '
	cdromd_stop
'

# crash_at_write: the fault build's points at the write of dom3's file,
# as "N N ..." (the first change of a counting run).
write_points() {
	sed -n "s/.*fault point \([0-9]*\): \(child start: the write of\|file written:\) .*userdata-d\.3\..*/\1/p" \
	    "$HOSTDIR/log/cdromd.log" | tr "\n" " "
}

test_expect_success 'a crash at the write leaves the old file or the new, never a mix' '
	: >"$HOSTDIR/log/cdromd.log" &&
	CDROMD_BIN=$FAULTY XEN_CDROMD_CRASH_AT=0 cdromd_start &&
	request 3 hdc "$A" raw &&
	wait_done 3 hdc "$A" &&
	cdromd_stop &&
	points=$(write_points) &&
	echo "fault points at the write: $points" &&
	[ -n "$points" ] &&
	medium=$A &&
	for p in $points; do
		if [ "$medium" = "$A" ]; then target=$B; else target=$A; fi
		cp "$(saved3)" old &&
		with_hdc old "$target" >new &&
		request 3 hdc "$target" raw &&
		CDROMD_BIN=$FAULTY XEN_CDROMD_CRASH_AT=$((p + 0)) cdromd_start &&
		wait_for "[ -s \"$HOSTDIR/cdromd.status\" ]" 20 &&
		expect_eq "$CRASHED" "$(cat "$HOSTDIR/cdromd.status")" "exit status" &&
		rm -f "$HOSTDIR/cdromd.status" "$HOSTDIR/pids/cdromd" &&
		{ cmp -s old "$(saved3)" || cmp -s new "$(saved3)" ||
		  { echo "a mix after a crash at $p"; false; }; } &&
		cdromd_start &&
		wait_done 3 hdc "$target" &&
		expect_eq updated "$(drive_read 3 hdc saved-config)" saved-config &&
		cmp new "$(saved3)" &&
		cdromd_stop || return 1
		medium=$target
	done
'

test_done
