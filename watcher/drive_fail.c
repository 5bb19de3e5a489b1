/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * How a step fails: the error a drive ends in, with the step that
 * failed and an error-code, and the bound on re-planning, which turns a
 * request that can never converge into an error instead of a spin.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "errcode.h"
#include "log.h"
#include "step.h"
#include "xs.h"

/* What a failure is, when its caller did not say: where it happened. */
static enum error_code
default_code(const struct drive *d)
{
	switch (d->state) {
	case DRIVE_EJECTING:
	case DRIVE_CHANGING:
		return ERRC_QEMU;
	case DRIVE_DETACHING:
	case DRIVE_ATTACHING:
		return d->ops->vbd_error;
	case DRIVE_DONE:
	case DRIVE_ERROR:
		break;
	}
	return ERRC_INVALID;
}

static void __attribute__((format(printf, 3, 0)))
drive_vfail(struct drive *d, enum error_code code, const char *fmt,
    va_list ap)
{
	char msg[1024], error[1040];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* A step's error names the step; a refused request needs no prefix. */
	if (d->state == DRIVE_DONE || d->state == DRIVE_ERROR)
		snprintf(error, sizeof(error), "%s", msg);
	else
		snprintf(error, sizeof(error), "%s: %s",
		    drive_state_name(d->state), msg);
	/*
	 * A failed change leaves QEMU's drive empty; the kind makes the vbd
	 * say so, as xl cd-insert leaves it when its insert fails.
	 */
	if (d->state == DRIVE_CHANGING && d->ops->change_failed != NULL &&
	    !d->ops->change_failed(d))
		log_warn("dom %d %s: clearing params", d->domid, d->vdev);
	text_set(&d->failed, d->goal);
	d->fail_code = (int)code;
	drive_transition(d, DRIVE_ERROR, d->state == DRIVE_CHANGING ? "" : NULL,
	    error);
}

void
drive_fail(struct drive *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	drive_vfail(d, default_code(d), fmt, ap);
	va_end(ap);
}

void
drive_fail_store(struct drive *d, const char *what)
{
	if (errno == EAGAIN)
		drive_fail_code(d, ERRC_XENSTORE, "%s: xenstored aborted the "
		    "transaction %d times in a row (a node in it keeps "
		    "changing); giving up", what, XS_TX_TRIES);
	else
		drive_fail_code(d, ERRC_XENSTORE, "%s: %s", what,
		    strerror(errno));
}

void
drive_fail_code(struct drive *d, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	drive_vfail(d, (enum error_code)code, fmt, ap);
	va_end(ap);
}

void
drive_replan(struct drive *d, const struct request *req, enum drive_state to,
    const char *fmt, ...)
{
	char key[REQUEST_KEY_MAX + REQUEST_ID_MAX + 1], why[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	goal_key(key, sizeof(key), req);
	if (!text_is(d->replan_key, key)) {
		text_set(&d->replan_key, key);
		d->replans = 0;
	}
	if (++d->replans > DRIVE_REPLANS_MAX) {
		drive_fail_code(d, ERRC_DIVERGED, "cannot converge: re-planned %d "
		    "times for the same request, and still %s",
		    DRIVE_REPLANS_MAX, why);
		return;
	}
	log_info("dom %d %s: %s; re-planning", d->domid, d->vdev, why);
	drive_transition(d, to, NULL, NULL);
}
