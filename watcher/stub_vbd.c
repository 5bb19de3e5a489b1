/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * A stub domain's PV vbd of a drive, in xenstore: read, created, closed
 * and deleted as libxl does it (libxl__device_generic_add and
 * libxl__initiate_device_generic_remove), and what a hotplug script
 * killed with its domain left behind, undone.  The steps that decide
 * when are stubdom.c's.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cdromd.h"
#include "hotplug.h"
#include "log.h"
#include "number.h"
#include "step.h"
#include "store.h"
#include "stub_vbd.h"

/* The state of the vbd's backend (dir "backend") or frontend; -1: none. */
int
stub_vbd_state(const char *dir)
{
	char path[XS_PATH_MAX], value[16];

	if (path_child(path, dir, "state") == -1 ||
	    !store_read(XBT_NULL, path, value, sizeof(value)))
		return -1;
	return decimal_parse(value, 99);
}

bool
stub_backend_read(const struct drive *d, const char *leaf, char *buf,
    size_t len)
{
	char path[XS_PATH_MAX];

	return path_child(path, d->backend, leaf) == 0 &&
	    store_read(XBT_NULL, path, buf, len);
}

/* libxl's empty CD (LIBXL_STUBDOM_EMPTY_CDROM): XEN_RUN_DIR/empty-cdrom.D. */
void
stub_empty_cdrom_path(const struct drive *d, char *buf, size_t len)
{
	snprintf(buf, len, "%s/empty-cdrom.%d", opts.qmp_dir, d->domid);
}

/* libxl's empty CD file, created as libxl creates it; fails the step if not. */
bool
stub_empty_cdrom_create(struct drive *d, char *path, size_t len)
{
	int fd;

	stub_empty_cdrom_path(d, path, len);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    0400)) == -1) {
		drive_fail(d, "cannot create the empty CD file %s: %s", path,
		    strerror(errno));
		return false;
	}
	close(fd);
	return true;
}

static int
vbd_close_write(xs_transaction_t t, void *ctx)
{
	const struct drive *d = ctx;
	char path[XS_PATH_MAX];

	if (path_child(path, d->backend, "state") == -1 ||
	    !store_exists(t, path))
		return XS_TX_NOTHING;		/* gone: nothing to close */
	if (!store_write(t, path, "5") ||
	    path_child(path, d->backend, "online") == -1 ||
	    !store_write(t, path, "0"))
		return -1;
	return XS_TX_COMMIT;
}

/* Asks the backend to close, as libxl does: online 0, state Closing. */
bool
stub_vbd_close(struct drive *d)
{
	return store_tx(vbd_close_write, d) != -1;
}

static int
vbd_delete_write(xs_transaction_t t, void *ctx)
{
	const struct drive *d = ctx;

	if (!store_rm(t, d->backend) || !store_rm(t, d->frontend) ||
	    !store_rm(t, d->libxl))
		return -1;
	return XS_TX_COMMIT;
}

/* Deletes the vbd's backend, frontend and libxl record in one go. */
bool
stub_vbd_delete(struct drive *d)
{
	drive_view_stale(d, VIEW_PARAMS);
	return store_tx(vbd_delete_write, d) == XS_TX_COMMIT;
}

struct vbd_record {
	const struct drive *d;
	const char *params;
};

/* Writes S's new vbd as libxl's device_disk_add writes a PHY CD-ROM. */
static int
vbd_create_write(xs_transaction_t t, void *ctx)
{
	const struct vbd_record *rec = ctx;
	const struct drive *d = rec->d;
	char path[XS_PATH_MAX], frontend_id[16], devid[16];
	const char *dirs[] = { d->backend, d->libxl };
	size_t i, k;
	const struct { const char *key, *value; } be[] = {
		{ "frontend", d->frontend },
		{ "frontend-id", frontend_id },
		{ "online", "1" },
		{ "removable", "1" },
		{ "bootable", "1" },
		{ "state", "1" },
		{ "dev", d->vdev },
		{ "type", "phy" },
		{ "mode", "r" },
		{ "device-type", "cdrom" },
		{ "discard-enable", "0" },
		{ "specification", "xen" },
		{ "params", rec->params },
		{ "script", opts.hotplug_script },
	}, fe[] = {
		{ "backend", d->backend },
		{ "backend-id", "0" },
		{ "state", "1" },
		{ "virtual-device", devid },
		{ "device-type", "cdrom" },
		{ "trusted", "1" },
	};

	snprintf(frontend_id, sizeof(frontend_id), "%d", d->dm_domid);
	snprintf(devid, sizeof(devid), "%d", d->devid);
	/*
	 * As libxl__device_generic_add: the directories first, with their
	 * permissions, which the keys written in them inherit.  The
	 * backend is dom0's, readable by S; the frontend is S's.
	 */
	if (!store_rm(t, d->backend) || !store_rm(t, d->frontend) ||
	    !store_rm(t, d->libxl) ||
	    !store_write(t, d->backend, "") ||
	    !store_set_owner_perms(t, d->backend, 0, d->dm_domid) ||
	    !store_write(t, d->frontend, "") ||
	    !store_set_owner_perms(t, d->frontend, d->dm_domid, 0))
		return -1;
	for (i = 0; i < 2; i++)
		for (k = 0; k < sizeof(be) / sizeof(be[0]); k++)
			if (path_child(path, dirs[i], be[k].key) == -1 ||
			    !store_write(t, path, be[k].value))
				return -1;
	if (path_child(path, d->libxl, "backend") == -1 ||
	    !store_write(t, path, d->backend))
		return -1;
	for (k = 0; k < sizeof(fe) / sizeof(fe[0]); k++)
		if (path_child(path, d->frontend, fe[k].key) == -1 ||
		    !store_write(t, path, fe[k].value))
			return -1;
	return XS_TX_COMMIT;
}

bool
stub_vbd_create(struct drive *d, const char *params)
{
	struct vbd_record rec = { d, params };

	drive_view_stale(d, VIEW_PARAMS);
	if (store_tx(vbd_create_write, &rec) == XS_TX_COMMIT)
		return true;
	log_warn("dom %d %s: writing vbd %s", d->domid, d->vdev, d->backend);
	return false;
}

/* The medium a stub vbd's params name: "" for libxl's empty CD file. */
bool
stub_vbd_params_parse(const struct drive *d, const char *params,
    struct vbd_params *vbd)
{
	char empty[512];

	stub_empty_cdrom_path(d, empty, sizeof(empty));
	vbd->format = FORMAT_RAW;
	/* A qdisk vbd (Xen 4.17's for a stub's CD) says "aio:PATH". */
	if (strncmp(params, "aio:", 4) == 0)
		params += 4;
	snprintf(vbd->path, sizeof(vbd->path), "%s",
	    strcmp(params, empty) == 0 ? "" : params);
	return true;
}

/* What a dead domain's killed script may have left, and who cleans it. */
struct leftover {
	char backend[DRIVE_PATH_MAX];
	int domid, dm_domid;
};

static void
leftover_removed(void *ctx, int status)
{
	struct leftover *l = ctx;

	(void)status;
	if (!store_domain_introduced(l->dm_domid) ||
	    !store_domain_introduced(l->domid)) {
		if (!store_rm(XBT_NULL, l->backend) && errno != ENOENT)
			log_warn("dom %d: removing %s", l->domid, l->backend);
	}
	free(l);
}

/*
 * The domain died while a script ran for its vbd: the script's group has
 * been killed (a real block script takes seconds, then writes into the
 * dead domain's backend, recreating it); "remove" undoes what it did,
 * and the backend path goes, so that nothing stays under a dead
 * domain's paths.  A daemon that only stops leaves drives alone.
 */
void
stub_vbd_clean_after_death(struct drive *d)
{
	char xenbus_path[64];
	struct leftover *l;

	if ((store_domain_introduced(d->dm_domid) &&
	    store_domain_introduced(d->domid)))
		return;
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return;
	snprintf(l->backend, sizeof(l->backend), "%s", d->backend);
	l->domid = d->domid;
	l->dm_domid = d->dm_domid;
	snprintf(xenbus_path, sizeof(xenbus_path), "backend/vbd/%d/%d",
	    d->dm_domid, d->devid);
	log_info("dom %d %s: the domain died while a hotplug script ran; "
	    "undoing its work", d->domid, d->vdev);
	if (hotplug_run(opts.hotplug_script, "remove", xenbus_path,
	    leftover_removed, l) == NULL)
		leftover_removed(l, 0);
}
