/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * slowfs: a FUSE file system whose lookups hang, standing in for a dead
 * NFS server (where ISO libraries often live) in the tests of an image
 * open that must not block the daemon.
 *
 *	slowfs MOUNTPOINT FILE DELAYFILE
 *
 * The mount's root holds one file, "image.iso", with FILE's contents.
 * Each lookup or getattr first waits as many seconds as DELAYFILE holds
 * (none if it is missing or empty), so tests can make the file system
 * hang and recover at will.  The kernel caches nothing (entry and
 * attribute timeouts 0).  Runs in the foreground until unmounted or
 * sent SIGTERM; a wait ends early when the session ends.
 */
#define FUSE_USE_VERSION 31

#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <fuse_lowlevel.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *backing, *delay_file;

static void
maybe_hang(void)
{
	struct fuse_context *ctx = fuse_get_context();
	struct timespec tick = { 0, 50 * 1000 * 1000 };
	char buf[32] = "";
	long ms;
	FILE *f;

	if ((f = fopen(delay_file, "re")) != NULL) {
		if (fgets(buf, sizeof(buf), f) == NULL)
			buf[0] = '\0';
		fclose(f);
	}
	for (ms = atol(buf) * 1000; ms > 0; ms -= 50) {
		if (fuse_session_exited(fuse_get_session(ctx->fuse)))
			return;
		nanosleep(&tick, NULL);
	}
}

static void *
slow_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	(void)conn;
	cfg->entry_timeout = 0;
	cfg->attr_timeout = 0;
	cfg->negative_timeout = 0;
	return NULL;
}

static int
slow_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	(void)fi;
	memset(st, 0, sizeof(*st));
	if (strcmp(path, "/") == 0) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
		return 0;
	}
	maybe_hang();
	if (strcmp(path, "/image.iso") != 0)
		return -ENOENT;
	if (stat(backing, st) == -1)
		return -errno;
	st->st_mode = S_IFREG | 0444;
	return 0;
}

static int
slow_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off,
    struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	(void)off;
	(void)fi;
	(void)flags;
	if (strcmp(path, "/") != 0)
		return -ENOENT;
	fill(buf, ".", NULL, 0, 0);
	fill(buf, "..", NULL, 0, 0);
	fill(buf, "image.iso", NULL, 0, 0);
	return 0;
}

static int
slow_open(const char *path, struct fuse_file_info *fi)
{
	int fd;

	if (strcmp(path, "/image.iso") != 0)
		return -ENOENT;
	if ((fi->flags & O_ACCMODE) != O_RDONLY)
		return -EACCES;
	if ((fd = open(backing, O_RDONLY | O_CLOEXEC)) == -1)
		return -errno;
	fi->fh = (uint64_t)fd;
	return 0;
}

static int
slow_read(const char *path, char *buf, size_t size, off_t off,
    struct fuse_file_info *fi)
{
	ssize_t n;

	(void)path;
	n = pread((int)fi->fh, buf, size, off);
	return n == -1 ? -errno : (int)n;
}

static int
slow_release(const char *path, struct fuse_file_info *fi)
{
	(void)path;
	close((int)fi->fh);
	return 0;
}

static const struct fuse_operations ops = {
	.init = slow_init,
	.getattr = slow_getattr,
	.readdir = slow_readdir,
	.open = slow_open,
	.read = slow_read,
	.release = slow_release,
};

int
main(int argc, char **argv)
{
	char *fargv[] = { argv[0], "-f", "-o", "default_permissions", NULL,
	    NULL };

	if (argc != 4) {
		fprintf(stderr, "usage: slowfs MOUNTPOINT FILE DELAYFILE\n");
		return 2;
	}
	backing = argv[2];
	delay_file = argv[3];
	fargv[4] = argv[1];
	return fuse_main(5, fargv, &ops, NULL);
}
