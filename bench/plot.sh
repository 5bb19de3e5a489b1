#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-only
#
# bench/plot.sh SAMPLES.csv OUT.png TITLE: draws the latency
# distributions of bench/run.sh's samples ("series,ms" lines) as one
# cumulative distribution per series on a log time axis, with gnuplot
# (make bench installs it).

set -eu

in=$1 png=$2 title=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# One file per series: sorted values and their cumulative fraction.
plots=
i=0
while IFS= read -r series; do
	i=$((i + 1))
	awk -F, -v s="$series" 'NR > 1 && $1 == s { print $2 }' "$in" |
	    sort -g | awk '{ v[NR] = $1 } END { for (k = 1; k <= NR; k++)
		print v[k], k / NR }' >"$tmp/$i.dat"
	plots="$plots${plots:+, }'$tmp/$i.dat' using 1:2 with steps lw 2 title '$series'"
done < <(awk -F, 'NR > 1 && !seen[$1]++ { print $1 }' "$in")
[ -n "$plots" ] || { echo "plot.sh: no samples in $in" >&2; exit 1; }

gnuplot <<GP
set terminal pngcairo size 1000,600 font ",10"
set output '$png'
set title "xen-cdromd latency distributions — $title"
set xlabel "latency (ms, log scale)"
set ylabel "fraction of changes done"
set logscale x
set grid
set key right bottom
set yrange [0:1.02]
plot $plots
GP
