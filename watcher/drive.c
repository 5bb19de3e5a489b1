/*
 * The per-drive state machine.
 *
 * A change runs ejecting -> detaching -> attaching -> changing -> done,
 * and any step may end in error.  Every step is started by a watch
 * firing on cdrom-request, reads where the drive stands from xenstore,
 * does its one piece of work and ends in drive_transition(), which
 * writes the next state and so fires the watch that starts the next
 * step.  The progress therefore lives in xenstore: a daemon restarted
 * at any point reads "attaching" and attaches.
 *
 * Steps that talk to QEMU are asynchronous.  Their function is called
 * once to start and then once per QMP reply, with d->cmd saying which
 * command the reply answers; each reads top to bottom as the sequence
 * it performs.  The steps after the eject differ by where QEMU runs:
 * dom0.c and stubdom.c.
 *
 * A change holds libxl's device lock of the domain from its first step
 * to done or error, so that it never interleaves with xl's.
 *
 * Only drive_transition() moves a drive to another state; drive_update()
 * merely mirrors into d->state what xenstore says.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cdromd.h"
#include "devlock.h"
#include "image.h"
#include "log.h"
#include "loop.h"
#include "qmp_client.h"
#include "step.h"
#include "store.h"

static void step_ejecting(struct drive *d, const struct request *rq,
    const struct qmp_msg *reply);
static void drive_step(struct drive *d, const struct request *rq);

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

static bool
request_read(struct drive *d, struct request *rq)
{
	char buf[REQUEST_VALUE_MAX + 1], path[XS_PATH_MAX];
	const char *ppath, *why;
	int rc;

	/* Field by field: zeroing the whole 12 KB was most of a change's CPU. */
	rq->has_target = rq->eject = rq->has_state = rq->has_params = false;
	rq->invalid = NULL;
	rq->format = rq->params_format = FORMAT_RAW;
	rq->state = DRIVE_DONE;
	rq->target[0] = rq->medium[0] = rq->params_path[0] = '\0';
	/* No request directory: the guest is being torn down. */
	if (path_request(path, d->domid, d->vdev) == -1 ||
	    !store_exists(XBT_NULL, path))
		return false;
	rc = read_leaf(d, "target", rq->target, sizeof(rq->target));
	rq->has_target = rc != 0;
	if (rc == -1)
		rq->invalid = "target is longer than 4095 bytes";
	else if (target_check(rq->target, &why) == -1)
		rq->invalid = why;
	if (read_leaf(d, "format", buf, sizeof(buf)) == -1 ||
	    format_parse(buf, &rq->format) == -1) {
		if (rq->invalid == NULL)
			rq->invalid = "format is not one of raw, qcow2, vhd, qed";
	}
	/*
	 * A stub domain's QEMU reads the medium through its PV disk, which
	 * a loop device in dom0 backs: the image's bytes, so raw only.
	 */
	if (rq->invalid == NULL && d->dm_domid != 0 && rq->target[0] != '\0' &&
	    rq->format != FORMAT_RAW)
		rq->invalid = "a drive whose QEMU runs in a stub domain takes "
		    "raw images only";
	if (read_leaf(d, "eject", buf, sizeof(buf)) == 1)
		rq->eject = eject_requested(buf);
	if (read_leaf(d, "state", buf, sizeof(buf)) == 1)
		rq->has_state = drive_state_parse(buf, &rq->state) == 0;
	if (!rq->has_state)
		rq->state = DRIVE_DONE;
	read_leaf(d, "medium", rq->medium, sizeof(rq->medium));

	if (path_child(path, d->backend, "params") == -1)
		return false;
	if (!store_read(XBT_NULL, path, buf, sizeof(buf))) {
		/* A stub domain's vbd is gone between detaching and attaching. */
		if (d->dm_domid != 0 && errno == ENOENT)
			return true;
		log_warnx("dom %d %s: cannot read %s", d->domid, d->vdev, path);
		return false;
	}
	if (d->dm_domid != 0) {
		rq->params_format = FORMAT_RAW;
		ppath = stub_params_medium(d, buf);
	} else if (params_parse(buf, &rq->params_format, &ppath) == -1) {
		log_warnx("dom %d %s: unknown params in %s", d->domid, d->vdev,
		    path);
		return false;
	}
	rq->has_params = true;
	snprintf(rq->params_path, sizeof(rq->params_path), "%s", ppath);
	return true;
}

bool
request_satisfied(const struct drive *d, const struct request *rq)
{
	if (!rq->has_target)
		return true;
	if (strcmp(rq->medium, rq->target) != 0 ||
	    strcmp(rq->params_path, rq->target) != 0)
		return false;
	/* A stub domain's drive keeps a vbd even when empty. */
	if (d->dm_domid != 0 && !rq->has_params)
		return false;
	return rq->target[0] == '\0' || rq->params_format == rq->format;
}

/* --- steps' plumbing --------------------------------------------------- */

/* What a step that timed out was waiting for, for its error message. */
static const char *
waiting_for(const struct drive *d)
{
	if (d->lock != NULL && !d->locked)
		return "libxl's device lock";
	switch (d->wait) {
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
		    (d->cmd == CMD_QUERY_FDSETS && d->recheck_ms > 0))
			return "the stub domain's add-fd";
		break;
	case STUB_START:
		break;
	}
	return "QEMU";
}

static void
step_timeout(void *ctx)
{
	struct drive *d = ctx;

	d->timer = NULL;
	drive_fail(d, "timed out after %u s waiting for %s",
	    opts.cfg.step_timeout, waiting_for(d));
}

void
step_begin(struct drive *d)
{
	d->busy = true;
	d->cmd = CMD_NONE;
	d->timer = loop_timer_add(opts.cfg.step_timeout * 1000u, step_timeout,
	    d);
	if (d->timer == NULL)
		log_warnx("dom %d %s: no timer for this step", d->domid, d->vdev);
}

static void
step_end(struct drive *d)
{
	loop_timer_del(d->timer);
	d->timer = NULL;
	qmp_close(d->qmp);
	d->qmp = NULL;
	d->cmd = CMD_NONE;
	stub_step_end(d);
	d->busy = false;
}

static void
lock_release(struct drive *d)
{
	devlock_release(d->lock);
	d->lock = NULL;
	d->locked = false;
}

/*
 * Sets *slot to a copy of value (NULL: none).  Without memory the slot
 * is left empty, which only costs a later comparison its match.
 */
static void
text_set(char **slot, const char *value)
{
	free(*slot);
	*slot = NULL;
	if (value != NULL && (*slot = strdup(value)) == NULL)
		log_warn("keeping a request key");
}

/* slot holds exactly value. */
static bool
text_is(const char *slot, const char *value)
{
	return slot != NULL && strcmp(slot, value) == 0;
}

static void
image_close(struct drive *d)
{
	if (d->image_fd != -1)
		close(d->image_fd);
	d->image_fd = -1;
	text_set(&d->image_target, NULL);
}

/*
 * Opens the image a request names, unless it is open already.  The
 * policy is checked here and only here, at every open.
 */
bool
image_ensure(struct drive *d, const struct request *rq, char *err,
    size_t errlen)
{
	if (d->image_fd != -1 && text_is(d->image_target, rq->target))
		return true;
	image_close(d);
	d->image_fd = image_open(&opts.cfg, rq->target, err, errlen);
	if (d->image_fd == -1)
		return false;
	text_set(&d->image_target, rq->target);
	return true;
}

static void qmp_reply(void *ctx, const struct qmp_msg *reply,
    const char *err);

/* Sends one command on the step's connection, opening it on first use. */
void
drive_qmp(struct drive *d, enum drive_cmd cmd, const char *line, int len,
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
	}
	d->cmd = cmd;
	if (qmp_send(d->qmp, line, len, id, fd) == -1)
		drive_fail(d, "QMP connection to QEMU lost");
}

void
drive_qmp_query(struct drive *d, enum drive_cmd cmd, const char *what)
{
	char line[QMP_CMD_MAX];
	unsigned id = qmp_next_id();

	drive_qmp(d, cmd, line, qmp_cmd_query(line, sizeof(line), id, what),
	    id, -1);
}

bool
qmp_refused(struct drive *d, const struct qmp_msg *reply, const char *what)
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
tray_refused(struct drive *d, const struct qmp_msg *reply, const char *what)
{
	if (!qmp_error_tray_locked(reply, d->devid))
		return qmp_refused(d, reply, what);
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
drive_block(struct drive *d, const struct qmp_msg *reply,
    struct qmp_block *blk)
{
	if (qmp_refused(d, reply, "query-block"))
		return false;
	if (!qmp_block_find(reply->ret, d->devid, blk)) {
		drive_fail(d, "QEMU has no drive ide-%d", d->devid);
		return false;
	}
	return true;
}

void
step_change_medium_reply(struct drive *d, const struct request *rq,
    const struct qmp_msg *reply)
{
	struct qmp_block blk;

	if (d->cmd == CMD_CHANGE_MEDIUM) {
		if (!tray_refused(d, reply, "the medium"))
			drive_qmp_query(d, CMD_CONFIRM, "query-block");
		return;
	}
	if (!drive_block(d, reply, &blk))
		return;
	if (!blk.inserted || qmp_fdset_of_file(blk.file) != d->new_fdset) {
		drive_fail(d, "QEMU does not show the new medium");
		return;
	}
	drive_transition(d, DRIVE_DONE, rq->target, NULL);
}

/*
 * Reads the request afresh and hands the reply to the step in progress.
 * A transport failure ends the step in error.
 */
static void
qmp_reply(void *ctx, const struct qmp_msg *reply, const char *err)
{
	struct drive *d = ctx;
	struct request rq;

	if (reply == NULL) {
		drive_fail(d, "QMP: %s", err);
		return;
	}
	if (!request_read(d, &rq)) {
		drive_fail(d, "cannot read the request from xenstore");
		return;
	}
	switch (d->state) {
	case DRIVE_EJECTING:
		step_ejecting(d, &rq, reply);
		break;
	case DRIVE_CHANGING:
		if (d->dm_domid != 0)
			stub_changing(d, &rq, reply);
		else
			dom0_changing(d, &rq, reply);
		break;
	case DRIVE_DETACHING:
	case DRIVE_ATTACHING:
	case DRIVE_DONE:
	case DRIVE_ERROR:
		drive_fail(d, "QMP reply outside a QMP step");
		break;
	}
}

/* --- the transition function ----------------------------------------- */

/*
 * Ends the step in progress and moves the drive to state to, writing
 * state, error and (unless NULL) medium in one transaction.
 */
void
drive_transition(struct drive *d, enum drive_state to, const char *medium,
    const char *error)
{
	char path[XS_PATH_MAX];
	xs_transaction_t t;
	bool ok = false;

	step_end(d);
	/* A retry asked for is used up by any move: see drive_update. */
	d->retry = false;
	if (to == DRIVE_ERROR)
		log_warnx("dom %d %s: %s -> error: %s", d->domid, d->vdev,
		    drive_state_name(d->state), error);
	else
		log_info("dom %d %s: %s -> %s", d->domid, d->vdev,
		    drive_state_name(d->state), drive_state_name(to));
	if (to == DRIVE_DONE || to == DRIVE_ERROR) {
		image_close(d);
		lock_release(d);
	}
	d->state = to;

	while (!ok) {
		if ((t = store_begin()) == XBT_NULL)
			break;
		/* A guest torn down meanwhile: its nodes are not ours to re-create. */
		if (path_request(path, d->domid, d->vdev) == -1 ||
		    !store_exists(t, path)) {
			store_abort(t);
			log_debug("dom %d %s: gone; %s not written", d->domid,
			    d->vdev, drive_state_name(to));
			return;
		}
		ok = path_request_node(path, d->domid, d->vdev, "state") == 0 &&
		    store_write(t, path, drive_state_name(to)) &&
		    path_request_node(path, d->domid, d->vdev, "error") == 0 &&
		    store_write(t, path, error != NULL ? error : "");
		if (ok && medium != NULL)
			ok = path_request_node(path, d->domid, d->vdev,
			    "medium") == 0 && store_write(t, path, medium);
		if (!ok) {
			store_abort(t);
			break;
		}
		if (!(ok = store_commit(t)) && errno != EAGAIN)
			break;
	}
	if (!ok)
		log_warn("dom %d %s: writing state %s", d->domid, d->vdev,
		    drive_state_name(to));
}

void
drive_fail(struct drive *d, const char *fmt, ...)
{
	char msg[1024], error[1040];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* A step's error names the step; a refused request needs no prefix. */
	if (d->state == DRIVE_DONE || d->state == DRIVE_ERROR)
		snprintf(error, sizeof(error), "%s", msg);
	else
		snprintf(error, sizeof(error), "%s: %s",
		    drive_state_name(d->state), msg);
	/*
	 * A failed change leaves QEMU's drive empty; make the vbd say so,
	 * as xl cd-insert leaves it when its insert fails.
	 */
	if (d->state == DRIVE_CHANGING && d->dm_domid == 0 &&
	    !dom0_params_clear(d))
		log_warn("dom %d %s: clearing params", d->domid, d->vdev);
	text_set(&d->failed, d->goal);
	drive_transition(d, DRIVE_ERROR, d->state == DRIVE_CHANGING ? "" : NULL,
	    error);
}

/* --- the steps ---------------------------------------------------------- */

/* The request as one string, to tell one request from another. */
#define REQUEST_KEY_MAX (TARGET_MAX + 16)

static void
request_key(const struct request *rq, char *buf, size_t len)
{
	snprintf(buf, len, "%s:%s", format_name(rq->format), rq->target);
}

/*
 * done or error: compare what is asked with what is there, check the
 * request, and start a change if one is needed.
 */
static void
step_plan(struct drive *d, const struct request *rq)
{
	char err[1024], key[REQUEST_KEY_MAX];

	request_key(rq, key, sizeof(key));
	if (rq->state == DRIVE_ERROR && !d->retry && text_is(d->failed, key))
		return;
	d->retry = false;
	text_set(&d->goal, key);
	if (request_satisfied(d, rq)) {
		if (!rq->has_state || rq->state != DRIVE_DONE)
			drive_transition(d, DRIVE_DONE, NULL, NULL);
		return;
	}
	if (rq->invalid != NULL) {
		drive_fail(d, "%s", rq->invalid);
		return;
	}
	if (rq->target[0] != '\0' && !image_ensure(d, rq, err, sizeof(err))) {
		drive_fail(d, "%s", err);
		return;
	}
	if (rq->target[0] == '\0')
		log_info("dom %d %s: eject", d->domid, d->vdev);
	else
		log_info("dom %d %s: change to %s (%s)", d->domid, d->vdev,
		    rq->target, format_name(rq->format));
	drive_transition(d, DRIVE_EJECTING, NULL, NULL);
}

/* Collects the fdsets an eject leaves behind, for remove-fd. */
static int
stale_fdset(void *ctx, int fdset_id, const char *opaque)
{
	struct drive *d = ctx;
	int i;

	if (fdset_id != d->old_fdset && !(d->dm_domid != 0 &&
	    stub_fdset_matches(d, fdset_id, opaque)))
		return 0;
	for (i = 0; i < d->n_stale_fdsets; i++)
		if (d->stale_fdsets[i] == fdset_id)
			return 0;
	if (d->n_stale_fdsets < DRIVE_STALE_FDSETS)
		d->stale_fdsets[d->n_stale_fdsets++] = fdset_id;
	return 0;
}

/*
 * ejecting: see what is in the drive, eject it, and free the fdsets
 * that held it: the one QEMU read it from, and for a stub domain every
 * fdset the stub made for this drive.
 */
static void
step_ejecting(struct drive *d, const struct request *rq,
    const struct qmp_msg *reply)
{
	char line[QMP_CMD_MAX];
	struct qmp_block blk;
	unsigned id = qmp_next_id();

	switch (d->cmd) {
	case CMD_NONE:
		/* Asked back for what is in the drive before we touched it. */
		if (request_satisfied(d, rq)) {
			drive_transition(d, DRIVE_DONE, NULL, NULL);
			return;
		}
		step_begin(d);
		d->old_fdset = -1;
		d->n_stale_fdsets = 0;
		drive_qmp_query(d, CMD_QUERY_BLOCK, "query-block");
		return;
	case CMD_QUERY_BLOCK:
		if (!drive_block(d, reply, &blk))
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
			drive_qmp(d, CMD_EJECT, line, qmp_cmd_eject(line,
			    sizeof(line), id, d->devid, opts.cfg.force_eject),
			    id, -1);
			return;
		}
		drive_qmp_query(d, CMD_QUERY_FDSETS, "query-fdsets");
		return;
	case CMD_EJECT:
		if (tray_refused(d, reply, "to eject"))
			return;
		drive_qmp_query(d, CMD_QUERY_FDSETS, "query-fdsets");
		return;
	case CMD_QUERY_FDSETS:
		if (qmp_refused(d, reply, "query-fdsets"))
			return;
		if (qmp_fdsets_each(reply->ret, stale_fdset, d) == -1) {
			drive_fail(d, "malformed query-fdsets reply");
			return;
		}
		break;
	case CMD_REMOVE_FD:
		/* Already gone is as good as removed. */
		if (reply->kind == QMP_MSG_ERROR)
			log_debug("dom %d %s: remove-fd: %s", d->domid, d->vdev,
			    reply->error_desc);
		break;
	case CMD_ADD_FD:
	case CMD_CHANGE_MEDIUM:
	case CMD_CONFIRM:
		drive_fail(d, "unexpected QMP reply");
		return;
	}
	if (d->n_stale_fdsets > 0) {
		d->n_stale_fdsets--;
		drive_qmp(d, CMD_REMOVE_FD, line, qmp_cmd_remove_fd(line,
		    sizeof(line), id, d->stale_fdsets[d->n_stale_fdsets]), id, -1);
		return;
	}
	drive_transition(d, DRIVE_DETACHING, "", NULL);
}

static void
lock_taken(void *ctx, int err)
{
	struct drive *d = ctx;

	step_end(d);
	if (err != 0) {
		drive_fail(d, "cannot take libxl's device lock in %s: %s",
		    devlock_dir(), strerror(err));
		return;
	}
	d->locked = true;
	drive_continue(d);
}

/* The uuid libxl names the domain's lock files with, from its vm path. */
static bool
domain_uuid(int domid, char *uuid, size_t len)
{
	char home[XS_PATH_MAX], path[XS_PATH_MAX], vm[128];
	const char *p;

	if (path_domain(home, domid) == -1 ||
	    path_child(path, home, "vm") == -1 ||
	    !store_read(XBT_NULL, path, vm, sizeof(vm)) ||
	    (p = strrchr(vm, '/')) == NULL || strlen(p + 1) != 36 ||
	    strspn(p + 1, "0123456789abcdef-") != 36)
		return false;
	snprintf(uuid, len, "%s", p + 1);
	return true;
}

/* Takes libxl's device lock before a change's first step runs. */
static void
drive_lock(struct drive *d)
{
	char uuid[64];

	if (!domain_uuid(d->domid, uuid, sizeof(uuid))) {
		drive_fail(d, "cannot find the domain's uuid in "
		    "/local/domain/%d/vm", d->domid);
		return;
	}
	step_begin(d);
	if ((d->lock = devlock_acquire(d->domid, uuid, lock_taken, d)) ==
	    NULL)
		drive_fail(d, "cannot take libxl's device lock in %s: %s",
		    devlock_dir(), strerror(errno));
}

/* Runs the step of the drive's state, once the change holds the lock. */
static void
drive_step(struct drive *d, const struct request *rq)
{
	if (rq->state != DRIVE_DONE && rq->state != DRIVE_ERROR &&
	    !d->locked) {
		drive_lock(d);
		return;
	}
	switch (rq->state) {
	case DRIVE_EJECTING:
		step_ejecting(d, rq, NULL);
		break;
	case DRIVE_DETACHING:
		if (d->dm_domid != 0)
			stub_detaching(d, rq);
		else
			dom0_detaching(d, rq);
		break;
	case DRIVE_ATTACHING:
		if (d->dm_domid != 0)
			stub_attaching(d, rq);
		else
			dom0_attaching(d, rq);
		break;
	case DRIVE_CHANGING:
		if (d->dm_domid != 0)
			stub_changing(d, rq, NULL);
		else
			dom0_changing(d, rq, NULL);
		break;
	case DRIVE_DONE:
	case DRIVE_ERROR:
		step_plan(d, rq);
		break;
	}
}

/* The guest asked for an eject: it becomes an ordinary request. */
static void
answer_eject(struct drive *d)
{
	char path[XS_PATH_MAX];
	xs_transaction_t t;

	log_info("dom %d %s: the guest asks for an eject", d->domid, d->vdev);
	for (;;) {
		if ((t = store_begin()) == XBT_NULL)
			break;
		if (path_request_node(path, d->domid, d->vdev, "target") == -1 ||
		    !store_write(t, path, "") ||
		    path_request_node(path, d->domid, d->vdev, "eject") == -1 ||
		    !store_write(t, path, "")) {
			store_abort(t);
			break;
		}
		if (store_commit(t) || errno != EAGAIN)
			return;
	}
	log_warn("dom %d %s: answering the eject", d->domid, d->vdev);
}

void
drive_update(struct drive *d, bool rewritten)
{
	char key[REQUEST_KEY_MAX];
	struct request rq;

	/* The step in progress ends by writing state, which calls us back. */
	if (d->busy)
		return;
	if (!request_read(d, &rq))
		return;
	/*
	 * A rewrite of the request seen while the drive is in error asks to
	 * try the failed one again; one made during a change is read by
	 * the change itself.
	 */
	if (rq.state == DRIVE_ERROR && rewritten)
		d->retry = true;
	if (rq.eject) {
		answer_eject(d);
		return;
	}
	/* First look after a (re)start: an error found is a settled one, a
	 * step found is the change a stopped daemon was making. */
	if (rq.state == DRIVE_ERROR && d->failed == NULL && !d->retry) {
		request_key(&rq, key, sizeof(key));
		text_set(&d->failed, key);
	}
	if (rq.state != DRIVE_DONE && rq.state != DRIVE_ERROR &&
	    d->goal == NULL) {
		request_key(&rq, key, sizeof(key));
		text_set(&d->goal, key);
	}
	d->state = rq.state;
	drive_step(d, &rq);
}

static void
drive_update_due(void *ctx)
{
	struct drive *d = ctx;
	bool rewritten = d->rewritten;

	d->update = NULL;
	d->rewritten = false;
	drive_update(d, rewritten);
}

void
drive_request_event(struct drive *d, const char *leaf)
{
	if (leaf != NULL &&
	    (strcmp(leaf, "target") == 0 || strcmp(leaf, "format") == 0))
		d->rewritten = true;
	if (d->update == NULL &&
	    (d->update = loop_timer_add(0, drive_update_due, d)) == NULL)
		drive_update_due(d);
}

void
drive_continue(struct drive *d)
{
	struct request rq;

	/* A QMP reply is due: the step goes on when it comes. */
	if (d->cmd != CMD_NONE)
		return;
	if (!request_read(d, &rq)) {
		drive_fail(d, "cannot read the request from xenstore");
		return;
	}
	drive_step(d, &rq);
}

void
drive_vbd_event(struct drive *d)
{
	/* Only a stub step waiting on the vbd itself wants to look. */
	if (!d->busy || d->cmd != CMD_NONE || (d->wait != STUB_CLOSED &&
	    d->wait != STUB_INITWAIT && d->wait != STUB_CONNECTED &&
	    d->wait != STUB_FDSET))
		return;
	drive_continue(d);
}

/* --- adoption ------------------------------------------------------------ */

/* Creates a directory node unless it exists; only dom0 may add to it. */
static bool
adopt_dir(xs_transaction_t t, const char *path, int domid)
{
	if (!store_exists(t, path) && !store_write(t, path, ""))
		return false;
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

/*
 * Creates the drive's nodes in one transaction.  A request already
 * there (left by a daemon that stopped, or written before we started)
 * is kept, and so is a change in progress.
 */
static bool
adopt_nodes(struct drive *d, const char *medium, enum image_format format)
{
	char path[XS_PATH_MAX];
	bool fresh_target, fresh, dummy;
	xs_transaction_t t;

	for (;;) {
		if ((t = store_begin()) == XBT_NULL)
			return false;
		if (path_request_dir(path, d->domid) == -1 ||
		    !adopt_dir(t, path, d->domid) ||
		    path_request(path, d->domid, d->vdev) == -1 ||
		    !adopt_dir(t, path, d->domid))
			goto fail;
		if (!adopt_leaf(t, d, "target", medium, false, &fresh_target) ||
		    !adopt_leaf(t, d, "format", fresh_target ?
		    format_name(format) : "raw", false, &dummy) ||
		    !adopt_leaf(t, d, "eject", "", opts.cfg.guest_eject,
		    &dummy) ||
		    !adopt_leaf(t, d, "state", "done", false, &fresh) ||
		    !adopt_leaf(t, d, "medium", medium, false, &dummy) ||
		    !adopt_leaf(t, d, "error", "", false, &dummy))
			goto fail;
		/* A new drive's medium is what the vbd says is in it now. */
		if (fresh && (path_request_node(path, d->domid, d->vdev,
		    "medium") == -1 || !store_write(t, path, medium)))
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

/*
 * The vbd whose params say what is in the drive: the guest's for QEMU in
 * dom0; for QEMU in a stub domain, the stub domain's vbd of the same
 * number, which is the one a change replaces.
 */
/* Copies path into buf (len bytes); false if it does not fit. */
static bool
path_copy(char *buf, size_t len, const char *path)
{
	size_t n = strlen(path);

	if (n >= len)
		return false;
	memcpy(buf, path, n + 1);
	return true;
}

static bool
drive_vbd_paths(struct drive *d, const char *backend, const char *libxl)
{
	char be[XS_PATH_MAX], fe[XS_PATH_MAX], lx[XS_PATH_MAX];

	if (d->dm_domid == 0) {
		d->qdisk = strstr(backend, "/backend/qdisk/") != NULL;
		return path_copy(d->backend, sizeof(d->backend), backend) &&
		    path_copy(d->libxl, sizeof(d->libxl), libxl);
	}
	return path_backend(be, "vbd", d->dm_domid, d->devid) == 0 &&
	    path_frontend(fe, d->dm_domid, d->devid) == 0 &&
	    path_libxl_vbd(lx, d->dm_domid, d->devid) == 0 &&
	    path_copy(d->backend, sizeof(d->backend), be) &&
	    path_copy(d->frontend, sizeof(d->frontend), fe) &&
	    path_copy(d->libxl, sizeof(d->libxl), lx);
}

struct drive *
drive_adopt(int domid, int dm_domid, const char *vdev, int devid,
    const char *backend, const char *libxl_path)
{
	char path[XS_PATH_MAX], params[REQUEST_VALUE_MAX + 1];
	enum image_format format = FORMAT_RAW;
	const char *medium = "";
	struct drive *d;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	d->domid = domid;
	d->dm_domid = dm_domid;
	snprintf(d->vdev, sizeof(d->vdev), "%s", vdev);
	d->devid = devid;
	vdev_to_devid(vdev, &d->disk_index);
	d->state = DRIVE_DONE;
	d->image_fd = -1;
	d->old_fdset = d->new_fdset = -1;
	if (!drive_vbd_paths(d, backend, libxl_path)) {
		log_warnx("dom %d %s: vbd path %s is over %d bytes", domid,
		    vdev, backend, DRIVE_PATH_MAX - 1);
		free(d);
		return NULL;
	}
	if (path_child(path, d->backend, "params") == -1)
		goto fail;
	if (store_read(XBT_NULL, path, params, sizeof(params))) {
		if (dm_domid != 0)
			medium = stub_params_medium(d, params);
		else if (params_parse(params, &format, &medium) == -1)
			goto fail;
	} else if (dm_domid == 0) {
		/* A stub domain's vbd may be missing: a change was cut short. */
		goto fail;
	}
	if (!adopt_nodes(d, medium, format)) {
		log_warn("dom %d %s: creating cdrom-request nodes", domid, vdev);
		free(d);
		return NULL;
	}
	if (dm_domid != 0)
		stub_watch(d, true);
	log_info("dom %d %s: adopted (devid %d%s%.0d), medium \"%s\"", domid,
	    vdev, devid, dm_domid != 0 ? ", QEMU in stub domain " : "",
	    dm_domid, medium);
	return d;
fail:
	log_warnx("dom %d %s: unreadable params in %s", domid, vdev,
	    d->backend);
	free(d);
	return NULL;
}

void
drive_free(struct drive *d)
{
	if (d->dm_domid != 0)
		stub_watch(d, false);
	step_end(d);
	loop_timer_del(d->update);
	lock_release(d);
	image_close(d);
	free(d->goal);
	free(d->failed);
	free(d);
}
