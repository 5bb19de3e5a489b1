/* SPDX-License-Identifier: LGPL-2.1-only */
/* Unit tests of protocol/proclocks.c: the holder of a flock in /proc/locks. */
#include <string.h>

#include "proclocks.h"
#include "tap.h"

#define T(s) (s), strlen(s)

int
main(void)
{
	const char *two =
	    "1: OFDLCK ADVISORY  READ -1 fe:00:10952929 203 203\n"
	    "2: FLOCK  ADVISORY  WRITE 1234 fe:01:131090 0 EOF\n"
	    "2: -> FLOCK  ADVISORY  WRITE 1240 fe:01:131090 0 EOF\n"
	    "3: POSIX  ADVISORY  WRITE 999 fe:01:77 0 EOF\n";
	const char *waiter_first =
	    "1: -> FLOCK  ADVISORY  WRITE 1240 00:2a:5 0 EOF\n"
	    "1: FLOCK  ADVISORY  WRITE 77 00:2a:5 0 EOF";

	is_int((int)proc_locks_holder(T(two), 0xfe, 1, 131090), 1234,
	    "the holder of a flock");
	is_int((int)proc_locks_holder(T(two), 0xfe, 1, 131091), -1,
	    "another inode: nobody");
	is_int((int)proc_locks_holder(T(two), 0xfe, 2, 131090), -1,
	    "another device: nobody");
	is_int((int)proc_locks_holder(T(two), 0xfe, 1, 77), -1,
	    "a POSIX lock is not a flock");
	is_int((int)proc_locks_holder(T(waiter_first), 0, 0x2a, 5), 77,
	    "a waiter is skipped, the holder found; no final newline");
	is_int((int)proc_locks_holder(T(""), 0, 0, 0), -1, "empty text");
	is_int((int)proc_locks_holder(T("garbage\n\n:\n"), 0, 0, 0), -1,
	    "garbage");
	return done_testing();
}
