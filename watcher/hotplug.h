/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * Running the block hotplug script for a stub domain's vbd, as libxl
 * runs it, as a child of the event loop.
 */
#ifndef WATCHER_HOTPLUG_H
#define WATCHER_HOTPLUG_H

#include <sys/types.h>

struct hotplug;

/* status is the child's wait status. */
typedef void hotplug_fn(void *ctx, int status);

/*
 * Starts SCRIPT ACTION with libxl's environment: XENBUS_PATH=xenbus_path
 * (relative to dom0's home, "backend/vbd/S/DEVID"), XENBUS_TYPE=vbd,
 * XENBUS_BASE_PATH=backend and script=SCRIPT; fn is called when it
 * exits.  NULL (errno) if it could not be started.
 */
struct hotplug *hotplug_run(const char *script, const char *action,
    const char *xenbus_path, hotplug_fn *fn, void *ctx);

/* Kills a script still running; fn will not be called.  NULL is fine. */
void hotplug_cancel(struct hotplug *h);

#endif
