# SPDX-License-Identifier: LGPL-2.1-only
# The real-Xen tier, included by the Makefile: `make system-test` boots,
# for each of Xen 4.17 (Debian 12) and Xen 4.20 (Debian 13), Xen and its
# dom0 under QEMU (tests/system/run.sh), starts an HVM guest and changes
# its CD with `xl` and with xen-cdromd side by side, first with QEMU in
# dom0, then with QEMU in a real Linux stub domain running the project's
# stubdom/ glue.  The images are built once per recipe into SYSTEM_CACHE
# (tests/system/build-image.sh); docs/testing.md says more.

SYSTEM_CACHE ?= $(HOME)/.cache/xen-cdromd/system

.PHONY: system-test system-deps
# Packages first: building the daemon needs libxen-dev, the images
# debootstrap, the stub guest's boot sector nasm.
system-deps:
	@scripts/install-deps.sh
	@scripts/install-deps.sh debootstrap cpio qemu-system-x86 coreutils \
	    gzip tar nasm xz-utils

system-test: system-deps $(BUILD)/xen-cdromd $(BUILD)/xen-cdrom $(STUB_GLUE)
	SYSTEM_CACHE=$(SYSTEM_CACHE) tests/system/run.sh $(BUILD)
	@scripts/install-deps.sh
