/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * xen-cdrom's xenstore access: the connection, bounded reads, a drive's
 * nodes read consistently, naming domains and drives, and writing a
 * request.  Every other file reaches xenstore through these.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "number.h"

struct xs_handle *cli_xs;

int
store_open(void)
{
	if ((cli_xs = xs_open(XS_OPEN_SOCKETONLY)) == NULL) {
		warnx_("cannot connect to xenstored: %s", strerror(errno));
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
	unsigned int n;
	char *v;

	buf[0] = '\0';
	if ((v = xs_read(cli_xs, t, path, &n)) == NULL)
		return errno == ENOENT ? 0 : -1;
	if (n >= len) {
		free(v);
		errno = E2BIG;
		return -1;
	}
	memcpy(buf, v, n);
	buf[n] = '\0';
	free(v);
	return 1;
}

/* Says what failed, with errno; returns the exit code for it. */
int
store_failed(const char *what)
{
	warnx_("xenstore: %s: %s", what, strerror(errno));
	return EXIT_XENSTORE;
}

static int
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
	char path[XS_PATH_MAX], dummy[8];
	int rc;

	if (path_request(path, d->domid, d->vdev) == -1)
		return 0;
	if ((rc = store_read(t, path, dummy, sizeof(dummy))) != 1)
		return rc == -1 && errno == E2BIG ? 1 : rc;
	if (leaf_read(t, d, "state", n->state, sizeof(n->state)) == -1 ||
	    leaf_read(t, d, "format", n->format, sizeof(n->format)) == -1 ||
	    leaf_read(t, d, "target", n->target, sizeof(n->target)) == -1 ||
	    leaf_read(t, d, "medium", n->medium, sizeof(n->medium)) == -1 ||
	    leaf_read(t, d, "error", n->error, sizeof(n->error)) == -1)
		return -1;
	return 1;
}

/*
 * nodes_read() outside any transaction of ours: in a read-only one, so
 * that state and error (which the daemon writes together) are seen
 * together, never an old state beside a new error.
 */
int
nodes_snapshot(const struct drive_ref *d, struct drive_nodes *n)
{
	xs_transaction_t t;
	int rc;

	for (;;) {
		if ((t = xs_transaction_start(cli_xs)) == XBT_NULL)
			return -1;
		if ((rc = nodes_read(t, d, n)) == -1) {
			xs_transaction_end(cli_xs, t, true);
			return -1;
		}
		if (xs_transaction_end(cli_xs, t, false))
			return rc;
		if (errno != EAGAIN)
			return -1;
	}
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

/*
 * DOMAIN as xl takes it: all digits is a domain id, anything else a
 * name looked up in /local/domain/D/name (the lowest such D, as
 * libxl_name_to_domid finds the first).
 */
int
domain_resolve(const char *arg, struct drive_ref *d)
{
	char dom[XS_PATH_MAX], path[XS_PATH_MAX], name[256], dummy[8];
	char **dirs;
	unsigned int i, n;
	int domid, rc;

	if (arg[0] != '\0' && strspn(arg, "0123456789") == strlen(arg)) {
		if ((domid = decimal_parse(arg, DOMID_MAX)) < 0) {
			warnx_("%s: not a domain id (0 to %d)", arg, DOMID_MAX);
			return EXIT_NOTFOUND;
		}
		if (path_domain(path, domid) == -1)
			return EXIT_NOTFOUND;
		rc = store_read(XBT_NULL, path, dummy, sizeof(dummy));
		if (rc == -1 && errno != E2BIG)
			return store_failed(path);
		if (rc == 0) {
			warnx_("no domain with id %d", domid);
			return EXIT_NOTFOUND;
		}
		d->domid = domid;
		domain_name(domid, d->name, sizeof(d->name));
		return EXIT_DONE;
	}
	if ((dirs = xs_directory(cli_xs, XBT_NULL, "/local/domain", &n)) ==
	    NULL)
		return store_failed("/local/domain");
	d->domid = -1;
	for (i = 0; i < n; i++) {
		if ((domid = decimal_parse(dirs[i], DOMID_MAX)) < 0 ||
		    (d->domid != -1 && domid > d->domid))
			continue;
		if (path_domain(dom, domid) == 0 &&
		    path_child(path, dom, "name") == 0 &&
		    store_read(XBT_NULL, path, name, sizeof(name)) == 1 &&
		    strcmp(name, arg) == 0)
			d->domid = domid;
	}
	free(dirs);
	if (d->domid == -1) {
		warnx_("no domain named \"%s\"", arg);
		return EXIT_NOTFOUND;
	}
	snprintf(d->name, sizeof(d->name), "%s", arg);
	return EXIT_DONE;
}

/*
 * The drive must have a cdrom-request directory: the daemon makes one
 * for every CD-ROM drive it looks after.  Writing a request anywhere
 * else would create nodes nobody reads.
 */
int
drive_resolve(const char *domain, const char *vdev, struct drive_ref *d)
{
	char path[XS_PATH_MAX], dummy[8];
	int rc;

	if ((rc = domain_resolve(domain, d)) != EXIT_DONE)
		return rc;
	if (vdev_to_devid(vdev, NULL) < 0) {
		warnx_("%s: not a virtual device name (hdc, xvdc, sda, ...)",
		    vdev);
		return EXIT_NOTFOUND;
	}
	snprintf(d->vdev, sizeof(d->vdev), "%s", vdev);
	if (path_request(path, d->domid, vdev) == -1)
		return EXIT_NOTFOUND;
	rc = store_read(XBT_NULL, path, dummy, sizeof(dummy));
	if (rc == -1 && errno != E2BIG)
		return store_failed(path);
	if (rc == 1 || rc == -1)
		return EXIT_DONE;
	path_request_dir(path, d->domid);
	rc = store_read(XBT_NULL, path, dummy, sizeof(dummy));
	if (rc == 0)
		warnx_("dom %d has no %s: no xen-cdromd looks after its "
		    "CD-ROM drives (is the daemon running?)", d->domid, path);
	else
		warnx_("dom %d %s: no such CD-ROM drive looked after by "
		    "xen-cdromd (no %s/%s)", d->domid, vdev, path, vdev);
	return EXIT_NOTFOUND;
}

/* --- writing a request ------------------------------------------------- */

/*
 * Writes (target, format) in one transaction that also reads the
 * drive's nodes into before, retrying on EAGAIN.
 */
int
request_write(const struct drive_ref *d, const char *target,
    const char *format, struct drive_nodes *before)
{
	char path[XS_PATH_MAX];
	xs_transaction_t t;
	int rc;

	for (;;) {
		if ((t = xs_transaction_start(cli_xs)) == XBT_NULL)
			return store_failed("starting a transaction");
		if ((rc = nodes_read(t, d, before)) != 1) {
			xs_transaction_end(cli_xs, t, true);
			if (rc == -1)
				return store_failed("reading the drive");
			warnx_("dom %d %s: the drive is gone", d->domid,
			    d->vdev);
			return EXIT_NOTFOUND;
		}
		if (path_request_node(path, d->domid, d->vdev, "target") ||
		    !xs_write(cli_xs, t, path, target, strlen(target)) ||
		    path_request_node(path, d->domid, d->vdev, "format") ||
		    !xs_write(cli_xs, t, path, format, strlen(format))) {
			rc = errno;
			xs_transaction_end(cli_xs, t, true);
			errno = rc;
			return store_failed("writing the request");
		}
		if (xs_transaction_end(cli_xs, t, false))
			return EXIT_DONE;
		if (errno != EAGAIN)
			return store_failed("committing the request");
	}
}
