/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * Parses xen-cdromd.conf from memory.  The grammar is deliberately
 * small: "key = value" lines, blank lines, and comment lines whose
 * first non-blank character is "#".  A "#" anywhere else is part of the
 * value, since a directory name may hold one.  Every mistake stops the
 * start-up with "FILE:LINE: what", so a typo never silently weakens
 * the policy.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "domid.h"
#include "number.h"
#include "request.h"
#include "vdev.h"

#define LINE_LEN_MAX	4096
#define KEY_MAX		32
#define SHOW_MAX	64	/* how much of a bad value an error quotes */

struct parse {
	struct config c;	/* built here, handed over only on success */
	const char *file;
	unsigned line;
	bool seen_eject, seen_force, seen_timeout;
	char *err;
	size_t errlen;
};

static int fail(struct parse *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static int
fail(struct parse *p, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (p->errlen == 0)
		return -1;
	n = snprintf(p->err, p->errlen, "%s:%u: ", p->file, p->line);
	if (n >= 0 && (size_t)n < p->errlen) {
		va_start(ap, fmt);
		vsnprintf(p->err + n, p->errlen - n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* A value fit to quote in a log line: control bytes become '?'. */
static const char *
show(const char *s, char *buf)
{
	size_t i;

	for (i = 0; s[i] != '\0' && i < SHOW_MAX; i++)
		buf[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ?
		    '?' : s[i];
	buf[i] = '\0';
	if (s[i] != '\0')
		memcpy(buf + i - 3, "...", 3);
	return buf;
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* key = yes|no, given at most once: *seen says whether it was. */
static int
set_yes_no(struct parse *p, const char *key, bool *seen, bool *out, char *v)
{
	char shown[SHOW_MAX + 1];

	if (*seen)
		return fail(p, "%s is given more than once", key);
	*seen = true;
	if (strcmp(v, "yes") == 0)
		*out = true;
	else if (strcmp(v, "no") == 0)
		*out = false;
	else
		return fail(p, "%s must be yes or no, not \"%s\"", key,
		    show(v, shown));
	return 0;
}

static int
set_guest_eject(struct parse *p, char *v)
{
	return set_yes_no(p, "guest-eject", &p->seen_eject, &p->c.guest_eject,
	    v);
}

/*
 * Off by default: a guest locks its tray while it uses the disc (Linux
 * does, for a mounted CD), and pulling it out from under a mounted
 * file system is the administrator's call, not ours.
 */
static int
set_force_eject(struct parse *p, char *v)
{
	return set_yes_no(p, "force-eject", &p->seen_force, &p->c.force_eject,
	    v);
}

static int
set_step_timeout(struct parse *p, char *v)
{
	char shown[SHOW_MAX + 1];
	const char *s;
	unsigned n = 0;

	if (p->seen_timeout)
		return fail(p, "step-timeout is given more than once");
	p->seen_timeout = true;
	for (s = v; *s >= '0' && *s <= '9' && n <= CONFIG_STEP_TIMEOUT_MAX;
	    s++)
		n = n * 10 + (*s - '0');
	if (*s != '\0' || n < 1 || n > CONFIG_STEP_TIMEOUT_MAX)
		return fail(p, "step-timeout must be 1 to %d seconds, not "
		    "\"%s\"", CONFIG_STEP_TIMEOUT_MAX, show(v, shown));
	p->c.step_timeout = n;
	return 0;
}

/*
 * target_check() speaks of a "target" ("target is not an absolute
 * path"); in the configuration the path is a directory or a device.
 */
static const char *
path_reason(const char *why)
{
	return strncmp(why, "target ", 7) == 0 ? why + 7 : why;
}

/* Stored without its trailing "/", except "/" itself. */
static int
add_allowed_dir(struct parse *p, char *v)
{
	char shown[SHOW_MAX + 1];
	const char *why;
	size_t n = strlen(v);

	if (p->c.n_allowed_dirs == CONFIG_ALLOWED_DIRS_MAX)
		return fail(p, "more than %d allowed-dir lines",
		    CONFIG_ALLOWED_DIRS_MAX);
	show(v, shown);
	if (strcmp(v, "/") != 0) {
		if (v[n - 1] == '/')
			v[n - 1] = '\0';
		if (target_check(v, &why) < 0)
			return fail(p, "allowed-dir \"%s\": %s", shown,
			    path_reason(why));
	}
	if ((p->c.allowed_dirs[p->c.n_allowed_dirs] = strdup(v)) == NULL)
		return fail(p, "out of memory");
	p->c.n_allowed_dirs++;
	return 0;
}

/*
 * A follow's DOMAIN, as xen-cdrom will take it: all digits is a domid,
 * anything else a name.  A name may not start with "-", which the CLI
 * would read as an option, nor hold a control byte.
 */
static const char *
domain_check(const char *s)
{
	const char *c;

	if (strspn(s, "0123456789") == strlen(s))
		return decimal_parse(s, DOMID_MAX) < 0 ?
		    "not a domain id (0 to 32751)" : NULL;
	if (*s == '-')
		return "a domain name may not start with \"-\"";
	if (strlen(s) > CONFIG_DOMAIN_NAME_MAX)
		return "domain name longer than 255 bytes";
	for (c = s; *c != '\0'; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return "domain name contains a control character";
	return NULL;
}

/*
 * follow = DEVICE DOMAIN VDEV, three fields separated by blanks.  A
 * drive may follow one device only: two follow lines for the same
 * DOMAIN and VDEV would fight over it.
 */
static int
add_follow(struct parse *p, char *v)
{
	char shown[SHOW_MAX + 1], shown2[SHOW_MAX + 1];
	char *field[3], *s = v;
	struct config_follow *f;
	const char *why;
	size_t i, n = 0;

	if (p->c.n_follows == CONFIG_FOLLOWS_MAX)
		return fail(p, "more than %d follow lines", CONFIG_FOLLOWS_MAX);
	show(v, shown);
	while (*s != '\0') {
		if (n == 3)
			goto usage;
		field[n++] = s;
		while (*s != '\0' && !is_blank(*s))
			s++;
		while (is_blank(*s))
			*s++ = '\0';
	}
	if (n != 3)
		goto usage;
	if (target_check(field[0], &why) < 0)
		return fail(p, "follow device \"%s\": %s",
		    show(field[0], shown), path_reason(why));
	if ((why = domain_check(field[1])) != NULL)
		return fail(p, "follow domain \"%s\": %s",
		    show(field[1], shown), why);
	if (vdev_to_devid(field[2], NULL) < 0)
		return fail(p, "follow \"%s\": not a virtual device name "
		    "(hdc, xvdc, sda, ...)", show(field[2], shown));
	for (i = 0; i < p->c.n_follows; i++) {
		f = &p->c.follows[i];
		if (strcmp(f->domain, field[1]) == 0 &&
		    strcmp(f->vdev, field[2]) == 0)
			return fail(p, "%s of domain %s already follows %s",
			    field[2], show(field[1], shown),
			    show(f->device, shown2));
	}
	f = &p->c.follows[p->c.n_follows];
	f->device = strdup(field[0]);
	f->domain = strdup(field[1]);
	f->vdev = strdup(field[2]);
	/* Counted even if half-made: config_free frees what is there. */
	p->c.n_follows++;
	if (f->device == NULL || f->domain == NULL || f->vdev == NULL)
		return fail(p, "out of memory");
	return 0;
usage:
	return fail(p, "follow must be \"DEVICE DOMAIN VDEV\", not \"%s\"",
	    shown);
}

static const struct {
	const char *key;
	int (*set)(struct parse *, char *);
} keys[] = {
	{ "guest-eject",	set_guest_eject },
	{ "force-eject",	set_force_eject },
	{ "allowed-dir",	add_allowed_dir },
	{ "step-timeout",	set_step_timeout },
	{ "follow",		add_follow },
};

/* key and value: the line's two halves, trimmed, NUL-terminated. */
static int
set_key(struct parse *p, const char *key, char *value)
{
	char shown[SHOW_MAX + 1];
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (strcmp(key, keys[i].key) != 0)
			continue;
		if (*value == '\0')
			return fail(p, "%s has an empty value", key);
		return keys[i].set(p, value);
	}
	return fail(p, "unknown key \"%s\"", show(key, shown));
}

/* Copies s[0..n) without its blanks at both ends into out. */
static void
trim_copy(const char *s, size_t n, char *out, size_t outlen)
{
	while (n > 0 && is_blank(*s)) {
		s++;
		n--;
	}
	while (n > 0 && is_blank(s[n - 1]))
		n--;
	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, s, n);
	out[n] = '\0';
}

/* One line of n bytes, its "\n" excluded. */
static int
parse_line(struct parse *p, const char *s, size_t n)
{
	char key[KEY_MAX], value[LINE_LEN_MAX + 1], shown[SHOW_MAX + 1];
	const char *eq;
	size_t i;

	if (n > LINE_LEN_MAX)
		return fail(p, "line longer than %d bytes", LINE_LEN_MAX);
	if (memchr(s, '\0', n) != NULL)
		return fail(p, "NUL byte in line");
	for (i = 0; i < n && is_blank(s[i]); i++)
		;
	if (i == n || s[i] == '#')
		return 0;
	if ((eq = memchr(s, '=', n)) == NULL) {
		trim_copy(s, n, value, sizeof(value));
		return fail(p, "expected \"key = value\", not \"%s\"",
		    show(value, shown));
	}
	/* A key too long for key[] is cut, and then unknown anyway. */
	trim_copy(s, eq - s, key, sizeof(key));
	trim_copy(eq + 1, n - (eq + 1 - s), value, sizeof(value));
	if (*key == '\0')
		return fail(p, "missing key before \"=\"");
	return set_key(p, key, value);
}

void
config_init(struct config *c)
{
	memset(c, 0, sizeof(*c));
	c->guest_eject = false;
	c->force_eject = false;
	c->step_timeout = CONFIG_STEP_TIMEOUT_DEFAULT;
}

/*
 * c must have been through config_init().  Its old allowed dirs and
 * follows are freed whatever happens: it ends as the file says, or as the defaults.
 */
int
config_parse(struct config *c, const char *text, size_t len,
    const char *filename, char *err, size_t errlen)
{
	struct parse p = { .file = filename, .err = err, .errlen = errlen };
	const char *s, *end, *nl;

	config_init(&p.c);
	if (errlen > 0)
		err[0] = '\0';
	if (text == NULL) {
		text = "";
		len = 0;
	}
	s = text;
	end = text + len;
	if (len > CONFIG_TEXT_MAX) {
		if (errlen > 0)
			snprintf(err, errlen, "%s: larger than %d bytes",
			    filename, CONFIG_TEXT_MAX);
		goto fail;
	}
	for (p.line = 1; s < end; p.line++, s = nl + 1) {
		if ((nl = memchr(s, '\n', end - s)) == NULL)
			nl = end;
		if (parse_line(&p, s, nl - s) < 0)
			goto fail;
	}
	config_free(c);
	*c = p.c;
	return 0;
fail:
	config_free(&p.c);
	config_free(c);
	config_init(c);
	return -1;
}

void
config_free(struct config *c)
{
	size_t i;

	for (i = 0; i < c->n_allowed_dirs; i++) {
		free(c->allowed_dirs[i]);
		c->allowed_dirs[i] = NULL;
	}
	c->n_allowed_dirs = 0;
	for (i = 0; i < c->n_follows; i++) {
		free(c->follows[i].device);
		free(c->follows[i].domain);
		free(c->follows[i].vdev);
		memset(&c->follows[i], 0, sizeof(c->follows[i]));
	}
	c->n_follows = 0;
}

const char *
config_allowed_dir(const struct config *c, const char *target)
{
	size_t i;

	for (i = 0; i < c->n_allowed_dirs; i++)
		if (path_within(target, c->allowed_dirs[i]))
			return c->allowed_dirs[i];
	return NULL;
}

/* An empty target is an eject: it reads no file, so it is always allowed. */
bool
config_target_allowed(const struct config *c, const char *target)
{
	return c->n_allowed_dirs == 0 || *target == '\0' ||
	    config_allowed_dir(c, target) != NULL;
}
