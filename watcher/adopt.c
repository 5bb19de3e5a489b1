/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * Adoption: the daemon starts looking after a drive.  It chooses the
 * drive's kind, finds the vbd whose params name the medium, and creates
 * the drive's cdrom-request nodes with the contract's permissions,
 * keeping whatever request or change in progress is already there.
 * Adopting a drive never changes it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cdromd.h"
#include "log.h"
#include "loop.h"
#include "step.h"
#include "store.h"

/*
 * Creates a directory node unless it exists; only dom0 may add to it.
 * *created: it did not exist.
 */
static bool
adopt_dir(xs_transaction_t t, const char *path, int domid, bool *created)
{
	if ((*created = !store_exists(t, path)))
		return store_write(t, path, "") &&
		    store_set_new_guest_perms(t, path, domid, false);
	return store_set_guest_perms(t, path, domid, false);
}

/* Creates leaf with value unless it exists; sets its permissions. */
static bool
adopt_leaf(xs_transaction_t t, const struct drive *d, const char *leaf,
    const char *value, bool guest_may_write, bool *created)
{
	char path[XS_PATH_MAX];

	if (path_request_node(path, d->domid, d->vdev, leaf) == -1)
		return false;
	*created = false;
	if (!store_exists(t, path)) {
		if (!store_write(t, path, value))
			return false;
		*created = true;
	}
	return store_set_guest_perms(t, path, d->domid, guest_may_write);
}

struct adoption {
	const struct drive *d;
	const struct vbd_params *vbd;	/* what the drive holds now */
	bool created;			/* no node was there: all are ours */
};

/*
 * A drive with no request directory yet: its nodes are all new, with
 * nothing to read first.  A node dom0 creates takes its parent's
 * permissions, which adopt_dir() has just set: only a guest-writable
 * eject needs its own.
 */
static int
adopt_create(xs_transaction_t t, const struct adoption *a)
{
	const struct drive *d = a->d;
	const char *medium = a->vbd->path;
	const char *const leaves[][2] = {
		{ "target", medium },
		{ "format", format_name(a->vbd->format) },
		{ "eject", "" },
		{ "state", "done" },
		{ "medium", medium },
		{ "error", "" },
	};
	char path[XS_PATH_MAX];
	size_t i;

	for (i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++)
		if (path_request_node(path, d->domid, d->vdev,
		    leaves[i][0]) == -1 || !store_write(t, path, leaves[i][1]))
			return -1;
	if (opts.cfg.guest_eject && (path_request_node(path, d->domid,
	    d->vdev, "eject") == -1 ||
	    !store_set_new_guest_perms(t, path, d->domid, true)))
		return -1;
	return XS_TX_COMMIT;
}

/*
 * The drive's nodes, in one transaction.  A request already there (left
 * by a daemon that stopped, or written before we started) is kept, and
 * so is a change in progress.
 */
static int
adopt_nodes(xs_transaction_t t, void *ctx)
{
	struct adoption *a = ctx;
	const struct drive *d = a->d;
	const char *medium = a->vbd->path;
	char path[XS_PATH_MAX];
	bool fresh_target, fresh, dummy;

	if (path_request_dir(path, d->domid) == -1 ||
	    !adopt_dir(t, path, d->domid, &dummy) ||
	    path_request(path, d->domid, d->vdev) == -1 ||
	    !adopt_dir(t, path, d->domid, &a->created))
		return -1;
	if (a->created)
		return adopt_create(t, a);
	if (!adopt_leaf(t, d, "target", medium, false, &fresh_target) ||
	    !adopt_leaf(t, d, "format", fresh_target ?
	    format_name(a->vbd->format) : "raw", false, &dummy) ||
	    !adopt_leaf(t, d, "eject", "", opts.cfg.guest_eject, &dummy) ||
	    !adopt_leaf(t, d, "state", "done", false, &fresh) ||
	    !adopt_leaf(t, d, "medium", medium, false, &dummy) ||
	    !adopt_leaf(t, d, "error", "", false, &dummy))
		return -1;
	/* A new drive's medium is what the vbd says is in it now. */
	if (fresh && (path_request_node(path, d->domid, d->vdev,
	    "medium") == -1 || !store_write(t, path, medium)))
		return -1;
	return XS_TX_COMMIT;
}

bool
drive_path_set(char *slot, const char *path)
{
	size_t n = strlen(path);

	if (n >= DRIVE_PATH_MAX)
		return false;
	memcpy(slot, path, n + 1);
	return true;
}

struct drive *
drive_adopt(int domid, int dm_domid, const char *vdev, int devid,
    const char *backend, const char *libxl_path)
{
	struct vbd_params vbd;
	struct adoption a = { .vbd = &vbd };
	struct drive *d;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	d->domid = domid;
	d->dm_domid = dm_domid;
	d->ops = dm_domid != 0 ? &stub_drive_ops : &dom0_drive_ops;
	snprintf(d->vdev, sizeof(d->vdev), "%s", vdev);
	d->devid = devid;
	vdev_to_devid(vdev, &d->disk_index);
	d->state = DRIVE_DONE;
	d->image_fd = -1;
	d->old_fdset = d->new_fdset = -1;
	if (!d->ops->vbd_paths(d, backend, libxl_path)) {
		log_warnx("dom %d %s: vbd path %s is over %d bytes", domid,
		    vdev, backend, DRIVE_PATH_MAX - 1);
		goto fail;
	}
	if (!vbd_params_read(d, &vbd) || !drive_view_init(d))
		goto fail;
	a.d = d;
	if (store_tx(adopt_nodes, &a) != XS_TX_COMMIT) {
		log_warn("dom %d %s: creating cdrom-request nodes", domid, vdev);
		goto fail;
	}
	/*
	 * Nodes found are read at the first look; nodes made, not.  Their
	 * events still mark them stale: a tool's write that follows the
	 * commit cannot be told from the commit's own echo.
	 */
	if (a.created)
		drive_view_created(d, &vbd);
	if (d->ops->start != NULL && !d->ops->start(d))
		goto fail;
	log_info("dom %d %s: adopted (devid %d%s%.0d), medium \"%s\"", domid,
	    vdev, devid, dm_domid != 0 ? ", QEMU in stub domain " : "",
	    dm_domid, vbd.path);
	return d;
fail:
	drive_view_free(d);
	free(d);
	return NULL;
}

void
drive_free(struct drive *d)
{
	drive_stop(d);
	if (d->ops->stop != NULL)
		d->ops->stop(d);
	loop_timer_del(d->update);
	loop_timer_del(d->vbd_update);
	image_close(d);
	drive_view_free(d);
	free(d->goal);
	free(d->replan_key);
	free(d->failed);
	free(d);
}
