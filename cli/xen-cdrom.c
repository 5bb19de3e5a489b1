/*
 * xen-cdrom: the command-line client of xen-cdromd.  It writes requests
 * (target, format) into ~/cdrom-request/VDEV and reads the daemon's
 * answers (state, medium, error) back, all through xenstore; it never
 * talks to QEMU.
 *
 * Waiting for the end of a change follows the drive through a xenstore
 * watch on its cdrom-request directory, level-triggered as xenbus
 * drivers do: whatever event wakes us, we re-read the nodes and judge
 * from them.  How we tell the daemon's answer to *our* request from the
 * state it had before is explained above wait_answer().
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <xenstore.h>

#include "json.h"
#include "number.h"
#include "paths.h"
#include "request.h"
#include "state.h"
#include "vdev.h"

#define VERSION "0.1"
#define PROG "xen-cdrom"

/* Exit codes: documented in usage(). */
enum exit_code {
	EXIT_DONE = 0,		/* done */
	EXIT_FAILED = 1,	/* the daemon reported an error */
	EXIT_USAGE = 2,		/* bad command line */
	EXIT_TIMEOUT = 3,	/* --timeout expired */
	EXIT_NOTFOUND = 4,	/* no such domain or drive, or no daemon */
	EXIT_XENSTORE = 5,	/* xenstore unreachable or failing */
};

#define TIMEOUT_DEFAULT 60
#define TIMEOUT_MAX 86400
/* Domain ids from DOMID_FIRST_RESERVED (0x7ff0) up are not domains. */
#define DOMID_MAX 0x7fef
#define WATCH_TOKEN "xen-cdrom"
/* How long an error must stand before it is taken as our answer. */
#define ERROR_SETTLE_MS 500

struct options {
	const char *format;	/* --format, NULL: raw */
	int timeout;		/* --timeout seconds */
	bool no_wait;
	bool verbose;
	bool json;
};

/* One drive's nodes under ~/cdrom-request/VDEV. */
struct drive_nodes {
	char state[32];		/* "" when absent */
	char format[32];
	char target[REQUEST_VALUE_MAX + 1];
	char medium[REQUEST_VALUE_MAX + 1];
	char error[REQUEST_VALUE_MAX + 1];
};

/* A drive as the commands name it. */
struct drive_ref {
	int domid;
	char name[256];		/* the domain's name, "-" if it has none */
	char vdev[VDEV_NAME_MAX];
};

static struct xs_handle *xsh;
static bool progress_tty;	/* progress goes to a terminal line */
static bool progress_shown;	/* that line holds something */

static void warnx_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Every failure message starts with "xen-cdrom: ". */
static void
warnx_(const char *fmt, ...)
{
	va_list ap;

	if (progress_shown) {
		fputs("\r\033[K", stderr);
		progress_shown = false;
	}
	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void
usage(FILE *f)
{
	fprintf(f,
"usage: xen-cdrom insert DOMAIN VDEV PATH [--format FORMAT]\n"
"                        [--timeout S] [--no-wait] [--verbose]\n"
"       xen-cdrom eject DOMAIN VDEV [--timeout S] [--no-wait] [--verbose]\n"
"       xen-cdrom status [DOMAIN [VDEV]] [--json]\n"
"       xen-cdrom wait DOMAIN VDEV [--timeout S] [--verbose]\n"
"       xen-cdrom --help | --version\n"
"\n"
"Asks xen-cdromd to change the medium in an HVM guest's emulated CD-ROM\n"
"drive, through xenstore (XENSTORED_PATH chooses the socket).\n"
"\n"
"commands:\n"
"  insert   put PATH into the drive and wait until it is in; a relative\n"
"           PATH is taken from the current directory, whose symlinks are\n"
"           resolved (the final component is kept as given)\n"
"  eject    empty the drive and wait until it is empty\n"
"  status   one line per drive (all drives of all domains if DOMAIN is\n"
"           omitted): DOMID NAME VDEV STATE MEDIUM [ERROR]\n"
"  wait     wait until the drive's state is done (with medium = target)\n"
"           or error\n"
"\n"
"DOMAIN is a domain id or name; VDEV a virtual device name (hdc, xvdc, ...).\n"
"\n"
"options:\n"
"  -f, --format FORMAT  raw (default), qcow2, vhd or qed (insert)\n"
"  -t, --timeout S      give up waiting after S seconds (default %d)\n"
"  -n, --no-wait        return once the request is written (insert, eject)\n"
"  -v, --verbose        print each state on its own line, and the final\n"
"                       status line\n"
"  -j, --json           status as a JSON array of objects\n"
"  -h, --help           this text\n"
"  -V, --version        the version\n"
"\n"
"exit status:\n"
"  0  done (the drive holds what was asked)\n"
"  1  the daemon reported an error (its text is printed)\n"
"  2  usage error\n"
"  3  timeout: the change did not end within --timeout\n"
"  4  no such domain or drive, or no daemon looks after it\n"
"  5  xenstore unreachable\n", TIMEOUT_DEFAULT);
}

/* --- xenstore ---------------------------------------------------------- */

/*
 * Reads path into buf.  Returns 1, 0 if it does not exist (buf ""), or
 * -1 on another error (errno set; E2BIG if it does not fit).
 */
static int
xs_get(xs_transaction_t t, const char *path, char *buf, size_t len)
{
	unsigned int n;
	char *v;

	buf[0] = '\0';
	if ((v = xs_read(xsh, t, path, &n)) == NULL)
		return errno == ENOENT ? 0 : -1;
	if (n >= len) {
		free(v);
		errno = E2BIG;
		return -1;
	}
	memcpy(buf, v, n);
	buf[n] = '\0';
	free(v);
	return 1;
}

static int
leaf_get(xs_transaction_t t, const struct drive_ref *d, const char *leaf,
    char *buf, size_t len)
{
	char path[XS_PATH_MAX];

	if (path_request_node(path, d->domid, d->vdev, leaf) == -1) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return xs_get(t, path, buf, len);
}

/* Reads the drive's nodes.  Returns 1, 0 if the drive is gone, or -1. */
static int
nodes_read(xs_transaction_t t, const struct drive_ref *d,
    struct drive_nodes *n)
{
	char path[XS_PATH_MAX], dummy[8];
	int rc;

	if (path_request(path, d->domid, d->vdev) == -1)
		return 0;
	if ((rc = xs_get(t, path, dummy, sizeof(dummy))) != 1)
		return rc == -1 && errno == E2BIG ? 1 : rc;
	if (leaf_get(t, d, "state", n->state, sizeof(n->state)) == -1 ||
	    leaf_get(t, d, "format", n->format, sizeof(n->format)) == -1 ||
	    leaf_get(t, d, "target", n->target, sizeof(n->target)) == -1 ||
	    leaf_get(t, d, "medium", n->medium, sizeof(n->medium)) == -1 ||
	    leaf_get(t, d, "error", n->error, sizeof(n->error)) == -1)
		return -1;
	return 1;
}

/*
 * nodes_read() outside any transaction of ours: in a read-only one, so
 * that state and error (which the daemon writes together) are seen
 * together, never an old state beside a new error.
 */
static int
nodes_snapshot(const struct drive_ref *d, struct drive_nodes *n)
{
	xs_transaction_t t;
	int rc;

	for (;;) {
		if ((t = xs_transaction_start(xsh)) == XBT_NULL)
			return -1;
		if ((rc = nodes_read(t, d, n)) == -1) {
			xs_transaction_end(xsh, t, true);
			return -1;
		}
		if (xs_transaction_end(xsh, t, false))
			return rc;
		if (errno != EAGAIN)
			return -1;
	}
}

static int
xs_failed(const char *what)
{
	warnx_("xenstore: %s: %s", what, strerror(errno));
	return EXIT_XENSTORE;
}

/* --- naming domains and drives ----------------------------------------- */

static void
domain_name(int domid, char *buf, size_t len)
{
	char dom[XS_PATH_MAX], path[XS_PATH_MAX];

	if (path_domain(dom, domid) == -1 ||
	    path_child(path, dom, "name") == -1 ||
	    xs_get(XBT_NULL, path, buf, len) != 1 || buf[0] == '\0')
		snprintf(buf, len, "-");
}

/*
 * DOMAIN as xl takes it: all digits is a domain id, anything else a
 * name looked up in /local/domain/D/name (the lowest such D, as
 * libxl_name_to_domid finds the first).
 */
static int
domain_resolve(const char *arg, struct drive_ref *d)
{
	char dom[XS_PATH_MAX], path[XS_PATH_MAX], name[256], dummy[8];
	char **dirs;
	unsigned int i, n;
	int domid, rc;

	if (arg[0] != '\0' && strspn(arg, "0123456789") == strlen(arg)) {
		if ((domid = decimal_parse(arg, DOMID_MAX)) < 0) {
			warnx_("%s: not a domain id (0 to %d)", arg, DOMID_MAX);
			return EXIT_NOTFOUND;
		}
		if (path_domain(path, domid) == -1)
			return EXIT_NOTFOUND;
		rc = xs_get(XBT_NULL, path, dummy, sizeof(dummy));
		if (rc == -1 && errno != E2BIG)
			return xs_failed(path);
		if (rc == 0) {
			warnx_("no domain with id %d", domid);
			return EXIT_NOTFOUND;
		}
		d->domid = domid;
		domain_name(domid, d->name, sizeof(d->name));
		return EXIT_DONE;
	}
	if ((dirs = xs_directory(xsh, XBT_NULL, "/local/domain", &n)) == NULL)
		return xs_failed("/local/domain");
	d->domid = -1;
	for (i = 0; i < n; i++) {
		if ((domid = decimal_parse(dirs[i], DOMID_MAX)) < 0 ||
		    (d->domid != -1 && domid > d->domid))
			continue;
		if (path_domain(dom, domid) == 0 &&
		    path_child(path, dom, "name") == 0 &&
		    xs_get(XBT_NULL, path, name, sizeof(name)) == 1 &&
		    strcmp(name, arg) == 0)
			d->domid = domid;
	}
	free(dirs);
	if (d->domid == -1) {
		warnx_("no domain named \"%s\"", arg);
		return EXIT_NOTFOUND;
	}
	snprintf(d->name, sizeof(d->name), "%s", arg);
	return EXIT_DONE;
}

/*
 * The drive must have a cdrom-request directory: the daemon makes one
 * for every CD-ROM drive it looks after.  Writing a request anywhere
 * else would create nodes nobody reads.
 */
static int
drive_resolve(const char *domain, const char *vdev, struct drive_ref *d)
{
	char path[XS_PATH_MAX], dummy[8];
	int rc;

	if ((rc = domain_resolve(domain, d)) != EXIT_DONE)
		return rc;
	if (vdev_to_devid(vdev, NULL) < 0) {
		warnx_("%s: not a virtual device name (hdc, xvdc, sda, ...)",
		    vdev);
		return EXIT_NOTFOUND;
	}
	snprintf(d->vdev, sizeof(d->vdev), "%s", vdev);
	if (path_request(path, d->domid, vdev) == -1)
		return EXIT_NOTFOUND;
	rc = xs_get(XBT_NULL, path, dummy, sizeof(dummy));
	if (rc == -1 && errno != E2BIG)
		return xs_failed(path);
	if (rc == 1 || rc == -1)
		return EXIT_DONE;
	path_request_dir(path, d->domid);
	rc = xs_get(XBT_NULL, path, dummy, sizeof(dummy));
	if (rc == 0)
		warnx_("dom %d has no %s: no xen-cdromd looks after its "
		    "CD-ROM drives (is the daemon running?)", d->domid, path);
	else
		warnx_("dom %d %s: no such CD-ROM drive looked after by "
		    "xen-cdromd (no %s/%s)", d->domid, vdev, path, vdev);
	return EXIT_NOTFOUND;
}

/* --- paths given by the user ------------------------------------------- */

/*
 * Appends component c (len bytes) to the absolute path out, textually
 * resolving "." and "..".  Returns -1 if it would not fit.
 */
static int
path_push(char *out, size_t cap, const char *c, size_t len)
{
	size_t used = strlen(out);
	char *slash;

	if (len == 0 || (len == 1 && c[0] == '.'))
		return 0;
	if (len == 2 && c[0] == '.' && c[1] == '.') {
		if ((slash = strrchr(out, '/')) != NULL)
			*slash = '\0';
		return 0;
	}
	if (used + 1 + len >= cap)
		return -1;
	out[used] = '/';
	memcpy(out + used + 1, c, len);
	out[used + 1 + len] = '\0';
	return 0;
}

/* Normalises base (absolute, or NULL) + path textually into out. */
static int
path_normalise(char *out, size_t cap, const char *base, const char *path)
{
	const char *p, *end;
	int pass;

	out[0] = '\0';
	for (pass = 0; pass < 2; pass++) {
		p = pass == 0 ? base : path;
		if (p == NULL)
			continue;
		while (*p != '\0') {
			end = strchrnul(p, '/');
			if (path_push(out, cap, p, (size_t)(end - p)) == -1)
				return -1;
			p = *end == '/' ? end + 1 : end;
		}
	}
	if (out[0] == '\0')
		snprintf(out, cap, "/");
	return 0;
}

/*
 * Makes path absolute: the directory part through realpath(3), so its
 * symlinks and "." / ".." are resolved; the final component is kept as
 * given (the daemon refuses a final symlink, and we must not hide one
 * from it).  If the directory cannot be resolved (it does not exist),
 * the path is normalised textually against the current directory and
 * the daemon reports what is wrong with it.
 */
static int
path_absolute(const char *path, char *out, size_t cap)
{
	char copy[PATH_MAX], cwd[PATH_MAX], dir[PATH_MAX];
	const char *base;
	char *slash;
	size_t len;

	if (path[0] == '\0')
		return -1;
	len = strlen(path);
	if (len >= sizeof(copy))
		return -1;
	memcpy(copy, path, len + 1);
	while (len > 1 && copy[len - 1] == '/')
		copy[--len] = '\0';
	if ((slash = strrchr(copy, '/')) == NULL) {
		base = copy;
		snprintf(dir, sizeof(dir), ".");
	} else {
		base = slash + 1;
		*slash = '\0';
		snprintf(dir, sizeof(dir), "%s", slash == copy ? "/" : copy);
	}
	if (strcmp(base, ".") != 0 && strcmp(base, "..") != 0 &&
	    realpath(dir, cwd) != NULL) {
		if (strcmp(cwd, "/") == 0)
			cwd[0] = '\0';
		if ((size_t)snprintf(out, cap, "%s/%s", cwd, base) >= cap)
			return -1;
		return 0;
	}
	if (path[0] == '/')
		return path_normalise(out, cap, NULL, path);
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		return -1;
	return path_normalise(out, cap, cwd, path);
}

/* --- showing progress -------------------------------------------------- */

static void
progress(const struct drive_ref *d, const char *state, const struct options *o)
{
	if (progress_tty) {
		fprintf(stderr, "\r\033[Kdom %d %s: %s...", d->domid, d->vdev,
		    state[0] != '\0' ? state : "waiting");
		progress_shown = true;
	} else if (o->verbose)
		fprintf(stderr, "dom %d %s: %s\n", d->domid, d->vdev,
		    state[0] != '\0' ? state : "(no state)");
	fflush(stderr);
}

static void
progress_end(void)
{
	if (progress_shown)
		fputs("\r\033[K", stderr);
	progress_shown = false;
	fflush(stderr);
}

static const char *
or_dash(const char *s)
{
	return s[0] != '\0' ? s : "-";
}

static void
status_line(const struct drive_ref *d, const struct drive_nodes *n)
{
	printf("%d %s %s %s %s%s%s\n", d->domid, d->name, d->vdev,
	    or_dash(n->state), or_dash(n->medium),
	    n->error[0] != '\0' ? " " : "", n->error);
}

/* --- waiting ----------------------------------------------------------- */

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Does path name node leaf of drive d? */
static bool
is_leaf(const char *path, const struct drive_ref *d, const char *leaf)
{
	char want[XS_PATH_MAX];

	return path_request_node(want, d->domid, d->vdev, leaf) == 0 &&
	    strcmp(path, want) == 0;
}

/* What a wait is waiting for. */
struct wait_goal {
	bool mine;		/* we wrote a request: judge only the answer */
	const char *target;	/* our target (mine) */
	const struct drive_nodes *before;	/* the nodes at our write */
};

enum verdict { V_WAIT, V_DONE, V_ERROR, V_REPLACED };

static enum verdict
judge(const struct wait_goal *g, const struct drive_nodes *n, bool answered)
{
	if (!g->mine) {
		if (strcmp(n->state, "error") == 0)
			return V_ERROR;
		return strcmp(n->state, "done") == 0 &&
		    strcmp(n->medium, n->target) == 0 ? V_DONE : V_WAIT;
	}
	/*
	 * Nodes identical to those at our write say nothing unless the
	 * daemon wrote state after our write (answered): an old "done" or
	 * "error" is not the answer.
	 */
	if (!answered && strcmp(n->state, g->before->state) == 0 &&
	    strcmp(n->medium, g->before->medium) == 0 &&
	    strcmp(n->error, g->before->error) == 0)
		return V_WAIT;
	if (strcmp(n->target, g->target) != 0)
		return V_REPLACED;
	if (strcmp(n->state, "error") == 0)
		return V_ERROR;
	return strcmp(n->state, "done") == 0 &&
	    strcmp(n->medium, g->target) == 0 ? V_DONE : V_WAIT;
}

/*
 * Follows drive d through the watch (already set, before any request
 * was written) until judge() decides or the timeout expires.
 *
 * For our own request (g->mine) the difficulty is that right after our
 * write the nodes still show the previous answer: "done" with the old
 * medium, or an "error" from an earlier request, and a change of format
 * only ends as it began ("done" with the same medium).  So:
 *  - g->before holds the nodes as read in the very transaction that
 *    wrote the request: a consistent picture at the instant of our
 *    write (a concurrent change of them makes the commit fail and we
 *    start again).  Nodes that differ from it were written after it.
 *  - Events come in commit order.  Ours is the first event for
 *    "target" after the watch was set (the transaction read target, so
 *    no other writer's commit can fall between its start and its end);
 *    an event for state, medium or error after it is the daemon writing
 *    after our request: from then on even unchanged-looking nodes are
 *    its answer (a retried request that fails again the same way).
 *  - The case where the daemon writes nothing at all (the drive already
 *    holds the request) is decided by the caller before waiting.
 *  - One write after ours can still be stale: the daemon may have read
 *    the old request just before our commit and write its answer (an
 *    "error") just after.  It then reads our request and always writes
 *    again (an error state with a new target or format is re-planned).
 *    So an error is our answer only once it has stood ERROR_SETTLE_MS
 *    with no further write from the daemon.  ("done" needs no such
 *    grace: it must name our target as medium.)
 */
static int
wait_answer(const struct drive_ref *d, const struct wait_goal *g,
    const struct options *o)
{
	struct drive_nodes n;
	struct pollfd pfd;
	char last[32] = "";
	char **ev;
	long long deadline = now_ms() + (long long)o->timeout * 1000;
	bool seen_ours = !g->mine, answered = false;
	unsigned writes = 0, error_writes = 0;
	long long error_until = 0, now;
	enum verdict v;
	int rc, wait_ms;

	/* The state at our write is old news: show only what follows it. */
	if (g->mine)
		snprintf(last, sizeof(last), "%s", g->before->state);
	pfd.fd = xs_fileno(xsh);
	pfd.events = POLLIN;
	if (pfd.fd == -1)
		return xs_failed("watch fd");
	for (;;) {
		while ((ev = xs_check_watch(xsh)) != NULL) {
			const char *p = ev[XS_WATCH_PATH];

			if (strcmp(ev[XS_WATCH_TOKEN], WATCH_TOKEN) == 0) {
				if (!seen_ours)
					seen_ours = is_leaf(p, d, "target");
				else if (is_leaf(p, d, "state") ||
				    is_leaf(p, d, "medium") ||
				    is_leaf(p, d, "error")) {
					answered = true;
					writes++;
				}
			}
			free(ev);
		}
		if (errno != EAGAIN)
			return xs_failed("reading watch events");
		if ((rc = nodes_snapshot(d, &n)) == -1)
			return xs_failed("reading the drive");
		if (rc == 0) {
			warnx_("dom %d %s: the drive is gone", d->domid,
			    d->vdev);
			return EXIT_NOTFOUND;
		}
		if (strcmp(n.state, last) != 0) {
			snprintf(last, sizeof(last), "%s", n.state);
			progress(d, n.state, o);
		}
		v = judge(g, &n, answered);
		now = now_ms();
		if (v != V_ERROR)
			error_until = 0;
		else if (g->mine && (error_until == 0 ||
		    error_writes != writes)) {
			error_writes = writes;
			error_until = now + ERROR_SETTLE_MS;
		}
		/* Still settling, unless time is up: then it is the answer. */
		if (v == V_ERROR && now < error_until && now < deadline)
			v = V_WAIT;
		switch (v) {
		case V_WAIT:
			break;
		case V_DONE:
			progress_end();
			if (o->verbose)
				status_line(d, &n);
			return EXIT_DONE;
		case V_ERROR:
			warnx_("dom %d %s: %s", d->domid, d->vdev,
			    n.error[0] != '\0' ? n.error :
			    "the daemon reported an error");
			return EXIT_FAILED;
		case V_REPLACED:
			warnx_("dom %d %s: the request was replaced by another "
			    "(target now \"%s\")", d->domid, d->vdev, n.target);
			return EXIT_FAILED;
		}
		if ((wait_ms = (int)(deadline - now)) <= 0) {
			warnx_("dom %d %s: timed out after %ds (state %s)",
			    d->domid, d->vdev, o->timeout, or_dash(n.state));
			return EXIT_TIMEOUT;
		}
		if (error_until != 0 && error_until - now < wait_ms)
			wait_ms = (int)(error_until - now);
		if (poll(&pfd, 1, wait_ms) == -1 && errno != EINTR)
			return xs_failed("poll");
	}
}

static int
watch_drive(const struct drive_ref *d)
{
	char path[XS_PATH_MAX];

	if (path_request(path, d->domid, d->vdev) == -1 ||
	    !xs_watch(xsh, path, WATCH_TOKEN))
		return xs_failed("setting a watch");
	return EXIT_DONE;
}

/* --- commands ---------------------------------------------------------- */

/*
 * Writes (target, format) in one transaction that also reads the
 * drive's nodes into before, retrying on EAGAIN.
 */
static int
request_write(const struct drive_ref *d, const char *target,
    const char *format, struct drive_nodes *before)
{
	char path[XS_PATH_MAX];
	xs_transaction_t t;
	int rc;

	for (;;) {
		if ((t = xs_transaction_start(xsh)) == XBT_NULL)
			return xs_failed("starting a transaction");
		if ((rc = nodes_read(t, d, before)) != 1) {
			xs_transaction_end(xsh, t, true);
			if (rc == -1)
				return xs_failed("reading the drive");
			warnx_("dom %d %s: the drive is gone", d->domid,
			    d->vdev);
			return EXIT_NOTFOUND;
		}
		if (path_request_node(path, d->domid, d->vdev, "target") ||
		    !xs_write(xsh, t, path, target, strlen(target)) ||
		    path_request_node(path, d->domid, d->vdev, "format") ||
		    !xs_write(xsh, t, path, format, strlen(format))) {
			rc = errno;
			xs_transaction_end(xsh, t, true);
			errno = rc;
			return xs_failed("writing the request");
		}
		if (xs_transaction_end(xsh, t, false))
			return EXIT_DONE;
		if (errno != EAGAIN)
			return xs_failed("committing the request");
	}
}

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

static int
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

static int
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

static int
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

/* --- status ------------------------------------------------------------ */

struct row {
	struct drive_ref ref;
	struct drive_nodes nodes;
};

struct rows {
	struct row *v;
	size_t n, cap;
};

static int
rows_add(struct rows *r, const struct drive_ref *ref)
{
	struct row *nv;
	int rc;

	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 8;
		if ((nv = realloc(r->v, r->cap * sizeof(*nv))) == NULL) {
			warnx_("out of memory");
			return EXIT_XENSTORE;
		}
		r->v = nv;
	}
	r->v[r->n].ref = *ref;
	rc = nodes_snapshot(ref, &r->v[r->n].nodes);
	if (rc == -1)
		return xs_failed("reading a drive");
	if (rc == 1)
		r->n++;
	return EXIT_DONE;
}

static int
cmp_vdev(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	int dx = vdev_to_devid(x, NULL), dy = vdev_to_devid(y, NULL);

	if (dx != dy)
		return dx < dy ? -1 : 1;
	return strcmp(x, y);
}

/* Adds every drive of domain ref->domid; missing: its dir is absent. */
static int
rows_add_domain(struct rows *r, struct drive_ref *ref, bool *missing)
{
	char path[XS_PATH_MAX];
	char **vdevs;
	unsigned int i, n;
	int rc = EXIT_DONE;

	*missing = false;
	if (path_request_dir(path, ref->domid) == -1)
		return EXIT_NOTFOUND;
	if ((vdevs = xs_directory(xsh, XBT_NULL, path, &n)) == NULL) {
		if (errno != ENOENT)
			return xs_failed(path);
		*missing = true;
		return EXIT_DONE;
	}
	qsort(vdevs, n, sizeof(*vdevs), cmp_vdev);
	for (i = 0; i < n && rc == EXIT_DONE; i++) {
		if (strlen(vdevs[i]) >= sizeof(ref->vdev))
			continue;
		snprintf(ref->vdev, sizeof(ref->vdev), "%s", vdevs[i]);
		rc = rows_add(r, ref);
	}
	free(vdevs);
	return rc;
}

static int
cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

static int
rows_add_all(struct rows *r)
{
	struct drive_ref ref;
	char **dirs;
	unsigned int i, n, k = 0;
	int *ids, rc = EXIT_DONE;
	bool missing;

	if ((dirs = xs_directory(xsh, XBT_NULL, "/local/domain", &n)) == NULL)
		return errno == ENOENT ? EXIT_DONE : xs_failed("/local/domain");
	if ((ids = calloc(n + 1, sizeof(*ids))) == NULL) {
		free(dirs);
		warnx_("out of memory");
		return EXIT_XENSTORE;
	}
	for (i = 0; i < n; i++)
		if ((ids[k] = decimal_parse(dirs[i], DOMID_MAX)) >= 0)
			k++;
	free(dirs);
	qsort(ids, k, sizeof(*ids), cmp_int);
	for (i = 0; i < k && rc == EXIT_DONE; i++) {
		ref.domid = ids[i];
		domain_name(ref.domid, ref.name, sizeof(ref.name));
		rc = rows_add_domain(r, &ref, &missing);
	}
	free(ids);
	return rc;
}

/* A growing buffer for the JSON text. */
struct buf {
	char *s;
	size_t len, cap;
};

static bool
buf_grow(struct buf *b, size_t need)
{
	char *ns;
	size_t cap = b->cap ? b->cap : 1024;

	while (cap < b->len + need + 1)
		cap *= 2;
	if (cap == b->cap)
		return true;
	if (cap > INT_MAX || (ns = realloc(b->s, cap)) == NULL)
		return false;
	b->s = ns;
	b->cap = cap;
	return true;
}

static bool
buf_raw(struct buf *b, const char *s)
{
	size_t n = strlen(s);

	if (!buf_grow(b, n))
		return false;
	memcpy(b->s + b->len, s, n + 1);
	b->len += n;
	return true;
}

/* "key":"value" with json_append_string doing every escape. */
static bool
buf_member(struct buf *b, const char *key, const char *value, bool first)
{
	int n;

	if (!buf_raw(b, first ? "" : ","))
		return false;
	/* An escaped byte takes at most 6 ("\u00XX"), plus quotes and ':'. */
	if (!buf_grow(b, 6 * (strlen(key) + strlen(value)) + 8))
		return false;
	if ((n = json_append_string(b->s, b->len, b->cap, key)) < 0)
		return false;
	b->len = (size_t)n;
	if (!buf_raw(b, ":"))
		return false;
	if ((n = json_append_string(b->s, b->len, b->cap, value)) < 0)
		return false;
	b->len = (size_t)n;
	return true;
}

static int
print_json(const struct rows *r)
{
	struct buf b = { NULL, 0, 0 };
	char num[32];
	size_t i;
	bool ok = buf_raw(&b, "[");

	for (i = 0; ok && i < r->n; i++) {
		const struct row *w = &r->v[i];

		snprintf(num, sizeof(num), "%s{\"domid\":%d,",
		    i ? "," : "", w->ref.domid);
		ok = buf_raw(&b, num) &&
		    buf_member(&b, "name", w->ref.name, true) &&
		    buf_member(&b, "vdev", w->ref.vdev, false) &&
		    buf_member(&b, "state", w->nodes.state, false) &&
		    buf_member(&b, "target", w->nodes.target, false) &&
		    buf_member(&b, "format", w->nodes.format[0] != '\0' ?
		        w->nodes.format : "raw", false) &&
		    buf_member(&b, "medium", w->nodes.medium, false) &&
		    buf_member(&b, "error", w->nodes.error, false) &&
		    buf_raw(&b, "}");
	}
	ok = ok && buf_raw(&b, "]");
	if (ok)
		printf("%s\n", b.s);
	free(b.s);
	if (!ok) {
		warnx_("out of memory");
		return EXIT_XENSTORE;
	}
	return EXIT_DONE;
}

static int
width(int w, const char *s)
{
	int n = (int)strlen(s);

	return n > w ? n : w;
}

static void
print_table(const struct rows *r)
{
	int wd = 5, wn = 4, wv = 4, ws = 5, wm = 6;
	bool errors = false;
	char id[16];
	size_t i;

	for (i = 0; i < r->n; i++) {
		const struct row *w = &r->v[i];

		snprintf(id, sizeof(id), "%d", w->ref.domid);
		wd = width(wd, id);
		wn = width(wn, w->ref.name);
		wv = width(wv, w->ref.vdev);
		ws = width(ws, or_dash(w->nodes.state));
		wm = width(wm, or_dash(w->nodes.medium));
		errors |= w->nodes.error[0] != '\0';
	}
	printf("%-*s  %-*s  %-*s  %-*s  %-*s%s\n", wd, "DOMID", wn, "NAME",
	    wv, "VDEV", ws, "STATE", errors ? wm : 0, "MEDIUM",
	    errors ? "  ERROR" : "");
	for (i = 0; i < r->n; i++) {
		const struct row *w = &r->v[i];
		bool e = w->nodes.error[0] != '\0';

		printf("%-*d  %-*s  %-*s  %-*s  %-*s%s%s\n", wd, w->ref.domid,
		    wn, w->ref.name, wv, w->ref.vdev, ws,
		    or_dash(w->nodes.state), e ? wm : 0,
		    or_dash(w->nodes.medium), e ? "  " : "", w->nodes.error);
	}
}

static int
cmd_status(char **args, int n, const struct options *o)
{
	struct rows r = { NULL, 0, 0 };
	struct drive_ref ref;
	bool missing;
	int rc;

	if (n > 2) {
		warnx_("status takes [DOMAIN [VDEV]]");
		return EXIT_USAGE;
	}
	if (n == 2) {
		if ((rc = drive_resolve(args[0], args[1], &ref)) == EXIT_DONE)
			rc = rows_add(&r, &ref);
	} else if (n == 1) {
		if ((rc = domain_resolve(args[0], &ref)) == EXIT_DONE &&
		    (rc = rows_add_domain(&r, &ref, &missing)) == EXIT_DONE &&
		    missing) {
			warnx_("dom %d has no /local/domain/%d/cdrom-request: "
			    "no xen-cdromd looks after its CD-ROM drives (is "
			    "the daemon running?)", ref.domid, ref.domid);
			rc = EXIT_NOTFOUND;
		}
	} else
		rc = rows_add_all(&r);
	if (rc == EXIT_DONE) {
		if (o->json)
			rc = print_json(&r);
		else
			print_table(&r);
	}
	free(r.v);
	return rc;
}

/* --- main -------------------------------------------------------------- */

static int
parse_timeout(const char *s, int *out)
{
	if ((*out = decimal_parse(s, TIMEOUT_MAX)) < 0) {
		warnx_("--timeout %s: not a number of seconds (0 to %d)", s,
		    TIMEOUT_MAX);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "timeout", required_argument, NULL, 't' },
		{ "no-wait", no_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct options o = { .timeout = TIMEOUT_DEFAULT };
	const char *cmd;
	bool timeout_set = false;
	int c, rc;

	while ((c = getopt_long(argc, argv, "f:t:nvjhV", longopts, NULL)) !=
	    -1) {
		switch (c) {
		case 'f':
			o.format = optarg;
			break;
		case 't':
			if (parse_timeout(optarg, &o.timeout) == -1)
				return EXIT_USAGE;
			timeout_set = true;
			break;
		case 'n':
			o.no_wait = true;
			break;
		case 'v':
			o.verbose = true;
			break;
		case 'j':
			o.json = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_DONE;
		case 'V':
			printf(PROG " " VERSION "\n");
			return EXIT_DONE;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		warnx_("no command (insert, eject, status or wait)");
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = argv[optind++];
	if ((o.json && strcmp(cmd, "status") != 0) ||
	    (o.format != NULL && strcmp(cmd, "insert") != 0 &&
	    strcmp(cmd, "eject") != 0) ||
	    (o.no_wait && strcmp(cmd, "insert") != 0 &&
	    strcmp(cmd, "eject") != 0) ||
	    (timeout_set && strcmp(cmd, "status") == 0)) {
		warnx_("an option does not apply to %s", cmd);
		return EXIT_USAGE;
	}
	if (strcmp(cmd, "insert") != 0 && strcmp(cmd, "eject") != 0 &&
	    strcmp(cmd, "status") != 0 && strcmp(cmd, "wait") != 0) {
		warnx_("%s: unknown command (insert, eject, status or wait)",
		    cmd);
		return EXIT_USAGE;
	}
	/* Check the operands' count before touching xenstore. */
	c = argc - optind;
	if ((strcmp(cmd, "insert") == 0 && c != 3) ||
	    ((strcmp(cmd, "eject") == 0 || strcmp(cmd, "wait") == 0) &&
	    c != 2) || (strcmp(cmd, "status") == 0 && c > 2)) {
		warnx_("%s: wrong number of operands", cmd);
		usage(stderr);
		return EXIT_USAGE;
	}
	progress_tty = isatty(STDERR_FILENO) && strcmp(cmd, "status") != 0;
	if ((xsh = xs_open(XS_OPEN_SOCKETONLY)) == NULL) {
		warnx_("cannot connect to xenstored: %s", strerror(errno));
		return EXIT_XENSTORE;
	}
	if (strcmp(cmd, "insert") == 0)
		rc = cmd_insert(argv + optind, c, &o);
	else if (strcmp(cmd, "eject") == 0)
		rc = cmd_eject(argv + optind, c, &o);
	else if (strcmp(cmd, "wait") == 0)
		rc = cmd_wait(argv + optind, c, &o);
	else
		rc = cmd_status(argv + optind, c, &o);
	progress_end();
	xs_close(xsh);
	return rc;
}
