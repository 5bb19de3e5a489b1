/*
 * Opening a requested image under the host's path policy.  The image is
 * opened once, here, and that descriptor is what QEMU gets: a path
 * swapped for a symlink after the check has nothing left to redirect.
 */
#ifndef WATCHER_IMAGE_H
#define WATCHER_IMAGE_H

#include <stddef.h>

#include "config.h"

/*
 * Opens target (already through target_check) read-only for QEMU.
 * Returns the descriptor, or -1 with a reason for the error node in err.
 */
int image_open(const struct config *cfg, const char *target, char *err,
    size_t errlen);

#endif
