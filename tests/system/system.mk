# SPDX-License-Identifier: LGPL-2.1-only
# The real-Xen tier, included by the Makefile: `make system-test` boots
# Xen 4.17 and a Debian 12 dom0 under QEMU (tests/system/run.sh), starts
# an HVM guest and changes its CD with `xl cd-insert` and with
# xen-cdromd, side by side.  The dom0 image is built once into
# SYSTEM_CACHE (tests/system/build-image.sh); docs/testing.md says more.

SYSTEM_CACHE ?= $(HOME)/.cache/xen-cdromd/system

.PHONY: system-test system-deps
# Packages first: building the daemon needs libxen-dev, the image
# debootstrap.
system-deps:
	@scripts/install-deps.sh
	@scripts/install-deps.sh debootstrap cpio qemu-system-x86 coreutils \
	    gzip tar

system-test: system-deps $(BUILD)/xen-cdromd $(BUILD)/xen-cdrom
	SYSTEM_CACHE=$(SYSTEM_CACHE) tests/system/run.sh $(BUILD)
