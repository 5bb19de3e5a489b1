/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * A drive's events: what each says may have changed in its view, and
 * one look (drive_update) for a burst of them, taken once the events
 * read so far are handled, so a flood costs one step's work.
 */
#include <string.h>

#include "loop.h"
#include "step.h"

static void
drive_update_due(void *ctx)
{
	struct drive *d = ctx;
	bool rewritten = d->rewritten;

	d->update = NULL;
	d->rewritten = false;
	drive_update(d, rewritten);
}

/* One drive_update() for a burst of events, once they are all read. */
static void
drive_update_soon(struct drive *d)
{
	if (d->update == NULL &&
	    (d->update = loop_timer_add(0, drive_update_due, d)) == NULL)
		drive_update_due(d);
}

/* Only a step waiting on the vbd itself wants to look. */
static bool
waits_on_vbd(const struct drive *d)
{
	return d->busy && d->cmd == CMD_NONE && d->ops->waits_on_vbd != NULL &&
	    d->ops->waits_on_vbd(d);
}

static void
drive_vbd_due(void *ctx)
{
	struct drive *d = ctx;

	d->vbd_update = NULL;
	if (waits_on_vbd(d))
		drive_continue(d);
}

/*
 * The stub domain writes its own frontend as often as it likes: a burst
 * of its events is one look, taken once the events read so far are
 * handled, so that it costs the others no more than one step's work.
 */
void
drive_request_event(struct drive *d, const char *leaf)
{
	if (leaf != NULL &&
	    (strcmp(leaf, "target") == 0 || strcmp(leaf, "format") == 0))
		d->rewritten = true;
	drive_view_stale(d, view_node_of_leaf(leaf));
	drive_update_soon(d);
}

void
drive_params_event(struct drive *d)
{
	if (drive_params_event_is_echo(d))
		return;
	drive_view_stale(d, VIEW_PARAMS);
	drive_update_soon(d);
}

void
drive_recheck(struct drive *d)
{
	drive_view_stale(d, drive_view_sweep_nodes(d));
	drive_update(d, false);
}

void
drive_vbd_event(struct drive *d)
{
	drive_view_stale(d, VIEW_PARAMS);
	if (!waits_on_vbd(d) || d->vbd_update != NULL)
		return;
	if ((d->vbd_update = loop_timer_add(0, drive_vbd_due, d)) == NULL)
		drive_vbd_due(d);
}
