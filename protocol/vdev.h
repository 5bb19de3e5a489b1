/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * Virtual block device names and their numbers under Xen's vbd encoding
 * (xen-vbd-interface(7), formerly docs/misc/vbd-interface.txt).
 * Only whole disks are named here: a CD-ROM drive has no partitions.
 */
#ifndef PROTOCOL_VDEV_H
#define PROTOCOL_VDEV_H

#include <stddef.h>

/* Longest name we produce or accept, NUL included ("xvd" + 5 letters). */
#define VDEV_NAME_MAX 16

/*
 * Parses a whole-disk name: hd[a-t] (hda-hdd per Xen's table, hde-hdt
 * with Linux's legacy IDE majors), sd[a-p], xvd[a-z]+ (bijective base
 * 26, "xvdaa" is disk 26, up to disk (1 << 20) - 1).
 * Returns the devid, or -1 for anything else (partitions, upper case,
 * leading zeros, trailing bytes, overflow).
 * If disk_index is not NULL it receives the disk number within the
 * name's family (hdc -> 2), which is what QEMU's IDE bus/unit follow.
 */
int vdev_to_devid(const char *name, int *disk_index);

/*
 * Writes the canonical whole-disk name of devid into buf.
 * Returns 0, or -1 when devid is not a whole disk we can name or buf
 * is too small.
 */
int vdev_from_devid(int devid, char *buf, size_t len);

#endif
