/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * The benchmark programs' shared helpers (bench-util.h): clock, fatal
 * errors, the blocking QMP client and xenstore calls with fatal
 * failures.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench-util.h"

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
	qmp_sync_close(&q->s);
}

unsigned
bq_id(struct bq *q)
{
	return qmp_sync_id(&q->s);
}

int
bq_call(struct bq *q, const char *line, int len, unsigned id, int fd,
    struct qmp_msg *m, char *errbuf, size_t errlen)
{
	switch (qmp_sync_call(&q->s, line, len, id, fd, m)) {
	case -1:
		bench_die("%s", q->s.why);
	case 0:
		return 0;
	}
	if (errbuf != NULL)
		snprintf(errbuf, errlen, "%s", m->error_desc);
	qmp_msg_free(m);
	return 1;
}

void
bq_open(struct bq *q, const char *path)
{
	if (qmp_sync_open(&q->s, path, BENCH_TIMEOUT_MS) == -1)
		bench_die("%s", q->s.why);
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
	if (xs_read_bounded(xs, t, path, buf, len))
		return true;
	buf[0] = '\0';
	return false;
}

void
bench_xs_tx(struct xs_handle *xs, xs_tx_fn *body, void *ctx)
{
	if (xs_tx_run(xs, body, ctx) == -1)
		bench_die("transaction: %s", strerror(errno));
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
