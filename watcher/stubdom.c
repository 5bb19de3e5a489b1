/* SPDX-License-Identifier: LGPL-2.1-only */
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
 * QEMU's reply.  QEMU says nothing when S adds its fd; the project's
 * stub-side glue announces it in S's own cdrom-fdset/DEVID node, which
 * is watched while changing waits.  S is not trusted: the node only
 * wakes us, and one query-fdsets says whether the fdset is there.  For
 * a stub without the glue, query-fdsets is also asked again after 1, 2,
 * 4 ... up to 20 ms (libxl asks every 200 ms); once a stub's
 * announcement has proved true, every GLUE_RECHECK_MS only, in case it
 * stops.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <xen/io/xenbus.h>

#include "cdromd.h"
#include "errcode.h"
#include "hotplug.h"
#include "log.h"
#include "number.h"
#include "loop.h"
#include "qmp_client.h"
#include "step.h"
#include "store.h"
#include "stub_vbd.h"
#include "stub_verify.h"

/* What a stub domain's step is waiting for, between watch firings. */
enum stub_wait {
	STUB_START,		/* nothing yet: the step starts */
	STUB_CLOSED,		/* the vbd's backend to reach Closed */
	STUB_REMOVE_SCRIPT,	/* the hotplug script's "remove" */
	STUB_INITWAIT,		/* the new backend to reach InitWait */
	STUB_ADD_SCRIPT,	/* the hotplug script's "add" */
	STUB_CONNECTED,		/* the backend to reach Connected */
	STUB_FDSET,		/* the stub domain's add-fd */
};

struct stub_step {
	enum stub_wait wait;
	struct hotplug *hotplug;
	struct loop_timer *recheck;	/* the next look for the stub's fdset */
	unsigned recheck_ms;
	bool announce_watched;		/* S's cdrom-fdset/DEVID node */
	bool glue;			/* S's announcements have proved true */
	bool killed_script;		/* a script was killed mid-run */
};

/* The seed patch's fixed fdset numbering: 8000 + the drive's index. */
#define SEED_FDSET_BASE		8000
/*
 * While changing waits for S's fd, query-fdsets is asked again after 1,
 * 2, 4 ... ms, then every RECHECK_MAX_MS: one cheap query every 20 ms
 * during one change bounds how late a slow stub is seen (libxl's 200 ms
 * made a late stub cost up to 200 ms more; benchmarks saw 176 ms).
 */
#define RECHECK_MAX_MS		20
/* A stub whose glue announces its add-fd: a backstop only, as libxl. */
#define GLUE_RECHECK_MS		200

/* Is this fdset the one the stub domain made for the drive? */
static bool
stub_fdset_matches(const struct drive *d, int fdset_id, const char *opaque)
{
	char want[32];

	snprintf(want, sizeof(want), "stub-devid:%d", d->devid);
	return strcmp(opaque, want) == 0 ||
	    fdset_id == SEED_FDSET_BASE + d->disk_index;
}

/* Watches on, or off, the stub domain's vbd for the drive. */
static bool
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
	return true;
}

/* Watches on, or off, S's announcement of the drive's fdset. */
static void
stub_watch_announce(struct drive *d, bool on)
{
	char path[XS_PATH_MAX], token[16];

	if (d->stub->announce_watched == on ||
	    path_stub_fdset(path, d->dm_domid, d->domid, d->devid) == -1)
		return;
	snprintf(token, sizeof(token), "b%d", d->domid);
	if (on ? !store_watch(path, token) : !store_unwatch(path, token))
		log_warn("dom %d %s: %s %s", d->domid, d->vdev,
		    on ? "watching" : "unwatching", path);
	else
		d->stub->announce_watched = on;
}

/*
 * The fdset query-fdsets found: did S's announcement name it?  Read
 * once, until it has: a bounded number, believed only when QEMU agrees.
 */
static void
stub_glue_check(struct drive *d)
{
	char path[XS_PATH_MAX], value[16];

	if (d->stub->glue ||
	    path_stub_fdset(path, d->dm_domid, d->domid, d->devid) == -1 ||
	    !store_read(XBT_NULL, path, value, sizeof(value)))
		return;
	if (decimal_parse(value, INT_MAX) == d->new_fdset) {
		d->stub->glue = true;
		log_debug("dom %d %s: the stub domain announces its add-fd",
		    d->domid, d->vdev);
	}
}

static bool
stub_start(struct drive *d)
{
	if ((d->stub = calloc(1, sizeof(*d->stub))) == NULL) {
		log_warn("dom %d %s: not adopted", d->domid, d->vdev);
		return false;
	}
	return stub_watch(d, true);
}

static void
stub_stop(struct drive *d)
{
	if (d->stub->killed_script)
		stub_vbd_clean_after_death(d);
	stub_watch(d, false);
	free(d->stub);
	d->stub = NULL;
}

/* Cancels a stub step's script and timers. */
static void
stub_step_end(struct drive *d)
{
	if (d->stub->hotplug != NULL)
		d->stub->killed_script = true;
	hotplug_cancel(d->stub->hotplug);
	d->stub->hotplug = NULL;
	stub_watch_announce(d, false);
	loop_timer_del(d->stub->recheck);
	d->stub->recheck = NULL;
	d->stub->recheck_ms = 0;
	d->stub->wait = STUB_START;
}

static void
script_done(void *ctx, int status)
{
	struct drive *d = ctx;
	char why[512] = "";

	d->stub->hotplug = NULL;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		drive_continue(d);
		return;
	}
	stub_backend_read(d, "hotplug-error", why, sizeof(why));
	if (WIFEXITED(status))
		drive_fail_code(d, ERRC_HOTPLUG, "hotplug script %s %s exited "
		    "with %d%s%s",
		    opts.hotplug_script, d->stub->wait == STUB_ADD_SCRIPT ? "add" :
		    "remove", WEXITSTATUS(status), why[0] ? ": " : "", why);
	else
		drive_fail_code(d, ERRC_HOTPLUG, "hotplug script %s %s was "
		    "killed by signal %d",
		    opts.hotplug_script, d->stub->wait == STUB_ADD_SCRIPT ? "add" :
		    "remove", WTERMSIG(status));
}

static bool
script_start(struct drive *d, const char *action, enum stub_wait wait)
{
	char xenbus_path[64];

	/* As libxl: relative to dom0's home. */
	snprintf(xenbus_path, sizeof(xenbus_path), "backend/vbd/%d/%d",
	    d->dm_domid, d->devid);
	d->stub->wait = wait;
	d->stub->killed_script = false;
	d->stub->hotplug = hotplug_run(opts.hotplug_script, action, xenbus_path,
	    script_done, d);
	if (d->stub->hotplug == NULL) {
		drive_fail(d, "cannot run hotplug script %s: %s",
		    opts.hotplug_script, strerror(errno));
		return false;
	}
	return true;
}

/* The backend shows what an add did, or began: the script must undo it. */
static bool
script_worked(struct drive *d, char *buf, size_t len)
{
	return stub_backend_read(d, "hotplug-status", buf, len) ||
	    stub_vbd_loop_bound(d);
}

/* detaching: S's vbd goes away the way libxl removes a device. */
static void
stub_detaching(struct drive *d, const struct drive_view *v)
{
	char status[32];
	int state;

	(void)v;
	switch (d->stub->wait) {
	case STUB_START:
		step_begin(d);
		state = stub_vbd_state(d->backend);
		if (state != -1 && state != XenbusStateClosed && !stub_vbd_close(d)) {
			drive_fail(d, "cannot close vbd %s: %s", d->backend,
			    strerror(errno));
			return;
		}
		/* It may be closed already. */
		d->stub->wait = STUB_CLOSED;
		/* FALLTHROUGH */
	case STUB_CLOSED:
		state = stub_vbd_state(d->backend);
		if (state != -1 && state != XenbusStateClosed)
			return;			/* the watch brings us back */
		/*
		 * Only a vbd the script worked on is torn down by it, and
		 * only a phy one (QEMU's qdisk backend writes hotplug-status
		 * itself, and libxl runs no script for it): hotplug-status,
		 * or a loop device still bound (an add killed at
		 * step-timeout attaches one and writes node and
		 * physical-device, but no hotplug-status).
		 */
		if (state != -1 && strstr(d->backend, "/backend/vbd/") != NULL &&
		    script_worked(d, status, sizeof(status))) {
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
		drive_fail(d, "internal error: detaching in wait %d", d->stub->wait);
		return;
	}
	if (!stub_vbd_delete(d)) {
		drive_fail(d, "cannot delete vbd %s: %s", d->backend,
		    strerror(errno));
		return;
	}
	drive_transition(d, DRIVE_ATTACHING, NULL, NULL);
}

/*
 * A new vbd is always phy: after a qdisk one (Xen 4.17), detaching has
 * deleted it, and the drive follows backend/vbd/S/DEVID from now on.
 */
static bool
stub_vbd_to_phy(struct drive *d)
{
	char be[XS_PATH_MAX];

	if (path_backend(be, "vbd", d->dm_domid, d->devid) == -1)
		return false;
	if (strcmp(be, d->backend) == 0)
		return true;
	log_info("dom %d %s: stub vbd %s replaced by %s", d->domid, d->vdev,
	    d->backend, be);
	stub_watch(d, false);
	if (!drive_path_set(d->backend, be))
		return false;
	return stub_watch(d, true);
}

/* attaching: a vbd for the new medium, set up by the script, connected. */
static void
stub_attaching(struct drive *d, const struct drive_view *v)
{
	const struct request *rq = &v->req;
	char want[TARGET_MAX + 1], params[TARGET_MAX + 1], why[512];
	char status[32];
	int state;

	switch (d->stub->wait) {
	case STUB_START:
		if (rq->invalid != NULL) {
			drive_fail(d, "%s", rq->invalid);
			return;
		}
		if (rq->target[0] != '\0') {
			/* The script opens it by path: check the policy. */
			if (image_ensure(d, rq) != IMAGE_READY)
				return;
			snprintf(want, sizeof(want), "%s", rq->target);
		} else if (!stub_empty_cdrom_create(d, want, sizeof(want)))
			return;
		step_begin(d);
		if (stub_backend_read(d, "params", params, sizeof(params))) {
			/* Left by an earlier run: keep it only if it is ours. */
			if (strcmp(params, want) != 0) {
				drive_replan(d, rq, DRIVE_DETACHING, "the stub "
				    "domain's vbd holds %.200s, not %.200s",
				    params, want);
				return;
			}
		} else if (!stub_vbd_to_phy(d) || !stub_vbd_create(d, want)) {
			drive_fail(d, "cannot create vbd %s", d->backend);
			return;
		}
		d->stub->wait = STUB_INITWAIT;
		/* FALLTHROUGH */
	case STUB_INITWAIT:
		state = stub_vbd_state(d->backend);
		if (state == -1) {
			drive_fail(d, "vbd %s vanished", d->backend);
			return;
		}
		if (state < XenbusStateInitWait)
			return;			/* the watch brings us back */
		if (!stub_backend_read(d, "hotplug-status", status, sizeof(status))) {
			script_start(d, "add", STUB_ADD_SCRIPT);
			return;
		}
		/* Set up already, by a run that stopped. */
		/* FALLTHROUGH */
	case STUB_ADD_SCRIPT:
		if (!stub_backend_read(d, "hotplug-status", status, sizeof(status)) ||
		    strcmp(status, "connected") != 0) {
			drive_fail(d, "hotplug script %s add did not report "
			    "hotplug-status connected", opts.hotplug_script);
			return;
		}
		/* The script opened the path again: the same file? */
		if (rq->target[0] != '\0' &&
		    !stub_vbd_is_checked_image(d, why, sizeof(why))) {
			drive_fail_code(d, ERRC_POLICY, "%.200s: %s", rq->target,
			    why);
			return;
		}
		d->stub->wait = STUB_CONNECTED;
		/* FALLTHROUGH */
	case STUB_CONNECTED:
		state = stub_vbd_state(d->backend);
		if (state >= XenbusStateClosing || state == -1) {
			drive_fail(d, "vbd %s closed before it connected",
			    d->backend);
			return;
		}
		if (state != XenbusStateConnected)
			return;			/* the watch brings us back */
		break;
	case STUB_CLOSED:
	case STUB_REMOVE_SCRIPT:
	case STUB_FDSET:
		drive_fail(d, "internal error: attaching in wait %d", d->stub->wait);
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

	d->stub->recheck = NULL;
	drive_continue(d);
}

/* Not there yet: look again on the next vbd event, or a little later. */
static void
fdset_wait(struct drive *d)
{
	d->cmd = CMD_NONE;		/* the session stays, idle */
	d->stub->recheck_ms = d->stub->recheck_ms == 0 ? 1 : d->stub->recheck_ms * 2;
	if (d->stub->recheck_ms > RECHECK_MAX_MS)
		d->stub->recheck_ms = RECHECK_MAX_MS;
	if (d->stub->glue)
		d->stub->recheck_ms = GLUE_RECHECK_MS;
	loop_timer_del(d->stub->recheck);
	d->stub->recheck = loop_timer_add(d->stub->recheck_ms, recheck, d);
}

static void
stub_change_medium(struct drive *d, bool force)
{
	/* Monotonic µs, to measure from the stub's add-fd. */
	log_debug("dom %d %s: blockdev-change-medium /dev/fdset/%d t=%llu",
	    d->domid, d->vdev, d->new_fdset, loop_now_us());
	step_change_medium(d, "host_device", force);
}

/*
 * changing: once S has put the new disk into an fdset, insert it; a
 * drive found holding it already (a daemon stopped after the change) is
 * only confirmed, and one the change's own session emptied is not
 * looked at first.
 */
static void
stub_changing(struct drive *d, const struct drive_view *v,
    const struct qmp_msg *reply)
{
	const struct request *rq = &v->req;
	struct qmp_block blk;

	switch (d->cmd) {
	case CMD_NONE:
		if (d->stub->wait != STUB_FDSET) {
			/* A newer request arrived after attaching. */
			if (!request_attached(rq, &v->vbd)) {
				drive_replan(d, rq, DRIVE_DETACHING, "the stub "
				    "domain's vbd names %.200s, not the request",
				    v->vbd.path);
				return;
			}
			step_begin(d);
			d->stub->wait = STUB_FDSET;
			/* Fires at once: this query covers that. */
			stub_watch_announce(d, true);
		}
		loop_timer_del(d->stub->recheck);
		d->stub->recheck = NULL;
		step_qmp_query(d, CMD_QUERY_FDSETS, "query-fdsets");
		return;
	case CMD_QUERY_FDSETS:
		if (fail_if_refused(d, reply, "query-fdsets"))
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
		stub_glue_check(d);
		if (d->qmp_emptied)
			stub_change_medium(d, false);
		else
			step_qmp_query(d, CMD_QUERY_BLOCK, "query-block");
		return;
	case CMD_QUERY_BLOCK:
		if (fail_if_no_block(d, reply, &blk))
			return;
		if (blk.inserted) {
			if (qmp_fdset_of_file(blk.file) == d->new_fdset) {
				step_changed(d, v, v->vbd.path);
				return;
			}
			drive_replan(d, rq, DRIVE_EJECTING, "QEMU's drive "
			    "holds another medium than the one attached");
			return;
		}
		stub_change_medium(d, tray_force(d, &blk));
		return;
	case CMD_CHANGE_MEDIUM:
	case CMD_CONFIRM:
		step_change_medium_reply(d, v, v->vbd.path, reply);
		return;
	case CMD_EJECT:
	case CMD_REMOVE_FD:
	case CMD_ADD_FD:
		drive_fail(d, "unexpected QMP reply");
		return;
	}
}

/* What the step waits for, beyond QEMU, for a timeout's message. */
static const char *
stub_waiting_for(const struct drive *d)
{
	switch (d->stub->wait) {
	case STUB_CLOSED:
		return "the stub domain to close its vbd";
	case STUB_REMOVE_SCRIPT:
	case STUB_ADD_SCRIPT:
		return "the hotplug script";
	case STUB_INITWAIT:
		return "the vbd's backend";
	case STUB_CONNECTED:
		return "the stub domain to connect its vbd";
	case STUB_FDSET:
		/* QEMU has answered a query already: the stub is late. */
		if (d->cmd == CMD_NONE ||
		    (d->cmd == CMD_QUERY_FDSETS && d->stub->recheck_ms > 0))
			return "the stub domain's add-fd";
		break;
	case STUB_START:
		break;
	}
	return NULL;
}

static bool
stub_waits_on_vbd(const struct drive *d)
{
	switch (d->stub->wait) {
	case STUB_CLOSED:
	case STUB_INITWAIT:
	case STUB_CONNECTED:
	case STUB_FDSET:
		return true;
	case STUB_START:
	case STUB_REMOVE_SCRIPT:
	case STUB_ADD_SCRIPT:
		break;
	}
	return false;
}

/*
 * S's own vbd of the drive's number is the one whose params name the
 * medium, and the one a change replaces: phy (backend/vbd/S/DEVID), or
 * qdisk (backend/qdisk/S/DEVID) when libxl's record of it says so, as
 * Xen 4.17's libxl gives a stub domain's CD.
 */
static bool
stub_vbd_paths(struct drive *d, const char *backend, const char *libxl)
{
	char be[XS_PATH_MAX], fe[XS_PATH_MAX], lx[XS_PATH_MAX];
	char qd[XS_PATH_MAX], path[XS_PATH_MAX], rec[XS_PATH_MAX];

	(void)backend;
	(void)libxl;
	if (path_backend(be, "vbd", d->dm_domid, d->devid) == -1 ||
	    path_libxl_vbd(lx, d->dm_domid, d->devid) == -1 ||
	    path_backend(qd, "qdisk", d->dm_domid, d->devid) == -1)
		return false;
	if (path_child(path, lx, "backend") == 0 &&
	    store_read(XBT_NULL, path, rec, sizeof(rec)) &&
	    strcmp(rec, qd) == 0)
		snprintf(be, sizeof(be), "%s", qd);
	return path_frontend(fe, d->dm_domid, d->devid) == 0 &&
	    path_libxl_vbd(lx, d->dm_domid, d->devid) == 0 &&
	    drive_path_set(d->backend, be) && drive_path_set(d->frontend, fe) &&
	    drive_path_set(d->libxl, lx);
}

const struct drive_ops stub_drive_ops = {
	.name = "stub domain",
	.vbd_always_present = true,
	.raw_only = true,
	.vbd_error = ERRC_STUB,
	.vbd_paths = stub_vbd_paths,
	.params_parse = stub_vbd_params_parse,
	.start = stub_start,
	.stop = stub_stop,
	.detaching = stub_detaching,
	.attaching = stub_attaching,
	.changing = stub_changing,
	.fdset_is_drives = stub_fdset_matches,
	.step_end = stub_step_end,
	.waiting_for = stub_waiting_for,
	.waits_on_vbd = stub_waits_on_vbd,
};
