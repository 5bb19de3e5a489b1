/* SPDX-License-Identifier: LGPL-2.1-only */
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
 * This file owns what every drive does: planning (done, error), the
 * eject, libxl's device lock and the transition itself.  The steps after
 * the eject differ by where QEMU runs and are reached through the
 * drive's ops table (step.h: dom0.c, stubdom.c).  Steps that talk to
 * QEMU are called once to start and then once per QMP reply, with
 * d->cmd saying which command the reply answers.
 *
 * Only drive_transition() moves a drive to another state, and only
 * along an edge of protocol/state.c's table; drive_update() merely
 * mirrors into d->state what xenstore says.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cdromd.h"
#include "devlock.h"
#include "domain.h"
#include "errcode.h"
#include "image.h"
#include "log.h"
#include "loop.h"
#include "opener.h"
#include "qmp_client.h"
#include "step.h"
#include "store.h"

/* --- the step in progress ---------------------------------------------- */

/* What a step that timed out was waiting for, for its error message. */
static const char *
waiting_for(const struct drive *d)
{
	const char *what;

	if (d->lock != NULL && !d->locked)
		return "libxl's device lock";
	if (d->opener != NULL)
		return "the image's file system (is it hung?)";
	/* A kind's wait polls QEMU, taking the QMP lock for each look. */
	if (d->ops->waiting_for != NULL &&
	    (what = d->ops->waiting_for(d)) != NULL)
		return what;
	if (step_qmp_lock_waiting(d))
		return "libxl's qmp-socket lock";
	return "QEMU";
}

static void
step_timeout(void *ctx)
{
	struct drive *d = ctx;

	d->timer = NULL;
	drive_fail_code(d, d->lock != NULL && !d->locked ? ERRC_BUSY :
	    ERRC_TIMEOUT, "timed out after %u s waiting for %s",
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

void
step_end(struct drive *d)
{
	loop_timer_del(d->timer);
	d->timer = NULL;
	opener_cancel(d->opener);
	d->opener = NULL;
	if (step_qmp_in_flight(d))
		step_qmp_close(d);
	d->cmd = CMD_NONE;
	if (d->ops->step_end != NULL)
		d->ops->step_end(d);
	d->busy = false;
}

static void
lock_release(struct drive *d)
{
	devlock_release(d->lock);
	d->lock = NULL;
	d->locked = false;
}

void
drive_stop(struct drive *d)
{
	saved_config_cancel(d);
	step_end(d);
	step_qmp_close(d);
	lock_release(d);
}

/*
 * Sets *slot to a copy of value (NULL: none).  Without memory the slot
 * is left empty, which only costs a later comparison its match.
 */
void
text_set(char **slot, const char *value)
{
	free(*slot);
	*slot = NULL;
	if (value != NULL && (*slot = strdup(value)) == NULL)
		log_warn("keeping a request key");
}

/* slot holds exactly value. */
bool
text_is(const char *slot, const char *value)
{
	return slot != NULL && strcmp(slot, value) == 0;
}

/*
 * The key of the request a change serves, and the request-id it
 * answers (after a unit separator, which a target cannot hold).
 */
void
goal_key(char *buf, size_t len, const struct request *req)
{
	int n = request_key(buf, len, req);

	if (n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, "\x1f%s", req->request_id);
}

/* The request-id of a goal key ("" if none). */
static const char *
goal_id(const char *goal)
{
	const char *sep = goal != NULL ? strchr(goal, '\x1f') : NULL;

	return sep != NULL ? sep + 1 : "";
}

/* --- the transition function ----------------------------------------- */

struct transition {
	const struct drive *d;
	const char *state, *medium, *error, *error_code, *answered;
	const char *saved_config;
	bool errors_known;	/* error, error-code hold these already */
	/* The step's own writes, committed with its state; NULL: none. */
	store_tx_fn *work;
	void *work_ctx;
	bool gone;
};

static int
transition_write(xs_transaction_t t, void *ctx)
{
	struct transition *tr = ctx;
	const struct drive *d = tr->d;
	char path[XS_PATH_MAX];

	/* A guest torn down meanwhile: its nodes are not ours to re-create. */
	if (path_request(path, d->domid, d->vdev) == -1 ||
	    !store_exists(t, path)) {
		tr->gone = true;
		return XS_TX_NOTHING;
	}
	if (tr->work != NULL && tr->work(t, tr->work_ctx) != XS_TX_COMMIT)
		return -1;
	if (!store_write_request(t, d->domid, d->vdev, "state", tr->state))
		return -1;
	if (!tr->errors_known && (!store_write_request(t, d->domid, d->vdev,
	    "error", tr->error) || !store_write_request(t, d->domid, d->vdev,
	    "error-code", tr->error_code)))
		return -1;
	/* The answer names the request it answers (protocol 1.1). */
	if (tr->answered != NULL && !store_write_request(t, d->domid, d->vdev,
	    "answered-id", tr->answered))
		return -1;
	if (tr->medium != NULL &&
	    !store_write_request(t, d->domid, d->vdev, "medium", tr->medium))
		return -1;
	if (tr->saved_config != NULL && !store_write_request(t, d->domid,
	    d->vdev, "saved-config", tr->saved_config))
		return -1;
	return XS_TX_COMMIT;
}

/*
 * Leaves out of tr what the daemon's own last transition already left
 * in xenstore: those nodes are the daemon's alone (the contract), and a
 * state that has not changed is not written again.
 */
static void
transition_trim(const struct drive *d, struct transition *tr)
{
	tr->errors_known = tr->error[0] == '\0' && tr->error_code[0] == '\0' &&
	    drive_view_errors_clear(d);
	if (tr->medium != NULL && drive_view_medium_is(d, tr->medium))
		tr->medium = NULL;
	if (tr->answered != NULL && drive_view_answered_is(d, tr->answered))
		tr->answered = NULL;
	if (tr->saved_config != NULL &&
	    drive_view_saved_is(d, tr->saved_config))
		tr->saved_config = NULL;
}

/* A change that ends done updates libxl's saved configuration first. */
static bool
change_in_progress(enum drive_state state)
{
	return state == DRIVE_EJECTING || state == DRIVE_ATTACHING ||
	    state == DRIVE_CHANGING;
}

/*
 * Ends the step in progress and moves the drive to state to, writing
 * state, error, (unless NULL) medium and saved-config in one
 * transaction, with work's writes (unless NULL) before them.  An edge
 * the table does not allow is a bug: it is logged as one and the drive
 * ends in error instead.  Returns store_tx()'s result; when work's
 * transaction fails the drive stays in the step it was in, for its
 * caller to fail.
 */
static int
transition(struct drive *d, enum drive_state to, const char *medium,
    const char *error, const char *saved_config, store_tx_fn *work,
    void *work_ctx)
{
	struct transition tr = { .d = d, .saved_config = saved_config,
	    .work = work, .work_ctx = work_ctx };
	enum drive_state from = d->state;
	char bug[128];
	int rc, err;

	step_end(d);
	/* QEMU is done with: libxl may talk to it during the saving. */
	if (to == DRIVE_DONE || to == DRIVE_ERROR)
		step_qmp_close(d);
	if (to == DRIVE_DONE && saved_config == NULL &&
	    change_in_progress(d->state)) {
		saved_config_start(d, medium);
		return XS_TX_COMMIT;
	}
	if (!drive_transition_allowed(d->state, to)) {
		snprintf(bug, sizeof(bug), "internal error: %s -> %s is not "
		    "an allowed transition", drive_state_name(d->state),
		    drive_state_name(to));
		log_warnx("dom %d %s: BUG: %s", d->domid, d->vdev, bug);
		to = DRIVE_ERROR;
		medium = NULL;
		error = bug;
		tr.work = NULL;
	}
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
		d->replans = 0;
		text_set(&d->replan_key, NULL);
	}
	d->state = to;

	tr.state = drive_state_name(to);
	tr.medium = medium;
	tr.error = error != NULL ? error : "";
	tr.error_code = to == DRIVE_ERROR ? error_code_name(d->fail_code != 0 ?
	    (enum error_code)d->fail_code : ERRC_INTERNAL) : "";
	d->fail_code = 0;
	if (to == DRIVE_DONE || to == DRIVE_ERROR)
		tr.answered = goal_id(d->goal);
	transition_trim(d, &tr);
	if ((rc = store_tx(transition_write, &tr)) == -1) {
		err = errno;
		log_warn("dom %d %s: writing state %s", d->domid, d->vdev,
		    tr.state);
		drive_view_stale(d, VIEW_STATE | VIEW_MEDIUM);
		if (tr.work != NULL)
			d->state = from;
		errno = err;
	} else if (tr.gone)
		log_debug("dom %d %s: gone; %s not written", d->domid, d->vdev,
		    tr.state);
	else
		drive_view_wrote(d, &(struct view_written){ .state = to,
		    .errors_clear = to != DRIVE_ERROR, .medium = medium,
		    .answered_id = tr.answered,
		    .saved_config = tr.saved_config });
	/* A bug's error was written instead: work was not done. */
	return work != NULL && tr.work == NULL ? XS_TX_NOTHING : rc;
}

void
drive_transition(struct drive *d, enum drive_state to, const char *medium,
    const char *error)
{
	transition(d, to, medium, error, NULL, NULL, NULL);
}

int
drive_transition_with(struct drive *d, enum drive_state to,
    store_tx_fn *work, void *ctx)
{
	return transition(d, to, NULL, NULL, NULL, work, ctx);
}

void
drive_transition_saved(struct drive *d, const char *medium,
    const char *saved_config)
{
	transition(d, DRIVE_DONE, medium, NULL, saved_config, NULL, NULL);
}

/* --- the steps every drive takes ------------------------------------- */

/*
 * done or error: compare what is asked with what is there, check the
 * request, and start a change if one is needed.
 */
static void
step_plan(struct drive *d, const struct drive_view *v)
{
	const struct request *req = &v->req;
	char key[REQUEST_KEY_MAX + REQUEST_ID_MAX + 1];

	goal_key(key, sizeof(key), req);
	if (v->prog.state == DRIVE_ERROR && !d->retry && text_is(d->failed, key))
		return;
	d->retry = false;
	if (request_overtaken(req, &v->prog, &v->vbd)) {
		/* Not so on a fresh look: the kept view was behind. */
		if (!drive_follow(d))
			drive_continue(d);
		return;
	}
	text_set(&d->goal, key);
	if (request_satisfied(req, &v->prog, &v->vbd,
	    d->ops->vbd_always_present)) {
		if (!v->prog.has_state || v->prog.state != DRIVE_DONE)
			drive_transition(d, DRIVE_DONE, NULL, NULL);
		return;
	}
	if (req->invalid != NULL) {
		drive_fail_code(d, ERRC_INVALID, "%s", req->invalid);
		return;
	}
	switch (req->target[0] != '\0' ? image_ensure(d, req) : IMAGE_READY) {
	case IMAGE_READY:
		break;
	case IMAGE_WAIT:
		/* Planned again once it is open: this request is the one. */
		d->retry = true;
		return;
	case IMAGE_FAILED:
		return;
	}
	if (req->target[0] == '\0')
		log_info("dom %d %s: eject", d->domid, d->vdev);
	else
		log_info("dom %d %s: change to %s (%s)", d->domid, d->vdev,
		    req->target, format_name(req->format));
	drive_transition(d, DRIVE_EJECTING, NULL, NULL);
}

/* --- libxl's device lock ----------------------------------------------- */

static void
lock_taken(void *ctx, int err)
{
	struct drive *d = ctx;

	step_end(d);
	if (err != 0) {
		drive_fail_code(d, ERRC_BUSY, "cannot take libxl's device lock "
		    "in %s: %s", devlock_dir(), strerror(err));
		return;
	}
	d->locked = true;
	drive_continue(d);
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

/* --- running the steps --------------------------------------------------- */

/*
 * Runs the step of state: the one place that maps a state to its step.
 * reply is NULL when the step starts or a watch brings it back, else
 * QEMU's answer to d->cmd; only ejecting and changing talk to QEMU.
 */
static void
step_run(struct drive *d, enum drive_state state, const struct drive_view *v,
    const struct qmp_msg *reply)
{
	if (reply == NULL && state != DRIVE_DONE && state != DRIVE_ERROR &&
	    !d->locked) {
		drive_lock(d);
		return;
	}
	switch (state) {
	case DRIVE_DONE:
	case DRIVE_ERROR:
		if (reply == NULL) {
			step_plan(d, v);
			return;
		}
		break;
	case DRIVE_EJECTING:
		step_ejecting(d, v, reply);
		return;
	case DRIVE_DETACHING:
		if (reply == NULL) {
			d->ops->detaching(d, v);
			return;
		}
		break;
	case DRIVE_ATTACHING:
		if (reply == NULL) {
			d->ops->attaching(d, v);
			return;
		}
		break;
	case DRIVE_CHANGING:
		d->ops->changing(d, v, reply);
		return;
	}
	drive_fail(d, "QMP reply outside a QMP step");
}

/*
 * Reads the request afresh and hands QEMU's reply to the step in
 * progress.  A transport failure ends the step in error.
 */
void
drive_reply(struct drive *d, const struct qmp_msg *reply, const char *err)
{
	struct drive_view v;

	if (reply == NULL) {
		drive_fail(d, "QMP: %s", err);
		return;
	}
	if (!drive_view_read(d, &v)) {
		drive_fail(d, "cannot read the request from xenstore");
		return;
	}
	step_run(d, d->state, &v, reply);
}

void
drive_continue(struct drive *d)
{
	struct drive_view v;

	/* A QMP reply is due: the step goes on when it comes. */
	if (d->cmd != CMD_NONE)
		return;
	if (!drive_view_read(d, &v)) {
		drive_fail(d, "cannot read the request from xenstore");
		return;
	}
	step_run(d, v.prog.state, &v, NULL);
}

/* --- events ---------------------------------------------------------------- */

static int
eject_answer(xs_transaction_t t, void *ctx)
{
	const struct drive *d = ctx;

	if (!store_write_request(t, d->domid, d->vdev, "target", "") ||
	    !store_write_request(t, d->domid, d->vdev, "eject", ""))
		return -1;
	return XS_TX_COMMIT;
}

/* The guest asked for an eject: it becomes an ordinary request. */
static void
answer_eject(struct drive *d)
{
	log_info("dom %d %s: the guest asks for an eject", d->domid, d->vdev);
	if (store_tx(eject_answer, d) == -1)
		log_warn("dom %d %s: answering the eject", d->domid, d->vdev);
}

void
drive_update(struct drive *d, bool rewritten)
{
	char key[REQUEST_KEY_MAX + REQUEST_ID_MAX + 1];
	struct drive_view v;

	/* The step in progress ends by writing state, which calls us back. */
	if (d->busy)
		return;
	if (!drive_view_read(d, &v))
		return;
	/*
	 * A rewrite of the request seen while the drive is in error asks to
	 * try the failed one again; one made during a change is read by
	 * the change itself.
	 */
	if (v.prog.state == DRIVE_ERROR && rewritten)
		d->retry = true;
	if (v.req.eject) {
		answer_eject(d);
		return;
	}
	/* First look after a (re)start: an error found is a settled one, a
	 * step found is the change a stopped daemon was making. */
	if (v.prog.state == DRIVE_ERROR && d->failed == NULL && !d->retry) {
		goal_key(key, sizeof(key), &v.req);
		text_set(&d->failed, key);
	}
	if (v.prog.state != DRIVE_DONE && v.prog.state != DRIVE_ERROR &&
	    d->goal == NULL) {
		goal_key(key, sizeof(key), &v.req);
		text_set(&d->goal, key);
	}
	d->state = v.prog.state;
	step_run(d, v.prog.state, &v, NULL);
}
