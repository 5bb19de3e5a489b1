/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * Who holds a flock(2): parsing the kernel's /proc/locks text, so that a
 * wait for libxl's device lock can name the process that holds it.
 */
#ifndef PROTOCOL_PROCLOCKS_H
#define PROTOCOL_PROCLOCKS_H
#include <stddef.h>

/*
 * The pid of the process holding a FLOCK on the file with device
 * (major, minor) and inode ino, as text (the contents of /proc/locks,
 * len bytes, not NUL-terminated) lists it; waiters ("->") are skipped.
 * Returns -1 if nobody holds one.
 */
long proc_locks_holder(const char *text, size_t len, unsigned int major,
    unsigned int minor, unsigned long long ino);

#endif
