# SPDX-License-Identifier: LGPL-2.1-only
# bash completion for xen-cdrom(1): its commands and options, the domains
# whose CD-ROM drives xen-cdromd looks after (ids and names, read from
# xenstore as xl list reads them), a domain's drives, and image files.
# shellcheck shell=bash

# _xen_cdrom_domains: the ids and names of the domains with drives.
_xen_cdrom_domains() {
	local d name
	for d in $(xenstore-list /local/domain 2>/dev/null); do
		xenstore-exists "/local/domain/$d/cdrom-request" 2>/dev/null ||
			continue
		echo "$d"
		name=$(xenstore-read "/local/domain/$d/name" 2>/dev/null) &&
		    [ -n "$name" ] && echo "$name"
	done
}

# _xen_cdrom_vdevs DOMAIN: the drives of DOMAIN (an id or a name).
_xen_cdrom_vdevs() {
	local d id=$1
	case $id in
	*[!0-9]* | "")
		id=
		for d in $(xenstore-list /local/domain 2>/dev/null); do
			if [ "$(xenstore-read "/local/domain/$d/name" \
			    2>/dev/null)" = "$1" ]; then
				id=$d
				break
			fi
		done
		;;
	esac
	[ -n "$id" ] && xenstore-list "/local/domain/$id/cdrom-request" 2>/dev/null
}

_xen_cdrom() {
	local cur prev cmd="" i w n=0
	local -a operands=()
	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}

	case $prev in
	-f | --format)
		mapfile -t COMPREPLY < <(compgen -W "raw qcow2 vhd qed" -- "$cur")
		return 0 ;;
	-t | --timeout)
		return 0 ;;
	esac
	# The command and its operands so far; options may come anywhere.
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		case $w in
		-f | --format | -t | --timeout) i=$((i + 1)) ;;
		-*) ;;
		*) if [ -z "$cmd" ]; then cmd=$w; else operands+=("$w"); fi ;;
		esac
	done
	n=${#operands[@]}
	if [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W "--format --timeout --no-wait
		    --verbose --json --help --version" -- "$cur")
		return 0
	fi
	if [ -z "$cmd" ]; then
		mapfile -t COMPREPLY < <(compgen -W "insert eject status wait" \
		    -- "$cur")
		return 0
	fi
	case $cmd:$n in
	insert:0 | eject:0 | wait:0 | status:0)
		mapfile -t COMPREPLY < <(compgen -W "$(_xen_cdrom_domains)" \
		    -- "$cur") ;;
	insert:1 | eject:1 | wait:1 | status:1)
		mapfile -t COMPREPLY < <(compgen -W \
		    "$(_xen_cdrom_vdevs "${operands[0]}")" -- "$cur") ;;
	insert:2)
		if declare -F _filedir >/dev/null; then
			_filedir
		else
			mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		fi ;;
	esac
	return 0
}
complete -F _xen_cdrom xen-cdrom
