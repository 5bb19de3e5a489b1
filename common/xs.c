/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * The bounded read and the transaction loop shared by every program
 * of the project that talks to xenstored.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xs.h"

bool
xs_read_bounded(struct xs_handle *h, xs_transaction_t t, const char *path,
    char *buf, size_t len)
{
	unsigned int n;
	char *v;

	if ((v = xs_read(h, t, path, &n)) == NULL)
		return false;
	if (n >= len || memchr(v, '\0', n) != NULL) {
		free(v);
		errno = E2BIG;
		return false;
	}
	memcpy(buf, v, n);
	buf[n] = '\0';
	free(v);
	return true;
}

/* Drops t keeping errno, which is what the caller is told. */
static void
tx_drop(struct xs_handle *h, xs_transaction_t t)
{
	int saved = errno;

	xs_transaction_end(h, t, true);
	errno = saved;
}

int
xs_tx_run(struct xs_handle *h, xs_tx_fn *body, void *ctx)
{
	xs_transaction_t t;
	unsigned tries;
	int rc;

	for (tries = 0; tries < XS_TX_TRIES; tries++) {
		if ((t = xs_transaction_start(h)) == XBT_NULL)
			return -1;
		errno = 0;
		if ((rc = body(h, t, ctx)) != XS_TX_COMMIT) {
			if (rc == -1 && errno == 0)
				errno = EIO;
			tx_drop(h, t);
			return rc == XS_TX_NOTHING ? XS_TX_NOTHING : -1;
		}
		if (xs_transaction_end(h, t, false))
			return XS_TX_COMMIT;
		if (errno != EAGAIN)
			return -1;
	}
	errno = EAGAIN;
	return -1;
}
