/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * The QMP client's transport: a state machine over one Unix socket,
 * driven by the event loop.  What the lines mean is protocol/qmp.c's
 * business; this file frames them, bounds them and routes replies.
 *
 * The peer may be a compromised stub domain's QEMU: a line longer than
 * QMP_LINE_MAX, a malformed message or a flood of events ends the
 * connection with an error instead of growing a buffer.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "fault.h"
#include "fdpass.h"
#include "log.h"
#include "loop.h"
#include "qmp_client.h"

/*
 * Messages (events, stray replies) tolerated from one reply of ours to
 * the next: a connection now lasts a whole change, and a stub's fdset
 * may be asked for a thousand times in it.
 */
#define QMP_MSGS_MAX 1000

enum qmp_conn_state {
	QMP_GREETING,		/* connected, waiting for {"QMP": ...} */
	QMP_CAPABILITIES,	/* qmp_capabilities sent */
	QMP_READY,		/* commands may flow */
	QMP_FAILED,		/* fd closed, error reported */
};

/* The id of our qmp_capabilities; qmp_next_id() never returns it. */
#define QMP_CAPS_ID 0

struct qmp_conn {
	enum qmp_conn_state state;
	int fd;
	struct loop_fd *handler;
	qmp_reply_fn *fn;
	void *ctx;
	unsigned msgs;
	bool in_dispatch;	/* inside fn: qmp_close() must defer the free */
	bool closed;

	/* The caller's command: held until READY, then sent and awaited. */
	bool awaiting, cmd_sent;
	unsigned id;
	char cmd[QMP_CMD_MAX];
	size_t cmd_len;
	int cmd_fd;

	/* Bytes on their way out; the fd goes with the first of them. */
	char out[QMP_CMD_MAX];
	size_t out_len, out_off;
	int out_fd;

	size_t in_len;
	char in[QMP_LINE_MAX];	/* last: qmp_open() leaves it uncleared */
};

static unsigned last_id;

unsigned
qmp_next_id(void)
{
	if (++last_id == QMP_CAPS_ID)
		++last_id;
	return last_id;
}

static void qmp_io(void *ctx, int fd, short revents);

/* Calls fn without freeing c under it; false if c is gone afterwards. */
static bool
qmp_deliver(struct qmp_conn *c, const struct qmp_msg *m, const char *err)
{
	c->in_dispatch = true;
	c->fn(c->ctx, m, err);
	c->in_dispatch = false;
	if (c->closed) {
		free(c);
		return false;
	}
	return true;
}

static void
qmp_teardown(struct qmp_conn *c)
{
	loop_fd_del(c->handler);
	c->handler = NULL;
	close(c->fd);
	c->fd = -1;
	c->state = QMP_FAILED;
}

/* Reports err once; the caller must not touch c afterwards. */
static void __attribute__((format(printf, 2, 3)))
qmp_fail(struct qmp_conn *c, const char *fmt, ...)
{
	char err[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, sizeof(err), fmt, ap);
	va_end(ap);
	qmp_teardown(c);
	qmp_deliver(c, NULL, err);
}

struct qmp_conn *
qmp_open(const char *path, qmp_reply_fn *fn, void *ctx)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct qmp_conn *c;
	int saved;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	/* All but the 64 KiB line buffer, which in_len says is empty. */
	if ((c = malloc(sizeof(*c))) == NULL)
		return NULL;
	memset(c, 0, offsetof(struct qmp_conn, in));
	c->fn = fn;
	c->ctx = ctx;
	c->cmd_fd = c->out_fd = -1;
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd == -1)
		goto fail;
	/*
	 * A Unix connect completes at once or fails at once (EAGAIN: the
	 * listener's backlog is full); it never stays in progress.
	 */
	if (connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		goto fail;
	if ((c->handler = loop_fd_add(c->fd, POLLIN, qmp_io, c)) == NULL)
		goto fail;
	c->state = QMP_GREETING;
	return c;
fail:
	saved = errno;
	if (c->fd != -1)
		close(c->fd);
	free(c);
	errno = saved;
	return NULL;
}

bool
qmp_in_flight(const struct qmp_conn *c)
{
	return c != NULL && c->awaiting;
}

void
qmp_close(struct qmp_conn *c)
{
	if (c == NULL)
		return;
	if (c->state != QMP_FAILED)
		qmp_teardown(c);
	c->closed = true;
	if (!c->in_dispatch)
		free(c);
}

static void
qmp_output(struct qmp_conn *c, const char *line, size_t len, int fd)
{
	memcpy(c->out, line, len);
	c->out_len = len;
	c->out_off = 0;
	c->out_fd = fd;
	loop_fd_set_events(c->handler, POLLIN | POLLOUT);
}

/* The command goes out: the point where QEMU may act on it. */
static void
qmp_output_command(struct qmp_conn *c)
{
	int n = (int)c->cmd_len;

	while (n > 0 && c->cmd[n - 1] == '\n')
		n--;
	fault_point("QMP send", "%.*s", n, c->cmd);
	c->cmd_sent = true;
	qmp_output(c, c->cmd, c->cmd_len, c->cmd_fd);
}

int
qmp_send(struct qmp_conn *c, const char *line, int len, unsigned id, int fd)
{
	if (c->state == QMP_FAILED || c->awaiting || len <= 0 ||
	    (size_t)len > sizeof(c->cmd))
		return -1;
	memcpy(c->cmd, line, (size_t)len);
	c->cmd_len = (size_t)len;
	c->cmd_fd = fd;
	c->id = id;
	c->awaiting = true;
	c->cmd_sent = false;
	if (c->state == QMP_READY)
		qmp_output_command(c);
	return 0;
}

/* False if the connection failed (and c may be gone). */
static bool
qmp_write(struct qmp_conn *c)
{
	ssize_t n;

	n = send_with_fd(c->fd, c->out + c->out_off, c->out_len - c->out_off,
	    c->out_fd);
	if (n == -1) {
		if (errno == EAGAIN || errno == EINTR)
			return true;
		qmp_fail(c, "sending to QEMU: %s", strerror(errno));
		return false;
	}
	c->out_fd = -1;
	c->out_off += (size_t)n;
	if (c->out_off == c->out_len)
		loop_fd_set_events(c->handler, POLLIN);
	return true;
}

/* Handles one complete message; false if c is gone afterwards. */
static bool
qmp_message(struct qmp_conn *c, const char *line, size_t len)
{
	char caps[128];
	struct qmp_msg m;
	const char *why;
	bool alive = true;
	int n;

	if (qmp_msg_parse(line, len, &m, &why) == -1) {
		qmp_fail(c, "malformed message from QEMU: %s", why);
		return false;
	}
	if (++c->msgs > QMP_MSGS_MAX) {
		qmp_msg_free(&m);
		qmp_fail(c, "QEMU sent over %d messages in one operation",
		    QMP_MSGS_MAX);
		return false;
	}
	/* Events interleave with replies at any time; we need none. */
	if (m.kind == QMP_MSG_EVENT)
		goto out;
	switch (c->state) {
	case QMP_GREETING:
		/*
		 * QEMU keeps what it had not yet written to a client that went
		 * away (a daemon killed mid-command) and writes it to the
		 * next: a reply with an id, ours or a predecessor's, before
		 * the greeting is that, and is dropped.
		 */
		if (m.kind != QMP_MSG_GREETING && m.has_id &&
		    (m.kind == QMP_MSG_RETURN || m.kind == QMP_MSG_ERROR)) {
			log_debug("QMP: dropping a reply left from an earlier "
			    "client (id %lld)", m.id);
			break;
		}
		if (m.kind != QMP_MSG_GREETING) {
			qmp_msg_free(&m);
			qmp_fail(c, "QEMU did not greet with {\"QMP\": ...}");
			return false;
		}
		n = qmp_cmd_capabilities(caps, sizeof(caps), QMP_CAPS_ID);
		c->state = QMP_CAPABILITIES;
		qmp_output(c, caps, (size_t)n, -1);
		break;
	case QMP_CAPABILITIES:
		if (!m.has_id || m.id != QMP_CAPS_ID)
			break;
		if (m.kind != QMP_MSG_RETURN) {
			qmp_msg_free(&m);
			qmp_fail(c, "QEMU refused qmp_capabilities");
			return false;
		}
		c->state = QMP_READY;
		if (c->awaiting && !c->cmd_sent) {
			qmp_output_command(c);
		}
		break;
	case QMP_READY:
		/* A reply to nothing we sent (a stray id) is dropped. */
		if (!c->awaiting || !c->cmd_sent || !m.has_id ||
		    m.id != (long long)c->id ||
		    (m.kind != QMP_MSG_RETURN && m.kind != QMP_MSG_ERROR))
			break;
		c->awaiting = false;
		c->msgs = 0;
		alive = qmp_deliver(c, &m, NULL);
		break;
	case QMP_FAILED:
		break;
	}
out:
	qmp_msg_free(&m);
	return alive;
}

/* Reads what is there and handles each complete line. */
static void
qmp_read(struct qmp_conn *c)
{
	char *nl;
	size_t len;
	ssize_t n;

	n = read(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n == -1) {
		qmp_fail(c, "reading from QEMU: %s", strerror(errno));
		return;
	}
	if (n == 0) {
		qmp_fail(c, "QEMU closed the QMP connection");
		return;
	}
	c->in_len += (size_t)n;
	while ((nl = memchr(c->in, '\n', c->in_len)) != NULL) {
		len = (size_t)(nl - c->in);
		if (!qmp_message(c, c->in, len > 0 && c->in[len - 1] == '\r' ?
		    len - 1 : len))
			return;
		if (c->state == QMP_FAILED)
			return;
		c->in_len -= len + 1;
		memmove(c->in, nl + 1, c->in_len);
	}
	if (c->in_len == sizeof(c->in))
		qmp_fail(c, "QEMU sent a message over %d bytes", QMP_LINE_MAX);
}

static void
qmp_io(void *ctx, int fd, short revents)
{
	struct qmp_conn *c = ctx;

	(void)fd;
	if ((revents & POLLOUT) && c->out_off < c->out_len) {
		if (!qmp_write(c))
			return;
	}
	if (revents & (POLLIN | POLLHUP | POLLERR))
		qmp_read(c);
}
