/*
 * A drive's state names, as the contract writes them into
 * cdrom-request/VDEV/state.
 */
#include <stddef.h>
#include <string.h>

#include "state.h"

/* No default: -Wswitch names a state added to the enum but not here. */
const char *
drive_state_name(enum drive_state s)
{
	switch (s) {
	case DRIVE_EJECTING:
		return "ejecting";
	case DRIVE_DETACHING:
		return "detaching";
	case DRIVE_ATTACHING:
		return "attaching";
	case DRIVE_CHANGING:
		return "changing";
	case DRIVE_DONE:
		return "done";
	case DRIVE_ERROR:
		return "error";
	}
	return NULL;
}

int
drive_state_parse(const char *s, enum drive_state *out)
{
	enum drive_state st;

	if (s == NULL)
		return -1;
	for (st = DRIVE_EJECTING; st <= DRIVE_ERROR; st++) {
		if (strcmp(s, drive_state_name(st)) == 0) {
			*out = st;
			return 0;
		}
	}
	return -1;
}
