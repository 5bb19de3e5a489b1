/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * What the state machine and the steps share: one look at a drive's
 * nodes, the table of what differs by where QEMU runs, and the steps'
 * plumbing.  drive.c runs the machine; dom0.c and stubdom.c are the two
 * kinds of drive; view.c, step_qmp.c and adopt.c serve them.  Only the
 * daemon's drive files include this header.
 */
#ifndef WATCHER_STEP_H
#define WATCHER_STEP_H

#include <stdbool.h>
#include <stddef.h>

#include "drive.h"
#include "errcode.h"
#include "plan.h"
#include "qmp.h"
#include "store.h"

/* What one look at xenstore found for a drive, read afresh per step. */
struct drive_view {
	struct request req;		/* cdrom-request/VDEV: target, format, eject */
	struct progress prog;		/* cdrom-request/VDEV: state, medium */
	struct vbd_params vbd;		/* the vbd's params */
};

/*
 * A kind of drive: what differs between QEMU in dom0 and QEMU in a
 * stub domain, chosen once at adoption.  As xenbus reaches blkback only
 * through its struct xenbus_driver, the machine (drive.c), adoption and
 * the view reach a kind only through this table.  A NULL hook means
 * the kind has nothing to do there.
 */
struct drive_ops {
	const char *name;		/* for the log: "dom0", "stub domain" */
	/* The drive keeps a vbd even when empty (a missing one is a change
	 * cut short), and serves raw images only. */
	bool vbd_always_present;
	bool raw_only;
	/* The error-code of a detaching or attaching that fails unsaid. */
	enum error_code vbd_error;

	/* Sets d->backend, frontend and libxl; false if one is too long. */
	bool (*vbd_paths)(struct drive *d, const char *backend,
	    const char *libxl);
	/* The medium a vbd's params name; false if they cannot be read. */
	bool (*params_parse)(const struct drive *d, const char *params,
	    struct vbd_params *vbd);
	/* Starts and stops looking after the drive (the kind's watches). */
	bool (*start)(struct drive *d);
	void (*stop)(struct drive *d);

	/* The steps after the eject, called as drive.c says. */
	void (*detaching)(struct drive *d, const struct drive_view *v);
	void (*attaching)(struct drive *d, const struct drive_view *v);
	void (*changing)(struct drive *d, const struct drive_view *v,
	    const struct qmp_msg *reply);

	/* Is the fdset one the kind made for this drive (freed on eject)? */
	bool (*fdset_is_drives)(const struct drive *d, int fdset_id,
	    const char *opaque);
	/* A change failed and left QEMU empty: make the vbd say so. */
	bool (*change_failed)(struct drive *d);
	/* Ends the kind's part of the step in progress (scripts, timers). */
	void (*step_end)(struct drive *d);
	/* What the step waits for, for a timeout's words; NULL: QEMU. */
	const char *(*waiting_for)(const struct drive *d);
	/* Does the step in progress wait on the vbd's own nodes? */
	bool (*waits_on_vbd)(const struct drive *d);
};

extern const struct drive_ops dom0_drive_ops;
extern const struct drive_ops stub_drive_ops;

/* drive.c: the machine. */
void drive_transition(struct drive *d, enum drive_state to,
    const char *medium, const char *error);
/*
 * drive_transition() with the step's own writes in the same
 * transaction, before the state's: the step's work and the record of it
 * commit together or not at all, and cost one transaction (to is a
 * step, not done or error, which end otherwise).  work runs
 * as a store_tx() body, once the guest's nodes are known to be there.
 * Returns XS_TX_COMMIT, XS_TX_NOTHING (the guest is being torn down:
 * nothing written) or -1 (errno set): the transaction failed, the drive
 * is still in its step, and the caller fails it.
 */
int drive_transition_with(struct drive *d, enum drive_state to,
    store_tx_fn *work, void *ctx);
/* The done of a change, once saved.c has seen to libxl's saved config. */
void drive_transition_saved(struct drive *d, const char *medium,
    const char *saved_config);
void drive_fail(struct drive *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/*
 * A failed xenstore write or transaction: error-code xenstore, and for
 * a transaction that kept conflicting (common/xs.h's bound hit) words
 * that say so, after "what: ".
 */
void drive_fail_store(struct drive *d, const char *what);
/* The same with the error-code (errcode.h) a tool sees beside error. */
void drive_fail_code(struct drive *d, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/*
 * The step finds the drive disagreeing with the request it serves and
 * goes back to state to (detaching or ejecting), logging why.  The same
 * request re-planned DRIVE_REPLANS_MAX times ends in error instead,
 * naming why: a drive that can never converge must not spin.
 */
#define DRIVE_REPLANS_MAX 4
void drive_replan(struct drive *d, const struct request *req,
    enum drive_state to, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Ends the step in progress and gives back the lock, writing nothing. */
void drive_stop(struct drive *d);
/* Looks again and runs the step of the drive's state. */
void drive_continue(struct drive *d);
/* A QMP reply (NULL: the connection failed, err says why) for the step. */
void drive_reply(struct drive *d, const struct qmp_msg *reply,
    const char *err);
/*
 * The key of the request a change serves, and the request-id it answers
 * (drive.c).
 */
void goal_key(char *buf, size_t len, const struct request *req);
/*
 * Ends the step in progress: its timer, the kind's part, and the QMP
 * session only if a command of the step's is still due (its reply must
 * not reach the next step); an idle session is the change's, ended
 * with it.
 */
void step_end(struct drive *d);
/* Sets *slot to a copy of value (NULL: none); slot holds exactly value. */
void text_set(char **slot, const char *value);
bool text_is(const char *slot, const char *value);
/* Marks the drive busy and starts the step's step-timeout timer. */
void step_begin(struct drive *d);
/*
 * Opens (once) the image req names, under the path policy, off the
 * loop: IMAGE_READY, d->image_fd is open; IMAGE_WAIT, an open runs and
 * the step is run again when it ends (the drive is busy meanwhile);
 * IMAGE_FAILED, the drive has been failed.  The caller returns on
 * anything but IMAGE_READY.
 */
enum image_wait { IMAGE_READY, IMAGE_WAIT, IMAGE_FAILED };
enum image_wait image_ensure(struct drive *d, const struct request *req);
void image_close(struct drive *d);

/* adopt.c: copies path into a drive's DRIVE_PATH_MAX slot, if it fits. */
bool drive_path_set(char *slot, const char *path);

/*
 * saved.c: a change ends done.  Updates libxl's saved configuration to
 * the medium the drive holds (medium, or the request served when NULL),
 * then calls drive_transition_saved(); the drive stays busy meanwhile.
 */
void saved_config_start(struct drive *d, const char *medium);
/* Abandons that (the drive is stopped); nothing if none is under way. */
void saved_config_cancel(struct drive *d);
/* follow.c: another tool changed the settled drive; the request follows. */
bool drive_follow(struct drive *d);
/* eject.c: the first step of every change; reply as for changing. */
void step_ejecting(struct drive *d, const struct drive_view *v,
    const struct qmp_msg *reply);

/*
 * view.c: the drive's nodes, kept in memory and read again where an
 * event marked them stale.  drive_view_read() fills v; false if the
 * drive has no nodes to look at or its vbd cannot be read.
 */
enum {
	VIEW_REQUEST = 1 << 0,		/* target, format, eject: read as one */
	VIEW_STATE = 1 << 1,
	VIEW_MEDIUM = 1 << 2,
	VIEW_PARAMS = 1 << 3,
	VIEW_ALL = (1 << 4) - 1,
};
bool drive_view_init(struct drive *d);
void drive_view_free(struct drive *d);
bool drive_view_read(struct drive *d, struct drive_view *v);
/*
 * Adoption created every node of the request itself: the view takes
 * what it wrote (what the vbd holds) instead of reading it.
 */
bool drive_view_created(struct drive *d, const struct vbd_params *vbd);
/*
 * What a sweep of the domain's requests must read of the drive: all of
 * it, but only the request of a drive adoption made and nobody has
 * looked at since (the sweep that the request watch's first firing
 * brings, right after adoption).
 */
unsigned drive_view_sweep_nodes(const struct drive *d);
/*
 * The daemon's transaction (commit seq) wrote params into the vbd: the
 * view takes them as a read would, and the events that commit's writes
 * fire (drive_params_event_is_echo()) need no read.
 */
void drive_view_params_wrote(struct drive *d, const char *params,
    unsigned long seq);
bool drive_params_event_is_echo(const struct drive *d);
/*
 * The vbd's params are "" as the daemon's own transaction left them,
 * libxl's record with them, and nothing has written them since.
 */
bool drive_view_vbd_emptied(const struct drive *d);
/* These nodes may have changed: read them at the next look. */
void drive_view_stale(struct drive *d, unsigned nodes);
/* The node bits an event on cdrom-request/VDEV/leaf (NULL: any) names. */
unsigned view_node_of_leaf(const char *leaf);
/*
 * The daemon's transition wrote state, error and error-code (both ""
 * when errors_clear), and medium, answered-id and saved-config unless
 * NULL.
 */
struct view_written {
	enum drive_state state;
	bool errors_clear;
	const char *medium, *answered_id, *saved_config;
};
void drive_view_wrote(struct drive *d, const struct view_written *w);
/*
 * What the daemon's last transition left in error and error-code ("",
 * both), answered-id and saved-config, as far as the view knows: a
 * transition need not write them again.
 */
bool drive_view_errors_clear(const struct drive *d);
bool drive_view_medium_is(const struct drive *d, const char *medium);
bool drive_view_answered_is(const struct drive *d, const char *answered_id);
bool drive_view_saved_is(const struct drive *d, const char *saved_config);
/* The vbd's params as the kind reads them, from xenstore. */
bool vbd_params_read(const struct drive *d, struct vbd_params *vbd);

/*
 * step_qmp.c: the change's QMP session, opened by its first command and
 * kept between its steps.  Replies come back through drive_reply() with
 * d->cmd naming the command they answer.  Each fail_if_*() returns true
 * when it has failed the step: the caller then returns at once.
 */
void step_qmp(struct drive *d, enum drive_cmd cmd, const char *line,
    int len, unsigned id, int fd);
void step_qmp_query(struct drive *d, enum drive_cmd cmd, const char *what);
/* Ends the session and gives back libxl's qmp-socket-lock. */
void step_qmp_close(struct drive *d);
/* Is the step still waiting for libxl's qmp-socket-lock? */
bool step_qmp_lock_waiting(const struct drive *d);
/* Is a command of the step's, or the lock it waits for, still due? */
bool step_qmp_in_flight(const struct drive *d);
bool fail_if_refused(struct drive *d, const struct qmp_msg *reply,
    const char *what);
/*
 * Is reply a refusal?  Then buf says why, in words that say so when the
 * guest has locked the tray.
 */
bool tray_refusal(const struct drive *d, const struct qmp_msg *reply,
    const char *what, char *buf, size_t len);
/* Same, in words that say so when the guest has locked the tray. */
bool fail_if_tray_refused(struct drive *d, const struct qmp_msg *reply,
    const char *what);
/* Reads the drive's entry from a query-block reply into blk. */
bool fail_if_no_block(struct drive *d, const struct qmp_msg *reply,
    struct qmp_block *blk);
/*
 * Before blockdev-change-medium into an empty drive: must it force the
 * tray (closed and locked by the guest, and force-eject = yes)?
 */
bool tray_force(struct drive *d, const struct qmp_block *blk);
/* blockdev-change-medium of /dev/fdset/d->new_fdset, with driver. */
void step_change_medium(struct drive *d, const char *driver, bool force);
/*
 * Refused for a tray the guest locked, and not forced yet: sent again
 * with force when force-eject = yes.  True if it was.
 */
bool step_change_medium_forced(struct drive *d, const struct qmp_msg *reply);
/*
 * The end of every change: the reply to blockdev-change-medium of
 * /dev/fdset/d->new_fdset, then query-block confirming it, then
 * step_changed().
 */
void step_change_medium_reply(struct drive *d, const struct drive_view *v,
    const char *medium, const struct qmp_msg *reply);
/*
 * QEMU holds medium, the one attached: done, unless a newer request
 * came meanwhile, which is planned again from the eject.
 */
void step_changed(struct drive *d, const struct drive_view *v,
    const char *medium);
/* The query-block after it shows the new medium; else the step failed. */
bool step_change_medium_confirmed(struct drive *d, const struct qmp_msg *reply);

#endif
