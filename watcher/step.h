/*
 * What the step functions share: drive.c runs the state machine, and
 * the steps that differ by where QEMU runs live in dom0.c and
 * stubdom.c.  Only these three files include this header.
 */
#ifndef WATCHER_STEP_H
#define WATCHER_STEP_H

#include <stdbool.h>
#include <stddef.h>

#include "drive.h"
#include "qmp.h"

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
	bool has_params;
	enum image_format params_format;
	char params_path[TARGET_MAX + 1];
};

/* drive.c: the transition function and the steps' plumbing. */
void drive_transition(struct drive *d, enum drive_state to,
    const char *medium, const char *error);
void drive_fail(struct drive *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Reads the request again and runs the step of the drive's state. */
void drive_continue(struct drive *d);
/* Marks the drive busy and starts the step's step-timeout timer. */
void step_begin(struct drive *d);
/* The drive holds what is asked: in QEMU (medium) and in the vbd. */
bool request_satisfied(const struct drive *d, const struct request *rq);
/* Opens (once) the image rq names, under the path policy. */
bool image_ensure(struct drive *d, const struct request *rq, char *err,
    size_t errlen);
/* Sends a command on the step's QMP connection; replies come back to
 * the step function of the drive's state, with d->cmd = cmd. */
void drive_qmp(struct drive *d, enum drive_cmd cmd, const char *line,
    int len, unsigned id, int fd);
void drive_qmp_query(struct drive *d, enum drive_cmd cmd, const char *what);
/* Fails the step if reply is a QMP error; true if it was. */
bool qmp_refused(struct drive *d, const struct qmp_msg *reply,
    const char *what);
/*
 * Like qmp_refused, but a refusal because the guest has locked the tray
 * fails the step with words that say so.
 */
bool tray_refused(struct drive *d, const struct qmp_msg *reply,
    const char *what);
/*
 * Before blockdev-change-medium into an empty drive: must it force the
 * tray (closed and locked by the guest, and force-eject = yes)?
 */
bool tray_force(struct drive *d, const struct qmp_block *blk);
/*
 * Reads the drive's entry from a query-block reply; false, with the
 * step failed, if QEMU refused or has no such drive.
 */
bool drive_block(struct drive *d, const struct qmp_msg *reply,
    struct qmp_block *blk);
/*
 * The end of every change: the reply to blockdev-change-medium of
 * /dev/fdset/d->new_fdset, then query-block confirming it, then done.
 */
void step_change_medium_reply(struct drive *d, const struct request *rq,
    const struct qmp_msg *reply);

/* dom0.c: QEMU in dom0. */
void dom0_detaching(struct drive *d, const struct request *rq);
void dom0_attaching(struct drive *d, const struct request *rq);
void dom0_changing(struct drive *d, const struct request *rq,
    const struct qmp_msg *reply);
/* Empties the vbd's params, as a failed xl cd-insert leaves them. */
bool dom0_params_clear(struct drive *d);

/* stubdom.c: QEMU in a stub domain. */
void stub_detaching(struct drive *d, const struct request *rq);
void stub_attaching(struct drive *d, const struct request *rq);
void stub_changing(struct drive *d, const struct request *rq,
    const struct qmp_msg *reply);
/* Is this fdset the one the stub domain made for the drive? */
bool stub_fdset_matches(const struct drive *d, int fdset_id,
    const char *opaque);
/* The medium a stub vbd's params name: "" for libxl's empty CD file. */
const char *stub_params_medium(const struct drive *d, const char *params);
/* Watches on, or off, the stub domain's vbd for the drive. */
void stub_watch(const struct drive *d, bool on);
/* Cancels a stub step's script and timers. */
void stub_step_end(struct drive *d);

#endif
