/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * xen-cdrom's waiting: follows a drive through a xenstore watch on its
 * cdrom-request directory until the daemon answers, level-triggered as
 * xenbus drivers do: whatever event wakes us, we re-read the nodes and
 * judge from them.  How we tell the daemon's answer to *our* request
 * from the state it had before is explained above wait_answer().
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

#define WATCH_TOKEN "xen-cdrom"
/* How long an error must stand before it is taken as our answer. */
#define ERROR_SETTLE_MS 500

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Does path name node leaf of drive d? */
static bool
is_leaf(const char *path, const struct drive_ref *d, const char *leaf)
{
	char want[XS_PATH_MAX];

	return path_request_node(want, d->domid, d->vdev, leaf) == 0 &&
	    strcmp(path, want) == 0;
}

enum verdict { V_WAIT, V_DONE, V_ERROR, V_REPLACED };

static enum verdict
judge(const struct wait_goal *g, const struct drive_nodes *n, bool answered)
{
	if (!g->mine) {
		if (strcmp(n->state, "error") == 0)
			return V_ERROR;
		return strcmp(n->state, "done") == 0 &&
		    strcmp(n->medium, n->target) == 0 ? V_DONE : V_WAIT;
	}
	/*
	 * Nodes identical to those at our write say nothing unless the
	 * daemon wrote state after our write (answered): an old "done" or
	 * "error" is not the answer.
	 */
	if (!answered && strcmp(n->state, g->before->state) == 0 &&
	    strcmp(n->medium, g->before->medium) == 0 &&
	    strcmp(n->error, g->before->error) == 0)
		return V_WAIT;
	if (strcmp(n->target, g->target) != 0)
		return V_REPLACED;
	if (strcmp(n->state, "error") == 0)
		return V_ERROR;
	return strcmp(n->state, "done") == 0 &&
	    strcmp(n->medium, g->target) == 0 ? V_DONE : V_WAIT;
}

/*
 * Follows drive d through the watch (already set, before any request
 * was written) until judge() decides or the timeout expires.
 *
 * For our own request (g->mine) the difficulty is that right after our
 * write the nodes still show the previous answer: "done" with the old
 * medium, or an "error" from an earlier request, and a change of format
 * only ends as it began ("done" with the same medium).  So:
 *  - g->before holds the nodes as read in the very transaction that
 *    wrote the request: a consistent picture at the instant of our
 *    write (a concurrent change of them makes the commit fail and we
 *    start again).  Nodes that differ from it were written after it.
 *  - Events come in commit order.  Ours is the first event for
 *    "target" after the watch was set (the transaction read target, so
 *    no other writer's commit can fall between its start and its end);
 *    an event for state, medium or error after it is the daemon writing
 *    after our request: from then on even unchanged-looking nodes are
 *    its answer (a retried request that fails again the same way).
 *  - The case where the daemon writes nothing at all (the drive already
 *    holds the request) is decided by the caller before waiting.
 *  - One write after ours can still be stale: the daemon may have read
 *    the old request just before our commit and write its answer (an
 *    "error") just after.  It then reads our request and always writes
 *    again (an error state with a new target or format is re-planned).
 *    So an error is our answer only once it has stood ERROR_SETTLE_MS
 *    with no further write from the daemon.  ("done" needs no such
 *    grace: it must name our target as medium.)
 */
int
wait_answer(const struct drive_ref *d, const struct wait_goal *g,
    const struct options *o)
{
	struct drive_nodes n;
	struct pollfd pfd;
	char last[32] = "";
	char **ev;
	long long deadline = now_ms() + (long long)o->timeout * 1000;
	bool seen_ours = !g->mine, answered = false;
	unsigned writes = 0, error_writes = 0;
	long long error_until = 0, now;
	enum verdict v;
	int rc, wait_ms;

	/* The state at our write is old news: show only what follows it. */
	if (g->mine)
		snprintf(last, sizeof(last), "%s", g->before->state);
	pfd.fd = xs_fileno(cli_xs);
	pfd.events = POLLIN;
	if (pfd.fd == -1)
		return store_failed("watch fd");
	for (;;) {
		while ((ev = xs_check_watch(cli_xs)) != NULL) {
			const char *p = ev[XS_WATCH_PATH];

			if (strcmp(ev[XS_WATCH_TOKEN], WATCH_TOKEN) == 0) {
				if (!seen_ours)
					seen_ours = is_leaf(p, d, "target");
				else if (is_leaf(p, d, "state") ||
				    is_leaf(p, d, "medium") ||
				    is_leaf(p, d, "error")) {
					answered = true;
					writes++;
				}
			}
			free(ev);
		}
		if (errno != EAGAIN)
			return store_failed("reading watch events");
		if ((rc = nodes_snapshot(d, &n)) == -1)
			return store_failed("reading the drive");
		if (rc == 0) {
			warnx_("dom %d %s: the drive is gone", d->domid,
			    d->vdev);
			return EXIT_NOTFOUND;
		}
		if (strcmp(n.state, last) != 0) {
			snprintf(last, sizeof(last), "%s", n.state);
			progress(d, n.state, o);
		}
		v = judge(g, &n, answered);
		now = now_ms();
		if (v != V_ERROR)
			error_until = 0;
		else if (g->mine && (error_until == 0 ||
		    error_writes != writes)) {
			error_writes = writes;
			error_until = now + ERROR_SETTLE_MS;
		}
		/* Still settling, unless time is up: then it is the answer. */
		if (v == V_ERROR && now < error_until && now < deadline)
			v = V_WAIT;
		switch (v) {
		case V_WAIT:
			break;
		case V_DONE:
			progress_end();
			if (o->verbose)
				status_line(d, &n);
			return EXIT_DONE;
		case V_ERROR:
			warnx_("dom %d %s: %s", d->domid, d->vdev,
			    n.error[0] != '\0' ? n.error :
			    "the daemon reported an error");
			return EXIT_FAILED;
		case V_REPLACED:
			warnx_("dom %d %s: the request was replaced by another "
			    "(target now \"%s\")", d->domid, d->vdev, n.target);
			return EXIT_FAILED;
		}
		if ((wait_ms = (int)(deadline - now)) <= 0) {
			warnx_("dom %d %s: timed out after %ds (state %s)",
			    d->domid, d->vdev, o->timeout, or_dash(n.state));
			return EXIT_TIMEOUT;
		}
		if (error_until != 0 && error_until - now < wait_ms)
			wait_ms = (int)(error_until - now);
		if (poll(&pfd, 1, wait_ms) == -1 && errno != EINTR)
			return store_failed("poll");
	}
}

/* Sets the watch on d, before any request is written. */
int
watch_drive(const struct drive_ref *d)
{
	char path[XS_PATH_MAX];

	if (path_request(path, d->domid, d->vdev) == -1 ||
	    !xs_watch(cli_xs, path, WATCH_TOKEN))
		return store_failed("setting a watch");
	return EXIT_DONE;
}
