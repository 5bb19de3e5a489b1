# SPDX-License-Identifier: LGPL-2.1-only
# Benchmarks, included by the top Makefile (docs/performance.md says
# what each row measures and what the last run found):
#
#   make bench         every row, with many samples (a few minutes)
#   make bench-quick   the same table with fewer samples (< 3 minutes)
#   make profile       callgrind of the daemon over one dom0 change
#
# Each prints the table on stdout and leaves bench/results/bench.csv,
# the latency samples and bench/results/latency.png.  The rows run on
# the embedded test host (tests/host/host.sh): real xenstored and QEMU.
# scripts/install-deps.sh then adds what the benchmarks need beyond make deps
# (gnuplot, valgrind).

BENCH_SRCS = bench/xcd-bench.c bench/qmp-sim.c bench/bench-util.c
BENCH_BIN  = $(BUILD)/bench/xcd-bench

.PHONY: bench bench-quick profile bench-deps
$(BENCH_BIN): $(BENCH_SRCS) bench/bench-util.h tests/host/xshim.h $(BUILD)/libcommon.a $(BUILD)/libprotocol.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/host -o $@ $(BENCH_SRCS) $(BUILD)/libcommon.a $(BUILD)/libprotocol.a $(XEN_LIBS)

bench-deps: deps
	@scripts/install-deps.sh gnuplot-nox valgrind

bench: bench-deps
	$(MAKE) all $(BENCH_BIN)
	bench/run.sh full $(BUILD)

bench-quick: bench-deps
	$(MAKE) all $(BENCH_BIN)
	bench/run.sh quick $(BUILD)

profile: bench-deps
	$(MAKE) all $(BENCH_BIN)
	bench/profile.sh $(BUILD)
