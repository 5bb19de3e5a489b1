# SPDX-License-Identifier: LGPL-2.1-only
# make soak: the long forms of the robustness tests, too slow for make
# check.  Included from the top-level Makefile.
#
#   make soak    tests/soak/soak.sh: SOAK_CHANGES (3000) requests across
#                8 dom0 and 2 stub-domain guests with seeded random
#                faults (SOAK_SEED replays a run's sequence), then every
#                drive must converge; then, unless SOAK_VALGRIND=0, the
#                scenario suite with the daemon under valgrind's
#                memcheck (tests/soak/valgrind-suite.sh).
#
# Both run against $(BUILD), which must be a build without sanitizers
# for valgrind.

SOAK_CHANGES  ?= 3000
SOAK_VALGRIND ?= 1

.PHONY: soak
# Both parts run even if the first fails; either failing fails make.
soak: deps
	$(MAKE) all
	@rc=0; \
	BUILD=$(BUILD) SOAK_CHANGES=$(SOAK_CHANGES) \
	    $(if $(SOAK_SEED),SOAK_SEED=$(SOAK_SEED)) \
	    bash tests/soak/soak.sh || rc=1; \
	if [ "$(SOAK_VALGRIND)" = 1 ]; then \
		bash tests/soak/valgrind-suite.sh $(BUILD) || rc=1; \
	fi; \
	exit $$rc
