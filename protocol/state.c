/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * A drive's states: their names, as the contract writes them into
 * cdrom-request/VDEV/state, and the edges allowed between them.
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

/*
 * Row: from; column: to, in enum order (ejecting, detaching, attaching,
 * changing, done, error).  A change runs down the diagonal above;
 * the other edges are a step finding the work done already (-> done),
 * or finding that the request or the drive changed under it and
 * planning again (-> detaching, -> ejecting).
 */
static const bool transitions[DRIVE_ERROR + 1][DRIVE_ERROR + 1] = {
	/*                 ej     det    att    chg    done   err */
	[DRIVE_EJECTING]  = { false, true,  false, false, true,  true },
	[DRIVE_DETACHING] = { false, false, true,  false, false, true },
	[DRIVE_ATTACHING] = { false, true,  false, true,  true,  true },
	[DRIVE_CHANGING]  = { true,  true,  false, false, true,  true },
	[DRIVE_DONE]      = { true,  false, false, false, true,  true },
	[DRIVE_ERROR]     = { true,  false, false, false, true,  true },
};

bool
drive_transition_allowed(enum drive_state from, enum drive_state to)
{
	if ((unsigned)from > DRIVE_ERROR || (unsigned)to > DRIVE_ERROR)
		return false;
	return transitions[from][to];
}

int
drive_states_passed(enum drive_state from, enum drive_state to,
    enum drive_state passed[DRIVE_DONE])
{
	enum drive_state s;
	int n = 0;

	if ((unsigned)from > DRIVE_ERROR || to >= DRIVE_DONE ||
	    (unsigned)to > DRIVE_ERROR)
		return 0;
	/* The end of one change is the start of the next: its eject. */
	s = from >= DRIVE_DONE ? DRIVE_EJECTING : from + 1;
	if (from < DRIVE_DONE && to <= from)
		return 0;
	for (; s < to; s++)
		passed[n++] = s;
	return n;
}
