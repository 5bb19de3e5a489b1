/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * The xenstore paths: what each builder writes, what it refuses, and
 * which paths path_parse_request() recognises.
 */
#include <stdio.h>

#include "paths.h"
#include "tap.h"
#include "vdev.h"

static char buf[XS_PATH_MAX];

/* A builder's result: the path, or "(refused)". */
static const char *
built(int r)
{
	return r == 0 ? buf : "(refused)";
}

static void
test_builders(void)
{
	is_str(built(path_domain(buf, 3)), "/local/domain/3", "domain");
	is_str(built(path_request_dir(buf, 3)),
	    "/local/domain/3/cdrom-request", "request dir");
	is_str(built(path_request(buf, 3, "hdc")),
	    "/local/domain/3/cdrom-request/hdc", "request");
	is_str(built(path_request_node(buf, 3, "hdc", "target")),
	    "/local/domain/3/cdrom-request/hdc/target", "request node");
	is_str(built(path_frontend_dir(buf, 7)),
	    "/local/domain/7/device/vbd", "frontend dir");
	is_str(built(path_frontend(buf, 7, 5632)),
	    "/local/domain/7/device/vbd/5632", "frontend");
	is_str(built(path_backend(buf, "vbd", 7, 5632)),
	    "/local/domain/0/backend/vbd/7/5632", "vbd backend");
	is_str(built(path_backend(buf, "qdisk", 3, 268439552)),
	    "/local/domain/0/backend/qdisk/3/268439552", "qdisk backend");
	is_str(built(path_libxl_vbd(buf, 3, 5632)),
	    "/libxl/3/device/vbd/5632", "libxl record");
	is_str(built(path_libxl_vbd_dir(buf, 3)), "/libxl/3/device/vbd",
	    "libxl records");
	is_str(built(path_child(buf, "/local/domain/0/backend/vbd/3/5632",
	    "params")), "/local/domain/0/backend/vbd/3/5632/params",
	    "a child of a path read from xenstore");
	is_str(built(path_dm_state(buf, 0, 3)),
	    "/local/domain/0/device-model/3/state", "device model state");
	is_str(built(path_dm_state(buf, 4, 3)),
	    "/local/domain/4/device-model/3/state",
	    "device model state in a stub domain");
	is_int(path_dm_state(buf, -1, 3), -1, "a bad device model domid");
	is_str(built(path_stub_fdset(buf, 4, 3, 5632)),
	    "/local/domain/4/device-model/3/cdrom-fdset/5632",
	    "a stub domain's fdset announcement");
	is_int(path_stub_fdset(buf, 4, 3, -1), -1, "a bad devid");
	is_str(built(path_dm_domid(buf, 3)),
	    "/local/domain/3/image/device-model-domid",
	    "device model domid");
	is_str(built(path_stubdom_target(buf, 4)),
	    "/local/domain/4/target", "stub domain target");
	is_str(built(path_domain(buf, 0)), "/local/domain/0", "domid 0");
	is_str(built(path_domain(buf, 32751)), "/local/domain/32751",
	    "domid 32751, the last of an ordinary domain");
}

static void
test_refused(void)
{
	char big[XS_PATH_MAX];

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	is_int(path_domain(buf, -1), -1, "a negative domid is refused");
	is_int(path_domain(buf, 32752), -1,
	    "domid 32752 (DOMID_FIRST_RESERVED) is refused");
	is_int(path_domain(buf, 65536), -1, "domid 65536 is refused");
	is_int(path_request(buf, 3, ""), -1, "an empty vdev is refused");
	is_int(path_request(buf, 3, NULL), -1, "a NULL vdev is refused");
	is_int(path_request(buf, 3, "hdc/x"), -1, "a vdev with / is refused");
	is_int(path_request(buf, 3, ".."), -1, "a vdev \"..\" is refused");
	is_int(path_request_node(buf, 3, "hdc", ""), -1,
	    "an empty leaf is refused");
	is_int(path_request_node(buf, 3, "hdc", "a/b"), -1,
	    "a leaf with / is refused");
	is_int(path_backend(buf, "", 3, 5632), -1, "an empty kind is refused");
	is_int(path_backend(buf, "vbd/../x", 3, 5632), -1,
	    "a kind with / is refused");
	is_int(path_frontend(buf, 3, -1), -1, "a negative devid is refused");
	is_int(path_libxl_vbd_dir(buf, -1), -1,
	    "libxl records of a negative domid are refused");
	is_int(path_child(buf, "/a", "b/c"), -1, "a child with / is refused");
	is_int(path_child(buf, "/a", ""), -1, "an empty child is refused");
	is_int(path_child(buf, "a/b", "c"), -1,
	    "a relative parent is refused");
	is_int(path_child(buf, "", "c"), -1, "an empty parent is refused");
	is_int(path_child(buf, NULL, "c"), -1, "a NULL parent is refused");
	is_int(path_child(buf, "/a/", "c"), -1,
	    "a parent ending in / is refused");
	is_int(path_request_node(buf, 3, "hdc", big), -1,
	    "a path over XS_PATH_MAX - 1 bytes is refused");
	is_str(buf, "", "and leaves no truncated path behind");
	big[XS_PATH_MAX - 1 - strlen("/local/domain/3/cdrom-request/")] =
	    '\0';
	is_int(path_request(buf, 3, big), 0,
	    "a path of exactly XS_PATH_MAX - 1 bytes fits");
	is_int(strlen(buf), XS_PATH_MAX - 1, "and is whole");
	memset(big, 'a', XS_PATH_MAX - 3);
	big[0] = '/';
	big[XS_PATH_MAX - 3] = '\0';
	is_int(path_child(buf, big, "x"), 0,
	    "a child of exactly XS_PATH_MAX - 1 bytes fits");
	is_int(path_child(buf, big, "xy"), -1, "one byte more does not");
}

/* Parses path; returns "DOMID VDEV LEAF" or "(refused)". */
static const char *
parsed(const char *path)
{
	static char out[64];
	char vdev[VDEV_NAME_MAX], leaf[16];
	int domid;

	if (path_parse_request(path, &domid, vdev, leaf) < 0)
		return "(refused)";
	snprintf(out, sizeof(out), "%d %s %s", domid, vdev, leaf);
	return out;
}

static void
test_parse(void)
{
	is_str(parsed("/local/domain/3/cdrom-request/hdc/target"),
	    "3 hdc target", "a node path gives domid, vdev and leaf");
	is_str(parsed("/local/domain/3/cdrom-request/hdc"), "3 hdc ",
	    "a drive path gives an empty leaf");
	is_str(parsed("/local/domain/0/cdrom-request/xvdaa/eject"),
	    "0 xvdaa eject", "domid 0");
	is_str(parsed("/local/domain/32751/cdrom-request/sda/state"),
	    "32751 sda state", "domid 32751");
	is_str(parsed("/local/domain/3/cdrom-request/hdc/device-model"),
	    "3 hdc device-model", "a leaf with a dash");
	is_str(parsed("/local/domain/3/cdrom-request/abcdefghijklmno"),
	    "3 abcdefghijklmno ", "a 15-byte node name");
	is_str(parsed("/local/domain/3/cdrom-request/hdc/abcdefghijklmno"),
	    "3 hdc abcdefghijklmno", "a 15-byte leaf");
}

static const char *bad_paths[] = {
	"",
	"/",
	"/local/domain/3",
	"/local/domain/3/cdrom-request",
	"/local/domain/3/cdrom-request/",
	"/local/domain/3/cdrom-request/hdc/",
	"/local/domain/3/cdrom-request//target",
	"/local/domain/3/cdrom-request/hdc/target/x",
	"/local/domain/3/cdrom-request/hdc/target/",
	"/local/domain/03/cdrom-request/hdc",
	"/local/domain/-3/cdrom-request/hdc",
	"/local/domain/+3/cdrom-request/hdc",
	"/local/domain//cdrom-request/hdc",
	"/local/domain/32752/cdrom-request/hdc",
	"/local/domain/65535/cdrom-request/hdc",
	"/local/domain/65536/cdrom-request/hdc",
	"/local/domain/99999999999999999999/cdrom-request/hdc",
	"/local/domain/3x/cdrom-request/hdc",
	"/local/domain/3/cdrom-requests/hdc",
	"/local/domain/3/device/vbd/5632",
	"local/domain/3/cdrom-request/hdc",
	"//local/domain/3/cdrom-request/hdc",
	"/local/domain/3/cdrom-request/HDC",
	"/local/domain/3/cdrom-request/hd-c",
	"/local/domain/3/cdrom-request/hdc/Target",
	"/local/domain/3/cdrom-request/hdc/tar_get",
	"/local/domain/3/cdrom-request/hdc/t4rget",
	"/local/domain/3/cdrom-request/abcdefghijklmnop",
	"/local/domain/3/cdrom-request/hdc/abcdefghijklmnop",
	"/local/domain/3/cdrom-request/hdc/target ",
	"@introduceDomain",
};
#define NBADPATHS (sizeof(bad_paths) / sizeof(bad_paths[0]))

static void
test_parse_refused(void)
{
	char msg[128];
	size_t i;

	for (i = 0; i < NBADPATHS; i++) {
		snprintf(msg, sizeof(msg), "\"%s\" is refused", bad_paths[i]);
		is_str(parsed(bad_paths[i]), "(refused)", msg);
	}
	is_str(parsed(NULL), "(refused)", "NULL is refused");
}

static void
test_below_leaf(void)
{
	ok(path_below_request_leaf("/local/domain/3/cdrom-request/hdc/eject/x",
	    3), "a child of eject");
	ok(path_below_request_leaf(
	    "/local/domain/3/cdrom-request/hdc/eject/a/b/c", 3),
	    "a grandchild of eject");
	ok(!path_below_request_leaf("/local/domain/3/cdrom-request/hdc/eject",
	    3), "eject itself is not below it");
	ok(!path_below_request_leaf("/local/domain/3/cdrom-request/hdc", 3),
	    "the drive's directory");
	ok(!path_below_request_leaf("/local/domain/3/cdrom-request", 3),
	    "the requests' directory");
	ok(!path_below_request_leaf("/local/domain/4/cdrom-request/hdc/eject/x",
	    3), "another domain's");
	ok(!path_below_request_leaf("/local/domain/3/cdrom-requestX/hdc/e/x",
	    3), "not cdrom-request");
	ok(!path_below_request_leaf(NULL, 3), "NULL");
}

int
main(void)
{
	test_below_leaf();
	test_builders();
	test_refused();
	test_parse();
	test_parse_refused();
	return done_testing();
}
