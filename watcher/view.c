/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * A drive's view of its nodes: the request tools wrote, the progress
 * the daemon wrote and the vbd's params, kept in memory and read again
 * only where a watch event says a node may have changed.
 *
 * Level-triggered still: an event on a node marks it stale, and the
 * next look at the drive reads it before anything is decided; an event
 * that names no node (the directory, a path we cannot parse) marks them
 * all, and so does adoption, so a restarted daemon reads everything.
 * What the daemon writes itself it records as it writes it: state and
 * medium are the daemon's alone (the contract), so their events, which
 * still start the next step, cost no read.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cdromd.h"
#include "log.h"
#include "step.h"
#include "store.h"

/* The nodes a view keeps, each a bit of drive_view_stale()'s mask. */
struct view_cache {
	unsigned stale;
	/* The commit that adopted the drive (store.h's stamps); 0: none. */
	/* The commit that last wrote the vbd's params, the daemon's own. */
	unsigned long params_seq;
	/* The params are as that commit wrote them (libxl's record too). */
	bool params_own;
	bool has_target;
	bool target_too_long;
	bool format_bad;
	bool eject;
	bool has_state;
	bool vbd_present;
	enum image_format format, vbd_format;
	enum drive_state state;
	bool request_id_bad;
	/*
	 * error and error-code hold "", as our last transition wrote them;
	 * saved-config holds saved_config (NULL: unknown).  The contract
	 * makes them the daemon's alone, so only a fresh start (or a
	 * failed write) forgets them, and a state that has not changed is
	 * not written again.
	 */
	bool errors_clear;
	bool answered_present;	/* answered-id is there, not just "" here */
	/*
	 * Made by adoption and not looked at since: of its nodes only the
	 * request is a tool's to write; state and medium are the daemon's,
	 * and the vbd's params are watched (libxl's record, the stub's vbd)
	 * from before adoption read them.
	 */
	bool fresh;
	/* Allocated as long as their values: a host has thousands. */
	char *target, *medium, *vbd_path, *request_id, *answered_id;
	char *saved_config;
};

/* Sets *slot to a copy of value; false without memory. */
static bool
cache_set(char **slot, const char *value)
{
	char *copy;

	if (*slot != NULL && strcmp(*slot, value) == 0)
		return true;
	if ((copy = strdup(value)) == NULL)
		return false;
	free(*slot);
	*slot = copy;
	return true;
}

bool
drive_view_init(struct drive *d)
{
	if ((d->view = calloc(1, sizeof(*d->view))) == NULL)
		return false;
	d->view->stale = VIEW_ALL;
	return true;
}

void
drive_view_free(struct drive *d)
{
	if (d->view == NULL)
		return;
	free(d->view->target);
	free(d->view->medium);
	free(d->view->vbd_path);
	free(d->view->request_id);
	free(d->view->answered_id);
	free(d->view->saved_config);
	free(d->view);
	d->view = NULL;
}

bool
drive_view_created(struct drive *d, const struct vbd_params *vbd)
{
	struct view_cache *c = d->view;

	if (!cache_set(&c->target, vbd->path) ||
	    !cache_set(&c->medium, vbd->path) ||
	    !cache_set(&c->vbd_path, vbd->path))
		return false;
	c->has_target = true;
	c->target_too_long = c->format_bad = c->eject = false;
	c->format = vbd->format;
	c->has_state = true;
	c->state = DRIVE_DONE;
	c->vbd_present = vbd->present;
	c->vbd_format = vbd->format;
	c->stale = 0;
	c->fresh = true;
	return true;
}

unsigned
drive_view_sweep_nodes(const struct drive *d)
{
	return d->view->fresh ? (unsigned)VIEW_REQUEST : (unsigned)VIEW_ALL;
}

void
drive_view_params_wrote(struct drive *d, const char *params,
    unsigned long seq)
{
	struct view_cache *c = d->view;
	struct vbd_params vbd = { .present = true };

	if (!d->ops->params_parse(d, params, &vbd) ||
	    !cache_set(&c->vbd_path, vbd.path)) {
		c->stale |= VIEW_PARAMS;
		return;
	}
	c->vbd_present = true;
	c->vbd_format = vbd.format;
	c->params_seq = seq;
	c->params_own = true;
	c->stale &= ~(unsigned)VIEW_PARAMS;
}

bool
drive_view_vbd_emptied(const struct drive *d)
{
	const struct view_cache *c = d->view;

	return !(c->stale & VIEW_PARAMS) && c->params_own && c->vbd_present &&
	    c->vbd_path != NULL && c->vbd_path[0] == '\0';
}

/*
 * The daemon's transaction wrote the params last: an event sent before
 * it committed is its own write's echo, or older than it.
 */
bool
drive_params_event_is_echo(const struct drive *d)
{
	return store_event_seq() <= d->view->params_seq;
}

void
drive_view_stale(struct drive *d, unsigned nodes)
{
	d->view->stale |= nodes;
	/* Unknown state: what else the daemon wrote is unknown too. */
	if (nodes & VIEW_STATE) {
		d->view->errors_clear = false;
		free(d->view->saved_config);
		d->view->saved_config = NULL;
	}
}

bool
drive_view_errors_clear(const struct drive *d)
{
	return d->view->errors_clear && !(d->view->stale & VIEW_STATE);
}

bool
drive_view_answered_is(const struct drive *d, const char *answered_id)
{
	const struct view_cache *c = d->view;

	return !(c->stale & VIEW_MEDIUM) && c->answered_present &&
	    c->answered_id != NULL && strcmp(c->answered_id, answered_id) == 0;
}

bool
drive_view_medium_is(const struct drive *d, const char *medium)
{
	const struct view_cache *c = d->view;

	return !(c->stale & VIEW_MEDIUM) && c->medium != NULL &&
	    strcmp(c->medium, medium) == 0;
}

bool
drive_view_saved_is(const struct drive *d, const char *saved_config)
{
	const struct view_cache *c = d->view;

	return !(c->stale & VIEW_STATE) && c->saved_config != NULL &&
	    strcmp(c->saved_config, saved_config) == 0;
}

/*
 * A tool writes target and format together, in one transaction, but
 * their two events may reach us one at a time: an event on any node of
 * the request makes the whole request stale, so it is never half read.
 */
unsigned
view_node_of_leaf(const char *leaf)
{
	if (leaf == NULL)
		return VIEW_ALL;
	if (strcmp(leaf, "target") == 0 || strcmp(leaf, "format") == 0 ||
	    strcmp(leaf, "eject") == 0 || strcmp(leaf, "request-id") == 0)
		return VIEW_REQUEST;
	/*
	 * state, medium, error, error-code, answered-id: the daemon's own
	 * writes; others: no node of ours.
	 */
	return 0;
}

void
drive_view_wrote(struct drive *d, const struct view_written *w)
{
	struct view_cache *c = d->view;

	c->has_state = true;
	c->state = w->state;
	c->errors_clear = w->errors_clear;
	if (w->answered_id != NULL)
		c->answered_present = true;
	if ((w->medium != NULL && !cache_set(&c->medium, w->medium)) ||
	    (w->answered_id != NULL &&
	    !cache_set(&c->answered_id, w->answered_id)) ||
	    (w->saved_config != NULL &&
	    !cache_set(&c->saved_config, w->saved_config)))
		drive_view_stale(d, VIEW_STATE | VIEW_MEDIUM);
}

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

/* The vbd's params as the kind reads them; false if unreadable. */
bool
vbd_params_read(const struct drive *d, struct vbd_params *vbd)
{
	char path[XS_PATH_MAX], buf[REQUEST_VALUE_MAX + 1];

	vbd->present = false;
	vbd->format = FORMAT_RAW;
	vbd->path[0] = '\0';
	if (path_child(path, d->backend, "params") == -1)
		return false;
	if (!store_read(XBT_NULL, path, buf, sizeof(buf))) {
		/* A stub domain's vbd is gone between detaching and attaching. */
		if (d->ops->vbd_always_present && errno == ENOENT)
			return true;
		/*
		 * Gone: libxl removes a dying domain's vbds before the domain
		 * (xl destroy, and the end of xl save or migrate); the
		 * release that follows forgets the drive.
		 */
		if (errno == ENOENT)
			log_debug("dom %d %s: no %s", d->domid, d->vdev, path);
		else
			log_warnx("dom %d %s: cannot read %s", d->domid,
			    d->vdev, path);
		return false;
	}
	if (!d->ops->params_parse(d, buf, vbd)) {
		log_warnx("dom %d %s: unknown params in %s", d->domid, d->vdev,
		    path);
		return false;
	}
	vbd->present = true;
	return true;
}

/*
 * Reads the stale nodes into the cache; v lends its buffers.  false:
 * the drive has no nodes to look at (a guest being torn down), or its
 * vbd cannot be read; what could not be read stays stale.
 */
static bool
cache_refresh(struct drive *d, struct drive_view *v)
{
	struct view_cache *c = d->view;
	char path[XS_PATH_MAX], buf[REQUEST_VALUE_MAX + 1];
	int rc;

	/* No request directory: the guest is being torn down. */
	if (c->stale == VIEW_ALL && (path_request(path, d->domid,
	    d->vdev) == -1 || !store_exists(XBT_NULL, path)))
		return false;
	if (c->stale & VIEW_REQUEST) {
		rc = read_leaf(d, "target", v->req.target,
		    sizeof(v->req.target));
		c->has_target = rc != 0;
		c->target_too_long = rc == -1;
		if (!cache_set(&c->target, v->req.target))
			return false;
		c->format_bad = read_leaf(d, "format", buf, sizeof(buf)) == -1 ||
		    format_parse(buf, &c->format) == -1;
		/*
		 * Only while the policy lets the guest write it: a "1" left
		 * from before the policy changed (and the daemon restarted)
		 * is not a request.
		 */
		c->eject = opts.cfg.guest_eject &&
		    read_leaf(d, "eject", buf, sizeof(buf)) == 1 &&
		    eject_requested(buf);
		c->request_id_bad = read_leaf(d, "request-id", v->req.request_id,
		    sizeof(v->req.request_id)) == -1 ||
		    !request_id_valid(v->req.request_id);
		if (!cache_set(&c->request_id, c->request_id_bad ? "" :
		    v->req.request_id))
			return false;
	}
	if (c->stale & VIEW_STATE)
		c->has_state = read_leaf(d, "state", buf, 32) == 1 &&
		    drive_state_parse(buf, &c->state) == 0;
	if (c->stale & VIEW_MEDIUM) {
		rc = read_leaf(d, "medium", v->prog.medium,
		    sizeof(v->prog.medium));
		c->answered_present = read_leaf(d, "answered-id",
		    v->prog.answered_id, sizeof(v->prog.answered_id)) == 1;
		if (!c->answered_present)
			v->prog.answered_id[0] = '\0';
		if (!cache_set(&c->medium, v->prog.medium) ||
		    !cache_set(&c->answered_id, v->prog.answered_id))
			return false;
		/* Not there: the next transition writes it, whatever it says. */
		if (rc != 1) {
			free(c->medium);
			c->medium = NULL;
		}
	}
	if (c->stale & VIEW_PARAMS) {
		if (!vbd_params_read(d, &v->vbd) ||
		    !cache_set(&c->vbd_path, v->vbd.path))
			return false;
		c->vbd_present = v->vbd.present;
		c->vbd_format = v->vbd.format;
		c->params_own = false;
	}
	c->stale = 0;
	return true;
}

static void
text_copy(char *buf, size_t len, const char *s)
{
	snprintf(buf, len, "%s", s != NULL ? s : "");
}

bool
drive_view_read(struct drive *d, struct drive_view *v)
{
	const struct view_cache *c = d->view;
	struct request *req = &v->req;
	const char *why;

	if (c->stale != 0 && !cache_refresh(d, v))
		return false;
	d->view->fresh = false;
	text_copy(req->target, sizeof(req->target), c->target);
	req->has_target = c->has_target;
	req->format = c->format_bad ? FORMAT_RAW : c->format;
	req->eject = c->eject;
	req->invalid = NULL;
	if (c->target_too_long)
		req->invalid = "target is longer than 4095 bytes";
	else if (target_check(req->target, &why) == -1)
		req->invalid = why;
	if (req->invalid == NULL && c->format_bad)
		req->invalid = "format is not one of raw, qcow2, vhd, qed";
	text_copy(req->request_id, sizeof(req->request_id), c->request_id);
	if (req->invalid == NULL && c->request_id_bad)
		req->invalid = "request-id is not printable ASCII without blanks "
		    "of at most 128 bytes";
	/*
	 * A stub domain's QEMU reads the medium through its PV disk, which
	 * a loop device in dom0 backs: the image's bytes, so raw only.
	 */
	if (req->invalid == NULL && d->ops->raw_only &&
	    req->target[0] != '\0' && req->format != FORMAT_RAW)
		req->invalid = "a drive whose QEMU runs in a stub domain takes "
		    "raw images only";
	v->prog.has_state = c->has_state;
	v->prog.state = c->has_state ? c->state : DRIVE_DONE;
	text_copy(v->prog.medium, sizeof(v->prog.medium), c->medium);
	text_copy(v->prog.answered_id, sizeof(v->prog.answered_id),
	    c->answered_id);
	v->vbd.present = c->vbd_present;
	v->vbd.format = c->vbd_format;
	text_copy(v->vbd.path, sizeof(v->vbd.path), c->vbd_path);
	return true;
}
