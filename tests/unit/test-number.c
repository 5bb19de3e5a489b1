/* SPDX-License-Identifier: LGPL-2.1-only */
/* Unit tests of protocol/number.c: strict decimal parsing. */
#include <limits.h>

#include "number.h"
#include "tap.h"

int
main(void)
{
	const char *end;
	int n = -7;

	is_int(decimal_parse("0", 10), 0, "zero");
	is_int(decimal_parse("5632", 65535), 5632, "a devid");
	is_int(decimal_parse("65535", 65535), 65535, "the maximum itself");
	is_int(decimal_parse("65536", 65535), -1, "one over the maximum");
	is_int(decimal_parse("2147483647", INT_MAX), INT_MAX, "INT_MAX");
	is_int(decimal_parse("2147483648", INT_MAX), -1, "INT_MAX + 1");
	is_int(decimal_parse("99999999999999999999", INT_MAX), -1,
	    "no overflow on many digits");
	is_int(decimal_parse("", 10), -1, "empty");
	is_int(decimal_parse("07", 10), -1, "a leading zero");
	is_int(decimal_parse("00", 10), -1, "two zeros");
	is_int(decimal_parse("-1", 10), -1, "a sign");
	is_int(decimal_parse("+1", 10), -1, "a plus sign");
	is_int(decimal_parse(" 1", 10), -1, "a leading space");
	is_int(decimal_parse("1 ", 10), -1, "a trailing space");
	is_int(decimal_parse("1x", 10), -1, "a trailing letter");
	is_int(decimal_parse("0x10", 100), -1, "hexadecimal");

	end = decimal_prefix("12/cdrom-request", 100, &n);
	ok(end != NULL && *end == '/', "a prefix stops at the first non-digit");
	is_int(n, 12, "the prefix's value");
	n = -7;
	ok(decimal_prefix("/12", 100, &n) == NULL, "no digits: no prefix");
	is_int(n, -7, "out is untouched on failure");
	ok(decimal_prefix("012/", 100, &n) == NULL, "a prefix with a leading zero");
	return done_testing();
}
