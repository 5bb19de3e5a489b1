/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * The saved-configuration update after a change, in libxl's own way
 * (libxl_internal.c, libxl__set_domain_configuration and
 * libxl__userdata_store): take the domain-userdata lock (devlock.c,
 * through a child when it is busy), read the file, splice the drive's
 * element (protocol/libxl_json.c), then a child writes userdata-n.D.
 * UUID.libxl-json, mode 0600, with libxl's trailing NUL, fsyncs it and
 * renames it over the old file, so that a reader, or a crash, sees the
 * old file or the new one and never a mix.  The fsync is why it is a
 * child: it may take long on a busy disk, and the loop must not wait.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "devlock.h"
#include "fault.h"
#include "log.h"
#include "loop.h"
#include "userdata.h"
#include "vdev.h"

struct userdata_job {
	int domid;
	char uuid[64];
	char vdev[VDEV_NAME_MAX];
	char path[TARGET_MAX + 1];
	enum image_format format;
	char file[512];		/* userdata-d...libxl-json */
	char temp[512];		/* userdata-n...libxl-json */
	struct devlock *lock;
	pid_t child;
	int pipe;		/* the writer's report: a failed step, errno */
	char why[160];
	struct loop_timer *kick;	/* reports an early end from the loop */
	bool updated;
	userdata_fn *fn;
	void *ctx;
};

/* What the writer child reports when it fails. */
struct writer_report {
	int step;		/* index into writer_steps */
	int err;
};

static const char *const writer_steps[] = {
	"create", "chmod", "write", "fsync", "rename",
};

static void
job_end(struct userdata_job *j)
{
	userdata_fn *fn = j->fn;
	void *ctx = j->ctx;
	bool updated = j->updated;
	char why[sizeof(j->why)];

	snprintf(why, sizeof(why), "%s", j->why);
	if (!updated)
		log_warnx("dom %d %s: libxl's saved configuration %s left "
		    "alone: %s", j->domid, j->vdev, j->file, why);
	else
		log_info("dom %d %s: libxl's saved configuration updated",
		    j->domid, j->vdev);
	userdata_cancel(j);
	fn(ctx, updated, updated ? "" : why);
}

static void
job_kick(void *ctx)
{
	struct userdata_job *j = ctx;

	j->kick = NULL;
	job_end(j);
}

/* Ends the job from the loop, never from the caller's stack. */
static void
job_fail_soon(struct userdata_job *j, const char *why)
{
	snprintf(j->why, sizeof(j->why), "%s", why);
	if ((j->kick = loop_timer_add(0, job_kick, j)) == NULL)
		job_end(j);
}

static void
job_fail(struct userdata_job *j, const char *why)
{
	snprintf(j->why, sizeof(j->why), "%s", why);
	job_end(j);
}

#define NO_FILE "no libxl-json for this domain (not created by libxl?)"

/*
 * Reads the file whole, bounded.  NULL with errno set: ENOENT for no
 * file, EFBIG for a file larger than any libxl writes.
 */
static char *
read_file(const char *path, size_t *len)
{
	struct stat st;
	char *buf = NULL;
	ssize_t r;
	size_t got = 0;
	int fd, e;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return NULL;
	if (fstat(fd, &st) == -1)
		goto fail;
	if (!S_ISREG(st.st_mode) || st.st_size > LIBXL_JSON_MAX) {
		errno = S_ISREG(st.st_mode) ? EFBIG : EINVAL;
		goto fail;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL)
		goto fail;
	/* One byte more than stat said, to see the file grew under us. */
	while ((r = read(fd, buf + got, (size_t)st.st_size + 1 - got)) != 0) {
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			goto fail;
		if ((got += (size_t)r) > (size_t)st.st_size) {
			errno = EFBIG;
			goto fail;
		}
	}
	close(fd);
	*len = got;
	return buf;
fail:
	e = errno;
	free(buf);
	close(fd);
	errno = e;
	return NULL;
}

/*
 * The writer child: only async-signal-safe calls (we forked a threaded
 * process), then _exit.  It keeps no descriptor but its report's, so a
 * QMP socket or a lock of the daemon's is never held up by it, and it
 * dies with the daemon, which holds the lock it writes under: a killed
 * daemon leaves the old file, a userdata-n at most.
 */
static void __attribute__((noreturn))
writer(pid_t parent, const char *temp, const char *file, const char *text,
    size_t len, int report)
{
	struct writer_report rep = { 0, 0 };
	ssize_t r;
	size_t done = 0;
	int fd;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);
	if (report > 3)
		close_range(3, (unsigned)report - 1, 0);
	close_range((unsigned)report + 1, ~0U, 0);

	if ((fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
	    O_NOFOLLOW, 0600)) == -1)
		goto fail;
	/* O_CREAT's mode does not apply to a userdata-n left behind. */
	rep.step = 1;
	if (fchmod(fd, 0600) == -1)
		goto fail;
	rep.step = 2;
	while (done < len) {
		if ((r = write(fd, text + done, len - done)) == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		done += (size_t)r;
	}
	rep.step = 3;
	if (fsync(fd) == -1 || close(fd) == -1)
		goto fail;
	rep.step = 4;
	if (rename(temp, file) == -1)
		goto fail;
	_exit(0);
fail:
	rep.err = errno;
	if (write(report, &rep, sizeof(rep)) != (ssize_t)sizeof(rep))
		_exit(2);
	_exit(1);
}

static void
writer_done(void *ctx, pid_t pid, int status)
{
	struct userdata_job *j = ctx;
	struct writer_report rep = { -1, 0 };
	char what[96];

	(void)pid;
	j->child = -1;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		/* The rename is done: the new file is the one now. */
		fault_point("file written:", "%s", j->file);
		j->updated = true;
		job_end(j);
		return;
	}
	if (read(j->pipe, &rep, sizeof(rep)) != (ssize_t)sizeof(rep) ||
	    rep.step < 0 || (size_t)rep.step >= sizeof(writer_steps) /
	    sizeof(writer_steps[0])) {
		job_fail(j, "the writing child failed without a report");
		return;
	}
	snprintf(what, sizeof(what), "%s %s: %s", writer_steps[rep.step],
	    rep.step == 4 ? "to the file" : "of userdata-n",
	    strerror(rep.err));
	job_fail(j, what);
}

/* Under the lock: read, splice, and start the child that writes. */
static void
userdata_write(struct userdata_job *j)
{
	struct libxl_medium m = { j->vdev, j->path, j->format };
	const char *why;
	char *in, *out;
	size_t len, cap;
	long n;
	int fds[2];
	pid_t pid, parent;

	if ((in = read_file(j->file, &len)) == NULL) {
		job_fail(j, errno == ENOENT ? NO_FILE : strerror(errno));
		return;
	}
	cap = len + 2 * TARGET_MAX + 1024;
	if ((out = malloc(cap)) == NULL) {
		free(in);
		job_fail(j, strerror(ENOMEM));
		return;
	}
	n = libxl_json_set_disk(in, len, &m, out, cap, &why);
	free(in);
	if (n < 0) {
		free(out);
		job_fail(j, why);
		return;
	}
	if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) == -1) {
		free(out);
		job_fail(j, strerror(errno));
		return;
	}
	fault_point("child start:", "the write of %s", j->file);
	parent = getpid();
	if ((pid = fork()) == 0)
		writer(parent, j->temp, j->file, out, (size_t)n, fds[1]);
	free(out);
	close(fds[1]);
	j->pipe = fds[0];
	if (pid == -1) {
		job_fail(j, strerror(errno));
		return;
	}
	j->child = pid;
	if (loop_child_add(pid, writer_done, j) == -1) {
		kill(pid, SIGKILL);
		job_fail(j, strerror(ENOMEM));
	}
}

static void
lock_taken(void *ctx, int err)
{
	struct userdata_job *j = ctx;
	char what[128];

	if (err != 0) {
		snprintf(what, sizeof(what), "cannot take libxl's "
		    "domain-userdata lock: %s", strerror(err));
		job_fail(j, what);
		return;
	}
	userdata_write(j);
}

struct userdata_job *
userdata_update(int domid, const char *uuid, const struct libxl_medium *m,
    userdata_fn *fn, void *ctx)
{
	struct userdata_job *j;
	const char *dir = devlock_dir();
	char what[128];

	if ((j = calloc(1, sizeof(*j))) == NULL)
		return NULL;
	j->domid = domid;
	j->child = -1;
	j->pipe = -1;
	j->fn = fn;
	j->ctx = ctx;
	j->format = m->format;
	snprintf(j->uuid, sizeof(j->uuid), "%s", uuid);
	snprintf(j->vdev, sizeof(j->vdev), "%s", m->vdev);
	if (snprintf(j->path, sizeof(j->path), "%s", m->path) >=
	    (int)sizeof(j->path) ||
	    snprintf(j->file, sizeof(j->file), "%s/userdata-d.%d.%s.libxl-json",
	    dir, domid, uuid) >= (int)sizeof(j->file) ||
	    snprintf(j->temp, sizeof(j->temp), "%s/userdata-n.%d.%s.libxl-json",
	    dir, domid, uuid) >= (int)sizeof(j->temp)) {
		job_fail_soon(j, strerror(ENAMETOOLONG));
		return j;
	}
	/*
	 * A domain libxl did not make has no file: say so without
	 * taking (and creating) libxl's lock for nothing.  Under the lock
	 * the file is read again, so its going away meanwhile is seen.
	 */
	if (access(j->file, F_OK) == -1) {
		job_fail_soon(j, errno == ENOENT ? NO_FILE : strerror(errno));
		return j;
	}
	if ((j->lock = devlock_acquire_lock(domid, uuid,
	    LIBXL_LOCK_DOMAIN_USERDATA, lock_taken, j)) == NULL) {
		snprintf(what, sizeof(what), "cannot take libxl's "
		    "domain-userdata lock: %s", strerror(errno));
		job_fail_soon(j, what);
	}
	return j;
}

void
userdata_cancel(struct userdata_job *j)
{
	if (j == NULL)
		return;
	loop_timer_del(j->kick);
	if (j->child != -1) {
		loop_child_forget(j->child);
		kill(j->child, SIGKILL);
	}
	if (j->pipe != -1)
		close(j->pipe);
	devlock_release(j->lock);
	free(j);
}
