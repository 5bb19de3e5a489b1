/*
 * One emulated CD-ROM drive of one guest, and the state machine that
 * converges it to what cdrom-request/VDEV asks for.
 */
#ifndef WATCHER_DRIVE_H
#define WATCHER_DRIVE_H

#include <stdbool.h>

#include "paths.h"
#include "request.h"
#include "state.h"
#include "vdev.h"

struct qmp_conn;
struct loop_timer;

/* The QMP command a drive is waiting on, so its step knows what came back. */
enum drive_cmd {
	CMD_NONE,
	CMD_QUERY_BLOCK,	/* what is in the drive before we act */
	CMD_QUERY_FDSETS,	/* whose fdset that is */
	CMD_EJECT,
	CMD_REMOVE_FD,
	CMD_ADD_FD,
	CMD_CHANGE_MEDIUM,
	CMD_CONFIRM,		/* query-block again: did the change take? */
};

struct drive {
	int domid;
	int dm_domid;			/* where QEMU runs: 0, or a stub domain */
	char vdev[VDEV_NAME_MAX];
	int devid;
	char backend[XS_PATH_MAX];	/* the guest vbd's backend directory */
	char libxl[XS_PATH_MAX];	/* /libxl/D/device/vbd/DEVID */
	bool qdisk;			/* params carry a "format:" prefix */

	enum drive_state state;		/* as last read or written */
	bool retry;			/* target or format rewritten: retry */
	bool seen;			/* domain rescans: still present? */

	/* The step in progress, if busy. */
	bool busy;
	enum drive_cmd cmd;
	struct qmp_conn *qmp;
	struct loop_timer *timer;
	int old_fdset, new_fdset;

	/* The image opened for the request being carried out. */
	int image_fd;
	char image_target[TARGET_MAX + 1];

	struct drive *next;
};

/*
 * Starts looking after a drive: creates its cdrom-request nodes and
 * permissions as the contract says, then runs drive_update().
 */
struct drive *drive_adopt(int domid, int dm_domid, const char *vdev,
    int devid, const char *backend, const char *libxl_path);

/*
 * Level-triggered: re-reads the request and the drive's state and runs
 * the one step that follows.  leaf is the node a watch named
 * ("target", ...), or NULL: it is only a hint, except that a rewrite of
 * target or format is what lets a failed request be tried again.
 */
void drive_update(struct drive *d, const char *leaf);

/* Forgets the drive (domain gone): no more xenstore writes, no QMP. */
void drive_free(struct drive *d);

#endif
