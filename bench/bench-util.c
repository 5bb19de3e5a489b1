/*
 * The benchmark programs' shared helpers (bench-util.h): clock, fatal
 * errors, a blocking QMP client and xenstore calls.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench-util.h"
#include "json.h"

unsigned long long
bench_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void
bench_sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000,
	    .tv_nsec = (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

void
bench_die(const char *fmt, ...)
{
	va_list ap;

	fputs("bench: measurement failed: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

void
bq_close(struct bq *q)
{
	if (q->fd != -1)
		close(q->fd);
	q->fd = -1;
	q->len = 0;
}

/* The next complete message that is not an event. */
static void
bq_next(struct bq *q, struct qmp_msg *m)
{
	unsigned long long deadline = bench_now_us() +
	    BENCH_TIMEOUT_MS * 1000ULL;
	struct pollfd pfd = { .fd = q->fd, .events = POLLIN };
	const char *why;
	char *nl;
	size_t n;
	ssize_t r;

	for (;;) {
		while ((nl = memchr(q->buf, '\n', q->len)) != NULL) {
			n = (size_t)(nl - q->buf);
			if (qmp_msg_parse(q->buf, n > 0 && q->buf[n - 1] == '\r' ?
			    n - 1 : n, m, &why) == -1)
				bench_die("QMP: %s", why);
			memmove(q->buf, nl + 1, q->len - n - 1);
			q->len -= n + 1;
			if (m->kind != QMP_MSG_EVENT)
				return;
			qmp_msg_free(m);
		}
		if (q->len >= sizeof(q->buf) - 1)
			bench_die("QMP: line too long");
		if (bench_now_us() >= deadline)
			bench_die("QMP: no reply from QEMU in %d ms",
			    BENCH_TIMEOUT_MS);
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		r = recv(q->fd, q->buf + q->len, sizeof(q->buf) - 1 - q->len, 0);
		if (r <= 0)
			bench_die("QMP: connection lost: %s",
			    r == 0 ? "closed" : strerror(errno));
		q->len += (size_t)r;
	}
}

static void
bq_send(struct bq *q, const char *line, int len, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = (void *)line, .iov_len = (size_t)len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;
	ssize_t r;

	if (len < 0)
		bench_die("QMP command too long");
	if (fd != -1) {
		memset(cbuf, 0, sizeof(cbuf));
		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	/* Our lines are short: one sendmsg takes all of a unix socket's. */
	if ((r = sendmsg(q->fd, &mh, MSG_NOSIGNAL)) != len)
		bench_die("QMP: send: %s", r == -1 ? strerror(errno) :
		    "short write");
}

unsigned
bq_id(struct bq *q)
{
	return ++q->next_id;
}

int
bq_call(struct bq *q, const char *line, int len, unsigned id, int fd,
    struct qmp_msg *m, char *errbuf, size_t errlen)
{
	bq_send(q, line, len, fd);
	for (;;) {
		bq_next(q, m);
		if (m->kind == QMP_MSG_GREETING || !m->has_id ||
		    m->id != (long long)id) {
			qmp_msg_free(m);
			continue;
		}
		if (m->kind == QMP_MSG_RETURN)
			return 0;
		if (errbuf != NULL)
			snprintf(errbuf, errlen, "%s", m->error_desc);
		qmp_msg_free(m);
		return 1;
	}
}

void
bq_open(struct bq *q, const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct qmp_msg m;
	char line[128], err[512];
	unsigned id;

	q->len = 0;
	q->next_id = 0;
	if (strlen(path) >= sizeof(sun.sun_path))
		bench_die("%s: path too long", path);
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((q->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(q->fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		bench_die("QMP: connect %s: %s", path, strerror(errno));
	bq_next(q, &m);
	if (m.kind != QMP_MSG_GREETING)
		bench_die("QMP: no greeting on %s", path);
	qmp_msg_free(&m);
	id = bq_id(q);
	if (bq_call(q, line, qmp_cmd_capabilities(line, sizeof(line), id), id,
	    -1, &m, err, sizeof(err)) != 0)
		bench_die("QMP: qmp_capabilities refused: %s", err);
	qmp_msg_free(&m);
}

void
bq_query(struct bq *q, const char *cmd, struct qmp_msg *m)
{
	char line[128], err[512];
	unsigned id = bq_id(q);

	if (bq_call(q, line, qmp_cmd_query(line, sizeof(line), id, cmd), id, -1,
	    m, err, sizeof(err)) != 0)
		bench_die("QMP: %s refused: %s", cmd, err);
}

/*
 * Built here rather than with protocol/qmp.h's builders, whose
 * signatures for these two are being extended (a force flag): the
 * benchmarks must not break when they change.
 */
int
bq_change_medium(struct bq *q, int devid, int fdset, const char *driver,
    char *errbuf, size_t errlen)
{
	char line[256];
	struct qmp_msg m;
	unsigned id = bq_id(q);
	int len, rc;

	len = snprintf(line, sizeof(line), "{\"execute\":"
	    "\"blockdev-change-medium\",\"arguments\":{\"id\":\"ide-%d\","
	    "\"filename\":\"/dev/fdset/%d\",\"format\":\"%s\"},\"id\":%u}\r\n",
	    devid, fdset, driver, id);
	if ((rc = bq_call(q, line, len, id, -1, &m, errbuf, errlen)) == 0)
		qmp_msg_free(&m);
	return rc;
}

void
bq_eject(struct bq *q, int devid)
{
	char line[160], err[512];
	struct qmp_msg m;
	unsigned id = bq_id(q);
	int len;

	len = snprintf(line, sizeof(line), "{\"execute\":\"eject\","
	    "\"arguments\":{\"id\":\"ide-%d\",\"force\":false},\"id\":%u}\r\n",
	    devid, id);
	if (bq_call(q, line, len, id, -1, &m, err, sizeof(err)) != 0)
		bench_die("QMP: eject refused: %s", err);
	qmp_msg_free(&m);
}

struct xs_handle *
bench_xs_open(void)
{
	struct xs_handle *xs;

	if ((xs = xs_open(XS_OPEN_SOCKETONLY)) == NULL)
		bench_die("cannot connect to xenstored: %s", strerror(errno));
	return xs;
}

bool
bench_xs_read(struct xs_handle *xs, xs_transaction_t t, const char *path,
    char *buf, size_t len)
{
	unsigned int n;
	char *v;

	buf[0] = '\0';
	if ((v = xs_read(xs, t, path, &n)) == NULL)
		return false;
	snprintf(buf, len, "%.*s", (int)n, v);
	free(v);
	return true;
}

void
bench_xs_write(struct xs_handle *xs, xs_transaction_t t, const char *path,
    const char *value)
{
	if (!xs_write(xs, t, path, value, strlen(value)))
		bench_die("xenstore write %s: %s", path, strerror(errno));
}

bool
bench_xs_wait(struct xs_handle *xs, int ms)
{
	struct pollfd pfd = { .fd = xs_fileno(xs), .events = POLLIN };

	return poll(&pfd, 1, ms) > 0;
}

unsigned
bench_xs_drain(struct xs_handle *xs)
{
	unsigned n = 0;
	char **ev;

	while ((ev = xs_check_watch(xs)) != NULL) {
		free(ev);
		n++;
	}
	return n;
}
