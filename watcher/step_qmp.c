/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * A change's QMP session and the checks every step makes of QEMU's
 * replies.  The session is opened by the change's first command and
 * kept, idle, between its steps until the change ends, done or error:
 * as libxl's cd-insert keeps its one libxl__ev_qmp from eject to
 * blockdev-change-medium.  A session costs a connect, QEMU's greeting
 * and qmp_capabilities; behind a stub domain's vchan proxy that is a
 * second or more, and a stub's fdset is looked for again and again.
 * QEMU serves one client per socket, so, as libxl does, the session is
 * opened only under libxl's qmp-socket-lock of the domain (devlock.c,
 * taken without blocking) and the lock is held as long as the session:
 * xl save, restore, unpause or qemu-monitor-command wait for the change
 * to end, as they wait for xl cd-insert's, and never find the monitor
 * taken.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cdromd.h"
#include "devlock.h"
#include "domain.h"
#include "log.h"
#include "qmp_client.h"
#include "errcode.h"
#include "step.h"

/* libxl's qmp-socket-lock, and the first command, sent once it is held. */
struct qmp_lock {
	struct devlock *lock;
	bool held;
	char line[QMP_CMD_MAX];
	int len;
	unsigned id;
	int fd;
};

static void
qmp_reply(void *ctx, const struct qmp_msg *reply, const char *err)
{
	struct drive *d = ctx;

	/*
	 * Lost while idle between steps (QEMU restarted its monitor, or
	 * flooded it with events): no step was waiting on it.  The next
	 * command opens a session again.
	 */
	if (reply == NULL && !qmp_in_flight(d->qmp)) {
		log_debug("dom %d %s: idle QMP session closed: %s", d->domid,
		    d->vdev, err);
		step_qmp_close(d);
		return;
	}
	drive_reply(d, reply, err);
}

static void qmp_lock_taken(void *ctx, int err);

/*
 * Before the step's first command: libxl's qmp-socket-lock, the command
 * kept until it is held.  d->cmd is set meanwhile: a reply is due.
 */
static void
qmp_lock_take(struct drive *d, enum drive_cmd cmd, const char *line,
    int len, unsigned id, int fd)
{
	struct qmp_lock *ql;
	char uuid[64];

	if ((size_t)len >= sizeof(ql->line)) {
		drive_fail(d, "QMP command too long");
		return;
	}
	if (!domain_uuid(d->domid, uuid, sizeof(uuid))) {
		drive_fail(d, "cannot find the domain's uuid in "
		    "/local/domain/%d/vm", d->domid);
		return;
	}
	if ((ql = calloc(1, sizeof(*ql))) == NULL) {
		drive_fail(d, "cannot take libxl's qmp-socket lock: %s",
		    strerror(errno));
		return;
	}
	memcpy(ql->line, line, (size_t)len);
	ql->len = len;
	ql->id = id;
	ql->fd = fd;
	d->qmp_lock = ql;
	d->cmd = cmd;
	if ((ql->lock = devlock_acquire_lock(d->domid, uuid,
	    LIBXL_LOCK_QMP_SOCKET, qmp_lock_taken, d)) == NULL)
		drive_fail(d, "cannot take libxl's qmp-socket lock in %s: %s",
		    devlock_dir(), strerror(errno));
}

static void
qmp_lock_taken(void *ctx, int err)
{
	struct drive *d = ctx;
	struct qmp_lock *ql = d->qmp_lock;

	if (err != 0) {
		drive_fail(d, "cannot take libxl's qmp-socket lock in %s: %s",
		    devlock_dir(), strerror(err));
		return;
	}
	ql->held = true;
	step_qmp(d, d->cmd, ql->line, ql->len, ql->id, ql->fd);
}

bool
step_qmp_lock_waiting(const struct drive *d)
{
	return d->qmp_lock != NULL && !d->qmp_lock->held;
}

bool
step_qmp_in_flight(const struct drive *d)
{
	return step_qmp_lock_waiting(d) || qmp_in_flight(d->qmp);
}

static const char *const drive_cmd_names[] = {
	[CMD_NONE] = "none",
	[CMD_QUERY_BLOCK] = "query-block",
	[CMD_QUERY_FDSETS] = "query-fdsets",
	[CMD_EJECT] = "eject",
	[CMD_REMOVE_FD] = "remove-fd",
	[CMD_ADD_FD] = "add-fd",
	[CMD_CHANGE_MEDIUM] = "blockdev-change-medium",
	[CMD_CONFIRM] = "query-block (confirm)",
};

/* Sends one command on the step's connection, opening it on first use. */
void
step_qmp(struct drive *d, enum drive_cmd cmd, const char *line, int len,
    unsigned id, int fd)
{
	char path[512];

	if (len < 0) {
		drive_fail(d, "QMP command too long");
		return;
	}
	if (d->qmp_lock == NULL) {
		qmp_lock_take(d, cmd, line, len, id, fd);
		return;
	}
	if (d->qmp == NULL) {
		snprintf(path, sizeof(path), "%s/qmp-libxl-%d", opts.qmp_dir,
		    d->domid);
		if ((d->qmp = qmp_open(path, qmp_reply, d)) == NULL) {
			drive_fail(d, "cannot connect to QEMU at %s: %s", path,
			    strerror(errno));
			return;
		}
		/* The benchmark counts these (sessions per change). */
		log_debug("dom %d %s: QMP session opened", d->domid, d->vdev);
	}
	d->cmd = cmd;
	/* The system tier counts these beside xl's (round trips a change). */
	log_debug("dom %d %s: QMP command %s", d->domid, d->vdev,
	    drive_cmd_names[cmd]);
	if (qmp_send(d->qmp, line, len, id, fd) == -1)
		drive_fail(d, "QMP connection to QEMU lost");
}

void
step_qmp_query(struct drive *d, enum drive_cmd cmd, const char *what)
{
	char line[QMP_CMD_MAX];
	unsigned id = qmp_next_id();

	step_qmp(d, cmd, line, qmp_cmd_query(line, sizeof(line), id, what),
	    id, -1);
}

void
step_qmp_close(struct drive *d)
{
	qmp_close(d->qmp);
	d->qmp = NULL;
	d->cmd = CMD_NONE;
	d->qmp_emptied = false;
	/* Closed first: libxl may talk to QEMU once the lock is free. */
	if (d->qmp_lock != NULL) {
		devlock_release(d->qmp_lock->lock);
		free(d->qmp_lock);
		d->qmp_lock = NULL;
	}
}

bool
fail_if_refused(struct drive *d, const struct qmp_msg *reply,
    const char *what)
{
	if (reply->kind != QMP_MSG_ERROR)
		return false;
	drive_fail(d, "QEMU refused %s: %s", what, reply->error_desc);
	return true;
}

bool
tray_refusal(const struct drive *d, const struct qmp_msg *reply,
    const char *what, char *buf, size_t len)
{
	if (reply->kind != QMP_MSG_ERROR)
		return false;
	if (!qmp_error_tray_locked(reply, d->devid))
		snprintf(buf, len, "QEMU refused %s: %s", what,
		    reply->error_desc);
	else if (opts.cfg.force_eject)
		/* Unlocked by us, locked again before QEMU opened it. */
		snprintf(buf, len, "the guest locked the tray again before "
		    "QEMU opened it");
	else
		snprintf(buf, len, "the guest has locked the tray (force-eject "
		    "is off)");
	return true;
}

/*
 * QEMU has asked the guest to open the tray as well: a guest that then
 * unlocks it is served by writing the request again.
 */
bool
fail_if_tray_refused(struct drive *d, const struct qmp_msg *reply,
    const char *what)
{
	char why[1024];

	if (!tray_refusal(d, reply, what, why, sizeof(why)))
		return false;
	drive_fail_code(d, qmp_error_tray_locked(reply, d->devid) ?
	    ERRC_LOCKED : ERRC_QEMU, "%s", why);
	return true;
}

/*
 * Forced only when needed: a QEMU older than 7.1 refuses the argument,
 * and an open tray needs no force.
 */
bool
tray_force(struct drive *d, const struct qmp_block *blk)
{
	if (!blk->locked || blk->tray_open || !opts.cfg.force_eject)
		return false;
	log_info("dom %d %s: the guest has locked the tray; forcing it "
	    "(force-eject = yes)", d->domid, d->vdev);
	return true;
}

bool
fail_if_no_block(struct drive *d, const struct qmp_msg *reply,
    struct qmp_block *blk)
{
	if (fail_if_refused(d, reply, "query-block"))
		return true;
	if (!qmp_block_find(reply->ret, d->devid, blk)) {
		drive_fail(d, "QEMU has no drive ide-%d", d->devid);
		return true;
	}
	return false;
}

void
step_change_medium(struct drive *d, const char *driver, bool force)
{
	char line[QMP_CMD_MAX];
	unsigned id = qmp_next_id();

	d->qmp_emptied = false;
	d->change_driver = driver;
	d->force_tray = force;
	step_qmp(d, CMD_CHANGE_MEDIUM, line, qmp_cmd_change_medium(line,
	    sizeof(line), id, d->devid, d->new_fdset, driver, force), id, -1);
}

bool
step_change_medium_confirmed(struct drive *d, const struct qmp_msg *reply)
{
	struct qmp_block blk;

	if (fail_if_no_block(d, reply, &blk))
		return false;
	if (!blk.inserted || qmp_fdset_of_file(blk.file) != d->new_fdset) {
		drive_fail(d, "QEMU does not show the new medium");
		return false;
	}
	return true;
}

void
step_changed(struct drive *d, const struct drive_view *v, const char *medium)
{
	if (!request_attached(&v->req, &v->vbd)) {
		drive_replan(d, &v->req, DRIVE_EJECTING, "a newer request "
		    "came while QEMU took %.200s", medium);
		return;
	}
	drive_transition(d, DRIVE_DONE, medium, NULL);
}

/*
 * A change sent without force, because the drive was not looked at or
 * its tray was open then, finds it locked by the guest: with
 * force-eject = yes it is sent again, forced, as it would have been.
 */
bool
step_change_medium_forced(struct drive *d, const struct qmp_msg *reply)
{
	if (d->force_tray || !opts.cfg.force_eject ||
	    !qmp_error_tray_locked(reply, d->devid))
		return false;
	log_info("dom %d %s: the guest has locked the tray; forcing it "
	    "(force-eject = yes)", d->domid, d->vdev);
	step_change_medium(d, d->change_driver, true);
	return true;
}

void
step_change_medium_reply(struct drive *d, const struct drive_view *v,
    const char *medium, const struct qmp_msg *reply)
{
	if (d->cmd == CMD_CHANGE_MEDIUM) {
		if (step_change_medium_forced(d, reply))
			return;
		if (!fail_if_tray_refused(d, reply, "the medium"))
			step_qmp_query(d, CMD_CONFIRM, "query-block");
		return;
	}
	if (step_change_medium_confirmed(d, reply))
		step_changed(d, v, medium);
}
