/*
 * The steps of a change whose QEMU runs in dom0, after the eject:
 * detaching and attaching move the guest's vbd params and libxl's
 * record as xl cd-eject / xl cd-insert leave them, and changing hands
 * QEMU the image as a descriptor through an fdset.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "qmp_client.h"
#include "step.h"
#include "store.h"

/* Writes the vbd's params, in the backend and in libxl's record. */
static bool
params_write(struct drive *d, const struct request *rq, bool empty)
{
	char value[TARGET_MAX + 16], path[XS_PATH_MAX], type[32];
	xs_transaction_t t;

	if (empty)
		value[0] = '\0';
	else if (d->qdisk)
		snprintf(value, sizeof(value), "%s:%s",
		    format_libxl_prefix(rq->format), rq->target);
	else
		snprintf(value, sizeof(value), "%s", rq->target);
	for (;;) {
		if ((t = store_begin()) == XBT_NULL)
			return false;
		/* libxl checks that its record is there before writing it. */
		if (path_child(path, d->libxl, "frontend") == -1 ||
		    !store_exists(t, path)) {
			store_abort(t);
			errno = ENOENT;
			return false;
		}
		if (path_child(path, d->backend, "type") == -1 ||
		    !store_read(t, path, type, sizeof(type)))
			snprintf(type, sizeof(type), "%s", d->qdisk ? "qdisk" : "phy");
		if (path_child(path, d->backend, "params") == -1 ||
		    !store_write(t, path, value) ||
		    path_child(path, d->libxl, "params") == -1 ||
		    !store_write(t, path, value) ||
		    path_child(path, d->libxl, "type") == -1 ||
		    !store_write(t, path, type))
			goto fail;
		if (store_commit(t))
			return true;
		if (errno != EAGAIN)
			return false;
	}
fail:
	store_abort(t);
	return false;
}

bool
dom0_params_clear(struct drive *d)
{
	struct request rq;

	memset(&rq, 0, sizeof(rq));
	return params_write(d, &rq, true);
}

/* detaching: the vbd no longer names a medium. */
void
dom0_detaching(struct drive *d, const struct request *rq)
{
	if (!params_write(d, rq, true)) {
		drive_fail(d, "cannot write the vbd's params: %s",
		    strerror(errno));
		return;
	}
	drive_transition(d, DRIVE_ATTACHING, NULL, NULL);
}

/* attaching: the vbd names the new medium; an eject ends here. */
void
dom0_attaching(struct drive *d, const struct request *rq)
{
	char err[1024];

	if (rq->invalid != NULL) {
		drive_fail(d, "%s", rq->invalid);
		return;
	}
	if (rq->target[0] == '\0') {
		drive_transition(d, DRIVE_DONE, "", NULL);
		return;
	}
	if (!image_ensure(d, rq, err, sizeof(err))) {
		drive_fail(d, "%s", err);
		return;
	}
	if (!params_write(d, rq, false)) {
		drive_fail(d, "cannot write the vbd's params: %s",
		    strerror(errno));
		return;
	}
	drive_transition(d, DRIVE_CHANGING, NULL, NULL);
}

/* The opaque our fdsets carry, as libxl spells it: "FORMAT:PATH". */
static void
fdset_opaque(const struct request *rq, char *buf, size_t len)
{
	snprintf(buf, len, "%s:%s", format_name(rq->format), rq->target);
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
 * changing: hand QEMU the image through an fdset and insert it, then
 * confirm with query-block.  A drive found already holding it (a
 * daemon stopped after the change) is only confirmed.
 */
void
dom0_changing(struct drive *d, const struct request *rq,
    const struct qmp_msg *reply)
{
	char line[QMP_CMD_MAX], opaque[TARGET_MAX + 16], err[1024];
	struct qmp_block blk;
	unsigned id = qmp_next_id();

	switch (d->cmd) {
	case CMD_NONE:
		/* A newer request arrived after attaching: attach that one. */
		if (rq->invalid != NULL || rq->target[0] == '\0' ||
		    strcmp(rq->params_path, rq->target) != 0 ||
		    rq->params_format != rq->format) {
			log_info("dom %d %s: request changed, re-planning",
			    d->domid, d->vdev);
			drive_transition(d, DRIVE_DETACHING, NULL, NULL);
			return;
		}
		step_begin(d);
		if (!image_ensure(d, rq, err, sizeof(err))) {
			drive_fail(d, "%s", err);
			return;
		}
		drive_qmp_query(d, CMD_QUERY_BLOCK, "query-block");
		return;
	case CMD_QUERY_BLOCK:
		if (!drive_block(d, reply, &blk))
			return;
		if (blk.inserted) {
			d->new_fdset = qmp_fdset_of_file(blk.file);
			drive_qmp_query(d, CMD_QUERY_FDSETS, "query-fdsets");
			return;
		}
		d->force_tray = tray_force(d, &blk);
		fdset_opaque(rq, opaque, sizeof(opaque));
		drive_qmp(d, CMD_ADD_FD, line, qmp_cmd_add_fd(line,
		    sizeof(line), id, opaque), id, d->image_fd);
		return;
	case CMD_QUERY_FDSETS:
		if (qmp_refused(d, reply, "query-fdsets"))
			return;
		fdset_opaque(rq, opaque, sizeof(opaque));
		if (d->new_fdset >= 0 &&
		    qmp_fdsets_find(reply->ret, opaque) == d->new_fdset) {
			drive_transition(d, DRIVE_DONE, rq->target, NULL);
			return;
		}
		/* Something else is in the drive: start over from the top. */
		log_info("dom %d %s: drive holds another medium, re-planning",
		    d->domid, d->vdev);
		drive_transition(d, DRIVE_EJECTING, NULL, NULL);
		return;
	case CMD_ADD_FD:
		if (qmp_refused(d, reply, "add-fd"))
			return;
		if (!qmp_add_fd_result(reply->ret, &d->new_fdset)) {
			drive_fail(d, "malformed add-fd reply");
			return;
		}
		drive_qmp(d, CMD_CHANGE_MEDIUM, line, qmp_cmd_change_medium(line,
		    sizeof(line), id, d->devid, d->new_fdset,
		    image_driver(d->image_fd, rq->format), d->force_tray), id,
		    -1);
		return;
	case CMD_CHANGE_MEDIUM:
	case CMD_CONFIRM:
		step_change_medium_reply(d, rq, reply);
		return;
	case CMD_EJECT:
	case CMD_REMOVE_FD:
		drive_fail(d, "unexpected QMP reply");
		return;
	}
}
