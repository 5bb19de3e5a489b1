/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * xcd-bench qmp-sim DIR FIRST LAST: one process playing the QEMU of
 * every domain FIRST..LAST for rows P4 and P5, where a thousand real
 * QEMUs will not fit on the machine.  It listens on DIR/qmp-libxl-D,
 * greets like QEMU 7.2, and keeps per domain what a change touches:
 * each CD drive's medium (file, driver) and the fdsets (add-fd takes
 * the descriptor over SCM_RIGHTS and closes it at once, so a thousand
 * changes do not pile up descriptors here).  It answers
 * qmp_capabilities, query-block, query-fdsets, eject, add-fd,
 * remove-fd and blockdev-change-medium; anything else is an error.
 * Commands are read through protocol/json.h.  What it costs per command
 * is microseconds, so the row measures the daemon and xenstored.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench-util.h"
#include "json.h"
#include "number.h"

#define SIM_DRIVES 4
#define SIM_FDSETS 8
#define GREETING "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, " \
    "\"minor\": 2, \"major\": 7}, \"package\": \"\"}, " \
    "\"capabilities\": [\"oob\"]}}\r\n"

struct sim_drive {
	int devid;		/* 0: unused */
	char file[64];		/* "" when empty */
	char drv[32];
};

struct sim_dom {
	int domid;
	int listen_fd;
	struct sim_drive drives[SIM_DRIVES];
	int fdsets[SIM_FDSETS];	/* ids; -1 unused */
	char opaque[SIM_FDSETS][128];
	int next_fdset;
};

struct sim_conn {
	int fd;
	struct sim_dom *dom;
	size_t len;
	char buf[8192];
	int passed_fd;		/* from SCM_RIGHTS, for the next add-fd */
};

static struct sim_dom *doms;
static int ndoms;

static void
reply(struct sim_conn *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
reply(struct sim_conn *c, const char *fmt, ...)
{
	char out[16384];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, sizeof(out), fmt, ap);
	va_end(ap);
	if (n > 0 && (size_t)n < sizeof(out))
		(void)!send(c->fd, out, (size_t)n, MSG_NOSIGNAL);
}

static struct sim_drive *
drive_of(struct sim_dom *d, struct json_val args)
{
	struct json_val v;
	char name[32];
	int devid, i;

	if ((!json_get(args, "id", &v) && !json_get(args, "device", &v)) ||
	    !json_string(v, name, sizeof(name)) ||
	    strncmp(name, "ide-", 4) != 0 ||
	    (devid = decimal_parse(name + 4, 1 << 20)) <= 0)
		return NULL;
	for (i = 0; i < SIM_DRIVES; i++) {
		if (d->drives[i].devid == devid)
			return &d->drives[i];
	}
	return NULL;
}

static void
id_text(struct json_val root, char *buf, size_t len)
{
	struct json_val v;
	long long n;

	snprintf(buf, len, "null");
	if (json_get(root, "id", &v) && json_int(v, &n))
		snprintf(buf, len, "%lld", n);
}

static void
command(struct sim_conn *c, const char *line, size_t len)
{
	struct sim_dom *d = c->dom;
	struct sim_drive *drv;
	struct json *doc;
	struct json_val root, args, v;
	char cmd[64], id[32], out[12000], s[128];
	const char *why;
	long long n;
	size_t o;
	int i, k;

	if ((doc = json_parse(line, len, &why)) == NULL)
		return;
	root = json_root(doc);
	id_text(root, id, sizeof(id));
	if (!json_get(root, "execute", &v) || !json_string(v, cmd, sizeof(cmd))) {
		reply(c, "{\"error\": {\"class\": \"GenericError\", \"desc\": "
		    "\"no execute\"}, \"id\": %s}\r\n", id);
		goto out;
	}
	if (!json_get(root, "arguments", &args))
		args = root;
	if (strcmp(cmd, "qmp_capabilities") == 0 ||
	    strcmp(cmd, "query-status") == 0) {
		reply(c, "{\"return\": {}, \"id\": %s}\r\n", id);
	} else if (strcmp(cmd, "query-block") == 0) {
		o = (size_t)snprintf(out, sizeof(out), "{\"return\": [");
		for (i = k = 0; i < SIM_DRIVES; i++) {
			if (d->drives[i].devid == 0)
				continue;
			o += (size_t)snprintf(out + o, sizeof(out) - o,
			    "%s{\"device\": \"ide-%d\", \"locked\": false, "
			    "\"removable\": true, \"tray_open\": false, "
			    "\"type\": \"unknown\"", k++ ? ", " : "",
			    d->drives[i].devid);
			if (d->drives[i].file[0] != '\0')
				o += (size_t)snprintf(out + o, sizeof(out) - o,
				    ", \"inserted\": {\"file\": \"%s\", "
				    "\"drv\": \"%s\", \"ro\": true}",
				    d->drives[i].file, d->drives[i].drv);
			o += (size_t)snprintf(out + o, sizeof(out) - o, "}");
		}
		reply(c, "%s], \"id\": %s}\r\n", out, id);
	} else if (strcmp(cmd, "query-fdsets") == 0) {
		o = (size_t)snprintf(out, sizeof(out), "{\"return\": [");
		for (i = k = 0; i < SIM_FDSETS; i++) {
			if (d->fdsets[i] < 0)
				continue;
			o += (size_t)snprintf(out + o, sizeof(out) - o,
			    "%s{\"fdset-id\": %d, \"fds\": [{\"fd\": %d, "
			    "\"opaque\": \"%s\"}]}", k++ ? ", " : "",
			    d->fdsets[i], 100 + i, d->opaque[i]);
		}
		reply(c, "%s], \"id\": %s}\r\n", out, id);
	} else if (strcmp(cmd, "eject") == 0) {
		if ((drv = drive_of(d, args)) == NULL)
			goto bad;
		drv->file[0] = '\0';
		reply(c, "{\"return\": {}, \"id\": %s}\r\n", id);
	} else if (strcmp(cmd, "add-fd") == 0) {
		if (c->passed_fd == -1)
			goto bad;
		close(c->passed_fd);
		c->passed_fd = -1;
		for (i = 0; i < SIM_FDSETS && d->fdsets[i] >= 0; i++)
			;
		if (i == SIM_FDSETS)
			goto bad;
		d->fdsets[i] = d->next_fdset++;
		s[0] = '\0';
		if (json_get(args, "opaque", &v))
			json_string(v, s, sizeof(s));
		/* Our opaques are plain: no quote or backslash to escape. */
		snprintf(d->opaque[i], sizeof(d->opaque[i]), "%.*s",
		    (int)strcspn(s, "\"\\"), s);
		reply(c, "{\"return\": {\"fdset-id\": %d, \"fd\": %d}, "
		    "\"id\": %s}\r\n", d->fdsets[i], 100 + i, id);
	} else if (strcmp(cmd, "remove-fd") == 0) {
		if (!json_get(args, "fdset-id", &v) || !json_int(v, &n))
			goto bad;
		for (i = 0; i < SIM_FDSETS; i++)
			if (d->fdsets[i] == n)
				d->fdsets[i] = -1;
		reply(c, "{\"return\": {}, \"id\": %s}\r\n", id);
	} else if (strcmp(cmd, "blockdev-change-medium") == 0) {
		if ((drv = drive_of(d, args)) == NULL ||
		    !json_get(args, "filename", &v) ||
		    !json_string(v, drv->file, sizeof(drv->file)))
			goto bad;
		snprintf(drv->drv, sizeof(drv->drv), "raw");
		if (json_get(args, "format", &v))
			json_string(v, drv->drv, sizeof(drv->drv));
		reply(c, "{\"return\": {}, \"id\": %s}\r\n", id);
	} else
		goto bad;
	goto out;
bad:
	reply(c, "{\"error\": {\"class\": \"GenericError\", \"desc\": "
	    "\"qmp-sim: %s refused\"}, \"id\": %s}\r\n", cmd, id);
out:
	json_free(doc);
}

/* Reads what the client sent; false when it is gone. */
static bool
conn_read(struct sim_conn *c)
{
	char cbuf[CMSG_SPACE(sizeof(int) * 4)];
	struct iovec iov = { .iov_base = c->buf + c->len,
	    .iov_len = sizeof(c->buf) - 1 - c->len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
	    .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	char *nl;
	ssize_t r;
	size_t n;
	int fd;

	if (iov.iov_len == 0)
		return false;
	if ((r = recvmsg(c->fd, &mh, MSG_CMSG_CLOEXEC)) <= 0)
		return false;
	for (cm = CMSG_FIRSTHDR(&mh); cm != NULL; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
			memcpy(&fd, CMSG_DATA(cm), sizeof(fd));
			if (c->passed_fd != -1)
				close(c->passed_fd);
			c->passed_fd = fd;
		}
	c->len += (size_t)r;
	while ((nl = memchr(c->buf, '\n', c->len)) != NULL) {
		n = (size_t)(nl - c->buf);
		if (n > 0 && c->buf[n - 1] == '\r')
			n--;
		if (n > 0)
			command(c, c->buf, n);
		n = (size_t)(nl - c->buf) + 1;
		memmove(c->buf, c->buf + n, c->len - n);
		c->len -= n;
	}
	return true;
}

static int
listen_on(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path))
		bench_die("%s: path too long", path);
	memcpy(sun.sun_path, path, strlen(path) + 1);
	unlink(path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    listen(fd, 16) == -1)
		bench_die("listen %s: %s", path, strerror(errno));
	return fd;
}

static volatile sig_atomic_t stopping;

static void
on_term(int sig)
{
	(void)sig;
	stopping = 1;
}

int qmp_sim_main(int argc, char **argv);

int
qmp_sim_main(int argc, char **argv)
{
	struct sim_conn **conns = NULL;
	struct pollfd *pfd;
	char path[512];
	int first, last, i, k, nconns = 0, capconns = 0, fd;
	nfds_t n;

	if (argc != 4)
		bench_die("usage: xcd-bench qmp-sim DIR FIRST LAST");
	first = decimal_parse(argv[2], 1 << 20);
	last = decimal_parse(argv[3], 1 << 20);
	if (first < 0 || last < first)
		bench_die("qmp-sim: bad domain range");
	signal(SIGTERM, on_term);
	signal(SIGPIPE, SIG_IGN);
	ndoms = last - first + 1;
	if ((doms = calloc((size_t)ndoms, sizeof(*doms))) == NULL)
		bench_die("out of memory");
	for (i = 0; i < ndoms; i++) {
		doms[i].domid = first + i;
		for (k = 0; k < SIM_FDSETS; k++)
			doms[i].fdsets[k] = -1;
		/* Started, as the bench lays the domains out, with hdc, hdd. */
		doms[i].drives[0].devid = 5632;
		doms[i].drives[1].devid = 5696;
		snprintf(path, sizeof(path), "%s/qmp-libxl-%d", argv[1],
		    first + i);
		doms[i].listen_fd = listen_on(path);
	}
	printf("qmp-sim ready: %d domains\n", ndoms);
	fflush(stdout);
	while (!stopping) {
		if ((pfd = calloc((size_t)(ndoms + nconns), sizeof(*pfd))) == NULL)
			bench_die("out of memory");
		for (i = 0; i < ndoms; i++)
			pfd[i] = (struct pollfd){ .fd = doms[i].listen_fd,
			    .events = POLLIN };
		for (k = 0; k < nconns; k++)
			pfd[ndoms + k] = (struct pollfd){ .fd = conns[k]->fd,
			    .events = POLLIN };
		n = (nfds_t)(ndoms + nconns);
		if (poll(pfd, n, 500) <= 0) {
			free(pfd);
			continue;
		}
		for (k = nconns - 1; k >= 0; k--) {
			if (pfd[ndoms + k].revents == 0)
				continue;
			if (!conn_read(conns[k])) {
				close(conns[k]->fd);
				if (conns[k]->passed_fd != -1)
					close(conns[k]->passed_fd);
				free(conns[k]);
				conns[k] = conns[--nconns];
			}
		}
		for (i = 0; i < ndoms; i++) {
			if (pfd[i].revents == 0)
				continue;
			if ((fd = accept4(doms[i].listen_fd, NULL, NULL,
			    SOCK_CLOEXEC)) == -1)
				continue;
			if (nconns == capconns) {
				capconns = capconns ? capconns * 2 : 64;
				conns = realloc(conns, (size_t)capconns *
				    sizeof(*conns));
				if (conns == NULL)
					bench_die("out of memory");
			}
			if ((conns[nconns] = calloc(1, sizeof(**conns))) == NULL)
				bench_die("out of memory");
			conns[nconns]->fd = fd;
			conns[nconns]->dom = &doms[i];
			conns[nconns]->passed_fd = -1;
			(void)!send(fd, GREETING, strlen(GREETING), MSG_NOSIGNAL);
			nconns++;
		}
		free(pfd);
	}
	return 0;
}
