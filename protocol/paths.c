/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * Builds and recognises the xenstore paths xen-cdromd uses.  Nothing
 * else in the project spells "/local/domain" or "/libxl".
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "domid.h"
#include "number.h"
#include "paths.h"
#include "vdev.h"

#define LEAF_MAX	16		/* path_parse_request's leaf buffer */

/*
 * A name we put into a path must be one node: xenstore's own
 * characters, less "/" and "@" (which starts special watch paths).
 */
static bool
plain_name(const char *s)
{
	if (s == NULL || *s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
			return false;
	}
	return true;
}

static bool
valid_domid(int domid)
{
	return domid >= 0 && domid <= DOMID_MAX;
}

/*
 * snprintf's result as a builder's: 0, or -1 when it did not fit, and
 * then no truncated path is left behind for a careless caller to use.
 */
static int
fits(char *buf, int n)
{
	if (n < 0 || n >= XS_PATH_MAX) {
		buf[0] = '\0';
		return -1;
	}
	return 0;
}

int
path_domain(char *buf, int domid)
{
	if (!valid_domid(domid))
		return -1;
	return fits(buf, snprintf(buf, XS_PATH_MAX, "/local/domain/%d", domid));
}

int
path_request_dir(char *buf, int domid)
{
	if (!valid_domid(domid))
		return -1;
	return fits(buf, snprintf(buf, XS_PATH_MAX,
	    "/local/domain/%d/cdrom-request", domid));
}

int
path_request(char *buf, int domid, const char *vdev)
{
	if (!valid_domid(domid) || !plain_name(vdev))
		return -1;
	return fits(buf, snprintf(buf, XS_PATH_MAX,
	    "/local/domain/%d/cdrom-request/%s", domid, vdev));
}

int
path_request_node(char *buf, int domid, const char *vdev, const char *leaf)
{
	if (!valid_domid(domid) || !plain_name(vdev) || !plain_name(leaf))
		return -1;
	return fits(buf, snprintf(buf, XS_PATH_MAX,
	    "/local/domain/%d/cdrom-request/%s/%s", domid, vdev, leaf));
}

int
path_frontend_dir(char *buf, int domid)
{
	if (!valid_domid(domid))
		return -1;
	return fits(buf, snprintf(buf, XS_PATH_MAX,
	    "/local/domain/%d/device/vbd", domid));
}

int
path_frontend(char *buf, int domid, int devid)
{
	if (!valid_domid(domid) || devid < 0)
		return -1;
	return fits(buf, snprintf(buf, XS_PATH_MAX,
	    "/local/domain/%d/device/vbd/%d", domid, devid));
}

int
path_backend(char *buf, const char *kind, int domid, int devid)
{
	if (!plain_name(kind) || !valid_domid(domid) || devid < 0)
		return -1;
	return fits(buf, snprintf(buf, XS_PATH_MAX,
	    "/local/domain/0/backend/%s/%d/%d", kind, domid, devid));
}

int
path_libxl_vbd(char *buf, int domid, int devid)
{
	if (!valid_domid(domid) || devid < 0)
		return -1;
	return fits(buf, snprintf(buf, XS_PATH_MAX,
	    "/libxl/%d/device/vbd/%d", domid, devid));
}

int
path_libxl_vbd_dir(char *buf, int domid)
{
	if (!valid_domid(domid))
		return -1;
	return fits(buf, snprintf(buf, XS_PATH_MAX,
	    "/libxl/%d/device/vbd", domid));
}

int
path_dm_state(char *buf, int dm_domid, int domid)
{
	if (!valid_domid(dm_domid) || !valid_domid(domid))
		return -1;
	return fits(buf, snprintf(buf, XS_PATH_MAX,
	    "/local/domain/%d/device-model/%d/state", dm_domid, domid));
}

int
path_stub_fdset(char *buf, int dm_domid, int domid, int devid)
{
	if (!valid_domid(dm_domid) || !valid_domid(domid) || devid < 0)
		return -1;
	return fits(buf, snprintf(buf, XS_PATH_MAX,
	    "/local/domain/%d/device-model/%d/cdrom-fdset/%d", dm_domid,
	    domid, devid));
}

int
path_dm_domid(char *buf, int domid)
{
	if (!valid_domid(domid))
		return -1;
	return fits(buf, snprintf(buf, XS_PATH_MAX,
	    "/local/domain/%d/image/device-model-domid", domid));
}

int
path_stubdom_target(char *buf, int domid)
{
	if (!valid_domid(domid))
		return -1;
	return fits(buf, snprintf(buf, XS_PATH_MAX,
	    "/local/domain/%d/target", domid));
}

int
path_child(char *buf, const char *parent, const char *leaf)
{
	size_t n;

	if (parent == NULL || parent[0] != '/' || !plain_name(leaf))
		return -1;
	n = strlen(parent);
	if (parent[n - 1] == '/')
		return -1;
	return fits(buf, snprintf(buf, XS_PATH_MAX, "%s/%s", parent, leaf));
}

/* Skips the literal prefix lit at *p; false if it is not there. */
static bool
skip(const char **p, const char *lit)
{
	size_t n = strlen(lit);

	if (strncmp(*p, lit, n) != 0)
		return false;
	*p += n;
	return true;
}

/* A decimal domid without leading zeros; advances *p past it. */
static bool
parse_domid(const char **p, int *domid)
{
	const char *end;

	if ((end = decimal_prefix(*p, DOMID_MAX, domid)) == NULL)
		return false;
	*p = end;
	return true;
}

/*
 * Copies the node name at *p into out (room for max bytes, NUL
 * included) if it is 1..max-1 bytes, each accepted by ok().
 */
static bool
take_name(const char **p, char *out, size_t max, bool (*ok)(char))
{
	size_t n = 0;

	while ((*p)[n] != '\0' && (*p)[n] != '/') {
		if (n + 1 >= max || !ok((*p)[n]))
			return false;
		n++;
	}
	if (n == 0)
		return false;
	memcpy(out, *p, n);
	out[n] = '\0';
	*p += n;
	return true;
}

static bool
vdev_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool
leaf_char(char c)
{
	return (c >= 'a' && c <= 'z') || c == '-';
}

bool
path_below_request_leaf(const char *path, int domid)
{
	char dir[XS_PATH_MAX];
	const char *p;
	size_t n;

	if (path == NULL || path_request_dir(dir, domid) == -1)
		return false;
	n = strlen(dir);
	if (strncmp(path, dir, n) != 0 || path[n] != '/')
		return false;
	/* VDEV, then LEAF, then at least one more component. */
	p = path + n + 1;
	if ((p = strchr(p, '/')) == NULL || p[1] == '\0')
		return false;
	p = strchr(p + 1, '/');
	return p != NULL && p[1] != '\0';
}

int
path_parse_request(const char *path, int *domid, char *vdev, char *leaf)
{
	char v[VDEV_NAME_MAX], l[LEAF_MAX];
	const char *p = path;
	int d;

	l[0] = '\0';
	if (p == NULL || !skip(&p, "/local/domain/") || !parse_domid(&p, &d) ||
	    !skip(&p, "/cdrom-request/") ||
	    !take_name(&p, v, sizeof(v), vdev_char))
		return -1;
	if (*p == '/') {
		p++;
		if (!take_name(&p, l, sizeof(l), leaf_char))
			return -1;
	}
	if (*p != '\0')
		return -1;
	*domid = d;
	memcpy(vdev, v, strlen(v) + 1);
	memcpy(leaf, l, strlen(l) + 1);
	return 0;
}
