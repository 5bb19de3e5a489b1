/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * Strict decimal parsing, in one place: every number xen-cdromd reads
 * from xenstore or QEMU goes through here.
 */
#include <stddef.h>

#include "number.h"

const char *
decimal_prefix(const char *s, int max, int *out)
{
	long long n = 0;

	if (*s < '0' || *s > '9' || (s[0] == '0' && s[1] >= '0' &&
	    s[1] <= '9'))
		return NULL;
	for (; *s >= '0' && *s <= '9'; s++) {
		n = n * 10 + (*s - '0');
		if (n > max)
			return NULL;
	}
	*out = (int)n;
	return s;
}

int
decimal_parse(const char *s, int max)
{
	const char *end;
	int n;

	if ((end = decimal_prefix(s, max, &n)) == NULL || *end != '\0')
		return -1;
	return n;
}
