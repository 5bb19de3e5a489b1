/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * LD_PRELOAD shim that lets Debian's real xenstored 4.17 run without a
 * hypervisor: it replaces the few libxenctrl, libxengnttab and
 * libxenevtchn calls xenstored makes, and its opens of /proc/xen, with
 * files and datagram sockets under $XSHIM_DIR (layout and datagram
 * format in xshim.h).  Everything else is xenstored's own code, so
 * permissions, quotas, watches and transactions behave as on a real
 * dom0.
 */
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xentoollog.h>
#include <xenevtchn.h>
#include <xengnttab.h>
#include <xen/sched.h>

#include "xshim.h"

/*
 * <xenctrl.h> does not compile under -std=c11 (xen/hvm/save.h wants GNU
 * anonymous unions), so we declare the two things we need from it: the
 * handle type, and the leading fields of xc_dominfo_t as laid out in
 * Xen 4.17, the only ones xenstored reads.  We write nothing beyond them.
 */
typedef struct xc_interface_core xc_interface;
typedef struct {
	uint32_t	 domid;
	uint32_t	 ssidref;
	unsigned int	 dying:1, crashed:1, shutdown:1,
			 paused:1, blocked:1, running:1,
			 hvm:1, debugged:1, xenstore:1, hap:1;
	unsigned int	 shutdown_reason;
} xc_dominfo_t;

xc_interface	*xc_interface_open(xentoollog_logger *, xentoollog_logger *,
		    unsigned);
int		 xc_interface_close(xc_interface *);
int		 xc_domain_getinfo(xc_interface *, uint32_t, unsigned int,
		    xc_dominfo_t *);

#define PAGE		4096
#define NPORTS		1024
/* Ids from DOMID_FIRST_RESERVED (xen/xen.h) up name no domain. */
#define DOMID_LIMIT	DOMID_FIRST_RESERVED

enum { PORT_FREE, PORT_DOMAIN, PORT_VIRQ };

/* What each local port of xenstored's single evtchn handle is bound to. */
struct port {
	int		 kind;		/* PORT_FREE, PORT_DOMAIN, PORT_VIRQ */
	uint32_t	 domid;		/* PORT_DOMAIN: the remote domain */
	uint32_t	 remote;	/* PORT_DOMAIN: its port; PORT_VIRQ: virq */
};

/* The opaque handles only need to be distinct, non-NULL pointers. */
static int		 xc_dummy, gnt_dummy;
static struct xenevtchn_handle {
	int		 fd;
} evtchn = { -1 };
static struct port	 ports[NPORTS];

static const char *
shim_dir(void)
{
	const char	*dir = getenv("XSHIM_DIR");

	return dir != NULL ? dir : "/nonexistent";
}

static void
shim_path(char *buf, size_t len, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	n = snprintf(buf, len, "%s/", shim_dir());
	va_start(ap, fmt);
	vsnprintf(buf + n, len - n, fmt, ap);
	va_end(ap);
}

static int
real_open(const char *path, int flags, mode_t mode)
{
	static int (*next)(const char *, int, ...);

	if (next == NULL)
		next = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open");
	return next(path, flags, mode);
}

/*
 * xenstored reads dom0's event channel from /proc/xen/xsd_port and maps
 * dom0's ring from /proc/xen/xsd_kva (xenstored_posix.c); nobody else
 * in the process opens anything under /proc/xen.
 */
int
open(const char *path, int flags, ...)
{
	char	 buf[PATH_MAX];
	mode_t	 mode = 0;
	va_list	 ap;

	if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) {
		va_start(ap, flags);
		mode = va_arg(ap, int);
		va_end(ap);
	}
	if (strcmp(path, "/proc/xen/xsd_port") == 0 ||
	    strcmp(path, "/proc/xen/xsd_kva") == 0) {
		shim_path(buf, sizeof(buf), "%s", path + strlen("/proc/xen/"));
		path = buf;
	}
	return real_open(path, flags, mode);
}

/* Lays out $XSHIM_DIR before xenstored's main() looks for any of it. */
__attribute__((constructor)) static void
shim_init(void)
{
	static const char *dirs[] = { "dom", "ring", "evtchn" };
	char		 buf[PATH_MAX];
	size_t		 i;
	int		 fd;

	if (getenv("XSHIM_DIR") == NULL)
		return;
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		shim_path(buf, sizeof(buf), "%s", dirs[i]);
		mkdir(buf, 0755);
	}
	/* Dom0's port is never kicked by anyone: any valid number will do. */
	shim_path(buf, sizeof(buf), "xsd_port");
	if ((fd = real_open(buf, O_WRONLY | O_CREAT | O_TRUNC, 0644)) != -1) {
		if (write(fd, "1\n", 2) != 2)
			perror("xsshim: xsd_port");
		close(fd);
	}
	shim_path(buf, sizeof(buf), "xsd_kva");
	if ((fd = real_open(buf, O_RDWR | O_CREAT | O_TRUNC, 0644)) != -1) {
		if (ftruncate(fd, PAGE) == -1)
			perror("xsshim: xsd_kva");
		close(fd);
	}
}

xc_interface *
xc_interface_open(xentoollog_logger *logger, xentoollog_logger *dombuild,
    unsigned flags)
{
	(void)logger; (void)dombuild; (void)flags;
	return (xc_interface *)&xc_dummy;
}

int
xc_interface_close(xc_interface *xch)
{
	(void)xch;
	return 0;
}

static int
cmp_domid(const void *a, const void *b)
{
	uint32_t	 x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

static void
fill_dominfo(uint32_t domid, xc_dominfo_t *info)
{
	char		 path[PATH_MAX], state[16] = "";
	ssize_t		 n;
	int		 fd;

	memset(info, 0, sizeof(*info));
	info->domid = domid;
	shim_path(path, sizeof(path), "dom/%u", domid);
	if ((fd = real_open(path, O_RDONLY, 0)) != -1) {
		n = read(fd, state, sizeof(state) - 1);
		state[n > 0 ? n : 0] = '\0';
		close(fd);
	}
	if (strncmp(state, "dying", 5) == 0)
		info->dying = 1;
	else if (strncmp(state, "crashed", 7) == 0) {
		info->crashed = info->shutdown = 1;
		info->shutdown_reason = SHUTDOWN_crash;
	} else if (strncmp(state, "shutdown", 8) == 0) {
		info->shutdown = 1;
		info->shutdown_reason = SHUTDOWN_poweroff;
	} else
		info->running = 1;
}

/*
 * Like the hypercall: the existing domains whose domid is >= first, in
 * domid order, at most max of them.  Dom0 always exists.
 */
int
xc_domain_getinfo(xc_interface *xch, uint32_t first, unsigned int max,
    xc_dominfo_t *info)
{
	static uint32_t	 ids[DOMID_LIMIT];
	char		 path[PATH_MAX], *end;
	struct dirent	*de;
	unsigned long	 id;
	unsigned int	 n = 0, i;
	DIR		*dir;

	(void)xch;
	if (first == 0)
		ids[n++] = 0;
	shim_path(path, sizeof(path), "dom");
	if ((dir = opendir(path)) != NULL) {
		while ((de = readdir(dir)) != NULL &&
		    n < DOMID_LIMIT) {
			id = strtoul(de->d_name, &end, 10);
			if (*de->d_name < '0' || *de->d_name > '9' ||
			    *end != '\0' || id == 0 ||
			    id >= DOMID_LIMIT || id < first)
				continue;
			ids[n++] = id;
		}
		closedir(dir);
	}
	qsort(ids, n, sizeof(ids[0]), cmp_domid);
	for (i = 0; i < n && i < max; i++)
		fill_dominfo(ids[i], &info[i]);
	return i;
}

xengnttab_handle *
xengnttab_open(xentoollog_logger *logger, unsigned flags)
{
	(void)logger; (void)flags;
	return (xengnttab_handle *)&gnt_dummy;
}

int
xengnttab_close(xengnttab_handle *xgt)
{
	(void)xgt;
	return 0;
}

int
xengnttab_set_max_grants(xengnttab_handle *xgt, uint32_t count)
{
	(void)xgt; (void)count;
	return 0;
}

/* The only grant xenstored maps is a domain's ring: the file of xs-ring. */
void *
xengnttab_map_grant_ref(xengnttab_handle *xgt, uint32_t domid,
    uint32_t ref, int prot)
{
	char	 path[PATH_MAX];
	void	*p;
	int	 fd;

	(void)xgt; (void)ref;
	shim_path(path, sizeof(path), "ring/%u", domid);
	if ((fd = real_open(path, O_RDWR, 0)) == -1)
		return NULL;
	p = mmap(NULL, PAGE, prot, MAP_SHARED, fd, 0);
	close(fd);
	return p == MAP_FAILED ? NULL : p;
}

int
xengnttab_unmap(xengnttab_handle *xgt, void *addr, uint32_t count)
{
	(void)xgt;
	return munmap(addr, (size_t)count * PAGE);
}

static int
evtchn_sockaddr(struct sockaddr_un *sun, const char *name)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if ((size_t)snprintf(sun->sun_path, sizeof(sun->sun_path),
	    "%s/evtchn/%s", shim_dir(), name) >= sizeof(sun->sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

xenevtchn_handle *
xenevtchn_fdopen(xentoollog_logger *logger, int fd, unsigned flags)
{
	(void)logger; (void)flags;
	evtchn.fd = fd;
	return &evtchn;
}

xenevtchn_handle *
xenevtchn_open(xentoollog_logger *logger, unsigned flags)
{
	struct sockaddr_un	 sun;
	int			 fd, type = SOCK_DGRAM;

	if (!(flags & XENEVTCHN_NO_CLOEXEC))
		type |= SOCK_CLOEXEC;
	if (evtchn_sockaddr(&sun, XSHIM_XENSTORED) == -1)
		return NULL;
	if ((fd = socket(AF_UNIX, type, 0)) == -1)
		return NULL;
	unlink(sun.sun_path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		close(fd);
		return NULL;
	}
	return xenevtchn_fdopen(logger, fd, flags);
}

int
xenevtchn_close(xenevtchn_handle *xce)
{
	return close(xce->fd);
}

int
xenevtchn_fd(xenevtchn_handle *xce)
{
	return xce->fd;
}

static xenevtchn_port_or_error_t
port_alloc(int kind, uint32_t domid, uint32_t remote)
{
	int	 p;

	/* Port 0 is never valid in Xen; xenstored treats it as "none". */
	for (p = 1; p < NPORTS; p++) {
		if (ports[p].kind == PORT_FREE) {
			ports[p].kind = kind;
			ports[p].domid = domid;
			ports[p].remote = remote;
			return p;
		}
	}
	errno = ENOSPC;
	return -1;
}

xenevtchn_port_or_error_t
xenevtchn_bind_interdomain(xenevtchn_handle *xce, uint32_t domid,
    evtchn_port_t remote)
{
	(void)xce;
	return port_alloc(PORT_DOMAIN, domid, remote);
}

xenevtchn_port_or_error_t
xenevtchn_bind_virq(xenevtchn_handle *xce, unsigned int virq)
{
	(void)xce;
	return port_alloc(PORT_VIRQ, 0, virq);
}

int
xenevtchn_unbind(xenevtchn_handle *xce, evtchn_port_t port)
{
	(void)xce;
	if (port == 0 || port >= NPORTS || ports[port].kind == PORT_FREE) {
		errno = EINVAL;
		return -1;
	}
	ports[port].kind = PORT_FREE;
	return 0;
}

/*
 * A guest that is gone (socket removed or not read by anyone) just
 * misses the kick, as a dead domain would; a full queue already holds
 * a kick, so dropping this one loses nothing.
 */
int
xenevtchn_notify(xenevtchn_handle *xce, evtchn_port_t port)
{
	struct sockaddr_un	 sun;
	char			 name[32];
	uint32_t		 msg;

	if (port == 0 || port >= NPORTS || ports[port].kind != PORT_DOMAIN) {
		errno = EINVAL;
		return -1;
	}
	snprintf(name, sizeof(name), "dom%u", ports[port].domid);
	if (evtchn_sockaddr(&sun, name) == -1)
		return -1;
	msg = ports[port].remote;
	if (sendto(xce->fd, &msg, sizeof(msg), MSG_DONTWAIT,
	    (struct sockaddr *)&sun, sizeof(sun)) == -1 &&
	    errno != ENOENT && errno != ECONNREFUSED && errno != EAGAIN)
		return -1;
	return 0;
}

/*
 * Called when the socket polled readable.  Like a real event channel,
 * kicks coalesce: this takes every queued datagram, so one call sees
 * all that happened before it (xs-ring --dom-exc relies on that), and
 * returns the VIRQ's port if any datagram was the VIRQ, else the port
 * of a kicking domain, else 0.  Which domain kicked does not matter:
 * xenstored rescans every ring.  Never -1, which xenstored finds fatal.
 */
xenevtchn_port_or_error_t
xenevtchn_pending(xenevtchn_handle *xce)
{
	uint32_t	 msg;
	int		 p, port = 0, kind;

	while (recv(xce->fd, &msg, sizeof(msg), MSG_DONTWAIT) == sizeof(msg)) {
		kind = (msg & XSHIM_VIRQ(0)) ? PORT_VIRQ : PORT_DOMAIN;
		msg &= ~XSHIM_VIRQ(0);
		for (p = 1; p < NPORTS; p++) {
			if (ports[p].kind != kind)
				continue;
			if ((kind == PORT_VIRQ && ports[p].remote == msg) ||
			    (kind == PORT_DOMAIN && ports[p].domid == msg))
				break;
		}
		if (p < NPORTS && (port == 0 || kind == PORT_VIRQ))
			port = p;
	}
	return port;
}

/* Datagrams are consumed by pending(): there is no mask to clear. */
int
xenevtchn_unmask(xenevtchn_handle *xce, evtchn_port_t port)
{
	(void)xce; (void)port;
	return 0;
}
