/*
 * The steps of a change whose QEMU runs in a Linux stub domain S, after
 * the eject: the sequence of Xen 4.20's "libxl: Enable stubdom cdrom
 * changing", one step per watch firing.
 *
 *   detaching  S's PV vbd is removed the way libxl removes a device:
 *              backend online 0 and state Closing, wait for Closed,
 *              the hotplug script's "remove", then the nodes go.
 *   attaching  a new vbd for the new medium (libxl's empty CD file for
 *              an eject), the script's "add", wait for Connected.
 *   changing   wait for S to put the new disk into an fdset, then
 *              blockdev-change-medium with /dev/fdset/N, host_device.
 *
 * Every wait is for an event: a watch on the vbd, the script's exit or
 * QEMU's reply.  S announces nothing when it has added its fd, so while
 * changing waits, query-fdsets is also asked again after 1, 2, 4 ...
 * up to 20 ms (libxl asks every 200 ms).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cdromd.h"
#include "hotplug.h"
#include "log.h"
#include "number.h"
#include "loop.h"
#include "qmp_client.h"
#include "step.h"
#include "store.h"

/* xenbus states (xen/io/xenbus.h) */
#define XENBUS_INITWAIT		2
#define XENBUS_CONNECTED	4
#define XENBUS_CLOSING		5
#define XENBUS_CLOSED		6

/* The seed patch's fixed fdset numbering: 8000 + the drive's index. */
#define SEED_FDSET_BASE		8000
/*
 * While changing waits for S's fd, query-fdsets is asked again after 1,
 * 2, 4 ... ms, then every RECHECK_MAX_MS: one cheap query every 20 ms
 * during one change bounds how late a slow stub is seen (libxl's 200 ms
 * made a late stub cost up to 200 ms more; benchmarks saw 176 ms).
 */
#define RECHECK_MAX_MS		20

/* The state of the vbd's backend (dir "backend") or frontend; -1: none. */
static int
vbd_state(const char *dir)
{
	char path[XS_PATH_MAX], value[16];

	if (path_child(path, dir, "state") == -1 ||
	    !store_read(XBT_NULL, path, value, sizeof(value)))
		return -1;
	return decimal_parse(value, 99);
}

static bool
backend_read(const struct drive *d, const char *leaf, char *buf, size_t len)
{
	char path[XS_PATH_MAX];

	return path_child(path, d->backend, leaf) == 0 &&
	    store_read(XBT_NULL, path, buf, len);
}

/* libxl's empty CD (LIBXL_STUBDOM_EMPTY_CDROM): XEN_RUN_DIR/empty-cdrom.D. */
static void
empty_cdrom_path(const struct drive *d, char *buf, size_t len)
{
	snprintf(buf, len, "%s/empty-cdrom.%d", opts.qmp_dir, d->domid);
}

const char *
stub_params_medium(const struct drive *d, const char *params)
{
	char empty[512];

	empty_cdrom_path(d, empty, sizeof(empty));
	return strcmp(params, empty) == 0 ? "" : params;
}

bool
stub_fdset_matches(const struct drive *d, int fdset_id, const char *opaque)
{
	char want[32];

	snprintf(want, sizeof(want), "stub-devid:%d", d->devid);
	return strcmp(opaque, want) == 0 ||
	    fdset_id == SEED_FDSET_BASE + d->disk_index;
}

void
stub_watch(const struct drive *d, bool on)
{
	const char *paths[] = { d->backend, d->frontend };
	char token[16];
	size_t i;

	snprintf(token, sizeof(token), "b%d", d->domid);
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (on ? !store_watch(paths[i], token) :
		    !store_unwatch(paths[i], token))
			log_warn("dom %d %s: %s %s", d->domid, d->vdev,
			    on ? "watching" : "unwatching", paths[i]);
}

void
stub_step_end(struct drive *d)
{
	hotplug_cancel(d->hotplug);
	d->hotplug = NULL;
	loop_timer_del(d->recheck);
	d->recheck = NULL;
	d->recheck_ms = 0;
	d->wait = STUB_START;
}

static void
script_done(void *ctx, int status)
{
	struct drive *d = ctx;
	char why[512] = "";

	d->hotplug = NULL;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		drive_continue(d);
		return;
	}
	backend_read(d, "hotplug-error", why, sizeof(why));
	if (WIFEXITED(status))
		drive_fail(d, "hotplug script %s %s exited with %d%s%s",
		    opts.hotplug_script, d->wait == STUB_ADD_SCRIPT ? "add" :
		    "remove", WEXITSTATUS(status), why[0] ? ": " : "", why);
	else
		drive_fail(d, "hotplug script %s %s was killed by signal %d",
		    opts.hotplug_script, d->wait == STUB_ADD_SCRIPT ? "add" :
		    "remove", WTERMSIG(status));
}

static bool
script_start(struct drive *d, const char *action, enum stub_wait wait)
{
	char xenbus_path[64];

	/* As libxl: relative to dom0's home. */
	snprintf(xenbus_path, sizeof(xenbus_path), "backend/vbd/%d/%d",
	    d->dm_domid, d->devid);
	d->wait = wait;
	d->hotplug = hotplug_run(opts.hotplug_script, action, xenbus_path,
	    script_done, d);
	if (d->hotplug == NULL) {
		drive_fail(d, "cannot run hotplug script %s: %s",
		    opts.hotplug_script, strerror(errno));
		return false;
	}
	return true;
}

/* Asks the backend to close, as libxl does: online 0, state Closing. */
static bool
vbd_close(struct drive *d)
{
	char path[XS_PATH_MAX];
	xs_transaction_t t;

	for (;;) {
		if ((t = store_begin()) == XBT_NULL)
			return false;
		if (path_child(path, d->backend, "state") == -1 ||
		    !store_exists(t, path)) {
			store_abort(t);
			return true;	/* gone: nothing to close */
		}
		if (!store_write(t, path, "5") ||
		    path_child(path, d->backend, "online") == -1 ||
		    !store_write(t, path, "0")) {
			store_abort(t);
			return false;
		}
		if (store_commit(t))
			return true;
		if (errno != EAGAIN)
			return false;
	}
}

/* Deletes the vbd's backend, frontend and libxl record in one go. */
static bool
vbd_delete(struct drive *d)
{
	xs_transaction_t t;

	for (;;) {
		if ((t = store_begin()) == XBT_NULL)
			return false;
		if (!store_rm(t, d->backend) || !store_rm(t, d->frontend) ||
		    !store_rm(t, d->libxl)) {
			store_abort(t);
			return false;
		}
		if (store_commit(t))
			return true;
		if (errno != EAGAIN)
			return false;
	}
}

/* detaching: S's vbd goes away the way libxl removes a device. */
void
stub_detaching(struct drive *d, const struct request *rq)
{
	char status[32];
	int state;

	(void)rq;
	switch (d->wait) {
	case STUB_START:
		step_begin(d);
		state = vbd_state(d->backend);
		if (state != -1 && state != XENBUS_CLOSED && !vbd_close(d)) {
			drive_fail(d, "cannot close vbd %s: %s", d->backend,
			    strerror(errno));
			return;
		}
		/* It may be closed already. */
		d->wait = STUB_CLOSED;
		/* FALLTHROUGH */
	case STUB_CLOSED:
		state = vbd_state(d->backend);
		if (state != -1 && state != XENBUS_CLOSED)
			return;			/* the watch brings us back */
		/* Only a vbd the script set up is torn down by it. */
		if (state != -1 && backend_read(d, "hotplug-status", status,
		    sizeof(status))) {
			script_start(d, "remove", STUB_REMOVE_SCRIPT);
			return;
		}
		break;
	case STUB_REMOVE_SCRIPT:
		break;
	case STUB_INITWAIT:
	case STUB_ADD_SCRIPT:
	case STUB_CONNECTED:
	case STUB_FDSET:
		drive_fail(d, "internal error: detaching in wait %d", d->wait);
		return;
	}
	if (!vbd_delete(d)) {
		drive_fail(d, "cannot delete vbd %s: %s", d->backend,
		    strerror(errno));
		return;
	}
	drive_transition(d, DRIVE_ATTACHING, NULL, NULL);
}

/* Writes S's new vbd as libxl's device_disk_add writes a PHY CD-ROM. */
static bool
vbd_create(struct drive *d, const char *params)
{
	char path[XS_PATH_MAX], value[64];
	const char *dirs[] = { d->backend, d->libxl };
	xs_transaction_t t;
	size_t i, k;
	struct { const char *key, *value; } be[] = {
		{ "frontend", d->frontend },
		{ "frontend-id", NULL },
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
		{ "params", params },
		{ "script", opts.hotplug_script },
	};
	struct { const char *key, *value; } fe[] = {
		{ "backend", d->backend },
		{ "backend-id", "0" },
		{ "state", "1" },
		{ "virtual-device", NULL },
		{ "device-type", "cdrom" },
		{ "trusted", "1" },
	};
	char frontend_id[16], devid[16];

	snprintf(frontend_id, sizeof(frontend_id), "%d", d->dm_domid);
	snprintf(devid, sizeof(devid), "%d", d->devid);
	be[1].value = frontend_id;
	fe[3].value = devid;
	for (;;) {
		if ((t = store_begin()) == XBT_NULL)
			return false;
		/*
		 * As libxl__device_generic_add: the directories first, with
		 * their permissions, which the keys written in them inherit.
		 * The backend is dom0's, readable by S; the frontend is S's.
		 */
		if (!store_rm(t, d->backend) || !store_rm(t, d->frontend) ||
		    !store_rm(t, d->libxl) ||
		    !store_write(t, d->backend, "") ||
		    !store_set_owner_perms(t, d->backend, 0, d->dm_domid) ||
		    !store_write(t, d->frontend, "") ||
		    !store_set_owner_perms(t, d->frontend, d->dm_domid, 0))
			goto fail;
		for (i = 0; i < 2; i++)
			for (k = 0; k < sizeof(be) / sizeof(be[0]); k++)
				if (path_child(path, dirs[i], be[k].key) == -1 ||
				    !store_write(t, path, be[k].value))
					goto fail;
		if (path_child(path, d->libxl, "backend") == -1 ||
		    !store_write(t, path, d->backend))
			goto fail;
		for (k = 0; k < sizeof(fe) / sizeof(fe[0]); k++)
			if (path_child(path, d->frontend, fe[k].key) == -1 ||
			    !store_write(t, path, fe[k].value))
				goto fail;
		if (store_commit(t))
			return true;
		if (errno != EAGAIN)
			return false;
	}
fail:
	snprintf(value, sizeof(value), "%s", strerror(errno));
	store_abort(t);
	log_warnx("dom %d %s: writing vbd %s: %s", d->domid, d->vdev,
	    d->backend, value);
	return false;
}

/* The file libxl gives an empty CD's vbd, created as libxl creates it. */
static bool
empty_cdrom(struct drive *d, char *path, size_t len)
{
	int fd;

	empty_cdrom_path(d, path, len);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    0400)) == -1) {
		drive_fail(d, "cannot create the empty CD file %s: %s", path,
		    strerror(errno));
		return false;
	}
	close(fd);
	return true;
}

/* attaching: a vbd for the new medium, set up by the script, connected. */
void
stub_attaching(struct drive *d, const struct request *rq)
{
	char want[TARGET_MAX + 1], params[TARGET_MAX + 1], err[1024];
	char status[32];
	int state;

	switch (d->wait) {
	case STUB_START:
		if (rq->invalid != NULL) {
			drive_fail(d, "%s", rq->invalid);
			return;
		}
		if (rq->target[0] != '\0') {
			/* The script opens it by path: check the policy. */
			if (!image_ensure(d, rq, err, sizeof(err))) {
				drive_fail(d, "%s", err);
				return;
			}
			snprintf(want, sizeof(want), "%s", rq->target);
		} else if (!empty_cdrom(d, want, sizeof(want)))
			return;
		step_begin(d);
		if (backend_read(d, "params", params, sizeof(params))) {
			/* Left by an earlier run: keep it only if it is ours. */
			if (strcmp(params, want) != 0) {
				log_info("dom %d %s: stub vbd holds %s, not %s; "
				    "re-planning", d->domid, d->vdev, params,
				    want);
				drive_transition(d, DRIVE_DETACHING, NULL, NULL);
				return;
			}
		} else if (!vbd_create(d, want)) {
			drive_fail(d, "cannot create vbd %s", d->backend);
			return;
		}
		d->wait = STUB_INITWAIT;
		/* FALLTHROUGH */
	case STUB_INITWAIT:
		state = vbd_state(d->backend);
		if (state == -1) {
			drive_fail(d, "vbd %s vanished", d->backend);
			return;
		}
		if (state < XENBUS_INITWAIT)
			return;			/* the watch brings us back */
		if (!backend_read(d, "hotplug-status", status, sizeof(status))) {
			script_start(d, "add", STUB_ADD_SCRIPT);
			return;
		}
		/* Set up already, by a run that stopped. */
		/* FALLTHROUGH */
	case STUB_ADD_SCRIPT:
		if (!backend_read(d, "hotplug-status", status, sizeof(status)) ||
		    strcmp(status, "connected") != 0) {
			drive_fail(d, "hotplug script %s add did not report "
			    "hotplug-status connected", opts.hotplug_script);
			return;
		}
		d->wait = STUB_CONNECTED;
		/* FALLTHROUGH */
	case STUB_CONNECTED:
		state = vbd_state(d->backend);
		if (state >= XENBUS_CLOSING || state == -1) {
			drive_fail(d, "vbd %s closed before it connected",
			    d->backend);
			return;
		}
		if (state != XENBUS_CONNECTED)
			return;			/* the watch brings us back */
		break;
	case STUB_CLOSED:
	case STUB_REMOVE_SCRIPT:
	case STUB_FDSET:
		drive_fail(d, "internal error: attaching in wait %d", d->wait);
		return;
	}
	if (rq->target[0] == '\0')
		drive_transition(d, DRIVE_DONE, "", NULL);
	else
		drive_transition(d, DRIVE_CHANGING, NULL, NULL);
}

/* The newest fdset the stub domain made for the drive. */
static int
newest_stub_fdset(void *ctx, int fdset_id, const char *opaque)
{
	struct drive *d = ctx;

	if (stub_fdset_matches(d, fdset_id, opaque) && fdset_id > d->new_fdset)
		d->new_fdset = fdset_id;
	return 0;
}

static void
recheck(void *ctx)
{
	struct drive *d = ctx;

	d->recheck = NULL;
	drive_continue(d);
}

/* Not there yet: look again on the next vbd event, or a little later. */
static void
fdset_wait(struct drive *d)
{
	qmp_close(d->qmp);
	d->qmp = NULL;
	d->cmd = CMD_NONE;
	d->recheck_ms = d->recheck_ms == 0 ? 1 : d->recheck_ms * 2;
	if (d->recheck_ms > RECHECK_MAX_MS)
		d->recheck_ms = RECHECK_MAX_MS;
	loop_timer_del(d->recheck);
	d->recheck = loop_timer_add(d->recheck_ms, recheck, d);
}

/*
 * changing: once S has put the new disk into an fdset, insert it; a
 * drive found holding it already (a daemon stopped after the change) is
 * only confirmed.
 */
void
stub_changing(struct drive *d, const struct request *rq,
    const struct qmp_msg *reply)
{
	char line[QMP_CMD_MAX];
	struct qmp_block blk;
	unsigned id = qmp_next_id();

	switch (d->cmd) {
	case CMD_NONE:
		if (d->wait != STUB_FDSET) {
			/* A newer request arrived after attaching. */
			if (rq->invalid != NULL || rq->target[0] == '\0' ||
			    !rq->has_params ||
			    strcmp(rq->params_path, rq->target) != 0) {
				log_info("dom %d %s: request changed, "
				    "re-planning", d->domid, d->vdev);
				drive_transition(d, DRIVE_DETACHING, NULL, NULL);
				return;
			}
			step_begin(d);
			d->wait = STUB_FDSET;
		}
		loop_timer_del(d->recheck);
		d->recheck = NULL;
		drive_qmp_query(d, CMD_QUERY_FDSETS, "query-fdsets");
		return;
	case CMD_QUERY_FDSETS:
		if (qmp_refused(d, reply, "query-fdsets"))
			return;
		d->new_fdset = -1;
		if (qmp_fdsets_each(reply->ret, newest_stub_fdset, d) == -1) {
			drive_fail(d, "malformed query-fdsets reply");
			return;
		}
		if (d->new_fdset < 0) {
			fdset_wait(d);
			return;
		}
		log_debug("dom %d %s: stub fdset %d", d->domid, d->vdev,
		    d->new_fdset);
		drive_qmp_query(d, CMD_QUERY_BLOCK, "query-block");
		return;
	case CMD_QUERY_BLOCK:
		if (!drive_block(d, reply, &blk))
			return;
		if (blk.inserted) {
			if (qmp_fdset_of_file(blk.file) == d->new_fdset) {
				drive_transition(d, DRIVE_DONE, rq->target,
				    NULL);
				return;
			}
			log_info("dom %d %s: drive holds another medium, "
			    "re-planning", d->domid, d->vdev);
			drive_transition(d, DRIVE_EJECTING, NULL, NULL);
			return;
		}
		/* Monotonic µs, to measure from the stub's add-fd. */
		log_debug("dom %d %s: blockdev-change-medium /dev/fdset/%d "
		    "t=%llu", d->domid, d->vdev, d->new_fdset, loop_now_us());
		drive_qmp(d, CMD_CHANGE_MEDIUM, line, qmp_cmd_change_medium(line,
		    sizeof(line), id, d->devid, d->new_fdset, "host_device",
		    tray_force(d, &blk)), id, -1);
		return;
	case CMD_CHANGE_MEDIUM:
	case CMD_CONFIRM:
		step_change_medium_reply(d, rq, reply);
		return;
	case CMD_EJECT:
	case CMD_REMOVE_FD:
	case CMD_ADD_FD:
		drive_fail(d, "unexpected QMP reply");
		return;
	}
}
