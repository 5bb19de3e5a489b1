/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * xen-cdromd's connection to xenstored: bounded reads, writes,
 * permissions and watches.  Watch events are dispatched from the event
 * loop to one handler, by token.
 */
#ifndef WATCHER_STORE_H
#define WATCHER_STORE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <xenstore.h>

#include "xs.h"

typedef void store_watch_fn(const char *path, const char *token);

/* Connects, and registers the descriptor with the event loop. */
int store_open(store_watch_fn *on_event);
void store_close(void);

/*
 * Reads path into buf (len bytes, NUL included).  Returns true on
 * success; false if the node is missing (errno ENOENT), holds more than
 * len - 1 bytes or a NUL (errno E2BIG), or cannot be read.
 */
bool store_read(xs_transaction_t t, const char *path, char *buf, size_t len);
bool store_exists(xs_transaction_t t, const char *path);
bool store_write(xs_transaction_t t, const char *path, const char *value);
bool store_rm(xs_transaction_t t, const char *path);
/* Writes cdrom-request/VDEV/leaf of domain domid. */
bool store_write_request(xs_transaction_t t, int domid, const char *vdev,
    const char *leaf, const char *value);
/* Owner dom0 with no access for others; guest gets read, or both. */
bool store_set_guest_perms(xs_transaction_t t, const char *path,
    int guest, bool guest_may_write);
/*
 * The same, on a node this transaction has just created: set without
 * first reading what they are (its creation fires its watches anyway).
 */
bool store_set_new_guest_perms(xs_transaction_t t, const char *path,
    int guest, bool guest_may_write);
/* Owner owner with no access for others; reader gets read. */
bool store_set_owner_perms(xs_transaction_t t, const char *path,
    int owner, int reader);
/* Children of path, malloc'd (free the array only); NULL if none. */
char **store_list(xs_transaction_t t, const char *path, unsigned *n);

/*
 * One transaction: body does its reads and writes in t and returns
 * XS_TX_COMMIT, XS_TX_NOTHING or -1 (errno).  Returns the same, after
 * at most XS_TX_TRIES conflicting commits (then -1, errno EAGAIN): the
 * contract of common/xs.h's xs_tx_run().
 */
typedef int store_tx_fn(xs_transaction_t t, void *ctx);
int store_tx(store_tx_fn *body, void *ctx);

/*
 * Which events are echoes.  xenstored sends the events a commit fires
 * before its reply, so when store_tx() commits, every event it sent
 * before then has reached us: those are stamped with the commit's
 * number, store_commit_seq() just after it; the others with
 * STORE_SEQ_NEWS.  An event whose stamp is at most the number of a
 * commit C happened before C: for a node C's transaction read (or
 * wrote), it says nothing C did not see.  store_event_seq() is the
 * stamp of the event being handled.
 */
#define STORE_SEQ_NEWS ULONG_MAX
unsigned long store_event_seq(void);
unsigned long store_commit_seq(void);

bool store_watch(const char *path, const char *token);
bool store_unwatch(const char *path, const char *token);

bool store_domain_introduced(int domid);

#endif
