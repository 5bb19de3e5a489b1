/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * Telling systemd (Type=notify) that the daemon is ready: once its first
 * scan has adopted every drive of the domains there are.
 */
#ifndef WATCHER_NOTIFY_H
#define WATCHER_NOTIFY_H

#include <stdbool.h>

/* After the first scan: READY=1 follows once its adoptions are done. */
void notify_after_scan(void);
/* The watch notify_after_scan() set; true if the event was its. */
bool notify_watch_event(const char *path, const char *token);
/* STOPPING=1, as the daemon begins to exit. */
void notify_stopping(void);

#endif
