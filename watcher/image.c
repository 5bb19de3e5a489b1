/*
 * Image opening under the allowed-dir policy.
 *
 * Inside an allowed directory every component below it is opened with
 * O_NOFOLLOW relative to its parent's descriptor, so no symlink can lead
 * out of the directory, whatever is swapped in while we walk.  The
 * allowed directory itself is the administrator's and may be reached
 * through symlinks.  Without allowed-dir the final component still may
 * not be a symlink.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image.h"
#include "request.h"

#define OPEN_IMAGE (O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK)

static const char *
open_error(int err)
{
	switch (err) {
	case ELOOP:
		return "is a symbolic link, which is not followed";
	case ENOTDIR:
		return "has a component that is not a directory (or is a "
		    "symbolic link, which is not followed)";
	default:
		return strerror(err);
	}
}

/* Walks path (relative, no "." or "..") from dirfd without symlinks. */
static int
open_beneath(int dirfd, const char *path)
{
	char comp[TARGET_MAX + 1];
	const char *slash;
	int fd = dirfd, next;
	size_t n;

	while ((slash = strchr(path, '/')) != NULL) {
		n = (size_t)(slash - path);
		memcpy(comp, path, n);
		comp[n] = '\0';
		next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (fd != dirfd)
			close(fd);
		if (next == -1)
			return -1;
		fd = next;
		path = slash + 1;
	}
	next = openat(fd, path, OPEN_IMAGE);
	if (fd != dirfd) {
		int saved = errno;
		close(fd);
		errno = saved;
	}
	return next;
}

/*
 * An error names the path, but a path can be thousands of bytes long:
 * its start is shown, so that the reason after it always fits.
 */
#define SHOWN_PATH_MAX 200

static int
shown_len(const char *path)
{
	size_t n = strlen(path);

	return n > SHOWN_PATH_MAX ? SHOWN_PATH_MAX : (int)n;
}

static const char *
shown_rest(const char *path)
{
	return strlen(path) > SHOWN_PATH_MAX ? "..." : "";
}

int
image_open(const struct config *cfg, const char *target, char *err,
    size_t errlen)
{
	const char *dir = NULL, *rest;
	struct stat st;
	size_t i;
	int dirfd, fd;

	for (i = 0; i < cfg->n_allowed_dirs && dir == NULL; i++)
		if (path_within(target, cfg->allowed_dirs[i]))
			dir = cfg->allowed_dirs[i];
	if (cfg->n_allowed_dirs > 0 && dir == NULL) {
		snprintf(err, errlen, "%.*s%s is outside every allowed-dir",
		    shown_len(target), target, shown_rest(target));
		return -1;
	}
	if (dir == NULL) {
		fd = open(target, OPEN_IMAGE);
	} else {
		if ((dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
			snprintf(err, errlen, "allowed-dir %s: %s", dir,
			    strerror(errno));
			return -1;
		}
		rest = target + strlen(dir);
		while (*rest == '/')
			rest++;
		fd = open_beneath(dirfd, rest);
		if (fd == -1) {
			int saved = errno;
			close(dirfd);
			errno = saved;
		} else
			close(dirfd);
	}
	if (fd == -1) {
		snprintf(err, errlen, "%.*s%s: %s", shown_len(target), target,
		    shown_rest(target), open_error(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !(S_ISREG(st.st_mode) ||
	    S_ISBLK(st.st_mode))) {
		snprintf(err, errlen, "%.*s%s is not a regular file or block "
		    "device", shown_len(target), target, shown_rest(target));
		close(fd);
		return -1;
	}
	/* O_NONBLOCK only kept a FIFO from blocking the open itself. */
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) == -1) {
		snprintf(err, errlen, "%.*s%s: %s", shown_len(target), target,
		    shown_rest(target), strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}
