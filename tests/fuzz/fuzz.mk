# SPDX-License-Identifier: LGPL-2.1-only
# Coverage-guided fuzzing of the protocol library with clang's libFuzzer.
# tests/fuzz/README says what each target checks.  Included from the
# top-level Makefile, or on its own:
#
#   make -f tests/fuzz/fuzz.mk fuzz-build     build $(BUILD)/fuzz/<target>
#   make -f tests/fuzz/fuzz.mk fuzz-regress   each target over its
#                                             committed corpus (for check)
#   make -f tests/fuzz/fuzz.mk fuzz           fuzz each FUZZ_SECONDS (60)
#
# Paths are relative to the repository root; run make from there.

# Including this file must not change the including Makefile's default.
FUZZ_SAVED_GOAL := $(.DEFAULT_GOAL)

BUILD        ?= build
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_TARGETS  = qmp vdev request config libxl-json
FUZZ_DIR      = $(BUILD)/fuzz
FUZZ_CORPUS   = tests/fuzz/corpus
# UBSan must stop the run, not print and go on.
FUZZ_SAN      = -fsanitize=address,undefined -fno-sanitize-recover=all \
                -fno-omit-frame-pointer
FUZZ_CFLAGS   = -g -O1 -std=c11 -D_GNU_SOURCE -Iprotocol -Wall -Wextra \
                -Werror $(FUZZ_SAN)
# Longest input worth trying: a QMP line and more; targets past
# TARGET_MAX; config lines past their 4096 bytes.
FUZZ_MAX_LEN_qmp     = 70000
FUZZ_MAX_LEN_vdev    = 64
FUZZ_MAX_LEN_request = 9000
FUZZ_MAX_LEN_config  = 16384
FUZZ_MAX_LEN_libxl-json = 32768

# The library is rebuilt here with coverage: build/libprotocol.a is not.
# Static pattern rules, so that they match only these files.
FUZZ_PROTO_SRCS = $(wildcard protocol/*.c)
FUZZ_PROTO_OBJS = $(FUZZ_PROTO_SRCS:protocol/%.c=$(FUZZ_DIR)/obj/%.o)
FUZZ_BINS       = $(FUZZ_TARGETS:%=$(FUZZ_DIR)/%)

.PHONY: fuzz-build fuzz-regress fuzz

fuzz-build: $(FUZZ_BINS)

$(FUZZ_PROTO_OBJS): $(FUZZ_DIR)/obj/%.o: protocol/%.c $(wildcard protocol/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_BINS): $(FUZZ_DIR)/%: tests/fuzz/fuzz-%.c $(FUZZ_PROTO_OBJS) $(wildcard protocol/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_PROTO_OBJS)

# Each target runs every committed input once; a crash, a sanitizer
# report or a failed check fails it.  The log stays for the reader.
fuzz-regress: fuzz-build
	@pass=0; fail=0; \
	for t in $(FUZZ_TARGETS); do \
		log=$(FUZZ_DIR)/$$t-regress.log; \
		if $(FUZZ_DIR)/$$t $(FUZZ_CORPUS)/$$t/* >$$log 2>&1; then \
			echo "ok   fuzz-$$t: $$(ls $(FUZZ_CORPUS)/$$t | wc -l) inputs"; \
			pass=$$((pass + 1)); \
		else \
			echo "FAIL fuzz-$$t: see $$log"; \
			grep -E 'ERROR: |check failed|runtime error' $$log | head -3; \
			fail=$$((fail + 1)); \
		fi; \
	done; \
	echo "$$pass passed, $$fail failed"; \
	test $$fail -eq 0

# All targets at once, each on a writable copy of its corpus, so what
# they learn never lands in the committed one.  Crashing inputs are
# kept as $(FUZZ_DIR)/<target>-crash-*.
fuzz: fuzz-build
	@for t in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_DIR)/corpus-$$t; \
		cp -n $(FUZZ_CORPUS)/$$t/* $(FUZZ_DIR)/corpus-$$t/; \
	done
	@echo "fuzzing $(FUZZ_TARGETS) for $(FUZZ_SECONDS) s each, at once"
	@for t in $(FUZZ_TARGETS); do \
		case $$t in \
		qmp) len=$(FUZZ_MAX_LEN_qmp) ;; vdev) len=$(FUZZ_MAX_LEN_vdev) ;; \
		request) len=$(FUZZ_MAX_LEN_request) ;; \
		config) len=$(FUZZ_MAX_LEN_config) ;; \
		libxl-json) len=$(FUZZ_MAX_LEN_libxl-json) ;; esac; \
		( $(FUZZ_DIR)/$$t $(FUZZ_DIR)/corpus-$$t \
		    -max_total_time=$(FUZZ_SECONDS) -max_len=$$len \
		    -print_final_stats=1 \
		    -artifact_prefix=$(FUZZ_DIR)/$$t- \
		    >$(FUZZ_DIR)/$$t-fuzz.log 2>&1; \
		  echo $$? >$(FUZZ_DIR)/$$t-fuzz.rc ) & \
	done; \
	wait; \
	fail=0; \
	printf '%-10s %14s %8s  %s\n' target executions corpus result; \
	for t in $(FUZZ_TARGETS); do \
		log=$(FUZZ_DIR)/$$t-fuzz.log; \
		runs=$$(sed -n 's/^stat::number_of_executed_units: *//p' $$log | tail -1); \
		test -n "$$runs" || \
		    runs=$$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' $$log | tail -1); \
		if [ "$$(cat $(FUZZ_DIR)/$$t-fuzz.rc)" != 0 ]; then \
			res="CRASH, see $$log"; fail=$$((fail + 1)); \
		else res=ok; fi; \
		printf '%-10s %14s %8s  %s\n' $$t "$${runs:-?}" \
		    $$(ls $(FUZZ_DIR)/corpus-$$t | wc -l) "$$res"; \
	done; \
	test $$fail -eq 0

ifneq ($(FUZZ_SAVED_GOAL),)
.DEFAULT_GOAL := $(FUZZ_SAVED_GOAL)
else
.DEFAULT_GOAL :=
endif
