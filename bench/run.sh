#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-only
#
# bench/run.sh quick|full BUILD: the benchmark table (make bench-quick,
# make bench).  Brings up the embedded test host (tests/host/host.sh:
# real xenstored, real QEMU, simulated blkback and stub domain), runs
# rows P1-P5 each against the comparison measured in the same run, and
# prints one table; writes bench/results/bench.csv, samples.csv and
# latency.png.  A goal missed is reported, not failed; a measurement
# that cannot be made fails the run loudly.  docs/performance.md says
# what each row means.

set -u

MODE=${1:-quick}
BUILD=$(cd "${2:-build}" && pwd) || exit 1
export BUILD
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
XB=$BUILD/bench/xcd-bench
RESULTS=${BENCH_RESULTS:-$ROOT/bench/results}

# Under the reaper, as tests/t/lib.sh: nothing the host starts outlives
# the run, even when the machine's PID 1 does not reap orphans.
if [ -z "${XCD_REAPER:-}" ] && [ -x "$BUILD/tests/host/reaper" ]; then
	XCD_REAPER=$$ exec "$BUILD/tests/host/reaper" bash "$0" "$@"
fi

case $MODE in
quick) N1=40 N2=10 IDLE_S=10 NDOM=1000 ;;
full) N1=300 N2=40 IDLE_S=60 NDOM=1000 ;;
*) echo "usage: bench/run.sh quick|full BUILD" >&2; exit 2 ;;
esac
FIRST=100
LAST=$((FIRST + NDOM - 1))

# shellcheck source=tests/host/host.sh
. "$ROOT/tests/host/host.sh"

fail() {
	echo "bench: FAILED: $*" >&2
	if [ -n "${HOSTDIR:-}" ] && [ -f "$HOSTDIR/log/cdromd.log" ]; then
		echo "--- daemon log (tail):" >&2
		tail -n 20 "$HOSTDIR/log/cdromd.log" >&2
	fi
	exit 1
}

note() {
	echo "bench: $*" >&2
}

[ -x "$XB" ] || fail "$XB is not built (make bench-quick builds it)"
trap 'host_stop' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
started=$(date +%s)
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
# shellcheck disable=SC2119 # a new temporary directory
host_start >/dev/null || fail "the test host did not start"
export XEN_LIB_DIR=$HOSTDIR/xenlib
mkdir -p "$XEN_LIB_DIR" "$RESULTS" || fail "mkdir"
OUT=$HOSTDIR/bench
mkdir -p "$OUT" || fail "mkdir"
A=$HOSTDIR/a.iso B=$HOSTDIR/b.iso
if ! make_iso "$A" || ! make_iso "$B"; then
	fail "images"
fi
# The defaults (step-timeout 40 s, libxl's hotplug timeout).
: >"$HOSTDIR/cdromd.conf"

# --- statistics -----------------------------------------------------------

# stats FILE: "n median p99 mean min max" of one number a line (µs), in ms.
stats() {
	sort -n "$1" | awk '{ v[NR] = $1; s += $1 }
	    END {
		if (NR == 0) { print "0 0 0 0 0 0"; exit }
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		i = int(NR * 0.99 + 0.999999); if (i < 1) i = 1; if (i > NR) i = NR
		printf "%d %.3f %.3f %.3f %.3f %.3f\n", NR, m / 1000, v[i] / 1000,
		    s / NR / 1000, v[1] / 1000, v[NR] / 1000
	    }'
}

# field N "STATS": the Nth of stats' words.
field() {
	local -a w
	read -r -a w <<<"$2"
	echo "${w[$1 - 1]}"
}

# ratio X Y: X / Y to two decimals ("-" when Y is 0).
ratio() {
	awk -v x="$1" -v y="$2" 'BEGIN { if (y == 0) print "-";
	    else printf "%.2f\n", x / y }'
}

# samples SERIES FILE: appends FILE's µs values to the samples CSV, in ms.
samples() {
	awk -v s="$1" '{ printf "%s,%.3f\n", s, $1 / 1000 }' "$2" \
	    >>"$OUT/samples.csv"
}

echo "series,ms" >"$OUT/samples.csv"
echo "row,measure,figure,unit,comparison,comparison_figure,ratio,goal,goal_met,load" \
    >"$OUT/bench.csv"
TABLE=$OUT/table.txt
: >"$TABLE"

# row ID MEASURE FIGURE UNIT COMPARISON CFIGURE RATIO GOAL MET: one row,
# with the 1-minute load average as it is written (the machine's other
# users inflate every figure: the ratios are what to read).
row() {
	local load
	load=$(cut -d' ' -f1 /proc/loadavg)
	echo "$1,\"$2\",$3,$4,\"$5\",$6,$7,\"$8\",$9,$load" >>"$OUT/bench.csv"
	printf '%-3s %-38s %10s %-4s | %-30s %10s | %7s | %-22s %-4s %s\n' \
	    "$1" "$2" "$3" "$4" "$5" "$6" "$7" "$8" "$9" "$load" >>"$TABLE"
}

# met COND: "yes" or "NO" for an awk condition.
met() {
	awk "BEGIN { print ($1) ? \"yes\" : \"NO\" }"
}

# --- the hosts' guests ----------------------------------------------------

# xenstored's trace (host.sh turns it on) costs every request a write
# per domain, byte by byte: it is on only while P3 counts reads in it.
"$XB" control log off || fail "xenstored trace off"
note "setting up: dom3 (QEMU in dom0), the floor's QEMU (dom4), dom5 with stub domain 6"
hvm_guest_create 3 hdc "$B" || fail "guest 3"
# The floor's QEMU: a guest the daemon must not adopt, so no "running".
hvm_guest_create 4 hdc "$B" || fail "guest 4"
xenstore-rm /local/domain/0/device-model/4 || fail "xenstore-rm"
stubdom_guest_create 5 6 hdc "$B" >/dev/null || fail "stub-domain guest 5"
FLOOR=/local/domain/0/bench-floor/cdrom-request/hdc
xenstore-write "$FLOOR/target" "$B" "$FLOOR/medium" "$B" \
    "$FLOOR/state" "done" || fail "floor nodes"
host_spawn floor "$XB" floor "$FLOOR" "$QMPDIR/qmp-libxl-4" 5632
host_poll host_more_lines floor.log '^floor ready' 0 || fail "the floor"
cdromd_start --log-level debug --config "$HOSTDIR/cdromd.conf" \
    --hotplug-script "$HOTPLUG" || fail "the daemon did not start"

drive_done() {
	[ "$(xenstore-read "/local/domain/$1/cdrom-request/$2/state" \
	    2>/dev/null)" = "done" ]
}
if ! host_poll drive_done 3 hdc || ! host_poll drive_done 5 hdc; then
	fail "the daemon did not adopt dom3 and dom5"
fi

# --- P1: dom0 change, against the raw floor -------------------------------

# qmp_sessions DOMID: the QMP sessions the daemon has opened for DOMID's
# drives so far (its debug lines).
qmp_sessions() {
	grep -c "dom $1 [a-z]*: QMP session opened" "$HOSTDIR/log/cdromd.log"
}

note "P1: $N1 dom0 changes, interleaved with $N1 of the raw floor"
s0=$(qmp_sessions 3) p1log=$(($(wc -l <"$HOSTDIR/log/cdromd.log") + 1))
"$XB" changes "$N1" "$A" "$B" "daemon=/local/domain/3/cdrom-request/hdc" \
    "floor=$FLOOR" >"$OUT/p1.txt" || fail "P1"
awk '$1 == "daemon" { print $2 }' "$OUT/p1.txt" >"$OUT/p1-daemon.us"
awk '$1 == "floor" { print $2 }' "$OUT/p1.txt" >"$OUT/p1-floor.us"
samples "P1 daemon (dom0 change)" "$OUT/p1-daemon.us"
samples "P1 raw floor" "$OUT/p1-floor.us"
p1d=$(stats "$OUT/p1-daemon.us") p1f=$(stats "$OUT/p1-floor.us")
r=$(ratio "$(field 2 "$p1d")" "$(field 2 "$p1f")")
row P1 "dom0 change, median (n=$(field 1 "$p1d"))" "$(field 2 "$p1d")" ms \
    "raw floor, median" "$(field 2 "$p1f")" "$r" "<= 1.3x floor" \
    "$(met "$r <= 1.3")"
r=$(ratio "$(field 3 "$p1d")" "$(field 3 "$p1f")")
row P1 "dom0 change, p99" "$(field 3 "$p1d")" ms "raw floor, p99" \
    "$(field 3 "$p1f")" "$r" "<= 1.3x floor" "$(met "$r <= 1.3")"
sess=$(awk -v a="$s0" -v b="$(qmp_sessions 3)" -v n="$N1" \
    'BEGIN { printf "%.2f\n", (b - a) / n }')
row P1 "  QMP sessions per change" "$sess" "" "raw floor" 1 \
    "$(ratio "$sess" 1)" "" info
# Two parts of a change the floor leaves out: the image opened by a
# child (policy, magic check), and libxl's saved configuration brought
# up to date before done (the daemon's debug lines time both, in µs).
tail -n +"$p1log" "$HOSTDIR/log/cdromd.log" |
    sed -n 's/.* answered in \([0-9]*\) us$/\1/p' >"$OUT/p1-open.us"
tail -n +"$p1log" "$HOSTDIR/log/cdromd.log" |
    sed -n 's/.*: saved configuration .* in \([0-9]*\) us$/\1/p' \
    >"$OUT/p1-saved.us"
{ [ -s "$OUT/p1-open.us" ] && [ -s "$OUT/p1-saved.us" ]; } ||
	fail "P1: no image-open or saved-config timings in the daemon's log"
p1o=$(field 2 "$(stats "$OUT/p1-open.us")")
p1s=$(field 2 "$(stats "$OUT/p1-saved.us")")
less=$(awk -v d="$(field 2 "$p1d")" -v o="$p1o" -v s="$p1s" \
    'BEGIN { printf "%.3f\n", d - o - s }')
row P1 "  image open / saved config, medians" "$p1o / $p1s" ms "" "" "" "" info
row P1 "  median less their medians" "$less" ms "raw floor, median" \
    "$(field 2 "$p1f")" "$(ratio "$less" "$(field 2 "$p1f")")" \
    "(the floor does neither)" info

# --- P2: stub-domain change: add-fd -> blockdev-change-medium -------------

# p2_pairs DLINE SLINE OUT: pairs each change-medium the daemon sent
# (its log from line DLINE on) with the stub's add-fd before it (the
# stub agent's log from line SLINE on), µs apart, into OUT; and, into
# OUT.connected, from the stub's frontend Connected (right after the
# backend's, which the daemon waits for in attaching) to the change.
p2_pairs() {
	local dlog=$HOSTDIR/log/cdromd.log slog=$HOSTDIR/log/stub-6.log
	{
		tail -n +"$1" "$dlog" |
		    sed -n 's/.*dom 5 hdc: blockdev-change-medium .* t=\([0-9]*\).*/\1 c/p'
		tail -n +"$2" "$slog" |
		    sed -n 's/^add-fd sent 5632 .* t=\([0-9]*\)$/\1 a/p'
	} | sort -n | awk '$2 == "a" { a = $1 } $2 == "c" && a { print $1 - a; a = 0 }' \
	    >"$3"
	[ "$(wc -l <"$3")" -ge "$N2" ] ||
		fail "P2: found $(wc -l <"$3") add-fd/change pairs of $N2 (is the daemon logging at debug?)"
	{
		tail -n +"$1" "$dlog" |
		    sed -n 's/.*dom 5 hdc: blockdev-change-medium .* t=\([0-9]*\).*/\1 c/p'
		tail -n +"$2" "$slog" |
		    sed -n 's/^fe 5632: 3 -> 4 t=\([0-9]*\)$/\1 f/p'
	} | sort -n | awk '$2 == "f" { f = $1 } $2 == "c" && f { print $1 - f; f = 0 }' \
	    >"$3.connected"
}

lines_of() {
	echo $(($(wc -l <"$HOSTDIR/log/$1") + 1))
}

# Both ways in one run: a stub without the project's glue (the daemon
# finds its fd by asking query-fdsets again, 1..20 ms apart), then the
# same stub announcing each add-fd in its cdrom-fdset node, as the glue
# does (the daemon is woken by the node and asks once).
note "P2: $N2 stub-domain changes by the daemon (stub without the glue)"
s0=$(qmp_sessions 5) dl=$(lines_of cdromd.log) sl=$(lines_of stub-6.log)
"$XB" changes "$N2" "$A" "$B" "stub=/local/domain/5/cdrom-request/hdc" \
    >"$OUT/p2-changes.txt" || fail "P2: daemon changes"
p2sess=$(awk -v a="$s0" -v b="$(qmp_sessions 5)" -v n="$N2" \
    'BEGIN { printf "%.2f\n", (b - a) / n }')
p2_pairs "$dl" "$sl" "$OUT/p2-daemon.us"
samples "P2 daemon (stub without the glue)" "$OUT/p2-daemon.us"
note "P2: $N2 stub-domain changes by the daemon (stub announcing its add-fd)"
host_kill "$HOSTDIR/pids/stub-6"
XCD_STUB_ANNOUNCE=1 stub_agent_start 6 5 || fail "P2: the announcing stub agent"
# The first change shows the daemon that this stub's announcements hold.
"$XB" changes 2 "$A" "$B" "stub=/local/domain/5/cdrom-request/hdc" \
    >/dev/null || fail "P2: daemon changes"
s0=$(qmp_sessions 5) dl=$(lines_of cdromd.log) sl=$(lines_of stub-6.log)
"$XB" changes "$N2" "$A" "$B" "stub=/local/domain/5/cdrom-request/hdc" \
    >"$OUT/p2-changes.txt" || fail "P2: daemon changes"
p2gsess=$(awk -v a="$s0" -v b="$(qmp_sessions 5)" -v n="$N2" \
    'BEGIN { printf "%.2f\n", (b - a) / n }')
p2_pairs "$dl" "$sl" "$OUT/p2-glue.us"
samples "P2 daemon (stub announcing its add-fd)" "$OUT/p2-glue.us"
host_kill "$HOSTDIR/pids/stub-6"
stub_agent_start 6 5 || fail "P2: the stub agent"

# --- P3: idle cost --------------------------------------------------------

DPID=$(cat "$HOSTDIR/pids/cdromd")

# wakeups PID: how often the process's threads have been put on a CPU
# (the third field of schedstat, summed over its threads).
wakeups() {
	cat /proc/"$1"/task/*/schedstat 2>/dev/null |
	    awk '{ n += $3 } END { print n + 0 }'
}

# The daemon's xenstored connection, as xenstored's trace names it (the
# trace was off when it connected): the one that reads dom3's target
# after a tool rewrites it with the same value, which the protocol says
# the daemon reads and ignores.
daemon_conn() {
	local t
	t=$(xenstore-read /local/domain/3/cdrom-request/hdc/target) &&
	    xenstore-write /local/domain/3/cdrom-request/hdc/target "$t" &&
	    sleep 0.3 &&
	    grep -a '^IN .* READ (/local/domain/3/cdrom-request/hdc/target' \
		"$HOSTDIR/log/xenstored.trace" | tail -n 1 | awk '{ print $2 }'
}

# reads_since LINE CONN: the reading requests CONN sent after trace line LINE.
reads_since() {
	tail -n +"$(($1 + 1))" "$HOSTDIR/log/xenstored.trace" |
	    grep -a -c -E "^IN $2 .* (READ|DIRECTORY|GET_PERMS|DIRECTORY_PART) " ||
	    true
}

# daemon_idle: the daemon's CPU time has not moved for half a second (it
# has worked through every watch event queued for it).
daemon_idle() {
	local a b i
	for ((i = 0; i < 600; i++)); do
		a=$(awk '{ print $14 + $15 }' "/proc/$DPID/stat") || return 1
		sleep 0.5
		b=$(awk '{ print $14 + $15 }' "/proc/$DPID/stat") || return 1
		[ "$a" = "$b" ] && return 0
	done
	return 1
}

trace_lines() {
	wc -l <"$HOSTDIR/log/xenstored.trace"
}

"$XB" control log on || fail "P3: xenstored trace on"
note "P3: the idle daemon for $IDLE_S s, then 10000 unrelated writes"
sleep 1
w0=$(wakeups "$DPID")
sleep "$IDLE_S"
w1=$(wakeups "$DPID")
idle_per_min=$(awk -v d="$((w1 - w0))" -v s="$IDLE_S" \
    'BEGIN { printf "%.1f\n", d * 60 / s }')
row P3 "idle wakeups per minute (${IDLE_S}s)" "$idle_per_min" "/min" \
    "goal" 0 "-" "0" "$(met "$idle_per_min == 0")"
conn=$(daemon_conn)
[ -n "$conn" ] || fail "P3: the daemon's connection is not in xenstored's trace"
UUID3=$(xenstore-read /local/domain/3/vm) || fail "P3: dom3's vm"
l0=$(trace_lines)
w0=$(wakeups "$DPID")
"$XB" writes 10000 /local/domain/3/data/bench /local/domain/3/memory/target \
    /local/domain/0/backend/vif/3/0/bench "$UUID3/bench" \
    /local/domain/5/data/bench /local/domain/6/data/bench ||
	fail "P3: writes"
sleep 0.5
w1=$(wakeups "$DPID")
reads=$(reads_since "$l0" "$conn")
unrel_wake=$((w1 - w0))
row P3 "xenstore reads, 10000 unrelated writes" "$reads" reads "goal" 0 "-" \
    "0" "$(met "$reads == 0")"
row P3 "wakeups during them" "$unrel_wake" "" "goal" 0 "-" "0" \
    "$(met "$unrel_wake == 0")"
# Keys inside a subtree the daemon watches that concern no drive: the
# libxl record of a CD drive gets a key nobody reads.
l0=$(trace_lines)
"$XB" writes 1000 /libxl/3/device/vbd/5632/bench-note || fail "P3: writes"
daemon_idle || fail "P3: the daemon does not go idle"
near=$(reads_since "$l0" "$conn")
row P3 "reads per write in a watched subtree" \
    "$(awk -v r="$near" 'BEGIN { printf "%.1f\n", r / 1000 }')" reads \
    "goal (not set by the issue)" 0 "-" "(none)" "info"
# What one dom0 change asks of xenstored, by request type (the raw
# floor's are known: 7 transactions, 18 writes, 1 read).
daemon_idle || fail "P3: the daemon does not go idle"
l0=$(trace_lines)
"$XB" changes 1 "$A" "$B" "daemon=/local/domain/3/cdrom-request/hdc" \
    >/dev/null || fail "P3: one change"
tail -n +"$((l0 + 1))" "$HOSTDIR/log/xenstored.trace" |
    awk -v c="$conn" '$1 == "IN" && $2 == c { n[$5]++; t++ }
	END { for (k in n) printf "%s=%d ", k, n[k]; printf "total=%d\n", t }' \
    >"$OUT/requests.txt"
reqs=$(sed -n 's/.*total=//p' "$OUT/requests.txt")
row P1 "  xenstore requests per change" "$reqs" req "raw floor" 33 \
    "$(ratio "$reqs" 33)" "<= 50" "$(met "$reqs <= 50")"
"$XB" control log off || fail "xenstored trace off"

cdromd_stop || fail "the daemon did not stop cleanly"
BE=/local/domain/0/backend/vbd/6/5632

# replica MODE N OUTFILE: N changes whose tail the MODE replica runs
# while the vbd work is libxl's (host.sh's stub_vbd_remove/add).
replica() {
	local mode=$1 n=$2 out=$3 i iso sent addfd
	: >"$out"
	for ((i = 0; i < n; i++)); do
		iso=$A
		[ $((i % 2)) = 1 ] && iso=$B
		"$XB" stub-replica "$mode" "$QMPDIR/qmp-libxl-5" "$BE" 5632 \
		    >"$OUT/replica.out" 2>&1 &
		local rpid=$!
		host_poll grep -q '^ready' "$OUT/replica.out" ||
			fail "P2: the $mode replica did not start: $(cat "$OUT/replica.out")"
		stub_vbd_remove 6 5632 || fail "P2: stub_vbd_remove"
		stub_vbd_add 6 5 hdc "$iso" || fail "P2: stub_vbd_add"
		wait "$rpid" || fail "P2: $mode replica: $(cat "$OUT/replica.out")"
		sent=$(sed -n 's/^sent t=\([0-9]*\).*/\1/p' "$OUT/replica.out")
		addfd=$(sed -n 's/^add-fd sent 5632 .* t=\([0-9]*\)$/\1/p' \
		    "$HOSTDIR/log/stub-6.log" | tail -n 1)
		if [ -z "$sent" ] || [ -z "$addfd" ]; then
			fail "P2: $mode: no timestamps"
		fi
		echo $((sent - addfd)) >>"$out"
	done
}

note "P2: $N2 changes with libxl 4.20's 200 ms query-fdsets polling"
replica libxl "$N2" "$OUT/p2-libxl.us"
samples "P2 libxl 4.20 replica" "$OUT/p2-libxl.us"
note "P2: $N2 changes with the seed's 10 x 100 ms retries"
host_kill "$HOSTDIR/pids/stub-6"
stub_agent_start 6 5 --seed || fail "P2: the stub agent with --seed"
replica seed "$N2" "$OUT/p2-seed.us"
samples "P2 seed replica" "$OUT/p2-seed.us"
p2d=$(stats "$OUT/p2-daemon.us") p2l=$(stats "$OUT/p2-libxl.us")
p2g=$(stats "$OUT/p2-glue.us") p2s=$(stats "$OUT/p2-seed.us")
for way in glue daemon; do
	if [ $way = glue ]; then
		st=$p2g what="stub announcing" sess=$p2gsess
	else
		st=$p2d what="stub without glue" sess=$p2sess
	fi
	row P2 "$what: add-fd -> change, median (n=$(field 1 "$st"))" \
	    "$(field 2 "$st")" ms "libxl 4.20 replica, median" "$(field 2 "$p2l")" \
	    "$(ratio "$(field 2 "$p2l")" "$(field 2 "$st")")x" \
	    "<= 2 ms, >= 50x below" \
	    "$(met "$(field 2 "$st") <= 2 && $(field 2 "$st") * 50 <= $(field 2 "$p2l")")"
	row P2 "  $what: mean / p99" "$(field 4 "$st") / $(field 3 "$st")" ms \
	    "libxl 4.20 replica, mean" "$(field 4 "$p2l")" \
	    "$(ratio "$(field 4 "$p2l")" "$(field 4 "$st")")x" "" info
	row P2 "  $what: QMP sessions per change" "$sess" "" "" "" "" "" info
	c=$(stats "$OUT/p2-$way.us.connected")
	row P2 "  $what: vbd Connected -> change, median" "$(field 2 "$c")" ms \
	    "" "" "" "" info
done
row P2 "  seed 10x100ms replica, mean" "$(field 4 "$p2s")" ms \
    "stub announcing, mean" "$(field 4 "$p2g")" \
    "$(ratio "$(field 4 "$p2s")" "$(field 4 "$p2g")")x" "(seed mean / ours)" info

# --- P4: adoption of NDOM domains x 2 drives --------------------------------

# The domains are the fake hypervisor's and in xenstore, but are not
# introduced to xenstored: with a thousand introduced rings, xenstored
# 4.17 under the test host's shim spends a millisecond scanning them on
# every request, which would be all the rows measured.  The daemon sees
# them when one more domain is introduced (@introduceDomain), and takes
# them on through the same scan and watches as at start.
note "P4: $NDOM simulated domains x 2 drives (one qmp-sim process plays their QEMUs)"
cdromd_start --log-level info --config "$HOSTDIR/cdromd.conf" \
    --hotplug-script "$HOTPLUG" || fail "the daemon did not start"
host_poll drive_done 3 hdc || fail "the daemon did not start"
DPID=$(cat "$HOSTDIR/pids/cdromd")
host_spawn qmp-sim "$XB" qmp-sim "$QMPDIR" "$FIRST" "$LAST"
host_poll host_more_lines qmp-sim.log '^qmp-sim ready' 0 || fail "qmp-sim"
t0=$(date +%s%N)
"$XB" populate "$FIRST" "$LAST" --no-introduce || fail "P4: populate"
note "P4: laid out in $((($(date +%s%N) - t0) / 1000000)) ms"
XSPID=$(cat "$HOSTDIR/pids/xenstored")
# cpu_s PID: the process's user + system CPU time, in seconds.
cpu_s() {
	awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f\n", ($14 + $15) / hz }' \
	    "/proc/$1/stat"
}
x0=$(cpu_s "$XSPID")
"$XB" adopt-floor "$FIRST" "$LAST" >"$OUT/p4-floor.txt" || fail "P4: adopt-floor"
x1=$(cpu_s "$XSPID")
floor_us=$(sed -n 's/^floor_us=//p' "$OUT/p4-floor.txt")
floor_req=$(sed -n 's/^floor_requests=//p' "$OUT/p4-floor.txt")
{ [ -n "$floor_us" ] && [ -n "$floor_req" ]; } || fail "P4: adopt-floor"
"$XB" adopt-wait "$FIRST" "$LAST" $((NDOM * 2)) "$DPID" -- \
    "$XB" populate $((FIRST - 1)) $((FIRST - 1)) >"$OUT/p4.txt" ||
	fail "P4: adoption"
adopt_us=$(sed -n 's/^adopt_us=\([0-9]*\).*/\1/p' "$OUT/p4.txt")
rss=$(sed -n 's/^rss_kib=//p' "$OUT/p4.txt")
adopt_ms=$(awk -v u="$adopt_us" 'BEGIN { printf "%.1f\n", u / 1000 }')
floor_ms=$(awk -v u="$floor_us" 'BEGIN { printf "%.1f\n", u / 1000 }')
rss_mib=$(awk -v k="$rss" 'BEGIN { printf "%.2f\n", k / 1024 }')
r=$(ratio "$adopt_ms" "$floor_ms")
row P4 "adopt $NDOM domains x 2 drives" "$adopt_ms" ms \
    "bare client, same xenstore work" "$floor_ms" \
    "$r" "<= 1000 ms, <= 1.3x" \
    "$(met "$adopt_ms <= 1000 && $r <= 1.3")"
busy_ms=$(sed -n 's/^busy_us=//p' "$OUT/p4.txt" |
    awk '{ printf "%.1f\n", $1 / 1000 }')
row P4 "  daemon busy until (CPU idle)" "$busy_ms" ms "" "" "" "" info
# Whether 1 s is within any client's reach: what xenstored alone spent
# per request of the bare client, against what 1 s leaves each.
per_req=$(awk -v a="$x0" -v b="$x1" -v n="$floor_req" \
    'BEGIN { printf "%.1f\n", (b - a) * 1e6 / n }')
allowed=$(awk -v n="$floor_req" 'BEGIN { printf "%.1f\n", 1e6 / n }')
row P4 "  bare: $floor_req req, xenstored CPU/req" "$per_req" us \
    "1 s / its requests" "$allowed" "$(ratio "$per_req" "$allowed")" \
    "(xenstored's own floor)" info
row P4 "RSS after adoption" "$rss_mib" MiB "goal" 8 \
    "$(ratio "$rss_mib" 8)" "< 8 MiB" "$(met "$rss_mib < 8")"

# --- P5: NDOM simultaneous changes ----------------------------------------

note "P5: one change alone, then $NDOM at once (qmp-sim's QEMUs)"
"$XB" many "$FIRST" "$FIRST" hdc "$A" "$B" >"$OUT/p5-one.txt" ||
	fail "P5: one change"
one_us=$(awk '{ print $2 }' "$OUT/p5-one.txt")
d0=$(cpu_s "$DPID") x0=$(cpu_s "$XSPID")
"$XB" many "$FIRST" "$LAST" hdc "$A" "$B" >"$OUT/p5.txt" ||
	fail "P5: $NDOM changes"
d1=$(cpu_s "$DPID") x1=$(cpu_s "$XSPID")
awk '{ print $2 }' "$OUT/p5.txt" >"$OUT/p5.us"
samples "P5 each of $NDOM simultaneous" "$OUT/p5.us"
p5=$(stats "$OUT/p5.us")
total=$(field 6 "$p5")
serial=$(awk -v u="$one_us" -v n="$NDOM" 'BEGIN { printf "%.1f\n", u * n / 1000 }')
row P5 "$NDOM simultaneous changes: all done" "$total" ms \
    "$NDOM x one change alone" "$serial" "$(ratio "$total" "$serial")" \
    "< 5000 ms" "$(met "$total < 5000")"
row P5 "  the first / median done" "$(field 5 "$p5") / $(field 2 "$p5")" ms \
    "" "" "" "" info
r=$(ratio "$(field 6 "$p5")" "$(field 2 "$p5")")
row P5 "  slowest / median (starvation)" "$(field 6 "$p5")" ms \
    "median" "$(field 2 "$p5")" "$r" \
    "<= 1.2, all $NDOM done" "$(met "$r <= 1.2 && $(field 1 "$p5") == $NDOM")"
# Where the time goes: the CPU each of the two spent meanwhile...
dcpu=$(awk -v a="$d0" -v b="$d1" 'BEGIN { printf "%.2f\n", b - a }')
xcpu=$(awk -v a="$x0" -v b="$x1" 'BEGIN { printf "%.2f\n", b - a }')
row P5 "  CPU: daemon / xenstored" "$dcpu / $xcpu" s "wall time" \
    "$(awk -v t="$total" 'BEGIN { printf "%.2f\n", t / 1000 }')" \
    "$(ratio "$(awk -v a="$dcpu" -v b="$xcpu" 'BEGIN { print a + b }')" \
    "$(awk -v t="$total" 'BEGIN { print t / 1000 }')")" "(CPU / wall)" info
# ... and the daemon's xenstore requests per change with that many
# drives busy: NTRACE changes at once with xenstored's trace on (it
# slows xenstored, so not during the timed run).
NTRACE=100
"$XB" control log on || fail "P5: xenstored trace on"
conn=$(daemon_conn)
[ -n "$conn" ] || fail "P5: the daemon's connection is not in xenstored's trace"
daemon_idle || fail "P5: the daemon does not go idle"
l0=$(trace_lines)
"$XB" many "$FIRST" $((FIRST + NTRACE - 1)) hdc "$A" "$B" >/dev/null ||
	fail "P5: $NTRACE traced changes"
"$XB" control log off || fail "xenstored trace off"
p5req=$(tail -n +"$((l0 + 1))" "$HOSTDIR/log/xenstored.trace" |
    awk -v c="$conn" -v n="$NTRACE" '$1 == "IN" && $2 == c { t++ }
	END { printf "%.1f\n", t / n }')
row P5 "  xenstore requests per change" "$p5req" req \
    "one change alone (P1)" "$reqs" "$(ratio "$p5req" "$reqs")" \
    "($NTRACE at once)" info
# Whether 5 s is within reach at this many requests: xenstored's CPU per
# request of the timed run, against what 5 s leaves each.
per_req=$(awk -v x="$xcpu" -v r="$p5req" -v n="$NDOM" \
    'BEGIN { printf "%.1f\n", x * 1e6 / (r * n) }')
allowed=$(awk -v r="$p5req" -v n="$NDOM" 'BEGIN { printf "%.1f\n", 5e6 / (r * n) }')
row P5 "  xenstored CPU per request" "$per_req" us \
    "5 s / (changes x requests)" "$allowed" "$(ratio "$per_req" "$allowed")" \
    "(xenstored's own floor)" info

# --- output ---------------------------------------------------------------

elapsed=$(($(date +%s) - started))
machine="$(uname -m), $(nproc) CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(sed -n 's/^PRETTY_NAME="\(.*\)"/\1/p' /etc/os-release), Linux $(uname -r)"
{
	echo "xen-cdromd benchmarks ($MODE), $(date -u '+%Y-%m-%d %H:%M UTC'), $elapsed s"
	echo "machine: $machine"
	echo "load at start: $LOAD_START, at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
	printf '%-3s %-38s %10s %-4s | %-30s %10s | %7s | %-22s %-4s %s\n' row measure \
	    figure unit comparison figure ratio goal met load
	sort -s -k1,1 "$TABLE"
	echo "xenstore requests of one dom0 change, by type: $(cat "$OUT/requests.txt")"
} >"$OUT/table.out"
cat "$OUT/table.out"
cp "$OUT/bench.csv" "$RESULTS/bench-$MODE.csv" || fail "copying the results"
cp "$OUT/samples.csv" "$RESULTS/samples-$MODE.csv" || fail "copying the results"
cp "$OUT/table.out" "$RESULTS/table-$MODE.txt" || fail "copying the results"
"$ROOT/bench/plot.sh" "$RESULTS/samples-$MODE.csv" "$RESULTS/latency-$MODE.png" \
    "$MODE run, $(date -u '+%Y-%m-%d'), $(nproc) CPUs" ||
	fail "the plot"
# latency.png, which docs/performance.md shows, is the latest run's.
cp "$RESULTS/latency-$MODE.png" "$RESULTS/latency.png" || fail "the plot"
echo "results: $RESULTS/bench-$MODE.csv, samples-$MODE.csv, latency-$MODE.png"
