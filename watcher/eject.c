/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * ejecting: every change's first step, the same wherever QEMU runs.
 * It asks QEMU what is in the drive, ejects it, and frees the fdsets
 * that held it: the one QEMU read it from, and every fdset the drive's
 * kind made for it.  Only a kind that makes fdsets of its own (a stub
 * domain's) needs query-fdsets to find them; in dom0 the one fdset is
 * named by query-block, and removed at once.
 */
#include "cdromd.h"
#include "log.h"
#include "qmp_client.h"
#include "step.h"

/* Collects the fdsets an eject leaves behind, for remove-fd. */
static int
stale_fdset(void *ctx, int fdset_id, const char *opaque)
{
	struct drive *d = ctx;
	int i;

	if (fdset_id != d->old_fdset && !(d->ops->fdset_is_drives != NULL &&
	    d->ops->fdset_is_drives(d, fdset_id, opaque)))
		return 0;
	for (i = 0; i < d->n_stale_fdsets; i++)
		if (d->stale_fdsets[i] == fdset_id)
			return 0;
	if (d->n_stale_fdsets < DRIVE_STALE_FDSETS)
		d->stale_fdsets[d->n_stale_fdsets++] = fdset_id;
	return 0;
}

/* remove-fd of the next fdset to free; when none is left, detaching. */
static void
fdsets_free_next(struct drive *d)
{
	char line[QMP_CMD_MAX];
	unsigned id;

	if (d->n_stale_fdsets == 0) {
		d->qmp_emptied = d->qmp != NULL;
		drive_transition(d, DRIVE_DETACHING, "", NULL);
		return;
	}
	d->n_stale_fdsets--;
	id = qmp_next_id();
	step_qmp(d, CMD_REMOVE_FD, line, qmp_cmd_remove_fd(line, sizeof(line),
	    id, d->stale_fdsets[d->n_stale_fdsets]), id, -1);
}

/* The drive is empty: find the fdsets that held its medium. */
static void
fdsets_find(struct drive *d)
{
	if (d->ops->fdset_is_drives != NULL) {
		step_qmp_query(d, CMD_QUERY_FDSETS, "query-fdsets");
		return;
	}
	if (d->old_fdset >= 0)
		d->stale_fdsets[d->n_stale_fdsets++] = d->old_fdset;
	fdsets_free_next(d);
}

void
step_ejecting(struct drive *d, const struct drive_view *v,
    const struct qmp_msg *reply)
{
	char line[QMP_CMD_MAX];
	struct qmp_block blk;
	unsigned id = qmp_next_id();

	switch (d->cmd) {
	case CMD_NONE:
		/* Asked back for what is in the drive before we touched it. */
		if (request_satisfied(&v->req, &v->prog, &v->vbd,
		    d->ops->vbd_always_present)) {
			drive_transition(d, DRIVE_DONE, NULL, NULL);
			return;
		}
		step_begin(d);
		d->old_fdset = -1;
		d->n_stale_fdsets = 0;
		step_qmp_query(d, CMD_QUERY_BLOCK, "query-block");
		return;
	case CMD_QUERY_BLOCK:
		if (fail_if_no_block(d, reply, &blk))
			return;
		/*
		 * An empty drive is ejected too when the guest has closed and
		 * locked its tray: blockdev-change-medium could not open it.
		 * With force-eject = no QEMU refuses (and asks the guest to
		 * open the tray); with yes it unlocks and opens it.
		 */
		if (blk.inserted || (blk.locked && !blk.tray_open)) {
			d->old_fdset = qmp_fdset_of_file(blk.file);
			if (blk.locked && !blk.tray_open &&
			    opts.cfg.force_eject)
				log_info("dom %d %s: the guest has locked the "
				    "tray; forcing the eject (force-eject = "
				    "yes)", d->domid, d->vdev);
			step_qmp(d, CMD_EJECT, line, qmp_cmd_eject(line,
			    sizeof(line), id, d->devid, opts.cfg.force_eject),
			    id, -1);
			return;
		}
		fdsets_find(d);
		return;
	case CMD_EJECT:
		if (!fail_if_tray_refused(d, reply, "to eject"))
			fdsets_find(d);
		return;
	case CMD_QUERY_FDSETS:
		if (fail_if_refused(d, reply, "query-fdsets"))
			return;
		if (qmp_fdsets_each(reply->ret, stale_fdset, d) == -1) {
			drive_fail(d, "malformed query-fdsets reply");
			return;
		}
		fdsets_free_next(d);
		return;
	case CMD_REMOVE_FD:
		/* Already gone is as good as removed. */
		if (reply->kind == QMP_MSG_ERROR)
			log_debug("dom %d %s: remove-fd: %s", d->domid, d->vdev,
			    reply->error_desc);
		fdsets_free_next(d);
		return;
	case CMD_ADD_FD:
	case CMD_CHANGE_MEDIUM:
	case CMD_CONFIRM:
		drive_fail(d, "unexpected QMP reply");
		return;
	}
}
