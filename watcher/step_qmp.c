/*
 * A step's QMP connection and the checks every step makes of QEMU's
 * replies.  The connection is opened by the step's first command and
 * closed when the step ends: QEMU serves one client per socket, and
 * libxl must find it free between steps.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cdromd.h"
#include "log.h"
#include "qmp_client.h"
#include "step.h"

static void
qmp_reply(void *ctx, const struct qmp_msg *reply, const char *err)
{
	drive_reply(ctx, reply, err);
}

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

/*
 * QEMU has asked the guest to open the tray as well: a guest that then
 * unlocks it is served by writing the request again.
 */
bool
fail_if_tray_refused(struct drive *d, const struct qmp_msg *reply,
    const char *what)
{
	if (!qmp_error_tray_locked(reply, d->devid))
		return fail_if_refused(d, reply, what);
	if (opts.cfg.force_eject)
		/* Unlocked by us, locked again before QEMU opened it. */
		drive_fail(d, "the guest locked the tray again before QEMU "
		    "opened it");
	else
		drive_fail(d, "the guest has locked the tray (force-eject is "
		    "off)");
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

	step_qmp(d, CMD_CHANGE_MEDIUM, line, qmp_cmd_change_medium(line,
	    sizeof(line), id, d->devid, d->new_fdset, driver, force), id, -1);
}

void
step_change_medium_reply(struct drive *d, const struct drive_view *v,
    const struct qmp_msg *reply)
{
	struct qmp_block blk;

	if (d->cmd == CMD_CHANGE_MEDIUM) {
		if (!fail_if_tray_refused(d, reply, "the medium"))
			step_qmp_query(d, CMD_CONFIRM, "query-block");
		return;
	}
	if (fail_if_no_block(d, reply, &blk))
		return;
	if (!blk.inserted || qmp_fdset_of_file(blk.file) != d->new_fdset) {
		drive_fail(d, "QEMU does not show the new medium");
		return;
	}
	drive_transition(d, DRIVE_DONE, v->req.target, NULL);
}
