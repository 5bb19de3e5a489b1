/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * The guests xen-cdromd looks after: found at start and on
 * @introduceDomain, forgotten on @releaseDomain, each with its drives.
 */
#ifndef WATCHER_DOMAIN_H
#define WATCHER_DOMAIN_H

#include <stdbool.h>
#include <stddef.h>

/* Finds domains not yet known (start, @introduceDomain). */
void domains_scan(void);
/* Forgets domains that are gone (@releaseDomain). */
void domains_reap(void);
/* Routes a per-domain watch event; false if the token is not ours. */
int domain_watch_event(const char *path, const char *token);
void domains_free(void);
/*
 * The uuid libxl names the domain's files with, from its vm path, read
 * once per known domain; false if vm is missing or names no uuid.
 */
bool domain_uuid(int domid, char *uuid, size_t len);

#endif
