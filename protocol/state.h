/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * A drive's state as the contract spells it in cdrom-request/VDEV/state.
 * The order is the order of a change.
 */
#ifndef PROTOCOL_STATE_H
#define PROTOCOL_STATE_H

#include <stdbool.h>

enum drive_state {
	DRIVE_EJECTING,
	DRIVE_DETACHING,
	DRIVE_ATTACHING,
	DRIVE_CHANGING,
	DRIVE_DONE,
	DRIVE_ERROR,
};

const char *drive_state_name(enum drive_state s);
/* -1 for anything that is not exactly one of the six names. */
int drive_state_parse(const char *s, enum drive_state *out);

/*
 * The state machine's edges: may a drive in state from move to to?
 * Every state may end in error; docs/design.md draws the same table,
 * and a unit test holds the two together.
 */
bool drive_transition_allowed(enum drive_state from, enum drive_state to);

/*
 * A reader that saw from and now sees to, both read from the node, may
 * have missed states between (xenstore's events carry no values).  A
 * change moves forward one step at a time (ejecting, detaching,
 * attaching, changing), so when to is a later step than from (or from
 * is done or error and to a step), the steps between were passed: they
 * go into passed, in order, and their number is returned.  0 when
 * nothing is known to have been missed (a step back, or an end).
 */
int drive_states_passed(enum drive_state from, enum drive_state to,
    enum drive_state passed[DRIVE_DONE]);

#endif
