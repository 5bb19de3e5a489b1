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

#include "cli.h"
#include "json.h"

bool progress_tty;
static bool progress_shown;	/* the terminal line holds something */

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

void
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

void
progress_end(void)
{
	if (progress_shown)
		fputs("\r\033[K", stderr);
	progress_shown = false;
	fflush(stderr);
}

const char *
or_dash(const char *s)
{
	return s[0] != '\0' ? s : "-";
}

void
status_line(const struct drive_ref *d, const struct drive_nodes *n)
{
	printf("%d %s %s %s %s%s%s\n", d->domid, d->name, d->vdev,
	    or_dash(n->state), or_dash(n->medium),
	    n->error[0] != '\0' ? " " : "", n->error);
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

int
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

void
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
