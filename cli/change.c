/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * The commands that change a drive or wait for it: insert, eject and
 * wait.  Each checks its operands, writes the request and hands over to
 * wait.c.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

/* A fresh request-id: this process, and the time to the nanosecond. */
static void
request_id_new(char *buf, size_t len)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(buf, len, "xen-cdrom-%ld-%lld.%09ld", (long)getpid(),
	    (long long)ts.tv_sec, ts.tv_nsec);
}

static int
change(const char *domain, const char *vdev, const char *target,
    enum image_format format, const struct options *o)
{
	struct drive_ref d;
	struct drive_nodes before, now;
	struct daemon_info di;
	struct wait_goal g;
	char rid[REQUEST_ID_MAX + 1];
	int rc;

	/*
	 * Whether the domain and the drive exist is asked of the request's
	 * own transaction, which must read the drive's directory anyway;
	 * only when it is missing is xenstore asked why.
	 */
	if ((rc = drive_lookup(domain, vdev, &d)) != EXIT_DONE)
		return rc;
	/* Features only decide how to wait. */
	daemon_probe(&di, !o->no_wait);
	/* The watch comes first, so no answer can slip by unseen. */
	if (!o->no_wait && (rc = watch_drive(&d)) != EXIT_DONE)
		return rc;
	request_id_new(rid, sizeof(rid));
	/*
	 * answered-id tells a 1.1 daemon's answer to our request: the
	 * nodes as they were are needed only to judge an older daemon's.
	 */
	rc = request_write(&d, target, format_name(format), rid, &before,
	    !o->no_wait && !di.request_id);
	if (rc == EXIT_NOTFOUND)
		return drive_missing(&d);
	if (rc != EXIT_DONE)
		return rc;
	if (daemon_liveness(&di) == DAEMON_GONE) {
		warnx_("dom %d %s: xen-cdromd is not running (pid %ld, in "
		    "%s/pid, has exited)", d.domid, d.vdev, di.pid,
		    DAEMON_DIR);
		request_stays(&d);
		return o->no_wait ? EXIT_DONE : EXIT_NOTFOUND;
	}
	if (o->no_wait)
		return EXIT_DONE;
	/*
	 * A daemon of protocol 1.1 performs a request with a new id again;
	 * an older one writes nothing when the drive already holds it.
	 */
	if (!di.request_id && already_satisfied(&before, target, format)) {
		progress_done(&d, before.medium, o);
		if (o->verbose) {
			if (nodes_snapshot(&d, &now) != 1)
				now = before;
			status_line(&d, &now);
		}
		return EXIT_DONE;
	}
	g.mine = true;
	g.target = target;
	g.request_id = rid;
	g.eject = target[0] == '\0';
	g.before = &before;
	g.daemon = &di;
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
	struct daemon_info di;
	int rc;

	if (n != 2) {
		warnx_("wait takes DOMAIN VDEV");
		return EXIT_USAGE;
	}
	if ((rc = drive_resolve(args[0], args[1], &d)) != EXIT_DONE ||
	    (rc = watch_drive(&d)) != EXIT_DONE)
		return rc;
	/* wait judges the drive's own state: features do not matter. */
	daemon_probe(&di, false);
	g.daemon = &di;
	return wait_answer(&d, &g, o);
}
