/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * xen-cdrom's xenstore access: the connection, bounded reads, a drive's
 * nodes read consistently, naming domains and drives, and writing a
 * request.  Every other file reaches xenstore through these.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <fcntl.h>
#include <unistd.h>

#include "cli.h"
#include "xs.h"
#include "number.h"
#include "proclocks.h"

struct xs_handle *cli_xs;

int
store_open(void)
{
	const char *socket = getenv("XENSTORED_PATH");

	if ((cli_xs = xs_open(XS_OPEN_SOCKETONLY)) == NULL) {
		if (socket == NULL || socket[0] == '\0')
			socket = xs_daemon_socket();
		warnx_("cannot connect to xenstored at %s: %s (is xenstored "
		    "running? XENSTORED_PATH chooses the socket)", socket,
		    strerror(errno));
		return -1;
	}
	return 0;
}

void
store_close(void)
{
	if (cli_xs != NULL)
		xs_close(cli_xs);
	cli_xs = NULL;
}

/*
 * Reads path into buf.  Returns 1, 0 if it does not exist (buf ""), or
 * -1 on another error (errno set; E2BIG if it does not fit).
 */
int
store_read(xs_transaction_t t, const char *path, char *buf, size_t len)
{
	buf[0] = '\0';
	if (xs_read_bounded(cli_xs, t, path, buf, len))
		return 1;
	buf[0] = '\0';
	return errno == ENOENT ? 0 : -1;
}

/*
 * Is path there?  1, 0, or -1 (errno set) as store_read(); a value too
 * long to read is there all the same.
 */
int
node_there(xs_transaction_t t, const char *path)
{
	char dummy[8];
	int rc = store_read(t, path, dummy, sizeof(dummy));

	return rc == -1 && errno == E2BIG ? 1 : rc;
}

/* Is the drive's request directory there (in t)?  As node_there(). */
int
drive_there(xs_transaction_t t, const struct drive_ref *d)
{
	char path[XS_PATH_MAX];

	if (path_request(path, d->domid, d->vdev) == -1)
		return 0;
	return node_there(t, path);
}

/* Says what failed, with errno; returns the exit code for it. */
int
store_failed(const char *what)
{
	warnx_("xenstore: %s: %s", what, strerror(errno));
	return EXIT_XENSTORE;
}

int
leaf_read(xs_transaction_t t, const struct drive_ref *d, const char *leaf,
    char *buf, size_t len)
{
	char path[XS_PATH_MAX];

	if (path_request_node(path, d->domid, d->vdev, leaf) == -1) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return store_read(t, path, buf, len);
}

/* Reads the drive's nodes.  Returns 1, 0 if the drive is gone, or -1. */
int
nodes_read(xs_transaction_t t, const struct drive_ref *d,
    struct drive_nodes *n)
{
	int rc;

	if ((rc = drive_there(t, d)) != 1)
		return rc;
	if (leaf_read(t, d, "state", n->state, sizeof(n->state)) == -1 ||
	    leaf_read(t, d, "format", n->format, sizeof(n->format)) == -1 ||
	    leaf_read(t, d, "target", n->target, sizeof(n->target)) == -1 ||
	    leaf_read(t, d, "medium", n->medium, sizeof(n->medium)) == -1 ||
	    leaf_read(t, d, "error", n->error, sizeof(n->error)) == -1)
		return -1;
	/* Protocol 1.1's nodes; too long is as good as absent. */
	if (leaf_read(t, d, "error-code", n->error_code,
	    sizeof(n->error_code)) == -1 && errno != E2BIG)
		return -1;
	if (leaf_read(t, d, "request-id", n->request_id,
	    sizeof(n->request_id)) == -1 && errno != E2BIG)
		return -1;
	if (leaf_read(t, d, "answered-id", n->answered_id,
	    sizeof(n->answered_id)) == -1 && errno != E2BIG)
		return -1;
	return 1;
}

/*
 * nodes_read() outside any transaction of ours: in a read-only one, so
 * that state and error (which the daemon writes together) are seen
 * together, never an old state beside a new error.
 */
struct snapshot {
	const struct drive_ref *d;
	struct drive_nodes *n;
	int rc;
};

static int
snapshot_body(struct xs_handle *h, xs_transaction_t t, void *ctx)
{
	struct snapshot *s = ctx;

	(void)h;
	if ((s->rc = nodes_read(t, s->d, s->n)) == -1)
		return -1;
	return XS_TX_COMMIT;
}

int
nodes_snapshot(const struct drive_ref *d, struct drive_nodes *n)
{
	struct snapshot s = { d, n, 0 };

	if (xs_tx_run(cli_xs, snapshot_body, &s) == -1)
		return -1;
	return s.rc;
}

/* --- naming domains and drives ----------------------------------------- */

void
domain_name(int domid, char *buf, size_t len)
{
	char dom[XS_PATH_MAX], path[XS_PATH_MAX];

	if (path_domain(dom, domid) == -1 ||
	    path_child(path, dom, "name") == -1 ||
	    store_read(XBT_NULL, path, buf, len) != 1 || buf[0] == '\0')
		snprintf(buf, len, "-");
}

static int
domid_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/*
 * DOMAIN as xl takes it: all digits is a domain id, anything else a
 * name looked up in /local/domain/D/name (the lowest such D, as
 * libxl_name_to_domid finds the first: the ids are tried in order, and
 * the first match ends the search).  An id costs xenstored nothing
 * here: whether the domain exists is left to the caller (a drive's
 * request directory can only exist under a domain that does), and its
 * name stays "" until someone prints it.
 */
static int
domain_lookup(const char *arg, struct drive_ref *d)
{
	char dom[XS_PATH_MAX], path[XS_PATH_MAX], name[256];
	char **dirs;
	unsigned int i, n, k = 0;
	int domid, *ids;

	d->name[0] = '\0';
	if (arg[0] != '\0' && strspn(arg, "0123456789") == strlen(arg)) {
		if ((domid = decimal_parse(arg, DOMID_MAX)) < 0) {
			warnx_("%s: not a domain id (0 to %d)", arg, DOMID_MAX);
			return EXIT_NOTFOUND;
		}
		d->domid = domid;
		return EXIT_DONE;
	}
	if ((dirs = xs_directory(cli_xs, XBT_NULL, "/local/domain", &n)) ==
	    NULL)
		return store_failed("/local/domain");
	if ((ids = calloc(n + 1, sizeof(*ids))) == NULL) {
		free(dirs);
		warnx_("out of memory");
		return EXIT_XENSTORE;
	}
	for (i = 0; i < n; i++)
		if ((domid = decimal_parse(dirs[i], DOMID_MAX)) >= 0)
			ids[k++] = domid;
	free(dirs);
	qsort(ids, k, sizeof(*ids), domid_cmp);
	d->domid = -1;
	for (i = 0; i < k && d->domid == -1; i++)
		if (path_domain(dom, ids[i]) == 0 &&
		    path_child(path, dom, "name") == 0 &&
		    store_read(XBT_NULL, path, name, sizeof(name)) == 1 &&
		    strcmp(name, arg) == 0)
			d->domid = ids[i];
	free(ids);
	if (d->domid == -1) {
		warnx_("no domain named \"%s\"", arg);
		return EXIT_NOTFOUND;
	}
	snprintf(d->name, sizeof(d->name), "%s", arg);
	return EXIT_DONE;
}

/* A domain named by its id: does it exist?  EXIT_DONE if so. */
static int
domain_exists(const struct drive_ref *d)
{
	char path[XS_PATH_MAX];
	int rc;

	/* Found by its name: it was there a moment ago. */
	if (d->name[0] != '\0')
		return EXIT_DONE;
	if (path_domain(path, d->domid) == -1)
		return EXIT_NOTFOUND;
	if ((rc = node_there(XBT_NULL, path)) == -1)
		return store_failed(path);
	if (rc == 0) {
		warnx_("no domain with id %d", d->domid);
		return EXIT_NOTFOUND;
	}
	return EXIT_DONE;
}

int
domain_resolve(const char *arg, struct drive_ref *d)
{
	int rc;

	if ((rc = domain_lookup(arg, d)) != EXIT_DONE ||
	    (rc = domain_exists(d)) != EXIT_DONE)
		return rc;
	ref_name(d);
	return EXIT_DONE;
}

void
ref_name(struct drive_ref *d)
{
	if (d->name[0] == '\0')
		domain_name(d->domid, d->name, sizeof(d->name));
}

/* Does domid have an emulated CD-ROM drive, as libxl records them? */
static bool
has_cdrom(int domid)
{
	char dir[XS_PATH_MAX], path[XS_PATH_MAX], rec[XS_PATH_MAX], type[16];
	char backend[XS_PATH_MAX];
	char **vbds;
	unsigned int i, n;
	bool found = false;

	if (path_libxl_vbd_dir(dir, domid) == -1 ||
	    (vbds = xs_directory(cli_xs, XBT_NULL, dir, &n)) == NULL)
		return false;
	for (i = 0; i < n && !found; i++)
		found = path_child(rec, dir, vbds[i]) == 0 &&
		    path_child(path, rec, "backend") == 0 &&
		    store_read(XBT_NULL, path, backend, sizeof(backend)) == 1 &&
		    path_child(path, backend, "device-type") == 0 &&
		    store_read(XBT_NULL, path, type, sizeof(type)) == 1 &&
		    strcmp(type, "cdrom") == 0;
	free(vbds);
	return found;
}

/*
 * Says why domid has no cdrom-request directory: it is a stub domain,
 * it has no CD-ROM drive, the daemon is not running, or it has not
 * adopted the drives (yet).
 */
int
explain_no_requests(int domid)
{
	char path[XS_PATH_MAX], target[16];
	struct daemon_info di;

	if (path_stubdom_target(path, domid) == 0 &&
	    store_read(XBT_NULL, path, target, sizeof(target)) == 1) {
		warnx_("dom %d is the stub domain of dom %s: name the guest "
		    "(dom %s) instead", domid, target, target);
		return EXIT_NOTFOUND;
	}
	if (!has_cdrom(domid)) {
		warnx_("dom %d has no emulated CD-ROM drive", domid);
		return EXIT_NOTFOUND;
	}
	daemon_probe(&di, false);
	switch (daemon_liveness(&di)) {
	case DAEMON_RUNNING:
		warnx_("dom %d: xen-cdromd (pid %ld) looks after none of its "
		    "CD-ROM drives yet (no /local/domain/%d/cdrom-request; "
		    "it adopts a drive once its device model runs)", domid,
		    di.pid, domid);
		break;
	case DAEMON_GONE:
		warnx_("dom %d: no xen-cdromd looks after its CD-ROM drives: "
		    "the daemon is not running (pid %ld, in %s/pid, has "
		    "exited)", domid, di.pid, DAEMON_DIR);
		break;
	case DAEMON_UNKNOWN:
		warnx_("dom %d: no xen-cdromd looks after its CD-ROM drives "
		    "(no /local/domain/%d/cdrom-request): is the daemon "
		    "running?", domid, domid);
		break;
	}
	return EXIT_NOTFOUND;
}

/* The drives of domid the daemon looks after, "hdc hdd", into buf. */
int
domain_drives(int domid, char *buf, size_t len)
{
	char path[XS_PATH_MAX];
	char **vdevs;
	unsigned int i, n;
	size_t used = 0;

	buf[0] = '\0';
	if (path_request_dir(path, domid) == -1 ||
	    (vdevs = xs_directory(cli_xs, XBT_NULL, path, &n)) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		int w = snprintf(buf + used, len - used, "%s%s",
		    used ? ", " : "", vdevs[i]);

		if (w < 0 || (size_t)w >= len - used)
			break;
		used += (size_t)w;
	}
	free(vdevs);
	return (int)n;
}

/*
 * The drive must have a cdrom-request directory: the daemon makes one
 * for every CD-ROM drive it looks after.  Writing a request anywhere
 * else would create nodes nobody reads.
 */
int
drive_resolve(const char *domain, const char *vdev, struct drive_ref *d)
{
	char path[XS_PATH_MAX];
	int rc;

	if ((rc = drive_lookup(domain, vdev, d)) != EXIT_DONE)
		return rc;
	if (path_request(path, d->domid, vdev) == -1)
		return EXIT_NOTFOUND;
	if ((rc = node_there(XBT_NULL, path)) == -1)
		return store_failed(path);
	return rc == 1 ? EXIT_DONE : drive_missing(d);
}

/* drive_resolve() without the checks that need xenstore for an id. */
int
drive_lookup(const char *domain, const char *vdev, struct drive_ref *d)
{
	int rc;

	if (vdev_to_devid(vdev, NULL) < 0) {
		warnx_("%s: not a virtual device name (hdc, xvdc, sda, ...)",
		    vdev);
		return EXIT_USAGE;
	}
	if ((rc = domain_lookup(domain, d)) != EXIT_DONE)
		return rc;
	snprintf(d->vdev, sizeof(d->vdev), "%s", vdev);
	return EXIT_DONE;
}

/*
 * d has no request directory: says why (no such domain, another drive,
 * no CD-ROM drive, no daemon) and returns EXIT_NOTFOUND, or
 * EXIT_XENSTORE.
 */
int
drive_missing(const struct drive_ref *d)
{
	char drives[256];
	int rc;

	if ((rc = domain_exists(d)) != EXIT_DONE)
		return rc;
	if (domain_drives(d->domid, drives, sizeof(drives)) > 0) {
		warnx_("dom %d %s: no such CD-ROM drive (dom %d has %s)",
		    d->domid, d->vdev, d->domid, drives);
		return EXIT_NOTFOUND;
	}
	return explain_no_requests(d->domid);
}

/* --- the daemon (protocol 1.1) ----------------------------------------- */

/*
 * Reads DAEMON_DIR: pid and, if the caller needs them, features.
 * Absent nodes leave defaults.  The daemon writes both in one
 * transaction, so without a pid there are no features to read.
 */
void
daemon_probe(struct daemon_info *di, bool features)
{
	char buf[256], *p, *tok;
	int pid;

	di->pid = -1;
	di->request_id = false;
	if (store_read(XBT_NULL, DAEMON_DIR "/pid", buf, sizeof(buf)) != 1)
		return;
	if ((pid = decimal_parse(buf, INT_MAX)) > 0)
		di->pid = pid;
	/* A daemon that has exited answers nothing, in any protocol. */
	if (!features || daemon_liveness(di) == DAEMON_GONE ||
	    store_read(XBT_NULL, DAEMON_DIR "/features", buf, sizeof(buf)) != 1)
		return;
	for (tok = strtok_r(buf, " ", &p); tok != NULL;
	    tok = strtok_r(NULL, " ", &p))
		if (strcmp(tok, "request-id") == 0)
			di->request_id = true;
}

/*
 * Is the daemon whose pid DAEMON_DIR names alive?  The node is removed
 * on a clean exit and left by a crash; without it (a daemon older than
 * 1.1, or none) nobody can tell.
 */
enum liveness
daemon_liveness(const struct daemon_info *di)
{
	if (di->pid <= 0)
		return DAEMON_UNKNOWN;
	if (kill((pid_t)di->pid, 0) == 0 || errno == EPERM)
		return DAEMON_RUNNING;
	return DAEMON_GONE;
}

/*
 * libxl's device-changes lock of domid: XEN_LIB_DIR/userdata-l.D.UUID.
 * libxl-device-changes-lock, flocked by whoever changes the domain's
 * devices (xl, or the daemon).  /proc/locks names the holder.
 */
long
devlock_holder(int domid)
{
	static char uuid[64];
	static bool have_uuid;
	char home[XS_PATH_MAX], path[XS_PATH_MAX], vm[128], text[65536];
	const char *dir = getenv("XEN_LIB_DIR"), *u;
	struct stat st;
	ssize_t n;
	size_t len = 0;
	int fd;

	if (!have_uuid) {
		if (path_domain(home, domid) == -1 ||
		    path_child(path, home, "vm") == -1 ||
		    store_read(XBT_NULL, path, vm, sizeof(vm)) != 1 ||
		    (u = strrchr(vm, '/')) == NULL || strlen(u + 1) != 36)
			return -1;
		snprintf(uuid, sizeof(uuid), "%s", u + 1);
		have_uuid = true;
	}
	if (dir == NULL || dir[0] == '\0')
		dir = "/var/lib/xen";
	if ((size_t)snprintf(path, sizeof(path),
	    "%s/userdata-l.%d.%s.libxl-device-changes-lock", dir, domid,
	    uuid) >= sizeof(path) || stat(path, &st) == -1)
		return -1;
	if ((fd = open("/proc/locks", O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	while (len < sizeof(text) &&
	    (n = read(fd, text + len, sizeof(text) - len)) > 0)
		len += (size_t)n;
	close(fd);
	return proc_locks_holder(text, len, major(st.st_dev),
	    minor(st.st_dev), (unsigned long long)st.st_ino);
}

/* --- writing a request ------------------------------------------------- */

struct request {
	const struct drive_ref *d;
	const char *target, *format, *request_id;
	struct drive_nodes *before;
	bool full;
	bool gone;
};

static int
request_body(struct xs_handle *h, xs_transaction_t t, void *ctx)
{
	struct request *r = ctx;
	const struct drive_ref *d = r->d;
	const char *leaf[] = { "target", "format", "request-id" };
	const char *value[] = { r->target, r->format, r->request_id };
	char path[XS_PATH_MAX];
	size_t i;
	int rc;

	memset(r->before, 0, sizeof(*r->before));
	rc = r->full ? nodes_read(t, d, r->before) : drive_there(t, d);
	if (rc != 1) {
		r->gone = rc == 0;
		return rc == 0 ? XS_TX_NOTHING : -1;
	}
	for (i = 0; i < 3; i++)
		if (path_request_node(path, d->domid, d->vdev, leaf[i]) == -1 ||
		    !xs_write(h, t, path, value[i], strlen(value[i])))
			return -1;
	return XS_TX_COMMIT;
}

/*
 * Writes (target, format, request-id) in one transaction, if the
 * drive's directory is there; full: the transaction also reads the
 * drive's nodes into before (a daemon older than protocol 1.1 ignores
 * request-id, and telling its answer from what was there needs them);
 * otherwise before is left empty.  EXIT_NOTFOUND, said by nobody, if
 * the directory is not there: drive_missing() says why.
 */
int
request_write(const struct drive_ref *d, const char *target,
    const char *format, const char *request_id, struct drive_nodes *before,
    bool full)
{
	struct request r = { d, target, format, request_id, before, full,
	    false };

	if (xs_tx_run(cli_xs, request_body, &r) == -1)
		return store_failed("writing the request");
	return r.gone ? EXIT_NOTFOUND : EXIT_DONE;
}
