/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * Every xenstore path xen-cdromd reads or writes, built in one place:
 * the contract's cdrom-request nodes and the records libxl keeps for a
 * guest's vbds.  Each builder writes into a caller's buffer of at least
 * XS_PATH_MAX bytes and returns 0, or -1 if the result would not fit or
 * a name component is not a plain node name.
 */
#ifndef PROTOCOL_PATHS_H
#define PROTOCOL_PATHS_H

#include <stdbool.h>

#include <stddef.h>

/* xenstored's own limit for an absolute path (XENSTORE_ABS_PATH_MAX). */
#define XS_PATH_MAX 3072

/* /local/domain/D */
int path_domain(char *buf, int domid);
/* /local/domain/D/cdrom-request */
int path_request_dir(char *buf, int domid);
/* /local/domain/D/cdrom-request/VDEV */
int path_request(char *buf, int domid, const char *vdev);
/* /local/domain/D/cdrom-request/VDEV/LEAF (LEAF: target, format, ...) */
int path_request_node(char *buf, int domid, const char *vdev,
    const char *leaf);
/* /local/domain/D/device/vbd */
int path_frontend_dir(char *buf, int domid);
/* /local/domain/D/device/vbd/DEVID */
int path_frontend(char *buf, int domid, int devid);
/* /local/domain/0/backend/KIND/D/DEVID, KIND "vbd" or "qdisk" */
int path_backend(char *buf, const char *kind, int domid, int devid);
/* /libxl/D/device/vbd/DEVID */
int path_libxl_vbd(char *buf, int domid, int devid);
/* /libxl/D/device/vbd */
int path_libxl_vbd_dir(char *buf, int domid);
/* /local/domain/DM/device-model/D/state: DM is 0, or D's stub domain. */
int path_dm_state(char *buf, int dm_domid, int domid);
/*
 * /local/domain/S/device-model/D/cdrom-fdset/DEVID: where the project's
 * stub-side glue in S announces the fdset of its add-fd (a hint).
 */
int path_stub_fdset(char *buf, int dm_domid, int domid, int devid);
/* /local/domain/D/image/device-model-domid */
int path_dm_domid(char *buf, int domid);
/* /local/domain/D/target (present in a stub domain) */
int path_stubdom_target(char *buf, int domid);
/*
 * PARENT/LEAF, for a node below a path read from xenstore (a backend
 * path, a libxl record).  parent must be absolute without a trailing
 * "/"; buf must not be parent.
 */
int path_child(char *buf, const char *parent, const char *leaf);

/*
 * Recognises PATH as /local/domain/D/cdrom-request/VDEV[/LEAF].
 * On success returns 0 and fills domid, vdev (VDEV_NAME_MAX bytes; the
 * raw node name, not validated as a vdev) and leaf (16 bytes, "" when
 * absent).  Returns -1 for any other path.
 */
/*
 * Is PATH a node below a request's leaf, /local/domain/D/cdrom-request/
 * VDEV/LEAF/..., for domain domid?  xenstored lets a guest that may
 * write eject create children under it; no such node means anything.
 */
bool path_below_request_leaf(const char *path, int domid);

int path_parse_request(const char *path, int *domid, char *vdev,
    char *leaf);

#endif
