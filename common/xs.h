/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * What every program of the project that talks to xenstored shares:
 * the daemon, the CLI, the test host's programs and the benchmarks.
 * One bounded read, and one transaction idiom with one contract.
 */
#ifndef COMMON_XS_H
#define COMMON_XS_H

#include <stdbool.h>
#include <stddef.h>
#include <xenstore.h>

/*
 * Reads path into buf (len bytes, NUL included).  false if the node is
 * missing (errno ENOENT), holds len bytes or more or a NUL (errno
 * E2BIG: a value a guest may have written is never truncated into
 * something else), or cannot be read.
 */
bool xs_read_bounded(struct xs_handle *h, xs_transaction_t t,
    const char *path, char *buf, size_t len);

/*
 * A transaction's body: does its reads and writes in t and returns
 * XS_TX_COMMIT to commit them, XS_TX_NOTHING when there is nothing to
 * do after all (the transaction is dropped), or -1 with errno set on a
 * failure (dropped too).
 */
enum { XS_TX_COMMIT = 0, XS_TX_NOTHING = 1 };
typedef int xs_tx_fn(struct xs_handle *h, xs_transaction_t t, void *ctx);

/*
 * How many times a body runs when its commits keep conflicting (EAGAIN)
 * before the transaction is given up: nodes a guest may write must not
 * keep a writer retrying forever.
 */
#define XS_TX_TRIES 16

/*
 * Runs body in a transaction until it commits.  Returns XS_TX_COMMIT,
 * XS_TX_NOTHING, or -1 with errno set: the body's, the commit's, or
 * EAGAIN when XS_TX_TRIES commits in a row conflicted.
 */
int xs_tx_run(struct xs_handle *h, xs_tx_fn *body, void *ctx);

#endif
