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
 * it performs.
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
#include "drive.h"
#include "image.h"
#include "log.h"
#include "loop.h"
#include "qmp_client.h"
#include "store.h"

/* What cdrom-request/VDEV and the vbd say, read afresh for each step. */
struct request {
	bool has_target;		/* no target node: nothing asked */
	char target[TARGET_MAX + 1];
	const char *invalid;		/* why the request cannot be served */
	enum image_format format;
	bool eject;
	bool has_state;
	enum drive_state state;
	char medium[TARGET_MAX + 1];
	/* The vbd's params: what the toolstack records as inserted. */
	enum image_format params_format;
	char params_path[TARGET_MAX + 1];
};

static void drive_transition(struct drive *d, enum drive_state to,
    const char *medium, const char *error);
static void drive_fail(struct drive *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void step_ejecting(struct drive *d, const struct request *rq,
    const struct qmp_msg *reply);
static void step_changing(struct drive *d, const struct request *rq,
    const struct qmp_msg *reply);

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

	memset(rq, 0, sizeof(*rq));
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
	if (read_leaf(d, "eject", buf, sizeof(buf)) == 1)
		rq->eject = eject_requested(buf);
	if (read_leaf(d, "state", buf, sizeof(buf)) == 1)
		rq->has_state = drive_state_parse(buf, &rq->state) == 0;
	read_leaf(d, "medium", rq->medium, sizeof(rq->medium));

	if (path_child(path, d->backend, "params") == -1 ||
	    !store_read(XBT_NULL, path, buf, sizeof(buf)) ||
	    params_parse(buf, &rq->params_format, &ppath) == -1) {
		log_warnx("dom %d %s: cannot read %s", d->domid, d->vdev, path);
		return false;
	}
	snprintf(rq->params_path, sizeof(rq->params_path), "%s", ppath);
	return true;
}

/* Does the drive already hold what is asked? */
static bool
request_satisfied(const struct request *rq)
{
	if (!rq->has_target)
		return true;
	if (strcmp(rq->medium, rq->target) != 0)
		return false;
	return rq->target[0] == '\0' || rq->params_format == rq->format;
}

/* --- steps' plumbing --------------------------------------------------- */

static void
step_timeout(void *ctx)
{
	struct drive *d = ctx;

	d->timer = NULL;
	drive_fail(d, "timed out after %u s", opts.cfg.step_timeout);
}

static void
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
	d->busy = false;
}

static void
image_close(struct drive *d)
{
	if (d->image_fd != -1)
		close(d->image_fd);
	d->image_fd = -1;
	d->image_target[0] = '\0';
}

/*
 * Opens the image a request names, unless it is open already.  The
 * policy is checked here and only here, at every open.
 */
static bool
image_ensure(struct drive *d, const struct request *rq, char *err,
    size_t errlen)
{
	if (d->image_fd != -1 && strcmp(d->image_target, rq->target) == 0)
		return true;
	image_close(d);
	d->image_fd = image_open(&opts.cfg, rq->target, err, errlen);
	if (d->image_fd == -1)
		return false;
	snprintf(d->image_target, sizeof(d->image_target), "%s", rq->target);
	return true;
}

static void qmp_reply(void *ctx, const struct qmp_msg *reply,
    const char *err);

/* Sends one command on the step's connection, opening it on first use. */
static void
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

static void
qmp_query_block(struct drive *d, enum drive_cmd cmd)
{
	char line[QMP_CMD_MAX];
	unsigned id = qmp_next_id();

	drive_qmp(d, cmd, line, qmp_cmd_query(line, sizeof(line), id,
	    "query-block"), id, -1);
}

/* Fails the step if reply is a QMP error; true if it was. */
static bool
qmp_refused(struct drive *d, const struct qmp_msg *reply, const char *what)
{
	if (reply->kind != QMP_MSG_ERROR)
		return false;
	drive_fail(d, "QEMU refused %s: %s", what, reply->error_desc);
	return true;
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
		step_changing(d, &rq, reply);
		break;
	case DRIVE_DETACHING:
	case DRIVE_ATTACHING:
	case DRIVE_DONE:
	case DRIVE_ERROR:
		drive_fail(d, "QMP reply outside a QMP step");
		break;
	}
}

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

/* --- the transition function ----------------------------------------- */

/*
 * Ends the step in progress and moves the drive to state to, writing
 * state, error and (unless NULL) medium in one transaction.
 */
static void
drive_transition(struct drive *d, enum drive_state to, const char *medium,
    const char *error)
{
	char path[XS_PATH_MAX];
	xs_transaction_t t;
	bool ok = false;

	step_end(d);
	if (to == DRIVE_ERROR)
		log_warnx("dom %d %s: %s -> error: %s", d->domid, d->vdev,
		    drive_state_name(d->state), error);
	else
		log_info("dom %d %s: %s -> %s", d->domid, d->vdev,
		    drive_state_name(d->state), drive_state_name(to));
	if (to == DRIVE_DONE || to == DRIVE_ERROR)
		image_close(d);
	d->state = to;

	while (!ok) {
		if ((t = store_begin()) == XBT_NULL)
			break;
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

static void
drive_fail(struct drive *d, const char *fmt, ...)
{
	char msg[1024], error[1040];
	struct request rq;
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
	if (d->state == DRIVE_CHANGING) {
		memset(&rq, 0, sizeof(rq));
		if (!params_write(d, &rq, true))
			log_warn("dom %d %s: clearing params", d->domid, d->vdev);
	}
	drive_transition(d, DRIVE_ERROR, d->state == DRIVE_CHANGING ? "" : NULL,
	    error);
}

/* --- the steps ---------------------------------------------------------- */

/*
 * done or error: compare what is asked with what is there, check the
 * request, and start a change if one is needed.
 */
static void
step_plan(struct drive *d, const struct request *rq)
{
	char err[1024];

	if (rq->has_state && rq->state == DRIVE_ERROR && !d->retry)
		return;
	d->retry = false;
	if (request_satisfied(rq)) {
		if (!rq->has_state || rq->state != DRIVE_DONE)
			drive_transition(d, DRIVE_DONE, NULL, NULL);
		return;
	}
	if (rq->invalid != NULL) {
		drive_fail(d, "%s", rq->invalid);
		return;
	}
	if (d->dm_domid != 0) {
		drive_fail(d, "the device model runs in stub domain %d, which "
		    "this version of xen-cdromd does not support yet",
		    d->dm_domid);
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

/*
 * ejecting: see what is in the drive, eject it, and free the fdset that
 * held it.
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
		if (request_satisfied(rq)) {
			drive_transition(d, DRIVE_DONE, NULL, NULL);
			return;
		}
		step_begin(d);
		qmp_query_block(d, CMD_QUERY_BLOCK);
		return;
	case CMD_QUERY_BLOCK:
		if (qmp_refused(d, reply, "query-block"))
			return;
		if (!qmp_block_find(reply->ret, d->devid, &blk)) {
			drive_fail(d, "QEMU has no drive ide-%d", d->devid);
			return;
		}
		if (!blk.inserted)
			break;
		d->old_fdset = qmp_fdset_of_file(blk.file);
		drive_qmp(d, CMD_EJECT, line, qmp_cmd_eject(line, sizeof(line),
		    id, d->devid, false), id, -1);
		return;
	case CMD_EJECT:
		if (qmp_refused(d, reply, "to eject"))
			return;
		if (d->old_fdset < 0)
			break;
		drive_qmp(d, CMD_REMOVE_FD, line, qmp_cmd_remove_fd(line,
		    sizeof(line), id, d->old_fdset), id, -1);
		return;
	case CMD_REMOVE_FD:
		/* Already gone is as good as removed. */
		if (reply->kind == QMP_MSG_ERROR)
			log_debug("dom %d %s: remove-fd %d: %s", d->domid,
			    d->vdev, d->old_fdset, reply->error_desc);
		break;
	case CMD_QUERY_FDSETS:
	case CMD_ADD_FD:
	case CMD_CHANGE_MEDIUM:
	case CMD_CONFIRM:
		drive_fail(d, "unexpected QMP reply");
		return;
	}
	drive_transition(d, DRIVE_DETACHING, "", NULL);
}

/* detaching: the vbd no longer names a medium. */
static void
step_detaching(struct drive *d, const struct request *rq)
{
	if (!params_write(d, rq, true)) {
		drive_fail(d, "cannot write the vbd's params: %s",
		    strerror(errno));
		return;
	}
	drive_transition(d, DRIVE_ATTACHING, NULL, NULL);
}

/* attaching: the vbd names the new medium; an eject ends here. */
static void
step_attaching(struct drive *d, const struct request *rq)
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
 * changing: hand QEMU the image through an fdset and insert it, then
 * confirm with query-block.  A drive found already holding it (a
 * daemon stopped after the change) is only confirmed.
 */
static void
step_changing(struct drive *d, const struct request *rq,
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
		qmp_query_block(d, CMD_QUERY_BLOCK);
		return;
	case CMD_QUERY_BLOCK:
		if (qmp_refused(d, reply, "query-block"))
			return;
		if (!qmp_block_find(reply->ret, d->devid, &blk)) {
			drive_fail(d, "QEMU has no drive ide-%d", d->devid);
			return;
		}
		if (blk.inserted) {
			d->new_fdset = qmp_fdset_of_file(blk.file);
			drive_qmp(d, CMD_QUERY_FDSETS, line, qmp_cmd_query(line,
			    sizeof(line), id, "query-fdsets"), id, -1);
			return;
		}
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
		    format_qemu_driver(rq->format)), id, -1);
		return;
	case CMD_CHANGE_MEDIUM:
		if (qmp_refused(d, reply, "the medium"))
			return;
		qmp_query_block(d, CMD_CONFIRM);
		return;
	case CMD_CONFIRM:
		if (qmp_refused(d, reply, "query-block"))
			return;
		if (!qmp_block_find(reply->ret, d->devid, &blk) ||
		    !blk.inserted ||
		    qmp_fdset_of_file(blk.file) != d->new_fdset) {
			drive_fail(d, "QEMU does not show the new medium");
			return;
		}
		drive_transition(d, DRIVE_DONE, rq->target, NULL);
		return;
	case CMD_EJECT:
	case CMD_REMOVE_FD:
		drive_fail(d, "unexpected QMP reply");
		return;
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
drive_update(struct drive *d, const char *leaf)
{
	struct request rq;

	if (leaf != NULL && (strcmp(leaf, "target") == 0 ||
	    strcmp(leaf, "format") == 0))
		d->retry = true;
	/* The step in progress ends by writing state, which calls us back. */
	if (d->busy)
		return;
	if (!request_read(d, &rq))
		return;
	if (rq.eject) {
		answer_eject(d);
		return;
	}
	if (!rq.has_state)
		rq.state = DRIVE_DONE;
	d->state = rq.state;
	switch (rq.state) {
	case DRIVE_EJECTING:
		step_ejecting(d, &rq, NULL);
		break;
	case DRIVE_DETACHING:
		step_detaching(d, &rq);
		break;
	case DRIVE_ATTACHING:
		step_attaching(d, &rq);
		break;
	case DRIVE_CHANGING:
		step_changing(d, &rq, NULL);
		break;
	case DRIVE_DONE:
	case DRIVE_ERROR:
		step_plan(d, &rq);
		break;
	}
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

struct drive *
drive_adopt(int domid, int dm_domid, const char *vdev, int devid,
    const char *backend, const char *libxl_path)
{
	char path[XS_PATH_MAX], params[REQUEST_VALUE_MAX + 1];
	enum image_format format;
	const char *medium;
	struct drive *d;

	if (path_child(path, backend, "params") == -1 ||
	    !store_read(XBT_NULL, path, params, sizeof(params)) ||
	    params_parse(params, &format, &medium) == -1) {
		log_warnx("dom %d %s: unreadable params in %s", domid, vdev,
		    backend);
		return NULL;
	}
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	d->domid = domid;
	d->dm_domid = dm_domid;
	snprintf(d->vdev, sizeof(d->vdev), "%s", vdev);
	d->devid = devid;
	snprintf(d->backend, sizeof(d->backend), "%s", backend);
	snprintf(d->libxl, sizeof(d->libxl), "%s", libxl_path);
	d->qdisk = strstr(backend, "/backend/qdisk/") != NULL;
	d->state = DRIVE_DONE;
	d->image_fd = -1;
	d->old_fdset = d->new_fdset = -1;
	if (!adopt_nodes(d, medium, format)) {
		log_warn("dom %d %s: creating cdrom-request nodes", domid, vdev);
		free(d);
		return NULL;
	}
	log_info("dom %d %s: adopted (devid %d), medium \"%s\"", domid, vdev,
	    devid, medium);
	return d;
}

void
drive_free(struct drive *d)
{
	step_end(d);
	image_close(d);
	free(d);
}
