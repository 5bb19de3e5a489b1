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
 * Starts SCRIPT ACTION with XENBUS_PATH=backend, XENBUS_TYPE=vbd and
 * XENBUS_BASE_PATH=backend; fn is called when it exits.  NULL (errno)
 * if it could not be started.
 */
struct hotplug *hotplug_run(const char *script, const char *action,
    const char *backend, hotplug_fn *fn, void *ctx);

/* Kills a script still running; fn will not be called.  NULL is fine. */
void hotplug_cancel(struct hotplug *h);

#endif
