/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * A drive whose QEMU runs in dom0: the steps of a change after the
 * eject.  detaching and attaching move the guest's vbd params and
 * libxl's record as xl cd-eject / xl cd-insert leave them, and changing
 * hands QEMU the image as a descriptor through an fdset.  The machine
 * reaches them through dom0_drive_ops, at the end.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "qmp_client.h"
#include "step.h"
#include "store.h"

struct params_change {
	const struct drive *d;
	const char *value;
	char type[sizeof(((struct drive *)0)->backend_type)];
};

static int
params_put(xs_transaction_t t, void *ctx)
{
	struct params_change *pc = ctx;
	const struct drive *d = pc->d;
	char path[XS_PATH_MAX];

	/* libxl checks that its record is there before writing it. */
	if (path_child(path, d->libxl, "frontend") == -1 ||
	    !store_exists(t, path)) {
		errno = ENOENT;
		return -1;
	}
	if (d->backend_type[0] != '\0')
		snprintf(pc->type, sizeof(pc->type), "%s", d->backend_type);
	else if (path_child(path, d->backend, "type") == -1 ||
	    !store_read(t, path, pc->type, sizeof(pc->type)))
		snprintf(pc->type, sizeof(pc->type), "%s",
		    d->qdisk ? "qdisk" : "phy");
	if (path_child(path, d->backend, "params") == -1 ||
	    !store_write(t, path, pc->value) ||
	    path_child(path, d->libxl, "params") == -1 ||
	    !store_write(t, path, pc->value) ||
	    path_child(path, d->libxl, "type") == -1 ||
	    !store_write(t, path, pc->type))
		return -1;
	return XS_TX_COMMIT;
}

/*
 * The vbd's params, in the backend and in libxl's record: the request's
 * medium, or empty (req NULL).
 */
static void
params_value(const struct drive *d, const struct request *req, char *value,
    size_t len)
{
	if (req == NULL)
		value[0] = '\0';
	else if (d->qdisk)
		snprintf(value, len, "%s:%s", format_libxl_prefix(req->format),
		    req->target);
	else
		snprintf(value, len, "%s", req->target);
}

/* The params are written: the view and the type's cache take them. */
static void
params_written(struct drive *d, const struct params_change *pc)
{
	snprintf(d->backend_type, sizeof(d->backend_type), "%s", pc->type);
	/* What is there now; a later write by another toolstack is news. */
	drive_view_params_wrote(d, pc->value, store_commit_seq());
}

/* Writes the params alone (a failed change empties the vbd). */
static bool
params_write(struct drive *d, const struct request *req)
{
	char value[TARGET_MAX + 16];
	struct params_change pc = { .d = d, .value = value };

	params_value(d, req, value, sizeof(value));
	if (store_tx(params_put, &pc) != XS_TX_COMMIT) {
		drive_view_stale(d, VIEW_PARAMS);
		return false;
	}
	params_written(d, &pc);
	return true;
}

/*
 * Writes the params and moves to state to in one transaction: the
 * step's work and its record commit together.  A failure fails the step.
 */
static void
params_step_end(struct drive *d, const struct request *req,
    enum drive_state to)
{
	char value[TARGET_MAX + 16];
	struct params_change pc = { .d = d, .value = value };

	params_value(d, req, value, sizeof(value));
	switch (drive_transition_with(d, to, params_put, &pc)) {
	case XS_TX_COMMIT:
		params_written(d, &pc);
		return;
	case XS_TX_NOTHING:
		return;
	default:
		drive_view_stale(d, VIEW_PARAMS);
		drive_fail_store(d, "cannot write the vbd's params");
		return;
	}
}

/* A failed change left QEMU empty: so is the vbd, as xl leaves it. */
static bool
dom0_change_failed(struct drive *d)
{
	return params_write(d, NULL);
}

/*
 * detaching: the vbd no longer names a medium; one the daemon's own
 * last write emptied (an insert after its eject) is left as it is.
 */
static void
dom0_detaching(struct drive *d, const struct drive_view *v)
{
	(void)v;
	if (drive_view_vbd_emptied(d))
		drive_transition(d, DRIVE_ATTACHING, NULL, NULL);
	else
		params_step_end(d, NULL, DRIVE_ATTACHING);
}

/* attaching: the vbd names the new medium; an eject ends here. */
static void
dom0_attaching(struct drive *d, const struct drive_view *v)
{
	const struct request *rq = &v->req;

	if (rq->invalid != NULL) {
		drive_fail(d, "%s", rq->invalid);
		return;
	}
	if (rq->target[0] == '\0') {
		drive_transition(d, DRIVE_DONE, "", NULL);
		return;
	}
	if (image_ensure(d, rq) != IMAGE_READY)
		return;
	params_step_end(d, rq, DRIVE_CHANGING);
}

/*
 * QEMU's driver for the image behind fd.  A raw block device (a host
 * CD drive, an LV) must be opened with host_device: for /dev/fdset/N
 * QEMU cannot tell from the name, picks the "file" protocol, and that
 * refuses anything but a regular file.
 */
static const char *
image_driver(int fd, enum image_format format)
{
	struct stat st;

	if (format == FORMAT_RAW && fstat(fd, &st) == 0 &&
	    S_ISBLK(st.st_mode))
		return "host_device";
	return format_qemu_driver(format);
}

/*
 * remove-fd of fdset (none if negative), the step then ending in error
 * with refusal, or done when refusal is NULL.
 */
static void
dom0_remove_fd(struct drive *d, int fdset, const char *refusal)
{
	char line[QMP_CMD_MAX];
	unsigned id = qmp_next_id();

	free(d->refusal);
	d->refusal = NULL;
	if (refusal != NULL && (d->refusal = strdup(refusal)) == NULL) {
		drive_fail(d, "%s", refusal);
		return;
	}
	if (fdset < 0) {
		if (refusal != NULL)
			drive_fail(d, "%s", refusal);
		return;
	}
	step_qmp(d, CMD_REMOVE_FD, line, qmp_cmd_remove_fd(line,
	    sizeof(line), id, fdset), id, -1);
}

/* The opaque of the opened image's fdset: its medium's key. */
static void
image_opaque(const struct drive *d, char *buf, size_t len)
{
	medium_key(buf, len, (enum image_format)d->image_format,
	    d->image_target);
}

/* add-fd of the image opened. */
static void
dom0_add_fd(struct drive *d)
{
	char line[QMP_CMD_MAX], opaque[REQUEST_KEY_MAX];
	unsigned id = qmp_next_id();

	image_opaque(d, opaque, sizeof(opaque));
	step_qmp(d, CMD_ADD_FD, line, qmp_cmd_add_fd(line, sizeof(line), id,
	    opaque), id, d->image_fd);
}

/*
 * changing: hand QEMU the image through an fdset and insert it, then
 * confirm with query-block.  A drive found already holding it (a
 * daemon stopped after the change) is only confirmed; one the change's
 * own session emptied is not looked at first.  Once the step
 * has begun it serves the image it opened, whatever the request says
 * meanwhile: a newer one is planned again at the end.
 */
static void
dom0_changing(struct drive *d, const struct drive_view *v,
    const struct qmp_msg *reply)
{
	const struct request *rq = &v->req;
	char opaque[REQUEST_KEY_MAX], err[1024];
	struct qmp_block blk;

	switch (d->cmd) {
	case CMD_NONE:
		/* A newer request arrived after attaching: attach that one. */
		if (!request_attached(rq, &v->vbd)) {
			drive_replan(d, rq, DRIVE_DETACHING, "the vbd's params "
			    "name %s:%.200s, not the request", format_name(
			    v->vbd.format), v->vbd.path);
			return;
		}
		if (image_ensure(d, rq) != IMAGE_READY)
			return;
		step_begin(d);
		d->force_tray = false;
		if (d->qmp_emptied)
			dom0_add_fd(d);
		else
			step_qmp_query(d, CMD_QUERY_BLOCK, "query-block");
		return;
	case CMD_QUERY_BLOCK:
		if (fail_if_no_block(d, reply, &blk))
			return;
		if (blk.inserted) {
			d->new_fdset = qmp_fdset_of_file(blk.file);
			step_qmp_query(d, CMD_QUERY_FDSETS, "query-fdsets");
			return;
		}
		d->force_tray = tray_force(d, &blk);
		dom0_add_fd(d);
		return;
	case CMD_QUERY_FDSETS:
		if (fail_if_refused(d, reply, "query-fdsets"))
			return;
		image_opaque(d, opaque, sizeof(opaque));
		if (d->new_fdset >= 0 &&
		    qmp_fdsets_find(reply->ret, opaque) == d->new_fdset) {
			step_changed(d, v, d->image_target);
			return;
		}
		/* Something else is in the drive: start over from the top. */
		drive_replan(d, rq, DRIVE_EJECTING, "QEMU's drive holds "
		    "another medium than the one attached");
		return;
	case CMD_ADD_FD:
		if (fail_if_refused(d, reply, "add-fd"))
			return;
		if (!qmp_add_fd_result(reply->ret, &d->new_fdset)) {
			drive_fail(d, "malformed add-fd reply");
			return;
		}
		step_change_medium(d, image_driver(d->image_fd,
		    (enum image_format)d->image_format), d->force_tray);
		return;
	case CMD_CHANGE_MEDIUM:
		/*
		 * Refused: the fdset just added would stay in QEMU 9.1 and
		 * later, which keep an unused fdset until remove-fd.
		 */
		if (step_change_medium_forced(d, reply))
			return;
		if (tray_refusal(d, reply, "the medium", err, sizeof(err))) {
			dom0_remove_fd(d, d->new_fdset, err);
			return;
		}
		step_change_medium_reply(d, v, d->image_target, reply);
		return;
	case CMD_CONFIRM:
		if (!step_change_medium_confirmed(d, reply))
			return;
		/*
		 * The previous medium's fdset, freed at the eject, may have
		 * been kept (7.2 keeps it while the guest is paused or
		 * another monitor is connected): free it again now.
		 */
		if (d->old_fdset >= 0 && d->old_fdset != d->new_fdset) {
			dom0_remove_fd(d, d->old_fdset, NULL);
			return;
		}
		step_changed(d, v, d->image_target);
		return;
	case CMD_REMOVE_FD:
		/* Gone already is as good as removed. */
		if (reply->kind == QMP_MSG_ERROR)
			log_debug("dom %d %s: remove-fd: %s", d->domid, d->vdev,
			    reply->error_desc);
		if (d->refusal != NULL) {
			snprintf(err, sizeof(err), "%s", d->refusal);
			drive_fail(d, "%s", err);
			return;
		}
		d->old_fdset = -1;
		step_changed(d, v, d->image_target);
		return;
	case CMD_EJECT:
		drive_fail(d, "unexpected QMP reply");
		return;
	}
}

static void
dom0_step_end(struct drive *d)
{
	free(d->refusal);
	d->refusal = NULL;
}

/* The guest's own vbd, in dom0's backend directory, names the medium. */
static bool
dom0_vbd_paths(struct drive *d, const char *backend, const char *libxl)
{
	d->qdisk = strstr(backend, "/backend/qdisk/") != NULL;
	return drive_path_set(d->backend, backend) &&
	    drive_path_set(d->libxl, libxl);
}

/* libxl's spelling: "aio:/x.iso" (qdisk), "/x.iso" (phy), "" (empty). */
static bool
dom0_params_parse(const struct drive *d, const char *params,
    struct vbd_params *vbd)
{
	const char *path;

	(void)d;
	if (params_parse(params, &vbd->format, &path) == -1)
		return false;
	snprintf(vbd->path, sizeof(vbd->path), "%s", path);
	return true;
}

const struct drive_ops dom0_drive_ops = {
	.name = "dom0",
	.vbd_error = ERRC_XENSTORE,
	.vbd_paths = dom0_vbd_paths,
	.params_parse = dom0_params_parse,
	.detaching = dom0_detaching,
	.attaching = dom0_attaching,
	.changing = dom0_changing,
	.change_failed = dom0_change_failed,
	.step_end = dom0_step_end,
};
