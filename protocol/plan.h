/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * The pure decisions of a change: what one look at xenstore found
 * (the request, the daemon's progress, the vbd's params), whether the
 * drive already holds what is asked, and whether the vbd still names
 * it.  No I/O: the daemon reads the nodes, these functions decide.
 */
#ifndef PROTOCOL_PLAN_H
#define PROTOCOL_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "request.h"
#include "state.h"

/* The longest request-id (protocol 1.1) a tool may write. */
#define REQUEST_ID_MAX 128

/* What tools (or the guest, for an eject) ask: target, format, eject. */
struct request {
	bool has_target;		/* no target node: nothing asked */
	char target[TARGET_MAX + 1];
	enum image_format format;
	bool eject;			/* the guest asks for an eject */
	char request_id[REQUEST_ID_MAX + 1];	/* "" when none */
	const char *invalid;		/* why it cannot be served; NULL */
};

/* Where the drive stands, as the daemon last wrote it: state, medium. */
struct progress {
	bool has_state;
	enum drive_state state;
	char medium[TARGET_MAX + 1];
	char answered_id[REQUEST_ID_MAX + 1];	/* the last answered */
};

/* The vbd's params: what the toolstack records as inserted. */
struct vbd_params {
	bool present;
	enum image_format format;
	char path[TARGET_MAX + 1];
};

/*
 * The drive holds what is asked, in QEMU (the confirmed medium) and in
 * the vbd.  vbd_always_present: the drive keeps a vbd even when empty
 * (a stub domain's), so a missing one is a change cut short.
 */
/*
 * A request-id is printable ASCII without blanks, at most
 * REQUEST_ID_MAX bytes (checked by the caller's bounded read).
 */
bool request_id_valid(const char *id);

/*
 * The drive holds what is asked, in QEMU (the confirmed medium) and in
 * the vbd, and the request's request-id (if any) has been answered: a
 * new request-id with the same target asks for the change again.
 */
bool request_satisfied(const struct request *req, const struct progress *prog,
    const struct vbd_params *vbd, bool vbd_always_present);

/*
 * Another tool (xl cd-insert, xl cd-eject) changed a settled drive: the
 * daemon had put the request's target in (state done, medium = target)
 * and the vbd now names something else.  The daemon then follows: the
 * drive's medium becomes the request.  A request rewritten since (target
 * other than medium) is a newer wish and is served instead; a missing
 * vbd is a change cut short, not another tool's.  Only the path counts:
 * medium records no format, so a vbd in another format than the request
 * may be a format rewritten by a tool (served), and xl cd-insert always
 * changes the path.
 */
bool request_overtaken(const struct request *req, const struct progress *prog,
    const struct vbd_params *vbd);

/*
 * The vbd names the medium the request asks for, so a change may go on
 * to hand it to QEMU; false: the request changed under the change (or
 * cannot be served), which must be planned again.
 */
bool request_attached(const struct request *req, const struct vbd_params *vbd);

/*
 * "FORMAT:TARGET": tells one request from another, and is the opaque
 * that libxl (and so the daemon) gives the fdset of a dom0 medium.
 * Returns what snprintf returns.
 */
int request_key(char *buf, size_t len, const struct request *req);
/* The same key of a medium given by its parts. */
int medium_key(char *buf, size_t len, enum image_format format,
    const char *target);
/* Room for any request_key(). */
#define REQUEST_KEY_MAX (TARGET_MAX + 16)

#endif
