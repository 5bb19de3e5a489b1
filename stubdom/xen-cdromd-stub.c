/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * xen-cdromd-stub: the stub-domain half of a CD change, run inside a
 * Linux stub domain S next to the QEMU that emulates guest D's drives.
 * Its one job: whenever a CD vbd's block device (/dev/xvdX) appears in
 * S, open it and hand it to QEMU with one QMP add-fd over SCM_RIGHTS,
 * opaque "stub-devid:DEVID" (Xen 4.20's convention; --seed: fdset
 * 8000 + disk index, the seed patch's), then announce the fdset in S's
 * own subtree:
 *
 *	/local/domain/S/device-model/D/cdrom-fdset/DEVID = FDSET
 *
 * removed again when the block device goes away.  It follows the
 * kernel's block-device uevents (netlink), and inotify on SYSFS/block
 * for a test's stand-in sysfs; every event rescans SYSFS/block.  Block
 * devices present at start-up are QEMU's own (its command line opens
 * them): they get no add-fd, and neither does an empty one (0 sectors).
 *
 * Its QMP socket is a monitor of its own (the stub's init gives QEMU a
 * second -qmp for it), never libxl's, and it sends one command at a
 * time.  After its add-fd it closes the monitor, except on a QEMU
 * before 9.1, which frees an fdset that no drive uses as soon as no
 * monitor is connected: there it stays connected, idle (--keep-monitor).
 *
 * Talks xenstore's wire protocol itself over /dev/xen/xenbus (or a
 * xenstored socket, --xenstore), so it links statically with nothing
 * but libc and runs in any stub rootfs.  docs/stubdom.md says more.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <linux/netlink.h>

#include "fdpass.h"
#include "json.h"
#include "qmp.h"
#include "vdev.h"

#define MAX_DISKS	64
#define QMP_TIMEOUT_MS	5000
#define SEED_FDSET_BASE	8000
#define RETRY_MS	100
#define RETRIES		50

/* xenstore's wire protocol (xen/io/xs_wire.h), the few messages we use. */
enum { XS_READ = 2, XS_WRITE = 11, XS_MKDIR = 12, XS_RM = 13,
	XS_ERROR = 16 };
struct xs_hdr {
	uint32_t type, req_id, tx_id, len;
};
#define XS_PAYLOAD_MAX 4096

struct disk {
	char	 name[32];	/* xvdc */
	int	 devid;
	ino_t	 ino;		/* of SYSFS/block/NAME: a new device, a new one */
	bool	 is_cd;
	bool	 done;		/* handed over, or QEMU's own */
	int	 tries;
	int	 fdset;		/* announced, or -1 */
};

static const char *prog = "xen-cdromd-stub";
static const char *qmp_path, *xs_path = "/dev/xen/xenbus";
static const char *sysfs = "/sys", *devdir = "/dev";
static int	 domid = -1, target = -1, keep = -1;	/* keep: -1 auto */
static bool	 seed, verbose;
static int	 xs_fd = -1, mon_fd = -1;
static uint32_t	 xs_req;
static struct disk disks[MAX_DISKS];
static int	 ndisks;
static volatile sig_atomic_t stop, rescan_asked;

static unsigned long long
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000ULL +
	    (unsigned long long)ts.tv_nsec / 1000;
}

static void __attribute__((format(printf, 1, 2)))
say(const char *fmt, ...)
{
	va_list	 ap;
	char	 line[512];

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: %s t=%llu\n", prog, line, now_us());
}

/* ---- xenstore ---- */

static int
xs_open(void)
{
	struct sockaddr_un sa;
	struct stat	 st;

	if (stat(xs_path, &st) == 0 && S_ISSOCK(st.st_mode)) {
		if (strlen(xs_path) >= sizeof(sa.sun_path)) {
			errno = ENAMETOOLONG;
			return -1;
		}
		memset(&sa, 0, sizeof(sa));
		sa.sun_family = AF_UNIX;
		strcpy(sa.sun_path, xs_path);
		if ((xs_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC,
		    0)) == -1)
			return -1;
		if (connect(xs_fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
			close(xs_fd);
			xs_fd = -1;
			return -1;
		}
		return 0;
	}
	return (xs_fd = open(xs_path, O_RDWR | O_CLOEXEC)) == -1 ? -1 : 0;
}

static int
full_write(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t	 n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
full_read(int fd, void *buf, size_t len)
{
	char	*p = buf;
	ssize_t	 n;

	while (len > 0) {
		if ((n = read(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0) {
			errno = EPIPE;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * One request, its reply into out (NUL-ended, cap bytes); returns the
 * reply's length, or -1 with errno (an XS_ERROR's name mapped to
 * ENOENT / EACCES / EIO).  The xenbus device wants the header and the
 * payload in one write.
 */
static int
xs_call(uint32_t type, const char *a, size_t alen, const char *b,
    size_t blen, char *out, size_t cap)
{
	char		 msg[sizeof(struct xs_hdr) + XS_PAYLOAD_MAX];
	struct xs_hdr	 h = { type, ++xs_req, 0, (uint32_t)(alen + blen) };
	char		 reply[XS_PAYLOAD_MAX + 1];

	if (alen + blen > XS_PAYLOAD_MAX) {
		errno = E2BIG;
		return -1;
	}
	if (xs_fd == -1 && xs_open() == -1)
		return -1;
	memcpy(msg, &h, sizeof(h));
	memcpy(msg + sizeof(h), a, alen);
	if (blen > 0)
		memcpy(msg + sizeof(h) + alen, b, blen);
	if (full_write(xs_fd, msg, sizeof(h) + alen + blen) == -1)
		goto dead;
	for (;;) {
		if (full_read(xs_fd, &h, sizeof(h)) == -1 ||
		    h.len > XS_PAYLOAD_MAX ||
		    full_read(xs_fd, reply, h.len) == -1)
			goto dead;
		reply[h.len] = '\0';
		if (h.req_id == xs_req)
			break;	/* anything else: not ours (no watches set) */
	}
	if (h.type == XS_ERROR) {
		errno = strcmp(reply, "ENOENT") == 0 ? ENOENT :
		    strcmp(reply, "EACCES") == 0 ? EACCES : EIO;
		return -1;
	}
	if (out != NULL) {
		if (h.len >= cap) {
			errno = E2BIG;
			return -1;
		}
		memcpy(out, reply, h.len + 1);
	}
	return (int)h.len;
dead:
	close(xs_fd);
	xs_fd = -1;
	return -1;
}

static int
xs_read(const char *path, char *out, size_t cap)
{
	return xs_call(XS_READ, path, strlen(path) + 1, NULL, 0, out, cap);
}

static int
xs_write(const char *path, const char *value)
{
	return xs_call(XS_WRITE, path, strlen(path) + 1, value,
	    strlen(value), NULL, 0) == -1 ? -1 : 0;
}

static int
xs_rm(const char *path)
{
	return xs_call(XS_RM, path, strlen(path) + 1, NULL, 0, NULL, 0) ==
	    -1 && errno != ENOENT ? -1 : 0;
}

static int
xs_read_int(const char *path)
{
	char	 buf[32], *end;
	long	 v;

	if (xs_read(path, buf, sizeof(buf)) == -1)
		return -1;
	errno = 0;
	v = strtol(buf, &end, 10);
	if (errno != 0 || end == buf || *end != '\0' || v < 0 || v > INT_MAX)
		return -1;
	return (int)v;
}

/* ---- QMP, one command at a time on our own monitor ---- */

static char	 qbuf[QMP_LINE_MAX + 2];
static size_t	 qlen;

static void
mon_close(void)
{
	if (mon_fd != -1)
		close(mon_fd);
	mon_fd = -1;
	qlen = 0;
}

/* The next QMP message before deadline; 0, or -1 with *why. */
static int
mon_next(struct qmp_msg *m, unsigned long long deadline, const char **why)
{
	struct pollfd	 p = { .fd = mon_fd, .events = POLLIN };
	char		*nl;
	ssize_t		 n;
	size_t		 line;
	long long	 left;

	for (;;) {
		if ((nl = memchr(qbuf, '\n', qlen)) != NULL) {
			line = (size_t)(nl - qbuf);
			if (line > 0 && qbuf[line - 1] == '\r')
				qbuf[line - 1] = '\0';
			*nl = '\0';
			n = qmp_msg_parse(qbuf, strlen(qbuf), m, why);
			qlen -= line + 1;
			memmove(qbuf, nl + 1, qlen);
			if (n == -1)
				return -1;
			return 0;
		}
		if (qlen >= QMP_LINE_MAX) {
			*why = "QMP line too long";
			return -1;
		}
		left = (long long)(deadline - now_us()) / 1000;
		if (now_us() >= deadline) {
			*why = "QMP timed out";
			return -1;
		}
		if (poll(&p, 1, (int)(left + 1)) == -1 && errno != EINTR) {
			*why = strerror(errno);
			return -1;
		}
		if (!(p.revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		n = read(mon_fd, qbuf + qlen, QMP_LINE_MAX - qlen);
		if (n == 0 || (n == -1 && errno != EINTR && errno != EAGAIN)) {
			*why = n == 0 ? "QEMU closed the monitor" :
			    strerror(errno);
			return -1;
		}
		if (n > 0)
			qlen += (size_t)n;
	}
}

/* The idle monitor spoke: its events are dropped, a hang-up closes it. */
static void
mon_drain(void)
{
	char	*nl;
	ssize_t	 n;

	n = read(mon_fd, qbuf + qlen, QMP_LINE_MAX - qlen);
	if (n == 0 || (n == -1 && errno != EINTR && errno != EAGAIN)) {
		mon_close();
		return;
	}
	if (n > 0)
		qlen += (size_t)n;
	while ((nl = memchr(qbuf, '\n', qlen)) != NULL) {
		qlen -= (size_t)(nl + 1 - qbuf);
		memmove(qbuf, nl + 1, qlen);
	}
	if (qlen >= QMP_LINE_MAX)
		mon_close();
}

/* Sends line (and fd beside it, if not -1). */
static int
mon_send(const char *line, size_t len, int fd)
{
	ssize_t		 n;

	do
		n = send_with_fd(mon_fd, line, len, fd);
	while (n == -1 && errno == EINTR);
	if (n == -1)
		return -1;
	/* The rest, if any, without the fd (it went with the first byte). */
	if ((size_t)n < len)
		return full_write(mon_fd, line + n, len - (size_t)n);
	return 0;
}

/*
 * Sends one command (id) and waits for its reply, skipping events.
 * 0 with *m (to free) for a return, -2 with *why for an error reply,
 * -1 with *why when the monitor is dead (closed here).
 */
static int
mon_call(const char *cmd, size_t len, int fd, long long id,
    struct qmp_msg *m, const char **why)
{
	static char	 desc[600];
	unsigned long long deadline = now_us() + QMP_TIMEOUT_MS * 1000ULL;

	if (mon_send(cmd, len, fd) == -1) {
		*why = strerror(errno);
		mon_close();
		return -1;
	}
	for (;;) {
		if (mon_next(m, deadline, why) == -1) {
			mon_close();
			return -1;
		}
		if ((m->kind == QMP_MSG_RETURN || m->kind == QMP_MSG_ERROR) &&
		    m->has_id && m->id == id)
			break;
		qmp_msg_free(m);
	}
	if (m->kind == QMP_MSG_ERROR) {
		snprintf(desc, sizeof(desc), "%s: %s", m->error_class,
		    m->error_desc);
		*why = desc;
		qmp_msg_free(m);
		return -2;
	}
	return 0;
}

/* Connects, reads the greeting (QEMU's version), leaves the
 * capabilities negotiation; decides whether to stay connected. */
static int
mon_open(const char **why)
{
	struct sockaddr_un sa;
	struct qmp_msg	 m;
	struct json_val	 v, ver;
	char		 cmd[128];
	long long	 major = 0, minor = 0;
	int		 len, rc;

	if (strlen(qmp_path) >= sizeof(sa.sun_path)) {
		*why = "QMP socket path too long";
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	strcpy(sa.sun_path, qmp_path);
	if ((mon_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(mon_fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		*why = strerror(errno);
		mon_close();
		return -1;
	}
	if (mon_next(&m, now_us() + QMP_TIMEOUT_MS * 1000ULL, why) == -1) {
		mon_close();
		return -1;
	}
	if (m.kind != QMP_MSG_GREETING) {
		qmp_msg_free(&m);
		*why = "no QMP greeting";
		mon_close();
		return -1;
	}
	/* {"QMP": {"version": {"qemu": {"major": 7, "minor": 2, ...}}}} */
	if (json_get(json_root(m.doc), "QMP", &v) &&
	    json_get(v, "version", &v) && json_get(v, "qemu", &ver)) {
		if (json_get(ver, "major", &v))
			json_int(v, &major);
		if (json_get(ver, "minor", &v))
			json_int(v, &minor);
	}
	qmp_msg_free(&m);
	if (keep == -1) {
		keep = major * 100 + minor < 901;
		say("QEMU %lld.%lld: %s the monitor after add-fd", major,
		    minor, keep ? "keeps" : "closes");
	}
	if ((len = qmp_cmd_capabilities(cmd, sizeof(cmd), 1)) < 0) {
		*why = "command too long";
		mon_close();
		return -1;
	}
	if ((rc = mon_call(cmd, (size_t)len, -1, 1, &m, why)) != 0) {
		if (rc == -2)
			mon_close();
		return -1;
	}
	qmp_msg_free(&m);
	return 0;
}

/* add-fd of fd for devid; returns the fdset, or -1 with *why. */
static int
add_fd(int devid, int fd, const char **why)
{
	static unsigned	 id = 1;
	struct qmp_msg	 m;
	char		 cmd[QMP_CMD_MAX], opaque[64], name[VDEV_NAME_MAX];
	int		 len, fdset = -1, index = -1, tries, rc;

	snprintf(opaque, sizeof(opaque), "stub-devid:%d", devid);
	if (seed && (vdev_from_devid(devid, name, sizeof(name)) == -1 ||
	    vdev_to_devid(name, &index) != devid || index < 0)) {
		*why = "no disk index for this devid";
		return -1;
	}
	for (tries = 0; tries < 2; tries++) {
		if (mon_fd == -1) {
			if (mon_open(why) == -1)
				return -1;
			tries = 1;	/* a fresh connection: no retry */
		}
		id++;
		if (seed)
			len = snprintf(cmd, sizeof(cmd), "{\"execute\":\"add-fd\","
			    "\"arguments\":{\"fdset-id\":%d,\"opaque\":\"%s\"},"
			    "\"id\":%u}\r\n", SEED_FDSET_BASE + index, opaque,
			    id);
		else
			len = qmp_cmd_add_fd(cmd, sizeof(cmd), id, opaque);
		if (len < 0 || (size_t)len >= sizeof(cmd)) {
			*why = "command too long";
			return -1;
		}
		rc = mon_call(cmd, (size_t)len, fd, id, &m, why);
		if (rc == -1)
			continue;	/* dead monitor: once more, afresh */
		if (rc == -2)
			break;
		if (!qmp_add_fd_result(m.ret, &fdset)) {
			*why = "add-fd returned no fdset-id";
			fdset = -1;
		}
		qmp_msg_free(&m);
		break;
	}
	if (keep != 1)
		mon_close();
	return fdset;
}

/* ---- the disks ---- */

static void
node(char *buf, size_t cap, int devid)
{
	snprintf(buf, cap, "/local/domain/%d/device-model/%d/cdrom-fdset/%d",
	    domid, target, devid);
}

/* Whether S's vbd devid is a CD (its frontend's device-type). */
static bool
vbd_is_cd(int devid)
{
	char	 path[128], type[32];

	snprintf(path, sizeof(path), "/local/domain/%d/device/vbd/%d/device-type",
	    domid, devid);
	return xs_read(path, type, sizeof(type)) != -1 &&
	    strcmp(type, "cdrom") == 0;
}

/* The vbd number of SYSFS/block/name: its device is ".../vbd-DEVID". */
static int
sysfs_devid(const char *name)
{
	char	 path[PATH_MAX], link[PATH_MAX], *b, *end;
	ssize_t	 n;
	long	 v;

	snprintf(path, sizeof(path), "%s/block/%s/device", sysfs, name);
	if ((n = readlink(path, link, sizeof(link) - 1)) == -1)
		return -1;
	link[n] = '\0';
	b = strrchr(link, '/');
	b = b != NULL ? b + 1 : link;
	if (strncmp(b, "vbd-", 4) != 0)
		return -1;
	errno = 0;
	v = strtol(b + 4, &end, 10);
	if (errno != 0 || end == b + 4 || *end != '\0' || v < 0 ||
	    v > INT_MAX)
		return -1;
	return (int)v;
}

static void
hand_over(struct disk *d)
{
	char	 path[PATH_MAX], xp[160], val[16];
	const char *why = NULL;
	unsigned long long sectors;
	FILE	*f;
	int	 fd, fdset;

	/* An empty CD vbd (libxl's empty-cdrom file) carries no medium. */
	snprintf(path, sizeof(path), "%s/block/%s/size", sysfs, d->name);
	if ((f = fopen(path, "re")) != NULL) {
		if (fscanf(f, "%llu", &sectors) != 1)
			sectors = 1;
		fclose(f);
		if (sectors == 0) {
			say("empty %d %s: no add-fd", d->devid, d->name);
			d->done = true;
			return;
		}
	}
	snprintf(path, sizeof(path), "%s/%s", devdir, d->name);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1) {
		if (++d->tries >= RETRIES) {
			say("add-fd failed %d: %s: %s", d->devid, path,
			    strerror(errno));
			d->done = true;
		}
		return;
	}
	fdset = add_fd(d->devid, fd, &why);
	close(fd);
	if (fdset == -1) {
		if (++d->tries >= RETRIES) {
			say("add-fd failed %d: %s", d->devid, why);
			d->done = true;
		} else if (verbose)
			say("add-fd %d: %s, again", d->devid, why);
		return;
	}
	d->done = true;
	d->fdset = fdset;
	say("add-fd done %d %s fdset=%d", d->devid, path, fdset);
	node(xp, sizeof(xp), d->devid);
	snprintf(val, sizeof(val), "%d", fdset);
	if (xs_write(xp, val) == -1)
		say("cannot write %s: %s", xp, strerror(errno));
}

static void
forget(int i)
{
	char	 xp[160];

	if (disks[i].fdset != -1) {
		node(xp, sizeof(xp), disks[i].devid);
		if (xs_rm(xp) == -1)
			say("cannot remove %s: %s", xp, strerror(errno));
	}
	if (verbose || disks[i].fdset != -1)
		say("gone %d %s", disks[i].devid, disks[i].name);
	disks[i] = disks[--ndisks];
}

/*
 * Looks at SYSFS/block again: new CD devices are handed over (those
 * already there at start-up, initial, are QEMU's own), gone ones
 * forgotten.  Returns whether a hand-over is still to be retried.
 */
static bool
rescan(bool initial)
{
	DIR		*dir;
	struct dirent	*e;
	struct stat	 st;
	char		 path[PATH_MAX + 64], blk[PATH_MAX];
	bool		 seen[MAX_DISKS] = { false }, again = false;
	int		 i, devid;

	snprintf(blk, sizeof(blk), "%s/block", sysfs);
	if ((dir = opendir(blk)) == NULL)
		return false;
	while ((e = readdir(dir)) != NULL) {
		if (strncmp(e->d_name, "xvd", 3) != 0 ||
		    strlen(e->d_name) >= sizeof(disks[0].name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", blk, e->d_name);
		if (stat(path, &st) == -1 ||
		    (devid = sysfs_devid(e->d_name)) == -1)
			continue;
		for (i = 0; i < ndisks; i++)
			if (strcmp(disks[i].name, e->d_name) == 0)
				break;
		if (i < ndisks && (disks[i].ino != st.st_ino ||
		    disks[i].devid != devid)) {
			forget(i);	/* replaced between two looks */
			i = ndisks;
		}
		if (i == ndisks) {
			if (ndisks == MAX_DISKS)
				continue;
			memset(&disks[i], 0, sizeof(disks[i]));
			snprintf(disks[i].name, sizeof(disks[i].name), "%s",
			    e->d_name);
			disks[i].devid = devid;
			disks[i].ino = st.st_ino;
			disks[i].fdset = -1;
			disks[i].is_cd = vbd_is_cd(devid);
			disks[i].done = initial || !disks[i].is_cd;
			ndisks++;
			if (disks[i].is_cd)
				say("%s %d %s", initial ? "present" : "appeared",
				    devid, e->d_name);
		}
		seen[i] = true;
		if (!disks[i].done)
			hand_over(&disks[i]);
		if (!disks[i].done)
			again = true;
	}
	closedir(dir);
	for (i = ndisks - 1; i >= 0; i--)
		if (!seen[i])
			forget(i);
	return again;
}

/* ---- event sources ---- */

static int
uevent_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = 1 };
	int	 fd, size = 1 << 20;

	if ((fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, NETLINK_KOBJECT_UEVENT)) == -1)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Drains the uevents; whether one was about a block device (or lost). */
static bool
uevent_read(int fd)
{
	char	 buf[8192];
	ssize_t	 n;
	bool	 block = false;

	for (;;) {
		n = recv(fd, buf, sizeof(buf) - 1, 0);
		if (n == -1) {
			if (errno == ENOBUFS)
				block = true;	/* lost some: look anyway */
			if (errno == EINTR || errno == ENOBUFS)
				continue;
			return block;
		}
		buf[n] = '\0';
		for (ssize_t i = 0; i < n; i += (ssize_t)strlen(buf + i) + 1)
			if (strcmp(buf + i, "SUBSYSTEM=block") == 0)
				block = true;
	}
}

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		rescan_asked = 1;
	else
		stop = 1;
}

static int
parse_int(const char *s)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 0 || v > INT_MAX)
		return -1;
	return (int)v;
}

static void
usage(void)
{
	fprintf(stderr, "usage: %s --qmp SOCKET [--xenstore PATH] "
	    "[--domid S] [--target D] [--sysfs DIR] [--dev DIR] [--seed]\n"
	    "    [--keep-monitor yes|no|auto] [--verbose]\n", prog);
	exit(2);
}

int
main(int argc, char *argv[])
{
	struct sigaction sa;
	struct pollfd	 p[3];
	char		 path[PATH_MAX], ibuf[4096];
	int		 i, ue, ino, n;
	bool		 again;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--seed") == 0)
			seed = true;
		else if (strcmp(a, "--verbose") == 0)
			verbose = true;
		else if (v == NULL)
			usage();
		else if (strcmp(a, "--qmp") == 0)
			qmp_path = argv[++i];
		else if (strcmp(a, "--xenstore") == 0)
			xs_path = argv[++i];
		else if (strcmp(a, "--sysfs") == 0)
			sysfs = argv[++i];
		else if (strcmp(a, "--dev") == 0)
			devdir = argv[++i];
		else if (strcmp(a, "--domid") == 0) {
			if ((domid = parse_int(argv[++i])) == -1)
				usage();
		} else if (strcmp(a, "--target") == 0) {
			if ((target = parse_int(argv[++i])) == -1)
				usage();
		} else if (strcmp(a, "--keep-monitor") == 0) {
			v = argv[++i];
			keep = strcmp(v, "yes") == 0 ? 1 :
			    strcmp(v, "no") == 0 ? 0 :
			    strcmp(v, "auto") == 0 ? -1 : -2;
			if (keep == -2)
				usage();
		} else
			usage();
	}
	if (qmp_path == NULL)
		usage();
	setvbuf(stderr, NULL, _IOLBF, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* Our own domain and the guest: relative "domid" and "target",
	 * waited for a while (xenstore may not be ready for us yet). */
	for (i = 0; i < 100 && domid == -1; i++)
		if ((domid = xs_read_int("domid")) == -1)
			usleep(100000);
	if (domid == -1) {
		fprintf(stderr, "%s: no domid (%s): %s\n", prog, xs_path,
		    strerror(errno));
		return 1;
	}
	if (target == -1) {
		snprintf(path, sizeof(path), "/local/domain/%d/target", domid);
		for (i = 0; i < 100 && target == -1; i++)
			if ((target = xs_read_int(path)) == -1)
				usleep(100000);
		if (target == -1) {
			fprintf(stderr, "%s: no %s: %s\n", prog, path,
			    strerror(errno));
			return 1;
		}
	}
	if ((ue = uevent_open()) == -1)
		say("no uevents (%s): inotify and SIGHUP only", strerror(errno));
	snprintf(path, sizeof(path), "%s/block", sysfs);
	if ((ino = inotify_init1(IN_CLOEXEC | IN_NONBLOCK)) != -1 &&
	    inotify_add_watch(ino, path, IN_CREATE | IN_DELETE |
	    IN_MOVED_FROM | IN_MOVED_TO | IN_ONLYDIR) == -1) {
		close(ino);
		ino = -1;
	}
	again = rescan(true);
	say("ready, watching %s for stub domain %d of dom%d (%s)", path,
	    domid, target, seed ? "fdset 8000+index" : "stub-devid");
	while (!stop) {
		n = 0;
		p[n++] = (struct pollfd){ .fd = ue, .events = POLLIN };
		p[n++] = (struct pollfd){ .fd = ino, .events = POLLIN };
		p[n++] = (struct pollfd){ .fd = mon_fd, .events = POLLIN };
		if (poll(p, (nfds_t)n, again ? RETRY_MS : -1) == -1) {
			if (errno != EINTR)
				break;
		}
		bool look = again || rescan_asked;
		rescan_asked = 0;
		if (ue != -1 && (p[0].revents & POLLIN) && uevent_read(ue))
			look = true;
		if (ino != -1 && (p[1].revents & POLLIN)) {
			while (read(ino, ibuf, sizeof(ibuf)) > 0)
				;
			look = true;
		}
		/* The idle monitor: events are dropped, a hang-up closes. */
		if (mon_fd != -1 && (p[2].revents & (POLLIN | POLLHUP)))
			mon_drain();
		if (look)
			again = rescan(false);
	}
	say("stopped");
	return 0;
}
