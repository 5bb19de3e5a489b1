/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * Starting in the background only once the start has worked: the
 * command that starts the daemon exits 0 when the daemon is connected
 * to xenstored and serving, and with the daemon's own status (its
 * reason on stderr, no pid file left) when it could not start.
 */
#ifndef WATCHER_DETACH_H
#define WATCHER_DETACH_H

/*
 * Forks.  The parent waits for detach_finish or the child's exit and
 * exits; the child returns 0, in a session of its own.  -1 (errno) if
 * there is no child.
 */
int detach_start(void);

/* In the child, once started: stdio to /dev/null, the parent let go. */
void detach_finish(void);

#endif
