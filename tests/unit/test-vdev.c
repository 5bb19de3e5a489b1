/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * vdev names <-> devids, against the table of xen-vbd-interface(7),
 * libxl and Linux's legacy IDE majors.
 */
#include <stdio.h>

#include "tap.h"
#include "vdev.h"

static const struct {
	const char *name;
	int devid;
	int disk;
} table[] = {
	{ "hda", 768, 0 },	{ "hdb", 832, 1 },
	{ "hdc", 5632, 2 },	{ "hdd", 5696, 3 },
	{ "hde", 8448, 4 },	{ "hdf", 8512, 5 },
	{ "hdg", 34 << 8, 6 },	{ "hdh", 34 << 8 | 64, 7 },
	{ "hdi", 56 << 8, 8 },	{ "hdj", 56 << 8 | 64, 9 },
	{ "hdk", 57 << 8, 10 },	{ "hdl", 57 << 8 | 64, 11 },
	{ "hdm", 88 << 8, 12 },	{ "hdn", 88 << 8 | 64, 13 },
	{ "hdo", 89 << 8, 14 },	{ "hdp", 89 << 8 | 64, 15 },
	{ "hdq", 90 << 8, 16 },	{ "hdr", 90 << 8 | 64, 17 },
	{ "hds", 91 << 8, 18 },	{ "hdt", 23360, 19 },
	{ "sda", 2048, 0 },	{ "sdb", 2064, 1 },
	{ "sdp", 2288, 15 },
	{ "xvda", 51712, 0 },	{ "xvdc", 51744, 2 },
	{ "xvdp", 51952, 15 },	{ "xvdq", 268439552, 16 },
	{ "xvdz", 1 << 28 | 25 << 8, 25 },
	{ "xvdaa", 1 << 28 | 26 << 8, 26 },
	{ "xvdaz", 1 << 28 | 51 << 8, 51 },
	{ "xvdba", 1 << 28 | 52 << 8, 52 },
	{ "xvdtq", 1 << 28 | 536 << 8, 536 },
	{ "xvdzz", 1 << 28 | 701 << 8, 701 },
	{ "xvdaaa", 1 << 28 | 702 << 8, 702 },
	{ "xvdbgqcv", 1 << 28 | 1048575 << 8, 1048575 },	/* max disk */
};
#define NTABLE (sizeof(table) / sizeof(table[0]))

static const char *bad_names[] = {
	"", "hd", "hdu", "hdz", "HDA", "Hda", "hda1", "hdaa", "sd", "sdq",
	"sdz", "sdaa", "sda1", "xvd", "xvda0", "xvdA", "xvd1", "xvda ",
	" xvda", "hda ", "xvd-a", "xvdbgqcw", "xvdzzzzz", "xvdaaaaaaaaaaaa",
	"xvdaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "vda", "xvdé",
};
#define NBAD (sizeof(bad_names) / sizeof(bad_names[0]))

static const int bad_devids[] = {
	-1,
	768 | 1,		/* hda1 */
	5632 | 63,		/* hdc63 */
	3 << 8 | 128,		/* IDE unit 2 on major 3 */
	3 << 8 | 192,
	2048 | 5,		/* sda5 */
	51712 | 1,		/* xvda1 */
	1 << 28 | 16 << 8 | 1,	/* xvdq1 */
	1 << 28,		/* extended xvda: not canonical */
	1 << 28 | 15 << 8,	/* extended xvdp */
	2 << 28,		/* reserved */
	0x7fffffff,
	1 << 16 | 51712,	/* stray bits above the minor encoding */
	0, 1 << 8, 4 << 8, 200 << 8, 255 << 8,	/* unknown majors */
};
#define NBADID (sizeof(bad_devids) / sizeof(bad_devids[0]))

static void
test_table(void)
{
	char msg[128], buf[VDEV_NAME_MAX];
	size_t i;
	int disk;

	for (i = 0; i < NTABLE; i++) {
		disk = -1;
		snprintf(msg, sizeof(msg), "%s is devid %d", table[i].name,
		    table[i].devid);
		is_int(vdev_to_devid(table[i].name, &disk), table[i].devid, msg);
		snprintf(msg, sizeof(msg), "%s is disk %d of its family",
		    table[i].name, table[i].disk);
		is_int(disk, table[i].disk, msg);
		snprintf(msg, sizeof(msg), "devid %d is named %s",
		    table[i].devid, table[i].name);
		buf[0] = '\0';
		ok(vdev_from_devid(table[i].devid, buf, sizeof(buf)) == 0 &&
		    strcmp(buf, table[i].name) == 0, msg);
	}
}

static void
test_bad_names(void)
{
	char msg[128];
	size_t i;
	int disk = 42;

	for (i = 0; i < NBAD; i++) {
		snprintf(msg, sizeof(msg), "\"%s\" is refused", bad_names[i]);
		is_int(vdev_to_devid(bad_names[i], &disk), -1, msg);
	}
	is_int(disk, 42, "a refused name leaves disk_index alone");
	is_int(vdev_to_devid(NULL, NULL), -1, "NULL is refused");
	is_int(vdev_to_devid("hdc", NULL), 5632, "disk_index may be NULL");
}

static void
test_bad_devids(void)
{
	char msg[128], buf[VDEV_NAME_MAX];
	size_t i;

	for (i = 0; i < NBADID; i++) {
		snprintf(msg, sizeof(msg), "devid %#x names nothing",
		    (unsigned)bad_devids[i]);
		is_int(vdev_from_devid(bad_devids[i], buf, sizeof(buf)), -1,
		    msg);
	}
}

/* Every xvd disk up to the limit: name -> devid -> the same name. */
static void
test_round_trip(void)
{
	char name[VDEV_NAME_MAX], back[VDEV_NAME_MAX];
	int disk, devid, idx, bad = 0;

	for (disk = 0; disk < 1 << 20; disk++) {
		devid = disk < 16 ? 202 << 8 | disk << 4 : 1 << 28 | disk << 8;
		if (vdev_from_devid(devid, name, sizeof(name)) != 0 ||
		    vdev_to_devid(name, &idx) != devid || idx != disk ||
		    vdev_from_devid(devid, back, sizeof(back)) != 0 ||
		    strcmp(name, back) != 0)
			bad++;
	}
	is_int(bad, 0, "every xvd disk 0..2^20-1 round-trips");
	is_int(vdev_to_devid("xvdbgqcw", NULL), -1,
	    "the name after the last disk is refused");
}

static void
test_buffer(void)
{
	char buf[VDEV_NAME_MAX];

	memset(buf, 'x', sizeof(buf));
	is_int(vdev_from_devid(5632, buf, 3), -1,
	    "a buffer without room for the NUL is refused");
	ok(buf[0] == 'x', "a refused name is not written");
	is_int(vdev_from_devid(5632, buf, 4), 0, "4 bytes hold \"hdc\"");
	is_str(buf, "hdc", "and get it");
	is_int(vdev_from_devid(1 << 28 | 26 << 8, buf, 5), -1,
	    "\"xvdaa\" does not fit in 5 bytes");
}

int
main(void)
{
	test_table();
	test_bad_names();
	test_bad_devids();
	test_round_trip();
	test_buffer();
	return done_testing();
}
