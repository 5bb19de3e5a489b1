/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * The daemon's liveness record (protocol 1.1), and the rule that one
 * daemon runs on a host: /local/domain/0/xen-cdromd/{pid,version,
 * protocol,features}, readable by dom0 only, written at start and
 * removed on a clean exit.
 */
#ifndef WATCHER_INSTANCE_H
#define WATCHER_INSTANCE_H

#include <stddef.h>

#define INSTANCE_PATH "/local/domain/0/xen-cdromd"
#define PROTOCOL_VERSION "1.1"

/*
 * Writes the record, in one transaction, unless a live xen-cdromd named
 * by it is running: then -1 with "another xen-cdromd, pid N, is
 * running" in err.  A record left by a daemon that died is taken over.
 * -1 with the reason in err if xenstored refuses.
 */
int instance_claim(const char *version, const char *features, char *err,
    size_t errlen);

/* Removes the record, if it is still ours. */
void instance_release(void);

#endif
