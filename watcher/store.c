/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * The xenstore connection.  libxenstore's calls are synchronous round
 * trips to xenstored on the same host, as in every toolstack; the only
 * waiting that matters, for watch events, goes through the event loop.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "fault.h"
#include "xs.h"
#include "log.h"
#include "loop.h"
#include "paths.h"
#include "store.h"

static struct xs_handle *xsh;
static struct loop_fd *xs_handler;
static store_watch_fn *watch_fn;
static struct loop_fd *probe_handler;
static int probe_fd = -1;

/*
 * Watch events that libxenstore had already received when one of our
 * transactions committed, taken off its list then and stamped with that
 * commit (see store_event_seq()), in xenstored's order.
 */
struct queued_event {
	struct queued_event *next;
	char **ev;
	unsigned long seq;
};
static struct queued_event *queue_head, **queue_tail = &queue_head;
static struct loop_timer *queue_timer;
static unsigned long commit_seq;	/* store_tx() commits so far */
static unsigned long event_seq = STORE_SEQ_NEWS;

/*
 * Hands every pending event to the handler: the queued ones first, then
 * libxenstore's, so that the order stays xenstored's even when a handler
 * queues more.  false if reading libxenstore's failed.
 */
static bool
store_dispatch(void)
{
	struct queued_event *q;
	char **ev;
	bool ok = true;

	for (;;) {
		if ((q = queue_head) != NULL) {
			if ((queue_head = q->next) == NULL)
				queue_tail = &queue_head;
			event_seq = q->seq;
			ev = q->ev;
			free(q);
		} else if ((ev = xs_check_watch(xsh)) != NULL)
			event_seq = STORE_SEQ_NEWS;
		else {
			ok = errno == EAGAIN;
			break;
		}
		watch_fn(ev[XS_WATCH_PATH], ev[XS_WATCH_TOKEN]);
		free(ev);
	}
	event_seq = STORE_SEQ_NEWS;
	return ok;
}

static void
store_readable(void *ctx, int fd, short revents)
{
	(void)ctx;
	(void)fd;
	if (revents & (POLLERR | POLLHUP | POLLNVAL))
		fatalx("lost the connection to xenstored; exiting so that "
		    "the service manager restarts us with a fresh view");
	if (!store_dispatch())
		fatalx("reading watch events from xenstored failed (%s); "
		    "exiting so that the service manager restarts us",
		    strerror(errno));
}

static void
store_queue_due(void *ctx)
{
	(void)ctx;
	queue_timer = NULL;
	if (!store_dispatch())
		fatalx("reading watch events from xenstored failed (%s); "
		    "exiting so that the service manager restarts us",
		    strerror(errno));
}

/*
 * Called when a transaction has committed: libxenstore's reader has
 * put every event xenstored sent before the commit's reply on its list
 * by now; they are taken off it, stamped, and handed out from the loop.
 */
static void
store_queue_events(void)
{
	struct queued_event *q;
	char **ev;

	commit_seq++;
	/* Without memory the rest stay libxenstore's, handled as news. */
	while ((q = malloc(sizeof(*q))) != NULL) {
		if ((ev = xs_check_watch(xsh)) == NULL) {
			free(q);
			break;
		}
		q->next = NULL;
		q->ev = ev;
		q->seq = commit_seq;
		*queue_tail = q;
		queue_tail = &q->next;
	}
	if (queue_head != NULL && queue_timer == NULL &&
	    (queue_timer = loop_timer_add(0, store_queue_due, NULL)) == NULL)
		log_warnx("no timer for queued watch events; they wait for "
		    "the next one");
}

unsigned long
store_event_seq(void)
{
	return event_seq;
}

unsigned long
store_commit_seq(void)
{
	return commit_seq;
}

static void
store_probe_hup(void *ctx, int fd, short revents)
{
	(void)ctx;
	(void)fd;
	(void)revents;
	fatalx("lost the connection to xenstored; exiting so that the "
	    "service manager restarts us with a fresh view");
}

/*
 * libxenstore's descriptor is its watch pipe, which stays silent when
 * xenstored goes away.  An idle connection of our own to the same
 * socket (found as libxenstore finds it) hangs up then: that is how we
 * learn it.  Without it we would wait for events that never come.
 */
static void
store_probe_open(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	const char *path = getenv("XENSTORED_PATH"), *rundir;
	char buf[sizeof(sun.sun_path)];

	if (path == NULL) {
		rundir = getenv("XENSTORED_RUNDIR");
		snprintf(buf, sizeof(buf), "%s/socket",
		    rundir != NULL ? rundir : "/var/run/xenstored");
		path = buf;
	}
	if (strlen(path) >= sizeof(sun.sun_path))
		return;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	probe_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe_fd == -1 ||
	    connect(probe_fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    (probe_handler = loop_fd_add(probe_fd, POLLIN, store_probe_hup,
	    NULL)) == NULL) {
		log_warn("cannot watch xenstored's socket %s; its loss will "
		    "go unnoticed", path);
		if (probe_fd != -1)
			close(probe_fd);
		probe_fd = -1;
	}
}

int
store_open(store_watch_fn *on_event)
{
	int fd;

	/* Sockets only: dom0's daemon must never fall back to the ring. */
	if ((xsh = xs_open(XS_OPEN_SOCKETONLY)) == NULL)
		return -1;
	watch_fn = on_event;
	if ((fd = xs_fileno(xsh)) == -1)
		return -1;
	xs_handler = loop_fd_add(fd, POLLIN, store_readable, NULL);
	if (xs_handler == NULL)
		return -1;
	store_probe_open();
	return 0;
}

void
store_close(void)
{
	struct queued_event *q;

	loop_timer_del(queue_timer);
	queue_timer = NULL;
	while ((q = queue_head) != NULL) {
		queue_head = q->next;
		free(q->ev);
		free(q);
	}
	queue_tail = &queue_head;
	loop_fd_del(probe_handler);
	probe_handler = NULL;
	if (probe_fd != -1)
		close(probe_fd);
	probe_fd = -1;
	loop_fd_del(xs_handler);
	xs_handler = NULL;
	if (xsh != NULL)
		xs_close(xsh);
	xsh = NULL;
}

bool
store_read(xs_transaction_t t, const char *path, char *buf, size_t len)
{
	return xs_read_bounded(xsh, t, path, buf, len);
}

bool
store_exists(xs_transaction_t t, const char *path)
{
	unsigned int n;
	char *v;

	if ((v = xs_read(xsh, t, path, &n)) == NULL)
		return false;
	free(v);
	return true;
}

/*
 * Inside a transaction nothing is seen before the commit, which is the
 * fault point; outside one each change is.
 */
static void
store_fault_point(xs_transaction_t t, const char *kind, const char *path)
{
	if (t == XBT_NULL)
		fault_point(kind, "%s", path);
}

bool
store_write(xs_transaction_t t, const char *path, const char *value)
{
	store_fault_point(t, "xenstore write", path);
	return xs_write(xsh, t, path, value, strlen(value));
}

bool
store_write_request(xs_transaction_t t, int domid, const char *vdev,
    const char *leaf, const char *value)
{
	char path[XS_PATH_MAX];

	return path_request_node(path, domid, vdev, leaf) == 0 &&
	    store_write(t, path, value);
}

bool
store_rm(xs_transaction_t t, const char *path)
{
	store_fault_point(t, "xenstore rm", path);
	return xs_rm(xsh, t, path) || errno == ENOENT;
}

/*
 * Sets path's permissions unless they are already those: setting them
 * fires every watch on the node, and a watcher (the daemon itself, on a
 * drive's target) would take the event for a rewrite.
 */
static bool
store_set_perms(xs_transaction_t t, const char *path,
    struct xs_permissions *perms, unsigned n)
{
	struct xs_permissions *have;
	unsigned int n_have, i;
	bool same;

	if ((have = xs_get_permissions(xsh, t, path, &n_have)) != NULL) {
		same = n_have == n;
		for (i = 0; same && i < n; i++)
			same = have[i].id == perms[i].id &&
			    have[i].perms == perms[i].perms;
		free(have);
		if (same)
			return true;
	}
	store_fault_point(t, "xenstore set permissions", path);
	return xs_set_permissions(xsh, t, path, perms, n);
}

static void
guest_perms(struct xs_permissions perms[2], int guest, bool guest_may_write)
{
	perms[0].id = 0;
	perms[0].perms = XS_PERM_NONE;
	perms[1].id = (unsigned)guest;
	perms[1].perms = guest_may_write ? XS_PERM_READ | XS_PERM_WRITE :
	    XS_PERM_READ;
}

bool
store_set_new_guest_perms(xs_transaction_t t, const char *path, int guest,
    bool guest_may_write)
{
	struct xs_permissions perms[2];

	guest_perms(perms, guest, guest_may_write);
	store_fault_point(t, "xenstore set permissions", path);
	return xs_set_permissions(xsh, t, path, perms, 2);
}

bool
store_set_guest_perms(xs_transaction_t t, const char *path, int guest,
    bool guest_may_write)
{
	struct xs_permissions perms[2];

	guest_perms(perms, guest, guest_may_write);
	return store_set_perms(t, path, perms, 2);
}

bool
store_set_owner_perms(xs_transaction_t t, const char *path, int owner,
    int reader)
{
	struct xs_permissions perms[2] = {
		{ .id = (unsigned)owner, .perms = XS_PERM_NONE },
		{ .id = (unsigned)reader, .perms = XS_PERM_READ },
	};

	return store_set_perms(t, path, perms, 2);
}

char **
store_list(xs_transaction_t t, const char *path, unsigned *n)
{
	return xs_directory(xsh, t, path, n);
}

struct store_tx_call {
	store_tx_fn *body;
	void *ctx;
};

/* The daemon's body, with the fault point of a commit after it. */
static int
store_tx_body(struct xs_handle *h, xs_transaction_t t, void *arg)
{
	struct store_tx_call *call = arg;
	int rc;

	(void)h;
	if ((rc = call->body(t, call->ctx)) == XS_TX_COMMIT)
		fault_point("xenstore commit", "of a transaction");
	return rc;
}

int
store_tx(store_tx_fn *body, void *ctx)
{
	struct store_tx_call call = { body, ctx };
	int rc;

	if ((rc = xs_tx_run(xsh, store_tx_body, &call)) == XS_TX_COMMIT)
		store_queue_events();
	return rc;
}

bool
store_watch(const char *path, const char *token)
{
	return xs_watch(xsh, path, token);
}

bool
store_unwatch(const char *path, const char *token)
{
	return xs_unwatch(xsh, path, token);
}

bool
store_domain_introduced(int domid)
{
	return xs_is_domain_introduced(xsh, (unsigned)domid);
}
