/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * xen-cdrom's waiting: follows a drive through a xenstore watch on its
 * cdrom-request directory until the daemon answers.  Nodes are read
 * only when an event says they changed, and only those the decision
 * needs: a change costs a handful of xenstore requests however long it
 * takes.  The daemon's liveness is followed through a pidfd, libxl's
 * lock through /proc/locks: neither costs xenstored anything.
 *
 * Telling the daemon's answer to *our* request from the state it had
 * before:
 *  - Protocol 1.1 (the daemon advertises "request-id" in its features):
 *    our request carries a fresh request-id, and the daemon copies it
 *    to answered-id in the transaction that writes done or error for
 *    it.  answered-id equal to ours is the answer; nothing else is.
 *  - Older daemons: g->before holds the nodes read in the very
 *    transaction that wrote the request.  Events come in commit order;
 *    ours is the first event for "target" after the watch was set (the
 *    transaction read target, so no other commit can fall inside it),
 *    and a write of state, medium or error after it is the daemon
 *    writing after our request.  One such write can still be stale:
 *    the daemon may have read the old request just before our commit
 *    and write its answer (an "error") just after; it then reads ours
 *    and always writes again.  So an error is our answer only once it
 *    has stood ERROR_SETTLE_MS with no further write ("done" needs no
 *    grace: it must name our target as medium).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "state.h"

#define WATCH_TOKEN "xen-cdrom"
/* How long an error must stand before it is taken as our answer (1.0). */
#define ERROR_SETTLE_MS 500
/* How often the daemon's pid is checked without a pidfd. */
#define LIVENESS_MS 1000
/* How long a change may sit in "ejecting" before libxl's lock is named. */
#define LOCK_CHECK_MS 1000

/* What one batch of watch events touched. */
enum {
	EV_STATE = 1 << 0,
	EV_ANSWER = 1 << 1,	/* state, medium or error */
	EV_TARGET = 1 << 2,
	EV_ANSWERED_ID = 1 << 3,
	EV_GONE = 1 << 4,	/* the drive's directory itself */
};

enum verdict { V_WAIT, V_DONE, V_ERROR, V_REPLACED, V_GONE, V_FAILED };

struct wait {
	const struct drive_ref *d;
	const struct wait_goal *g;
	const struct options *o;
	bool show;		/* each state is shown (terminal or verbose) */
	bool exact;		/* answered-id decides (protocol 1.1) */
	bool registered;	/* the watch's own first event came */
	bool seen_ours;		/* 1.0: our write's target event came */
	unsigned targets;	/* target's events (ours among them) */
	int ev_later;		/* EV_* drained while judging, for the next */
	unsigned writes;	/* 1.0: the daemon's writes after ours */
	unsigned error_writes;
	long long error_until;	/* 1.0: when a standing error is ours */
	long long state_since;
	long lock_shown;	/* the lock holder named last */
	struct drive_nodes n;	/* the nodes as last read */
};

static volatile sig_atomic_t interrupted;

static int drain(struct wait *w);

static void
on_sigint(int signo)
{
	(void)signo;
	interrupted = 1;
}

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

/* Reads one leaf into buf; -1 on a xenstore failure, 0 if absent. */
static int
read_leaf(struct wait *w, const char *leaf, char *buf, size_t len)
{
	int rc = leaf_read(XBT_NULL, w->d, leaf, buf, len);

	if (rc == -1 && errno == E2BIG)
		rc = 1;		/* longer than any value of ours: not ours */
	return rc;
}

/*
 * Two states written between two of our reads reach us as one batch of
 * events, and only the last is read: the steps a change cannot skip
 * (protocol/state.c) are shown all the same, so --verbose lists every
 * step the daemon ran.
 */
static void
show_passed(struct wait *w, const char *was, const char *now)
{
	enum drive_state from, to, passed[DRIVE_DONE];
	int n, i;

	if (drive_state_parse(was, &from) == -1 ||
	    drive_state_parse(now, &to) == -1)
		return;
	n = drive_states_passed(from, to, passed);
	for (i = 0; i < n; i++)
		progress(w->d, drive_state_name(passed[i]), w->g->eject, w->o);
}

/* Reads state; a new one is shown, and starts the lock's clock. */
static int
read_state(struct wait *w)
{
	char was[sizeof(w->n.state)];

	memcpy(was, w->n.state, sizeof(was));
	if (read_leaf(w, "state", w->n.state, sizeof(w->n.state)) == -1)
		return -1;
	if (strcmp(was, w->n.state) == 0)
		return 0;
	w->state_since = now_ms();
	if (w->show && strcmp(w->n.state, "done") != 0 &&
	    strcmp(w->n.state, "error") != 0) {
		show_passed(w, was, w->n.state);
		progress(w->d, w->n.state, w->g->eject, w->o);
	}
	return 0;
}

/*
 * The drive's state is final (done or error): reads what the verdict
 * needs.  target: our request's, or NULL (wait: done is medium equal
 * to the drive's own target).
 */
static enum verdict
final_verdict(struct wait *w, const char *target)
{
	struct drive_nodes *n = &w->n;

	/*
	 * The answer to our request-id, and nobody has written target
	 * since we did: done means medium = target (the daemon writes it
	 * only then), and an error is ours.  Nothing more to read but
	 * the error.
	 */
	if (w->exact && w->targets == 1) {
		if (strcmp(n->state, "done") == 0) {
			snprintf(n->medium, sizeof(n->medium), "%s", target);
			return V_DONE;
		}
		if (strcmp(n->state, "error") == 0)
			return read_leaf(w, "error", n->error,
			    sizeof(n->error)) == -1 ||
			    read_leaf(w, "error-code", n->error_code,
			    sizeof(n->error_code)) == -1 ? V_FAILED : V_ERROR;
		return V_WAIT;
	}
	if (strcmp(n->state, "done") == 0) {
		if (read_leaf(w, "medium", n->medium, sizeof(n->medium)) == -1)
			return V_FAILED;
		if (target == NULL) {
			if (read_leaf(w, "target", n->target,
			    sizeof(n->target)) == -1)
				return V_FAILED;
			return strcmp(n->medium, n->target) == 0 ? V_DONE :
			    V_WAIT;
		}
		if (strcmp(n->medium, target) == 0)
			return V_DONE;
	} else if (strcmp(n->state, "error") == 0) {
		if (read_leaf(w, "error", n->error, sizeof(n->error)) == -1 ||
		    (w->exact && read_leaf(w, "error-code", n->error_code,
		    sizeof(n->error_code)) == -1))
			return V_FAILED;
		if (target == NULL)
			return V_ERROR;
	} else
		return V_WAIT;
	if (read_leaf(w, "target", n->target, sizeof(n->target)) == -1)
		return V_FAILED;
	if (strcmp(n->target, target) != 0)
		return V_REPLACED;
	return strcmp(n->state, "error") == 0 ? V_ERROR : V_WAIT;
}

/* Protocol 1.1: answered-id says whose answer the state is. */
static enum verdict
judge_exact(struct wait *w, unsigned ev)
{
	const struct wait_goal *g = w->g;
	char answered[sizeof(w->n.answered_id)], rid[sizeof(w->n.request_id)];
	int rc;

	/*
	 * answered-id first: when it is ours, the one read of state that
	 * follows serves both the progress shown and the verdict, and is
	 * no older than the answer (read before it, state could be an
	 * older request's error).
	 */
	answered[0] = '\0';
	if ((ev & EV_ANSWERED_ID) &&
	    read_leaf(w, "answered-id", answered, sizeof(answered)) == -1)
		return V_FAILED;
	if ((ev & EV_ANSWERED_ID) && strcmp(answered, g->request_id) == 0) {
		/*
		 * Every event of a commit before that read has come in by
		 * now (xenstored queues them before its reply): any write of
		 * target between ours and the answer is counted.
		 */
		if ((rc = drain(w)) == -1)
			return V_FAILED;
		w->ev_later |= rc;
		if (read_state(w) == -1)
			return V_FAILED;
		return final_verdict(w, g->target);
	}
	if ((ev & EV_STATE) && w->show && read_state(w) == -1)
		return V_FAILED;
	/*
	 * The answer to a request older than ours says nothing.  (before
	 * is empty when our transaction did not read the nodes: then the
	 * request-id read below tells the same.)
	 */
	if (!(ev & EV_ANSWERED_ID) || answered[0] == '\0' ||
	    strcmp(answered, g->before->request_id) == 0 ||
	    strcmp(answered, g->before->answered_id) == 0)
		return V_WAIT;
	/* Someone else's answer: is their request still ours? */
	if (read_leaf(w, "request-id", rid, sizeof(rid)) == -1)
		return V_FAILED;
	if (strcmp(rid, g->request_id) == 0)
		return V_WAIT;
	if (read_leaf(w, "target", w->n.target, sizeof(w->n.target)) == -1)
		return V_FAILED;
	return V_REPLACED;
}

/* 1.0: the daemon's writes after ours; an error must stand a while. */
static enum verdict
judge_legacy(struct wait *w, unsigned ev)
{
	enum verdict v;

	/* Every write of the daemon's writes state (with error, medium). */
	if (!(ev & EV_STATE)) {
		if (w->error_until != 0 && now_ms() >= w->error_until)
			return V_ERROR;
		return V_WAIT;
	}
	if (read_state(w) == -1)
		return V_FAILED;
	v = final_verdict(w, w->g->target);
	if (v != V_ERROR) {
		w->error_until = 0;
		return v;
	}
	if (w->error_until == 0 || w->error_writes != w->writes) {
		w->error_writes = w->writes;
		w->error_until = now_ms() + ERROR_SETTLE_MS;
	}
	return V_WAIT;
}

/* wait: the drive's own state, done with medium = target, or error. */
static enum verdict
judge_drive(struct wait *w, unsigned ev)
{
	if (!(ev & (EV_STATE | EV_TARGET)))
		return V_WAIT;
	if (read_state(w) == -1)
		return V_FAILED;
	return final_verdict(w, NULL);
}

/* Drains the watch events; returns the EV_* they touched, or -1. */
static int
drain(struct wait *w)
{
	const struct drive_ref *d = w->d;
	char dir[XS_PATH_MAX];
	unsigned ev = 0;
	char **e;

	if (path_request(dir, d->domid, d->vdev) == -1)
		return -1;
	while ((e = xs_check_watch(cli_xs)) != NULL) {
		const char *p = e[XS_WATCH_PATH];
		bool answer = is_leaf(p, d, "state") ||
		    is_leaf(p, d, "medium") || is_leaf(p, d, "error");

		if (strcmp(e[XS_WATCH_TOKEN], WATCH_TOKEN) != 0)
			;
		else if (strcmp(p, dir) == 0) {
			if (w->registered)
				ev |= EV_GONE;
			w->registered = true;
		} else if (is_leaf(p, d, "answered-id"))
			ev |= EV_ANSWERED_ID;
		else if (is_leaf(p, d, "target")) {
			ev |= EV_TARGET;
			w->seen_ours = true;
			w->targets++;
		} else if (answer && (w->seen_ours || !w->g->mine)) {
			ev |= EV_ANSWER;
			w->writes++;
		}
		if (is_leaf(p, d, "state") &&
		    (w->exact || w->seen_ours || !w->g->mine))
			ev |= EV_STATE;
		free(e);
	}
	if (errno != EAGAIN)
		return -1;
	return (int)ev;
}

/* Is the drive's directory still there? */
static enum verdict
check_gone(struct wait *w)
{
	int rc = drive_there(XBT_NULL, w->d);

	if (rc == -1)
		return V_FAILED;
	return rc == 0 ? V_GONE : V_WAIT;
}

/* Names the holder of libxl's lock while the change sits in ejecting. */
static void
check_lock(struct wait *w)
{
	char path[64], comm[32] = "";
	char note[160];
	long pid;
	FILE *f;

	if ((pid = devlock_holder(w->d->domid)) <= 0 || pid == w->lock_shown)
		return;
	snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
	if ((f = fopen(path, "re")) != NULL) {
		if (fgets(comm, sizeof(comm), f) == NULL)
			comm[0] = '\0';
		fclose(f);
	}
	/* The daemon holds it for the whole change: that is no wait. */
	if (strncmp(comm, "xen-cdromd", 10) == 0 ||
	    pid == w->g->daemon->pid)
		return;
	w->lock_shown = pid;
	snprintf(note, sizeof(note), "waiting for libxl's device lock of dom "
	    "%d (held by pid %ld%s%.*s%s)", w->d->domid, pid,
	    comm[0] ? ", " : "", (int)strcspn(comm, "\n"), comm,
	    "");
	progress_note(w->d, note, w->o);
}

static void
print_seconds(char *buf, size_t len, long long ms)
{
	snprintf(buf, len, "%g", (double)ms / 1000);
}

/* Says how the wait ended and returns the exit status for it. */
static int
report(struct wait *w, enum verdict v)
{
	const struct drive_ref *d = w->d;
	struct drive_nodes *n = &w->n;
	static char text[REQUEST_VALUE_MAX + 1];
	char code[64] = "";

	switch (v) {
	case V_DONE:
		progress_done(d, n->medium, w->o);
		/* done: error is "", the rest was read on the way. */
		w->n.error[0] = '\0';
		if (w->g->mine)
			snprintf(n->target, sizeof(n->target), "%s",
			    w->g->target);
		if (w->o->verbose)
			status_line(d, &w->n);
		return EXIT_DONE;
	case V_ERROR:
		if (n->error_code[0] != '\0')
			snprintf(code, sizeof(code), " (error-code %s)",
			    n->error_code);
		warnx_("dom %d %s: %s%s", d->domid, d->vdev,
		    n->error[0] != '\0' ? text_clean(text, sizeof(text),
		    n->error) : "the daemon reported an error", code);
		if (w->g->mine && w->g->target[0] != '\0')
			daemon_cannot_see(w->g->target, n->error,
			    n->error_code);
		return EXIT_FAILED;
	case V_REPLACED:
		warnx_("dom %d %s: the request was replaced by another "
		    "(target now \"%s\")", d->domid, d->vdev,
		    text_clean(text, sizeof(text), n->target));
		return EXIT_FAILED;
	case V_GONE:
		warnx_("dom %d %s: the drive is gone", d->domid, d->vdev);
		return EXIT_NOTFOUND;
	case V_FAILED:
		return store_failed("reading the drive");
	case V_WAIT:
		break;
	}
	return EXIT_FAILED;
}

/* The daemon is not there to answer; says so.  Exit status 4. */
static int
daemon_gone(struct wait *w)
{
	warnx_("dom %d %s: xen-cdromd is not running (pid %ld, in %s/pid, "
	    "has exited)", w->d->domid, w->d->vdev, w->g->daemon->pid,
	    DAEMON_DIR);
	if (w->g->mine)
		request_stays(w->d);
	return EXIT_NOTFOUND;
}

static int
timed_out(struct wait *w, long long timeout_ms)
{
	char secs[32], who[160] = "";

	if (read_state(w) == -1)
		return store_failed("reading the drive");
	print_seconds(secs, sizeof(secs), timeout_ms);
	switch (daemon_liveness(w->g->daemon)) {
	case DAEMON_RUNNING:
		snprintf(who, sizeof(who), "; xen-cdromd (pid %ld) is "
		    "still at work", w->g->daemon->pid);
		break;
	case DAEMON_GONE:
		snprintf(who, sizeof(who), "; xen-cdromd (pid %ld) is not "
		    "running", w->g->daemon->pid);
		break;
	case DAEMON_UNKNOWN:
		snprintf(who, sizeof(who), "; xen-cdromd publishes no %s/pid "
		    "(not running, or older than protocol 1.1)", DAEMON_DIR);
		break;
	}
	warnx_("dom %d %s: timed out after %ss (state %s%s)%s", w->d->domid,
	    w->d->vdev, secs, or_dash(w->n.state),
	    w->exact || !w->g->mine ? "" : ", from before the request",
	    who);
	if (w->g->mine)
		request_stays(w->d);
	return EXIT_TIMEOUT;
}

/*
 * Follows drive d through the watch (already set, before any request
 * was written) until the answer, the timeout, a Ctrl-C or the daemon's
 * end.
 */
int
wait_answer(const struct drive_ref *d, const struct wait_goal *g,
    const struct options *o)
{
	struct wait w = { .d = d, .g = g, .o = o };
	struct sigaction sa = { .sa_handler = on_sigint };
	struct pollfd pfd[2];
	long long start = now_ms(), deadline = 0, now, wake;
	int nfds = 1, pidfd = -1, rc, ev;
	bool dead = false;	/* the daemon's pidfd said it exited */
	enum verdict v;

	w.show = progress_tty || o->verbose;
	w.exact = g->mine && g->daemon->request_id;
	if (g->mine)
		w.n = *g->before;
	w.state_since = start;
	if (o->timeout_ms > 0)
		deadline = start + o->timeout_ms;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	pfd[0].fd = xs_fileno(cli_xs);
	pfd[0].events = POLLIN;
	if (pfd[0].fd == -1)
		return store_failed("watch fd");
	if (daemon_liveness(g->daemon) == DAEMON_RUNNING &&
	    (pidfd = (int)syscall(SYS_pidfd_open, (pid_t)g->daemon->pid,
	    0)) != -1) {
		pfd[1].fd = pidfd;
		pfd[1].events = POLLIN;
		nfds = 2;
	}
	/* wait judges the drive as it is; a change only what follows. */
	ev = g->mine ? 0 : EV_STATE;
	for (;;) {
		rc = drain(&w);
		if (rc == -1) {
			rc = store_failed("reading watch events");
			break;
		}
		ev |= rc | w.ev_later;
		w.ev_later = 0;
		if ((ev & EV_GONE) && (v = check_gone(&w)) != V_WAIT) {
			rc = report(&w, v);
			break;
		}
		v = !g->mine ? judge_drive(&w, (unsigned)ev) :
		    w.exact ? judge_exact(&w, (unsigned)ev) :
		    judge_legacy(&w, (unsigned)ev);
		ev = 0;
		if (v != V_WAIT) {
			rc = report(&w, v);
			break;
		}
		if (dead) {
			rc = daemon_gone(&w);
			break;
		}
		now = now_ms();
		if (deadline != 0 && now >= deadline) {
			rc = timed_out(&w, o->timeout_ms);
			break;
		}
		if (w.show && strcmp(w.n.state, "ejecting") == 0 &&
		    now - w.state_since >= LOCK_CHECK_MS)
			check_lock(&w);
		if (g->daemon->pid > 0 && pidfd == -1 &&
		    daemon_liveness(g->daemon) == DAEMON_GONE) {
			rc = daemon_gone(&w);
			break;
		}
		wake = deadline;
		if (w.error_until != 0 && (wake == 0 || w.error_until < wake))
			wake = w.error_until;
		if (w.show && strcmp(w.n.state, "ejecting") == 0) {
			long long at = w.state_since + LOCK_CHECK_MS;

			if (at <= now)
				at = now + LOCK_CHECK_MS;
			if (wake == 0 || at < wake)
				wake = at;
		}
		if (g->daemon->pid > 0 && pidfd == -1 &&
		    (wake == 0 || now + LIVENESS_MS < wake))
			wake = now + LIVENESS_MS;
		/* Events drained while judging are not on the fd any more. */
		if (w.ev_later != 0)
			wake = now;
		if (poll(pfd, (nfds_t)nfds, wake == 0 ? -1 :
		    (int)(wake > now ? wake - now : 0)) == -1 &&
		    errno != EINTR) {
			rc = store_failed("poll");
			break;
		}
		if (interrupted) {
			progress_end();
			warnx_("dom %d %s: interrupted", d->domid, d->vdev);
			if (g->mine)
				request_stays(d);
			rc = 130;
			break;
		}
		/* An answer written as it exited still counts: judge first. */
		if (nfds == 2 && (pfd[1].revents & (POLLIN | POLLHUP))) {
			dead = true;
			nfds = 1;
		}
	}
	if (pidfd != -1)
		close(pidfd);
	return rc;
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
