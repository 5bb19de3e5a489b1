/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * Opening an image without blocking the event loop: the walk of
 * image.c runs in a child, which passes the descriptor back, and a
 * child that has not answered by the deadline is killed.  An image on
 * a hung file system (a dead NFS server, a stuck FUSE mount) fails its
 * own step and holds up no other drive.
 */
#ifndef WATCHER_OPENER_H
#define WATCHER_OPENER_H

#include <stddef.h>

#include "config.h"
#include "errcode.h"
#include "request.h"

struct opener;

/*
 * fd: the open image (the callee's to close), or -1 with code and err.
 * Never called from within opener_start.
 */
typedef void opener_fn(void *ctx, int fd, enum error_code code,
    const char *err);

/*
 * Starts opening target for a request of format want, giving up after
 * timeout_s seconds.  NULL when it is refused at once (the policy) or
 * cannot start, with *code and err set; fn is then never called.
 */
struct opener *opener_start(const struct config *cfg, const char *target,
    enum image_format want, unsigned timeout_s, opener_fn *fn, void *ctx,
    enum error_code *code, char *err, size_t errlen);

/* Stops an open in progress (its child is killed); NULL is fine. */
void opener_cancel(struct opener *op);

#endif
