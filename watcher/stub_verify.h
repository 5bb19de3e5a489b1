/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * A stub domain's vbd must hold exactly the image the daemon checked:
 * the hotplug script opens the params path again, later, following
 * symlinks, and a path swapped after the check would reach the guest.
 */
#ifndef WATCHER_STUB_VERIFY_H
#define WATCHER_STUB_VERIFY_H

#include <stdbool.h>
#include <stddef.h>

struct drive;

/*
 * After the script's add: is the block device the backend's
 * physical-device names the checked image d->image_fd (the device
 * itself, or a loop device over that very file)?  false with the reason
 * in why.
 */
bool stub_vbd_is_checked_image(const struct drive *d, char *why,
    size_t whylen);

/*
 * Does the loop device the backend's node names still hold a file?  An
 * add killed before it wrote hotplug-status leaves one behind; a remove
 * that ran leaves the node but no file in it.
 */
bool stub_vbd_loop_bound(const struct drive *d);

#endif
