/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * The blocking QMP client of the tests, simulators and benchmarks
 * (qmp_sync.h): one connection, one command at a time, every wait
 * bounded by the connection's timeout.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fdpass.h"
#include "json_out.h"
#include "qmp_sync.h"

static unsigned long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Says why q failed and closes it; returns -1 for the caller to return. */
__attribute__((format(printf, 2, 3)))
static int
fail(struct qmp_sync *q, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(q->why, sizeof(q->why), fmt, ap);
	va_end(ap);
	qmp_sync_close(q);
	return -1;
}

void
qmp_sync_close(struct qmp_sync *q)
{
	if (q->fd != -1)
		close(q->fd);
	q->fd = -1;
	q->len = 0;
}

unsigned
qmp_sync_id(struct qmp_sync *q)
{
	return ++q->next_id;
}

/*
 * The next complete message in the buffer that is not an event: 1, or
 * 0 if there is none yet; -1 (q closed) for a malformed one.
 */
static int
take(struct qmp_sync *q, struct qmp_msg *m)
{
	const char *why;
	char *nl;
	size_t n;
	int rc;

	while ((nl = memchr(q->buf, '\n', q->len)) != NULL) {
		n = (size_t)(nl - q->buf);
		rc = qmp_msg_parse(q->buf, n > 0 && q->buf[n - 1] == '\r' ?
		    n - 1 : n, m, &why);
		memmove(q->buf, nl + 1, q->len - n - 1);
		q->len -= n + 1;
		if (rc == -1)
			return fail(q, "QMP: %s", why);
		if (m->kind != QMP_MSG_EVENT)
			return 1;
		qmp_msg_free(m);
	}
	return 0;
}

/*
 * Reads what QEMU sent; waits until deadline (now_ms()) for some, or
 * not at all if deadline is 0.  0, or -1 (q closed).
 */
static int
fill(struct qmp_sync *q, unsigned long long deadline)
{
	struct pollfd pfd = { .fd = q->fd, .events = POLLIN };
	unsigned long long now;
	ssize_t r;

	if (q->len >= sizeof(q->buf) - 1)
		return fail(q, "QMP: a line longer than %d bytes",
		    QMP_LINE_MAX);
	if (deadline != 0) {
		if ((now = now_ms()) >= deadline)
			return fail(q, "QMP: no reply from QEMU in %d ms",
			    q->timeout_ms);
		r = poll(&pfd, 1, (int)(deadline - now));
		if (r == -1 && errno != EINTR)
			return fail(q, "QMP: poll: %s", strerror(errno));
		if (r <= 0)
			return 0;
	}
	r = recv(q->fd, q->buf + q->len, sizeof(q->buf) - 1 - q->len,
	    deadline != 0 ? 0 : MSG_DONTWAIT);
	if (r == -1 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (r <= 0)
		return fail(q, "QMP: %s", r == 0 ?
		    "QEMU closed the connection" : strerror(errno));
	q->len += (size_t)r;
	return 0;
}

/* The next message that is not an event, waiting until deadline. */
static int
next(struct qmp_sync *q, struct qmp_msg *m, unsigned long long deadline)
{
	int rc;

	while ((rc = take(q, m)) == 0)
		if (fill(q, deadline) == -1)
			return -1;
	return rc == 1 ? 0 : -1;
}

int
qmp_sync_send(struct qmp_sync *q, const char *line, int len, int fd)
{
	size_t off = 0;
	ssize_t r;

	if (q->fd == -1)
		return fail(q, "QMP: not connected");
	if (len < 0)
		return fail(q, "QMP: command too long");
	while (off < (size_t)len) {
		if ((r = send_with_fd(q->fd, line + off, (size_t)len - off,
		    off == 0 ? fd : -1)) == -1) {
			if (errno == EINTR)
				continue;
			return fail(q, "QMP: send: %s", strerror(errno));
		}
		off += (size_t)r;
	}
	return 0;
}

int
qmp_sync_reply(struct qmp_sync *q, unsigned id, struct qmp_msg *m)
{
	unsigned long long deadline = now_ms() + (unsigned)q->timeout_ms;

	if (q->fd == -1)
		return fail(q, "QMP: not connected");
	for (;;) {
		if (next(q, m, deadline) == -1)
			return -1;
		if (m->kind == QMP_MSG_GREETING || !m->has_id ||
		    m->id != (long long)id) {
			qmp_msg_free(m);
			continue;
		}
		if (m->kind == QMP_MSG_RETURN)
			return 0;
		snprintf(q->why, sizeof(q->why), "%s: %s", m->error_class,
		    m->error_desc);
		return 1;
	}
}

int
qmp_sync_call(struct qmp_sync *q, const char *line, int len, unsigned id,
    int fd, struct qmp_msg *m)
{
	if (qmp_sync_send(q, line, len, fd) == -1)
		return -1;
	return qmp_sync_reply(q, id, m);
}

int
qmp_sync_execute(struct qmp_sync *q, const char *cmd, const char *args,
    int fd, struct qmp_msg *m)
{
	char line[QMP_CMD_MAX];
	unsigned id = qmp_sync_id(q);
	struct json_out o;
	int len;

	json_out_fixed(&o, line, sizeof(line));
	json_out_raw(&o, "{");
	json_out_key(&o, "execute", true);
	json_out_str(&o, cmd);
	if (args != NULL) {
		json_out_key(&o, "arguments", false);
		json_out_raw(&o, args);
	}
	json_out_key(&o, "id", false);
	json_out_int(&o, id);
	json_out_raw(&o, "}\r\n");
	if ((len = json_out_end(&o)) < 0)
		return fail(q, "QMP: command too long");
	return qmp_sync_call(q, line, len, id, fd, m);
}

int
qmp_sync_drain(struct qmp_sync *q)
{
	struct qmp_msg m;
	int rc;

	if (q->fd == -1)
		return fail(q, "QMP: not connected");
	if (fill(q, 0) == -1)
		return -1;
	while ((rc = take(q, &m)) == 1)
		qmp_msg_free(&m);	/* a late reply: nobody waits for it */
	return rc;
}

int
qmp_sync_open(struct qmp_sync *q, const char *path, int timeout_ms)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct qmp_msg m;
	char caps[128];
	unsigned id;
	int rc;

	q->fd = -1;
	q->len = 0;
	q->next_id = 0;
	q->timeout_ms = timeout_ms;
	q->why[0] = '\0';
	if (strlen(path) >= sizeof(sun.sun_path))
		return fail(q, "QMP: %s: path too long", path);
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((q->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(q->fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		return fail(q, "QMP: connect %s: %s", path, strerror(errno));
	if (next(q, &m, now_ms() + (unsigned)timeout_ms) == -1)
		return -1;
	rc = m.kind;
	qmp_msg_free(&m);
	if (rc != QMP_MSG_GREETING)
		return fail(q, "QMP: no greeting on %s", path);
	id = qmp_sync_id(q);
	switch (qmp_sync_call(q, caps, qmp_cmd_capabilities(caps,
	    sizeof(caps), id), id, -1, &m)) {
	case -1:
		return -1;
	case 1:
		fail(q, "QMP: qmp_capabilities refused: %s", m.error_desc);
		qmp_msg_free(&m);
		return -1;
	}
	qmp_msg_free(&m);
	return 0;
}
