# SPDX-License-Identifier: LGPL-2.1-only
# xen-cdromd: build, test and demonstrate.  README.md says how to start.
#
#   make            build the daemon, the unit tests and the test host
#   make check      install what is missing, then build and run every test,
#                   plainly and under AddressSanitizer + UBSan
#   make demo       install what is missing, bring up the embedded test
#                   host and change a CD live
#   make fuzz       run the libFuzzer targets for FUZZ_SECONDS (60) each
#   make install    install under DESTDIR and PREFIX (default /usr/local)
#   make deb        build the Debian package into build/deb
#
# BUILD=DIR puts objects elsewhere; SANITIZE=1 builds with ASan + UBSan.

CC      ?= cc
BUILD   ?= build
CFLAGS  ?= -O2 -g
CSTD     = -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow \
           -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Iprotocol -Icommon
ifeq ($(SANITIZE),1)
SANFLAGS = -fsanitize=address,undefined -fno-sanitize-recover=all \
           -fno-omit-frame-pointer
endif
ALL_CFLAGS = $(CSTD) $(CFLAGS) $(SANFLAGS)
XEN_LIBS   = -lxenstore -lxentoollog
# sd_notify(3), for the daemon only.
SYSTEMD_LIBS = -lsystemd

PROTOCOL_SRCS = $(wildcard protocol/*.c)
# What the programs that talk to xenstored share (common/xs.h).
COMMON_SRCS   = $(wildcard common/*.c)
# fault.c is only in the fault-injecting test build (watcher/fault.h).
WATCHER_SRCS  = $(filter-out watcher/fault.c,$(wildcard watcher/*.c))
UNIT_SRCS     = $(wildcard tests/unit/test-*.c)
SHIM_SRC      = tests/host/xsshim.c
TXSHIM_SRC    = tests/host/txconflict.c
SLOWFS_SRC    = tests/host/slowfs.c
HOST_SRCS     = $(filter-out $(SHIM_SRC) $(SLOWFS_SRC) $(TXSHIM_SRC),$(wildcard tests/host/*.c))

PROTOCOL_OBJS = $(PROTOCOL_SRCS:%.c=$(BUILD)/%.o)
COMMON_OBJS   = $(COMMON_SRCS:%.c=$(BUILD)/%.o)
WATCHER_OBJS  = $(WATCHER_SRCS:%.c=$(BUILD)/%.o)
FAULTS_OBJS   = $(WATCHER_SRCS:%.c=$(BUILD)/faults/%.o) \
                $(BUILD)/faults/watcher/fault.o
UNIT_BINS     = $(UNIT_SRCS:%.c=$(BUILD)/%)
HOST_BINS     = $(HOST_SRCS:%.c=$(BUILD)/%)
SHIM_SO       = $(BUILD)/tests/host/xsshim.so
SLOWFS        = $(BUILD)/tests/host/slowfs
TXSHIM_SO     = $(BUILD)/tests/host/txconflict.so

.PHONY: all check demo deps clean test-unit test-host
all: $(BUILD)/xen-cdromd $(BUILD)/xen-cdromd-faults $(BUILD)/xen-cdrom $(UNIT_BINS) $(HOST_BINS) $(SHIM_SO) $(SLOWFS) $(TXSHIM_SO)

$(BUILD)/%.o: %.c $(wildcard protocol/*.h common/*.h watcher/*.h cli/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# The same daemon with fault points that can crash it, for the tests only.
$(BUILD)/faults/%.o: %.c $(wildcard protocol/*.h common/*.h watcher/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DXCD_FAULTS -c -o $@ $<

$(BUILD)/xen-cdromd-faults: $(FAULTS_OBJS) $(BUILD)/libcommon.a $(BUILD)/libprotocol.a
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(XEN_LIBS) $(SYSTEMD_LIBS)

$(BUILD)/libprotocol.a: $(PROTOCOL_OBJS)
	$(AR) rcs $@ $^

$(BUILD)/libcommon.a: $(COMMON_OBJS)
	$(AR) rcs $@ $^

$(BUILD)/xen-cdromd: $(WATCHER_OBJS) $(BUILD)/libcommon.a $(BUILD)/libprotocol.a
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(XEN_LIBS) $(SYSTEMD_LIBS)

$(BUILD)/xen-cdrom: $(patsubst %.c,$(BUILD)/%.o,$(wildcard cli/*.c)) $(BUILD)/libcommon.a $(BUILD)/libprotocol.a
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(XEN_LIBS)

$(BUILD)/tests/unit/%: tests/unit/%.c tests/unit/tap.h $(BUILD)/libprotocol.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DSRCDIR='"$(CURDIR)"' -o $@ $< $(BUILD)/libprotocol.a

$(BUILD)/tests/host/%: tests/host/%.c $(wildcard tests/host/*.h common/*.h) $(BUILD)/libcommon.a $(BUILD)/libprotocol.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(BUILD)/libcommon.a $(BUILD)/libprotocol.a $(XEN_LIBS)

# The shim is preloaded into Debian's xenstored, which is not built with
# the sanitizers' runtime: it never takes SANFLAGS.
$(SHIM_SO): $(SHIM_SRC) tests/host/xshim.h
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(CFLAGS) -fPIC -shared -o $@ $< -ldl

# Preloaded into the daemon by t4950 (conflicting transactions): like the
# shim, built without the sanitizers.
$(TXSHIM_SO): $(TXSHIM_SRC)
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(CFLAGS) -fPIC -shared -o $@ $< -ldl

# A FUSE file system whose lookups hang (tests/host/slowfs.c), a test
# tool like the shim: built without the sanitizers, against libfuse3.
$(SLOWFS): $(SLOWFS_SRC)
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(CFLAGS) $$(pkg-config --cflags fuse3) -o $@ $< \
	    $$(pkg-config --libs fuse3)

deps:
	@scripts/install-deps.sh

check: deps
	$(MAKE) all
	$(MAKE) BUILD=build/asan SANITIZE=1 all
	$(MAKE) fuzz-regress
	tests/run.sh build build/asan

test-unit: all
	tests/run.sh --unit build

demo: deps all
	tests/demo.sh build

clean:
	rm -rf build

# make install [PREFIX=/usr/local] [DESTDIR=]: the daemon and the CLI, the
# guest helper (for copying into guests), the systemd unit and the
# tmpfiles.d entry that makes the shipped allowed-dirs, the udev rule and
# its script, the configuration (never over a real one) and its example,
# bash completion, the man pages and the README and protocol.
PREFIX  ?= /usr/local
ifeq ($(PREFIX),/usr)
UNITDIR ?= /lib/systemd/system
UDEVDIR ?= /lib/udev
else
UNITDIR ?= $(PREFIX)/lib/systemd/system
UDEVDIR ?= $(PREFIX)/lib/udev
endif
TMPFILESDIR   ?= $(PREFIX)/lib/tmpfiles.d
COMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions
DOCDIR        ?= $(PREFIX)/share/doc/xen-cdromd
INSTALL ?= install
MANDIR   = $(DESTDIR)$(PREFIX)/share/man

.PHONY: install
install: $(BUILD)/xen-cdromd $(BUILD)/xen-cdrom
	$(INSTALL) -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/bin \
	    $(DESTDIR)$(PREFIX)/share/xen-cdromd/guest $(DESTDIR)$(UNITDIR) \
	    $(DESTDIR)/etc/xen $(DESTDIR)/etc/xen/scripts \
	    $(DESTDIR)$(UDEVDIR)/rules.d $(DESTDIR)$(TMPFILESDIR) \
	    $(DESTDIR)$(COMPLETIONDIR) $(DESTDIR)$(DOCDIR) \
	    $(MANDIR)/man1 $(MANDIR)/man5 $(MANDIR)/man8
	$(INSTALL) -m 755 $(BUILD)/xen-cdromd $(DESTDIR)$(PREFIX)/sbin/
	$(INSTALL) -m 755 $(BUILD)/xen-cdrom $(DESTDIR)$(PREFIX)/bin/
	$(INSTALL) -m 755 hotplug-scripts/xen-cdrom-guest-eject \
	    $(DESTDIR)$(PREFIX)/share/xen-cdromd/guest/
	sed 's|/usr/sbin/xen-cdromd|$(PREFIX)/sbin/xen-cdromd|' \
	    hotplug-scripts/xen-cdromd.service >$(DESTDIR)$(UNITDIR)/xen-cdromd.service
	chmod 644 $(DESTDIR)$(UNITDIR)/xen-cdromd.service
	$(INSTALL) -m 644 hotplug-scripts/xen-cdromd.tmpfiles \
	    $(DESTDIR)$(TMPFILESDIR)/xen-cdromd.conf
	$(INSTALL) -m 755 hotplug-scripts/xen-cdromd-udev \
	    $(DESTDIR)/etc/xen/scripts/xen-cdromd-udev
	$(INSTALL) -m 644 hotplug-scripts/60-xen-cdromd.rules \
	    $(DESTDIR)$(UDEVDIR)/rules.d/60-xen-cdromd.rules
	[ -e $(DESTDIR)/etc/xen/xen-cdromd.conf ] || \
	    $(INSTALL) -m 644 hotplug-scripts/xen-cdromd.conf \
	    $(DESTDIR)/etc/xen/xen-cdromd.conf
	$(INSTALL) -m 644 hotplug-scripts/xen-cdromd.conf.example \
	    $(DESTDIR)/etc/xen/xen-cdromd.conf.example
	$(INSTALL) -m 644 completion/xen-cdrom.bash \
	    $(DESTDIR)$(COMPLETIONDIR)/xen-cdrom
	$(INSTALL) -m 644 README.md docs/protocol.md $(DESTDIR)$(DOCDIR)/
	$(INSTALL) -m 644 docs/man/xen-cdrom.1 docs/man/xen-cdrom-guest-eject.1 \
	    $(MANDIR)/man1/
	$(INSTALL) -m 644 docs/man/xen-cdromd.conf.5 $(MANDIR)/man5/
	$(INSTALL) -m 644 docs/man/xen-cdromd.8 $(MANDIR)/man8/
	@# On the host itself, make the allowed-dirs now rather than at boot.
	[ -n "$(DESTDIR)" ] || ! command -v systemd-tmpfiles >/dev/null || \
	    systemd-tmpfiles --create $(TMPFILESDIR)/xen-cdromd.conf

# The Debian package, built by scripts/build-deb.sh from a copy of the
# tree (which it leaves untouched), into $(BUILD)/deb with lintian's report.
.PHONY: deb
deb:
	scripts/build-deb.sh $(BUILD)/deb

include stubdom/stubdom.mk
include tests/fuzz/fuzz.mk
# Benchmarks (make bench, bench-quick, profile), the long soak (make soak)
# and the real-Xen tier (make system-test) each keep their rules beside
# their code.
-include bench/bench.mk
-include tests/soak/soak.mk
-include tests/system/system.mk
