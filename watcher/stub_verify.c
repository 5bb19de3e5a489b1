/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * Checking what the block script attached against the descriptor the
 * path policy was checked on: by device number for a block device, by
 * the loop device's backing device and inode (LOOP_GET_STATUS64) for a
 * file.  The device node comes from the backend (dom0's own nodes,
 * written by dom0's script) and must be the block device that
 * physical-device names.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "drive.h"
#include "stub_verify.h"
#include "stub_vbd.h"

/* "MAJ:MIN" in hex, as Xen's block script writes physical-device. */
static bool
parse_physical_device(const char *s, dev_t *dev)
{
	unsigned maj, min;
	char end;

	if (sscanf(s, "%x:%x%c", &maj, &min, &end) != 2)
		return false;
	*dev = makedev(maj, min);
	return true;
}

bool
stub_vbd_is_checked_image(const struct drive *d, char *why, size_t whylen)
{
	char buf[256], node[256];
	struct loop_info64 info;
	struct stat img, st;
	dev_t dev;
	int fd;

	if (d->image_fd == -1 || fstat(d->image_fd, &img) == -1) {
		snprintf(why, whylen, "the checked image is not open");
		return false;
	}
	if (!stub_backend_read(d, "physical-device", buf, sizeof(buf)) ||
	    !parse_physical_device(buf, &dev)) {
		snprintf(why, whylen, "the hotplug script wrote no valid "
		    "physical-device");
		return false;
	}
	if (S_ISBLK(img.st_mode)) {
		if (img.st_rdev == dev)
			return true;
		snprintf(why, whylen, "the vbd's device %s is not the block "
		    "device that was checked", buf);
		return false;
	}
	if (!stub_backend_read(d, "node", node, sizeof(node)) &&
	    !stub_backend_read(d, "physical-device-path", node, sizeof(node))) {
		snprintf(why, whylen, "the hotplug script wrote no node");
		return false;
	}
	if ((fd = open(node, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC |
	    O_NOCTTY)) == -1) {
		snprintf(why, whylen, "%.200s: %s", node, strerror(errno));
		return false;
	}
	/* Zeroed: valgrind cannot tell that the ioctl fills it. */
	memset(&info, 0, sizeof(info));
	if (fstat(fd, &st) == -1 || !S_ISBLK(st.st_mode) || st.st_rdev != dev ||
	    ioctl(fd, LOOP_GET_STATUS64, &info) == -1) {
		close(fd);
		snprintf(why, whylen, "%.200s is not the loop device %s names",
		    node, buf);
		return false;
	}
	close(fd);
	if ((dev_t)info.lo_device == img.st_dev &&
	    (ino_t)info.lo_inode == img.st_ino)
		return true;
	snprintf(why, whylen, "the loop device %.200s holds another file than "
	    "the one checked (was the path replaced after the check?)", node);
	return false;
}

bool
stub_vbd_loop_bound(const struct drive *d)
{
	char node[256], params[4096];
	struct loop_info64 info;
	struct stat st;
	bool bound;
	int fd;

	if (!stub_backend_read(d, "node", node, sizeof(node)) &&
	    !stub_backend_read(d, "physical-device-path", node, sizeof(node)))
		return false;
	if ((fd = open(node, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC |
	    O_NOCTTY)) == -1)
		return false;
	memset(&info, 0, sizeof(info));
	bound = fstat(fd, &st) == 0 && S_ISBLK(st.st_mode) &&
	    ioctl(fd, LOOP_GET_STATUS64, &info) == 0;
	close(fd);
	/* Detached since and bound again to another file: not ours. */
	info.lo_file_name[LO_NAME_SIZE - 1] = '\0';
	if (bound && info.lo_file_name[0] != '\0' &&
	    stub_backend_read(d, "params", params, sizeof(params)) &&
	    strncmp((const char *)info.lo_file_name, params,
	    LO_NAME_SIZE - 1) != 0)
		bound = false;
	return bound;
}
