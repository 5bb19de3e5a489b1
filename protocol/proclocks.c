/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * /proc/locks, one lock a line:
 *	"1: FLOCK  ADVISORY  WRITE 1234 fe:01:131090 0 EOF"
 *	"1: -> FLOCK  ADVISORY  WRITE 1240 fe:01:131090 0 EOF"   (a waiter)
 * The device is MAJOR:MINOR in hexadecimal, the inode in decimal.
 */
#include <stdio.h>
#include <string.h>

#include "proclocks.h"

static long
line_holder(const char *line, unsigned int major, unsigned int minor,
    unsigned long long ino)
{
	char kind[16], blocked[4];
	unsigned int ma, mi;
	unsigned long long in;
	long pid;

	if (sscanf(line, "%*[0-9]: %3s", blocked) == 1 &&
	    strcmp(blocked, "->") == 0)
		return -1;
	if (sscanf(line, "%*[0-9]: %15s %*s %*s %ld %x:%x:%llu", kind, &pid,
	    &ma, &mi, &in) != 5)
		return -1;
	if (strcmp(kind, "FLOCK") != 0 || ma != major || mi != minor ||
	    in != ino || pid <= 0)
		return -1;
	return pid;
}

long
proc_locks_holder(const char *text, size_t len, unsigned int major,
    unsigned int minor, unsigned long long ino)
{
	char line[256];
	size_t i = 0, n;
	const char *nl;
	long pid;

	while (i < len) {
		nl = memchr(text + i, '\n', len - i);
		n = (nl != NULL ? (size_t)(nl - text) : len) - i;
		if (n < sizeof(line)) {
			memcpy(line, text + i, n);
			line[n] = '\0';
			if ((pid = line_holder(line, major, minor, ino)) > 0)
				return pid;
		}
		i += n + 1;
	}
	return -1;
}
