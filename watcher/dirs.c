/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * An allowed-dir under a path the service's unit mounts over (/home,
 * /root, /run/user by ProtectHome=yes; /tmp, /var/tmp by PrivateTmp=yes)
 * looks empty to the daemon while an administrator's shell shows the
 * images in it: every insert from it would fail with "No such file".
 * Refuse it at start instead, naming the mount; warn about a directory
 * that does not exist (yet).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dirs.h"
#include "log.h"
#include "mountinfo.h"

#define MOUNTINFO_MAX (1024 * 1024)

/* Reads a whole /proc file into a new buffer; NULL if it cannot. */
static char *
slurp(const char *path, size_t *len)
{
	char *buf;
	ssize_t n;
	int fd;

	*len = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return NULL;
	if ((buf = malloc(MOUNTINFO_MAX)) == NULL) {
		close(fd);
		return NULL;
	}
	while (*len < MOUNTINFO_MAX &&
	    (n = read(fd, buf + *len, MOUNTINFO_MAX - *len)) > 0)
		*len += (size_t)n;
	close(fd);
	return buf;
}

int
allowed_dirs_check(const struct config *c)
{
	char *self, *init, at[1024];
	size_t self_len, init_len, i;
	struct stat st;
	int rc = 0;

	if (c->n_allowed_dirs == 0)
		return 0;
	self = slurp("/proc/self/mountinfo", &self_len);
	init = slurp("/proc/1/mountinfo", &init_len);
	for (i = 0; i < c->n_allowed_dirs; i++) {
		const char *dir = c->allowed_dirs[i];

		if (self != NULL && init != NULL &&
		    mountinfo_hidden(self, self_len, init, init_len, dir, at,
		    sizeof(at))) {
			log_warnx("allowed-dir %s is hidden from xen-cdromd: its "
			    "own mount namespace has %s mounted over what the "
			    "host has there (the unit's ProtectHome= or "
			    "PrivateTmp=), so no image in it could be inserted; "
			    "keep images elsewhere (e.g. /srv/iso) or change the "
			    "unit", dir, at);
			rc = -1;
		} else if (stat(dir, &st) == -1)
			log_warnx("allowed-dir %s: %s: nothing can be inserted "
			    "from it until it exists", dir, strerror(errno));
		else if (!S_ISDIR(st.st_mode))
			log_warnx("allowed-dir %s is not a directory", dir);
	}
	free(self);
	free(init);
	return rc;
}
