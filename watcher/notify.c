/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * sd_notify(3) from libsystemd: it does nothing when NOTIFY_SOCKET is
 * not set (not started by systemd, or Type= is not notify).
 *
 * The first scan sets a watch on each domain, and the drives are adopted
 * from those watches' first events, each in a timer of the loop.  To
 * know when that is over, a last watch is set after them: xenstored
 * answers a connection's requests in order, so its first event comes
 * after theirs.  When it comes, the adoptions it follows have been
 * scheduled; a timer that re-arms once runs after all of them.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <systemd/sd-daemon.h>

#include "log.h"
#include "loop.h"
#include "notify.h"
#include "store.h"

/* Never written: a watch on it fires once, when it is set. */
#define SENTINEL_PATH "/local/domain/0/xen-cdromd-ready"
#define SENTINEL_TOKEN "ready"

static bool armed, ready;

static void
ready_now(void *ctx)
{
	int rc;

	(void)ctx;
	if ((rc = sd_notify(0, "READY=1\nSTATUS=looking after every CD-ROM "
	    "drive")) < 0)
		log_warnx("sd_notify READY=1: error %d", -rc);
	else if (rc > 0)
		log_debug("told systemd we are ready");
}

/* The adoptions due now run in this pass of the loop: wait one more. */
static void
after_adoptions(void *ctx)
{
	if (loop_timer_add(0, ready_now, ctx) == NULL)
		ready_now(ctx);
}

void
notify_after_scan(void)
{
	if (armed)
		return;
	armed = true;
	if (!store_watch(SENTINEL_PATH, SENTINEL_TOKEN)) {
		log_warn("watching %s", SENTINEL_PATH);
		ready = true;
		ready_now(NULL);
	}
}

bool
notify_watch_event(const char *path, const char *token)
{
	(void)path;
	if (strcmp(token, SENTINEL_TOKEN) != 0)
		return false;
	if (ready)
		return true;
	ready = true;
	store_unwatch(SENTINEL_PATH, SENTINEL_TOKEN);
	if (loop_timer_add(0, after_adoptions, NULL) == NULL)
		ready_now(NULL);
	return true;
}

void
notify_stopping(void)
{
	sd_notify(0, "STOPPING=1");
}
