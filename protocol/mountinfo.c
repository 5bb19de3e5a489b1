/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * proc(5)'s mountinfo, a mount a line:
 *	36 35 98:0 /mnt1 /mnt/parent rw,noatime master:1 - ext3 /dev/root rw
 * (id, parent, device, root, mount point, options, optional fields, "-",
 * type, source, super options); spaces in paths are written "\040".
 */
#include <stdio.h>
#include <string.h>

#include "mountinfo.h"

#define FIELD_MAX 1024

struct mount {
	char dev[32], root[FIELD_MAX], point[FIELD_MAX];
	char type[64], source[FIELD_MAX];
};

/* Copies the next space-separated field, undoing octal escapes. */
static const char *
field(const char *p, const char *end, char *out, size_t cap)
{
	size_t n = 0;

	while (p < end && *p == ' ')
		p++;
	while (p < end && *p != ' ') {
		char c = *p++;

		if (c == '\\' && end - p >= 3 && p[0] >= '0' && p[0] <= '3' &&
		    p[1] >= '0' && p[1] <= '7' && p[2] >= '0' && p[2] <= '7') {
			c = (char)((p[0] - '0') * 64 + (p[1] - '0') * 8 +
			    (p[2] - '0'));
			p += 3;
		}
		if (n + 1 < cap)
			out[n++] = c;
	}
	out[n] = '\0';
	return p;
}

static bool
parse_line(const char *p, const char *end, struct mount *m)
{
	char skip[FIELD_MAX];

	p = field(p, end, skip, sizeof(skip));		/* id */
	p = field(p, end, skip, sizeof(skip));		/* parent */
	p = field(p, end, m->dev, sizeof(m->dev));
	p = field(p, end, m->root, sizeof(m->root));
	p = field(p, end, m->point, sizeof(m->point));
	do
		p = field(p, end, skip, sizeof(skip));
	while (p < end && strcmp(skip, "-") != 0);
	if (strcmp(skip, "-") != 0)
		return false;
	p = field(p, end, m->type, sizeof(m->type));
	field(p, end, m->source, sizeof(m->source));
	return m->point[0] == '/';
}

/* Is dir the mount point, or below it? */
static bool
on_mount(const char *dir, const char *point)
{
	size_t n = strlen(point);

	if (strcmp(point, "/") == 0)
		return true;
	return strncmp(dir, point, n) == 0 && (dir[n] == '\0' || dir[n] == '/');
}

/* The last-mounted of the deepest mount points dir lies under. */
static bool
deepest(const char *text, size_t len, const char *dir, struct mount *best)
{
	static struct mount m;
	const char *p = text, *end = text + len, *nl;
	size_t best_len = 0;
	bool found = false;

	while (p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if (parse_line(p, nl, &m) && on_mount(dir, m.point) &&
		    strlen(m.point) >= best_len) {
			*best = m;
			best_len = strlen(m.point);
			found = true;
		}
		p = nl + 1;
	}
	return found;
}

bool
mountinfo_hidden(const char *self, size_t self_len, const char *init,
    size_t init_len, const char *dir, char *at, size_t cap)
{
	static struct mount s, i;

	if (!deepest(self, self_len, dir, &s))
		return false;
	if (deepest(init, init_len, dir, &i) && strcmp(s.point, i.point) == 0 &&
	    strcmp(s.dev, i.dev) == 0 && strcmp(s.root, i.root) == 0 &&
	    strcmp(s.type, i.type) == 0 && strcmp(s.source, i.source) == 0)
		return false;
	snprintf(at, cap, "%s", s.point);
	return true;
}
