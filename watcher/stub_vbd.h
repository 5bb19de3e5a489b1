/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * A stub domain's PV vbd of a drive in xenstore (stub_vbd.c), for the
 * stub domain's steps (stubdom.c).
 */
#ifndef WATCHER_STUB_VBD_H
#define WATCHER_STUB_VBD_H

#include <stdbool.h>
#include <stddef.h>

struct drive;
struct vbd_params;

/* The xenbus state of the vbd's backend or frontend dir; -1: none. */
int stub_vbd_state(const char *dir);
/* Reads the backend's leaf into buf; false if missing or too long. */
bool stub_backend_read(const struct drive *d, const char *leaf, char *buf,
    size_t len);
/* libxl's empty CD (LIBXL_STUBDOM_EMPTY_CDROM): XEN_RUN_DIR/empty-cdrom.D. */
void stub_empty_cdrom_path(const struct drive *d, char *buf, size_t len);
/* Creates that file as libxl does; false: the step failed, and says why. */
bool stub_empty_cdrom_create(struct drive *d, char *buf, size_t len);
/* Asks the backend to close: online 0, state Closing.  A gone one is. */
bool stub_vbd_close(struct drive *d);
/* Deletes the backend, the frontend and libxl's record at once. */
bool stub_vbd_delete(struct drive *d);
/* The medium a stub vbd's params name: "" for libxl's empty CD file. */
bool stub_vbd_params_parse(const struct drive *d, const char *params,
    struct vbd_params *vbd);
/*
 * The domain died while a hotplug script ran for the vbd and was
 * killed: undoes what the script did and removes the backend path.
 */
void stub_vbd_clean_after_death(struct drive *d);
/* Writes a new vbd for params as libxl writes a PHY CD-ROM. */
bool stub_vbd_create(struct drive *d, const char *params);

#endif
