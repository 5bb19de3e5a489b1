/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * Beside `xl cd-insert` and `xl cd-eject`: a settled drive whose vbd
 * another tool changed (protocol/plan.c, request_overtaken) is followed,
 * not undone.  The request is what tools ask for, the drive is what the
 * host has; a second tool's deliberate change is newer than a request
 * the daemon already carried out, so the request becomes the drive's
 * medium.  The drive stays done: nothing moves, so this is no
 * transition, and target, format, medium, state and error are written
 * together, so no reader sees a request that is not met.
 */
#include <string.h>

#include "log.h"
#include "step.h"
#include "store.h"

struct follow {
	const struct drive *d;
	const struct vbd_params *vbd;
	bool gone;
};

static int
follow_write(xs_transaction_t t, void *ctx)
{
	struct follow *f = ctx;
	const struct drive *d = f->d;
	char path[XS_PATH_MAX];

	if (path_request(path, d->domid, d->vdev) == -1 ||
	    !store_exists(t, path)) {
		f->gone = true;
		return XS_TX_NOTHING;
	}
	if (!store_write_request(t, d->domid, d->vdev, "target",
	    f->vbd->path) ||
	    !store_write_request(t, d->domid, d->vdev, "format",
	    format_name(f->vbd->path[0] != '\0' ? f->vbd->format :
	    FORMAT_RAW)) ||
	    !store_write_request(t, d->domid, d->vdev, "medium",
	    f->vbd->path) ||
	    !store_write_request(t, d->domid, d->vdev, "state", "done") ||
	    !store_write_request(t, d->domid, d->vdev, "error", ""))
		return -1;
	return XS_TX_COMMIT;
}

bool
drive_follow(struct drive *d)
{
	struct drive_view v;
	struct follow f = { d, &v.vbd, false };

	/*
	 * Following rewrites the request: it is decided on what xenstore
	 * says now, every node read again, never on a kept view alone.
	 */
	drive_view_stale(d, VIEW_ALL);
	if (!drive_view_read(d, &v))
		return true;
	if (!request_overtaken(&v.req, &v.prog, &v.vbd)) {
		log_info("dom %d %s: the kept view was behind xenstore; "
		    "nothing to follow", d->domid, d->vdev);
		return false;
	}
	log_warnx("dom %d %s: medium changed outside xen-cdromd (xl "
	    "cd-insert?): following: \"%s\" (%s) -> \"%s\" (%s)", d->domid,
	    d->vdev, v.prog.medium, format_name(v.req.format), v.vbd.path,
	    v.vbd.path[0] != '\0' ? format_name(v.vbd.format) : "empty");
	if (store_tx(follow_write, &f) == -1) {
		log_warn("dom %d %s: writing the request that follows",
		    d->domid, d->vdev);
		drive_view_stale(d, VIEW_ALL);
	} else if (!f.gone) {
		/* Written by us: the view needs no read (target's event marks it). */
		d->state = DRIVE_DONE;
		/* error is "" again; error-code is as it was. */
		drive_view_wrote(d, &(struct view_written){ .state = DRIVE_DONE,
		    .errors_clear = drive_view_errors_clear(d),
		    .medium = v.vbd.path });
	}
	return true;
}
