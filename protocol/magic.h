/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * Which image format a file's first bytes announce, and whether that
 * agrees with the format a request names.  Nothing is guessed: a raw
 * request for a file that starts like a qcow2, VHD or QED image is
 * refused (QEMU would show the guest the container, not the disk), and
 * so is a request for a format whose header is not there.
 */
#ifndef PROTOCOL_MAGIC_H
#define PROTOCOL_MAGIC_H

#include <stdbool.h>
#include <stddef.h>

#include "request.h"

/* How many bytes of the start (and of the end, for VHD) are looked at. */
#define MAGIC_HEAD 8
#define VHD_FOOTER 512

/* The format head[0..n) starts with; FORMAT_RAW when none is known. */
enum image_format magic_format(const unsigned char *head, size_t n);

/*
 * A fixed-size VHD has no header, only a 512-byte footer at the end of
 * the file: do the first n bytes of the file's last VHD_FOOTER bytes
 * start one?
 */
bool magic_vhd_footer(const unsigned char *footer, size_t n);

/*
 * Does an image whose start announces seen (and whose end holds a VHD
 * footer, or not) fit a request for format want?  0 if it does; else -1
 * with a reason (for the error node, after the path) in why, such as
 * "looks like qcow2: use --format qcow2".
 */
int magic_check(enum image_format want, enum image_format seen,
    bool vhd_footer, char *why, size_t whylen);

#endif
