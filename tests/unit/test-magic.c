/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * Format magic: each known header is recognised, raw is what is left,
 * and a request whose format does not fit what the image announces is
 * refused with a reason that says which format to ask for.
 */
#include <string.h>

#include "magic.h"
#include "tap.h"

static void
test_detect(void)
{
	unsigned char footer[VHD_FOOTER] = "conectix";

	is_int(magic_format((const unsigned char *)"QFI\xfb\0\0\0\3", 8),
	    FORMAT_QCOW2, "qcow2 header");
	is_int(magic_format((const unsigned char *)"QED\0\1\0\0\0", 8),
	    FORMAT_QED, "QED header");
	is_int(magic_format((const unsigned char *)"conectix", 8),
	    FORMAT_VHD, "dynamic VHD's footer copy");
	is_int(magic_format((const unsigned char *)"CD001\0\0\0", 8),
	    FORMAT_RAW, "an ISO is raw");
	is_int(magic_format((const unsigned char *)"QFI", 3), FORMAT_RAW,
	    "a file shorter than the magic is raw");
	is_int(magic_format((const unsigned char *)"connecti", 8),
	    FORMAT_RAW, "almost VHD is raw");
	ok(magic_vhd_footer(footer, sizeof(footer)), "fixed VHD footer");
	ok(!magic_vhd_footer(footer, 7), "too short for a footer");
	footer[0] = 'C';
	ok(!magic_vhd_footer(footer, sizeof(footer)), "not a footer");
}

static void
test_check(void)
{
	char why[128];

	is_int(magic_check(FORMAT_RAW, FORMAT_RAW, false, why, sizeof(why)),
	    0, "raw for raw");
	is_int(magic_check(FORMAT_QCOW2, FORMAT_QCOW2, false, why,
	    sizeof(why)), 0, "qcow2 for qcow2");
	is_int(magic_check(FORMAT_VHD, FORMAT_RAW, true, why, sizeof(why)),
	    0, "vhd for a fixed VHD (footer only)");
	is_int(magic_check(FORMAT_RAW, FORMAT_RAW, true, why, sizeof(why)),
	    0, "raw for a file ending like a VHD: not guessed");
	is_int(magic_check(FORMAT_RAW, FORMAT_QCOW2, false, why, sizeof(why)),
	    -1, "raw for qcow2 refused");
	is_str(why, "looks like qcow2: use --format qcow2", "and why");
	is_int(magic_check(FORMAT_RAW, FORMAT_VHD, false, why, sizeof(why)),
	    -1, "raw for VHD refused");
	is_str(why, "looks like vhd: use --format vhd", "and why");
	is_int(magic_check(FORMAT_RAW, FORMAT_QED, false, why, sizeof(why)),
	    -1, "raw for QED refused");
	is_int(magic_check(FORMAT_QCOW2, FORMAT_QED, false, why, sizeof(why)),
	    -1, "qcow2 for QED refused");
	is_str(why, "looks like qed, not qcow2: use --format qed", "and why");
	is_int(magic_check(FORMAT_QCOW2, FORMAT_RAW, false, why, sizeof(why)),
	    -1, "qcow2 for a raw file refused");
	ok(strstr(why, "does not look like qcow2") != NULL, "and why");
}

int
main(void)
{
	test_detect();
	test_check();
	return done_testing();
}
