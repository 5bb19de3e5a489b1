/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * txconflict.so: preloaded into the daemon, makes xenstored look busy.
 * A transaction that writes a path containing the text of the file
 * $XCD_TX_CONFLICT (when that file exists and is not empty) is aborted
 * at its commit, which then fails with EAGAIN as a conflicting commit
 * does: every retry of it conflicts again, so the daemon's bound on
 * retries is what ends it.  Other transactions are untouched.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

#define MARKED_MAX 64

static xs_transaction_t marked[MARKED_MAX];

static bool
matches(const char *path)
{
	const char *file = getenv("XCD_TX_CONFLICT");
	char pattern[256] = "";
	FILE *f;

	if (file == NULL || (f = fopen(file, "re")) == NULL)
		return false;
	if (fgets(pattern, sizeof(pattern), f) == NULL)
		pattern[0] = '\0';
	fclose(f);
	pattern[strcspn(pattern, "\n")] = '\0';
	return pattern[0] != '\0' && strstr(path, pattern) != NULL;
}

static void
mark(xs_transaction_t t)
{
	int i;

	for (i = 0; i < MARKED_MAX; i++)
		if (marked[i] == XBT_NULL) {
			marked[i] = t;
			return;
		}
}

/* Was t marked?  Unmarks it. */
static bool
take(xs_transaction_t t)
{
	int i;

	for (i = 0; i < MARKED_MAX; i++)
		if (marked[i] == t && t != XBT_NULL) {
			marked[i] = XBT_NULL;
			return true;
		}
	return false;
}

bool
xs_write(struct xs_handle *h, xs_transaction_t t, const char *path,
    const void *data, unsigned int len)
{
	static bool (*real)(struct xs_handle *, xs_transaction_t,
	    const char *, const void *, unsigned int);

	if (real == NULL)
		*(void **)&real = dlsym(RTLD_NEXT, "xs_write");
	if (t != XBT_NULL && matches(path))
		mark(t);
	return real(h, t, path, data, len);
}

bool
xs_transaction_end(struct xs_handle *h, xs_transaction_t t, bool abort)
{
	static bool (*real)(struct xs_handle *, xs_transaction_t, bool);

	if (real == NULL)
		*(void **)&real = dlsym(RTLD_NEXT, "xs_transaction_end");
	if (take(t) && !abort) {
		real(h, t, true);
		errno = EAGAIN;
		return false;
	}
	return real(h, t, abort);
}
