/*
 * One look at a drive's nodes: the request tools wrote, the progress
 * the daemon wrote, and the vbd's params, read afresh for each step so
 * that whatever event woke the daemon, it acts on the whole truth.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cdromd.h"
#include "log.h"
#include "step.h"
#include "store.h"

/*
 * Reads cdrom-request/VDEV/leaf into buf.  1: read; 0: no such node;
 * -1: larger than buf or unreadable.
 */
static int
read_leaf(const struct drive *d, const char *leaf, char *buf, size_t len)
{
	char path[XS_PATH_MAX];

	buf[0] = '\0';
	if (path_request_node(path, d->domid, d->vdev, leaf) == -1)
		return -1;
	if (store_read(XBT_NULL, path, buf, len))
		return 1;
	buf[0] = '\0';
	return errno == ENOENT ? 0 : -1;
}

static void
request_read(const struct drive *d, struct request *req)
{
	char buf[REQUEST_VALUE_MAX + 1];
	const char *why;
	int rc;

	req->eject = false;
	req->invalid = NULL;
	req->format = FORMAT_RAW;
	rc = read_leaf(d, "target", req->target, sizeof(req->target));
	req->has_target = rc != 0;
	if (rc == -1)
		req->invalid = "target is longer than 4095 bytes";
	else if (target_check(req->target, &why) == -1)
		req->invalid = why;
	if (read_leaf(d, "format", buf, sizeof(buf)) == -1 ||
	    format_parse(buf, &req->format) == -1) {
		if (req->invalid == NULL)
			req->invalid = "format is not one of raw, qcow2, vhd, qed";
	}
	/*
	 * A stub domain's QEMU reads the medium through its PV disk, which
	 * a loop device in dom0 backs: the image's bytes, so raw only.
	 */
	if (req->invalid == NULL && d->ops->raw_only &&
	    req->target[0] != '\0' && req->format != FORMAT_RAW)
		req->invalid = "a drive whose QEMU runs in a stub domain takes "
		    "raw images only";
	/*
	 * Only while the policy lets the guest write it: a "1" left from
	 * before the policy changed (and the daemon restarted) is not a
	 * request.
	 */
	if (opts.cfg.guest_eject && read_leaf(d, "eject", buf, sizeof(buf)) == 1)
		req->eject = eject_requested(buf);
	if (read_leaf(d, "request-id", req->request_id,
	    sizeof(req->request_id)) == -1 ||
	    !request_id_valid(req->request_id)) {
		req->request_id[0] = '\0';
		if (req->invalid == NULL)
			req->invalid = "request-id is not printable ASCII "
			    "without blanks of at most 128 bytes";
	}
}

static void
progress_read(const struct drive *d, struct progress *prog)
{
	char buf[32];

	prog->has_state = read_leaf(d, "state", buf, sizeof(buf)) == 1 &&
	    drive_state_parse(buf, &prog->state) == 0;
	if (!prog->has_state)
		prog->state = DRIVE_DONE;
	read_leaf(d, "medium", prog->medium, sizeof(prog->medium));
	if (read_leaf(d, "answered-id", prog->answered_id,
	    sizeof(prog->answered_id)) != 1)
		prog->answered_id[0] = '\0';
}

bool
vbd_params_read(const struct drive *d, struct vbd_params *vbd)
{
	char path[XS_PATH_MAX], buf[REQUEST_VALUE_MAX + 1];

	vbd->present = false;
	vbd->format = FORMAT_RAW;
	vbd->path[0] = '\0';
	if (path_child(path, d->backend, "params") == -1)
		return false;
	if (!store_read(XBT_NULL, path, buf, sizeof(buf))) {
		/* A stub domain's vbd is gone between detaching and attaching. */
		if (d->ops->vbd_always_present && errno == ENOENT)
			return true;
		log_warnx("dom %d %s: cannot read %s", d->domid, d->vdev, path);
		return false;
	}
	if (!d->ops->params_parse(d, buf, vbd)) {
		log_warnx("dom %d %s: unknown params in %s", d->domid, d->vdev,
		    path);
		return false;
	}
	vbd->present = true;
	return true;
}

bool
drive_view_read(struct drive *d, struct drive_view *v)
{
	char path[XS_PATH_MAX];

	/* No request directory: the guest is being torn down. */
	if (path_request(path, d->domid, d->vdev) == -1 ||
	    !store_exists(XBT_NULL, path))
		return false;
	request_read(d, &v->req);
	progress_read(d, &v->prog);
	return vbd_params_read(d, &v->vbd);
}
