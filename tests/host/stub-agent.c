/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * stub-agent S D SOCKET QMPSOCK [--seed]: the inside of a Linux stub
 * domain S that runs HVM guest D's QEMU, as far as CD-ROM changes see
 * it.  It talks to xenstore only as S, through S's ring (SOCKET, an
 * xs-ring socket), so xenstored's permission checks are real: it reads
 * the backends (n0,rS) and writes nothing but its own frontends (nS,r0).
 *
 * (a) Linux's xen-blkfront, for every vbd under /local/domain/S/device/vbd,
 *     level-triggered like blkback_changed():
 *	backend 2 InitWait, frontend 1 -> ring-ref, event-channel, protocol,
 *	                                  frontend 3 Initialised
 *	backend 4 Connected, frontend 3 -> frontend 4 Connected
 *	backend 5 Closing or 6 Closed    -> frontend 5, then 6 Closed
 *	frontend dir removed             -> forgotten
 * (b) The QEMU glue of a Linux stub domain: each time a CD vbd (backend
 *     device-type cdrom) becomes Connected, the disk that appeared in the
 *     stub domain is handed to QEMU: we open the block device the
 *     backend's physical-device names (our /dev/xvdX) and call QMP on
 *     QMPSOCK: add-fd with it, opaque "stub-devid:DEVID" (Xen 4.20's
 *     convention), or with --seed also "fdset-id": 8000 + disk index
 *     (the seed patch's: hdc is 8002), then close our copy of the fd.
 *     QMPSOCK is the stub domain's own monitor, which nobody else uses:
 *     we keep our connection to it (see struct qmp for why).
 *
 *     With $XCD_STUB_GLUE=DIR set, (b) is left to the product's glue,
 *     stubdom/xen-cdromd-stub, run beside us with --sysfs DIR/sys --dev
 *     DIR/dev: we only play the kernel's side of it, making the disk
 *     appear as DIR/sys/block/xvdX (its "device" link ending in
 *     vbd-DEVID, its "size" in sectors) and DIR/dev/xvdX (a link to the
 *     block device), and taking both away when the vbd closes:
 *	glue disk DEVID xvdX		glue gone DEVID xvdX
 *
 * Watches: the frontend dir (recursively) and each backend dir once,
 * well under xenstored's 128 per domain; one transaction at a time.
 * A QMP command blocks, bounded by QMP_TIMEOUT_MS.
 *
 * stdout, each line ending in " t=" and CLOCK_MONOTONIC in µs:
 *	stub-agent S for D: ready, watching PATH
 *	fe DEVID: OLD -> NEW
 *	fe DEVID: disk sectors=N info=I sector-size=B
 *	add-fd sent DEVID fdset=N|auto	(when the command is written)
 *	add-fd done DEVID fdset=N fd=M
 *	add-fd failed DEVID: WHY
 *	fe DEVID: cannot read BE/state: WHY	(S may not read its backend)
 *	fe DEVID: gone
 *	qmp: WHY				(our QMP connection broke)
 * With $XCD_STUB_ANNOUNCE=1, each add-fd done is announced as the
 * project's stub-side glue announces it (docs/protocol.md):
 *	/local/domain/S/device-model/D/cdrom-fdset/DEVID = FDSET
 *	add-fd announced DEVID fdset=N
 * SIGTERM or SIGINT: exits 0.  SIGUSR1 holds back every add-fd of a CD
 * that connects from then on; SIGUSR2 releases them (the tests use it to
 * play a stub domain that is slow, or never hands its disk to QEMU).
 */
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <err.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <xenstore.h>

#include "blkdev.h"
#include "xbnode.h"
#include "json.h"
#include "number.h"
#include "qmp.h"
#include "qmp_sync.h"
#include "vdev.h"

#define QMP_TIMEOUT_MS	10000
#define SEED_FDSET_BASE	8000


struct vbd {
	struct vbd	*next;
	int		 devid;
	char		 be[PATH_LEN];	/* watched backend dir; "" if none */
	char		 token[32];
	int		 be_errno;	/* why its state was unreadable */
	bool		 held;		/* its add-fd waits for SIGUSR2 */
};

static struct xs_handle	*xs;
static struct vbd	*vbds;
static int		*pending;
static size_t		 npending, cappending;
static bool		 rescan;
static char		 fe_root[64];
static const char	*qmp_path;
static bool		 seed;
static int		 announce_s = -1, announce_d;	/* XCD_STUB_ANNOUNCE */
/*
 * SIGUSR1: connected CD vbds get no add-fd until SIGUSR2 (a stub domain
 * slow, or failing, to hand its disk to QEMU; the tests' switch).
 */
static bool		 hold;

static unsigned long long
now_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* One log line, stamped at us (0: now). */
static void __attribute__((format(printf, 2, 3)))
say_at(unsigned long long us, const char *fmt, ...)
{
	va_list	 ap;

	if (us == 0)
		us = now_us();
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(" t=%llu\n", us);
}

#define say(...)	say_at(0, __VA_ARGS__)

static void
pending_add(int devid)
{
	size_t	 i;

	for (i = 0; i < npending; i++)
		if (pending[i] == devid)
			return;
	if (npending == cappending) {
		cappending = cappending ? cappending * 2 : 16;
		pending = reallocarray(pending, cappending, sizeof(*pending));
		if (pending == NULL)
			err(1, "reallocarray");
	}
	pending[npending++] = devid;
}




/* Follows backend dir be ("" or NULL: none). */
static void
vbd_watch_backend(struct vbd *v, const char *be)
{
	if (be == NULL)
		be = "";
	if (strcmp(be, v->be) == 0)
		return;
	if (v->be[0] != '\0' && !xs_unwatch(xs, v->be, v->token))
		warn("fe %d: unwatch %s", v->devid, v->be);
	v->be[0] = '\0';
	if (*be == '\0')
		return;
	if (strlen(be) >= sizeof(v->be) || !xs_watch(xs, be, v->token)) {
		warn("fe %d: watch %s", v->devid, be);
		return;
	}
	snprintf(v->be, sizeof(v->be), "%s", be);
}

static struct vbd *
vbd_get(int devid)
{
	struct vbd	*v;

	for (v = vbds; v != NULL; v = v->next)
		if (v->devid == devid)
			return v;
	if ((v = calloc(1, sizeof(*v))) == NULL)
		err(1, "calloc");
	v->devid = devid;
	snprintf(v->token, sizeof(v->token), "be:%d", devid);
	v->next = vbds;
	vbds = v;
	return v;
}

static void
vbd_free(struct vbd *v)
{
	vbd_watch_backend(v, NULL);
	free(v);
}

static void glue_gone(int devid);

static void
vbd_forget(int devid)
{
	struct vbd	**vp, *v;

	for (vp = &vbds; (v = *vp) != NULL; vp = &v->next)
		if (v->devid == devid) {
			*vp = v->next;
			say("fe %d: gone", devid);
			glue_gone(devid);
			vbd_free(v);
			return;
		}
}

/*
 * Frontend fe from state from to state to, in a transaction that first
 * checks it is still in from (a frontend the toolstack removed is never
 * written); talk_to_blkback()'s ring details go with Initialised.
 */
struct fe_switch {
	const char	*fe;
	int		 from, to;
};

static int
fe_switch_tx(struct xs_handle *h, xs_transaction_t t, void *ctx)
{
	const struct fe_switch	*sw = ctx;
	char			 num[16];

	if (xb_state(h, t, sw->fe) != sw->from)
		return XS_TX_NOTHING;
	snprintf(num, sizeof(num), "%d", sw->to);
	if ((sw->to == XenbusStateInitialised &&
	    (!xb_write(h, t, sw->fe, "ring-ref", "8") ||
	    !xb_write(h, t, sw->fe, "event-channel", "15") ||
	    !xb_write(h, t, sw->fe, "protocol", "x86_64-abi"))) ||
	    !xb_write(h, t, sw->fe, "state", num))
		return -1;
	return XS_TX_COMMIT;
}

static bool
fe_switch(int devid, const char *fe, int from, int to)
{
	struct fe_switch	 sw = { fe, from, to };

	switch (xs_tx_run(xs, fe_switch_tx, &sw)) {
	case XS_TX_COMMIT:
		say("fe %d: %d -> %d", devid, from, to);
		return true;
	case -1:
		warn("fe %d: transaction", devid);
		break;
	}
	return false;
}

/*
 * Our QMP connection to QEMU, kept open, as a Linux stub domain's QEMU
 * always has a monitor connected (the stub's end of libxl's QMP proxy).
 * That matters: when the last monitor disconnects from a running QEMU,
 * QEMU closes every fd of every fdset that no drive uses yet, so an
 * fdset added by a client that then leaves is gone before anyone can
 * insert it.  Commands block (common/qmp_sync), each bounded by
 * QMP_TIMEOUT_MS; between them the main loop drops QEMU's events.
 */
static struct qmp_sync	 mon = { .fd = -1 };

/* The main loop's share: QEMU said something between our commands. */
static void
qmp_drain(void)
{
	if (qmp_sync_drain(&mon) == -1)
		say("qmp: %s", mon.why);
}

/* The disk index of devid (hdc: 2), which the seed's fdset ids follow. */
static int
disk_index(int devid)
{
	char	 name[VDEV_NAME_MAX];
	int	 index;

	if (vdev_from_devid(devid, name, sizeof(name)) == -1 ||
	    vdev_to_devid(name, &index) != devid)
		return -1;
	return index;
}

/*
 * add-fd of fd into QEMU over our monitor (connected first if need be,
 * again if the old connection turns out dead); returns the fdset, or -1
 * with *why.
 */
static int
add_fd(int devid, int fd, const char **why)
{
	unsigned	 id;
	struct qmp_msg	 m;
	struct json_val	 v;
	char		 cmd[QMP_CMD_MAX], opaque[64];
	unsigned long long t;
	long long	 qfd = -1;
	int		 len, want = -1, fdset = -1, index, tries;

	snprintf(opaque, sizeof(opaque), "stub-devid:%d", devid);
	for (tries = 0; tries < 2; tries++) {
		if (mon.fd == -1) {
			if (qmp_sync_open(&mon, qmp_path, QMP_TIMEOUT_MS) == -1) {
				*why = mon.why;
				return -1;
			}
			tries = 1;	/* a fresh connection: no retry */
		}
		id = qmp_sync_id(&mon);
		if (seed) {
			if ((index = disk_index(devid)) == -1) {
				*why = "no disk index for this devid";
				return -1;
			}
			want = SEED_FDSET_BASE + index;
			len = snprintf(cmd, sizeof(cmd), "{\"execute\":\"add-fd\","
			    "\"arguments\":{\"fdset-id\":%d,\"opaque\":\"%s\"},"
			    "\"id\":%u}\r\n", want, opaque, id);
		} else
			len = qmp_cmd_add_fd(cmd, sizeof(cmd), id, opaque);
		if (len < 0 || (size_t)len >= sizeof(cmd)) {
			*why = "command too long";
			return -1;
		}
		t = now_us();
		if (qmp_sync_send(&mon, cmd, len, fd) == -1) {
			*why = mon.why;
			continue;	/* the old connection was dead */
		}
		if (want == -1)
			say_at(t, "add-fd sent %d fdset=auto", devid);
		else
			say_at(t, "add-fd sent %d fdset=%d", devid, want);
		switch (qmp_sync_reply(&mon, id, &m)) {
		case -1:
			*why = mon.why;
			return -1;
		case 1:
			*why = mon.why;
			qmp_msg_free(&m);
			return -1;
		}
		if (!qmp_add_fd_result(m.ret, &fdset) ||
		    !json_get(m.ret, "fd", &v) || !json_int(v, &qfd)) {
			*why = "add-fd returned no fdset-id and fd";
			fdset = -1;
		} else
			say("add-fd done %d fdset=%d fd=%lld", devid, fdset,
			    qfd);
		qmp_msg_free(&m);
		return fdset;
	}
	return -1;
}

/* $XCD_STUB_GLUE: where the product's glue sees our disks, or NULL. */
static const char *glue_dir;

/* The name Linux's blkfront gives vbd devid's disk: hdc -> xvdc. */
static bool
glue_name(int devid, char *buf, size_t len)
{
	int	 index;

	if ((index = disk_index(devid)) < 0 || index >= 26)
		return false;
	snprintf(buf, len, "xvd%c", 'a' + index);
	return true;
}

/* The kernel's side of a disk appearing: sysfs entry, then /dev node. */
static void
glue_appear(int devid, const char *node, const char *sectors)
{
	char	 name[16], dir[PATH_LEN], tmp[PATH_LEN], p[PATH_LEN + 16];
	char	 link[64];
	FILE	*f;

	if (!glue_name(devid, name, sizeof(name)))
		return;
	snprintf(p, sizeof(p), "%s/dev/%s", glue_dir, name);
	unlink(p);
	if (symlink(node, p) == -1)
		say("glue: symlink %s: %s", p, strerror(errno));
	snprintf(dir, sizeof(dir), "%s/sys/block/%s", glue_dir, name);
	snprintf(tmp, sizeof(tmp), "%s/sys/.%s.new", glue_dir, name);
	if (mkdir(tmp, 0755) == -1 && errno != EEXIST)
		return;
	snprintf(p, sizeof(p), "%s/device", tmp);
	snprintf(link, sizeof(link), "../../devices/vbd-%d", devid);
	if (symlink(link, p) == -1 && errno != EEXIST)
		say("glue: symlink %s: %s", p, strerror(errno));
	snprintf(p, sizeof(p), "%s/size", tmp);
	if ((f = fopen(p, "we")) != NULL) {
		fprintf(f, "%s\n", sectors != NULL ? sectors : "1");
		fclose(f);
	}
	/* One rename: the glue never sees half an entry. */
	if (rename(tmp, dir) == -1)
		say("glue: rename %s: %s", dir, strerror(errno));
	else
		say("glue disk %d %s", devid, name);
}

static void
glue_gone(int devid)
{
	char	 name[16], dir[PATH_LEN], p[PATH_LEN + 16];

	if (glue_dir == NULL || !glue_name(devid, name, sizeof(name)))
		return;
	snprintf(dir, sizeof(dir), "%s/sys/block/%s", glue_dir, name);
	if (access(dir, F_OK) != 0)
		return;
	snprintf(p, sizeof(p), "%s/device", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/size", dir);
	unlink(p);
	rmdir(dir);
	snprintf(p, sizeof(p), "%s/dev/%s", glue_dir, name);
	unlink(p);
	say("glue gone %d %s", devid, name);
}

/*
 * The stub domain's udev glue: the CD disk of vbd devid has just
 * appeared; hand the medium it carries to QEMU.
 */
static void
cd_appeared(int devid, const char *be)
{
	char		*type, *pdev, node[64], path[96], value[16];
	const char	*why = NULL;
	unsigned int	 maj, min;
	int		 fd = -1, fdset;

	type = xb_read(xs, XBT_NULL, be, "device-type");
	pdev = xb_read(xs, XBT_NULL, be, "physical-device");
	if (type == NULL || strcmp(type, "cdrom") != 0)
		goto out;
	if (pdev == NULL || !blkdev_parse(pdev, &maj, &min))
		why = "no physical-device in the backend";
	else if ((fd = blkdev_open(maj, min, O_RDONLY | O_CLOEXEC, node,
	    sizeof(node))) == -1)
		why = strerror(errno);
	else if (glue_dir != NULL) {
		char *sectors = xb_read(xs, XBT_NULL, be, "sectors");

		glue_appear(devid, node, sectors);
		free(sectors);
	} else if ((fdset = add_fd(devid, fd, &why)) >= 0 && announce_s >= 0) {
		snprintf(path, sizeof(path),
		    "/local/domain/%d/device-model/%d/cdrom-fdset/%d",
		    announce_s, announce_d, devid);
		snprintf(value, sizeof(value), "%d", fdset);
		if (xs_write(xs, XBT_NULL, path, value, strlen(value)))
			say("add-fd announced %d fdset=%d", devid, fdset);
		else
			say("add-fd not announced %d: %s", devid,
			    strerror(errno));
	}
	if (why != NULL)
		say("add-fd failed %d: %s", devid, why);
out:
	if (fd != -1)
		close(fd);
	free(type);
	free(pdev);
}

/* blkfront_connect(): what we would size the disk with, for the log. */
static void
log_disk(int devid, const char *be)
{
	char	*sectors = xb_read(xs, XBT_NULL, be, "sectors");
	char	*info = xb_read(xs, XBT_NULL, be, "info");
	char	*size = xb_read(xs, XBT_NULL, be, "sector-size");

	say("fe %d: disk sectors=%s info=%s sector-size=%s", devid,
	    sectors ? sectors : "?", info ? info : "?", size ? size : "?");
	free(sectors);
	free(info);
	free(size);
}

/* Looks at vbd devid again and takes its frontend one step on. */
static void
vbd_step(int devid)
{
	char		 fe[PATH_LEN], *be;
	int		 fe_state, be_state, e = 0;
	struct vbd	*v;

	snprintf(fe, sizeof(fe), "%s/%d", fe_root, devid);
	if ((fe_state = xb_state(xs, XBT_NULL, fe)) == -1) {
		vbd_forget(devid);
		return;
	}
	be = xb_read(xs, XBT_NULL, fe, "backend");
	vbd_watch_backend(v = vbd_get(devid), be);
	be_state = be != NULL ? xb_state(xs, XBT_NULL, be) : -1;
	/* A backend we may not read (EACCES) is a toolstack bug: say so. */
	if (be_state == -1 && be != NULL)
		e = errno;
	if (e != v->be_errno && e != 0 && e != ENOENT)
		say("fe %d: cannot read %s/state: %s", devid, be, strerror(e));
	v->be_errno = e;
	switch (be_state) {
	case XenbusStateInitWait:
		if (fe_state == XenbusStateInitialising)
			fe_switch(devid, fe, XenbusStateInitialising,
			    XenbusStateInitialised);
		break;
	case XenbusStateConnected:
		if (fe_state == XenbusStateInitialising &&
		    fe_switch(devid, fe, XenbusStateInitialising,
		    XenbusStateInitialised))
			fe_state = XenbusStateInitialised;
		if (fe_state == XenbusStateInitialised &&
		    fe_switch(devid, fe, XenbusStateInitialised,
		    XenbusStateConnected)) {
			log_disk(devid, be);
			if (hold) {
				v->held = true;
				say("add-fd held %d", devid);
			} else
				cd_appeared(devid, be);
		}
		break;
	case XenbusStateClosing:
	case XenbusStateClosed:
		glue_gone(devid);
		if (fe_state < XenbusStateClosing &&
		    fe_switch(devid, fe, fe_state, XenbusStateClosing))
			fe_state = XenbusStateClosing;
		if (fe_state == XenbusStateClosing)
			fe_switch(devid, fe, XenbusStateClosing,
			    XenbusStateClosed);
		break;
	default:
		break;
	}
	free(be);
}

static void
scan(void)
{
	char		**devs;
	unsigned int	 n = 0, i;
	int		 devid;
	struct vbd	*v;

	devs = xs_directory(xs, XBT_NULL, fe_root, &n);
	for (i = 0; devs != NULL && i < n; i++)
		if ((devid = decimal_parse(devs[i], INT_MAX)) != -1)
			pending_add(devid);
	free(devs);
	for (v = vbds; v != NULL; v = v->next)
		pending_add(v->devid);
}

static void
event(const char *path, const char *token)
{
	size_t		 n = strlen(fe_root);
	const char	*p;
	int		 devid;

	if (strncmp(token, "be:", 3) == 0) {
		if ((devid = decimal_parse(token + 3, INT_MAX)) != -1)
			pending_add(devid);
		return;
	}
	if (strncmp(path, fe_root, n) != 0 || path[n] != '/' ||
	    (p = decimal_prefix(path + n + 1, INT_MAX, &devid)) == NULL ||
	    (*p != '\0' && *p != '/')) {
		rescan = true;
		return;
	}
	pending_add(devid);
}

/*
 * Reads one signal: SIGUSR1 holds add-fds, SIGUSR2 releases them and
 * performs those held.  False for SIGTERM and SIGINT: time to go.
 */
static bool
hold_signal(int fd)
{
	struct signalfd_siginfo	 si;
	struct vbd		*v;

	if (read(fd, &si, sizeof(si)) != sizeof(si))
		return true;
	switch (si.ssi_signo) {
	case SIGUSR1:
		hold = true;
		say("add-fd hold on");
		return true;
	case SIGUSR2:
		hold = false;
		say("add-fd hold off");
		for (v = vbds; v != NULL; v = v->next) {
			if (!v->held)
				continue;
			v->held = false;
			if (v->be[0] != '\0')
				cd_appeared(v->devid, v->be);
		}
		return true;
	default:
		return false;
	}
}

static int
parse_domid(const char *s)
{
	int	 d = decimal_parse(s, DOMID_MAX);

	if (d <= 0)
		errx(2, "%s: not a guest domid", s);
	return d;
}

int
main(int argc, char *argv[])
{
	struct pollfd	 pfd[3];
	sigset_t	 set;
	char		**ev, path[PATH_LEN], *target, *env;
	struct vbd	*v;
	size_t		 i;
	int		 stubdom, guest;

	if (argc == 6 && strcmp(argv[5], "--seed") == 0)
		seed = true;
	else if (argc != 5)
		errx(2, "usage: stub-agent S D SOCKET QMPSOCK [--seed]");
	stubdom = parse_domid(argv[1]);
	guest = parse_domid(argv[2]);
	if ((env = getenv("XCD_STUB_ANNOUNCE")) != NULL &&
	    strcmp(env, "1") == 0) {
		announce_s = stubdom;
		announce_d = guest;
	}
	qmp_path = argv[4];
	if ((glue_dir = getenv("XCD_STUB_GLUE")) != NULL && *glue_dir == '\0')
		glue_dir = NULL;
	setvbuf(stdout, NULL, _IOLBF, 0);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1 ||
	    (pfd[1].fd = signalfd(-1, &set, SFD_CLOEXEC)) == -1)
		err(1, "signalfd");
	signal(SIGPIPE, SIG_IGN);

	/* libxenstore's socket: S's ring, so we are S to xenstored. */
	if (setenv("XENSTORED_PATH", argv[3], 1) == -1)
		err(1, "setenv");
	if ((xs = xs_open(0)) == NULL)
		err(1, "xs_open %s", argv[3]);
	snprintf(path, sizeof(path), "/local/domain/%d/target", stubdom);
	if ((target = xs_read(xs, XBT_NULL, path, NULL)) == NULL ||
	    decimal_parse(target, DOMID_MAX) != guest)
		warnx("%s is %s, not %d", path, target ? target : "missing",
		    guest);
	free(target);
	snprintf(fe_root, sizeof(fe_root), "/local/domain/%d/device/vbd",
	    stubdom);
	if (!xs_watch(xs, fe_root, "fe"))
		err(1, "watch %s", fe_root);
	say("stub-agent %d for %d: ready, watching %s", stubdom, guest,
	    fe_root);

	pfd[0] = (struct pollfd){ .fd = xs_fileno(xs), .events = POLLIN };
	pfd[1].events = POLLIN;
	for (;;) {
		pfd[2] = (struct pollfd){ .fd = mon.fd, .events = POLLIN };
		if (poll(pfd, 3, -1) == -1) {
			if (errno == EINTR)
				continue;
			err(1, "poll");
		}
		if (pfd[1].revents && !hold_signal(pfd[1].fd))
			break;
		if (pfd[2].revents)
			qmp_drain();
		while ((ev = xs_check_watch(xs)) != NULL) {
			event(ev[XS_WATCH_PATH], ev[XS_WATCH_TOKEN]);
			free(ev);
		}
		if (errno != EAGAIN)
			err(1, "reading watch events");
		if (rescan)
			scan();
		rescan = false;
		for (i = 0; i < npending; i++)
			vbd_step(pending[i]);
		npending = 0;
	}
	while ((v = vbds) != NULL) {
		vbds = v->next;
		vbd_free(v);
	}
	free(pending);
	qmp_sync_close(&mon);
	xs_close(xs);
	return 0;
}
