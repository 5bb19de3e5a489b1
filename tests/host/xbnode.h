/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * What the test host's simulated kernel drivers share (blkback-sim
 * plays xen-blkback, stub-agent plays blkfront): reading and writing a
 * device directory's nodes, its xenbus state (xen/io/xenbus.h's).
 */
#ifndef XBNODE_H
#define XBNODE_H

#include <err.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xenstore.h>
#include <xen/io/xenbus.h>

#include "domid.h"
#include "number.h"
#include "xs.h"

#define PATH_LEN	256

/* dir/node, malloc'd, or NULL if it does not exist (or cannot be read). */
static inline char *
xb_read(struct xs_handle *xs, xs_transaction_t t, const char *dir,
    const char *node)
{
	char		 path[PATH_LEN];
	unsigned int	 len;
	int		 n;

	n = snprintf(path, sizeof(path), "%s/%s", dir, node);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	return xs_read(xs, t, path, &len);
}

/* Writes dir/node; says why on stderr when it cannot. */
static inline bool
xb_write(struct xs_handle *xs, xs_transaction_t t, const char *dir,
    const char *node, const char *value)
{
	char	 path[PATH_LEN];
	int	 n;

	n = snprintf(path, sizeof(path), "%s/%s", dir, node);
	if (n >= 0 && (size_t)n < sizeof(path) &&
	    xs_write(xs, t, path, value, strlen(value)))
		return true;
	warn("write %s", path);
	return false;
}

/* dir/state: -1 when missing, XenbusStateUnknown when not a state. */
static inline int
xb_state(struct xs_handle *xs, xs_transaction_t t, const char *dir)
{
	char	*s = xb_read(xs, t, dir, "state");
	int	 v;

	if (s == NULL)
		return -1;
	v = decimal_parse(s, XenbusStateClosed);
	free(s);
	return v == -1 ? XenbusStateUnknown : v;
}

#endif
