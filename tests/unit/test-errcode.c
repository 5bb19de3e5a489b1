/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * error-code tokens: every code has a distinct token of lower-case
 * letters and dashes that parses back; nothing else parses.
 */
#include <stdio.h>
#include <string.h>

#include "errcode.h"
#include "tap.h"

static void
test_tokens(void)
{
	enum error_code c, back, other;
	const char *t;
	char msg[96];
	int shape, distinct;

	is_str(error_code_name(ERRC_NONE), "", "no error is \"\"");
	is_str(error_code_name(ERRC_POLICY), "policy", "policy");
	is_str(error_code_name(ERRC_NOT_FOUND), "not-found", "not-found");
	is_str(error_code_name(ERRC_TIMEOUT), "timeout", "timeout");
	for (c = ERRC_NONE; c < ERRC_COUNT; c++) {
		t = error_code_name(c);
		shape = strspn(t, "abcdefghijklmnopqrstuvwxyz-") == strlen(t) &&
		    (c == ERRC_NONE) == (*t == '\0');
		distinct = 1;
		for (other = ERRC_NONE; other < c; other++)
			if (strcmp(error_code_name(other), t) == 0)
				distinct = 0;
		snprintf(msg, sizeof(msg), "code %d \"%s\": a token, distinct, "
		    "parses back", (int)c, t);
		ok(shape && distinct && error_code_parse(t, &back) == 0 &&
		    back == c, msg);
	}
	is_str(error_code_name((enum error_code)1000), "internal",
	    "out of range is internal");
}

static void
test_refused(void)
{
	static const char *bad[] = { "Policy", "policy ", "nope", "not_found" };
	enum error_code c = ERRC_QEMU;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		is_int(error_code_parse(bad[i], &c), -1, bad[i]);
	is_int(error_code_parse(NULL, &c), -1, "NULL");
	is_int(c, ERRC_QEMU, "a refused token leaves the output alone");
}

int
main(void)
{
	test_tokens();
	test_refused();
	return done_testing();
}
