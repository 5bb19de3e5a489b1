/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * The image a drive's change serves: opened once per request, under the
 * path policy, in a child bounded by step-timeout (opener.c), so that a
 * hung file system holds up this drive only.
 */
#include <stdio.h>
#include <unistd.h>

#include "cdromd.h"
#include "opener.h"
#include "step.h"

void
image_close(struct drive *d)
{
	if (d->image_fd != -1)
		close(d->image_fd);
	d->image_fd = -1;
	text_set(&d->image_target, NULL);
}

static void
image_opened(void *ctx, int fd, enum error_code code, const char *err)
{
	struct drive *d = ctx;

	d->opener = NULL;
	step_end(d);
	if (fd == -1) {
		text_set(&d->image_target, NULL);
		drive_fail_code(d, code, "%s", err);
		return;
	}
	d->image_fd = fd;
	drive_continue(d);
}

/*
 * Opens the image a request names, unless it is open already.  The
 * policy is checked here and only here, at every open, and the open
 * runs in a child bounded by step-timeout: a hung file system holds up
 * this drive only.
 */
enum image_wait
image_ensure(struct drive *d, const struct request *req)
{
	enum error_code code;
	char err[1024];

	if (d->image_fd != -1 && text_is(d->image_target, req->target) &&
	    d->image_format == (int)req->format)
		return IMAGE_READY;
	image_close(d);
	if (!d->busy)
		step_begin(d);
	text_set(&d->image_target, req->target);
	d->image_format = (int)req->format;
	/* The child's own deadline only backs up the step's. */
	d->opener = opener_start(&opts.cfg, req->target, req->format,
	    opts.cfg.step_timeout + 5, image_opened, d, &code, err,
	    sizeof(err));
	if (d->opener == NULL) {
		text_set(&d->image_target, NULL);
		drive_fail_code(d, code, "%s", err);
		return IMAGE_FAILED;
	}
	return IMAGE_WAIT;
}
