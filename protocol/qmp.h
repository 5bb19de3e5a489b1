/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * QMP, the QEMU Machine Protocol, as xen-cdromd speaks it: building the
 * commands it sends and reading the replies it gets back.  No I/O: the
 * watcher's QMP client moves the bytes.  Everything read here comes
 * from QEMU, which may run in a stub domain and may be compromised:
 * every reply is bounded and checked.
 */
#ifndef PROTOCOL_QMP_H
#define PROTOCOL_QMP_H

#include <stdbool.h>
#include <stddef.h>

#include "json.h"

/* One QMP message (a line) longer than this is a protocol error. */
#define QMP_LINE_MAX (64 * 1024)
/* Room for any command we build. */
#define QMP_CMD_MAX 8192

/*
 * Command builders.  Each writes one line, "\r\n" ended, with "id" set
 * to id, into buf of cap bytes; returns its length or -1 if it does not
 * fit.  The QEMU device is always "ide-DEVID", as libxl names it.
 */
int qmp_cmd_capabilities(char *buf, size_t cap, unsigned id);
/* query-block, query-fdsets, query-status ... (no arguments) */
int qmp_cmd_query(char *buf, size_t cap, unsigned id, const char *cmd);
int qmp_cmd_eject(char *buf, size_t cap, unsigned id, int devid,
    bool force);
/* add-fd; the fd itself travels beside the line, in SCM_RIGHTS. */
int qmp_cmd_add_fd(char *buf, size_t cap, unsigned id, const char *opaque);
int qmp_cmd_remove_fd(char *buf, size_t cap, unsigned id, int fdset_id);
/*
 * blockdev-change-medium of /dev/fdset/N with QEMU driver name driver.
 * force (QEMU 7.1 and later only) opens a tray the guest has locked;
 * without it the argument is left out, as older QEMUs refuse it.
 */
int qmp_cmd_change_medium(char *buf, size_t cap, unsigned id, int devid,
    int fdset_id, const char *driver, bool force);

enum qmp_msg_kind {
	QMP_MSG_GREETING,	/* {"QMP": {...}} */
	QMP_MSG_RETURN,		/* {"return": ..., "id": N} */
	QMP_MSG_ERROR,		/* {"error": {"class":..,"desc":..}, "id": N} */
	QMP_MSG_EVENT,		/* {"event": "..."} */
};

struct qmp_msg {
	enum qmp_msg_kind kind;
	bool has_id;
	long long id;		/* only if has_id; an id of another type: !has_id */
	char error_class[64];	/* QMP_MSG_ERROR only */
	char error_desc[512];	/* QMP_MSG_ERROR only; truncated if longer */
	struct json *doc;	/* owned; free with qmp_msg_free() */
	struct json_val ret;	/* QMP_MSG_RETURN: the "return" value */
};

/*
 * Parses one line (without its line end).  Returns 0, or -1 with *why
 * set for anything that is not one of the four kinds above.
 */
int qmp_msg_parse(const char *line, size_t len, struct qmp_msg *m,
    const char **why);
void qmp_msg_free(struct qmp_msg *m);

/*
 * Is m QEMU's refusal to open the tray of "ide-DEVID" because the guest
 * has locked it (eject or blockdev-change-medium without force; QEMU
 * has asked the guest to open it meanwhile)?  Read from the error's
 * class and desc: QEMU gives this refusal no class of its own.
 */
bool qmp_error_tray_locked(const struct qmp_msg *m, int devid);

/* add-fd's return: {"fdset-id": N, "fd": M}. */
bool qmp_add_fd_result(struct json_val ret, int *fdset_id);

/* One drive as query-block reports it. */
struct qmp_block {
	bool inserted;		/* a medium is in the drive */
	bool tray_open;
	bool locked;
	char file[4096];	/* inserted.file, e.g. "/dev/fdset/3" */
	char driver[32];	/* inserted.drv, e.g. "raw" */
};

/*
 * Finds device "ide-DEVID" in query-block's return (matched on "qdev"
 * ending in "/ide-DEVID" or equal to "ide-DEVID", or on "device").
 * Returns false if it is not there or the entry is malformed.
 */
bool qmp_block_find(struct json_val ret, int devid, struct qmp_block *out);

/*
 * If file is "/dev/fdset/N" with N a non-negative int, returns N;
 * otherwise -1.
 */
int qmp_fdset_of_file(const char *file);

/*
 * Calls fn for every fd of every fdset in query-fdsets' return, with
 * the fdset id and the fd's opaque ("" when absent).  Stops early and
 * returns fn's value when it is non-zero; returns -1 if the reply is
 * malformed, else 0.
 */
int qmp_fdsets_each(struct json_val ret,
    int (*fn)(void *ctx, int fdset_id, const char *opaque), void *ctx);

/*
 * Finds the fdset one of whose fds carries exactly this opaque.
 * Returns its id, or -1.
 */
int qmp_fdsets_find(struct json_val ret, const char *opaque);

#endif
