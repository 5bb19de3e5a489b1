/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * xs-ring: the guest side of the test host.  "xs-ring DOMID SOCKET"
 * plays unprivileged domain DOMID: it lays out the domain's ring page
 * and event channel under $XSHIM_DIR (see xshim.h), has xenstored
 * introduce the domain (as dom0, over $XENSTORED_PATH), then relays the
 * xenstore wire protocol between any number of clients on the unix
 * socket SOCKET and the domain's single ring, so that
 * "XENSTORED_PATH=SOCKET xenstore-write ..." runs as DOMID.
 *
 * Readiness: SOCKET appears (bound under a temporary name, then renamed)
 * only once xenstored has introduced the domain.  SIGTERM or SIGINT:
 * SOCKET and the event socket are removed and xs-ring exits 0.  It
 * never writes to stdout.
 *
 * "xs-ring --dom-exc" sends VIRQ_DOM_EXC to xenstored, "a domain changed
 * state", so that it rescans $XSHIM_DIR/dom, and returns once it has:
 * the datagram is queued before our connection, and xenstored handles
 * its event channel (draining it: xsshim.c) before reading requests.
 * "xs-ring --release DOMID" is the hypervisor destroying DOMID: it
 * removes $XSHIM_DIR/dom/DOMID, does --dom-exc and checks that xenstored
 * no longer knows the domain (it has fired @releaseDomain by then).
 * "xs-ring --set-target DOMID TARGET" is what libxl does for a stub
 * domain DOMID running TARGET's device model (xs_set_target, after
 * xc_domain_set_target): xenstored then lets DOMID act on TARGET's
 * nodes as if it were TARGET.  Both domains must have been introduced.
 *
 * Many clients share one ring the way they would share a guest kernel's
 * xenbus device: requests get relay-chosen req_ids so that replies find
 * their client, watch tokens get a "CLIENTID:" prefix that is stripped
 * again from XS_WATCH_EVENT, and a client that goes away has its
 * watches removed and its transactions aborted for it.
 */
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xenstore.h>
#include <xen/io/xs_wire.h>
#include <xen/xen.h>

#include "xshim.h"

#define PAGE		4096
#define MSG_MAX		(sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX)
/* Stop reading clients while this much waits for room in the ring. */
#define BACKLOG_MAX	(64 * 1024)
/* The gfn xenstored is told; it ignores it (do_introduce). */
#define FAKE_GFN	0xfeffeUL

struct buf {
	char		*data;
	size_t		 len, cap;
};

/* One message being assembled from a byte stream. */
struct msg {
	struct xsd_sockmsg hdr;
	char		 body[XENSTORE_PAYLOAD_MAX + 1];
	size_t		 have;		/* bytes of hdr + body so far */
};

struct watch {
	struct watch	*next;
	char		*path, *token;	/* token as sent to xenstored */
};

struct tx {
	struct tx	*next;
	uint32_t	 id;
};

struct client {
	struct client	*next;
	unsigned int	 id;
	int		 fd, dead;
	struct msg	 in;
	struct buf	 out;
	struct watch	*watches;
	struct tx	*txs;
};

/* A request sent to xenstored whose reply has not come back yet. */
struct pending {
	struct pending	*next;
	uint32_t	 relay_id;
	unsigned int	 client;	/* 0: the relay's own, reply dropped */
	uint32_t	 req_id, type;
	char		*path, *token;	/* XS_WATCH, XS_UNWATCH */
};

static struct xenstore_domain_interface *intf;
static unsigned int	 domid;
static int		 evfd = -1;
static struct buf	 toxs;		/* requests waiting for the ring */
static struct msg	 rsp;		/* reply being read from the ring */
static struct client	*clients;
static struct pending	*pendings;
static uint32_t		 next_relay_id = 1;
static unsigned int	 next_client_id = 1;

static void
buf_add(struct buf *b, const void *p, size_t len)
{
	if (b->len + len > b->cap) {
		b->cap = (b->len + len) * 2;
		if ((b->data = realloc(b->data, b->cap)) == NULL)
			err(1, "realloc");
	}
	memcpy(b->data + b->len, p, len);
	b->len += len;
}

static void
buf_drop(struct buf *b, size_t len)
{
	memmove(b->data, b->data + len, b->len - len);
	b->len -= len;
}

static void
buf_msg(struct buf *b, const struct xsd_sockmsg *hdr, const void *body)
{
	buf_add(b, hdr, sizeof(*hdr));
	buf_add(b, body, hdr->len);
}

/* Feeds up to len bytes of a stream into m; returns how many it took. */
static size_t
msg_feed(struct msg *m, const char *p, size_t len)
{
	size_t	 want;

	if (m->have < sizeof(m->hdr))
		want = sizeof(m->hdr) - m->have;
	else
		want = sizeof(m->hdr) + m->hdr.len - m->have;
	if (want > len)
		want = len;
	if (m->have < sizeof(m->hdr))
		memcpy((char *)&m->hdr + m->have, p, want);
	else
		memcpy(m->body + m->have - sizeof(m->hdr), p, want);
	m->have += want;
	return want;
}

/* -1: malformed, 0: incomplete, 1: complete (body NUL-terminated). */
static int
msg_done(struct msg *m)
{
	if (m->have < sizeof(m->hdr))
		return 0;
	if (m->hdr.len > XENSTORE_PAYLOAD_MAX)
		return -1;
	if (m->have < sizeof(m->hdr) + m->hdr.len)
		return 0;
	m->body[m->hdr.len] = '\0';
	return 1;
}

static struct client *
client_find(unsigned int id)
{
	struct client	*c;

	for (c = clients; c != NULL; c = c->next)
		if (c->id == id && !c->dead)
			return c;
	return NULL;
}

static void
send_request(unsigned int cid, struct xsd_sockmsg *hdr, const void *body,
    const char *path, const char *token)
{
	struct pending	*p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		err(1, "calloc");
	p->relay_id = next_relay_id++;
	if (next_relay_id == 0)
		next_relay_id = 1;
	p->client = cid;
	p->req_id = hdr->req_id;
	p->type = hdr->type;
	if (path != NULL && ((p->path = strdup(path)) == NULL ||
	    (p->token = strdup(token)) == NULL))
		err(1, "strdup");
	p->next = pendings;
	pendings = p;
	hdr->req_id = p->relay_id;
	buf_msg(&toxs, hdr, body);
}

/* A request of the relay's own, on behalf of a client that left. */
static void
send_cleanup(uint32_t type, uint32_t tx_id, const char *a, const char *b)
{
	struct xsd_sockmsg	 hdr = { .type = type, .tx_id = tx_id };
	char			 body[XENSTORE_PAYLOAD_MAX];
	size_t			 la = strlen(a) + 1, lb = b ? strlen(b) + 1 : 0;

	memcpy(body, a, la);
	if (b != NULL)
		memcpy(body + la, b, lb);
	hdr.len = la + lb;
	send_request(0, &hdr, body, NULL, NULL);
}

static void
reply_error(struct client *c, const struct xsd_sockmsg *req, const char *e)
{
	struct xsd_sockmsg	 hdr = *req;

	hdr.type = XS_ERROR;
	hdr.len = strlen(e) + 1;
	buf_msg(&c->out, &hdr, e);
}

/* A complete request from client c: rewrite what routing needs, queue. */
static void
client_request(struct client *c)
{
	struct xsd_sockmsg	 hdr = c->in.hdr;
	char			 body[XENSTORE_PAYLOAD_MAX + 64], *path, *token;
	struct tx		**tp, *t;
	size_t			 plen;

	if (hdr.type != XS_WATCH && hdr.type != XS_UNWATCH) {
		if (hdr.type == XS_TRANSACTION_END) {
			/* Over whatever xenstored answers. */
			for (tp = &c->txs; (t = *tp) != NULL; tp = &t->next)
				if (t->id == hdr.tx_id) {
					*tp = t->next;
					free(t);
					break;
				}
		}
		send_request(c->id, &hdr, c->in.body, NULL, NULL);
		return;
	}
	path = c->in.body;
	plen = strlen(path) + 1;
	if (plen >= hdr.len) {
		reply_error(c, &hdr, "EINVAL");
		return;
	}
	token = path + plen;
	hdr.len = plen + snprintf(body + plen, sizeof(body) - plen, "%u:%s",
	    c->id, token) + 1;
	if (hdr.len > XENSTORE_PAYLOAD_MAX) {
		reply_error(c, &hdr, "E2BIG");
		return;
	}
	memcpy(body, path, plen);
	send_request(c->id, &hdr, body, path, body + plen);
}

static void
watch_event(struct xsd_sockmsg *hdr, char *body)
{
	struct client	*c;
	size_t		 plen = strlen(body) + 1;
	char		*token, *rest;
	unsigned long	 cid;

	if (plen >= hdr->len)
		return;
	token = body + plen;
	cid = strtoul(token, &rest, 10);
	if (*rest != ':' || (c = client_find(cid)) == NULL)
		return;
	rest++;
	memmove(token, rest, strlen(rest) + 1);
	hdr->len = plen + strlen(token) + 1;
	buf_msg(&c->out, hdr, body);
}

static void
track_reply(struct client *c, struct pending *p, const char *body)
{
	struct watch	*w, **wp;
	struct tx	*t;

	if (p->type == XS_WATCH) {
		if ((w = calloc(1, sizeof(*w))) == NULL)
			err(1, "calloc");
		w->path = p->path;
		w->token = p->token;
		p->path = p->token = NULL;
		w->next = c->watches;
		c->watches = w;
	} else if (p->type == XS_UNWATCH) {
		for (wp = &c->watches; (w = *wp) != NULL; wp = &w->next)
			if (strcmp(w->path, p->path) == 0 &&
			    strcmp(w->token, p->token) == 0) {
				*wp = w->next;
				free(w->path);
				free(w->token);
				free(w);
				break;
			}
	} else if (p->type == XS_TRANSACTION_START) {
		if ((t = calloc(1, sizeof(*t))) == NULL)
			err(1, "calloc");
		t->id = strtoul(body, NULL, 10);
		t->next = c->txs;
		c->txs = t;
	}
}

/* A complete message from xenstored: route it to its client. */
static void
ring_reply(void)
{
	struct xsd_sockmsg	 hdr = rsp.hdr;
	struct pending		**pp, *p;
	struct client		*c;

	if (hdr.type == XS_WATCH_EVENT) {
		watch_event(&hdr, rsp.body);
		return;
	}
	for (pp = &pendings; (p = *pp) != NULL; pp = &p->next)
		if (p->relay_id == hdr.req_id)
			break;
	if (p == NULL) {
		warnx("dom%u: reply to unknown request %u", domid, hdr.req_id);
		return;
	}
	*pp = p->next;
	hdr.req_id = p->req_id;
	c = p->client ? client_find(p->client) : NULL;
	if (c != NULL) {
		if (hdr.type != XS_ERROR)
			track_reply(c, p, rsp.body);
		buf_msg(&c->out, &hdr, rsp.body);
	} else if (p->client != 0 && hdr.type != XS_ERROR) {
		/* Its client left before the reply: undo what it got. */
		if (p->type == XS_TRANSACTION_START)
			send_cleanup(XS_TRANSACTION_END,
			    strtoul(rsp.body, NULL, 10), "F", NULL);
		else if (p->type == XS_WATCH)
			send_cleanup(XS_UNWATCH, 0, p->path, p->token);
	}
	free(p->path);
	free(p->token);
	free(p);
}

/*
 * Sends xenstored one event datagram (xshim.h): a domid or a virq.  A
 * kick may be dropped when xenstored's queue is full (the queue holds
 * one already); a VIRQ may not, so it waits for room.
 */
static void
send_event(uint32_t msg)
{
	struct sockaddr_un	 sun = { .sun_family = AF_UNIX };
	int			 flags = (msg & XSHIM_VIRQ(0)) ? 0 : MSG_DONTWAIT;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/evtchn/%s",
	    getenv("XSHIM_DIR"), XSHIM_XENSTORED);
	if (sendto(evfd, &msg, sizeof(msg), flags,
	    (struct sockaddr *)&sun, sizeof(sun)) == -1 && errno != EAGAIN)
		warn("event to xenstored");
}

/*
 * Moves queued requests into the ring and replies out of it, the way a
 * guest's xenbus driver does: indexes are free-running, read once, and
 * ordered against the data with barriers.
 */
static void
ring_pump(void)
{
	XENSTORE_RING_IDX	 cons, prod;
	size_t			 n, off;
	int			 kick = 0, r;

	cons = __atomic_load_n(&intf->req_cons, __ATOMIC_ACQUIRE);
	prod = intf->req_prod;
	while (toxs.len > 0 && prod - cons < XENSTORE_RING_SIZE) {
		off = MASK_XENSTORE_IDX(prod);
		n = XENSTORE_RING_SIZE - (prod - cons);
		if (n > XENSTORE_RING_SIZE - off)
			n = XENSTORE_RING_SIZE - off;
		if (n > toxs.len)
			n = toxs.len;
		memcpy(intf->req + off, toxs.data, n);
		buf_drop(&toxs, n);
		prod += n;
		kick = 1;
	}
	__atomic_store_n(&intf->req_prod, prod, __ATOMIC_RELEASE);

	cons = intf->rsp_cons;
	prod = __atomic_load_n(&intf->rsp_prod, __ATOMIC_ACQUIRE);
	while (cons != prod) {
		off = MASK_XENSTORE_IDX(cons);
		n = prod - cons;
		if (n > XENSTORE_RING_SIZE - off)
			n = XENSTORE_RING_SIZE - off;
		cons += msg_feed(&rsp, intf->rsp + off, n);
		if ((r = msg_done(&rsp)) == -1)
			errx(1, "dom%u: oversized message from xenstored",
			    domid);
		if (r == 1) {
			ring_reply();
			rsp.have = 0;
		}
		kick = 1;
	}
	__atomic_store_n(&intf->rsp_cons, cons, __ATOMIC_RELEASE);
	if (kick)
		send_event(domid);
}

static void
client_read(struct client *c)
{
	char	 data[MSG_MAX];
	ssize_t	 n;
	size_t	 off = 0;
	int	 r;

	if ((n = read(c->fd, data, sizeof(data))) <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			c->dead = 1;
		return;
	}
	while (off < (size_t)n) {
		off += msg_feed(&c->in, data + off, n - off);
		if ((r = msg_done(&c->in)) == -1) {
			c->dead = 1;	/* as xenstored drops such a socket */
			return;
		}
		if (r == 1) {
			client_request(c);
			c->in.have = 0;
		}
	}
}

static void
client_write(struct client *c)
{
	ssize_t	 n;

	if ((n = write(c->fd, c->out.data, c->out.len)) == -1) {
		if (errno != EAGAIN && errno != EINTR)
			c->dead = 1;
		return;
	}
	buf_drop(&c->out, n);
}

/* Frees c after asking xenstored to forget what c left behind. */
static void
client_free(struct client *c)
{
	struct watch	*w;
	struct tx	*t;

	while ((w = c->watches) != NULL) {
		c->watches = w->next;
		send_cleanup(XS_UNWATCH, 0, w->path, w->token);
		free(w->path);
		free(w->token);
		free(w);
	}
	while ((t = c->txs) != NULL) {
		c->txs = t->next;
		send_cleanup(XS_TRANSACTION_END, t->id, "F", NULL);
		free(t);
	}
	close(c->fd);
	free(c->out.data);
	free(c);
}

static void
client_accept(int lfd)
{
	struct client	*c;
	int		 fd;

	if ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) == -1)
		return;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		err(1, "calloc");
	c->id = next_client_id++;
	c->fd = fd;
	c->next = clients;
	clients = c;
}

static void
map_ring(const char *dir)
{
	char	 path[PATH_MAX];
	int	 fd;

	snprintf(path, sizeof(path), "%s/dom/%u", dir, domid);
	if ((fd = open(path, O_WRONLY | O_CREAT, 0644)) == -1)
		err(1, "%s", path);
	close(fd);
	/* A fresh, zeroed page: the state a new domain's ring starts in. */
	snprintf(path, sizeof(path), "%s/ring/%u", dir, domid);
	if ((fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644)) == -1 ||
	    ftruncate(fd, PAGE) == -1)
		err(1, "%s", path);
	intf = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (intf == MAP_FAILED)
		err(1, "mmap %s", path);
	close(fd);
}

static int
bind_unix(int type, const char *path)
{
	struct sockaddr_un	 sun = { .sun_family = AF_UNIX };
	int			 fd;

	if (strlen(path) >= sizeof(sun.sun_path))
		errx(1, "%s: path too long", path);
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) == -1)
		err(1, "socket");
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		err(1, "bind %s", path);
	return fd;
}

static void
introduce(void)
{
	struct xs_handle	*xs;

	/* As dom0: $XENSTORED_PATH is still the real daemon's socket here. */
	if ((xs = xs_open(0)) == NULL)
		err(1, "xs_open");
	if (!xs_introduce_domain(xs, domid, FAKE_GFN, XSHIM_GUEST_PORT))
		err(1, "introduce dom%u", domid);
	xs_close(xs);
}

static int
serve(int lfd, int sfd)
{
	struct client	*c, **cp;
	struct pollfd	*pfd = NULL;
	size_t		 n, i, cap = 0;
	uint32_t	 kick;

	for (;;) {
		for (n = 3, c = clients; c != NULL; c = c->next)
			n++;
		if (n > cap && (pfd = reallocarray(pfd, cap = n * 2,
		    sizeof(*pfd))) == NULL)
			err(1, "reallocarray");
		pfd[0] = (struct pollfd){ .fd = sfd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = evfd, .events = POLLIN };
		pfd[2] = (struct pollfd){ .fd = lfd, .events = POLLIN };
		for (i = 3, c = clients; c != NULL; c = c->next, i++) {
			pfd[i].fd = c->fd;
			pfd[i].events = toxs.len < BACKLOG_MAX ? POLLIN : 0;
			if (c->out.len > 0)
				pfd[i].events |= POLLOUT;
		}
		if (poll(pfd, n, -1) == -1) {
			if (errno == EINTR)
				continue;
			err(1, "poll");
		}
		if (pfd[0].revents)
			break;
		while (recv(evfd, &kick, sizeof(kick), MSG_DONTWAIT) > 0)
			;
		if (pfd[2].revents & POLLIN)
			client_accept(lfd);
		/* New clients sit at the head, beyond this poll's entries. */
		for (c = clients; c != NULL; c = c->next) {
			for (i = 3; i < n && pfd[i].fd != c->fd; i++)
				;
			if (i == n)
				continue;
			if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
				client_read(c);
			if (!c->dead && (pfd[i].revents & POLLOUT))
				client_write(c);
		}
		for (cp = &clients; (c = *cp) != NULL; ) {
			if (c->dead) {
				*cp = c->next;
				client_free(c);
			} else
				cp = &c->next;
		}
		ring_pump();
		/* Replies routed just now: try them before sleeping. */
		for (c = clients; c != NULL; c = c->next)
			if (c->out.len > 0)
				client_write(c);
	}
	free(pfd);
	return 0;
}

static int
dom_exc(void)
{
	struct xs_handle	*xs;
	int			 known;

	if ((evfd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		err(1, "socket");
	send_event(XSHIM_VIRQ(VIRQ_DOM_EXC));
	/* Any reply means xenstored has handled the VIRQ (see above). */
	if ((xs = xs_open(0)) == NULL)
		err(1, "xs_open");
	known = xs_is_domain_introduced(xs, domid);
	xs_close(xs);
	return domid != 0 && known;
}

static int
release(const char *dir)
{
	char	 path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/dom/%u", dir, domid);
	if (unlink(path) == -1 && errno != ENOENT)
		err(1, "%s", path);
	if (dom_exc() != 0)
		errx(1, "dom%u: xenstored still knows the domain", domid);
	return 0;
}

static unsigned int
parse_domid(const char *s)
{
	unsigned long	 d;
	char		*end;

	d = strtoul(s, &end, 10);
	if (*s < '0' || *s > '9' || *end != '\0' || d == 0 ||
	    d >= DOMID_FIRST_RESERVED)
		errx(1, "%s: not a guest domid", s);
	return d;
}

/* As dom0, over $XENSTORED_PATH: XS_SET_TARGET is a privileged call. */
static int
set_target(const char *dom, const char *target)
{
	struct xs_handle	*xs;
	unsigned int		 d = parse_domid(dom), t = parse_domid(target);

	if ((xs = xs_open(0)) == NULL)
		err(1, "xs_open");
	if (!xs_set_target(xs, d, t))
		err(1, "set target of dom%u to dom%u", d, t);
	xs_close(xs);
	return 0;
}

int
main(int argc, char *argv[])
{
	char		 evpath[PATH_MAX], tmp[PATH_MAX];
	const char	*dir, *sock;
	sigset_t	 set;
	int		 lfd, sfd, rc;

	if ((dir = getenv("XSHIM_DIR")) == NULL)
		errx(1, "XSHIM_DIR is not set");
	if (argc == 2 && strcmp(argv[1], "--dom-exc") == 0)
		return dom_exc();
	if (argc == 4 && strcmp(argv[1], "--set-target") == 0)
		return set_target(argv[2], argv[3]);
	if (argc != 3)
		errx(1, "usage: xs-ring DOMID SOCKET | --release DOMID | "
		    "--dom-exc | --set-target DOMID TARGET");
	if (strcmp(argv[1], "--release") == 0) {
		domid = parse_domid(argv[2]);
		return release(dir);
	}
	domid = parse_domid(argv[1]);
	sock = argv[2];

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1 ||
	    (sfd = signalfd(-1, &set, SFD_CLOEXEC)) == -1)
		err(1, "signalfd");
	signal(SIGPIPE, SIG_IGN);

	map_ring(dir);
	snprintf(evpath, sizeof(evpath), "%s/evtchn/dom%u", dir, domid);
	evfd = bind_unix(SOCK_DGRAM, evpath);
	introduce();

	snprintf(tmp, sizeof(tmp), "%s.tmp", sock);
	lfd = bind_unix(SOCK_STREAM, tmp);
	if (listen(lfd, 64) == -1 || rename(tmp, sock) == -1)
		err(1, "listen %s", sock);

	rc = serve(lfd, sfd);
	unlink(sock);
	unlink(evpath);
	return rc;
}
