/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * The image opener's child: fork, walk (async-signal-safe calls only,
 * the daemon has threads), send the result and the descriptor back over
 * a socketpair with SCM_RIGHTS, exit.  The daemon waits for the answer
 * on its loop and kills a child that has not answered in time; a
 * killed child's open file goes with it.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fault.h"
#include "image.h"
#include "log.h"
#include "loop.h"
#include "fdpass.h"
#include "opener.h"

struct opener {
	char target[TARGET_MAX + 1];
	enum image_format want;
	unsigned timeout_s;
	pid_t pid;
	int sock;
	struct loop_fd *in;
	struct loop_timer *deadline;
	opener_fn *fn;		/* NULL once answered or cancelled */
	void *ctx;
	bool exited;		/* reaped: its pid may be someone else's now */
	unsigned long long started_us;	/* for the benchmark's P1 share */
	/* Answered or cancelled: fn is NULL and op is freed on return. */
};

static void
opener_free_if_done(struct opener *op)
{
	if (op->fn != NULL)
		return;
	/* Killed already; reaped and ignored by the loop when it exits. */
	if (!op->exited)
		loop_child_forget(op->pid);
	free(op);
}

/* Ends the wait: nothing more will be read and no timer fires. */
static void
opener_stop(struct opener *op)
{
	if (op->in != NULL)
		loop_fd_del(op->in);
	op->in = NULL;
	if (op->sock != -1)
		close(op->sock);
	op->sock = -1;
	if (op->deadline != NULL)
		loop_timer_del(op->deadline);
	op->deadline = NULL;
	if (!op->exited)
		kill(op->pid, SIGKILL);
}

static void
opener_answer(struct opener *op, int fd, enum error_code code,
    const char *err)
{
	opener_fn *fn = op->fn;
	void *ctx = op->ctx;

	op->fn = NULL;
	opener_stop(op);
	log_debug("%.200s answered in %llu us", op->target,
	    loop_now_us() - op->started_us);
	fn(ctx, fd, code, err);
}

/* Reads the child's answer, if it is there; op stays allocated. */
static void
opener_read(struct opener *op, int sock)
{
	struct image_result r;
	enum error_code code;
	char err[1024];
	ssize_t n;
	int fd = -1;

	n = recv_with_fd(sock, &r, sizeof(r), MSG_DONTWAIT, &fd);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n != (ssize_t)sizeof(r) || (r.stage == IMAGE_OK) != (fd != -1)) {
		if (fd != -1)
			close(fd);
		snprintf(err, sizeof(err), "%.200s: the process opening it "
		    "failed", op->target);
		opener_answer(op, -1, ERRC_INTERNAL, err);
		return;
	}
	r.fd = fd;
	r.link[sizeof(r.link) - 1] = '\0';
	code = image_explain(op->target, op->want, true, &r, err, sizeof(err));
	if (code != ERRC_NONE && fd != -1) {
		close(fd);
		fd = -1;
	}
	opener_answer(op, fd, code, code == ERRC_NONE ? "" : err);
}

static void
opener_readable(void *ctx, int sock, short revents)
{
	struct opener *op = ctx;

	(void)revents;
	opener_read(op, sock);
	opener_free_if_done(op);
}

static void
opener_timeout(void *ctx)
{
	struct opener *op = ctx;
	char err[512];

	op->deadline = NULL;
	log_warn("opening %.200s: no answer after %u s; killing pid %ld "
	    "(is its file system hung?)", op->target, op->timeout_s,
	    (long)op->pid);
	snprintf(err, sizeof(err), "%.200s: opening it took longer than "
	    "step-timeout (%u s): its file system does not answer",
	    op->target, op->timeout_s);
	opener_answer(op, -1, ERRC_TIMEOUT, err);
	opener_free_if_done(op);
}

static void
opener_exited(void *ctx, pid_t pid, int status)
{
	struct opener *op = ctx;
	char err[512];

	(void)pid;
	(void)status;
	op->exited = true;
	/* The answer, if any, is in the socket: read it before giving up. */
	if (op->fn != NULL && op->sock != -1)
		opener_read(op, op->sock);
	if (op->fn != NULL) {
		snprintf(err, sizeof(err), "%.200s: the process opening it "
		    "died", op->target);
		opener_answer(op, -1, ERRC_INTERNAL, err);
	}
	opener_free_if_done(op);
}

/* The child: walk, answer, exit.  Async-signal-safe calls only. */
static void __attribute__((noreturn))
opener_child(int sock, pid_t parent, const char *dir, const char *target,
    enum image_format want)
{
	struct image_result r;

	/* Keep nothing of the daemon's (its locks above all), die with it. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);
	if (sock != 3 && dup2(sock, 3) == -1)
		_exit(1);
	close_range(4, ~0U, 0);
	image_walk(dir, target, want, &r);
	_exit(send_with_fd(3, &r, sizeof(r), r.fd) == (ssize_t)sizeof(r) ?
	    0 : 1);
}

struct opener *
opener_start(const struct config *cfg, const char *target,
    enum image_format want, unsigned timeout_s, opener_fn *fn, void *ctx,
    enum error_code *code, char *err, size_t errlen)
{
	struct opener *op;
	const char *dir;
	pid_t parent;
	int sv[2];

	if ((*code = image_policy(cfg, target, &dir, err, errlen)) !=
	    ERRC_NONE)
		return NULL;
	*code = ERRC_INTERNAL;
	if ((op = calloc(1, sizeof(*op))) == NULL) {
		snprintf(err, errlen, "opening an image: out of memory");
		return NULL;
	}
	snprintf(op->target, sizeof(op->target), "%s", target);
	op->want = want;
	op->timeout_s = timeout_s;
	op->fn = fn;
	op->ctx = ctx;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1) {
		snprintf(err, errlen, "opening an image: socketpair: %s",
		    strerror(errno));
		free(op);
		return NULL;
	}
	fault_point("child start:", "the opener of %.200s", target);
	parent = getpid();
	if ((op->pid = fork()) == -1) {
		snprintf(err, errlen, "opening an image: fork: %s",
		    strerror(errno));
		close(sv[0]);
		close(sv[1]);
		free(op);
		return NULL;
	}
	if (op->pid == 0)
		opener_child(sv[1], parent, dir, target, want);
	close(sv[1]);
	op->sock = sv[0];
	if (loop_child_add(op->pid, opener_exited, op) == -1) {
		kill(op->pid, SIGKILL);
		close(op->sock);
		free(op);
		snprintf(err, errlen, "opening an image: out of memory");
		return NULL;
	}
	op->in = loop_fd_add(op->sock, POLLIN, opener_readable, op);
	op->deadline = loop_timer_add(timeout_s * 1000u, opener_timeout, op);
	if (op->in == NULL || op->deadline == NULL) {
		op->fn = NULL;
		opener_stop(op);
		opener_free_if_done(op);
		snprintf(err, errlen, "opening an image: out of memory");
		return NULL;
	}
	op->started_us = loop_now_us();
	log_debug("opening %.200s in pid %ld", target, (long)op->pid);
	return op;
}

void
opener_cancel(struct opener *op)
{
	if (op == NULL || op->fn == NULL)
		return;
	op->fn = NULL;
	opener_stop(op);
	opener_free_if_done(op);
}
