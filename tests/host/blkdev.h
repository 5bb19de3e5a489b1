/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * Block devices as a vbd's physical-device names them: "MAJ:MIN" in
 * hex, what Xen's block script writes (stat -c %t:%T).  Shared by
 * blkback-sim (which sizes the device, as xen-blkback does) and
 * stub-agent (which opens it, as a stub domain's QEMU glue opens its
 * /dev/xvdX).
 *
 * udev's /dev/block/MAJ:MIN links are used when there are some; a host
 * without udev (a container, a minimal VM) still has sysfs, whose
 * /sys/dev/block/MAJ:MIN/uevent names the node under /dev.
 */
#ifndef BLKDEV_H
#define BLKDEV_H

#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <linux/fs.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* "MAJ:MIN", both lower-case hex without prefix; false for anything else. */
static inline bool
blkdev_parse(const char *s, unsigned int *maj, unsigned int *min)
{
	unsigned long	 v[2];
	const char	*p = s;
	char		*end;
	int		 i;

	for (i = 0; i < 2; i++) {
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
		errno = 0;
		v[i] = strtoul(p, &end, 16);
		if (errno != 0 || v[i] > 0xfffff || end - p > 5)
			return false;
		if (*end != (i == 0 ? ':' : '\0'))
			return false;
		p = end + 1;
	}
	*maj = v[0];
	*min = v[1];
	return true;
}

/*
 * Opens block device maj:min with flags; the path used goes into path.
 * Returns the fd, or -1 with errno set.
 */
static inline int
blkdev_open(unsigned int maj, unsigned int min, int flags, char *path,
    size_t len)
{
	char		 uevent[128], line[256], *name = NULL;
	struct stat	 st;
	FILE		*f;
	int		 fd, n;

	n = snprintf(path, len, "/dev/block/%u:%u", maj, min);
	if (n < 0 || (size_t)n >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (access(path, F_OK) != 0) {
		snprintf(uevent, sizeof(uevent), "/sys/dev/block/%u:%u/uevent",
		    maj, min);
		if ((f = fopen(uevent, "re")) == NULL)
			return -1;
		while (fgets(line, sizeof(line), f) != NULL)
			if (strncmp(line, "DEVNAME=", 8) == 0) {
				line[strcspn(line, "\n")] = '\0';
				name = line + 8;
				break;
			}
		fclose(f);
		if (name == NULL || strchr(name, '/') != NULL) {
			errno = ENOENT;
			return -1;
		}
		n = snprintf(path, len, "/dev/%s", name);
		if (n < 0 || (size_t)n >= len) {
			errno = ENAMETOOLONG;
			return -1;
		}
	}
	if ((fd = open(path, flags)) == -1)
		return -1;
	/* The node must be the device named, not whatever has that name. */
	if (fstat(fd, &st) == -1 || !S_ISBLK(st.st_mode) ||
	    major(st.st_rdev) != maj || minor(st.st_rdev) != min) {
		close(fd);
		errno = ENODEV;
		return -1;
	}
	return fd;
}

/* Size of block device maj:min in bytes, or -1. */
static inline long long
blkdev_size(unsigned int maj, unsigned int min)
{
	char		 path[64];
	uint64_t	 bytes;
	int		 fd, rc;

	if ((fd = blkdev_open(maj, min, O_RDONLY | O_CLOEXEC, path,
	    sizeof(path))) == -1)
		return -1;
	rc = ioctl(fd, BLKGETSIZE64, &bytes);
	close(fd);
	return rc == -1 ? -1 : (long long)bytes;
}

#endif
