/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * Is a directory hidden from this process by its own mount namespace?
 * A systemd unit's ProtectHome= and PrivateTmp= mount over /home, /root,
 * /run/user, /tmp and /var/tmp in the service's namespace only: the mount
 * a directory lies on then differs between /proc/self/mountinfo and
 * /proc/1/mountinfo (the host's, as PID 1 sees it).  Parsing only: the
 * caller reads the files.
 */
#ifndef PROTOCOL_MOUNTINFO_H
#define PROTOCOL_MOUNTINFO_H
#include <stdbool.h>
#include <stddef.h>

/*
 * True if absolute dir lies on a mount in self (mountinfo text, len
 * bytes) that init does not have (same mount point, device, root, type
 * and source); the mount point is copied into at (cap bytes).  False if
 * both see dir on the same mount, or a text cannot be parsed.
 */
bool mountinfo_hidden(const char *self, size_t self_len, const char *init,
    size_t init_len, const char *dir, char *at, size_t cap);

#endif
