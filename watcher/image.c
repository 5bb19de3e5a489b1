/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * Image opening under the allowed-dir policy.
 *
 * Inside an allowed directory every component below it is opened with
 * O_PATH | O_NOFOLLOW relative to its parent's descriptor, so no symlink
 * can lead out of the directory, whatever is swapped in while we walk.
 * The allowed directory itself is the administrator's and may be
 * reached through symlinks.  Without allowed-dir the final component
 * still may not be a symlink.  The file's type is checked on an O_PATH
 * descriptor, which opens nothing: a character device or FIFO is never
 * opened, not even by root.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image.h"
#include "magic.h"
#include "request.h"

#define OPEN_PATH (O_PATH | O_NOFOLLOW | O_CLOEXEC)
#define OPEN_IMAGE (O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK)

/*
 * An error names the path, but a path can be thousands of bytes long:
 * its start is shown, so that the reason after it always fits.
 */
#define SHOWN_PATH_MAX 200
#define SHOWN(p) (strlen(p) > SHOWN_PATH_MAX ? SHOWN_PATH_MAX : \
	(int)strlen(p)), (p), (strlen(p) > SHOWN_PATH_MAX ? "..." : "")

enum error_code
image_policy(const struct config *cfg, const char *target, const char **dir,
    char *err, size_t errlen)
{
	size_t i, n;

	*dir = config_allowed_dir(cfg, target);
	if (cfg->n_allowed_dirs == 0 || *dir != NULL)
		return ERRC_NONE;
	for (i = 0; i < cfg->n_allowed_dirs; i++) {
		n = strlen(cfg->allowed_dirs[i]);
		while (n > 1 && cfg->allowed_dirs[i][n - 1] == '/')
			n--;
		if (strncmp(target, cfg->allowed_dirs[i], n) == 0 &&
		    target[n] == '\0') {
			snprintf(err, errlen, "%.*s%s is a directory (an "
			    "allowed-dir): name an image in it", SHOWN(target));
			return ERRC_NOT_A_FILE;
		}
	}
	snprintf(err, errlen, "%.*s%s is outside every allowed-dir",
	    SHOWN(target));
	return ERRC_POLICY;
}

/* readlinkat of an O_PATH descriptor of the link itself, NUL-ended. */
static void
read_link(int fd, struct image_result *r)
{
	ssize_t n = readlinkat(fd, "", r->link, sizeof(r->link) - 1);

	r->link[n < 0 ? 0 : n] = '\0';
}

/* The type of the file at fd, checked before anything opens it. */
static int
check_type(int fd, struct stat *st, struct image_result *r)
{
	if (fstat(fd, st) == -1) {
		r->stage = IMAGE_FINAL;
		r->err = errno;
		return -1;
	}
	r->mode = st->st_mode;
	if (S_ISLNK(st->st_mode)) {
		r->stage = IMAGE_LINK;
		read_link(fd, r);
		return -1;
	}
	if (!S_ISREG(st->st_mode) && !S_ISBLK(st->st_mode)) {
		r->stage = IMAGE_TYPE;
		return -1;
	}
	return 0;
}

/* Reads the magic at the start and, for VHD, at the footer. */
static void
read_magic(int fd, const struct stat *st, enum image_format want,
    struct image_result *r)
{
	unsigned char head[MAGIC_HEAD];
	ssize_t n;
	off_t size;

	if ((n = pread(fd, head, sizeof(head), 0)) == -1) {
		r->stage = IMAGE_READ;
		r->err = errno;
		return;
	}
	r->seen = magic_format(head, (size_t)n);
	if (want != FORMAT_VHD || r->seen != FORMAT_RAW)
		return;
	size = S_ISREG(st->st_mode) ? st->st_size : lseek(fd, 0, SEEK_END);
	if (size >= VHD_FOOTER && (n = pread(fd, head, sizeof(head),
	    size - VHD_FOOTER)) > 0)
		r->vhd_footer = magic_vhd_footer(head, (size_t)n);
}

/* The last component, from its parent's descriptor. */
static void
open_final(int parent, const char *name, enum image_format want,
    struct image_result *r)
{
	struct stat st, opened;
	int pfd, fd;

	if ((pfd = openat(parent, name, OPEN_PATH)) == -1) {
		r->stage = IMAGE_FINAL;
		r->err = errno;
		return;
	}
	if (check_type(pfd, &st, r) == -1) {
		close(pfd);
		return;
	}
	close(pfd);
	if ((fd = openat(parent, name, OPEN_IMAGE)) == -1) {
		r->stage = IMAGE_FINAL;
		r->err = errno;
		return;
	}
	if (fstat(fd, &opened) == -1 || opened.st_dev != st.st_dev ||
	    opened.st_ino != st.st_ino ||
	    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) == -1) {
		r->stage = IMAGE_CHANGED;
		close(fd);
		return;
	}
	read_magic(fd, &opened, want, r);
	if (r->stage != IMAGE_OK) {
		close(fd);
		return;
	}
	r->fd = fd;
}

/* Each directory below dirfd, without following symlinks. */
static int
walk_beneath(int dirfd, const char *target, const char *path,
    struct image_result *r)
{
	char comp[TARGET_MAX + 1];
	const char *slash;
	struct stat st;
	int fd = dirfd, next;
	size_t n;

	while ((slash = strchr(path, '/')) != NULL) {
		n = (size_t)(slash - path);
		memcpy(comp, path, n);
		comp[n] = '\0';
		r->comp_off = (size_t)(path - target);
		r->comp_len = n;
		next = openat(fd, comp, OPEN_PATH);
		if (fd != dirfd)
			close(fd);
		if (next == -1) {
			r->stage = IMAGE_COMPONENT;
			r->err = errno;
			return -1;
		}
		fd = next;
		if (fstat(fd, &st) == -1) {
			r->stage = IMAGE_COMPONENT;
			r->err = errno;
			close(fd);
			return -1;
		}
		if (!S_ISDIR(st.st_mode)) {
			r->stage = S_ISLNK(st.st_mode) ? IMAGE_COMPONENT_LINK :
			    IMAGE_COMPONENT;
			r->err = ENOTDIR;
			if (S_ISLNK(st.st_mode))
				read_link(fd, r);
			close(fd);
			return -1;
		}
		path = slash + 1;
	}
	r->comp_off = (size_t)(path - target);
	r->comp_len = strlen(path);
	return fd;
}

void
image_walk(const char *dir, const char *target, enum image_format want,
    struct image_result *r)
{
	const char *rest, *slash;
	char parent[TARGET_MAX + 1];
	int dirfd, fd;
	size_t n;

	memset(r, 0, sizeof(*r));
	r->stage = IMAGE_OK;
	r->fd = -1;
	r->seen = FORMAT_RAW;
	if (dir == NULL) {
		/* The administrator allows all: only the file is not followed. */
		slash = strrchr(target, '/');
		n = (size_t)(slash - target);
		memcpy(parent, target, n);
		parent[n > 0 ? n : 1] = '\0';
		if (n == 0)
			parent[0] = '/';
		if ((dirfd = open(parent, O_PATH | O_DIRECTORY | O_CLOEXEC)) ==
		    -1) {
			r->stage = IMAGE_COMPONENT;
			r->err = errno;
			r->comp_off = 0;
			r->comp_len = n;
			return;
		}
		r->comp_off = n + 1;
		r->comp_len = strlen(slash + 1);
		open_final(dirfd, slash + 1, want, r);
		close(dirfd);
		return;
	}
	if ((dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1) {
		r->stage = IMAGE_DIR_FAILED;
		r->err = errno;
		return;
	}
	rest = target + strlen(dir);
	while (*rest == '/')
		rest++;
	if ((fd = walk_beneath(dirfd, target, rest, r)) != -1) {
		open_final(fd, target + r->comp_off, want, r);
		if (fd != dirfd)
			close(fd);
	}
	close(dirfd);
}

static const char *
type_name(mode_t mode)
{
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISSOCK(mode))
		return "a socket";
	return "of an unknown type";
}

/* For a relative link, where it points from the link's directory. */
static void
link_target(const char *target, size_t off, const char *link, char *out,
    size_t outlen)
{
	if (link[0] == '/' || off == 0)
		snprintf(out, outlen, "%s", link);
	else
		snprintf(out, outlen, "%.*s%s", (int)off, target, link);
}

static enum error_code
errno_code(int err)
{
	return err == ENOENT ? ERRC_NOT_FOUND : ERRC_OPEN;
}

enum error_code
image_explain(const char *target, enum image_format want, bool check_format,
    const struct image_result *r, char *err, size_t errlen)
{
	char to[TARGET_MAX + IMAGE_LINK_MAX + 1], why[160];

	switch (r->stage) {
	case IMAGE_OK:
		if (!check_format || magic_check(want, r->seen, r->vhd_footer,
		    why, sizeof(why)) == 0)
			return ERRC_NONE;
		snprintf(err, errlen, "%.*s%s %s", SHOWN(target), why);
		return ERRC_FORMAT;
	case IMAGE_DIR_FAILED:
		snprintf(err, errlen, "%.*s%s: its allowed-dir: %s",
		    SHOWN(target), strerror(r->err));
		return errno_code(r->err);
	case IMAGE_COMPONENT:
		if (r->err == ENOTDIR)
			snprintf(err, errlen, "%.*s%s: %.*s is not a directory",
			    SHOWN(target), (int)r->comp_len,
			    target + r->comp_off);
		else
			snprintf(err, errlen, "%.*s%s: %s", SHOWN(target),
			    strerror(r->err));
		return r->err == ENOTDIR ? ERRC_NOT_FOUND : errno_code(r->err);
	case IMAGE_COMPONENT_LINK:
		link_target(target, r->comp_off, r->link, to, sizeof(to));
		snprintf(err, errlen, "%.*s%s: %.*s is a symbolic link (to "
		    "%.*s), which is not followed below an allowed-dir",
		    SHOWN(target), (int)r->comp_len, target + r->comp_off,
		    SHOWN_PATH_MAX, to);
		return ERRC_SYMLINK;
	case IMAGE_FINAL:
		snprintf(err, errlen, "%.*s%s: %s", SHOWN(target),
		    strerror(r->err));
		return errno_code(r->err);
	case IMAGE_LINK:
		link_target(target, r->comp_off, r->link, to, sizeof(to));
		snprintf(err, errlen, "%.*s%s is a symbolic link, which is not "
		    "followed: it points to %.*s; insert that instead",
		    SHOWN(target), SHOWN_PATH_MAX, to);
		return ERRC_SYMLINK;
	case IMAGE_TYPE:
		if (S_ISDIR(r->mode))
			snprintf(err, errlen, "%.*s%s is a directory",
			    SHOWN(target));
		else
			snprintf(err, errlen, "%.*s%s is %s, not a regular file "
			    "or block device", SHOWN(target),
			    type_name(r->mode));
		return ERRC_NOT_A_FILE;
	case IMAGE_CHANGED:
		snprintf(err, errlen, "%.*s%s was replaced while it was opened",
		    SHOWN(target));
		return ERRC_OPEN;
	case IMAGE_READ:
		snprintf(err, errlen, "%.*s%s: cannot read it: %s",
		    SHOWN(target), strerror(r->err));
		return ERRC_OPEN;
	}
	snprintf(err, errlen, "%.*s%s: cannot be opened", SHOWN(target));
	return ERRC_INTERNAL;
}
