/* SPDX-License-Identifier: LGPL-2.1-only */
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

struct devlock;
struct drive_ops;
struct opener;
struct loop_timer;
struct qmp_conn;
struct qmp_lock;
struct saved_config;
struct stub_step;
struct view_cache;

/* The QMP command a drive is waiting on, so its step knows what came back. */
enum drive_cmd {
	CMD_NONE,
	CMD_QUERY_BLOCK,	/* what is in the drive before we act */
	CMD_QUERY_FDSETS,	/* which fdsets are there */
	CMD_EJECT,
	CMD_REMOVE_FD,
	CMD_ADD_FD,
	CMD_CHANGE_MEDIUM,
	CMD_CONFIRM,		/* query-block again: did the change take? */
};

/* At most this many fdsets are freed after one eject. */
#define DRIVE_STALE_FDSETS 8
/*
 * A vbd's xenstore paths ("/local/domain/0/backend/qdisk/3/5632") are
 * a few dozen bytes; a drive whose vbd names a longer one is refused.
 * Held inline, they keep a drive small: a host has thousands.
 */
#define DRIVE_PATH_MAX 128

struct drive {
	int domid;
	int dm_domid;			/* where QEMU runs: 0, or a stub domain */
	/* What differs by where QEMU runs: chosen once, at adoption. */
	const struct drive_ops *ops;
	char vdev[VDEV_NAME_MAX];
	int devid;
	int disk_index;			/* hdc: 2; the seed's fdset is 8000 + it */
	/*
	 * The vbd whose params name the medium: the guest's own for QEMU
	 * in dom0, the stub domain's for QEMU in a stub domain (frontend
	 * then names the stub domain's frontend).
	 */
	char backend[DRIVE_PATH_MAX];
	char frontend[DRIVE_PATH_MAX];
	char libxl[DRIVE_PATH_MAX];	/* libxl's record of that vbd */
	bool qdisk;			/* params carry a "format:" prefix */
	/*
	 * The backend's type as first read, which libxl's record repeats
	 * (dom0.c); "" until then.  libxl writes it once, with the vbd.
	 */
	char backend_type[16];

	enum drive_state state;		/* as last read or written */
	bool retry;			/* target or format rewritten: retry */
	struct loop_timer *update;	/* a burst of request events to read */
	bool rewritten;			/* ... among them target or format */
	struct loop_timer *vbd_update;	/* a burst of the stub's vbd events */
	/*
	 * "FORMAT:TARGET" of the request the change in progress serves, and
	 * of the one that failed last: a request that differs from the
	 * failed one is tried without being rewritten.  Allocated; NULL
	 * for none.
	 */
	char *goal;
	char *failed;
	bool seen;			/* domain rescans: still present? */

	/* The step in progress, if busy. */
	bool busy;
	struct loop_timer *timer;	/* step-timeout */
	enum drive_cmd cmd;
	struct qmp_conn *qmp;
	struct qmp_lock *qmp_lock;	/* libxl's qmp-socket-lock (step_qmp.c) */
	int old_fdset, new_fdset;
	/*
	 * The change's QMP session emptied the drive and has been held
	 * since: under libxl's qmp-socket-lock nothing of libxl's has
	 * touched QEMU, and the drive needs no look before its insert.
	 */
	bool qmp_emptied;
	bool force_tray;		/* the guest locked the empty drive's tray */
	const char *change_driver;	/* of blockdev-change-medium, static */
	char *refusal;			/* QEMU's refusal, while its fdset goes */
	int stale_fdsets[DRIVE_STALE_FDSETS];
	int n_stale_fdsets;
	/* Its nodes as last read, and which events have made stale (view.c). */
	struct view_cache *view;
	/* A stub domain drive's waits (stubdom.c); NULL for QEMU in dom0. */
	struct stub_step *stub;

	/* libxl's saved configuration being updated before done (saved.c). */
	struct saved_config *saving;
	/* libxl's device lock: held from a change's first step to its end. */
	struct devlock *lock;
	bool locked;

	/* The image opened for the request being carried out. */
	int image_fd;
	char *image_target;		/* allocated; NULL when none is open */
	int image_format;		/* enum image_format it was checked for */
	struct opener *opener;		/* opening it, off the loop */
	/* Re-plans of one request with no progress: bounded (drive_replan). */
	int replans;
	char *replan_key;		/* allocated; the request re-planned */
	/* The error-code of the drive_fail() in progress (errcode.h). */
	int fail_code;

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
 * the one step that follows.  rewritten: target or format was written
 * since the last look, which is what lets a failed request be tried
 * again.
 */
void drive_update(struct drive *d, bool rewritten);
/*
 * A watch event on the drive's request node leaf: one drive_update()
 * for a burst of them (a tool writes target and format together; a
 * transition writes state, error and medium), taken once the events
 * read so far are handled.
 */
void drive_request_event(struct drive *d, const char *leaf);

/* The vbd's params may have changed (libxl's record was written). */
void drive_params_event(struct drive *d);
/*
 * Reads every node again (a drive adopted just now: its request), then
 * drive_update(): the domain's sweep.
 */
void drive_recheck(struct drive *d);

/* Something changed in the stub domain's vbd: a waiting step looks. */
void drive_vbd_event(struct drive *d);

/* Forgets the drive (domain gone): no more xenstore writes, no QMP. */
void drive_free(struct drive *d);

#endif
