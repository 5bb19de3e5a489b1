/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * Everything xen-cdrom prints: its messages, the help, the progress line
 * of a change, and the status table and JSON.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "json_out.h"

bool progress_tty;
static bool progress_shown;	/* the terminal line holds something */

/*
 * A value as a terminal may show it: what a stub domain's QEMU wrote
 * into error may hold escape sequences, CR or newlines; each control
 * byte (C0, DEL, and C1 as UTF-8) becomes "?".
 */
const char *
text_clean(char *dst, size_t cap, const char *src)
{
	const unsigned char *p = (const unsigned char *)src;
	size_t n = 0;

	for (; *p != '\0' && n + 1 < cap; p++) {
		if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			dst[n++] = '?';
			p++;
		} else
			dst[n++] = *p < 0x20 || *p == 0x7f ? '?' : (char)*p;
	}
	dst[n] = '\0';
	return dst;
}

/* Every failure message starts with "xen-cdrom: ". */
void
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

void
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
"           omitted): DOMID NAME VDEV STATE MEDIUM [PENDING] [ERROR];\n"
"           PENDING is a target the daemon has not reached yet\n"
"  wait     wait until the drive's state is done (with medium = target)\n"
"           or error\n"
"\n"
"DOMAIN is a domain id or name; VDEV a virtual device name (hdc, xvdc, ...).\n"
"A request stays in xenstore when xen-cdrom stops waiting (timeout,\n"
"Ctrl-C, --no-wait): the daemon still carries it out.\n"
"\n"
"options:\n"
"  -f, --format FORMAT  raw (default), qcow2, vhd or qed (insert)\n"
"  -t, --timeout S      give up waiting after S seconds (fractions allowed;\n"
"                       0: no limit).  Default: as long as the daemon may\n"
"                       take, 4 steps x its step-timeout (%d s unless\n"
"                       " DEFAULT_CONFIG " says otherwise) + 10 s\n"
"  -n, --no-wait        return once the request is written (insert, eject)\n"
"  -v, --verbose        print each state on its own line, and the final\n"
"                       status line on stdout\n"
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
"  5  xenstore unreachable\n"
"  130  interrupted (Ctrl-C)\n", STEP_TIMEOUT_DEFAULT);
}

/* What the terminal shows of a state: an eject attaches an empty drive. */
static const char *
state_words(const char *state, bool eject)
{
	if (state[0] == '\0')
		return "waiting";
	if (eject && strcmp(state, "attaching") == 0)
		return "attaching the empty drive";
	return state;
}

/*
 * A terminal gets one line that each state overwrites; --verbose (on a
 * terminal or not) one line per state.
 */
void
progress(const struct drive_ref *d, const char *state, bool eject,
    const struct options *o)
{
	if (o->verbose) {
		progress_end();
		fprintf(stderr, "dom %d %s: %s\n", d->domid, d->vdev,
		    state_words(state, eject));
	} else if (progress_tty) {
		fprintf(stderr, "\r\033[Kdom %d %s: %s...", d->domid, d->vdev,
		    state_words(state, eject));
		progress_shown = true;
	}
	fflush(stderr);
}

/* A line of its own about the wait, e.g. whose lock it waits for. */
void
progress_note(const struct drive_ref *d, const char *note,
    const struct options *o)
{
	if (!progress_tty && !o->verbose)
		return;
	progress_end();
	fprintf(stderr, "dom %d %s: %s\n", d->domid, d->vdev, note);
	fflush(stderr);
}

/* The last line of a change that went through. */
void
progress_done(const struct drive_ref *d, const char *medium,
    const struct options *o)
{
	char line[REQUEST_VALUE_MAX + 16];

	snprintf(line, sizeof(line), "done, %s",
	    medium[0] != '\0' ? medium : "empty");
	progress_note(d, line, o);
}

void
progress_end(void)
{
	if (progress_shown)
		fputs("\r\033[K", stderr);
	progress_shown = false;
	fflush(stderr);
}

/* When xen-cdrom stops waiting, the request goes on without it. */
void
request_stays(const struct drive_ref *d)
{
	fprintf(stderr, PROG ": the request stays in xenstore and will still "
	    "be carried out; follow it with \"" PROG " wait %d %s\", or "
	    "replace it with another insert or eject\n", d->domid, d->vdev);
}

/*
 * The daemon found no file where we see one: the service's sandbox
 * (ProtectHome=, PrivateTmp=) or its policy hides it from the daemon.
 */
void
daemon_cannot_see(const char *path, const char *error,
    const char *error_code)
{
	struct stat st;

	if (strcmp(error_code, "not-found") != 0 &&
	    (error_code[0] != '\0' ||
	    strstr(error, "No such file or directory") == NULL))
		return;
	if (stat(path, &st) == -1)
		return;
	warnx_("the daemon cannot see %s (outside its allowed-dir, or "
	    "hidden from the service: its unit has ProtectHome=yes and "
	    "PrivateTmp=yes; see xen-cdromd(8))", path);
}

const char *
or_dash(const char *s)
{
	return s[0] != '\0' ? s : "-";
}

void
status_line(const struct drive_ref *d, const struct drive_nodes *n)
{
	static char name[256], medium[REQUEST_VALUE_MAX + 1];
	static char error[REQUEST_VALUE_MAX + 1];
	static struct drive_ref named;

	/* A change named its domain by id and has not read the name yet. */
	named = *d;
	ref_name(&named);
	printf("%d %s %s %s %s%s%s\n", d->domid,
	    text_clean(name, sizeof(name), named.name), d->vdev,
	    or_dash(n->state),
	    text_clean(medium, sizeof(medium), or_dash(n->medium)),
	    n->error[0] != '\0' ? " " : "", text_clean(error, sizeof(error),
	    n->error));
}

/* "key":"value" (after a comma unless first). */
static void
member(struct json_out *o, const char *key, const char *value, bool first)
{
	json_out_key(o, key, first);
	json_out_str(o, value);
}

int
print_json(const struct rows *r)
{
	struct json_out o;
	size_t i;

	json_out_growing(&o);
	json_out_raw(&o, "[");
	for (i = 0; i < r->n; i++) {
		const struct row *w = &r->v[i];

		json_out_raw(&o, i ? ",{" : "{");
		json_out_key(&o, "domid", true);
		json_out_int(&o, w->ref.domid);
		member(&o, "name", w->ref.name, false);
		member(&o, "vdev", w->ref.vdev, false);
		member(&o, "state", w->nodes.state, false);
		member(&o, "target", w->nodes.target, false);
		member(&o, "format", w->nodes.format[0] != '\0' ?
		    w->nodes.format : "raw", false);
		member(&o, "medium", w->nodes.medium, false);
		member(&o, "error", w->nodes.error, false);
		member(&o, "error_code", w->nodes.error_code, false);
		member(&o, "request_id", w->nodes.request_id, false);
		member(&o, "answered_id", w->nodes.answered_id, false);
		json_out_key(&o, "pending", false);
		json_out_raw(&o, row_pending(&w->nodes) ? "true}" : "false}");
	}
	json_out_raw(&o, "]");
	if (json_out_end(&o) == -1) {
		json_out_free(&o);
		warnx_("out of memory");
		return EXIT_XENSTORE;
	}
	printf("%s\n", o.buf);
	json_out_free(&o);
	return EXIT_DONE;
}

/*
 * Is a request waiting that the drive does not hold yet?  A state
 * other than done or error is a change under way; "done" beside
 * another target, or beside an unanswered request-id (when the daemon
 * answers them), is a request the daemon has not taken up (busy, or
 * not running).
 */
bool request_ids;	/* the daemon answers request-ids (1.1) */

bool
row_pending(const struct drive_nodes *n)
{
	if (strcmp(n->state, "error") == 0)
		return false;
	if (strcmp(n->state, "done") != 0)
		return true;
	return strcmp(n->target, n->medium) != 0 || (request_ids &&
	    n->request_id[0] != '\0' &&
	    strcmp(n->request_id, n->answered_id) != 0);
}

static const char *
pending_text(const struct drive_nodes *n)
{
	if (!row_pending(n))
		return "";
	return n->target[0] != '\0' ? n->target : "(empty)";
}

enum { COLUMNS = 7 };

/* The cells of a row, cleaned; cells[k] points into store. */
static void
row_cells(const struct row *w, const char *cells[COLUMNS],
    char store[COLUMNS][REQUEST_VALUE_MAX + 1])
{
	snprintf(store[0], sizeof(store[0]), "%d", w->ref.domid);
	cells[0] = store[0];
	cells[1] = text_clean(store[1], sizeof(store[1]), w->ref.name);
	cells[2] = text_clean(store[2], sizeof(store[2]), w->ref.vdev);
	cells[3] = text_clean(store[3], sizeof(store[3]), or_dash(w->nodes.state));
	cells[4] = text_clean(store[4], sizeof(store[4]), or_dash(w->nodes.medium));
	cells[5] = text_clean(store[5], sizeof(store[5]), pending_text(&w->nodes));
	cells[6] = text_clean(store[6], sizeof(store[6]), w->nodes.error);
}

static void
print_cells(const char *const cells[COLUMNS], const int width[COLUMNS],
    const bool shown[COLUMNS])
{
	int k, last = 0;

	for (k = 0; k < COLUMNS; k++)
		if (shown[k])
			last = k;
	for (k = 0; k < COLUMNS; k++) {
		if (!shown[k])
			continue;
		if (k == last)
			printf("%s%s\n", k ? "  " : "", cells[k]);
		else
			printf("%s%-*s", k ? "  " : "", width[k], cells[k]);
	}
}

void
print_table(const struct rows *r)
{
	static const char *const head[COLUMNS] = {
		"DOMID", "NAME", "VDEV", "STATE", "MEDIUM", "PENDING", "ERROR",
	};
	static char store[COLUMNS][REQUEST_VALUE_MAX + 1];
	bool shown[COLUMNS] = { true, true, true, true, true, false, false };
	int width[COLUMNS], k;
	const char *cells[COLUMNS];
	size_t i;

	for (k = 0; k < COLUMNS; k++)
		width[k] = (int)strlen(head[k]);
	for (i = 0; i < r->n; i++) {
		row_cells(&r->v[i], cells, store);
		for (k = 0; k < COLUMNS; k++)
			if ((int)strlen(cells[k]) > width[k])
				width[k] = (int)strlen(cells[k]);
		shown[5] |= cells[5][0] != '\0';
		shown[6] |= cells[6][0] != '\0';
	}
	print_cells(head, width, shown);
	for (i = 0; i < r->n; i++) {
		row_cells(&r->v[i], cells, store);
		print_cells(cells, width, shown);
	}
}
