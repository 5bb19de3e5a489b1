/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * A non-blocking QMP client for one operation at a time: connect, read
 * the greeting, negotiate capabilities, then send commands one by one
 * and hand back each reply.  QEMU serves one client per socket, so a
 * connection lives only as long as the change that needs it, as
 * libxl's does, and only under libxl's qmp-socket-lock (step_qmp.c).
 */
#ifndef WATCHER_QMP_CLIENT_H
#define WATCHER_QMP_CLIENT_H

#include <stdbool.h>

#include "qmp.h"

struct qmp_conn;

/*
 * Called once per command with its reply (a return or an error), or
 * with reply NULL and err set when the connection failed; after a
 * failure the connection is dead and only qmp_close() is left to do.
 */
typedef void qmp_reply_fn(void *ctx, const struct qmp_msg *reply,
    const char *err);

/* Starts connecting to the QMP socket at path.  NULL on failure. */
struct qmp_conn *qmp_open(const char *path, qmp_reply_fn *fn, void *ctx);

/*
 * Sends one command built by the qmp_cmd_*() functions of protocol/qmp.h
 * (with id), passing fd along with it in SCM_RIGHTS unless fd is -1.
 * The command waits until capabilities are negotiated.  One command may
 * be outstanding at a time.  Returns -1 if the connection is dead.
 */
int qmp_send(struct qmp_conn *c, const char *line, int len, unsigned id,
    int fd);

/*
 * Is a command sent, or waiting to be, whose reply has not come?  Also
 * true inside the callback that reports the connection's failure while
 * one was.
 */
bool qmp_in_flight(const struct qmp_conn *c);

/* Closes and frees; safe from inside the reply callback. */
void qmp_close(struct qmp_conn *c);

/* Ids for qmp_cmd_*(): unique within the daemon's life. */
unsigned qmp_next_id(void);

#endif
