/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * libFuzzer target for vdev names and vbd numbers.  The input, up to
 * its first NUL, is a name for vdev_to_devid; every 4 bytes of it are
 * also a devid for vdev_from_devid.
 *
 * Checks: a valid name's devid is non-negative, its disk index
 * in range, and vdev_from_devid gives the very same name back (needing
 * exactly strlen + 1 bytes); a devid that vdev_from_devid names parses
 * back to itself.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vdev.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define check(cond) do { if (!(cond)) { \
	fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, \
	    #cond); abort(); } } while (0)

#define DISKS_MAX (1 << 20)

static void
name_roundtrip(const char *name)
{
	char buf[VDEV_NAME_MAX], tight[VDEV_NAME_MAX];
	int devid, disk = -1;
	size_t n;

	if ((devid = vdev_to_devid(name, &disk)) < 0) {
		check(vdev_to_devid(name, NULL) == -1);
		return;
	}
	check(vdev_to_devid(name, NULL) == devid);
	check(disk >= 0 && disk < DISKS_MAX);
	n = strlen(name);
	check(n < VDEV_NAME_MAX);
	check(vdev_from_devid(devid, buf, sizeof(buf)) == 0);
	if (strcmp(buf, name) != 0) {
		fprintf(stderr, "\"%s\" -> %d -> \"%s\"\n", name, devid, buf);
		abort();
	}
	/* Exactly strlen + 1 bytes are enough, one fewer is not. */
	check(vdev_from_devid(devid, tight, n + 1) == 0);
	check(vdev_from_devid(devid, tight, n) == -1);
}

static void
devid_roundtrip(int devid)
{
	char buf[VDEV_NAME_MAX];
	int back;

	memset(buf, 'x', sizeof(buf));
	if (vdev_from_devid(devid, buf, sizeof(buf)) < 0)
		return;
	check(devid >= 0 && memchr(buf, '\0', sizeof(buf)) != NULL);
	back = vdev_to_devid(buf, NULL);
	if (back != devid) {
		fprintf(stderr, "%d -> \"%s\" -> %d\n", devid, buf, back);
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *name;
	uint32_t u;
	size_t i;

	if ((name = malloc(size + 1)) == NULL)
		return 0;
	memcpy(name, data, size);
	name[size] = '\0';
	name_roundtrip(name);
	free(name);

	for (i = 0; i + 4 <= size; i += 4) {
		memcpy(&u, data + i, 4);
		devid_roundtrip((int)u);
		/* The same bits in the ranges that hold names. */
		devid_roundtrip((int)(u & 0xffff));
		devid_roundtrip((int)(u & 0x1fffff00));
	}
	return 0;
}
