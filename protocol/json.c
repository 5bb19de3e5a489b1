/*
 * Strict JSON documents on top of jsmn, with typed accessors.  jsmn
 * only cuts the text into tokens; even in strict mode it lets through
 * missing or doubled separators, several top-level values and
 * primitives such as "tru", so json_parse() checks every token and
 * every gap between tokens before anyone may look at the document.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define JSMN_STATIC
#define JSMN_STRICT
#define JSMN_PARENT_LINKS
#include <jsmn.h>		/* jsmn (libjsmn-dev): MIT licence */

#include "json.h"

struct json {
	char *text;		/* copy, then "\n" and a NUL: see tokenize() */
	size_t len;
	jsmntok_t *tok;		/* pre-order, with parent links */
	int *sub;		/* tokens in each subtree, itself included */
	int ntok;
};

static bool
is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Where token t's text begins and ends, quotes included. */
static int
text_start(const jsmntok_t *t)
{
	return t->type == JSMN_STRING ? t->start - 1 : t->start;
}

static int
text_end(const jsmntok_t *t)
{
	return t->type == JSMN_STRING ? t->end + 1 : t->end;
}

/* Is text[from, to) blanks around exactly one sep (or none if 0)? */
static bool
gap_ok(const char *text, int from, int to, char sep)
{
	bool seen = sep == '\0';

	if (from > to)
		return false;
	for (; from < to; from++) {
		if (is_ws(text[from]))
			continue;
		if (seen || text[from] != sep)
			return false;
		seen = true;
	}
	return seen;
}

static bool
digits(const char **p, const char *end)
{
	const char *s = *p;

	while (*p < end && **p >= '0' && **p <= '9')
		(*p)++;
	return *p > s;
}

/* RFC 8259's number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool
number_ok(const char *p, const char *end)
{
	if (p < end && *p == '-')
		p++;
	if (p < end && *p == '0')
		p++;
	else if (!digits(&p, end))
		return false;
	if (p < end && *p == '.') {
		p++;
		if (!digits(&p, end))
			return false;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (!digits(&p, end))
			return false;
	}
	return p == end;
}

static bool
literal_is(const struct json *doc, const jsmntok_t *t, const char *lit)
{
	size_t n = strlen(lit);

	return t->type == JSMN_PRIMITIVE && (size_t)(t->end - t->start) == n &&
	    memcmp(doc->text + t->start, lit, n) == 0;
}

/* jsmn checks a string's escapes but not its raw control bytes. */
static bool
token_ok(const struct json *doc, const jsmntok_t *t)
{
	const char *p = doc->text + t->start, *end = doc->text + t->end;

	if (t->type == JSMN_STRING) {
		for (; p < end; p++)
			if ((unsigned char)*p < 0x20)
				return false;
		return true;
	}
	if (t->type == JSMN_PRIMITIVE)
		return literal_is(doc, t, "true") ||
		    literal_is(doc, t, "false") ||
		    literal_is(doc, t, "null") || number_ok(p, end);
	return true;
}

/*
 * Where the text after the last member seen in container c resumes;
 * last[] holds each token's last child so far.  -1 when that member is
 * a key still without its value.
 */
static int
resume_at(const struct json *doc, const int *last, int c)
{
	int k = last[c];

	if (k < 0)
		return doc->tok[c].start + 1;
	if (doc->tok[c].type == JSMN_OBJECT && (k = last[k]) < 0)
		return -1;
	return text_end(&doc->tok[k]);
}

/*
 * Token i, in its parent: an object holds keys, a key exactly one
 * value after a ':', an array values; members are split by ','.
 */
static bool
member_ok(const struct json *doc, int *last, int i)
{
	const jsmntok_t *t = &doc->tok[i], *p;
	int from;

	if (t->parent < 0)
		return false;	/* a second top-level value */
	p = &doc->tok[t->parent];
	switch (p->type) {
	case JSMN_STRING:
		if (p->parent < 0 || doc->tok[p->parent].type != JSMN_OBJECT ||
		    last[t->parent] >= 0)
			return false;
		if (!gap_ok(doc->text, text_end(p), text_start(t), ':'))
			return false;
		break;
	case JSMN_OBJECT:
		if (t->type != JSMN_STRING)
			return false;
		/* FALLTHROUGH */
	case JSMN_ARRAY:
		if ((from = resume_at(doc, last, t->parent)) < 0 ||
		    !gap_ok(doc->text, from, text_start(t),
		    last[t->parent] < 0 ? '\0' : ','))
			return false;
		break;
	default:
		return false;
	}
	last[t->parent] = i;
	return true;
}

/* Containers close after their last member, keys have their value. */
static bool
closing_ok(const struct json *doc, const int *last, int i)
{
	const jsmntok_t *t = &doc->tok[i];
	int from;

	if (t->type == JSMN_OBJECT || t->type == JSMN_ARRAY)
		return (from = resume_at(doc, last, i)) >= 0 &&
		    gap_ok(doc->text, from, t->end - 1, '\0');
	if (t->type == JSMN_STRING && t->parent >= 0 &&
	    doc->tok[t->parent].type == JSMN_OBJECT)
		return last[i] >= 0;
	return true;
}

static const char *
check_tree(struct json *doc)
{
	int *last, i;
	const char *why = NULL;

	if ((last = malloc(doc->ntok * sizeof(*last))) == NULL)
		return "out of memory";
	for (i = 0; i < doc->ntok; i++)
		last[i] = -1;
	for (i = 0; i < doc->ntok && why == NULL; i++) {
		if (!token_ok(doc, &doc->tok[i]))
			why = "invalid string or primitive";
		else if (i > 0 && doc->tok[i].parent < 0)
			why = "more than one value";
		else if (i > 0 && !member_ok(doc, last, i))
			why = "malformed structure";
	}
	for (i = 0; i < doc->ntok && why == NULL; i++)
		if (!closing_ok(doc, last, i))
			why = "malformed structure";
	if (why == NULL && (!gap_ok(doc->text, 0, text_start(&doc->tok[0]),
	    '\0') || !gap_ok(doc->text, text_end(&doc->tok[0]), (int)doc->len,
	    '\0')))
		why = "trailing or leading garbage";
	free(last);
	return why;
}

/* Children follow their parent, so one backward pass sums subtrees. */
static void
count_subtrees(struct json *doc)
{
	int i;

	for (i = 0; i < doc->ntok; i++)
		doc->sub[i] = 1;
	for (i = doc->ntok - 1; i > 0; i--)
		doc->sub[doc->tok[i].parent] += doc->sub[i];
}

static const char *
tokenize(struct json *doc)
{
	jsmn_parser p;
	size_t max;
	int r;

	max = doc->len + 1 < JSON_TOKENS_MAX ? doc->len + 1 : JSON_TOKENS_MAX;
	doc->tok = malloc(max * sizeof(*doc->tok));
	doc->sub = malloc(max * sizeof(*doc->sub));
	if (doc->tok == NULL || doc->sub == NULL)
		return "out of memory";
	jsmn_init(&p);
	/*
	 * Strict jsmn wants a delimiter after a primitive even at the end:
	 * the copy's extra "\n" lets a document be just "1".
	 */
	r = jsmn_parse(&p, doc->text, doc->len + 1, doc->tok, max);
	if (r == JSMN_ERROR_NOMEM)
		return "too many tokens";
	if (r == JSMN_ERROR_PART)
		return "truncated";
	if (r < 0)
		return "malformed";
	if (r == 0)
		return "empty document";
	doc->ntok = r;
	return NULL;
}

struct json *
json_parse(const char *text, size_t len, const char **why)
{
	struct json *doc;
	const char *err;

	*why = NULL;
	if (text == NULL) {
		*why = "no document";
		return NULL;
	}
	if (len > JSON_TEXT_MAX) {
		*why = "document too large";
		return NULL;
	}
	if (memchr(text, '\0', len) != NULL) {
		*why = "NUL byte in document";
		return NULL;
	}
	if ((doc = calloc(1, sizeof(*doc))) == NULL ||
	    (doc->text = malloc(len + 2)) == NULL) {
		free(doc);
		*why = "out of memory";
		return NULL;
	}
	memcpy(doc->text, text, len);
	doc->text[len] = '\n';
	doc->text[len + 1] = '\0';
	doc->len = len;
	if ((err = tokenize(doc)) == NULL && (err = check_tree(doc)) == NULL)
		count_subtrees(doc);
	if (err != NULL) {
		json_free(doc);
		*why = err;
		return NULL;
	}
	return doc;
}

void
json_free(struct json *doc)
{
	if (doc == NULL)
		return;
	free(doc->text);
	free(doc->tok);
	free(doc->sub);
	free(doc);
}

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

	return t != NULL && literal_is(v.doc, t, "null");
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
	if (literal_is(v.doc, t, "true"))
		*out = true;
	else if (literal_is(v.doc, t, "false"))
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

bool
json_raw(struct json_val v, const char **text, size_t *len)
{
	const jsmntok_t *t = tok_of(v);

	if (t == NULL)
		return false;
	*text = v.doc->text + text_start(t);
	*len = (size_t)(text_end(t) - text_start(t));
	return true;
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
