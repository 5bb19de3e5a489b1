/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * A blocking QMP client, for the programs that may wait on QEMU: the
 * test host's programs, the simulators and the benchmarks (the daemon,
 * which must never block, has its own in watcher/qmp_client.c).
 * Replies are read through protocol/qmp.h, events are skipped, every
 * wait is bounded, and a failure is returned with its reason in
 * q->why: nothing here exits.
 */
#ifndef COMMON_QMP_SYNC_H
#define COMMON_QMP_SYNC_H

#include <stddef.h>

#include "qmp.h"

struct qmp_sync {
	int fd;			/* -1: not connected */
	int timeout_ms;		/* the bound of each wait */
	unsigned next_id;
	char why[640];		/* the last failure's reason */
	size_t len;
	char buf[QMP_LINE_MAX + 2];
};

/*
 * Connects to the QMP socket at path, takes QEMU's greeting and
 * negotiates capabilities, each wait bounded by timeout_ms.  0, or -1
 * with q->why (q is then closed).
 */
int qmp_sync_open(struct qmp_sync *q, const char *path, int timeout_ms);
/* Closes q (if open); it may be opened again. */
void qmp_sync_close(struct qmp_sync *q);

/* The id for the next command built for q. */
unsigned qmp_sync_id(struct qmp_sync *q);

/*
 * Sends line (len bytes, one command), with fd passed along unless -1.
 * 0, or -1 with q->why (q is then closed: a half-sent command leaves
 * the connection unusable).
 */
int qmp_sync_send(struct qmp_sync *q, const char *line, int len, int fd);

/*
 * Waits at most q->timeout_ms for the reply to command id, skipping
 * events and replies to other ids.  0 for a return, 1 for QEMU's error
 * (m holds either: free it with qmp_msg_free; q->why says the error as
 * "class: desc"), or -1 with q->why when the connection failed or the
 * reply was malformed or late (q is then closed).
 */
int qmp_sync_reply(struct qmp_sync *q, unsigned id, struct qmp_msg *m);

/* qmp_sync_send, then qmp_sync_reply: one command's round trip. */
int qmp_sync_call(struct qmp_sync *q, const char *line, int len,
    unsigned id, int fd, struct qmp_msg *m);

/*
 * Builds {"execute": cmd, "arguments": args, "id": N} (args, JSON text
 * of an object, or NULL for none) and calls it as qmp_sync_call does.
 */
int qmp_sync_execute(struct qmp_sync *q, const char *cmd, const char *args,
    int fd, struct qmp_msg *m);

/*
 * Takes what QEMU has sent meanwhile without waiting and drops it
 * (events, late replies): for a client that keeps its connection open
 * between commands.  0, or -1 with q->why when the connection is no
 * more or sent something malformed (q is then closed).
 */
int qmp_sync_drain(struct qmp_sync *q);

#endif
