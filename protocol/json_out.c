/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * The JSON writer (json_out.h): appends into a bounded or a growing
 * buffer, and json_append_string(), which escapes a string.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "json_out.h"

/* Appends n bytes at *used if they fit with a NUL after them. */
static bool
put(char *buf, size_t *used, size_t cap, const char *s, size_t n)
{
	if (cap - *used <= n)
		return false;
	memcpy(buf + *used, s, n);
	*used += n;
	return true;
}

/* JSON needs '"', '\\' and control bytes escaped; the rest goes as is. */
static bool
put_char(char *buf, size_t *used, size_t cap, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	char e[6] = { '\\', 'u', '0', '0' };

	if (c == '"' || c == '\\') {
		e[1] = c;
		return put(buf, used, cap, e, 2);
	}
	if (c < 0x20) {
		e[4] = hex[c >> 4];
		e[5] = hex[c & 0xf];
		return put(buf, used, cap, e, 6);
	}
	return put(buf, used, cap, (const char *)&c, 1);
}

int
json_append_string(char *buf, size_t len, size_t cap, const char *s)
{
	size_t used = len;
	bool fit;

	if (s == NULL || len >= cap || cap > INT_MAX)
		return -1;
	fit = put(buf, &used, cap, "\"", 1);
	for (; fit && *s != '\0'; s++)
		fit = put_char(buf, &used, cap, *s);
	if (!fit || !put(buf, &used, cap, "\"", 1)) {
		buf[len] = '\0';
		return -1;
	}
	buf[used] = '\0';
	return (int)used;
}

void
json_out_fixed(struct json_out *o, char *buf, size_t cap)
{
	o->buf = buf;
	o->cap = cap;
	o->len = 0;
	o->grows = false;
	o->bad = buf == NULL || cap == 0 || cap > INT_MAX;
	if (!o->bad)
		buf[0] = '\0';
}

void
json_out_growing(struct json_out *o)
{
	o->buf = NULL;
	o->cap = o->len = 0;
	o->grows = true;
	o->bad = false;
}

/* Room for n more bytes and the NUL. */
static bool
room(struct json_out *o, size_t n)
{
	size_t want;
	char *p;

	if (o->bad)
		return false;
	if (o->cap - o->len > n)
		return true;
	if (!o->grows || n > INT_MAX / 2 - o->len) {
		o->bad = true;
		return false;
	}
	want = o->cap > 0 ? o->cap : 256;
	while (want - o->len <= n)
		want *= 2;
	if ((p = realloc(o->buf, want)) == NULL) {
		o->bad = true;
		return false;
	}
	o->buf = p;
	o->cap = want;
	return true;
}

void
json_out_bytes(struct json_out *o, const char *s, size_t n)
{
	if (!room(o, n))
		return;
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

void
json_out_raw(struct json_out *o, const char *s)
{
	json_out_bytes(o, s, strlen(s));
}

void
json_out_str(struct json_out *o, const char *s)
{
	int n;

	/* An escaped byte takes at most 6 ("\u00XX"), and two quotes. */
	if (s == NULL || strlen(s) > (INT_MAX - 2) / 6 ||
	    !room(o, o->grows ? 6 * strlen(s) + 2 : 0)) {
		o->bad = true;
		return;
	}
	if ((n = json_append_string(o->buf, o->len, o->cap, s)) < 0)
		o->bad = true;
	else
		o->len = (size_t)n;
}

void
json_out_int(struct json_out *o, long long v)
{
	char num[24];

	snprintf(num, sizeof(num), "%lld", v);
	json_out_raw(o, num);
}

void
json_out_key(struct json_out *o, const char *key, bool first)
{
	if (!first)
		json_out_raw(o, ",");
	json_out_str(o, key);
	json_out_raw(o, ":");
}

int
json_out_end(struct json_out *o)
{
	if (o->bad) {
		if (o->buf != NULL && o->cap > 0)
			o->buf[0] = '\0';
		return -1;
	}
	return (int)o->len;
}

void
json_out_free(struct json_out *o)
{
	if (o->grows)
		free(o->buf);
	o->buf = NULL;
	o->cap = o->len = 0;
}
