/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * Drive states: each has the contract's name and parses back, nothing
 * else parses; and the table of allowed transitions is the one that
 * docs/design.md draws, edge for edge.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/*
 * Reads docs/design.md's edge list, the lines between the markers
 * "<!-- transitions" and "<!-- /transitions -->", each
 * "FROM -> TO, TO, ...", into drawn[from][to].  Returns the number of
 * lines read, or -1 (with a diagnostic) if the list is malformed.
 */
static int
read_design(bool drawn[DRIVE_ERROR + 1][DRIVE_ERROR + 1])
{
	char line[256], *arrow, *tok, *save;
	enum drive_state from, to;
	int in = 0, lines = 0;
	FILE *f;

	if ((f = fopen(SRCDIR "/docs/design.md", "r")) == NULL) {
		printf("# cannot open %s/docs/design.md\n", SRCDIR);
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "<!-- /transitions", 17) == 0)
			break;
		if (strncmp(line, "<!-- transitions", 16) == 0) {
			in = 1;
			continue;
		}
		if (!in || strspn(line, " \t\n") == strlen(line))
			continue;
		line[strcspn(line, "\n")] = '\0';
		if ((arrow = strstr(line, "->")) == NULL) {
			printf("# no \"->\" in \"%s\"\n", line);
			goto bad;
		}
		*arrow = '\0';
		tok = strtok_r(line, " \t", &save);
		if (tok == NULL || drive_state_parse(tok, &from) == -1) {
			printf("# not a state: \"%s\"\n", tok ? tok : "");
			goto bad;
		}
		for (tok = strtok_r(arrow + 2, " ,\t", &save); tok != NULL;
		    tok = strtok_r(NULL, " ,\t", &save)) {
			if (drive_state_parse(tok, &to) == -1) {
				printf("# not a state: \"%s\"\n", tok);
				goto bad;
			}
			drawn[from][to] = true;
		}
		lines++;
	}
	fclose(f);
	return lines;
bad:
	fclose(f);
	return -1;
}

static void
test_transitions_drawn(void)
{
	bool drawn[DRIVE_ERROR + 1][DRIVE_ERROR + 1] = { { false } };
	enum drive_state from, to;
	char msg[96];
	int lines = read_design(drawn);

	is_int(lines, DRIVE_ERROR + 1,
	    "docs/design.md lists the edges of every state");
	for (from = DRIVE_EJECTING; from <= DRIVE_ERROR; from++)
		for (to = DRIVE_EJECTING; to <= DRIVE_ERROR; to++) {
			snprintf(msg, sizeof(msg), "%s -> %s: %s in the table "
			    "and the design", drive_state_name(from),
			    drive_state_name(to),
			    drive_transition_allowed(from, to) ? "allowed" :
			    "refused");
			ok(drive_transition_allowed(from, to) ==
			    drawn[from][to], msg);
		}
}

static void
test_transitions(void)
{
	enum drive_state s;
	char msg[64];

	for (s = DRIVE_EJECTING; s <= DRIVE_ERROR; s++) {
		snprintf(msg, sizeof(msg), "%s may end in error",
		    drive_state_name(s));
		ok(drive_transition_allowed(s, DRIVE_ERROR), msg);
	}
	ok(drive_transition_allowed(DRIVE_DONE, DRIVE_EJECTING),
	    "a change starts with the eject");
	ok(!drive_transition_allowed(DRIVE_DONE, DRIVE_CHANGING),
	    "no step is skipped from done");
	ok(!drive_transition_allowed(DRIVE_DETACHING, DRIVE_DONE),
	    "a detached drive is attached before it is done");
	ok(!drive_transition_allowed((enum drive_state)42, DRIVE_DONE),
	    "an out-of-range state has no edges");
}

/* The steps a reader missed are the ones the machine cannot skip. */
static void
test_states_passed(void)
{
	enum drive_state p[DRIVE_DONE], from, to, s;
	char msg[96];
	int n, i;

	is_int(drive_states_passed(DRIVE_EJECTING, DRIVE_ATTACHING, p), 1,
	    "ejecting then attaching: one step missed");
	is_int(p[0], DRIVE_DETACHING, "  it is detaching");
	is_int(drive_states_passed(DRIVE_DONE, DRIVE_CHANGING, p), 3,
	    "done then changing: the eject, detach and attach missed");
	is_int(drive_states_passed(DRIVE_ATTACHING, DRIVE_DETACHING, p), 0,
	    "a step back (planning again) says nothing was missed");
	is_int(drive_states_passed(DRIVE_EJECTING, DRIVE_DONE, p), 0,
	    "an end says nothing (a change may end early)");
	is_int(drive_states_passed(DRIVE_DETACHING, DRIVE_DETACHING, p), 0,
	    "the same state: nothing missed");
	/* Every state reported missed lies on a path the table allows. */
	for (from = DRIVE_EJECTING; from <= DRIVE_ERROR; from++)
		for (to = DRIVE_EJECTING; to <= DRIVE_ERROR; to++) {
			n = drive_states_passed(from, to, p);
			s = from;
			for (i = 0; i < n && drive_transition_allowed(s, p[i]);
			    i++)
				s = p[i];
			snprintf(msg, sizeof(msg), "%s -> %s: the %d missed "
			    "lie on allowed edges", drive_state_name(from),
			    drive_state_name(to), n);
			ok(i == n && (n == 0 || drive_transition_allowed(s, to)),
			    msg);
		}
}

int
main(void)
{
	test_names();
	test_refused();
	test_transitions();
	test_states_passed();
	test_transitions_drawn();
	return done_testing();
}
