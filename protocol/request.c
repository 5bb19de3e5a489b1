/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * Checks on the values of a request and the three spellings of an
 * image format: the contract's, QEMU's and libxl's.  Every string here
 * may come from a guest or a stub domain, so nothing is trusted.
 */
#include <string.h>

#include "request.h"

struct format_names {
	const char *name;	/* the contract's */
	const char *qemu;	/* QEMU's block driver */
	const char *libxl;	/* libxl's qdisk params prefix */
};

/* Indexed by enum image_format. */
static const struct format_names formats[] = {
	[FORMAT_RAW]	= { "raw",	"raw",		"aio" },
	[FORMAT_QCOW2]	= { "qcow2",	"qcow2",	"qcow2" },
	[FORMAT_VHD]	= { "vhd",	"vpc",		"vhd" },
	[FORMAT_QED]	= { "qed",	"qed",		"qed" },
};
#define NFORMATS (sizeof(formats) / sizeof(formats[0]))

const char *
format_name(enum image_format f)
{
	return (size_t)f < NFORMATS ? formats[f].name : NULL;
}

const char *
format_qemu_driver(enum image_format f)
{
	return (size_t)f < NFORMATS ? formats[f].qemu : NULL;
}

const char *
format_libxl_prefix(enum image_format f)
{
	return (size_t)f < NFORMATS ? formats[f].libxl : NULL;
}

/* Finds s (n bytes) among the names that spell() gives the formats. */
static int
format_lookup(const char *s, size_t n,
    const char *(*spell)(enum image_format), enum image_format *out)
{
	const char *name;
	size_t i;

	for (i = 0; i < NFORMATS; i++) {
		name = spell((enum image_format)i);
		if (strlen(name) == n && strncmp(name, s, n) == 0) {
			*out = (enum image_format)i;
			return 0;
		}
	}
	return -1;
}

int
format_parse(const char *s, enum image_format *out)
{
	if (s == NULL || *s == '\0') {
		*out = FORMAT_RAW;
		return 0;
	}
	return format_lookup(s, strlen(s), format_name, out);
}

int
format_from_qemu_driver(const char *s, enum image_format *out)
{
	if (s == NULL)
		return -1;
	return format_lookup(s, strlen(s), format_qemu_driver, out);
}

/*
 * Length of the well-formed UTF-8 sequence at s, or 0: no overlong
 * forms, no surrogates, nothing past U+10FFFF.
 */
static size_t
utf8_len(const unsigned char *s)
{
	size_t n, i;
	unsigned cp;
	static const unsigned min[] = { 0, 0, 0x80, 0x800, 0x10000 };

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	cp = s[0] & (0x7f >> n);
	for (i = 1; i < n; i++) {
		/* A NUL ends the string here and fails this test too. */
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* Checks one component of n bytes at s (between slashes). */
static int
component_check(const char *s, size_t n, const char **why)
{
	if (n == 0) {
		*why = "target has an empty path component";
		return -1;
	}
	if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.')) {
		*why = "target has a \".\" or \"..\" component";
		return -1;
	}
	return 0;
}

int
target_check(const char *s, const char **why)
{
	const char *p, *comp;
	size_t len, n;

	if (s == NULL) {
		*why = "target is missing";
		return -1;
	}
	if (*s == '\0')
		return 0;
	if ((len = strnlen(s, TARGET_MAX + 1)) > TARGET_MAX) {
		*why = "target is too long";
		return -1;
	}
	if (s[0] != '/') {
		*why = "target is not an absolute path";
		return -1;
	}
	/* Each byte is a control byte, a sequence start or an error. */
	for (p = s + 1; *p != '\0'; p += n) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			*why = "target contains a control character";
			return -1;
		}
		if ((n = utf8_len((const unsigned char *)p)) == 0) {
			*why = "target is not valid UTF-8";
			return -1;
		}
	}
	/* "/" alone ends in a slash too: it is a directory, not a medium. */
	if (s[len - 1] == '/') {
		*why = "target ends in \"/\"";
		return -1;
	}
	for (comp = s + 1; comp <= s + len; comp += n + 1) {
		n = strcspn(comp, "/");
		if (component_check(comp, n, why) < 0)
			return -1;
	}
	return 0;
}

bool
path_within(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	/* "/srv/iso/" and "/srv/iso" are one directory; "/" is all. */
	while (n > 0 && dir[n - 1] == '/')
		n--;
	return strncmp(path, dir, n) == 0 && path[n] == '/' &&
	    path[n + 1] != '\0';
}

bool
eject_requested(const char *s)
{
	return s != NULL && strcmp(s, "1") == 0;
}

int
params_parse(const char *s, enum image_format *format, const char **path)
{
	const char *colon;
	size_t n;

	/* phy and empty drives: libxl writes the bare path, or nothing. */
	if (*s == '\0' || *s == '/') {
		*format = FORMAT_RAW;
		*path = s;
		return 0;
	}
	if ((colon = strchr(s, ':')) == NULL)
		return -1;
	n = colon - s;
	/* libxl takes "raw:" as well as its own "aio:" for raw images. */
	if (n == 3 && strncmp(s, "raw", 3) == 0)
		*format = FORMAT_RAW;
	else if (format_lookup(s, n, format_libxl_prefix, format) < 0)
		return -1;
	*path = colon + 1;
	return 0;
}
