/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * The commands that change a drive or wait for it: insert, eject and
 * wait.  Each checks its operands, writes the request and hands over to
 * wait.c.
 */
#include <string.h>

#include "cli.h"


/*
 * The daemon writes nothing when the drive already holds the request:
 * state "done" with the same medium, target and format.  Then the
 * answer is already there.
 */
static bool
already_satisfied(const struct drive_nodes *b, const char *target,
    enum image_format format)
{
	enum image_format f;

	if (strcmp(b->state, "done") != 0 || strcmp(b->medium, target) != 0 ||
	    strcmp(b->target, target) != 0)
		return false;
	return target[0] == '\0' ||
	    (format_parse(b->format, &f) == 0 && f == format);
}

static int
change(const char *domain, const char *vdev, const char *target,
    enum image_format format, const struct options *o)
{
	struct drive_ref d;
	struct drive_nodes before, now;
	struct wait_goal g;
	int rc;

	if ((rc = drive_resolve(domain, vdev, &d)) != EXIT_DONE)
		return rc;
	/* The watch comes first, so no answer can slip by unseen. */
	if (!o->no_wait && (rc = watch_drive(&d)) != EXIT_DONE)
		return rc;
	if ((rc = request_write(&d, target, format_name(format), &before)) !=
	    EXIT_DONE)
		return rc;
	if (o->no_wait)
		return EXIT_DONE;
	if (already_satisfied(&before, target, format)) {
		if (o->verbose) {
			if (nodes_snapshot(&d, &now) != 1)
				now = before;
			status_line(&d, &now);
		}
		return EXIT_DONE;
	}
	g.mine = true;
	g.target = target;
	g.before = &before;
	return wait_answer(&d, &g, o);
}

int
cmd_insert(char **args, int n, const struct options *o)
{
	enum image_format format = FORMAT_RAW;
	char target[TARGET_MAX + 1];
	const char *why;

	if (n != 3) {
		warnx_("insert takes DOMAIN VDEV PATH");
		return EXIT_USAGE;
	}
	if (format_parse(o->format, &format) == -1) {
		warnx_("%s: not a format (raw, qcow2, vhd or qed)", o->format);
		return EXIT_USAGE;
	}
	if (args[2][0] == '\0') {
		warnx_("insert: empty PATH (use eject to empty the drive)");
		return EXIT_USAGE;
	}
	if (path_absolute(args[2], target, sizeof(target)) == -1) {
		warnx_("%s: cannot make the path absolute", args[2]);
		return EXIT_USAGE;
	}
	if (target_check(target, &why) == -1) {
		warnx_("%s: %s", target, why);
		return EXIT_USAGE;
	}
	return change(args[0], args[1], target, format, o);
}

int
cmd_eject(char **args, int n, const struct options *o)
{
	if (n != 2) {
		warnx_("eject takes DOMAIN VDEV");
		return EXIT_USAGE;
	}
	if (o->format != NULL) {
		warnx_("eject takes no --format");
		return EXIT_USAGE;
	}
	return change(args[0], args[1], "", FORMAT_RAW, o);
}

int
cmd_wait(char **args, int n, const struct options *o)
{
	struct drive_ref d;
	struct wait_goal g = { .mine = false };
	int rc;

	if (n != 2) {
		warnx_("wait takes DOMAIN VDEV");
		return EXIT_USAGE;
	}
	if ((rc = drive_resolve(args[0], args[1], &d)) != EXIT_DONE ||
	    (rc = watch_drive(&d)) != EXIT_DONE)
		return rc;
	return wait_answer(&d, &g, o);
}
