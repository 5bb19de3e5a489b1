/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * Virtual device names <-> vbd numbers, as xen-vbd-interface(7) and
 * libxl encode them.  Only whole disks: the partition bits must be 0.
 */
#include <string.h>

#include "vdev.h"

#define XVD_DISKS_MAX	(1 << 20)	/* extended encoding: 20 disk bits */
#define XVD_EXT_FLAG	(1 << 28)
#define XVD_MAJOR	202
#define SD_MAJOR	8
#define SD_DISKS	16
#define HD_DISKS	20
#define MINOR_DISKS	16		/* disks the 202/8 encodings hold */

/*
 * IDE majors, two units each: hda/hdb on 3, hdc/hdd on 22 (Xen's
 * table), hde..hdt on Linux's legacy majors.
 */
static const int hd_major[HD_DISKS / 2] = {
	3, 22, 33, 34, 56, 57, 88, 89, 90, 91
};

static int
hd_devid(int disk)
{
	return hd_major[disk / 2] << 8 | (disk % 2 ? 64 : 0);
}

/* One letter, a disk of a family with at most n disks; else -1. */
static int
one_letter(const char *s, int n)
{
	if (s[0] < 'a' || s[0] >= 'a' + n || s[1] != '\0')
		return -1;
	return s[0] - 'a';
}

/* Bijective base 26: "a" is 0, "z" 25, "aa" 26.  -1 past the max. */
static int
xvd_disk(const char *s)
{
	long n = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < 'a' || *s > 'z')
			return -1;
		n = n * 26 + (*s - 'a' + 1);
		if (n > XVD_DISKS_MAX)
			return -1;
	}
	return (int)n - 1;
}

static int
xvd_devid(int disk)
{
	if (disk < MINOR_DISKS)
		return XVD_MAJOR << 8 | disk << 4;
	return XVD_EXT_FLAG | disk << 8;
}

int
vdev_to_devid(const char *name, int *disk_index)
{
	int disk, devid;

	if (name == NULL || strnlen(name, VDEV_NAME_MAX) >= VDEV_NAME_MAX)
		return -1;
	if (strncmp(name, "xvd", 3) == 0) {
		if ((disk = xvd_disk(name + 3)) < 0)
			return -1;
		devid = xvd_devid(disk);
	} else if (strncmp(name, "hd", 2) == 0) {
		if ((disk = one_letter(name + 2, HD_DISKS)) < 0)
			return -1;
		devid = hd_devid(disk);
	} else if (strncmp(name, "sd", 2) == 0) {
		if ((disk = one_letter(name + 2, SD_DISKS)) < 0)
			return -1;
		devid = SD_MAJOR << 8 | disk << 4;
	} else
		return -1;
	if (disk_index != NULL)
		*disk_index = disk;
	return devid;
}

/* The xvd name of disk into buf (VDEV_NAME_MAX bytes). */
static void
xvd_name(int disk, char *buf)
{
	char rev[8];
	int n = disk + 1, i = 0, j;

	while (n > 0) {
		n--;
		rev[i++] = 'a' + n % 26;
		n /= 26;
	}
	memcpy(buf, "xvd", 3);
	for (j = 0; j < i; j++)
		buf[3 + j] = rev[i - 1 - j];
	buf[3 + i] = '\0';
}

/* Names a devid of the 16-bit major/minor encodings into buf. */
static int
minor_name(int devid, char *buf)
{
	int major = devid >> 8, minor = devid & 0xff, i;

	if (major == XVD_MAJOR || major == SD_MAJOR) {
		if (minor & 0xf)
			return -1;
		if (major == SD_MAJOR) {
			memcpy(buf, "sd", 2);
			buf[2] = 'a' + (minor >> 4);
			buf[3] = '\0';
		} else
			xvd_name(minor >> 4, buf);
		return 0;
	}
	/* IDE: 6 partition bits, one unit bit; minors 128+ name nothing. */
	if ((minor & 63) != 0 || minor > 64)
		return -1;
	for (i = 0; i < HD_DISKS / 2; i++) {
		if (hd_major[i] == major) {
			memcpy(buf, "hd", 2);
			buf[2] = 'a' + 2 * i + (minor >> 6);
			buf[3] = '\0';
			return 0;
		}
	}
	return -1;
}

int
vdev_from_devid(int devid, char *buf, size_t len)
{
	char name[VDEV_NAME_MAX];
	int disk;

	if (devid < 0 || devid >= 2 * XVD_EXT_FLAG)
		return -1;
	if (devid & XVD_EXT_FLAG) {
		disk = (devid >> 8) & (XVD_DISKS_MAX - 1);
		/* Small disks have a short encoding; only it is canonical. */
		if ((devid & 0xff) != 0 || disk < MINOR_DISKS)
			return -1;
		xvd_name(disk, name);
	} else if (devid >> 16 != 0 || minor_name(devid, name) < 0)
		return -1;
	if (strlen(name) >= len)
		return -1;
	memcpy(buf, name, strlen(name) + 1);
	return 0;
}
