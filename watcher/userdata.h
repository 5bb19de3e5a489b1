/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * Brings libxl's saved configuration of a domain (XEN_LIB_DIR/
 * userdata-d.D.UUID.libxl-json) in line with a finished change, as
 * `xl cd-insert` does: under libxl's domain-userdata lock, through a
 * userdata-n temporary file, without blocking the event loop.
 */
#ifndef WATCHER_USERDATA_H
#define WATCHER_USERDATA_H

#include <stdbool.h>

#include "libxl_json.h"

struct userdata_job;

/*
 * updated: the file now names the medium.  Otherwise why says why it
 * was left alone ("no libxl-json for this domain", "it does not parse
 * as JSON", ...), fit for "not updated: WHY"; the log has said it at
 * warning level already.
 */
typedef void userdata_fn(void *ctx, bool updated, const char *why);

/*
 * Starts the rewrite for domain domid (uuid as libxl names its files)
 * whose drive m->vdev now holds m.  fn is called once, from the event
 * loop.  NULL only when out of memory.
 */
struct userdata_job *userdata_update(int domid, const char *uuid,
    const struct libxl_medium *m, userdata_fn *fn, void *ctx);

/* Abandons a job (its child is killed; the old file stays); NULL is fine. */
void userdata_cancel(struct userdata_job *j);

#endif
