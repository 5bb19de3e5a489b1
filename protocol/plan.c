/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * The pure decisions of a change: is the request already met, does the
 * vbd still name it, and the key that tells requests apart.
 */
#include <stdio.h>
#include <string.h>

#include "plan.h"

bool
request_satisfied(const struct request *req, const struct progress *prog,
    const struct vbd_params *vbd, bool vbd_always_present)
{
	if (req->request_id[0] != '\0' &&
	    strcmp(req->request_id, prog->answered_id) != 0)
		return false;
	if (!req->has_target)
		return true;
	if (strcmp(prog->medium, req->target) != 0 ||
	    strcmp(vbd->path, req->target) != 0)
		return false;
	if (vbd_always_present && !vbd->present)
		return false;
	return req->target[0] == '\0' || vbd->format == req->format;
}

bool
request_id_valid(const char *id)
{
	size_t n = strlen(id);

	return n <= REQUEST_ID_MAX && strspn(id, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!\"#$%&'()*+,-./:;<=>?@[\\]^_`"
	    "{|}~") == n;
}

bool
request_overtaken(const struct request *req, const struct progress *prog,
    const struct vbd_params *vbd)
{
	return req->has_target && prog->has_state &&
	    prog->state == DRIVE_DONE && vbd->present &&
	    strcmp(prog->medium, req->target) == 0 &&
	    strcmp(vbd->path, req->target) != 0;
}

bool
request_attached(const struct request *req, const struct vbd_params *vbd)
{
	return req->invalid == NULL && req->target[0] != '\0' &&
	    vbd->present && strcmp(vbd->path, req->target) == 0 &&
	    vbd->format == req->format;
}

int
request_key(char *buf, size_t len, const struct request *req)
{
	return medium_key(buf, len, req->format, req->target);
}

int
medium_key(char *buf, size_t len, enum image_format format,
    const char *target)
{
	return snprintf(buf, len, "%s:%s", format_name(format), target);
}
