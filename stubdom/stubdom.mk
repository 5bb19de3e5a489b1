# SPDX-License-Identifier: LGPL-2.1-only
# The stub-domain half (stubdom/, docs/stubdom.md), included by the
# Makefile: xen-cdromd-stub runs inside a Linux stub domain and hands each
# new CD vbd to its QEMU.  Linked statically (but for the sanitizers'
# build) so that it runs in any stub rootfs, whatever its libc.

STUB_GLUE = $(BUILD)/stubdom/xen-cdromd-stub
ifeq ($(SANITIZE),1)
STUB_STATIC =
else
STUB_STATIC = -static
endif

all: $(STUB_GLUE)

# common/fdpass.c only: the glue talks to no xenstored through libxenstore.
$(STUB_GLUE): stubdom/xen-cdromd-stub.c common/fdpass.c $(wildcard protocol/*.h common/*.h) $(BUILD)/libprotocol.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(STUB_STATIC) -o $@ $< common/fdpass.c $(BUILD)/libprotocol.a

.PHONY: install-stubdom
install: install-stubdom
install-stubdom: $(STUB_GLUE)
	$(INSTALL) -d $(DESTDIR)$(PREFIX)/share/xen-cdromd/stubdom
	$(INSTALL) -m 755 $(STUB_GLUE) $(DESTDIR)$(PREFIX)/share/xen-cdromd/stubdom/
	$(INSTALL) -m 755 stubdom/init $(DESTDIR)$(PREFIX)/share/xen-cdromd/stubdom/
