/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * blkback-sim: the block backend of the test host's dom0, standing in
 * for Linux's xen-blkback.  It serves every vbd backend under
 * /local/domain/0/backend/vbd/FRONTEND-DOMID/DEVID that the toolstack
 * hands to a hotplug script (one with a "script" node, as libxl writes
 * for a "phy" disk): the test host's own guest vbds are written without
 * one and stay Initialising, since nothing would serve them.
 *
 * Like xen-blkback it is driven only by xenstore watches, one on the
 * backend tree and one on each frontend's state, and like it (and the
 * xenbus core under it) each handler is level-triggered: whatever the
 * event, it re-reads the device and does the one step that follows.
 *
 *	backend 1 (new dir)                      -> 2 InitWait
 *	backend 2, physical-device written, frontend 3 or 4
 *	    -> sectors, info, sector-size ...,   -> 4 Connected
 *	frontend 5 Closing                       -> 5 Closing
 *	frontend 6 Closed                        -> 6 Closed
 *	frontend 1 after backend 6, still online -> 2 (reconnect)
 *
 * The toolstack closes a device by writing backend online 0 and state
 * 5; the frontend answers by closing, and then so do we.  Every write
 * happens in a transaction that first read the backend's state, so a
 * directory the toolstack removed meanwhile is never written again (the
 * commit fails and the retry finds it gone), as xenbus_switch_state
 * does.  A backend that disappears is forgotten.
 *
 * Talks to $XENSTORED_PATH as dom0.  stdout: "blkback-sim: ready ..."
 * once the watch is set, then one line per state change,
 * "be FRONTEND-DOMID/DEVID: OLD -> NEW", and "be D/N: gone".  SIGTERM
 * or SIGINT: exits 0.
 */
#include <sys/signalfd.h>

#include <err.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xenstore.h>

#include "blkdev.h"
#include "xbnode.h"
#include "number.h"

#define BE_ROOT		"/local/domain/0/backend/vbd"


/* include/xen/io/blkif.h: the vdisk info bits. */
#define VDISK_CDROM	0x1
#define VDISK_READONLY	0x4

struct vbd {
	struct vbd	*next;
	int		 domid, devid;
	char		 fe_state[PATH_LEN];	/* watched; "" if none */
	char		 token[32];
};

/* A device some event asked us to look at again. */
struct key {
	int		 domid, devid;
};

static struct xs_handle	*xs;
static struct vbd	*vbds;
static struct key	*pending;
static size_t		 npending, cappending;
static bool		 rescan;

static void
pending_add(int domid, int devid)
{
	size_t	 i;

	for (i = 0; i < npending; i++)
		if (pending[i].domid == domid && pending[i].devid == devid)
			return;
	if (npending == cappending) {
		cappending = cappending ? cappending * 2 : 16;
		pending = reallocarray(pending, cappending, sizeof(*pending));
		if (pending == NULL)
			err(1, "reallocarray");
	}
	pending[npending++] = (struct key){ domid, devid };
}

static struct vbd *
vbd_find(int domid, int devid)
{
	struct vbd	*v;

	for (v = vbds; v != NULL; v = v->next)
		if (v->domid == domid && v->devid == devid)
			return v;
	return NULL;
}

/* Follows the frontend's state node fe/state ("" or NULL: none). */
static void
vbd_watch_frontend(struct vbd *v, const char *fe)
{
	char	 path[PATH_LEN] = "";

	if (fe != NULL && *fe != '\0')
		snprintf(path, sizeof(path), "%s/state", fe);
	if (strcmp(path, v->fe_state) == 0)
		return;
	if (v->fe_state[0] != '\0' && !xs_unwatch(xs, v->fe_state, v->token))
		warn("be %d/%d: unwatch %s", v->domid, v->devid, v->fe_state);
	v->fe_state[0] = '\0';
	if (path[0] == '\0')
		return;
	if (!xs_watch(xs, path, v->token)) {
		warn("be %d/%d: watch %s", v->domid, v->devid, path);
		return;
	}
	snprintf(v->fe_state, sizeof(v->fe_state), "%s", path);
}

static struct vbd *
vbd_get(int domid, int devid)
{
	struct vbd	*v;

	if ((v = vbd_find(domid, devid)) != NULL)
		return v;
	if ((v = calloc(1, sizeof(*v))) == NULL)
		err(1, "calloc");
	v->domid = domid;
	v->devid = devid;
	snprintf(v->token, sizeof(v->token), "fe:%d:%d", domid, devid);
	v->next = vbds;
	vbds = v;
	return v;
}

static void
vbd_free(struct vbd *v)
{
	vbd_watch_frontend(v, NULL);
	free(v);
}

static void
vbd_forget(int domid, int devid)
{
	struct vbd	**vp, *v;

	for (vp = &vbds; (v = *vp) != NULL; vp = &v->next)
		if (v->domid == domid && v->devid == devid) {
			*vp = v->next;
			printf("be %d/%d: gone\n", domid, devid);
			vbd_free(v);
			return;
		}
}



static bool
xwrite_int(xs_transaction_t t, const char *dir, const char *node,
    long long value)
{
	char	 num[24];

	snprintf(num, sizeof(num), "%lld", value);
	return xb_write(xs, t, dir, node, num);
}


static bool
read_flag(xs_transaction_t t, const char *dir, const char *node)
{
	char	*s = xb_read(xs, t, dir, node);
	bool	 on = s != NULL && strcmp(s, "1") == 0;

	free(s);
	return on;
}

/*
 * The state the backend moves to next, as xen-blkback's probe and
 * frontend_changed() would take it; state itself when none.
 */
static int
next_state(int state, int fe_state, bool online, bool have_device)
{
	if (state == XenbusStateInitialising)
		return XenbusStateInitWait;
	switch (fe_state) {
	case XenbusStateInitialising:
		if (state == XenbusStateClosed && online)
			return XenbusStateInitWait;
		break;
	case XenbusStateInitialised:
	case XenbusStateConnected:
		if (state == XenbusStateInitWait && have_device)
			return XenbusStateConnected;
		break;
	case XenbusStateClosing:
		if (state >= XenbusStateInitWait && state < XenbusStateClosing)
			return XenbusStateClosing;
		break;
	case XenbusStateClosed:
		return XenbusStateClosed;
	default:	/* no frontend (any more): nothing to tell it */
		break;
	}
	return state;
}

/*
 * What connect() writes before switching to Connected: the disk's
 * geometry and the features we offer.  The size comes from the device
 * physical-device names; if it cannot be opened, from params.
 */
static bool
write_connect(xs_transaction_t t, const char *be, unsigned int maj,
    unsigned int min)
{
	struct stat	 st;
	long long	 bytes;
	char		*s;
	int		 info = 0;

	if ((bytes = blkdev_size(maj, min)) == -1) {
		bytes = 0;
		if ((s = xb_read(xs, t, be, "params")) != NULL && stat(s, &st) == 0)
			bytes = st.st_size;
		free(s);
	}
	if ((s = xb_read(xs, t, be, "device-type")) != NULL &&
	    strcmp(s, "cdrom") == 0)
		info |= VDISK_CDROM;
	free(s);
	if ((s = xb_read(xs, t, be, "mode")) == NULL || strchr(s, 'w') == NULL)
		info |= VDISK_READONLY;
	free(s);
	return xb_write(xs, t, be, "feature-flush-cache", "1") &&
	    xb_write(xs, t, be, "feature-persistent", "1") &&
	    xwrite_int(t, be, "sectors", bytes / 512) &&
	    xwrite_int(t, be, "info", info) &&
	    xb_write(xs, t, be, "sector-size", "512") &&
	    xb_write(xs, t, be, "physical-sector-size", "512");
}

/* One look at a backend, and what it is moved to. */
struct vbd_look {
	const char	*be;
	bool		 ran;		/* the body ran at least once */
	bool		 gone;		/* no state: the backend is no more */
	bool		 ours;		/* it has a hotplug script */
	int		 state, next;
	char		*fe, *pdev, *script;
};

static int
vbd_step_tx(struct xs_handle *h, xs_transaction_t t, void *ctx)
{
	struct vbd_look	*l = ctx;
	unsigned int	 maj = 0, min = 0;
	int		 fe_state;
	bool		 online, have_device;

	free(l->fe);
	free(l->pdev);
	free(l->script);
	l->fe = l->pdev = l->script = NULL;
	l->ran = true;
	if ((l->state = xb_state(h, t, l->be)) == -1) {
		l->gone = true;
		return XS_TX_NOTHING;
	}
	if ((l->script = xb_read(h, t, l->be, "script")) == NULL)
		return XS_TX_NOTHING;	/* not one we serve */
	l->ours = true;
	l->fe = xb_read(h, t, l->be, "frontend");
	fe_state = l->fe != NULL ? xb_state(h, t, l->fe) : -1;
	online = read_flag(t, l->be, "online");
	l->pdev = xb_read(h, t, l->be, "physical-device");
	have_device = l->pdev != NULL && blkdev_parse(l->pdev, &maj, &min);
	l->next = next_state(l->state, fe_state, online, have_device);
	if (l->next == l->state)
		return XS_TX_NOTHING;
	if ((l->next == XenbusStateConnected &&
	    !write_connect(t, l->be, maj, min)) ||
	    !xwrite_int(t, l->be, "state", l->next))
		return -1;
	return XS_TX_COMMIT;
}

/* Looks at backend domid/devid again and takes it one step on. */
static void
vbd_step(int domid, int devid)
{
	char		 be[PATH_LEN];
	struct vbd_look	 l = { .be = be };
	int		 rc;

	snprintf(be, sizeof(be), BE_ROOT "/%d/%d", domid, devid);
	rc = xs_tx_run(xs, vbd_step_tx, &l);
	if (!l.ran)
		warn("be %d/%d: transaction", domid, devid);
	else if (l.gone)
		vbd_forget(domid, devid);
	else if (l.ours) {
		if (rc == XS_TX_COMMIT)
			printf("be %d/%d: %d -> %d\n", domid, devid, l.state,
			    l.next);
		else if (rc == -1)
			warn("be %d/%d: commit", domid, devid);
		vbd_watch_frontend(vbd_get(domid, devid), l.fe);
	}
	free(l.fe);
	free(l.pdev);
	free(l.script);
}

/* Every backend there is, and every one we knew of. */
static void
scan(void)
{
	char		 path[PATH_LEN], **doms, **devs;
	unsigned int	 ndoms = 0, ndevs, i, j;
	int		 domid, devid;
	struct vbd	*v;

	doms = xs_directory(xs, XBT_NULL, BE_ROOT, &ndoms);
	for (i = 0; doms != NULL && i < ndoms; i++) {
		if ((domid = decimal_parse(doms[i], DOMID_MAX)) == -1)
			continue;
		snprintf(path, sizeof(path), BE_ROOT "/%d", domid);
		ndevs = 0;
		devs = xs_directory(xs, XBT_NULL, path, &ndevs);
		for (j = 0; devs != NULL && j < ndevs; j++)
			if ((devid = decimal_parse(devs[j], INT_MAX)) != -1)
				pending_add(domid, devid);
		free(devs);
	}
	free(doms);
	for (v = vbds; v != NULL; v = v->next)
		pending_add(v->domid, v->devid);
}

/* Notes which device an event is about (all of them, if unclear). */
static void
event(const char *path, const char *token)
{
	const char	*p;
	int		 domid, devid;

	if (strncmp(token, "fe:", 3) == 0) {
		if ((p = decimal_prefix(token + 3, DOMID_MAX, &domid)) != NULL &&
		    *p == ':' && (devid = decimal_parse(p + 1, INT_MAX)) != -1)
			pending_add(domid, devid);
		return;
	}
	p = path + strlen(BE_ROOT);
	if (strncmp(path, BE_ROOT, strlen(BE_ROOT)) != 0 || *p != '/' ||
	    (p = decimal_prefix(p + 1, DOMID_MAX, &domid)) == NULL ||
	    *p != '/' || (p = decimal_prefix(p + 1, INT_MAX, &devid)) == NULL ||
	    (*p != '\0' && *p != '/')) {
		rescan = true;
		return;
	}
	pending_add(domid, devid);
}

int
main(int argc, char *argv[])
{
	struct pollfd	 pfd[2];
	sigset_t	 set;
	char		**ev;
	size_t		 i;
	struct vbd	*v;

	(void)argv;
	if (argc != 1)
		errx(2, "usage: blkback-sim");
	setvbuf(stdout, NULL, _IOLBF, 0);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1 ||
	    (pfd[1].fd = signalfd(-1, &set, SFD_CLOEXEC)) == -1)
		err(1, "signalfd");
	if ((xs = xs_open(0)) == NULL)
		err(1, "xs_open");
	if (!xs_watch(xs, BE_ROOT, "be"))
		err(1, "watch %s", BE_ROOT);
	printf("blkback-sim: ready, watching %s\n", BE_ROOT);
	pfd[0] = (struct pollfd){ .fd = xs_fileno(xs), .events = POLLIN };
	pfd[1].events = POLLIN;
	for (;;) {
		if (poll(pfd, 2, -1) == -1) {
			if (errno == EINTR)
				continue;
			err(1, "poll");
		}
		if (pfd[1].revents)
			break;
		/* Take every queued event first: each device once. */
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
			vbd_step(pending[i].domid, pending[i].devid);
		npending = 0;
	}
	while ((v = vbds) != NULL) {
		vbds = v->next;
		vbd_free(v);
	}
	free(pending);
	xs_close(xs);
	return 0;
}
