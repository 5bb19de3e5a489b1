/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * Request values: image formats in their three spellings, target
 * paths, the guest's eject node and libxl's backend params.
 */
#include <stdio.h>

#include "request.h"
#include "tap.h"

static void
test_formats(void)
{
	static const struct {
		enum image_format f;
		const char *name, *qemu, *libxl;
	} t[] = {
		{ FORMAT_RAW, "raw", "raw", "aio" },
		{ FORMAT_QCOW2, "qcow2", "qcow2", "qcow2" },
		{ FORMAT_VHD, "vhd", "vpc", "vhd" },
		{ FORMAT_QED, "qed", "qed", "qed" },
	};
	enum image_format f;
	char msg[128];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(msg, sizeof(msg), "%s: names", t[i].name);
		ok(strcmp(format_name(t[i].f), t[i].name) == 0 &&
		    strcmp(format_qemu_driver(t[i].f), t[i].qemu) == 0 &&
		    strcmp(format_libxl_prefix(t[i].f), t[i].libxl) == 0, msg);
		snprintf(msg, sizeof(msg), "%s: parses", t[i].name);
		ok(format_parse(t[i].name, &f) == 0 && f == t[i].f, msg);
		snprintf(msg, sizeof(msg), "%s: from QEMU's %s", t[i].name,
		    t[i].qemu);
		ok(format_from_qemu_driver(t[i].qemu, &f) == 0 && f == t[i].f,
		    msg);
	}
	f = FORMAT_QED;
	ok(format_parse(NULL, &f) == 0 && f == FORMAT_RAW, "NULL is raw");
	f = FORMAT_QED;
	ok(format_parse("", &f) == 0 && f == FORMAT_RAW, "\"\" is raw");
	is_int(format_parse("RAW", &f), -1, "\"RAW\" is refused");
	is_int(format_parse("vpc", &f), -1, "QEMU's \"vpc\" is no format name");
	is_int(format_parse("raw ", &f), -1, "\"raw \" is refused");
	is_int(format_parse("aio", &f), -1, "libxl's \"aio\" is refused");
	is_int(format_from_qemu_driver("vhd", &f), -1,
	    "\"vhd\" is no QEMU driver");
	is_int(format_from_qemu_driver(NULL, &f), -1,
	    "a NULL driver is refused");
}

/* target_check's verdict: "ok" or its reason. */
static const char *
check(const char *s)
{
	const char *why = NULL;

	return target_check(s, &why) == 0 ? "ok" : why;
}

static void
test_target_good(void)
{
	char path[TARGET_MAX + 2];

	is_str(check(""), "ok", "\"\" (an empty drive) is accepted");
	is_str(check("/srv/iso/debian.iso"), "ok", "an absolute path");
	is_str(check("/dev/sr0"), "ok", "a block device");
	is_str(check("/a"), "ok", "a one-component path");
	is_str(check("/srv/my isos/a b.iso"), "ok", "spaces");
	is_str(check("/srv/.hidden/..x/x../a.iso"), "ok",
	    "dots inside names are not . or ..");
	is_str(check("/srv/iso/caf\xc3\xa9.iso"), "ok", "UTF-8 (2 bytes)");
	is_str(check("/srv/\xe6\x97\xa5\xe6\x9c\xac.iso"), "ok",
	    "UTF-8 (3 bytes)");
	is_str(check("/srv/\xf0\x9f\x92\xbf.iso"), "ok", "UTF-8 (4 bytes)");
	path[0] = '/';
	memset(path + 1, 'a', TARGET_MAX - 1);
	path[TARGET_MAX] = '\0';
	is_str(check(path), "ok", "TARGET_MAX bytes are accepted");
	path[TARGET_MAX] = 'a';
	path[TARGET_MAX + 1] = '\0';
	ok(strcmp(check(path), "ok") != 0, "TARGET_MAX + 1 bytes are refused");
}

static const char *bad_targets[] = {
	"a.iso", "srv/iso/a.iso", "./a.iso", "~/a.iso", " /a.iso",
	"/", "//", "/srv//a.iso", "/srv/iso/", "/srv/iso//",
	"/.", "/..", "/srv/./a.iso", "/srv/../etc/shadow", "/srv/iso/..",
	"/srv/iso/.",
	"/a\x01", "/a\tb", "/a\nb", "/a\rb", "/a\x1f", "/a\x7f",
	"/a\x1b[31m",
	"/a\x80", "/a\xc3", "/a\xc3(", "/a\xc0\xaf", "/a\xe0\x80\xaf",
	"/a\xed\xa0\x80", "/a\xf4\x90\x80\x80", "/a\xf5\x80\x80\x80",
	"/a\xff", "/a\xfe",
};
#define NBADTARGETS (sizeof(bad_targets) / sizeof(bad_targets[0]))

/* s with its unprintable bytes as \xNN, for a test's name. */
static const char *
printable(const char *s)
{
	static char out[128];
	size_t n = 0;

	for (; *s != '\0' && n + 5 < sizeof(out); s++) {
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			n += snprintf(out + n, sizeof(out) - n, "\\x%02x",
			    (unsigned char)*s);
		else
			out[n++] = *s;
	}
	out[n] = '\0';
	return out;
}

static void
test_target_bad(void)
{
	const char *why;
	char msg[160];
	size_t i;

	for (i = 0; i < NBADTARGETS; i++) {
		snprintf(msg, sizeof(msg), "\"%s\" is refused",
		    printable(bad_targets[i]));
		ok(strcmp(check(bad_targets[i]), "ok") != 0, msg);
	}
	why = NULL;
	ok(target_check("rel", &why) < 0 && why != NULL && *why != '\0',
	    "a refusal gives a reason");
	is_str(check(NULL), "target is missing", "NULL is refused");
	is_str(check("/srv/../x"), "target has a \".\" or \"..\" component",
	    "the reason names the problem");
}

static void
test_path_within(void)
{
	ok(path_within("/srv/iso/a.iso", "/srv/iso"), "a file in the dir");
	ok(path_within("/srv/iso/sub/a.iso", "/srv/iso"), "a file below it");
	ok(path_within("/srv/iso/a.iso", "/srv/iso/"),
	    "the dir may end in \"/\"");
	ok(!path_within("/srv/isox/a", "/srv/iso"), "a sibling prefix is out");
	ok(!path_within("/srv/is", "/srv/iso"), "a shorter path is out");
	ok(!path_within("/srv/iso", "/srv/iso"), "the dir itself is not in it");
	ok(!path_within("/srv/iso", "/srv/iso/"),
	    "the dir itself is not in it, with a slash either");
	ok(!path_within("/srv", "/srv/iso"), "a parent is out");
	ok(!path_within("/etc/shadow", "/srv/iso"), "elsewhere is out");
	ok(path_within("/anything", "/"), "\"/\" holds everything");
	ok(path_within("/a/b/c", "/"), "\"/\" holds deep paths");
	ok(!path_within("", "/srv/iso"), "\"\" is in no directory");
}

static void
test_eject(void)
{
	ok(eject_requested("1"), "\"1\" asks for an eject");
	ok(!eject_requested(""), "\"\" does not");
	ok(!eject_requested("0"), "\"0\" does not");
	ok(!eject_requested("1 "), "\"1 \" does not");
	ok(!eject_requested("11"), "\"11\" does not");
	ok(!eject_requested("yes"), "\"yes\" does not");
	ok(!eject_requested(NULL), "NULL does not");
}

/* params_parse's result: "FORMAT PATH" or "(refused)". */
static const char *
params(const char *s)
{
	static char out[128];
	enum image_format f;
	const char *path;

	if (params_parse(s, &f, &path) < 0)
		return "(refused)";
	snprintf(out, sizeof(out), "%s %s", format_name(f), path);
	return out;
}

static void
test_params(void)
{
	is_str(params("aio:/x.iso"), "raw /x.iso", "aio: is raw");
	is_str(params("raw:/x.iso"), "raw /x.iso", "raw: is raw");
	is_str(params("qcow2:/x"), "qcow2 /x", "qcow2:");
	is_str(params("vhd:/x.vhd"), "vhd /x.vhd", "vhd:");
	is_str(params("qed:/x"), "qed /x", "qed:");
	is_str(params("/dev/sr0"), "raw /dev/sr0", "a bare path (phy)");
	is_str(params("/x:y.iso"), "raw /x:y.iso",
	    "a bare path may hold a colon");
	is_str(params("aio:/x:y.iso"), "raw /x:y.iso",
	    "only the first colon splits");
	is_str(params(""), "raw ", "\"\" is an empty raw drive");
	is_str(params("aio:"), "raw ", "\"aio:\" is an empty raw drive");
	is_str(params("foo:/x"), "(refused)", "an unknown prefix");
	is_str(params("tap:aio:/x"), "(refused)", "blktap's prefix");
	is_str(params("vpc:/x"), "(refused)", "QEMU's driver as a prefix");
	is_str(params("AIO:/x"), "(refused)", "an upper-case prefix");
	is_str(params("x.iso"), "(refused)", "a relative path");
	is_str(params(":/x"), "(refused)", "an empty prefix");
}

int
main(void)
{
	test_formats();
	test_target_good();
	test_target_bad();
	test_path_within();
	test_eject();
	test_params();
	return done_testing();
}
