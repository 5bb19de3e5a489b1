/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * Strict JSON documents: the typed accessors over a parsed document.
 * Callers ask for "member key, a string" and get false for anything
 * else; no caller ever sees a jsmn token.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define JSMN_HEADER
#include "json_impl.h"

struct json_val
json_root(const struct json *doc)
{
	struct json_val v = { doc, 0 };

	return v;
}

/* The token behind v, or NULL for a value that points nowhere. */
static const jsmntok_t *
tok_of(struct json_val v)
{
	if (v.doc == NULL || v.tok < 0 || v.tok >= v.doc->ntok)
		return NULL;
	return &v.doc->tok[v.tok];
}

static bool
is_type(struct json_val v, jsmntype_t type)
{
	const jsmntok_t *t = tok_of(v);

	return t != NULL && t->type == type;
}

bool
json_is_object(struct json_val v)
{
	return is_type(v, JSMN_OBJECT);
}

bool
json_is_array(struct json_val v)
{
	return is_type(v, JSMN_ARRAY);
}

bool
json_is_string(struct json_val v)
{
	return is_type(v, JSMN_STRING);
}

bool
json_is_null(struct json_val v)
{
	const jsmntok_t *t = tok_of(v);

	return t != NULL && json_literal_is(v.doc, t, "null");
}

bool
json_get(struct json_val v, const char *key, struct json_val *out)
{
	const jsmntok_t *t = tok_of(v);
	struct json_val k = { v.doc, v.tok + 1 };
	int n;

	if (t == NULL || t->type != JSMN_OBJECT || key == NULL)
		return false;
	/* Each key's subtree holds its value: skipping it skips both. */
	for (n = 0; n < t->size; n++, k.tok += v.doc->sub[k.tok]) {
		if (json_string_eq(k, key)) {
			out->doc = v.doc;
			out->tok = k.tok + 1;
			return true;
		}
	}
	return false;
}

static int
hex4(const char *p, const char *end, unsigned *out)
{
	unsigned v = 0;
	int i;

	if (end - p < 4)
		return -1;
	for (i = 0; i < 4; i++, p++) {
		v <<= 4;
		if (*p >= '0' && *p <= '9')
			v |= *p - '0';
		else if (*p >= 'a' && *p <= 'f')
			v |= *p - 'a' + 10;
		else if (*p >= 'A' && *p <= 'F')
			v |= *p - 'A' + 10;
		else
			return -1;
	}
	*out = v;
	return 0;
}

static int
utf8_encode(unsigned cp, char *out)
{
	if (cp < 0x80) {
		out[0] = cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = 0xc0 | cp >> 6;
		out[1] = 0x80 | (cp & 0x3f);
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = 0xe0 | cp >> 12;
		out[1] = 0x80 | (cp >> 6 & 0x3f);
		out[2] = 0x80 | (cp & 0x3f);
		return 3;
	}
	out[0] = 0xf0 | cp >> 18;
	out[1] = 0x80 | (cp >> 12 & 0x3f);
	out[2] = 0x80 | (cp >> 6 & 0x3f);
	out[3] = 0x80 | (cp & 0x3f);
	return 4;
}

/*
 * \uXXXX at *p (past the "\u"), with its low surrogate if it is a high
 * one.  NUL and lone surrogates are refused: no C string holds them.
 */
static int
unescape_u(const char **p, const char *end, char *out)
{
	unsigned cp, lo;

	if (hex4(*p, end, &cp) < 0 || cp == 0 ||
	    (cp >= 0xdc00 && cp <= 0xdfff))
		return -1;
	*p += 4;
	if (cp >= 0xd800 && cp <= 0xdbff) {
		if (end - *p < 6 || (*p)[0] != '\\' || (*p)[1] != 'u' ||
		    hex4(*p + 2, end, &lo) < 0 || lo < 0xdc00 || lo > 0xdfff)
			return -1;
		*p += 6;
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	}
	return utf8_encode(cp, out);
}

/* Decodes the next character of a string's text into out (4 bytes). */
static int
unescape_next(const char **p, const char *end, char *out)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *c;

	if (**p != '\\') {
		out[0] = *(*p)++;
		return 1;
	}
	if (++*p == end || **p == '\0')
		return -1;
	if (**p == 'u') {
		++*p;
		return unescape_u(p, end, out);
	}
	if ((c = strchr(from, **p)) == NULL)
		return -1;
	++*p;
	out[0] = to[c - from];
	return 1;
}

/*
 * Calls fn for each decoded piece of string v; false if v is no
 * string, does not decode or fn says stop.
 */
static bool
string_walk(struct json_val v, bool (*fn)(void *, const char *, int),
    void *ctx)
{
	const jsmntok_t *t = tok_of(v);
	const char *p, *end;
	char piece[4];
	int n;

	if (t == NULL || t->type != JSMN_STRING)
		return false;
	p = v.doc->text + t->start;
	end = v.doc->text + t->end;
	while (p < end) {
		if ((n = unescape_next(&p, end, piece)) < 0 ||
		    !fn(ctx, piece, n))
			return false;
	}
	return true;
}

struct copy_ctx {
	char *buf;
	size_t len, used;
};

static bool
copy_piece(void *ctx, const char *piece, int n)
{
	struct copy_ctx *c = ctx;

	if (c->len - c->used <= (size_t)n)
		return false;	/* and keep room for the NUL */
	memcpy(c->buf + c->used, piece, n);
	c->used += n;
	return true;
}

bool
json_string(struct json_val v, char *buf, size_t len)
{
	struct copy_ctx c = { buf, len, 0 };

	if (len == 0)
		return false;
	if (!string_walk(v, copy_piece, &c)) {
		buf[0] = '\0';		/* no half-copied string */
		return false;
	}
	buf[c.used] = '\0';
	return true;
}

static bool
match_piece(void *ctx, const char *piece, int n)
{
	const char **s = ctx;

	if (strncmp(*s, piece, n) != 0)
		return false;
	*s += n;
	return true;
}

bool
json_string_eq(struct json_val v, const char *s)
{
	return s != NULL && string_walk(v, match_piece, &s) && *s == '\0';
}

/* Digits only, no leading zero, optional '-': what QMP ids look like. */
bool
json_int(struct json_val v, long long *out)
{
	const jsmntok_t *t = tok_of(v);
	const char *p, *end;
	long long acc = 0;	/* negative, so LLONG_MIN fits */
	bool neg;
	int d;

	if (t == NULL || t->type != JSMN_PRIMITIVE)
		return false;
	p = v.doc->text + t->start;
	end = v.doc->text + t->end;
	if ((neg = p < end && *p == '-'))
		p++;
	if (p == end || (*p == '0' && end - p > 1))
		return false;
	for (; p < end; p++) {
		if (*p < '0' || *p > '9')
			return false;
		d = *p - '0';
		if (acc < LLONG_MIN / 10 ||
		    (acc == LLONG_MIN / 10 && d > -(LLONG_MIN % 10)))
			return false;
		acc = acc * 10 - d;
	}
	if (!neg && acc == LLONG_MIN)
		return false;
	*out = neg ? acc : -acc;
	return true;
}

bool
json_bool(struct json_val v, bool *out)
{
	const jsmntok_t *t = tok_of(v);

	if (t == NULL)
		return false;
	if (json_literal_is(v.doc, t, "true"))
		*out = true;
	else if (json_literal_is(v.doc, t, "false"))
		*out = false;
	else
		return false;
	return true;
}

size_t
json_array_len(struct json_val v)
{
	const jsmntok_t *t = tok_of(v);

	return t != NULL && t->type == JSMN_ARRAY ? (size_t)t->size : 0;
}

bool
json_array_first(struct json_val v, struct json_val *elem)
{
	if (json_array_len(v) == 0)
		return false;
	elem->doc = v.doc;
	elem->tok = v.tok + 1;
	return true;
}

bool
json_array_next(struct json_val *elem)
{
	const jsmntok_t *t = tok_of(*elem);
	int next;

	if (t == NULL || t->parent < 0 ||
	    elem->doc->tok[t->parent].type != JSMN_ARRAY)
		return false;
	next = elem->tok + elem->doc->sub[elem->tok];
	if (next >= elem->doc->ntok || elem->doc->tok[next].parent != t->parent)
		return false;
	elem->tok = next;
	return true;
}

bool
json_span(struct json_val v, size_t *start, size_t *end)
{
	const jsmntok_t *t = tok_of(v);

	if (t == NULL)
		return false;
	*start = (size_t)json_text_start(t);
	*end = (size_t)json_text_end(t);
	return true;
}

bool
json_raw(struct json_val v, const char **text, size_t *len)
{
	const jsmntok_t *t = tok_of(v);

	if (t == NULL)
		return false;
	*text = v.doc->text + json_text_start(t);
	*len = (size_t)(json_text_end(t) - json_text_start(t));
	return true;
}
