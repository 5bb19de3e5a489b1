/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * libxl's per-domain locks, as libxl takes them (libxl_internal.c,
 * libxl__ev_slowlock_lock, libxl__lock_domain_userdata): open
 * XEN_LIB_DIR/userdata-l.D.UUID.WHICH, flock it, and hold it only if
 * the file we locked is still the one at that path, since the holder
 * unlinks it before unlocking; then, as libxl does, make sure the
 * domain still exists, for its files may be removed with it.  That look
 * costs a xenstore read, so a lock taken at once skips it unless it
 * guards a file (the domain-userdata lock): under the device-changes
 * and qmp-socket locks the daemon only talks to QEMU, which fails for a
 * dead domain, and writes xenstore in transactions that first check
 * that the guest's nodes are still there.  A lock waited for, perhaps
 * while its holder destroyed the domain, is always checked.
 *
 * When the lock is busy a child inherits the descriptor and blocks in
 * flock(LOCK_EX) on it; a flock belongs to the open file, so when the
 * child exits with it, it is ours.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "devlock.h"
#include "fault.h"
#include "log.h"
#include "loop.h"
#include "paths.h"
#include "proclocks.h"
#include "store.h"

struct devlock {
	char path[512];
	int domid;
	int fd;
	pid_t child;		/* waiting for the lock on our behalf */
	struct loop_timer *kick;	/* reports a lock taken at once */
	int result;
	bool held;
	bool check_at_once;	/* look for the domain even if not waited for */
	devlock_fn *fn;
	void *ctx;
};

const char *
devlock_dir(void)
{
	const char *dir = getenv("XEN_LIB_DIR");

	return dir != NULL && dir[0] != '\0' ? dir : "/var/lib/xen";
}

/* Is the locked file still the one at the lock's path? */
static bool
devlock_current(struct devlock *l)
{
	struct stat st, fst;

	return fstat(l->fd, &fst) == 0 && stat(l->path, &st) == 0 &&
	    st.st_dev == fst.st_dev && st.st_ino == fst.st_ino;
}

/* The domain's home in xenstore is there while the domain exists. */
static bool
devlock_domain_exists(const struct devlock *l)
{
	char home[XS_PATH_MAX];

	return path_domain(home, l->domid) == 0 &&
	    store_exists(XBT_NULL, home);
}

static void
devlock_report(void *ctx)
{
	struct devlock *l = ctx;

	l->kick = NULL;
	l->fn(l->ctx, l->result);
}

/* Reports result from the loop, not from the caller's stack. */
static void
devlock_finish(struct devlock *l, int result)
{
	if (result == 0 && l->check_at_once && !devlock_domain_exists(l))
		result = ESRCH;
	l->result = result;
	l->held = result == 0;
	if ((l->kick = loop_timer_add(0, devlock_report, l)) == NULL)
		l->fn(l->ctx, result);
}

static void devlock_child_done(void *ctx, pid_t pid, int status);

/* Says whose lock the change waits for: /proc/locks names the holder. */
static void
holder_log(const struct devlock *l)
{
	char text[16384];
	struct stat st;
	ssize_t n;
	size_t len = 0;
	long pid = -1;
	int fd;

	if (fstat(l->fd, &st) == 0 &&
	    (fd = open("/proc/locks", O_RDONLY | O_CLOEXEC)) != -1) {
		while (len < sizeof(text) &&
		    (n = read(fd, text + len, sizeof(text) - len)) > 0)
			len += (size_t)n;
		close(fd);
		pid = proc_locks_holder(text, len, major(st.st_dev),
		    minor(st.st_dev), (unsigned long long)st.st_ino);
	}
	if (pid > 0)
		log_info("waiting for libxl's device lock of dom %d (held by "
		    "pid %ld)", l->domid, pid);
	else
		log_info("waiting for libxl's device lock of dom %d (%s)",
		    l->domid, l->path);
}

static void
devlock_try(struct devlock *l)
{
	pid_t pid, parent;

	if (l->fd != -1)
		close(l->fd);
	l->fd = open(l->path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
	if (l->fd == -1) {
		devlock_finish(l, errno);
		return;
	}
	if (flock(l->fd, LOCK_EX | LOCK_NB) == 0) {
		if (devlock_current(l)) {
			devlock_finish(l, 0);
			return;
		}
		/*
		 * Locked a file its holder had just unlinked: again, and
		 * look for the domain then, as after any wait.
		 */
		flock(l->fd, LOCK_UN);
		l->check_at_once = true;
		devlock_try(l);
		return;
	}
	if (errno != EWOULDBLOCK) {
		devlock_finish(l, errno);
		return;
	}
	holder_log(l);
	fault_point("child start:", "the wait for %s", l->path);
	parent = getpid();
	if ((pid = fork()) == -1) {
		devlock_finish(l, errno);
		return;
	}
	if (pid == 0) {
		/*
		 * Only async-signal-safe calls here: we forked a threaded
		 * process.  The child keeps no descriptor but the one it
		 * locks, and dies with us: a killed daemon's child would
		 * otherwise keep the daemon's other locks, the one it waits
		 * for among them, and wait forever.
		 */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);
		if (l->fd > 3)
			close_range(3, (unsigned)l->fd - 1, 0);
		close_range((unsigned)l->fd + 1, ~0U, 0);
		while (flock(l->fd, LOCK_EX) == -1)
			if (errno != EINTR)
				_exit(1);
		_exit(0);
	}
	l->child = pid;
	if (loop_child_add(pid, devlock_child_done, l) == -1) {
		kill(pid, SIGKILL);
		l->child = -1;
		devlock_finish(l, ENOMEM);
	}
}

static void
devlock_child_done(void *ctx, pid_t pid, int status)
{
	struct devlock *l = ctx;

	(void)pid;
	l->child = -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		l->fn(l->ctx, ENOLCK);
		return;
	}
	if (devlock_current(l)) {
		l->held = devlock_domain_exists(l);
		l->fn(l->ctx, l->held ? 0 : ESRCH);
		return;
	}
	flock(l->fd, LOCK_UN);
	devlock_try(l);
}

struct devlock *
devlock_acquire_lock(int domid, const char *uuid, const char *which,
    devlock_fn *fn, void *ctx)
{
	struct devlock *l;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return NULL;
	if (snprintf(l->path, sizeof(l->path), "%s/userdata-l.%d.%s.%s",
	    devlock_dir(), domid, uuid, which) >= (int)sizeof(l->path)) {
		free(l);
		errno = ENAMETOOLONG;
		return NULL;
	}
	l->domid = domid;
	l->fd = -1;
	l->child = -1;
	l->fn = fn;
	l->ctx = ctx;
	l->check_at_once = strcmp(which, LIBXL_LOCK_DOMAIN_USERDATA) == 0;
	devlock_try(l);
	return l;
}

struct devlock *
devlock_acquire(int domid, const char *uuid, devlock_fn *fn, void *ctx)
{
	return devlock_acquire_lock(domid, uuid, LIBXL_LOCK_DEVICE_CHANGES,
	    fn, ctx);
}

const char *
devlock_path(const struct devlock *l)
{
	return l->path;
}

void
devlock_release(struct devlock *l)
{
	if (l == NULL)
		return;
	loop_timer_del(l->kick);
	if (l->child != -1) {
		loop_child_forget(l->child);
		kill(l->child, SIGKILL);
	} else if (l->held && devlock_current(l)) {
		/* As libxl: unlink before unlocking, see devlock_current. */
		unlink(l->path);
	}
	if (l->fd != -1) {
		flock(l->fd, LOCK_UN);
		close(l->fd);
	}
	free(l);
}
