/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * libxl's saved domain configuration (XEN_LIB_DIR/userdata-d.D.UUID.
 * libxl-json) as `xl cd-insert` and `xl cd-eject` leave it: the one
 * disks[] element of a drive replaced, every other byte kept.  Pure
 * text in, text out; watcher/userdata.c does the file and the locks.
 */
#ifndef PROTOCOL_LIBXL_JSON_H
#define PROTOCOL_LIBXL_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "json.h"
#include "request.h"

/* The largest file we rewrite (libxl's are a few KiB). */
#define LIBXL_JSON_MAX JSON_TEXT_MAX

/* What the drive holds after a change. */
struct libxl_medium {
	const char *vdev;		/* "hdc" */
	const char *path;		/* the target; "" for an empty drive */
	enum image_format format;	/* ignored when path is "" */
};

/*
 * Writes into out (cap bytes) the element xl 4.17 stores for m:
 * `xl cd-insert D VDEV PATH` keeps the disk it parsed from
 * "vdev=VDEV,access=r,devtype=cdrom,target=PATH", which libxl's JSON
 * generator writes without its default fields: pdev_path, vdev, format
 * ("empty" for an eject), removable, is_cdrom, as the files xl 4.17
 * wrote on the real-Xen tier show (tests/host/libxl-json/).  indent is the blank
 * text before each member ("\n            ", or "" for compact text),
 * close the blank text before the "}".  Returns the length, or -1 if
 * it does not fit (with a NUL).
 */
int libxl_disk_element(const struct libxl_medium *m, const char *indent,
    const char *close, char *out, size_t cap);

/*
 * The whole file after the change: in (len bytes, libxl's trailing NUL
 * included or not) with the disks[] element whose "vdev" is m->vdev
 * replaced by libxl_disk_element() in the element's own layout, and
 * a NUL after the last byte, as libxl writes and expects it.
 * Returns the length written, NUL included, or -1 with *why set to
 * a reason fit for "not updated: REASON".
 */
long libxl_json_set_disk(const char *in, size_t len,
    const struct libxl_medium *m, char *out, size_t cap, const char **why);

#endif
