/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * The event loop, in the manner of Redis's ae.c: file events, time
 * events and child exits dispatched from one poll(2).
 *
 * Signals arrive through a signalfd, so a handler never runs in signal
 * context.  Handlers are kept in plain lists: the daemon has a handful
 * of fds and timers per drive in flight, and walking a short list costs
 * less than keeping a heap right.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"

struct loop_fd {
	int fd;
	short events;
	bool dead;
	loop_fd_fn *fn;
	void *ctx;
	struct loop_fd *next;
};

struct loop_timer {
	unsigned long long due;
	bool dead;
	loop_timer_fn *fn;
	void *ctx;
	struct loop_timer *next;
};

struct loop_child {
	pid_t pid;
	loop_child_fn *fn;
	void *ctx;
	struct loop_child *next;
};

static struct loop_fd *fds;
static struct loop_timer *timers;
static struct loop_child *children;
static loop_signal_fn *signal_handler;
static int signal_fd = -1;
static bool stopping;
static unsigned long long wakeups;
/* Set when a handler was removed: the sweep then frees it. */
static bool need_sweep;

unsigned long long
loop_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

unsigned long long
loop_now_ms(void)
{
	return loop_now_us() / 1000;
}

unsigned long long
loop_wakeups(void)
{
	return wakeups;
}

struct loop_fd *
loop_fd_add(int fd, short events, loop_fd_fn *fn, void *ctx)
{
	struct loop_fd *h;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return NULL;
	h->fd = fd;
	h->events = events;
	h->fn = fn;
	h->ctx = ctx;
	h->next = fds;
	fds = h;
	return h;
}

void
loop_fd_set_events(struct loop_fd *h, short events)
{
	h->events = events;
}

void
loop_fd_del(struct loop_fd *h)
{
	if (h == NULL)
		return;
	h->dead = true;
	need_sweep = true;
}

struct loop_timer *
loop_timer_add(unsigned ms, loop_timer_fn *fn, void *ctx)
{
	struct loop_timer *t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->due = loop_now_ms() + ms;
	t->fn = fn;
	t->ctx = ctx;
	t->next = timers;
	timers = t;
	return t;
}

void
loop_timer_del(struct loop_timer *t)
{
	if (t == NULL)
		return;
	t->dead = true;
	need_sweep = true;
}

int
loop_child_add(pid_t pid, loop_child_fn *fn, void *ctx)
{
	struct loop_child *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return -1;
	c->pid = pid;
	c->fn = fn;
	c->ctx = ctx;
	c->next = children;
	children = c;
	return 0;
}

/*
 * The child stays a zombie until it exits and is reaped below; only the
 * callback is dropped, so a later exit is reaped and ignored.
 */
void
loop_child_forget(pid_t pid)
{
	struct loop_child *c;

	for (c = children; c != NULL; c = c->next)
		if (c->pid == pid)
			c->fn = NULL;
}

static void
reap_children(void)
{
	struct loop_child **pp, *c;
	pid_t pid;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (pp = &children; (c = *pp) != NULL; pp = &c->next)
			if (c->pid == pid)
				break;
		if (c == NULL)
			continue;
		*pp = c->next;
		if (c->fn != NULL)
			c->fn(c->ctx, pid, status);
		free(c);
	}
}

static void
signal_readable(void *ctx, int fd, short revents)
{
	struct signalfd_siginfo si;

	(void)ctx;
	(void)revents;
	while (read(fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGCHLD)
			reap_children();
		else if (signal_handler != NULL)
			signal_handler((int)si.ssi_signo);
	}
}

int
loop_init(loop_signal_fn *on_signal)
{
	sigset_t set;

	signal_handler = on_signal;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1)
		return -1;
	/* A QMP peer that goes away must not kill us with SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	signal_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (signal_fd == -1)
		return -1;
	if (loop_fd_add(signal_fd, POLLIN, signal_readable, NULL) == NULL)
		return -1;
	return 0;
}

void
loop_stop(void)
{
	stopping = true;
}

static void
sweep(void)
{
	struct loop_fd **fp, *f;
	struct loop_timer **tp, *t;

	if (!need_sweep)
		return;
	need_sweep = false;
	for (fp = &fds; (f = *fp) != NULL;) {
		if (f->dead) {
			*fp = f->next;
			free(f);
		} else
			fp = &f->next;
	}
	for (tp = &timers; (t = *tp) != NULL;) {
		if (t->dead) {
			*tp = t->next;
			free(t);
		} else
			tp = &t->next;
	}
}

/* Milliseconds until the next timer, or -1 (forever) if there is none. */
static int
poll_timeout(void)
{
	unsigned long long now = loop_now_ms(), first = 0;
	struct loop_timer *t;
	bool any = false;

	for (t = timers; t != NULL; t = t->next) {
		if (t->dead)
			continue;
		if (!any || t->due < first)
			first = t->due;
		any = true;
	}
	if (!any)
		return -1;
	if (first <= now)
		return 0;
	return first - now > 60000 ? 60000 : (int)(first - now);
}

static void
run_timers(void)
{
	unsigned long long now = loop_now_ms();
	struct loop_timer *t;

	for (t = timers; t != NULL; t = t->next) {
		if (t->dead || t->due > now)
			continue;
		/* One-shot: dead before the call, so the handler may re-arm. */
		t->dead = true;
		need_sweep = true;
		t->fn(t->ctx);
	}
}

/*
 * Dispatches one poll's results.  The pollfd array is a snapshot: a
 * handler added during dispatch waits for the next iteration, and one
 * removed during it is skipped through its dead flag.
 */
static void
run_fds(struct pollfd *pfd, struct loop_fd **handler, nfds_t n)
{
	nfds_t i;

	for (i = 0; i < n; i++) {
		if (pfd[i].revents == 0 || handler[i]->dead)
			continue;
		handler[i]->fn(handler[i]->ctx, pfd[i].fd, pfd[i].revents);
	}
}

int
loop_run(void)
{
	struct pollfd *pfd = NULL;
	struct loop_fd **handler = NULL, *f;
	size_t cap = 0;
	nfds_t n;
	int rc = 0;

	while (!stopping) {
		n = 0;
		for (f = fds; f != NULL; f = f->next)
			n++;
		if (n > cap) {
			cap = n * 2;
			free(pfd);
			free(handler);
			pfd = calloc(cap, sizeof(*pfd));
			handler = calloc(cap, sizeof(*handler));
			if (pfd == NULL || handler == NULL)
				fatalx("out of memory in the event loop");
		}
		n = 0;
		for (f = fds; f != NULL; f = f->next) {
			if (f->dead)
				continue;
			pfd[n].fd = f->fd;
			pfd[n].events = f->events;
			pfd[n].revents = 0;
			handler[n++] = f;
		}
		if (poll(pfd, n, poll_timeout()) == -1) {
			if (errno == EINTR)
				continue;
			log_warn("poll");
			rc = -1;
			break;
		}
		wakeups++;
		run_fds(pfd, handler, n);
		run_timers();
		sweep();
	}
	free(pfd);
	free(handler);
	return rc;
}
