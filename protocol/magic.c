/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * Image format magic: qcow2 "QFI\xfb", QED "QED\0", VHD "conectix" (a
 * dynamic VHD's copy of its footer at the start, or the footer itself at
 * the end of a fixed one).
 */
#include <stdio.h>
#include <string.h>

#include "magic.h"

static const struct {
	enum image_format format;
	const char *magic;
	size_t len;
} magics[] = {
	{ FORMAT_QCOW2, "QFI\xfb", 4 },
	{ FORMAT_QED, "QED\0", 4 },
	{ FORMAT_VHD, "conectix", 8 },
};

enum image_format
magic_format(const unsigned char *head, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(magics) / sizeof(magics[0]); i++)
		if (n >= magics[i].len &&
		    memcmp(head, magics[i].magic, magics[i].len) == 0)
			return magics[i].format;
	return FORMAT_RAW;
}

bool
magic_vhd_footer(const unsigned char *footer, size_t n)
{
	return n >= 8 && memcmp(footer, "conectix", 8) == 0;
}

int
magic_check(enum image_format want, enum image_format seen,
    bool vhd_footer, char *why, size_t whylen)
{
	if (want == FORMAT_VHD && seen == FORMAT_RAW && vhd_footer)
		seen = FORMAT_VHD;
	if (want == seen)
		return 0;
	if (want == FORMAT_RAW)
		snprintf(why, whylen, "looks like %s: use --format %s",
		    format_name(seen), format_name(seen));
	else if (seen == FORMAT_RAW)
		snprintf(why, whylen, "does not look like %s (it has no %s "
		    "header): use --format raw if it is a raw image",
		    format_name(want), format_name(want));
	else
		snprintf(why, whylen, "looks like %s, not %s: use --format %s",
		    format_name(seen), format_name(want), format_name(seen));
	return -1;
}
