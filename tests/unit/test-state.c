/*
 * Drive state names: each state has the contract's name and parses
 * back; nothing else parses.
 */
#include <stdio.h>

#include "state.h"
#include "tap.h"

static void
test_names(void)
{
	static const char *names[] = {
		"ejecting", "detaching", "attaching", "changing", "done",
		"error",
	};
	enum drive_state s, back;
	char msg[64];

	for (s = DRIVE_EJECTING; s <= DRIVE_ERROR; s++) {
		snprintf(msg, sizeof(msg), "state %d is \"%s\"", (int)s,
		    names[s]);
		is_str(drive_state_name(s), names[s], msg);
		snprintf(msg, sizeof(msg), "\"%s\" parses back", names[s]);
		ok(drive_state_parse(names[s], &back) == 0 && back == s, msg);
	}
}

static void
test_refused(void)
{
	static const char *bad[] = {
		"", "Done", "DONE", "done ", " done", "don", "doneX",
		"eject", "idle", "errors",
	};
	enum drive_state s = DRIVE_DONE;
	char msg[64];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(msg, sizeof(msg), "\"%s\" is refused", bad[i]);
		is_int(drive_state_parse(bad[i], &s), -1, msg);
	}
	is_int(drive_state_parse(NULL, &s), -1, "NULL is refused");
	is_int(s, DRIVE_DONE, "a refused name leaves the output alone");
}

int
main(void)
{
	test_names();
	test_refused();
	return done_testing();
}
