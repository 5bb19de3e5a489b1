/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * The splice into libxl's saved domain configuration: the drive's
 * disks[] element becomes what xl cd-insert / cd-eject store, in the
 * file's own layout, and every other byte stays.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libxl-json-417.h"
#include "libxl_json.h"
#include "tap.h"

/* Laid out as libxl's generator (yajl, beautified) writes it. */
static const char pretty[] =
"{\n"
"    \"c_info\": {\n"
"        \"type\": \"hvm\",\n"
"        \"name\": \"guest\"\n"
"    },\n"
"    \"disks\": [\n"
"        {\n"
"            \"pdev_path\": \"/srv/boot.img\",\n"
"            \"vdev\": \"hda\",\n"
"            \"format\": \"raw\",\n"
"            \"readwrite\": 1\n"
"        },\n"
"        {\n"
"            \"pdev_path\": \"/srv/iso/a.iso\",\n"
"            \"vdev\": \"hdc\",\n"
"            \"format\": \"raw\",\n"
"            \"removable\": 1,\n"
"            \"is_cdrom\": 1\n"
"        }\n"
"    ],\n"
"    \"on_reboot\": \"restart\"\n"
"}\n";

static const char cdrom_b[] =
"{\n"
"            \"pdev_path\": \"/srv/iso/b.iso\",\n"
"            \"vdev\": \"hdc\",\n"
"            \"format\": \"raw\",\n"
"            \"removable\": 1,\n"
"            \"is_cdrom\": 1\n"
"        }";

static const char cdrom_empty[] =
"{\n"
"            \"pdev_path\": \"\",\n"
"            \"vdev\": \"hdc\",\n"
"            \"format\": \"empty\",\n"
"            \"removable\": 1,\n"
"            \"is_cdrom\": 1\n"
"        }";

static char out[LIBXL_JSON_MAX];

/* in with its element at [at, at + old_len) replaced by elem. */
static char *
expected(const char *in, size_t len, const char *old, const char *elem)
{
	const char *at = strstr(in, old);
	size_t pre = (size_t)(at - in), n = strlen(elem);
	char *e = malloc(len + n + 1);

	memcpy(e, in, pre);
	memcpy(e + pre, elem, n);
	memcpy(e + pre + n, at + strlen(old), len - pre - strlen(old));
	e[len - strlen(old) + n] = '\0';
	return e;
}

static const char *old_cdrom;

static void
test_insert_and_eject(void)
{
	struct libxl_medium b = { "hdc", "/srv/iso/b.iso", FORMAT_RAW };
	struct libxl_medium none = { "hdc", "", FORMAT_RAW };
	const char *why = "unset";
	char *want;
	long n;

	old_cdrom = strstr(pretty, "{\n            \"pdev_path\": \"/srv/iso/a");
	n = libxl_json_set_disk(pretty, strlen(pretty), &b, out, sizeof(out),
	    &why);
	want = expected(pretty, strlen(pretty),
	    "{\n            \"pdev_path\": \"/srv/iso/a.iso\",\n"
	    "            \"vdev\": \"hdc\",\n"
	    "            \"format\": \"raw\",\n"
	    "            \"removable\": 1,\n"
	    "            \"is_cdrom\": 1\n        }", cdrom_b);
	is_int(n, strlen(want) + 1, "insert: the length counts the NUL");
	is_str(out, want, "insert: only hdc's element changes, to xl's");
	is_int(out[n - 1], 0, "insert: libxl's trailing NUL");
	free(want);

	n = libxl_json_set_disk(pretty, sizeof(pretty), &none, out,
	    sizeof(out), &why);
	want = expected(pretty, strlen(pretty),
	    "{\n            \"pdev_path\": \"/srv/iso/a.iso\",\n"
	    "            \"vdev\": \"hdc\",\n"
	    "            \"format\": \"raw\",\n"
	    "            \"removable\": 1,\n"
	    "            \"is_cdrom\": 1\n        }", cdrom_empty);
	is_str(out, want, "eject (input with its NUL): xl cd-eject's form");
	is_int(n, strlen(want) + 1, "eject: one NUL, not two");
	free(want);
}

static void
test_roundtrip_and_idempotence(void)
{
	struct libxl_medium q = { "hdc", "/srv/iso/q \"x\"\\y.qcow2",
	    FORMAT_QCOW2 };
	static char again[LIBXL_JSON_MAX];
	struct json_val disks, e, v;
	struct json *doc;
	const char *why;
	char buf[256];
	long n, m;

	n = libxl_json_set_disk(pretty, strlen(pretty), &q, out, sizeof(out),
	    &why);
	ok(n > 0, "a path with quotes and a backslash is written");
	doc = json_parse(out, (size_t)n - 1, &why);
	ok(doc != NULL, "the result is valid JSON");
	ok(json_get(json_root(doc), "disks", &disks) &&
	    json_array_first(disks, &e) && json_array_next(&e) &&
	    json_get(e, "pdev_path", &v) && json_string(v, buf, sizeof(buf)),
	    "hdc's pdev_path is there");
	is_str(buf, q.path, "and reads back as the path, escapes undone");
	ok(json_get(e, "format", &v) && json_string_eq(v, "qcow2"),
	    "format is libxl's qcow2");
	json_free(doc);
	m = libxl_json_set_disk(out, (size_t)n, &q, again, sizeof(again),
	    &why);
	ok(m == n && memcmp(out, again, (size_t)n) == 0,
	    "the same change again leaves the file byte for byte");
}

static void
test_compact(void)
{
	static const char compact[] = "{\"disks\":[{\"vdev\":\"hda\"},"
	    "{\"vdev\":\"hdc\",\"format\":\"empty\",\"is_cdrom\":1}],\"x\":[]}";
	struct libxl_medium b = { "hdc", "/b.iso", FORMAT_RAW };
	const char *why;

	ok(libxl_json_set_disk(compact, strlen(compact), &b, out, sizeof(out),
	    &why) > 0, "compact text is rewritten");
	is_str(out, "{\"disks\":[{\"vdev\":\"hda\"},{\"pdev_path\":\"/b.iso\","
	    "\"vdev\":\"hdc\",\"format\":\"raw\",\"removable\":1,"
	    "\"is_cdrom\":1}],\"x\":[]}", "compactly, the rest as it was");
}

static void
test_first_of_two(void)
{
	static const char two[] = "{\"disks\":[{\"vdev\":\"hdc\"},"
	    "{\"vdev\":\"hdc\",\"keep\":1}]}";
	struct libxl_medium e = { "hdc", "", FORMAT_RAW };
	const char *why;

	ok(libxl_json_set_disk(two, strlen(two), &e, out, sizeof(out),
	    &why) > 0, "two elements with one vdev: rewritten");
	is_str(out, "{\"disks\":[{\"pdev_path\":\"\",\"vdev\":\"hdc\","
	    "\"format\":\"empty\","
	    "\"removable\":1,\"is_cdrom\":1},{\"vdev\":\"hdc\",\"keep\":1}]}",
	    "the first, as libxl's device_add_domain_config does");
}

static void
refused(const char *in, size_t cap, const char *want_why, const char *what)
{
	struct libxl_medium b = { "hdc", "/b.iso", FORMAT_RAW };
	const char *why = NULL;
	long n;

	n = libxl_json_set_disk(in, strlen(in), &b, out, cap, &why);
	is_int(n, -1, what);
	is_str(why, want_why, "  and says why");
}

static void
test_refusals(void)
{
	refused("", sizeof(out), "it does not parse as JSON", "empty file");
	refused("{\"disks\": [", sizeof(out), "it does not parse as JSON",
	    "truncated file");
	refused("{\"disks\": [] } x", sizeof(out),
	    "it does not parse as JSON", "trailing garbage");
	refused("[1]", sizeof(out), "it has no disks[]", "not an object");
	refused("{\"disks\": {}}", sizeof(out), "it has no disks[]",
	    "disks not an array");
	refused("{\"disks\": [{\"vdev\": \"hda\"}, 3]}", sizeof(out),
	    "no element of its disks[] has this vdev", "no such vdev");
	refused("{\"disks\": [{\"vdev\": \"hdc\"}]}", 20,
	    "it would grow too large", "no room for the result");
}

/* The result needs exactly its length and a NUL. */
static void
test_tight(void)
{
	static const char in[] = "{\"disks\": [{\"vdev\": \"hdc\"}]}";
	struct libxl_medium b = { "hdc", "/b.iso", FORMAT_RAW };
	const char *why;
	long n;

	n = libxl_json_set_disk(in, strlen(in), &b, out, sizeof(out), &why);
	ok(n > 0, "a short document is rewritten");
	is_int(libxl_json_set_disk(in, strlen(in), &b, out, (size_t)n, &why),
	    n, "in exactly its length, NUL included");
	is_int(libxl_json_set_disk(in, strlen(in), &b, out, (size_t)n - 1,
	    &why), -1, "not in one byte fewer");
}

static void
test_element(void)
{
	struct libxl_medium b = { "xvdc", "/b", FORMAT_VHD };
	char buf[128];

	is_int(libxl_disk_element(&b, "", "", buf, sizeof(buf)), 74,
	    "element length");
	is_str(buf, "{\"pdev_path\":\"/b\",\"vdev\":\"xvdc\",\"format\":"
	    "\"vhd\",\"removable\":1,\"is_cdrom\":1}", "a vhd element");
	is_int(libxl_disk_element(&b, "", "", buf, 75), 74,
	    "an element in exactly its length and a NUL");
	is_int(libxl_disk_element(&b, "", "", buf, 74), -1,
	    "not in one byte fewer");
}

/* What the daemon writes is what xl 4.17 wrote, byte for byte. */
static void
test_xl417(void)
{
	struct libxl_medium b = { "hdc", "/srv/iso/b.iso", FORMAT_RAW };
	struct libxl_medium none = { "hdc", "", FORMAT_RAW };
	const char *why;
	long n;

	n = libxl_json_set_disk(xl417_created, sizeof(xl417_created), &b, out,
	    sizeof(out), &why);
	ok(n == (long)sizeof(xl417_cd_insert) &&
	    memcmp(out, xl417_cd_insert, sizeof(xl417_cd_insert)) == 0,
	    "xl 4.17's file after xl create, changed to b.iso: exactly the "
	    "file xl cd-insert left, NUL included");
	n = libxl_json_set_disk(xl417_cd_insert, sizeof(xl417_cd_insert),
	    &none, out, sizeof(out), &why);
	ok(n == (long)sizeof(xl417_cd_eject) &&
	    memcmp(out, xl417_cd_eject, sizeof(xl417_cd_eject)) == 0,
	    "and ejected: exactly the file xl cd-eject left");
	n = libxl_json_set_disk(xl417_cd_eject, sizeof(xl417_cd_eject), &b,
	    out, sizeof(out), &why);
	ok(n == (long)sizeof(xl417_cd_insert) &&
	    memcmp(out, xl417_cd_insert, sizeof(xl417_cd_insert)) == 0,
	    "and b.iso put back in: xl cd-insert's file again");
}

int
main(void)
{
	test_xl417();
	test_insert_and_eject();
	test_roundtrip_and_idempotence();
	test_compact();
	test_first_of_two();
	test_refusals();
	test_tight();
	test_element();
	return done_testing();
}
