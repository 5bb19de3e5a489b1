/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * The end of a change: before the drive is `done`, libxl's saved
 * configuration of the domain is made to name the new medium
 * (userdata.c), so that a tool that sees `done` and runs `xl save`,
 * `xl migrate` or reboots the guest finds it there.  The change still
 * ends `done` when the file is left alone; `saved-config` says which.
 *
 * The wait for libxl's domain-userdata lock is bounded by the step
 * timeout: a holder that never lets go costs the file its update, not
 * the change its `done`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cdromd.h"
#include "domain.h"
#include "log.h"
#include "loop.h"
#include "step.h"
#include "userdata.h"

struct saved_config {
	struct drive *d;
	struct userdata_job *job;
	struct loop_timer *timer;
	char *medium;		/* for the transition; NULL: leave it */
	char *request;		/* the target the file is given */
	unsigned long long started_us;	/* for the benchmark's P1 share */
};

static void
saved_end(struct saved_config *s, const char *node)
{
	struct drive *d = s->d;
	char *medium = s->medium;

	s->medium = NULL;
	log_debug("dom %d %s: saved configuration %s in %llu us", d->domid,
	    d->vdev, node, loop_now_us() - s->started_us);
	saved_config_cancel(d);
	drive_transition_saved(d, medium, node);
	free(medium);
}

static void
saved_done(void *ctx, bool updated, const char *why)
{
	struct saved_config *s = ctx;
	char node[256];

	s->job = NULL;
	if (updated)
		snprintf(node, sizeof(node), "updated");
	else
		snprintf(node, sizeof(node), "not updated: %s", why);
	saved_end(s, node);
}

static void
saved_timeout(void *ctx)
{
	struct saved_config *s = ctx;

	s->timer = NULL;
	log_warnx("dom %d %s: libxl's saved configuration left alone: timed "
	    "out after %u s waiting for libxl's domain-userdata lock",
	    s->d->domid, s->d->vdev, opts.cfg.step_timeout);
	saved_end(s, "not updated: timed out waiting for libxl's "
	    "domain-userdata lock");
}

/*
 * The medium the drive now holds: medium when given ("" for none),
 * else the request the change served; its format the request's.  The
 * request is read again (a request rewritten during the change is the
 * one served), *path then pointing into s->request.
 */
static bool
holds(struct saved_config *s, const char *medium, struct libxl_medium *m)
{
	struct drive *d = s->d;
	struct drive_view v;

	m->vdev = d->vdev;
	m->format = FORMAT_RAW;
	if (!drive_view_read(d, &v) || !v.req.has_target ||
	    (medium != NULL && strcmp(medium, v.req.target) != 0 &&
	    medium[0] != '\0'))
		return false;
	if ((s->request = strdup(medium != NULL ? medium : v.req.target)) ==
	    NULL)
		return false;
	m->path = s->request;
	m->format = v.req.format;
	return true;
}

void
saved_config_start(struct drive *d, const char *medium)
{
	struct saved_config *s;
	struct libxl_medium m;
	char uuid[64];

	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (medium != NULL && (s->medium = strdup(medium)) == NULL)) {
		free(s);
		log_warnx("dom %d %s: libxl's saved configuration left alone: "
		    "out of memory", d->domid, d->vdev);
		drive_transition_saved(d, medium, "not updated: out of memory");
		return;
	}
	s->d = d;
	s->started_us = loop_now_us();
	d->saving = s;
	/* Events read meanwhile wait for the transition, as for a step. */
	d->busy = true;
	if (!holds(s, s->medium, &m)) {
		log_warnx("dom %d %s: libxl's saved configuration left alone: "
		    "the request served is unknown", d->domid, d->vdev);
		saved_end(s, "not updated: the request served is unknown");
		return;
	}
	if (!domain_uuid(d->domid, uuid, sizeof(uuid))) {
		log_warnx("dom %d %s: libxl's saved configuration left alone: "
		    "no uuid in /local/domain/%d/vm", d->domid, d->vdev,
		    d->domid);
		saved_end(s, "not updated: the domain has no uuid");
		return;
	}
	s->timer = loop_timer_add(opts.cfg.step_timeout * 1000u,
	    saved_timeout, s);
	if ((s->job = userdata_update(d->domid, uuid, &m, saved_done, s)) ==
	    NULL)
		saved_end(s, "not updated: out of memory");
}

void
saved_config_cancel(struct drive *d)
{
	struct saved_config *s = d->saving;

	if (s == NULL)
		return;
	d->saving = NULL;
	d->busy = false;
	userdata_cancel(s->job);
	loop_timer_del(s->timer);
	free(s->medium);
	free(s->request);
	free(s);
}
